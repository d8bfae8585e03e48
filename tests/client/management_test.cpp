// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "harness.hpp"

using namespace lwm2mc::client;
using namespace lwm2mc::client::testing;

namespace {
std::string describe_for_test(const Request& r) {
    std::string out = code_to_string(r.method) + " " + path_to_string(r.uri_path);
    return out + " (" + std::to_string(r.payload.size()) + " bytes)";
}
}  // namespace

TEST(Management, ReadsTheDeviceObjectAsTlvAndAResourceAsText) {
    Harness h;
    h.bootstrap_and_register();
    auto tlv_read = make_request(code::kGet, {"3", "0"});
    tlv_read.accept = content_format::kLwm2mTlv;

    const auto all = h.from_server(tlv_read);
    const auto one = h.from_server(make_request(code::kGet, {"3", "0", "0"}));
    auto legacy = make_request(code::kGet, {"1", "1", "1"});
    legacy.accept = content_format::kLegacyText;
    const auto lifetime = h.from_server(legacy);

    EXPECT_EQ(all.code, code::kContent);
    EXPECT_EQ(all.content_format, content_format::kLwm2mTlv);
    const auto decoded = decode_tlv(all.payload);
    ASSERT_TRUE(std::holds_alternative<std::vector<TlvRecord>>(decoded));
    EXPECT_EQ(std::get<std::vector<TlvRecord>>(decoded).front().value, tlv_string("lwm2mc"));
    EXPECT_EQ(one.content_format, content_format::kTextPlain);
    EXPECT_EQ(text_of(one.payload), "lwm2mc");
    EXPECT_EQ(text_of(lifetime.payload), "300");
}

TEST(Management, DiscoverListsTheResourcesOfAnInstance) {
    Harness h;
    h.bootstrap_and_register();
    auto req = make_request(code::kGet, {"1", "1"});
    req.accept = content_format::kLinkFormat;

    const auto r = h.from_server(req);

    EXPECT_EQ(r.code, code::kContent);
    EXPECT_TRUE(text_of(r.payload).starts_with(
        "</1/1>,</1/1/0>,</1/1/1>,</1/1/4>,</1/1/5>,</1/1/6>,</1/1/7>,</1/1/8>,</1/1/9>"))
        << text_of(r.payload);
}

TEST(Management, BadInputIsRejectedAndChangesNothing) {
    struct Case {
        const char* name;
        Endpoint from;
        Request request;
        Code expected;
    };
    auto unknown_option = make_request(code::kGet, {"3", "0"});
    unknown_option.has_unknown_critical_option = true;
    auto json_accept = make_request(code::kGet, {"3", "0", "0"});
    json_accept.accept = content_format::kLwm2mJson;
    const std::vector<Case> cases{
        {"malformed TLV", kServer, make_request(code::kPut, {"1", "1"}, content_format::kLwm2mTlv, {0xC3, 0x01, 0x00}),
         code::kBadRequest},
        {"malformed text integer", kServer,
         make_request(code::kPut, {"1", "1", "1"}, content_format::kTextPlain, text("12a")), code::kBadRequest},
        {"text boolean other than 0/1", kServer,
         make_request(code::kPut, {"1", "1", "6"}, content_format::kTextPlain, text("true")), code::kBadRequest},
        {"unsupported content format", kServer,
         make_request(code::kPut, {"1", "1", "1"}, content_format::kLwm2mJson, text("{}")),
         code::kUnsupportedContentFormat},
        {"no content format", kServer, make_request(code::kPut, {"1", "1", "1"}, std::nullopt, text("60")),
         code::kUnsupportedContentFormat},
        {"unsupported accept", kServer, json_accept, code::kNotAcceptable},
        {"unknown critical option", kServer, unknown_option, code::kBadOption},
        {"unknown peer", kStranger, make_request(code::kGet, {"3", "0"}), code::kUnauthorized},
        {"Bootstrap-Finish from the LwM2M server", kServer, make_request(code::kPost, {"bs"}), code::kUnauthorized},
        {"Delete / from the LwM2M server", kServer, make_request(code::kDelete, {}), code::kUnauthorized},
        {"Security object from the LwM2M server", kServer, make_request(code::kGet, {"0", "1"}), code::kUnauthorized},
        {"bootstrap write outside a bootstrap window", kBootstrapServer,
         make_request(code::kPut, {"1", "1"}, content_format::kLwm2mTlv, server_tlv(1, 60, "U")), code::kForbidden},
        {"write to a read-only resource", kServer,
         make_request(code::kPut, {"3", "0", "0"}, content_format::kTextPlain, text("x")), code::kMethodNotAllowed},
        {"negative lifetime", kServer,
         make_request(code::kPut, {"1", "1"}, content_format::kLwm2mTlv,
                      encode_tlv({{TlvType::Resource, 1, tlv_int(-5), {}}})),
         code::kBadRequest},
        {"unknown object", kServer, make_request(code::kGet, {"42"}), code::kNotFound},
        {"non-numeric path", kServer, make_request(code::kGet, {"x"}), code::kNotFound},
        {"create an instance", kServer, make_request(code::kPost, {"1"}, content_format::kLwm2mTlv, {}),
         code::kMethodNotAllowed},
        {"execute a readable resource", kServer, make_request(code::kPost, {"1", "1", "1"}), code::kMethodNotAllowed},
    };
    for (const auto& c : cases) {
        Harness h;
        h.bootstrap_and_register();
        const auto data_before = h.client->data();
        const auto steps_before = h.recorder.steps.size();
        const auto sent_before = h.transport.sent.size();

        const auto r = h.transport.inject(c.from, c.request);
        h.step();

        EXPECT_EQ(code_to_string(r.code), code_to_string(c.expected)) << c.name;
        EXPECT_EQ(h.state(), "Registered") << c.name;
        EXPECT_EQ(h.client->data(), data_before) << c.name;
        EXPECT_EQ(h.recorder.steps.size(), steps_before) << c.name;
        EXPECT_EQ(h.transport.sent.size(), sent_before) << c.name;
    }
}

