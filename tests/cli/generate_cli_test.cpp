// SPDX-License-Identifier: Apache-2.0
// `lwm2mc generate` as a user runs it: outputs, exit codes and messages.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>

#include "cli_run.hpp"

namespace fs = std::filesystem;

namespace {

using lwm2mc::test::run_cli;
using lwm2mc::test::slurp;

const std::string kSpecs = LWM2MC_SPECS_DIR;
const std::string kModel = kSpecs + "/lwm2m-ts10-draft.lwm2m";
const std::string kOverlay = kSpecs + "/proposals/2017-0009-ci-with-si.lwm2m";
const std::string kServerInitiatedOnly =
    "factory=false,smartcard=false,client_initiated=false,server_initiated=true,supports_factory_reset=true,hold_off=0";

fs::path temp_file(const std::string& name) {
    return fs::temp_directory_path() / ("lwm2mc_generate_test_" + std::to_string(::getpid()) + "_" + name);
}

TEST(CliGenerate, WritesOneSuitePerConfigurationClassAtTheLowerBound) {
    auto out = temp_file("all.json");

    auto r = run_cli("generate " + kModel + " --config hold_off=0 --cover transitions -o " + out.string());

    ASSERT_EQ(r.code, 0) << r.err;
    auto doc = nlohmann::json::parse(slurp(out));
    EXPECT_EQ(doc["format"], "lwm2mc-suite/1");
    EXPECT_EQ(doc["suites"].size(), 22U);
    for (const auto& s : doc["suites"]) {
        EXPECT_EQ(s["statistics"]["length"], s["statistics"]["lower_bound"]);
        EXPECT_EQ(s["statistics"]["covered"], s["statistics"]["targets"]);
    }
    EXPECT_NE(r.out.find("class 22: factory=true, smartcard=false, client_initiated=true, server_initiated=true"),
              std::string::npos)
        << r.out;
    fs::remove(out);
}

TEST(CliGenerate, FindingsGiveOneTestPerFindingOfCheck) {
    auto out = temp_file("findings.json");

    auto r =
        run_cli("generate " + kModel + " --config " + kServerInitiatedOnly + " --cover findings -o " + out.string());
    auto check = run_cli("check " + kModel + " --engine explicit --format json --config " + kServerInitiatedOnly);

    ASSERT_EQ(r.code, 0) << r.err;
    auto doc = nlohmann::json::parse(slurp(out));
    auto findings = nlohmann::json::parse(check.out)["findings"];
    const auto& suite = doc["suites"][0];
    ASSERT_GT(findings.size(), 0U);
    // every finding is a case or is reported as not testable, with its id
    EXPECT_EQ(suite["cases"].size() + suite["not_covered"].size(), findings.size());
    bool dead_end = false;
    for (const auto& c : suite["cases"]) {
        if (c["steps"].back().contains("covers") && c["steps"].back()["covers"][0] == "no-recovery:BsFailed") {
            dead_end = true;
            // boot, the bootstrap server's write, no Finish within EXCHANGE_LIFETIME, then what the client does
            EXPECT_EQ(c["steps"][2]["event"], "exchange_lifetime_expired");
            EXPECT_EQ(c["steps"][2]["duration_s"], 247);
            EXPECT_EQ(c["steps"].back()["kind"], "await");
        }
    }
    EXPECT_TRUE(dead_end);
    fs::remove(out);
}

TEST(CliGenerate, MarkdownNamesSourceLinesAndSpecReferences) {
    auto r = run_cli("generate " + kModel + " --config " + kServerInitiatedOnly + " --format markdown -o -");

    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("| do `si_write` | BsHoldOff -> BsPending |"), std::string::npos);
    EXPECT_NE(r.out.find("lwm2m-ts10-draft.lwm2m:127:1 | TS §5.2.3.4, §5.2.4 step 4 |"), std::string::npos);
}

TEST(CliGenerate, GtestExportEmbedsTheSuiteAndOneTestPerCase) {
    auto r = run_cli("generate " + kModel + " --config " + kServerInitiatedOnly +
                     " --format gtest --gtest-suite ServerInitiatedOnly -o -");

    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("#include \"generated_suite_driver.hpp\""), std::string::npos);
    EXPECT_NE(r.out.find("TEST(ServerInitiatedOnly, Class1Case1) { lwm2mc::generated::run_case(kSuite, 0, 0); }"),
              std::string::npos);
}

TEST(CliGenerate, TheProposalDecidesWhichConfigurationsExist) {
    auto base = run_cli("generate " + kModel + " --config " + kServerInitiatedOnly + " -o -");
    auto proposal =
        run_cli("generate " + kModel + " --proposal " + kOverlay + " --config " + kServerInitiatedOnly + " -o -");
    auto classes = run_cli("generate " + kModel + " --proposal " + kOverlay + " --config hold_off=0 -o -");

    ASSERT_EQ(base.code, 0) << base.err;
    // the recommendation: server-initiated bootstrap only together with client-initiated
    EXPECT_EQ(proposal.code, 2);
    EXPECT_NE(proposal.err.find("the configuration violates the constraint(s) 'ci_with_si'"), std::string::npos)
        << proposal.err;
    ASSERT_EQ(classes.code, 0) << classes.err;
    EXPECT_LT(nlohmann::json::parse(classes.out)["suites"].size(), 22U);
}

TEST(CliGenerate, BadArgumentsGetClearMessagesAndExitTwo) {
    struct Case {
        std::string args;
        std::string message;
    };
    const std::vector<Case> cases = {
        {"--cover everything", "unknown coverage criterion 'everything' (expected one of states, transitions"},
        {"--config nonsense=1", "--config: unknown parameter 'nonsense'"},
        {"--config hold_off=0 --exclude-events boot", "event 'boot' cannot be excluded"},
        {"--config hold_off=0 --exclude-events bogus", "--exclude-events: unknown event 'bogus'"},
        {"--cover paths:", "'paths:' needs a scenario file: paths:FILE"},
    };
    for (const auto& c : cases) {
        auto r = run_cli("generate " + kModel + " " + c.args + " -o -");

        EXPECT_EQ(r.code, 2) << c.args;
        EXPECT_NE(r.err.find(c.message), std::string::npos) << c.args << "\n" << r.err;
    }
}

TEST(CliGenerate, ScenarioFileErrorsPointAtTheLine) {
    auto paths = temp_file("paths.txt");
    {
        std::ofstream f(paths);
        f << "# a client that only supports server-initiated bootstrap does not request one\nboot\nhold_off_expired\n";
    }

    auto r = run_cli("generate " + kModel + " --config " + kServerInitiatedOnly + " --cover paths:" + paths.string() +
                     " -o -");

    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find(paths.string() +
                         ":3:1: error: event 'hold_off_expired' is not enabled in BsHoldOff [has_bs_account=true, "
                         "has_server_account=false, reg_info=RegInfoNone, after_factory_reset=false] under this "
                         "configuration; the model allows: si_write -> BsPending, power_cycle -> Rebooting [G005]"),
              std::string::npos)
        << r.err;
    fs::remove(paths);
}

TEST(CliGenerate, AScenarioFileThatDoesNotExistIsAUsageError) {
    // like every file named on the command line (docs/diagnostics.md); one that exists but cannot be read is an
    // I/O error (3)
    auto r = run_cli("generate " + kModel + " --config " + kServerInitiatedOnly + " --cover paths:/nonexistent -o -");

    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("--cover: File does not exist: /nonexistent"), std::string::npos) << r.err;
}

}  // namespace
