// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <fstream>

#include "harness.hpp"

using namespace lwm2mc::client;
using namespace lwm2mc::client::testing;

namespace {
const std::vector<std::string> kEp{"ep=node1", "pct=11542"};
}

TEST(Bootstrap, ClientInitiatedWaitsHoldOffThenRequestsAndRegisters) {
    Harness h;
    h.config.hold_off = 5;
    h.start();

    h.advance(Millis{4'999});
    const auto sent_during_hold_off = h.transport.sent.size();
    h.advance(Millis{1});

    EXPECT_EQ(sent_during_hold_off, 0U);
    ASSERT_EQ(h.transport.sent.size(), 1U);
    const auto& req = h.transport.sent[0];
    EXPECT_EQ(req.to, kBootstrapServer);
    EXPECT_EQ(req.request.method, code::kPost);
    EXPECT_EQ(req.request.uri_path, std::vector<std::string>{"bs"});
    EXPECT_EQ(req.request.uri_query, kEp);
    EXPECT_EQ(h.state(), "BsRequesting");

    h.transport.answer(code::kChanged);
    EXPECT_EQ(h.from_bs(make_request(code::kDelete, {})).code, code::kDeleted);
    h.bs_write_account();
    const auto finish = h.bs_finish();
    const auto state_after_finish = h.state();
    const auto sent_before_step = h.transport.sent.size();
    h.step();

    EXPECT_EQ(finish.code, code::kChanged);
    EXPECT_EQ(state_after_finish, "BsFinished");
    EXPECT_EQ(sent_before_step, 1U) << "the Register must wait until the Finish response is out";
    ASSERT_EQ(h.transport.sent.size(), 2U);
    const auto& reg = h.transport.sent[1];
    EXPECT_EQ(reg.to, kServer);
    EXPECT_EQ(reg.request.uri_path, std::vector<std::string>{"rd"});
    EXPECT_EQ(reg.request.uri_query, (std::vector<std::string>{"ep=node1", "lt=300", "lwm2m=1.1", "b=U"}));
    EXPECT_EQ(reg.request.content_format, content_format::kLinkFormat);
    EXPECT_EQ(text_of(reg.request.payload), R"(</>;rt="oma.lwm2m";ct=11542,</1>;ver=1.1,</1/1>,</3/0>)");

    h.transport.answer(code::kCreated, {"rd", "5"});

    EXPECT_EQ(h.state(), "Registered");
    EXPECT_EQ(h.recorder.path(), (std::vector<std::string>{
                                     "Init -boot-> BsHoldOff", "BsHoldOff -hold_off_expired-> BsRequesting",
                                     "BsRequesting -bs_request_ack-> BsPending", "BsPending -bs_delete_all-> BsPending",
                                     "BsPending -bs_write_server-> BsPending", "BsPending -bs_finish-> BsFinished",
                                     "BsFinished -bs_done-> RegPending", "RegPending -reg_created-> Registered"}));
    EXPECT_EQ(h.replay(), std::nullopt);
}

TEST(Bootstrap, LwM2m10BootstrapRequestHasNoPct) {
    Harness h;
    h.config.lwm2m_version = LwM2mVersion::V1_0;
    h.start();

    h.step();

    ASSERT_EQ(h.transport.sent.size(), 1U);
    EXPECT_EQ(h.transport.sent[0].request.uri_query, std::vector<std::string>{"ep=node1"});
}

TEST(Bootstrap, FinishWithoutServerAccountIsAnswered406AndMayBeRetried) {
    Harness h;
    h.start();
    h.step();
    h.transport.answer(code::kChanged);

    const auto first = h.bs_finish();
    const auto state_after_first = h.state();
    h.bs_write_account();
    const auto second = h.bs_finish();

    EXPECT_EQ(first.code, code::kNotAcceptable);
    EXPECT_EQ(state_after_first, "BsPending");
    EXPECT_EQ(second.code, code::kChanged);
    EXPECT_EQ(h.state(), "BsFinished");
    EXPECT_EQ(h.recorder.steps[3].event, "bs_finish");
    EXPECT_EQ(h.recorder.steps[3].actor, "fault");
    EXPECT_EQ(h.replay(), std::nullopt);
}

TEST(Bootstrap, ClientInitiatedWithoutFinishFailsAfterExchangeLifetime) {
    Harness h;
    h.start();
    h.step();
    h.transport.answer(code::kChanged);
    h.bs_write_account();
    const auto bs_account_before = h.client->data().security.at(0);

    h.advance(Millis{246'999});
    const auto state_before_deadline = h.state();
    h.advance(Millis{1});

    EXPECT_EQ(state_before_deadline, "BsPending");
    EXPECT_EQ(h.recorder.events(),
              (std::vector<std::string>{"boot", "hold_off_expired", "bs_request_ack", "bs_write_server",
                                        "exchange_lifetime_expired", "bs_failed_next"}));
    EXPECT_EQ(h.state(), "BsHoldOff") << "a CI client retries the bootstrap";
    EXPECT_EQ(h.client->data().security.at(0), bs_account_before) << "the BS account keeps its values";
    EXPECT_EQ(h.replay(), std::nullopt);
}

TEST(Bootstrap, EveryCommandRearmsTheExchangeLifetime) {
    Harness h;
    h.start();
    h.step();
    h.transport.answer(code::kChanged);

    h.advance(Millis{200'000});
    h.bs_write_account();
    h.advance(Millis{200'000});
    const auto state_at_400s = h.state();
    h.advance(Millis{47'000});

    EXPECT_EQ(state_at_400s, "BsPending");
    EXPECT_EQ(h.recorder.steps.at(4).event, "exchange_lifetime_expired");
}

TEST(Bootstrap, RejectedRequestFailsAndRetriesWithBackOff) {
    Harness h;
    h.start();
    h.step();

    h.transport.answer(code::kBadRequest);
    h.advance(Millis{59'999});
    const auto sent_before = h.transport.sent.size();
    h.advance(Millis{1});

    EXPECT_EQ(sent_before, 1U);
    EXPECT_EQ(h.transport.sent.size(), 2U);
    EXPECT_EQ(h.recorder.events(), (std::vector<std::string>{"boot", "hold_off_expired", "bs_request_failed",
                                                             "bs_failed_next", "hold_off_expired"}));
    EXPECT_EQ(h.replay(), std::nullopt);
}

TEST(Bootstrap, ServerInitiatedOnlyClientIsStuckAfterAFailedBootstrap) {
    Harness h;
    h.config.client_initiated = false;
    h.config.server_initiated = true;
    h.config.hold_off = 10;
    h.start();
    h.advance(Millis{3'600'000});
    const auto sent_while_waiting = h.transport.sent.size();

    // The bootstrap server starts writing, then never sends Bootstrap-Finish.
    h.bs_write_account();
    h.advance(kExchangeLifetime);
    const auto state_after_failure = h.state();
    for (int day = 0; day < 7; ++day) {
        h.advance(Millis{86'400'000});
    }

    EXPECT_EQ(sent_while_waiting, 0U) << "an SI-only client never sends a Bootstrap-Request";
    EXPECT_EQ(state_after_failure, "BsHoldOff");
    EXPECT_EQ(h.state(), "BsHoldOff");
    EXPECT_TRUE(h.transport.sent.empty()) << "nothing on the wire: the client waits for a bootstrap-server initiative";
    EXPECT_EQ(h.recorder.path(), (std::vector<std::string>{"Init -boot-> BsHoldOff", "BsHoldOff -si_write-> BsPending",
                                                           "BsPending -bs_write_server-> BsPending",
                                                           "BsPending -exchange_lifetime_expired-> BsFailed",
                                                           "BsFailed -bs_failed_next-> BsHoldOff"}));
    EXPECT_EQ(h.replay(), std::nullopt);
}

TEST(Bootstrap, ServerInitiatedBootstrapCompletesAndRegisters) {
    Harness h;
    h.config.client_initiated = false;
    h.config.server_initiated = true;
    h.start();

    h.bs_write_account();
    h.bs_finish();
    h.step();
    h.transport.answer(code::kCreated, {"rd", "1"});

    EXPECT_EQ(h.state(), "Registered");
    EXPECT_EQ(h.replay(), std::nullopt);
}

TEST(Bootstrap, CommandsOutsideABootstrapWindowAreForbidden) {
    Harness h;
    h.config.hold_off = 100;
    h.start();  // BsHoldOff of a CI-only client: no server-initiated bootstrap accepted

    const auto r = h.from_bs(make_request(code::kPut, {"0", "1"}, content_format::kLwm2mTlv,
                                          security_tlv("coap://127.0.0.1:5683", false, 1)));

    EXPECT_EQ(r.code, code::kForbidden);
    EXPECT_EQ(h.state(), "BsHoldOff");
    EXPECT_EQ(h.client->data().security.size(), 1U);
}

TEST(Bootstrap, CommandBeforeTheRequestAcknowledgementImpliesIt) {
    Harness h;
    h.start();
    h.step();

    h.bs_write_account();
    h.transport.answer(code::kChanged);  // the late 2.04 changes nothing

    EXPECT_EQ(h.state(), "BsPending");
    EXPECT_EQ(h.recorder.events(),
              (std::vector<std::string>{"boot", "hold_off_expired", "bs_request_ack", "bs_write_server"}));
}

TEST(Bootstrap, DeleteRootKeepsTheBootstrapAccountAndTheDevice) {
    Harness h;
    h.bootstrap_and_register();
    h.config.server_initiated = true;  // not used: the re-bootstrap below is 1.1-style

    const auto trigger = h.from_server(make_request(code::kPost, {"1", "1", "9"}));
    h.step();
    h.step();  // hold-off 0 elapsed: Bootstrap-Request
    h.transport.answer(code::kChanged);
    const auto del = h.from_bs(make_request(code::kDelete, {}));
    const auto discover = [&] {
        auto r = make_request(code::kGet, {});
        r.accept = content_format::kLinkFormat;
        return h.from_bs(r);
    }();

    EXPECT_EQ(trigger.code, code::kChanged);
    EXPECT_EQ(del.code, code::kDeleted);
    EXPECT_EQ(text_of(discover.payload), R"(</>;lwm2m=1.1,</0/0>;uri="coap://127.0.0.1:5685",</1>,</3/0>)");
    EXPECT_EQ(h.client->persistent().reg_info, RegInfo::None);
    EXPECT_EQ(h.replay(), std::nullopt);
}

TEST(Bootstrap, RebootstrapOfARegisteredClientWithChangedAccountUpdates) {
    Harness h;
    h.bootstrap_and_register();

    h.from_server(make_request(code::kPost, {"1", "1", "9"}));
    h.step();
    h.step();
    h.transport.answer(code::kChanged);
    h.bs_write_account(600);
    h.bs_finish();
    h.step();

    ASSERT_EQ(h.state(), "UpdatePending");
    EXPECT_EQ(h.transport.pending().request.uri_path, (std::vector<std::string>{"rd", "5"}));
    EXPECT_EQ(h.transport.pending().request.uri_query, std::vector<std::string>{"lt=600"});
    h.transport.answer(code::kChanged);
    EXPECT_EQ(h.state(), "Registered");
    EXPECT_EQ(h.replay(), std::nullopt);
}

TEST(Bootstrap, FactoryBootstrapRegistersWithoutBootstrapServer) {
    Harness h;
    h.config.client_initiated = false;
    h.config.factory = true;
    h.config.bootstrap_server_uri.clear();
    h.config.server_uris = {"coap://127.0.0.1:5683"};

    h.start();

    EXPECT_EQ(h.state(), "RegPending");
    ASSERT_EQ(h.transport.sent.size(), 1U);
    EXPECT_EQ(h.transport.sent[0].to, kServer);
    EXPECT_EQ(h.recorder.path(),
              (std::vector<std::string>{"Init -boot-> BsFactory", "BsFactory -factory_loaded-> RegPending"}));
    EXPECT_EQ(h.replay(), std::nullopt);
}

TEST(Bootstrap, SmartcardIsReadAgainAfterItWasReplaced) {
    TempDir dir;
    const auto card = dir.path / "card.json";
    const auto write_card = [&](int port) {
        std::ofstream(card) << R"({"security":[{"id":1,"server_uri":"coap://127.0.0.1:)" << port
                            << R"(","ssid":1}],"server":[{"id":1,"ssid":1,"lifetime":300}]})";
    };
    write_card(5683);
    Harness h;
    h.config.client_initiated = false;
    h.config.bootstrap_server_uri.clear();
    h.config.smartcard = true;
    h.config.smartcard_file = card;
    h.config.bootstrap_after_reboot = true;
    h.start();
    h.transport.answer(code::kCreated, {"rd", "1"});

    write_card(6000);
    h.client->power_cycle();

    EXPECT_EQ(h.state(), "RegPending");
    EXPECT_EQ(h.transport.pending().to, (Endpoint{"127.0.0.1", 6000}));
    EXPECT_EQ(h.recorder.events(), (std::vector<std::string>{"boot", "smartcard_read", "reg_created", "power_cycle",
                                                             "restart", "boot", "smartcard_read"}));
    EXPECT_EQ(h.replay(), std::nullopt);
}

TEST(Bootstrap, MissingSmartcardIsReportedAndReadAgainLater) {
    TempDir dir;
    Harness h;
    h.config.client_initiated = false;
    h.config.bootstrap_server_uri.clear();
    h.config.smartcard = true;
    h.config.smartcard_file = dir.path / "card.json";
    h.start();
    const auto state_without_card = h.state();

    std::ofstream(h.config.smartcard_file)
        << R"({"security":[{"id":1,"server_uri":"coap://127.0.0.1:5683","ssid":1}],"server":[{"id":1,"ssid":1}]})";
    h.advance(Millis{10'000});

    EXPECT_EQ(state_without_card, "BsSmartcard");
    EXPECT_FALSE(h.recorder.notes.empty());
    EXPECT_EQ(h.state(), "RegPending");
}

TEST(Bootstrap, BootstrapServerStaysThePeerWhenItRewritesItsOwnAccount) {
    Harness h;
    h.start();
    h.step();
    h.transport.answer(code::kChanged);

    const auto own = h.from_bs(make_request(code::kPut, {"0", "0"}, content_format::kLwm2mTlv,
                                            security_tlv("coap://127.0.0.2:5685", true, 0)));
    h.bs_write_account();
    const auto finish = h.bs_finish();

    EXPECT_EQ(own.code, code::kChanged);
    EXPECT_EQ(finish.code, code::kChanged);
    EXPECT_EQ(h.client->data().security.at(0).server_uri, "coap://127.0.0.2:5685");
    EXPECT_EQ(h.replay(), std::nullopt);
}

TEST(Bootstrap, StopCancelsEverythingAndIgnoresLateAnswers) {
    Harness h;
    h.start();
    h.step();

    h.client->stop();
    h.transport.poll(Millis{0});

    EXPECT_FALSE(h.transport.has_handler());
    EXPECT_EQ(h.client->step(), kNoDeadline);
    EXPECT_EQ(h.state(), "BsRequesting");
    EXPECT_EQ(h.recorder.messages.back(), "out POST /bs?ep=node1&pct=11542 to 127.0.0.1:5685");
}

TEST(Bootstrap, MalformedServerInitiatedCommandStartsNothing) {
    Harness h;
    h.config.client_initiated = false;
    h.config.server_initiated = true;
    h.start();

    const auto bad = h.from_bs(make_request(code::kPut, {"0", "1"}, content_format::kLwm2mTlv, {0xC3, 0x00}));
    const auto unknown = h.from_bs(make_request(code::kDelete, {"7"}));
    h.step();

    EXPECT_EQ(bad.code, code::kBadRequest);
    EXPECT_EQ(unknown.code, code::kNotFound);
    EXPECT_EQ(h.state(), "BsHoldOff");
    EXPECT_EQ(h.recorder.steps.size(), 1U);
}

TEST(Bootstrap, RejectedCommandDoesNotStandForTheRequestAcknowledgement) {
    Harness h;
    h.start();
    h.step();

    const auto bad = h.from_bs(make_request(code::kPut, {"1", "1", "1"}, content_format::kTextPlain, text("x")));
    const auto finish = h.bs_finish();

    EXPECT_EQ(bad.code, code::kBadRequest);
    EXPECT_EQ(finish.code, code::kNotAcceptable);
    EXPECT_EQ(h.state(), "BsRequesting");
}

TEST(Bootstrap, BootstrapOutlastingTheLifetimeRegistersAgain) {
    Harness h;
    h.bootstrap_and_register(300);
    EXPECT_EQ(h.from_server(make_request(code::kPost, {"1", "1", "9"})).code, code::kChanged);
    h.step();
    h.step();
    h.transport.answer(code::kChanged);
    h.advance(Millis{200'000});
    Request discover = make_request(code::kGet, {"3"});
    discover.accept = content_format::kLinkFormat;
    EXPECT_EQ(h.from_bs(discover).code, code::kContent);
    h.advance(Millis{200'000});

    EXPECT_EQ(h.bs_finish().code, code::kChanged);
    h.step();

    EXPECT_EQ(h.state(), "RegPending") << "the server dropped the registration at 300 s";
    EXPECT_EQ(h.transport.sent.back().request.uri_path, std::vector<std::string>{"rd"});
    EXPECT_EQ(h.replay(), std::nullopt);
}

TEST(Bootstrap, FailedBootstrapRestoresADemotedBootstrapAccount) {
    Harness h;
    h.start();
    h.step();
    h.transport.answer(code::kChanged);
    const auto bs_account_before = h.client->data().security.at(0);
    EXPECT_EQ(h.from_bs(make_request(code::kPut, {"0", "0", "1"}, content_format::kTextPlain, text("0"))).code,
              code::kChanged);

    h.advance(Millis{247'000});

    EXPECT_TRUE(h.client->data().has_bs_account()) << "TS 1.0 5.2.6: the BS account keeps its previous values";
    EXPECT_EQ(h.client->data().security.at(0), bs_account_before);
    EXPECT_EQ(h.state(), "BsHoldOff") << "a CI client retries the bootstrap";
    // The demoting Write itself has no model event (the model never changes has_bs_account); once restored, the
    // trace is back in step with the model's value.
    EXPECT_EQ(h.recorder.steps.back().event, "bs_failed_next");
    EXPECT_EQ(h.recorder.steps.back().vars.at("has_bs_account"), "true");
}

TEST(Bootstrap, WriteThatBreaksTheLastServerAccountIsADeleteAllForTheModel) {
    Harness h;
    h.start();
    h.step();
    h.transport.answer(code::kChanged);
    h.bs_write_account();

    const auto r = h.from_bs(make_request(code::kPut, {"1", "1", "0"}, content_format::kTextPlain, text("2")));
    const auto finish = h.bs_finish();

    EXPECT_EQ(r.code, code::kChanged);
    EXPECT_FALSE(h.client->data().has_server_account());
    EXPECT_EQ(finish.code, code::kNotAcceptable);
    EXPECT_EQ(h.recorder.events(), (std::vector<std::string>{"boot", "hold_off_expired", "bs_request_ack",
                                                             "bs_write_server", "bs_delete_all", "bs_finish"}));
    EXPECT_EQ(h.replay(), std::nullopt);
}

TEST(Bootstrap, PowerCycleInTheMiddleOfABootstrapRestoresTheBootstrapAccount) {
    TempDir dir;
    Harness h;
    h.config.state_dir = dir.path;
    h.start();
    h.step();
    h.transport.answer(code::kChanged);
    const auto bs_account_before = h.client->data().security.at(0);
    EXPECT_EQ(
        h.from_bs(make_request(code::kPut, {"0", "0", "0"}, content_format::kTextPlain, text("coap://10.9.9.9:1")))
            .code,
        code::kChanged);

    h.client->power_cycle();
    h.step();

    EXPECT_EQ(h.client->data().security.at(0), bs_account_before) << "TS 1.0 5.2.6: the sequence failed";
    EXPECT_EQ(StateStore{dir.path}.load()->data.security.at(0), bs_account_before);
    EXPECT_EQ(h.replay(), std::nullopt);
}

TEST(Bootstrap, RestartInTheMiddleOfABootstrapRestoresTheBootstrapAccount) {
    TempDir dir;
    Harness first;
    first.config.state_dir = dir.path;
    first.start();
    first.step();
    first.transport.answer(code::kChanged);
    const auto bs_account_before = first.client->data().security.at(0);
    EXPECT_EQ(
        first.from_bs(make_request(code::kPut, {"0", "0", "0"}, content_format::kTextPlain, text("coap://10.9.9.9:1")))
            .code,
        code::kChanged);
    first.client->stop();
    Harness second;
    second.config.state_dir = dir.path;

    second.start();

    EXPECT_EQ(second.client->data().security.at(0), bs_account_before);
    EXPECT_EQ(second.state(), "BsHoldOff");
}

TEST(Bootstrap, DiscoverFromTheBootstrapServerDoesNotStartAServerInitiatedBootstrap) {
    Harness h;
    h.config.client_initiated = false;
    h.config.server_initiated = true;
    h.config.hold_off = 100;
    h.start();
    Request discover = make_request(code::kGet, {"0"});
    discover.accept = content_format::kLinkFormat;

    const auto r = h.from_bs(discover);
    h.advance(kExchangeLifetime + Millis{1000});

    EXPECT_EQ(r.code, code::kContent);
    EXPECT_EQ(h.state(), "BsHoldOff");  // no si_write, and so no failed bootstrap 247 s later
    EXPECT_EQ(h.recorder.path(), (std::vector<std::string>{"Init -boot-> BsHoldOff"}));
    EXPECT_EQ(h.replay(), std::nullopt);
}

TEST(Bootstrap, WriteOfABindingTheClientDoesNotImplementIsRefusedAndChangesNothing) {
    Harness h;
    h.start();
    h.step();
    h.transport.answer(code::kChanged);
    h.bs_write_account();
    const auto before = h.client->data();

    std::vector<std::string> refused;
    for (const char* binding : {"UQ", "S", "SQ", "US", "UQS", "T", "N", "UU", "u", ""}) {
        const auto instance =
            h.from_bs(make_request(code::kPut, {"1", "1"}, content_format::kLwm2mTlv, server_tlv(1, 300, binding)));
        const auto resource =
            h.from_bs(make_request(code::kPut, {"1", "1", "7"}, content_format::kTextPlain, text(binding)));
        if (instance.code == code::kBadRequest && resource.code == code::kBadRequest) {
            refused.push_back(binding);
        }
    }
    const auto fresh =
        h.from_bs(make_request(code::kPut, {"1", "2"}, content_format::kLwm2mTlv, server_tlv(2, 300, "UQ")));
    const auto finish = h.bs_finish();
    h.step();

    EXPECT_EQ(refused, (std::vector<std::string>{"UQ", "S", "SQ", "US", "UQS", "T", "N", "UU", "u", ""}));
    EXPECT_EQ(fresh.code, code::kBadRequest);
    EXPECT_EQ(h.client->data(), before);
    EXPECT_EQ(finish.code, code::kChanged);
    ASSERT_EQ(h.transport.sent.size(), 2U);
    EXPECT_EQ(h.transport.sent[1].request.uri_query.back(), "b=U");
    EXPECT_EQ(h.replay(), std::nullopt);
}

TEST(Bootstrap, RegisteredServerIsAskedToRetryDuringTheBootstrapItTriggered) {
    Harness h;
    h.bootstrap_and_register();
    h.from_server(make_request(code::kPost, {"1", "1", "9"}));
    h.step();
    h.step();  // hold-off 0 elapsed: Bootstrap-Request sent
    const auto data_before = h.client->data();

    const auto while_requesting = h.from_server(make_request(code::kGet, {"3", "0", "0"}));
    h.transport.answer(code::kChanged);  // BsPending: Bootstrap-Finish due within EXCHANGE_LIFETIME
    const auto read = h.from_server(make_request(code::kGet, {"3", "0", "0"}));
    h.advance(Millis{100'500});
    const auto write =
        h.from_server(make_request(code::kPut, {"1", "1", "1"}, content_format::kTextPlain, text("900")));
    const auto execute = h.from_server(make_request(code::kPost, {"1", "1", "8"}));
    h.step();

    for (const auto* r : {&while_requesting, &read, &write, &execute}) {
        EXPECT_EQ(code_to_string(r->code), "5.03");
    }
    EXPECT_EQ(while_requesting.max_age, std::optional<std::uint32_t>{247});
    EXPECT_EQ(read.max_age, std::optional<std::uint32_t>{247});
    EXPECT_EQ(write.max_age, std::optional<std::uint32_t>{147});
    EXPECT_EQ(h.client->data(), data_before);
    EXPECT_EQ(h.state(), "BsPending");

    h.bs_write_account();
    const auto after_write = h.from_server(make_request(code::kGet, {"3", "0", "0"}));
    h.bs_finish();
    h.step();
    h.transport.answer(code::kChanged);  // the Update after the bootstrap
    const auto registered = h.from_server(make_request(code::kGet, {"3", "0", "0"}));

    EXPECT_EQ(code_to_string(after_write.code), "5.03");
    EXPECT_EQ(h.state(), "Registered");
    EXPECT_EQ(code_to_string(registered.code), "2.05");
    EXPECT_EQ(h.replay(), std::nullopt);
}

TEST(Bootstrap, ServerWithoutARegistrationStaysRefusedDuringABootstrap) {
    Harness h;
    h.bootstrap_and_register();
    h.from_server(make_request(code::kPost, {"1", "1", "9"}));
    h.step();
    h.step();
    h.transport.answer(code::kChanged);

    h.from_bs(make_request(code::kDelete, {}));  // the registration is given up (reg_info None), the account gone
    const auto unknown = h.from_server(make_request(code::kGet, {"3", "0", "0"}));
    h.bs_write_account();
    const auto known = h.from_server(make_request(code::kGet, {"3", "0", "0"}));

    EXPECT_EQ(code_to_string(unknown.code), "4.01");
    EXPECT_EQ(code_to_string(known.code), "4.03");
    EXPECT_EQ(known.max_age, std::nullopt);
    EXPECT_EQ(h.replay(), std::nullopt);
}

TEST(Bootstrap, ServerInitiatedBootstrapOfARegisteredClientAnswersTheServer503) {
    Harness h;
    h.config.server_initiated = true;
    h.bootstrap_and_register();

    EXPECT_EQ(h.from_bs(make_request(code::kPut, {"1", "1", "1"}, content_format::kTextPlain, text("600"))).code,
              code::kChanged);  // TS 1.0 5.2.3.4: the bootstrap server writes without a Bootstrap-Request
    const auto read = h.from_server(make_request(code::kGet, {"3", "0", "0"}));

    EXPECT_EQ(h.state(), "BsPending");
    EXPECT_EQ(code_to_string(read.code), "5.03");
    EXPECT_EQ(read.max_age, std::optional<std::uint32_t>{247});
    EXPECT_EQ(h.replay(), std::nullopt);
}
