// SPDX-License-Identifier: Apache-2.0
// The lwm2mc-client executable: option and configuration errors, and a whole run against a test peer whose
// trace replays on the shipped model.

#include "lwm2mc/conformance/lwm2m_server.hpp"
#include "lwm2mc/model/interpreter.hpp"
#include "lwm2mc/model/loader.hpp"
#include "lwm2mc/model/replay.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <variant>

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

struct AppRun {
    int code{-1};
    std::string err;
};

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

AppRun run_app(const std::string& args) {
    const fs::path err = fs::temp_directory_path() / ("lwm2mc_app_" + std::to_string(::getpid()) + ".err");
    const std::string command = std::string(LWM2MC_CLIENT_APP) + " " + args + " >/dev/null 2>" + err.string();
    AppRun r;
    const int status = std::system(command.c_str());
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.err = slurp(err);
    fs::remove(err);
    return r;
}

fs::path temp_dir(const std::string& name) {
    const fs::path dir = fs::temp_directory_path() / ("lwm2mc_app_" + name + "_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

}  // namespace

TEST(ClientApp, ConfigurationErrorsAreReportedWithFileLineAndColumn) {
    const fs::path dir = temp_dir("config");
    std::ofstream(dir / "c.json") << "{\n  \"factroy\": true\n}\n";

    const AppRun unknown = run_app("-c " + (dir / "c.json").string());
    const AppRun no_mode =
        run_app("--config factory=false,smartcard=false,client_initiated=false,server_initiated=false");
    const AppRun bad_value = run_app("--config hold_off=-3");
    const AppRun bad_option = run_app("--clock-factor -1");
    const AppRun reexec =
        run_app("--reexec-on-reboot --config factory=true,client_initiated=false -s coap://127.0.0.1:5683");

    EXPECT_EQ(unknown.code, 2);
    EXPECT_NE(unknown.err.find("c.json:2:3: error: unknown configuration key 'factroy'"), std::string::npos)
        << unknown.err;
    EXPECT_NE(unknown.err.find("did you mean 'factory'"), std::string::npos) << unknown.err;
    EXPECT_EQ(no_mode.code, 2);
    EXPECT_NE(no_mode.err.find("at least one bootstrap mode"), std::string::npos) << no_mode.err;
    EXPECT_EQ(bad_value.code, 2);
    EXPECT_NE(bad_value.err.find("hold_off"), std::string::npos) << bad_value.err;
    EXPECT_NE(bad_option.code, 0);
    EXPECT_NE(bad_option.err.find("--clock-factor"), std::string::npos) << bad_option.err;
    EXPECT_EQ(reexec.code, 2);
    EXPECT_NE(reexec.err.find("--reexec-on-reboot needs --state-dir"), std::string::npos) << reexec.err;
    fs::remove_all(dir);
}

TEST(ClientApp, RegistersWithAServerAndItsTraceReplaysOnTheModel) {
    lwm2mc::conformance::Lwm2mServer server;
    server.start();
    const fs::path dir = temp_dir("run");
    const std::string uri = "coap://127.0.0.1:" + std::to_string(server.endpoint().port);

    const AppRun r = run_app("-e app-node --config factory=true,client_initiated=false -s " + uri + " -d " +
                             (dir / "state").string() + " --trace " + (dir / "trace.jsonl").string() +
                             " --exit-when Registered --run-for 20");

    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_TRUE(server.registration("app-node").has_value());
    EXPECT_TRUE(fs::exists(dir / "state"));
    auto loaded = lwm2mc::model::load_model(std::string(LWM2MC_SPECS_DIR) + "/lwm2m-ts10-draft.lwm2m");
    ASSERT_TRUE(loaded.ok());
    const lwm2mc::model::Interpreter interp{*loaded.model};
    std::string error;
    const auto fixed = interp.parse_assignment("factory=true,smartcard=false,client_initiated=false,server_initiated="
                                               "false,supports_factory_reset=true,hold_off=0",
                                               error);
    lwm2mc::model::Configuration config;
    for (const auto& v : fixed) {
        config.values.push_back(v.value_or(0));
    }
    const auto parsed = lwm2mc::model::parse_trace(slurp(dir / "trace.jsonl"));
    ASSERT_TRUE(std::holds_alternative<std::vector<lwm2mc::model::Observation>>(parsed));
    const auto replayed =
        lwm2mc::model::replay(*loaded.model, config, std::get<std::vector<lwm2mc::model::Observation>>(parsed));
    EXPECT_TRUE(replayed.ok()) << replayed.divergence->message;
    EXPECT_EQ(loaded.model->state(replayed.state.state).name, "Registered");
    fs::remove_all(dir);
}

TEST(ClientApp, RegistersOverCoapsWithThePskFromTheCommandLine) {
    // Security Mode 0 end to end through the options: -s coaps://, the identity and key as hex via --config.
    lwm2mc::conformance::PeerOptions dtls;
    dtls.psk_table = {{{'a', 'p', 'p'}, {0xc0, 0xff, 0xee, 0x01}}};
    lwm2mc::conformance::Lwm2mServer server{dtls};
    server.start();
    const std::string uri = "coaps://127.0.0.1:" + std::to_string(server.endpoint().port);
    const std::string base = "-e app-psk-node --config factory=true,client_initiated=false -s " + uri;

    const AppRun missing_key = run_app(base + " --exit-when Registered --run-for 20");
    const AppRun r = run_app(base + " --config server_psk_identity=617070,server_psk_key=c0ffee01" +
                             " --exit-when Registered --run-for 20");

    EXPECT_EQ(missing_key.code, 2);
    EXPECT_NE(missing_key.err.find("server_psk_key"), std::string::npos) << missing_key.err;
    ASSERT_EQ(r.code, 0) << r.err;
    const auto reg = server.registration("app-psk-node");
    ASSERT_TRUE(reg.has_value());
    EXPECT_TRUE(reg->client.secure);
}