TEST(Management, LegacyTextContentFormatIsAccepted) {
    Harness h;
    h.bootstrap_and_register();

    const auto r = h.from_server(make_request(code::kPut, {"1", "1", "6"}, content_format::kLegacyText, text("0")));

    EXPECT_EQ(r.code, code::kChanged);
    EXPECT_FALSE(h.client->data().server.at(1).notification_storing);
}

TEST(Management, RequestsFromAServerThatHoldsNoRegistrationAreForbidden) {
    Harness h;
    h.config.client_initiated = false;
    h.config.factory = true;
    h.config.bootstrap_server_uri.clear();
    h.config.server_uris = {"coap://127.0.0.1:5683"};
    h.start();  // RegPending: the Register is not answered yet

    const auto read = h.from_server(make_request(code::kGet, {"3", "0", "0"}));
    const auto reboot = h.from_server(make_request(code::kPost, {"3", "0", "4"}));
    h.step();

    EXPECT_EQ(read.code, code::kForbidden);
    EXPECT_EQ(reboot.code, code::kForbidden);
    EXPECT_EQ(h.state(), "RegPending");
}

TEST(Management, WriteOfAnUnimplementedBindingIsBadRequestAndSendsNoUpdate) {
    Harness h;
    h.bootstrap_and_register();
    const auto sent = h.transport.sent.size();

    const auto queue = h.from_server(make_request(code::kPut, {"1", "1", "7"}, content_format::kTextPlain, text("UQ")));
    const auto sms = h.from_server(make_request(code::kPut, {"1", "1", "7"}, content_format::kTextPlain, text("S")));
    const auto udp = h.from_server(make_request(code::kPut, {"1", "1", "7"}, content_format::kTextPlain, text("U")));
    h.step();

    EXPECT_EQ(queue.code, code::kBadRequest);
    EXPECT_EQ(sms.code, code::kBadRequest);
    EXPECT_EQ(udp.code, code::kChanged);
    EXPECT_EQ(h.client->data().server.at(1).binding, "U");
    EXPECT_EQ(h.transport.sent.size(), sent);
    EXPECT_EQ(h.state(), "Registered");
    EXPECT_EQ(h.replay(), std::nullopt);
}

TEST(Management, PersistedUnimplementedBindingIsNeverStatedInRegister) {
    TempDir dir;
    PersistentState st;
    SecurityInstance sec;
    sec.server_uri = "coap://127.0.0.1:5683";
    sec.ssid = 1;
    st.data.security.emplace(1, sec);
    ServerInstance srv;
    srv.ssid = 1;
    srv.lifetime = 300;
    srv.binding = "UQ";  // written by a build that did not check bindings
    st.data.server.emplace(1, srv);
    StateStore{dir.path}.save(st);
    Harness h;
    h.config.state_dir = dir.path;

    h.start();
    h.transport.answer(code::kCreated, {"rd", "5"});
    h.step();

    ASSERT_EQ(h.transport.sent.size(), 1U) << "no Update: the registered binding is what the client uses";
    EXPECT_EQ(h.transport.sent[0].request.uri_query.back(), "b=U");
    EXPECT_EQ(h.state(), "Registered");
    EXPECT_EQ(h.replay(), std::nullopt);
}

