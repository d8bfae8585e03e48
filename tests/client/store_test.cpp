// SPDX-License-Identifier: Apache-2.0
#include "lwm2mc/client/store.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.hpp"

using namespace lwm2mc::client;
using namespace lwm2mc::client::testing;

namespace {

PersistentState sample(int n) {
    PersistentState st;
    SecurityInstance bs;
    bs.server_uri = "coap://127.0.0.1:5685";
    bs.bootstrap_server = true;
    bs.client_hold_off_time = n;
    st.data.security.emplace(0, bs);
    ServerInstance srv;
    srv.ssid = 1;
    srv.lifetime = 100 + n;
    srv.retry.communication_retry_count = 3;
    st.data.server.emplace(1, srv);
    st.registration = Registration{1, {"rd", std::to_string(n)}, 100 + n, "U", "</1/1>,</3/0>"};
    st.reg_info = RegInfo::Valid;
    st.after_factory_reset = n % 2 == 1;
    return st;
}

std::string read_all(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace

TEST(Store, SavesAndLoadsTheState) {
    TempDir dir;
    const StateStore store{dir.path};

    const auto nothing = store.load();
    store.save(sample(3));
    const auto loaded = store.load();

    EXPECT_FALSE(nothing.has_value());
    ASSERT_TRUE(loaded.has_value());
    EXPECT_EQ(*loaded, sample(3));
}

TEST(Store, TruncatedFileIsAnError) {
    TempDir dir;
    const StateStore store{dir.path};
    store.save(sample(1));
    const auto full = read_all(store.file());

    for (const std::size_t keep : {std::size_t{0}, std::size_t{10}, full.size() / 2, full.size() - 1}) {
        std::ofstream(store.file(), std::ios::binary | std::ios::trunc) << full.substr(0, keep);

        EXPECT_THROW(store.load(), StoreError) << keep;
    }
}

TEST(Store, EveryFlippedBitIsDetected) {
    TempDir dir;
    const StateStore store{dir.path};
    store.save(sample(2));
    const auto full = read_all(store.file());

    for (std::size_t i = 0; i < full.size(); i += 7) {
        auto damaged = full;
        damaged[i] = static_cast<char>(damaged[i] ^ 0x04);
        std::ofstream(store.file(), std::ios::binary | std::ios::trunc) << damaged;

        EXPECT_THROW(store.load(), StoreError) << "byte " << i;
    }
}

TEST(Store, InterruptedSaveLeavesTheOldStateAndItsTempFileIsRemoved) {
    TempDir dir;
    const StateStore store{dir.path};
    store.save(sample(1));
    const auto half = encode_state(sample(2)).substr(0, 40);
    const auto stray = dir.path / "state.lwm2mc.tmp.99999";
    std::ofstream(stray, std::ios::binary) << half;  // a kill between write and rename

    const auto loaded = store.load();

    ASSERT_TRUE(loaded.has_value());
    EXPECT_EQ(*loaded, sample(1));
    EXPECT_FALSE(std::filesystem::exists(stray));
}

TEST(Store, WipeForgetsTheState) {
    TempDir dir;
    const StateStore store{dir.path};
    store.save(sample(1));

    store.wipe();

    EXPECT_FALSE(store.load().has_value());
}

TEST(Store, KillAtAnyMomentLeavesTheOldOrTheNewState) {
    TempDir dir;
    const StateStore store{dir.path};
    store.save(sample(0));
    // Kill a child that saves states 1, 2, 3, ... in a loop after increasing delays; after each kill the
    // state on disk must be one the child saved in full.
    int kills = 0;
    for (int round = 0; round < 12; ++round) {
        const pid_t child = ::fork();
        ASSERT_GE(child, 0);
        if (child == 0) {
            for (int n = 1;; ++n) {
                store.save(sample(n % 50));
            }
        }
        ::usleep(static_cast<useconds_t>(300 + round * 700));
        ::kill(child, SIGKILL);
        int status = 0;
        ::waitpid(child, &status, 0);
        kills += WIFSIGNALED(status) ? 1 : 0;

        const auto loaded = store.load();

        ASSERT_TRUE(loaded.has_value());
        bool known = false;
        for (int n = 0; n < 50; ++n) {
            known = known || *loaded == sample(n);
        }
        EXPECT_TRUE(known) << "round " << round;
    }
    EXPECT_EQ(kills, 12);
}

TEST(Store, ProvisioningFileErrorsNameTheFile) {
    TempDir dir;
    const auto file = dir.path / "factory.json";
    std::ofstream(file) << R"({"security":[{"id":1,"server_uri":"coap://127.0.0.1:5683","sssid":1}]})";

    try {
        load_provisioning(file, RetryDefaults{});
        FAIL() << "expected a StoreError";
    } catch (const StoreError& e) {
        EXPECT_EQ(std::string{e.what()}, file.string() + ": error: unknown key 'sssid' in a security instance");
    }
}

TEST(Store, ProvisioningValuesOutOfRangeAreErrors) {
    TempDir dir;
    const auto file = dir.path / "factory.json";
    const std::vector<std::string> bad{
        R"({"server":[{"id":1,"ssid":1,"lifetime":9300000000000000}]})",
        R"({"server":[{"id":1,"ssid":1,"lifetime":-1}]})",
        R"({"server":[{"id":1,"ssid":0}]})",
        R"({"server":[{"id":1,"ssid":65535}]})",
        R"({"server":[{"id":1,"ssid":1,"communication_sequence_delay_timer":4294967296}]})",
        R"({"server":[{"id":1,"ssid":1,"binding":"UQ"}]})",
        R"({"server":[{"id":1,"ssid":1,"binding":"S"}]})",
        R"({"security":[{"id":1,"server_uri":"coap://127.0.0.1:5683","ssid":0}]})",
        R"({"security":[{"id":0,"server_uri":"coap://127.0.0.1:5685","bootstrap_server":true,)"
        R"("client_hold_off_time":4294967296}]})",
    };

    for (const auto& text : bad) {
        std::ofstream(file, std::ios::trunc) << text;
        EXPECT_THROW(load_provisioning(file, RetryDefaults{}), StoreError) << text;
    }
    std::ofstream(file, std::ios::trunc) << R"({"server":[{"id":1,"ssid":65534,"lifetime":4294967295}]})";
    EXPECT_EQ(load_provisioning(file, RetryDefaults{}).server.at(1).lifetime, 4294967295);
}

TEST(Store, StateWithAServerInstanceWithoutSsidLoads) {
    TempDir dir;
    const StateStore store{dir.path};
    PersistentState st = sample(0);
    st.data.server.emplace(2, ServerInstance{});  // created by a Bootstrap-Write of /1/2/1 alone: SSID 0

    store.save(st);

    EXPECT_EQ(store.load(), st);
}

TEST(Store, SavesAndLoadsTheBootstrapAccountBackup) {
    TempDir dir;
    const StateStore store{dir.path};
    PersistentState st = sample(1);
    st.bs_backup = BsAccountBackup{0, st.data.security.at(0)};
    st.data.security.at(0).server_uri = "coap://10.9.9.9:1";

    store.save(st);

    EXPECT_EQ(store.load(), st);
}
