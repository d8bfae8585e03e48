// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include "harness.hpp"

using namespace lwm2mc::client;
using namespace lwm2mc::client::testing;

namespace {

// A client with a factory server account (no bootstrap server unless the test adds one).
void factory_client(Harness& h, LwM2mVersion version = LwM2mVersion::V1_1) {
    h.config.lwm2m_version = version;
    h.config.client_initiated = false;
    h.config.factory = true;
    h.config.bootstrap_server_uri.clear();
    h.config.server_uris = {"coap://127.0.0.1:5683"};
}

}  // namespace

TEST(Registration, LwM2m11RegisterStatesTheVersionTheRootLinkAndTheServerObjectVersion) {
    Harness h;
    factory_client(h, LwM2mVersion::V1_1);

    h.start();

    ASSERT_EQ(h.transport.sent.size(), 1U);
    const auto& reg = h.transport.sent[0].request;
    EXPECT_EQ(reg.method, code::kPost);
    EXPECT_EQ(reg.uri_path, std::vector<std::string>{"rd"});
    EXPECT_EQ(reg.uri_query, (std::vector<std::string>{"ep=node1", "lt=300", "lwm2m=1.1", "b=U"}));
    EXPECT_EQ(reg.content_format, std::optional<std::uint16_t>{40});
    EXPECT_EQ(text_of(reg.payload), R"(</>;rt="oma.lwm2m";ct=11542,</1>;ver=1.1,</1/1>,</3/0>)");
}

TEST(Registration, LwM2m10RegisterPayloadIsTheInstanceListAlone) {
    Harness h;
    factory_client(h, LwM2mVersion::V1_0);

    h.start();

    ASSERT_EQ(h.transport.sent.size(), 1U);
    const auto& reg = h.transport.sent[0].request;
    EXPECT_EQ(reg.uri_query, (std::vector<std::string>{"ep=node1", "lt=300", "lwm2m=1.0", "b=U"}));
    EXPECT_EQ(reg.content_format, std::optional<std::uint16_t>{40});
    EXPECT_EQ(text_of(reg.payload), "</1/1>,</3/0>");
}