TEST(Management, RebootAnswersFirstThenKeepsTheRegistration) {
    Harness h;
    h.bootstrap_and_register();

    const auto r = h.from_server(make_request(code::kPost, {"3", "0", "4"}));
    const auto state_when_answered = h.state();
    h.step();

    EXPECT_EQ(r.code, code::kChanged);
    EXPECT_EQ(state_when_answered, "Registered");
    EXPECT_EQ(h.state(), "Registered");
    const auto path = h.recorder.path();
    const std::vector<std::string> tail(path.end() - 2, path.end());
    EXPECT_EQ(tail, (std::vector<std::string>{"Registered -reboot-> Rebooting", "Rebooting -restart-> Registered"}));
    EXPECT_EQ(h.replay(), std::nullopt);
}

TEST(Management, RebootKeepingTheRegistrationUpdatesBeforeTheLifetimeEnds) {
    Harness h;
    h.config.keep_observations = true;
    h.bootstrap_and_register(300);  // registered at t = 0: Update due at 207 s, the server drops it at 300 s
    h.advance(Millis{200'000});
    const auto sent_before = h.transport.sent.size();

    h.client->power_cycle();
    h.step();
    const auto state_after_restart = h.state();
    h.advance(Millis{7'000});

    EXPECT_EQ(state_after_restart, "Registered");
    EXPECT_EQ(h.state(), "UpdatePending") << "the lifetime counts from the Register, not from the restart";
    ASSERT_EQ(h.transport.sent.size(), sent_before + 1);
    EXPECT_EQ(h.transport.sent.back().request.uri_path, (std::vector<std::string>{"rd", "5"}));
    EXPECT_EQ(h.replay(), std::nullopt);
}

TEST(Management, RebootKeepingAnExpiredRegistrationRegistersAgain) {
    Harness h;
    h.config.keep_observations = true;
    h.bootstrap_and_register(300);
    h.clock.advance(Millis{301'000});  // e.g. suspended: the server dropped the registration at 300 s

    h.client->power_cycle();
    h.step();

    EXPECT_EQ(h.state(), "RegPending");
    EXPECT_EQ(h.recorder.steps.back().event, "lifetime_expired");
    EXPECT_EQ(h.transport.sent.back().request.uri_path, std::vector<std::string>{"rd"});
    EXPECT_EQ(h.replay(), std::nullopt);
}

TEST(Management, WriteThatCannotBePersistedIsAnswered500AndRolledBack) {
    TempDir dir;
    Harness h;
    h.config.state_dir = dir.path;
    h.bootstrap_and_register(300);
    // The store's temp file name is taken by a non-empty directory: every save fails (also for root).
    const auto blocker = dir.path / ("state.lwm2mc.tmp." + std::to_string(::getpid()));
    std::filesystem::create_directories(blocker / "x");

    const auto r = h.from_server(make_request(code::kPut, {"1", "1", "1"}, content_format::kTextPlain, text("600")));
    h.step();

    EXPECT_EQ(r.code, code::kInternalServerError);
    EXPECT_EQ(h.client->data().server.at(1).lifetime, 300) << "the unsaved change is rolled back";
    EXPECT_EQ(h.state(), "Registered") << "no Update for a change that did not happen";
    EXPECT_EQ(h.replay(), std::nullopt);
}

TEST(Management, RebootWithoutKeepingObservationsRegistersAgain) {
    Harness h;
    h.config.keep_observations = false;
    h.bootstrap_and_register();
    const auto sent_before = h.transport.sent.size();

    h.from_server(make_request(code::kPost, {"3", "0", "4"}));
    h.step();

    EXPECT_EQ(h.state(), "RegPending");
    ASSERT_EQ(h.transport.sent.size(), sent_before + 1);
    EXPECT_EQ(h.transport.sent.back().request.uri_path, std::vector<std::string>{"rd"});
    EXPECT_EQ(h.replay(), std::nullopt);
}

TEST(Management, RebootIntoTheBootstrapSequenceRegistersWithTheHeldAccount) {
    Harness h;
    h.config.bootstrap_after_reboot = true;
    h.bootstrap_and_register();

    h.from_server(make_request(code::kPost, {"3", "0", "4"}));
    h.step();

    EXPECT_EQ(h.state(), "RegPending");
    const auto path = h.recorder.path();
    const std::vector<std::string> tail(path.end() - 3, path.end());
    EXPECT_EQ(tail, (std::vector<std::string>{"Registered -reboot-> Rebooting", "Rebooting -restart-> Init",
                                              "Init -boot-> RegPending"}));
    EXPECT_EQ(h.replay(), std::nullopt);
}

TEST(Management, FactoryResetDeregistersWipesAndBootstrapsAgain) {
    TempDir dir;
    Harness h;
    h.config.state_dir = dir.path;
    h.bootstrap_and_register();

    const auto r = h.from_server(make_request(code::kPost, {"3", "0", "5"}));
    h.step();
    const auto state_while_deregistering = h.state();
    ASSERT_EQ(h.transport.pending().request.method, code::kDelete);
    h.transport.answer(code::kDeleted);
    h.step();
    const auto after_reset = h.client->persistent();
    const auto on_disk = StateStore{dir.path}.load();

    EXPECT_EQ(r.code, code::kChanged);
    EXPECT_EQ(state_while_deregistering, "FactoryResetting");
    EXPECT_EQ(h.state(), "BsRequesting") << "no server account after the wipe: bootstrap (hold-off 0)";
    EXPECT_FALSE(after_reset.data.has_server_account());
    EXPECT_TRUE(after_reset.data.has_bs_account());
    EXPECT_TRUE(after_reset.after_factory_reset);
    ASSERT_TRUE(on_disk.has_value());
    EXPECT_EQ(*on_disk, after_reset);

    h.transport.answer(code::kChanged);
    h.bs_write_account();
    h.bs_finish();
    h.step();
    h.transport.answer(code::kCreated, {"rd", "9"});
    EXPECT_EQ(h.state(), "Registered");
    EXPECT_FALSE(h.client->persistent().after_factory_reset);
    EXPECT_EQ(h.replay(), std::nullopt);
}

TEST(Management, FactoryResetWithoutBootstrapRegistersAgain) {
    Harness h;
    h.config.bootstrap_after_factory_reset = false;
    h.config.deregister_before_factory_reset = false;
    h.bootstrap_and_register();

    h.from_server(make_request(code::kPost, {"3", "0", "5"}));
    h.step();

    EXPECT_EQ(h.state(), "RegPending");
    EXPECT_TRUE(h.client->persistent().after_factory_reset);
    EXPECT_EQ(h.transport.sent.back().request.uri_path, std::vector<std::string>{"rd"});
    EXPECT_EQ(h.replay(), std::nullopt);
}

TEST(Management, FactoryResetOnADeviceWithoutItIsNotFound) {
    Harness h;
    h.config.supports_factory_reset = false;
    h.bootstrap_and_register();

    const auto r = h.from_server(make_request(code::kPost, {"3", "0", "5"}));
    h.step();
    auto discover = make_request(code::kGet, {"3", "0"});
    discover.accept = content_format::kLinkFormat;
    const auto links = text_of(h.from_server(discover).payload);

    EXPECT_EQ(r.code, code::kNotFound);
    EXPECT_EQ(h.state(), "Registered");
    EXPECT_EQ(links.find("</3/0/5>"), std::string::npos);
    EXPECT_NE(links.find("</3/0/4>"), std::string::npos);
}

TEST(Management, BootstrapTriggerWithoutClientInitiatedSupportIsNotAllowed) {
    Harness h;
    h.config.client_initiated = false;
    h.config.server_initiated = true;
    h.start();
    h.bs_write_account();
    h.bs_finish();
    h.step();
    h.transport.answer(code::kCreated, {"rd", "1"});

    const auto r = h.from_server(make_request(code::kPost, {"1", "1", "9"}));
    h.step();

    EXPECT_EQ(r.code, code::kMethodNotAllowed);
    EXPECT_EQ(h.state(), "Registered");
}

TEST(Management, PowerCycleRestartsFromThePersistedState) {
    TempDir dir;
    Harness h;
    h.config.state_dir = dir.path;
    h.bootstrap_and_register();

    Harness second;
    second.config = h.config;
    second.start();

    EXPECT_EQ(second.recorder.start_vars.at("has_server_account"), "true");
    EXPECT_EQ(second.recorder.start_vars.at("reg_info"), "RegInfoValid");
    EXPECT_EQ(second.state(), "RegPending");
    EXPECT_EQ(second.transport.sent.at(0).request.uri_path, std::vector<std::string>{"rd"});
    EXPECT_EQ(second.replay(), std::nullopt);
}

TEST(Management, SetChoicesSteersEachRestartAndIsNotPersisted) {
    TempDir dir;
    Harness h;
    h.config.state_dir = dir.path;
    h.config.keep_observations = true;
    h.bootstrap_and_register();
    ClientChoices forget = h.config;
    forget.keep_observations = false;

    h.client->set_choices(forget);
    h.client->power_cycle();
    h.step();
    const auto after_first = h.state();
    h.transport.answer(code::kCreated, {"rd", "6"});
    h.client->set_choices(h.config);  // back to keeping the registration
    h.client->power_cycle();
    h.step();
    const auto after_second = h.state();
    Harness next_process;
    next_process.config = h.config;
    next_process.start();

    EXPECT_EQ(after_first, "RegPending");
    EXPECT_EQ(after_second, "Registered");
    EXPECT_TRUE(h.client->choices().keep_observations);
    EXPECT_TRUE(next_process.client->choices().keep_observations) << "a new process has its configuration's";
    EXPECT_EQ(h.replay(), std::nullopt);
}

TEST(Management, CompletionsRunAfterTheClientIsGoneDoNothing) {
    Harness h;
    h.start();
    h.step();  // Bootstrap-Request outstanding
    Harness answered;
    answered.start();
    answered.step();
    const auto steps_before = h.recorder.steps.size();
    const auto answered_before = answered.recorder.steps.size();

    h.client->stop();  // cancels: the completion runs at the next poll, which comes after ~Client
    h.client.reset();
    h.transport.poll(Millis{0});
    answered.client.reset();  // the response arrives after the Client is gone
    answered.transport.answer(code::kChanged);

    EXPECT_EQ(h.recorder.steps.size(), steps_before) << "nothing is reported after the Client was destroyed";
    EXPECT_EQ(answered.recorder.steps.size(), answered_before);
    EXPECT_EQ(answered.transport.sent.back().request.uri_path, std::vector<std::string>{"bs"});
}

TEST(Management, DamagedStateFileStopsTheStart) {
    TempDir dir;
    Harness h;
    h.config.state_dir = dir.path;
    h.bootstrap_and_register();
    {
        std::fstream f(dir.path / "state.lwm2mc", std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(60);
        f.put('#');
    }
    Harness second;
    second.config = h.config;

    EXPECT_THROW(second.start(), StoreError);
}

TEST(Robustness, RandomRequestsNeverCauseAnInternalError) {
    std::uint32_t seed = 12345;
    const auto next = [&seed](std::uint32_t n) {
        seed = seed * 1103515245U + 12345U;
        return (seed >> 8U) % n;
    };
    const std::vector<Code> methods{code::kGet, code::kPost, code::kPut, code::kDelete, coap_code(0, 7)};
    const std::vector<std::string> segments{"0", "1", "3", "4", "5", "8", "9", "bs", "rd", "65535", "x", ""};
    const std::vector<std::optional<std::uint16_t>> formats{std::nullopt,
                                                            content_format::kTextPlain,
                                                            content_format::kLwm2mTlv,
                                                            content_format::kLegacyTlv,
                                                            content_format::kLinkFormat,
                                                            content_format::kLwm2mJson};
    const std::vector<Endpoint> peers{kServer, kBootstrapServer, kStranger};
    for (int round = 0; round < 6; ++round) {
        Harness h;
        h.config.server_initiated = round % 2 == 0;
        if (round < 3) {
            h.bootstrap_and_register();
        } else {
            h.start();
            h.step();
            h.transport.answer(code::kChanged);  // in BsPending: the bootstrap server may write
        }
        for (int i = 0; i < 400; ++i) {
            Request r;
            r.method = methods[next(static_cast<std::uint32_t>(methods.size()))];
            const auto depth = next(4);
            for (std::uint32_t d = 0; d < depth; ++d) {
                r.uri_path.push_back(segments[next(static_cast<std::uint32_t>(segments.size()))]);
            }
            r.content_format = formats[next(static_cast<std::uint32_t>(formats.size()))];
            r.accept = formats[next(static_cast<std::uint32_t>(formats.size()))];
            const auto len = next(12);
            for (std::uint32_t b = 0; b < len; ++b) {
                r.payload.push_back(static_cast<std::uint8_t>(next(256)));
            }
            if (next(5) == 0) {
                r.payload = server_tlv(1, next(1000), "U");
            }

            const auto response = h.transport.inject(peers[next(3)], r);
            h.step();

            ASSERT_NE(code_to_string(response.code), "5.00") << describe_for_test(r);
        }
        EXPECT_TRUE(h.recorder.notes.end() ==
                    std::find_if(h.recorder.notes.begin(), h.recorder.notes.end(),
                                 [](const std::string& n) { return n.starts_with("internal error"); }));
        EXPECT_EQ(h.replay(), std::nullopt);
    }
}
