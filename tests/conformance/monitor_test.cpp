// SPDX-License-Identifier: Apache-2.0
// The monitor on the shipped model: what a client may send when, and when its silence is a failure.

#include "lwm2mc/conformance/monitor.hpp"
#include "lwm2mc/conformance/wire.hpp"
#include "lwm2mc/model/interpreter.hpp"
#include "lwm2mc/model/loader.hpp"

#include <gtest/gtest.h>

#include <string>

namespace lwm2mc::conformance {
namespace {

const model::Model& shipped() {
    static const auto loaded = model::load_model(LWM2MC_SPECS_DIR "/lwm2m-ts10-draft.lwm2m");
    return *loaded.model;
}

model::Configuration config(const std::string& text) {
    const model::Interpreter interp(shipped());
    std::string error;
    model::Configuration c;
    for (const auto& v : interp.parse_assignment(text, error)) {
        c.values.push_back(v.value_or(0));
    }
    EXPECT_TRUE(error.empty()) << error;
    return c;
}

WireEvent sent(ClientRequest r) {
    WireEvent e;
    e.kind = WireEvent::Kind::Sent;
    e.request = r;
    return e;
}

WireEvent answered(ClientRequest r, bool ok, bool may_resend = false) {
    WireEvent e;
    e.kind = WireEvent::Kind::Answered;
    e.request = r;
    e.success = ok;
    e.may_resend = may_resend;
    return e;
}

WireEvent command(ServerCommand c, bool ok) {
    WireEvent e;
    e.kind = WireEvent::Kind::Command;
    e.command = c;
    e.success = ok;
    return e;
}

const char* const kCi = "factory=false,smartcard=false,client_initiated=true,server_initiated=false,"
                        "supports_factory_reset=true,hold_off=30";
const char* const kFactory = "factory=true,smartcard=false,client_initiated=false,server_initiated=false,"
                             "supports_factory_reset=true,hold_off=0";

TEST(Monitor, ABootstrapRequestBeforeClientHoldOffTimeFailsWithTheBound) {
    const WireMap map(shipped());
    Monitor m(shipped(), map, config(kCi));
    m.start(0);
    const auto early = m.observe(sent(ClientRequest::BootstrapRequest), 2'000);
    ASSERT_FALSE(early.ok);
    EXPECT_NE(early.reason.find("hold_off_expired"), std::string::npos) << early.reason;
    EXPECT_NE(early.reason.find("30.000 s"), std::string::npos) << early.reason;
    EXPECT_FALSE(early.source.empty());

    Monitor on_time(shipped(), map, config(kCi));
    on_time.start(0);
    EXPECT_TRUE(on_time.observe(sent(ClientRequest::BootstrapRequest), 30'500).ok);
}

TEST(Monitor, SilencePastTheBoundFailsWhereTheClientMustAct) {
    const WireMap map(shipped());
    MonitorOptions o;
    o.quiescence_ms = 60'000;
    Monitor m(shipped(), map, config(kCi), o);
    m.start(0);
    EXPECT_TRUE(m.silence(80'000).ok);  // hold_off 30 s + 60 s slack not yet over
    const auto late = m.silence(95'000);
    ASSERT_FALSE(late.ok);
    EXPECT_NE(late.reason.find("silent"), std::string::npos) << late.reason;
}

TEST(Monitor, ARegisteredClientMayWaitForItsServer) {
    const WireMap map(shipped());
    Monitor m(shipped(), map, config(kFactory));
    m.start(0);
    ASSERT_TRUE(m.observe(sent(ClientRequest::Register), 100).ok);
    ASSERT_TRUE(m.observe(answered(ClientRequest::Register, true), 110).ok);
    EXPECT_TRUE(m.silence(10'000'000).ok);
    EXPECT_EQ(m.deadline(10'000'000), std::numeric_limits<std::int64_t>::max());
}

TEST(Monitor, AnUpdateAfterUpdate404IsRefusedAndARegisterAccepted) {
    const WireMap map(shipped());
    Monitor m(shipped(), map, config(kFactory));
    m.start(0);
    ASSERT_TRUE(m.observe(sent(ClientRequest::Register), 100).ok);
    ASSERT_TRUE(m.observe(answered(ClientRequest::Register, true), 110).ok);
    ASSERT_TRUE(m.observe(sent(ClientRequest::Update), 500'000).ok);
    ASSERT_TRUE(m.observe(answered(ClientRequest::Update, false), 500'010).ok);
    Monitor copy(m);
    EXPECT_FALSE(copy.observe(sent(ClientRequest::Update), 501'000).ok);
    EXPECT_TRUE(m.observe(sent(ClientRequest::Register), 501'000).ok);
}

WireEvent at(WireEvent e, const char* location, const char* server = "127.0.0.1:5683") {
    e.location = location;
    e.server = server;
    return e;
}

TEST(Monitor, AnUpdateMustAddressTheLatestRegistrationOfItsServer) {
    const WireMap map(shipped());
    Monitor m(shipped(), map, config(kFactory));
    m.start(0);
    ASSERT_TRUE(m.observe(at(sent(ClientRequest::Register), ""), 100).ok);
    ASSERT_TRUE(m.observe(at(answered(ClientRequest::Register, true), "/rd/1"), 110).ok);
    ASSERT_TRUE(m.observe(at(sent(ClientRequest::Update), "/rd/1"), 500'000).ok);
    ASSERT_TRUE(m.observe(at(answered(ClientRequest::Update, false), ""), 500'010).ok);
    ASSERT_TRUE(m.observe(at(sent(ClientRequest::Register), ""), 501'000).ok);
    ASSERT_TRUE(m.observe(at(answered(ClientRequest::Register, true), "/rd/2"), 501'010).ok);
    Monitor other_server(m);
    // Another server's registrations are its own.
    EXPECT_TRUE(other_server.observe(at(sent(ClientRequest::Update), "/rd/1", "127.0.0.1:5684"), 1'000'000).ok);
    const auto stale = m.observe(at(sent(ClientRequest::Update), "/rd/1"), 1'000'000);
    ASSERT_FALSE(stale.ok);
    EXPECT_NE(stale.reason.find("/rd/2"), std::string::npos) << stale.reason;
    EXPECT_NE(stale.observed.find("/rd/1"), std::string::npos) << stale.observed;
}

TEST(Monitor, BootstrapFinishAnswersFollowTheServerAccount) {
    const WireMap map(shipped());
    Monitor m(shipped(), map, config(kCi));
    m.start(0);
    ASSERT_TRUE(m.observe(sent(ClientRequest::BootstrapRequest), 31'000).ok);
    ASSERT_TRUE(m.observe(answered(ClientRequest::BootstrapRequest, true), 31'010).ok);
    Monitor accepted_without_account(m);
    const auto bad = accepted_without_account.observe(command(ServerCommand::BootstrapFinish, true), 32'000);
    EXPECT_FALSE(bad.ok);
    EXPECT_NE(bad.reason.find("refuse"), std::string::npos) << bad.reason;
    EXPECT_TRUE(m.observe(command(ServerCommand::BootstrapFinish, false), 32'000).ok);  // 4.06
    ASSERT_TRUE(m.observe(command(ServerCommand::BootstrapWrite, true), 33'000).ok);
    EXPECT_TRUE(m.observe(command(ServerCommand::BootstrapFinish, true), 34'000).ok);
    EXPECT_TRUE(m.observe(sent(ClientRequest::Register), 34'100).ok);
}

TEST(Monitor, AFailedSequenceMayBeResentOnlyWhileItIsNotOver) {
    const WireMap map(shipped());
    Monitor m(shipped(), map, config(kFactory));
    m.start(0);
    ASSERT_TRUE(m.observe(sent(ClientRequest::Register), 100).ok);
    Monitor open(m);
    ASSERT_TRUE(open.observe(answered(ClientRequest::Register, false, true), 200).ok);
    EXPECT_TRUE(open.observe(sent(ClientRequest::Register), 10'000).ok);  // a retry within the sequence
    ASSERT_TRUE(m.observe(answered(ClientRequest::Register, false, false), 200).ok);
    EXPECT_TRUE(m.observe(sent(ClientRequest::Register), 10'000).ok);  // RegFailed + retry_register
}

TEST(WireMap, ClassifiesLifecycleRequests) {
    client::Request r;
    r.method = client::code::kPost;
    r.uri_path = {"rd"};
    r.uri_query = {"ep=x", "lt=300"};
    EXPECT_EQ(classify_client_request(r), ClientRequest::Register);
    r.uri_path = {"bs"};
    r.uri_query = {"ep=x"};
    EXPECT_EQ(classify_client_request(r), ClientRequest::BootstrapRequest);
    r.uri_path = {"rd", "5"};
    r.uri_query = {};
    EXPECT_EQ(classify_client_request(r), ClientRequest::Update);
    r.method = client::code::kDelete;
    EXPECT_EQ(classify_client_request(r), ClientRequest::Deregister);
    r.method = client::code::kPost;
    r.uri_path = {"3", "0", "4"};
    EXPECT_EQ(classify_server_command(r), ServerCommand::Reboot);
    r.uri_path = {"bs"};
    EXPECT_EQ(classify_server_command(r), ServerCommand::BootstrapFinish);
    r.method = client::code::kDelete;
    r.uri_path = {};
    EXPECT_EQ(classify_server_command(r), ServerCommand::BootstrapDeleteAll);
}

}  // namespace
}  // namespace lwm2mc::conformance