TEST(Registration, LocationPathInOneOptionWithSlashIsSplit) {
    Harness h;
    factory_client(h);
    h.start();

    h.transport.answer(code::kCreated, {"rd/5"});
    h.advance(Millis{207'000});

    ASSERT_EQ(h.transport.sent.size(), 2U);
    EXPECT_EQ(h.transport.sent[1].request.uri_path, (std::vector<std::string>{"rd", "5"}));
    EXPECT_EQ(h.client->persistent().registration->location, (std::vector<std::string>{"rd", "5"}));
}

TEST(Registration, CreatedWithoutLocationPathIsAFailure) {
    Harness h;
    factory_client(h, LwM2mVersion::V1_0);
    h.start();

    h.transport.answer(code::kCreated, {});

    EXPECT_EQ(h.state(), "RegFailed");
}

TEST(Registration, UpdateIsSentMaxTransmitWaitBeforeTheLifetimeEnds) {
    Harness h;
    factory_client(h);
    h.start();
    h.transport.answer(code::kCreated, {"rd", "5"});

    h.advance(Millis{206'999});
    const auto sent_before = h.transport.sent.size();
    h.advance(Millis{1});

    EXPECT_EQ(sent_before, 1U);
    ASSERT_EQ(h.transport.sent.size(), 2U);
    EXPECT_EQ(h.transport.sent[1].request.method, code::kPost);
    EXPECT_TRUE(h.transport.sent[1].request.uri_query.empty()) << "nothing changed: no parameters";
    EXPECT_TRUE(h.transport.sent[1].request.payload.empty());
    h.transport.answer(code::kChanged);
    EXPECT_EQ(h.state(), "Registered");
    EXPECT_EQ(h.replay(), std::nullopt);
}

TEST(Registration, ShortLifetimeUpdatesAtHalfTime) {
    Harness h;
    factory_client(h);
    h.config.lifetime = 60;
    h.start();
    h.transport.answer(code::kCreated, {"rd", "5"});

    h.advance(Millis{30'000});

    EXPECT_EQ(h.state(), "UpdatePending");
}

TEST(Registration, OneSecondLifetimeIsUpdatedNotRegisteredAgain) {
    Harness h;
    factory_client(h);
    h.config.lifetime = 1;
    h.start();
    h.transport.answer(code::kCreated, {"rd", "5"});

    for (int i = 0; i < 3; ++i) {
        h.advance(Millis{500});
        ASSERT_EQ(h.state(), "UpdatePending");
        h.transport.answer(code::kChanged);
    }

    EXPECT_EQ(h.state(), "Registered");
    EXPECT_EQ(h.recorder.events(),
              (std::vector<std::string>{"boot", "factory_loaded", "reg_created", "update_due", "update_ok",
                                        "update_due", "update_ok", "update_due", "update_ok"}));
    EXPECT_EQ(h.replay(), std::nullopt);
}

TEST(Registration, UpdateAnswered404RegistersAgain) {
    Harness h;
    factory_client(h);
    h.start();
    h.transport.answer(code::kCreated, {"rd", "5"});
    h.advance(Millis{207'000});

    h.transport.answer(code::kNotFound);

    EXPECT_EQ(h.state(), "RegPending");
    ASSERT_EQ(h.transport.sent.size(), 3U);
    EXPECT_EQ(h.transport.sent[2].request.uri_path, std::vector<std::string>{"rd"});
    EXPECT_EQ(h.client->persistent().reg_info, RegInfo::None);
    EXPECT_EQ(h.recorder.events(),
              (std::vector<std::string>{"boot", "factory_loaded", "reg_created", "update_due", "update_failed"}));
    EXPECT_EQ(h.replay(), std::nullopt);
}

TEST(Registration, DeregisterDeletesTheLocationAndMayRegisterAgain) {
    Harness h;
    factory_client(h);
    h.start();
    h.transport.answer(code::kCreated, {"rd", "5"});

    ASSERT_TRUE(h.client->deregister());
    const auto& del = h.transport.pending();
    EXPECT_EQ(del.request.method, code::kDelete);
    EXPECT_EQ(del.request.uri_path, (std::vector<std::string>{"rd", "5"}));
    h.transport.answer(code::kDeleted);
    const auto state_after = h.state();
    const bool again = h.client->register_again();

    EXPECT_EQ(state_after, "Deregistered");
    EXPECT_TRUE(again);
    EXPECT_EQ(h.state(), "RegPending");
    EXPECT_FALSE(h.client->deregister()) << "De-register only from Registered";
    EXPECT_EQ(h.replay(), std::nullopt);
}

TEST(Registration, LifetimeExpiryWithoutUpdateRegistersAgain) {
    Harness h;
    factory_client(h);
    h.start();
    h.transport.answer(code::kCreated, {"rd", "5"});

    h.clock.advance(Millis{301'000});  // e.g. the device was suspended past its lifetime
    h.step();

    EXPECT_EQ(h.recorder.steps.back().event, "lifetime_expired");
    EXPECT_EQ(h.state(), "RegPending");
    EXPECT_EQ(h.replay(), std::nullopt);
}

TEST(Registration, RetriesWithExponentialBackOffThenFallsBackToBootstrap) {
    Harness h;  // LwM2M 1.1 client with a bootstrap-server account and a factory server account
    h.config.factory = true;
    h.config.server_uris = {"coap://127.0.0.1:5683"};
    h.start();
    std::vector<Millis> register_times;

    for (int attempt = 0; attempt < 5; ++attempt) {
        ASSERT_EQ(h.state(), "RegPending");
        register_times.push_back(h.clock.now());
        h.transport.fail(SendFailure::Timeout);
        const auto next = h.client->step();
        if (next != kNoDeadline && h.state() == "RegPending") {
            h.advance(next - h.clock.now());
        }
    }

    EXPECT_EQ(register_times,
              (std::vector<Millis>{Millis{0}, Millis{60'000}, Millis{180'000}, Millis{420'000}, Millis{900'000}}));
    EXPECT_EQ(h.state(), "BsRequesting") << "Bootstrap on Registration Failure (default true)";
    EXPECT_EQ(h.recorder.events(), (std::vector<std::string>{"boot", "factory_loaded", "reg_failed",
                                                             "fallback_bootstrap", "hold_off_expired"}));
    EXPECT_EQ(h.replay(), std::nullopt);
}

TEST(Registration, SecondSequenceStartsAfterTheSequenceDelay) {
    Harness h;
    factory_client(h);
    h.config.retry.communication_retry_count = 2;
    h.config.retry.communication_sequence_retry_count = 2;
    h.start();

    h.transport.fail(SendFailure::Timeout);
    h.advance(Millis{60'000});
    h.transport.answer(code::kForbidden);
    h.advance(Millis{86'399'999});
    const auto sent_before_delay = h.transport.sent.size();
    h.advance(Millis{1});
    const auto sent_after_delay = h.transport.sent.size();
    h.transport.fail(SendFailure::Unreachable);
    h.advance(Millis{60'000});
    h.transport.fail(SendFailure::Timeout);

    EXPECT_EQ(sent_before_delay, 2U);
    EXPECT_EQ(sent_after_delay, 3U);
    EXPECT_EQ(h.transport.sent.size(), 4U);
    EXPECT_EQ(h.state(), "RegFailed");
}

TEST(Registration, WithoutBootstrapOnRegistrationFailureTheClientStops) {
    Harness h;
    h.config.factory = true;
    h.config.server_uris = {"coap://127.0.0.1:5683"};
    h.config.retry.communication_retry_count = 1;
    h.config.retry.bootstrap_on_registration_failure = false;
    h.start();

    h.transport.answer(code::kForbidden);
    h.advance(Millis{86'400'000});

    EXPECT_EQ(h.state(), "RegFailed");
    EXPECT_EQ(h.transport.sent.size(), 1U);
}

TEST(Registration, WithoutBootstrapServerTheClientRegistersAgainAfterTheSequenceDelay) {
    Harness h;
    factory_client(h);
    h.config.retry.communication_retry_count = 1;
    h.start();
    h.transport.fail(SendFailure::Timeout);
    const auto state_after_failure = h.state();

    h.advance(Millis{86'399'999});
    const auto sent_before_delay = h.transport.sent.size();
    h.advance(Millis{1});

    EXPECT_EQ(state_after_failure, "RegFailed");
    EXPECT_EQ(sent_before_delay, 1U);
    ASSERT_EQ(h.transport.sent.size(), 2U);
    EXPECT_EQ(h.transport.sent[1].request.uri_path, std::vector<std::string>{"rd"});
    EXPECT_EQ(h.state(), "RegPending");
    EXPECT_EQ(h.recorder.steps.back().event, "retry_register");
    EXPECT_EQ(h.replay(), std::nullopt);
}

TEST(Registration, WithoutBootstrapServerAMaxValueSequenceDelayStopsTheClient) {
    Harness h;
    factory_client(h);
    h.config.retry.communication_retry_count = 1;
    h.config.retry.communication_sequence_delay_timer = 4294967295;
    h.start();

    h.transport.fail(SendFailure::Timeout);
    h.advance(Millis{86'400'000LL * 365});

    EXPECT_EQ(h.state(), "RegFailed");
    EXPECT_EQ(h.transport.sent.size(), 1U);
    EXPECT_EQ(h.client->step(), kNoDeadline);
}

TEST(Registration, LwM2m10FailureFallsBackToBootstrapAtOnce) {
    Harness h;
    h.config.lwm2m_version = LwM2mVersion::V1_0;
    h.config.factory = true;
    h.config.server_uris = {"coap://127.0.0.1:5683"};
    h.start();

    h.transport.answer(coap_code(4, 12));
    h.step();

    EXPECT_EQ(h.recorder.events(), (std::vector<std::string>{"boot", "factory_loaded", "reg_failed",
                                                             "fallback_bootstrap", "hold_off_expired"}));
    EXPECT_EQ(h.transport.pending().to, kBootstrapServer);
    EXPECT_EQ(h.replay(), std::nullopt);
}

TEST(Registration, LwM2m10WithoutBootstrapServerRetriesAfterBackOff) {
    Harness h;
    factory_client(h, LwM2mVersion::V1_0);
    h.start();

    h.transport.fail(SendFailure::Timeout);
    h.advance(Millis{59'999});
    const auto state_before = h.state();
    h.advance(Millis{1});

    EXPECT_EQ(state_before, "RegFailed");
    EXPECT_EQ(h.state(), "RegPending");
    EXPECT_EQ(h.recorder.steps.back().event, "retry_register");
    EXPECT_EQ(h.replay(), std::nullopt);
}

TEST(Registration, InitialRegistrationDelayIsWaitedBeforeTheFirstRegister) {
    Harness h;
    factory_client(h);
    h.config.retry.initial_registration_delay = 30;
    h.start();

    const auto sent_at_start = h.transport.sent.size();
    h.advance(Millis{30'000});

    EXPECT_EQ(sent_at_start, 0U);
    EXPECT_EQ(h.transport.sent.size(), 1U);
}

TEST(Registration, UpdateTriggerSendsAnUpdate) {
    Harness h;
    factory_client(h);
    h.start();
    h.transport.answer(code::kCreated, {"rd", "5"});

    const auto r = h.from_server(make_request(code::kPost, {"1", "1", "8"}));
    const auto state_before_step = h.state();
    h.step();

    EXPECT_EQ(r.code, code::kChanged);
    EXPECT_EQ(state_before_step, "Registered");
    EXPECT_EQ(h.state(), "UpdatePending");
    EXPECT_EQ(h.recorder.steps.back().actor, "server_initiative");
    EXPECT_EQ(h.replay(), std::nullopt);
}

TEST(Registration, WritingTheLifetimeSendsAnUpdateWithLt) {
    Harness h;
    factory_client(h);
    h.start();
    h.transport.answer(code::kCreated, {"rd", "5"});

    const auto r = h.from_server(make_request(code::kPut, {"1", "1", "1"}, content_format::kTextPlain, text("600")));
    h.step();

    EXPECT_EQ(r.code, code::kChanged);
    ASSERT_EQ(h.state(), "UpdatePending");
    EXPECT_EQ(h.transport.pending().request.uri_query, std::vector<std::string>{"lt=600"});
    h.transport.answer(code::kChanged);
    EXPECT_EQ(h.client->persistent().registration->lifetime, 600);
    EXPECT_EQ(h.replay(), std::nullopt);
}

TEST(Registration, ChangedLifetimeMayBeRegisteredAnewInsteadOfUpdated) {
    Harness h;
    factory_client(h);
    h.config.register_on_reg_info_change = true;
    h.start();
    h.transport.answer(code::kCreated, {"rd", "5"});

    h.from_server(make_request(code::kPut, {"1", "1", "1"}, content_format::kTextPlain, text("900")));
    h.step();

    EXPECT_EQ(h.state(), "RegPending");
    EXPECT_EQ(h.transport.pending().request.uri_path, std::vector<std::string>{"rd"});
    EXPECT_EQ(h.transport.pending().request.uri_query[1], "lt=900");
    EXPECT_EQ(h.replay(), std::nullopt);
}

TEST(Registration, RunLoopAlternatesPollAndStepUntilRegistered) {
    Harness h;
    factory_client(h);
    h.config.retry.initial_registration_delay = 5;
    h.start();
    int polls = 0;

    run(*h.client, h.transport, h.clock, [&] {
        ++polls;
        if (h.transport.pending_count() > 0) {
            h.transport.answer(code::kCreated, {"rd", "7"});
        } else if (h.state() == "RegPending") {
            h.clock.advance(Millis{1'000});
        }
        return h.state() != "Registered" && polls < 100;
    });

    EXPECT_EQ(h.state(), "Registered");
    EXPECT_EQ(h.clock.now(), Millis{5'000});
    EXPECT_LT(polls, 100);
}

TEST(Registration, DisableDeregistersAndRegistersAgainAfterTheDisableTimeout) {
    Harness h;
    factory_client(h);
    h.start();
    h.transport.answer(code::kCreated, {"rd", "5"});
    h.from_server(make_request(code::kPut, {"1", "1", "5"}, content_format::kTextPlain, text("600")));

    const auto r = h.from_server(make_request(code::kPost, {"1", "1", "4"}));
    h.step();
    ASSERT_EQ(h.transport.pending().request.method, code::kDelete);
    h.transport.answer(code::kDeleted);
    h.advance(Millis{599'999});
    const auto state_while_disabled = h.state();
    h.advance(Millis{1});

    EXPECT_EQ(r.code, code::kChanged);
    EXPECT_EQ(state_while_disabled, "Deregistered");
    EXPECT_EQ(h.state(), "RegPending");
    EXPECT_EQ(h.transport.pending().request.uri_path, std::vector<std::string>{"rd"});
    EXPECT_EQ(h.recorder.events(), (std::vector<std::string>{"boot", "factory_loaded", "reg_created", "deregister",
                                                             "dereg_ok", "register_again"}));
    EXPECT_EQ(h.replay(), std::nullopt);
}
