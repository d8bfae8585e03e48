// SPDX-License-Identifier: Apache-2.0
#include "lwm2mc/client/trace.hpp"
#include "lwm2mc/model/replay.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <sstream>

#include "harness.hpp"

using namespace lwm2mc::client;
using namespace lwm2mc::client::testing;

namespace {
bool contains(const std::vector<std::string>& names, const std::string& n) {
    return std::find(names.begin(), names.end(), n) != names.end();
}
}  // namespace

TEST(Trace, JsonLinesUseOnlyNamesOfTheShippedModel) {
    std::ostringstream out;
    JsonLinesTrace trace{out};
    Harness h;
    ObserverList both;
    both.add(trace);
    both.add(h.recorder);
    Client client{h.config, h.transport, h.clock, both};
    client.start();
    client.step();
    h.transport.answer(code::kChanged);
    h.bs_write_account();
    h.bs_finish();
    client.step();
    h.transport.answer(code::kCreated, {"rd", "1"});
    h.from_server(make_request(code::kPost, {"3", "0", "4"}));
    client.step();

    const auto& names = shipped_model_names();
    std::istringstream lines{out.str()};
    std::string line;
    int transitions = 0;
    std::vector<std::string> kinds;
    while (std::getline(lines, line)) {
        const auto j = nlohmann::json::parse(line);
        kinds.push_back(j.at("kind").get<std::string>());
        ASSERT_TRUE(j.contains("t_ms"));
        if (j.at("kind") == "transition") {
            ++transitions;
            EXPECT_TRUE(contains(names.states, j.at("from").get<std::string>())) << line;
            EXPECT_TRUE(contains(names.states, j.at("to").get<std::string>())) << line;
            EXPECT_TRUE(contains(names.events, j.at("event").get<std::string>())) << line;
            EXPECT_EQ(j.at("vars").size(), names.variables.size()) << line;
            for (const auto& [k, v] : j.at("vars").items()) {
                EXPECT_TRUE(contains(names.variables, k)) << line;
            }
        }
    }

    EXPECT_EQ(kinds.front(), "start");
    EXPECT_EQ(transitions, 9);
    EXPECT_EQ(std::count(kinds.begin(), kinds.end(), "message") > 0, true);
    EXPECT_EQ(h.replay(), std::nullopt);
}

TEST(Trace, TransitionLineHasTheDocumentedShape) {
    std::ostringstream out;
    JsonLinesTrace trace{out, false};
    trace.on_variable(Millis{0}, "has_bs_account", "true");
    trace.on_variable(Millis{0}, "reg_info", "RegInfoNone");
    trace.on_start(Millis{0}, "Init");
    trace.on_message(Millis{1}, "out", "ignored without messages");

    trace.on_event(Millis{1234}, "bs_finish", "response", "");
    trace.on_variable(Millis{1234}, "has_server_account", "true");
    trace.on_state_change(Millis{1234}, "BsPending", "BsFinished", "bs_finish");

    EXPECT_EQ(out.str(),
              "{\"t_ms\":0,\"kind\":\"start\",\"state\":\"Init\",\"vars\":{\"has_bs_account\":true,"
              "\"reg_info\":\"RegInfoNone\"}}\n"
              "{\"t_ms\":1234,\"kind\":\"transition\",\"from\":\"BsPending\",\"event\":\"bs_finish\",\"actor\":"
              "\"response\",\"to\":\"BsFinished\",\"vars\":{\"has_bs_account\":true,\"has_server_account\":true,"
              "\"reg_info\":\"RegInfoNone\"}}\n");
}

TEST(Trace, ProjectReplayAcceptsTheJsonLinesOfAFactoryResetRun) {
    std::ostringstream out;
    JsonLinesTrace trace{out};
    Harness h;
    Client client{h.config, h.transport, h.clock, trace};
    client.start();
    client.step();
    h.transport.answer(code::kChanged);
    h.from_bs(make_request(code::kDelete, {}));
    h.bs_write_account();
    h.bs_finish();
    client.step();
    h.transport.answer(code::kCreated, {"rd", "1"});
    h.from_server(make_request(code::kPost, {"3", "0", "5"}));
    client.step();
    h.transport.answer(code::kDeleted);
    client.step();

    const auto parsed = lwm2mc::model::parse_trace(out.str());
    ASSERT_TRUE(std::holds_alternative<std::vector<lwm2mc::model::Observation>>(parsed));
    const auto& observations = std::get<std::vector<lwm2mc::model::Observation>>(parsed);
    const auto result = lwm2mc::model::replay(shipped_model(), model_configuration(h.config), observations);

    EXPECT_EQ(client.state(), "BsRequesting");
    EXPECT_EQ(observations.size(), 13U);  // the start record and twelve transitions
    EXPECT_TRUE(result.ok()) << (result.divergence ? result.divergence->message : "");
    EXPECT_EQ(result.matched, observations.size());
}

TEST(Trace, ProjectReplayRejectsATraceThatLeavesTheModel) {
    // The replay is not vacuous: a Register answered while bootstrapping is not a run of the model.
    const std::string bad =
        R"({"t_ms":0,"kind":"transition","from":"Init","event":"boot","actor":"client","to":"BsHoldOff"})"
        "\n"
        R"({"t_ms":1,"kind":"transition","from":"BsHoldOff","event":"reg_created","actor":"response","to":"Registered"})"
        "\n";
    Harness h;

    const auto parsed = lwm2mc::model::parse_trace(bad);
    const auto result = lwm2mc::model::replay(shipped_model(), model_configuration(h.config),
                                              std::get<std::vector<lwm2mc::model::Observation>>(parsed));
    const auto own = replay_on_model(h.config, "Init",
                                     {{"has_bs_account", "true"},
                                      {"has_server_account", "false"},
                                      {"reg_info", "RegInfoNone"},
                                      {"after_factory_reset", "false"}},
                                     {{"Init",
                                       "boot",
                                       "client",
                                       "BsHoldOff",
                                       {{"has_bs_account", "true"},
                                        {"has_server_account", "false"},
                                        {"reg_info", "RegInfoNone"},
                                        {"after_factory_reset", "false"}}},
                                      {"BsHoldOff",
                                       "reg_created",
                                       "response",
                                       "Registered",
                                       {{"has_bs_account", "true"},
                                        {"has_server_account", "false"},
                                        {"reg_info", "RegInfoValid"},
                                        {"after_factory_reset", "false"}}}});

    ASSERT_TRUE(result.divergence.has_value());
    EXPECT_EQ(result.divergence->index, 1U);
    ASSERT_TRUE(own.has_value());
    EXPECT_NE(own->find("step 1"), std::string::npos) << *own;
}
