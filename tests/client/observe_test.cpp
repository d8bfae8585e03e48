// SPDX-License-Identifier: Apache-2.0
// Information Reporting (LwM2M TS 1.0 5.5, RFC 7641) and Write-Attributes (TS 1.0 5.4.4) over the fake transport
// and a manual clock.
#include "lwm2mc/client/store.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "harness.hpp"

namespace lwm2mc::client::testing {
namespace {

const std::vector<std::uint8_t> kToken{0xA1, 0xB2};

Request observe_request(std::vector<std::string> path, std::vector<std::uint8_t> token = kToken,
                        std::uint32_t observe = 0, std::optional<std::uint16_t> accept = content_format::kTextPlain) {
    Request r = make_request(code::kGet, std::move(path));
    r.token = std::move(token);
    r.observe = observe;
    r.accept = accept;
    return r;
}

Request write_attributes(std::vector<std::string> path, std::vector<std::string> query) {
    Request r = make_request(code::kPut, std::move(path));
    r.uri_query = std::move(query);
    return r;
}

bool has_note(const Recorder& r, const std::string& text) {
    return std::any_of(r.notes.begin(), r.notes.end(), [&](const std::string& n) { return n.find(text) == 0; });
}

TEST(WriteAttributes, PeriodsAreAcceptedAndStoredPerPath) {
    Harness h;
    h.bootstrap_and_register();

    const auto r = h.from_server(write_attributes({"3", "0", "13"}, {"pmin=10", "pmax=20"}));

    EXPECT_EQ(r.code, code::kChanged);
    ASSERT_EQ(h.client->persistent().attributes.size(), 1U);
    const auto& rec = h.client->persistent().attributes.front();
    EXPECT_EQ(rec.path, "/3/0/13");
    EXPECT_EQ(rec.attributes.pmin, 10);
    EXPECT_EQ(rec.attributes.pmax, 20);
}

TEST(WriteAttributes, AnAttributeWithoutValueIsRemoved) {
    Harness h;
    h.bootstrap_and_register();
    h.from_server(write_attributes({"3", "0"}, {"pmin=10", "pmax=20"}));

    const auto r = h.from_server(write_attributes({"3", "0"}, {"pmin"}));

    EXPECT_EQ(r.code, code::kChanged);
    ASSERT_EQ(h.client->persistent().attributes.size(), 1U);
    EXPECT_EQ(h.client->persistent().attributes.front().attributes.pmin, std::nullopt);
    EXPECT_EQ(h.client->persistent().attributes.front().attributes.pmax, 20);
}

TEST(WriteAttributes, InvalidRequestsAreRefused) {
    struct Case {
        std::vector<std::string> path;
        std::vector<std::string> query;
        Code expected;
    };
    // clang-format off
    const std::vector<Case> cases{
        {{"3", "0", "13"}, {"foo=1"},                  code::kBadRequest},  // unknown attribute
        {{"3", "0", "13"}, {"pmin=-1"},                code::kBadRequest},  // negative period
        {{"3", "0", "13"}, {"pmax=1.5"},               code::kBadRequest},  // fractional period
        {{"3", "0", "13"}, {"pmin=abc"},               code::kBadRequest},  // not a number
        {{"3", "0", "13"}, {"st=-1"},                  code::kBadRequest},  // negative step
        {{"3", "0", "13"}, {"lt=10", "gt=5"},          code::kBadRequest},  // lt >= gt
        {{"3", "0", "13"}, {"lt=0", "gt=10", "st=5"},  code::kBadRequest},  // lt + 2 st >= gt (1.1)
        {{"3", "0"},       {"gt=5"},                   code::kBadRequest},  // gt on an instance
        {{"3", "0", "0"},  {"gt=5"},                   code::kBadRequest},  // gt on a string resource
        {{"3", "1"},       {"pmin=1"},                 code::kNotFound},    // no such instance
        {{"3", "0", "99"}, {"pmin=1"},                 code::kNotFound},    // no such resource
        {{"5", "0"},       {"pmin=1"},                 code::kNotFound},    // no such object
    };
    // clang-format on
    Harness h;
    h.bootstrap_and_register();

    for (const auto& c : cases) {
        const auto r = h.from_server(write_attributes(c.path, c.query));

        EXPECT_EQ(code_to_string(r.code), code_to_string(c.expected)) << path_to_string(c.path) << " " << c.query[0];
    }
    EXPECT_TRUE(h.client->persistent().attributes.empty());
}

TEST(WriteAttributes, DiscoverReportsTheAttributes) {
    Harness h;
    h.bootstrap_and_register();
    h.from_server(write_attributes({"3", "0"}, {"pmax=60"}));
    h.from_server(write_attributes({"3", "0", "13"}, {"pmin=10", "gt=5"}));
    Request discover = make_request(code::kGet, {"3", "0"});
    discover.accept = content_format::kLinkFormat;

    const auto r = h.from_server(discover);

    const auto links = text_of(r.payload);
    EXPECT_NE(links.find("</3/0>;pmax=60"), std::string::npos) << links;
    EXPECT_NE(links.find("</3/0/13>;pmin=10;gt=5"), std::string::npos) << links;
}

TEST(WriteAttributes, ThresholdsOnANumericResourceAreAccepted) {
    Harness h;
    h.bootstrap_and_register();

    const auto r = h.from_server(write_attributes({"1", "1", "1"}, {"lt=100", "gt=500", "st=10"}));

    EXPECT_EQ(r.code, code::kChanged);
}

TEST(Observe, RegistersAndAnswersWithTheObserveOption) {
    Harness h;
    h.bootstrap_and_register();

    const auto r = h.from_server(observe_request({"1", "1", "1"}));

    EXPECT_EQ(r.code, code::kContent);
    ASSERT_TRUE(r.observe.has_value());
    EXPECT_EQ(text_of(r.payload), "300");
    ASSERT_EQ(h.client->persistent().observations.size(), 1U);
    EXPECT_EQ(h.client->persistent().observations.front().token, kToken);
    EXPECT_EQ(h.client->persistent().observations.front().path, "/1/1/1");
}

TEST(Observe, AFailedReadRegistersNothing) {
    Harness h;
    h.bootstrap_and_register();

    const auto r = h.from_server(observe_request({"3", "0", "99"}));

    EXPECT_EQ(r.code, code::kNotFound);
    EXPECT_FALSE(r.observe.has_value());
    EXPECT_TRUE(h.client->persistent().observations.empty());
}

TEST(Observe, TheSameTokenReplacesTheObservation) {
    Harness h;
    h.bootstrap_and_register();
    const auto first = h.from_server(observe_request({"1", "1", "1"}));

    const auto second = h.from_server(observe_request({"1", "1", "5"}));

    ASSERT_EQ(h.client->persistent().observations.size(), 1U);
    EXPECT_EQ(h.client->persistent().observations.front().path, "/1/1/5");
    EXPECT_GT(*second.observe, *first.observe);
}

TEST(Observe, ChangesAreNotifiedNoMoreOftenThanPmin) {
    Harness h;
    h.bootstrap_and_register();
    h.from_server(write_attributes({"3", "0", "13"}, {"pmin=10"}));
    const auto registered = h.from_server(observe_request({"3", "0", "13"}));

    h.advance(Millis{5'000});  // Current Time moved, pmin not yet over
    const auto before_pmin = h.transport.notified.size();
    const auto next = h.client->step();
    h.advance(next - h.clock.now());

    EXPECT_EQ(before_pmin, 0U);
    EXPECT_EQ(next, Millis{10'000}) << "the engine's next deadline is the end of pmin";
    ASSERT_EQ(h.transport.notified.size(), 1U);
    const auto& n = h.transport.notified.front();
    EXPECT_EQ(n.to, kServer);
    EXPECT_EQ(n.notification.token, kToken);
    EXPECT_TRUE(n.notification.confirmable);
    EXPECT_EQ(n.notification.response.observe, *registered.observe + 1);
    EXPECT_EQ(std::stoll(text_of(n.notification.response.payload)), std::stoll(text_of(registered.payload)) + 10);
    EXPECT_EQ(h.replay(), std::nullopt);
}

TEST(Observe, PmaxNotifiesAnUnchangedValue) {
    Harness h;
    h.bootstrap_and_register();
    h.from_server(write_attributes({"1", "1"}, {"pmax=20"}));  // inherited by /1/1/1
    h.from_server(observe_request({"1", "1", "1"}));

    h.advance(Millis{19'000});
    const auto before = h.transport.notified.size();
    h.transport.complete_notifications();
    h.advance(Millis{1'000});

    EXPECT_EQ(before, 0U);
    ASSERT_EQ(h.transport.notified.size(), 1U);
    EXPECT_EQ(text_of(h.transport.notified.front().notification.response.payload), "300");
}

TEST(Observe, WithoutAttributesNothingIsSentForAnUnchangedValue) {
    Harness h;
    h.bootstrap_and_register();
    h.from_server(observe_request({"1", "1", "1"}));

    const auto next = h.client->step();
    h.advance(Millis{100'000});

    EXPECT_TRUE(h.transport.notified.empty());
    EXPECT_LT(next, kNoDeadline) << "the registration's Update timer is still armed";
}

TEST(Observe, AServerWriteOfTheObservedResourceIsNotified) {
    Harness h;
    h.bootstrap_and_register();
    h.from_server(observe_request({"1", "1", "1"}));

    h.from_server(make_request(code::kPut, {"1", "1", "1"}, content_format::kTextPlain, text("600")));
    h.step();

    ASSERT_EQ(h.transport.notified.size(), 1U);
    EXPECT_EQ(text_of(h.transport.notified.front().notification.response.payload), "600");
}

TEST(Observe, GreaterThanNotifiesOnlyWhenTheValueCrossesIt) {
    Harness h;
    h.bootstrap_and_register();
    h.from_server(write_attributes({"1", "1", "5"}, {"gt=500"}));  // Disable Timeout: no Update when written
    h.from_server(observe_request({"1", "1", "5"}));
    const auto write = [&](const std::string& v) {
        h.from_server(make_request(code::kPut, {"1", "1", "5"}, content_format::kTextPlain, text(v)));
        h.step();
        h.transport.complete_notifications();
    };

    write("400");  // 86400 -> 400: crosses 500 downwards
    write("450");  // stays below
    write("600");  // crosses upwards

    ASSERT_EQ(h.transport.notified.size(), 2U);
    EXPECT_EQ(text_of(h.transport.notified[0].notification.response.payload), "400");
    EXPECT_EQ(text_of(h.transport.notified[1].notification.response.payload), "600");
}

TEST(Observe, ObserveOneCancels) {
    Harness h;
    h.bootstrap_and_register();
    h.from_server(write_attributes({"1", "1"}, {"pmax=20"}));
    h.from_server(observe_request({"1", "1", "1"}));

    const auto r = h.from_server(observe_request({"1", "1", "1"}, kToken, 1));
    h.advance(Millis{30'000});

    EXPECT_EQ(r.code, code::kContent) << "RFC 7641 3.6: the GET is served as usual";
    EXPECT_FALSE(r.observe.has_value());
    EXPECT_TRUE(h.client->persistent().observations.empty());
    EXPECT_TRUE(h.transport.notified.empty());
}

TEST(Observe, ResetToANotificationCancels) {
    Harness h;
    h.bootstrap_and_register();
    h.from_server(write_attributes({"1", "1"}, {"pmax=20"}));
    h.from_server(observe_request({"1", "1", "1"}));
    h.advance(Millis{20'000});
    ASSERT_EQ(h.transport.notified.size(), 1U);

    h.transport.complete_notification(0, SendFailure::Reset);
    h.advance(Millis{40'000});

    EXPECT_TRUE(h.client->persistent().observations.empty());
    EXPECT_EQ(h.transport.notified.size(), 1U);
    EXPECT_TRUE(has_note(h.recorder, "observation a1b2 on /1/1/1 cancelled: reset"));
}

TEST(Observe, AConfirmableNotificationInFlightHoldsBackTheNext) {
    Harness h;
    h.bootstrap_and_register();
    h.from_server(write_attributes({"1", "1"}, {"pmax=10"}));
    h.from_server(observe_request({"1", "1", "1"}));
    h.advance(Millis{10'000});

    h.advance(Millis{10'000});
    const auto while_in_flight = h.transport.notified.size();
    h.transport.complete_notification(0);
    h.step();

    EXPECT_EQ(while_in_flight, 1U);
    EXPECT_EQ(h.transport.notified.size(), 2U);
}

TEST(Observe, NonConfirmableNotificationsOnRequest) {
    Harness h;
    h.config.notification_con_every = 3;  // NON, NON, CON, ...
    h.bootstrap_and_register();
    h.from_server(write_attributes({"1", "1"}, {"pmax=10"}));
    h.from_server(observe_request({"1", "1", "1"}));

    for (int i = 0; i < 3; ++i) {
        h.advance(Millis{10'000});
        h.transport.complete_notifications();
    }

    ASSERT_EQ(h.transport.notified.size(), 3U);
    EXPECT_FALSE(h.transport.notified[0].notification.confirmable);
    EXPECT_FALSE(h.transport.notified[1].notification.confirmable);
    EXPECT_TRUE(h.transport.notified[2].notification.confirmable);
}

TEST(Observe, DeRegisterDropsTheObservations) {
    Harness h;
    h.bootstrap_and_register();
    h.from_server(write_attributes({"1", "1"}, {"pmax=10"}));
    h.from_server(observe_request({"1", "1", "1"}));

    h.client->deregister();
    h.transport.answer(code::kDeleted);
    h.advance(Millis{30'000});

    EXPECT_TRUE(h.client->persistent().observations.empty());
    EXPECT_TRUE(h.client->persistent().attributes.empty());
    EXPECT_TRUE(h.transport.notified.empty());
    EXPECT_TRUE(has_note(h.recorder, "observations forgotten: 1 (De-register)"));
    EXPECT_EQ(h.replay(), std::nullopt);
}

TEST(Observe, ANewRegisterDropsTheObservations) {
    Harness h;
    h.bootstrap_and_register();
    h.from_server(observe_request({"1", "1", "1"}));
    h.from_server(observe_request({"3", "0", "13"}, {0x01}));

    h.from_server(make_request(code::kPost, {"1", "1", "8"}));  // Update trigger; the Update is answered 4.04
    h.step();
    h.transport.answer(code::kNotFound);
    h.step();

    EXPECT_EQ(h.state(), "RegPending");
    EXPECT_TRUE(h.client->persistent().observations.empty());
    EXPECT_TRUE(has_note(h.recorder, "observations forgotten: 2 (a new Register voids them)"));
    EXPECT_EQ(h.replay(), std::nullopt);
}

TEST(Observe, FactoryResetAndBootstrapTriggerDropTheObservations) {
    struct Case {
        std::vector<std::string> execute;
        std::string note;
    };
    const std::vector<Case> cases{{{"3", "0", "5"}, "observations forgotten: 1 (factory reset)"},
                                  {{"1", "1", "9"}, "observations forgotten: 1 (left the registration for BsHoldOff)"}};
    for (const auto& c : cases) {
        Harness h;
        h.config.deregister_before_factory_reset = false;
        h.bootstrap_and_register();
        h.from_server(observe_request({"1", "1", "1"}));

        h.from_server(make_request(code::kPost, c.execute));
        h.step();

        EXPECT_TRUE(h.client->persistent().observations.empty()) << c.note;
        EXPECT_TRUE(has_note(h.recorder, c.note)) << c.note;
        EXPECT_EQ(h.replay(), std::nullopt);
    }
}

TEST(Observe, AnObservationThatCannotBePersistedIsRefused) {
    TempDir dir;
    Harness h;
    h.config.state_dir = dir.path;
    h.bootstrap_and_register();
    const auto blocker = dir.path / ("state.lwm2mc.tmp." + std::to_string(::getpid()));
    std::filesystem::create_directories(blocker / "x");

    const auto r = h.from_server(observe_request({"1", "1", "1"}));
    h.advance(Millis{100'000});

    EXPECT_EQ(r.code, code::kInternalServerError) << "an observation that would not survive a reboot is refused";
    EXPECT_TRUE(h.client->persistent().observations.empty());
    EXPECT_TRUE(h.transport.notified.empty());
}

TEST(Observe, RebootKeepingTheRegistrationKeepsTheObservations) {
    TempDir dir;
    Harness h;
    h.config.state_dir = dir.path;
    h.config.keep_observations = true;
    h.bootstrap_and_register();
    h.from_server(write_attributes({"1", "1"}, {"pmax=10"}));
    const auto registered = h.from_server(observe_request({"1", "1", "1"}));
    h.advance(Millis{10'000});
    h.transport.complete_notifications();
    const auto seq_before = *h.transport.notified.back().notification.response.observe;

    h.from_server(make_request(code::kPost, {"3", "0", "4"}));  // Reboot
    h.step();
    h.advance(Millis{10'000});

    EXPECT_EQ(h.state(), "Registered");
    EXPECT_TRUE(has_note(h.recorder, "observations kept: 1"));
    ASSERT_EQ(h.transport.notified.size(), 2U);
    const auto& after = h.transport.notified.back().notification;
    EXPECT_EQ(after.token, kToken);
    EXPECT_GT(*after.response.observe, seq_before) << "RFC 7641 4.4: newer than anything sent before the reboot";
    EXPECT_GT(seq_before, *registered.observe);
    EXPECT_EQ(h.recorder.steps.back().to, "Registered");
    EXPECT_EQ(h.replay(), std::nullopt);
}

TEST(Observe, RebootForgettingObservationsRegistersWithoutThem) {
    TempDir dir;
    Harness h;
    h.config.state_dir = dir.path;
    h.config.keep_observations = false;
    h.bootstrap_and_register();
    h.from_server(write_attributes({"1", "1"}, {"pmax=10"}));
    h.from_server(observe_request({"1", "1", "1"}));
    h.from_server(observe_request({"1", "1", "5"}, {0x07}));

    h.from_server(make_request(code::kPost, {"3", "0", "4"}));
    h.step();
    h.advance(Millis{30'000});

    EXPECT_EQ(h.state(), "RegPending");
    EXPECT_TRUE(has_note(h.recorder, "observations forgotten: 2"));
    EXPECT_TRUE(h.client->persistent().observations.empty());
    EXPECT_TRUE(h.transport.notified.empty());
    EXPECT_EQ(h.transport.sent.back().request.uri_path, std::vector<std::string>{"rd"});
    EXPECT_EQ(h.replay(), std::nullopt);
}

TEST(Observe, AttributesAndObservationsRoundTripThroughTheStateFile) {
    PersistentState st;
    st.attributes.push_back(AttributeRecord{1, "/3/0/13", Attributes{10, 20, 5.5, 1.0, 0.5}});
    st.observations.push_back(ObservationRecord{
        1, {0xde, 0xad}, "/3/0/13", content_format::kTextPlain, 77, {'4', '2'}, content_format::kTextPlain});

    const auto back = decode_state(encode_state(st));

    EXPECT_EQ(back, st);
}

TEST(Observe, AStateFileWithoutObservationsStillLoads) {
    PersistentState st;
    const auto bytes = encode_state(st);

    const auto back = decode_state(bytes);

    EXPECT_EQ(bytes.find("observations"), std::string::npos) << "the format of earlier versions is unchanged";
    EXPECT_TRUE(back.observations.empty());
    EXPECT_TRUE(back.attributes.empty());
}

}  // namespace
}  // namespace lwm2mc::client::testing
