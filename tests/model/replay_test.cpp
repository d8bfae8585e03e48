// SPDX-License-Identifier: Apache-2.0
// Replaying observed runs (client traces) on the shipped model: agreement and each kind of divergence.

#include "lwm2mc/model/interpreter.hpp"
#include "lwm2mc/model/loader.hpp"
#include "lwm2mc/model/replay.hpp"

#include <gtest/gtest.h>

#include <string>
#include <variant>

using namespace lwm2mc::model;

namespace {

const Model& shipped() {
    static const Model m = [] {
        auto r = load_model(std::string(LWM2MC_SPECS_DIR) + "/lwm2m-ts10-draft.lwm2m");
        if (!r.ok()) {
            throw std::runtime_error("shipped model does not load");
        }
        return std::move(*r.model);
    }();
    return m;
}

Configuration config(const std::string& assignment) {
    const Interpreter interp{shipped()};
    std::string error;
    auto fixed = interp.parse_assignment(assignment, error);
    EXPECT_EQ(error, "");
    Configuration c;
    for (std::size_t p = 0; p < fixed.size(); ++p) {
        c.values.push_back(fixed[p].value_or(0));
    }
    return c;
}

const std::string kSiOnly = "factory=false,smartcard=false,client_initiated=false,server_initiated=true,supports_"
                            "factory_reset=false,hold_off=0";
const std::string kCiOnly = "factory=false,smartcard=false,client_initiated=true,server_initiated=false,supports_"
                            "factory_reset=true,hold_off=10";

std::vector<Observation> parse(const std::string& text) {
    auto r = parse_trace(text);
    if (auto* error = std::get_if<std::string>(&r)) {
        ADD_FAILURE() << *error;
        return {};
    }
    return std::get<std::vector<Observation>>(r);
}

}  // namespace

TEST(Replay, ServerInitiatedOnlyClientEndsInBsFailed) {
    const auto trace = parse(R"({"kind":"transition","from":"Init","event":"boot","to":"BsHoldOff","actor":"client"}
{"kind":"transition","from":"BsHoldOff","event":"si_write","to":"BsPending","actor":"bs_initiative"}
{"kind":"transition","from":"BsPending","event":"exchange_lifetime_expired","to":"BsFailed","actor":"fault"}
)");

    const auto r = replay(shipped(), config(kSiOnly), trace);

    ASSERT_TRUE(r.ok()) << r.divergence->message;
    EXPECT_EQ(r.matched, 3U);
    EXPECT_EQ(shipped().state(r.state.state).name, "BsFailed");
}

TEST(Replay, ClientInitiatedBootstrapAndRegistrationWithVariables) {
    const auto trace = parse(R"({"kind":"start","state":"Init"}
{"kind":"transition","from":"Init","event":"boot","to":"BsHoldOff"}
{"kind":"transition","event":"hold_off_expired","to":"BsRequesting","t_ms":10000}
{"kind":"transition","event":"bs_request_ack","to":"BsPending"}
{"kind":"transition","event":"bs_write_server","to":"BsPending","vars":{"has_server_account":true,"reg_info":"RegInfoNone"}}
{"kind":"transition","event":"bs_finish","to":"BsFinished"}
{"kind":"transition","event":"bs_done","to":"RegPending"}
{"kind":"transition","event":"reg_created","to":"Registered","vars":{"reg_info":"RegInfoValid","after_factory_reset":false}}
)");

    const auto r = replay(shipped(), config(kCiOnly), trace);

    ASSERT_TRUE(r.ok()) << r.divergence->message;
    EXPECT_EQ(r.matched, 8U);  // the start record and seven transitions
    EXPECT_EQ(r.path.size(), 7U);
    EXPECT_EQ(shipped().state(r.state.state).name, "Registered");
}

TEST(Replay, PowerCycleFromAnyStateMatchesTheStarRow) {
    const auto trace = parse(R"({"event":"boot","to":"BsHoldOff"}
{"event":"power_cycle","to":"Rebooting","actor":"operator"}
)");

    const auto r = replay(shipped(), config(kCiOnly), trace);

    EXPECT_TRUE(r.ok()) << r.divergence->message;
}

TEST(ReplayDivergence, EachKindIsReportedWithWhatTheModelWouldDo) {
    struct Case {
        const char* name;
        const char* trace;
        const char* message;
    };
    // clang-format off
    const Case cases[] = {
        {"guard false", R"({"event":"boot","to":"BsHoldOff"}
{"event":"si_write","to":"BsPending"})",
         "from 'BsHoldOff' on 'si_write' the client went to 'BsPending': 'BsHoldOff.si_write.BsPending' goes to 'BsPending' but its guard [server_initiated] is false"},
        {"no transition", R"({"event":"reg_created","to":"Registered"})",
         "the model has no transition from 'Init' on 'reg_created'"},
        {"wrong from", R"({"from":"Registered","event":"boot","to":"BsHoldOff"})",
         "the client says it left 'Registered' but the model is in 'Init'"},
        {"unknown event", R"({"event":"bootstrap_now","to":"BsHoldOff"})",
         "'bootstrap_now' is not an event of the model"},
        {"unknown state", R"({"event":"boot","to":"Bootstrapping"})",
         "'Bootstrapping' is not a state of the model"},
        {"variable", R"({"event":"boot","to":"BsHoldOff","vars":{"has_bs_account":false}})",
         "after 'boot' from 'Init' to 'BsHoldOff': variable 'has_bs_account' is true in the model but false in the client"},
        {"unknown variable", R"({"event":"boot","to":"BsHoldOff","vars":{"registered":true}})",
         "after 'boot' from 'Init' to 'BsHoldOff': the client reports variable 'registered', which the model does not have"},
        {"actor", R"({"event":"boot","to":"BsHoldOff","actor":"operator"})",
         "the client reports 'boot' as done by 'operator' but the model's actor is 'client'"},
    };
    // clang-format on
    for (const auto& c : cases) {
        const auto trace = parse(c.trace);

        const auto r = replay(shipped(), config(kCiOnly), trace);

        ASSERT_FALSE(r.ok()) << c.name;
        EXPECT_EQ(r.divergence->message, c.message) << c.name;
    }
}

TEST(ReplayDivergence, ListsTheEnabledTransitionsAndTheLine) {
    const auto trace =
        parse("\n{\"event\":\"boot\",\"to\":\"BsHoldOff\"}\n{\"event\":\"reg_created\",\"to\":\"Registered\"}\n");

    const auto r = replay(shipped(), config(kCiOnly), trace);

    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.matched, 1U);
    EXPECT_EQ(r.divergence->index, 1U);
    EXPECT_EQ(r.divergence->line, 3U);
    EXPECT_EQ(r.divergence->enabled,
              (std::vector<std::string>{"hold_off_expired -> BsRequesting", "power_cycle -> Rebooting"}));
}

TEST(ReplayTrace, MalformedLinesAreReportedWithTheirNumber) {
    struct Case {
        const char* text;
        const char* error;
    };
    const Case cases[] = {
        {"{\"event\":\"boot\",\"to\":\"X\"}\nnot json\n", "2:1: not a JSON object"},
        {"{\"to\":\"X\"}\n", "1:1: a transition record needs \"event\""},
        {"{\"event\":\"boot\"}\n", "1:1: a transition record needs \"to\""},
        {"{\"event\":1,\"to\":\"X\"}\n", "1:1: \"event\" must be a string"},
        {"{\"event\":\"e\",\"to\":\"X\",\"vars\":[1]}\n", "1:1: \"vars\" must be an object"},
        {"{\"event\":\"e\",\"to\":\"X\",\"vars\":{\"a\":[1]}}\n",
         "1:1: variable \"a\" must be a boolean, an integer or a string"},
        {"{\"event\":\"e\",\"to\":\"X\",\"t_ms\":\"soon\"}\n", "1:1: \"t_ms\" must be an integer"},
        {"[1,2]\n", "1:1: not a JSON object"},
        {"{\"kind\":\"start\"}\n", "1:1: a start record needs \"state\""},
    };
    for (const auto& c : cases) {
        auto r = parse_trace(c.text);

        ASSERT_TRUE(std::holds_alternative<std::string>(r)) << c.text;
        EXPECT_EQ(std::get<std::string>(r), c.error);
    }
}

TEST(Replay, ARestartContinuesFromInitWithThePersistedVariables) {
    // A provisioned client's process restarts: it boots straight into RegPending, which the model allows only
    // with has_server_account, a persistent variable the start record carries.
    const auto trace = parse(R"({"kind":"start","state":"Init","vars":{"has_server_account":false}}
{"event":"boot","to":"BsHoldOff"}
{"kind":"start","state":"Init","vars":{"has_bs_account":true,"has_server_account":true,"reg_info":"RegInfoValid"}}
{"event":"boot","to":"RegPending"}
)");

    const auto r = replay(shipped(), config(kCiOnly), trace);

    ASSERT_TRUE(r.ok()) << r.divergence->message;
    EXPECT_EQ(r.matched, 4U);
    EXPECT_EQ(shipped().state(r.state.state).name, "RegPending");
}

TEST(ReplayDivergence, ARestartOutsideTheInitialStateOrWithABadValue) {
    const auto elsewhere = parse(R"({"kind":"start","state":"Registered"})");
    const auto bad_value = parse(R"({"kind":"start","state":"Init","vars":{"reg_info":"Maybe"}})");

    const auto r1 = replay(shipped(), config(kCiOnly), elsewhere);
    const auto r2 = replay(shipped(), config(kCiOnly), bad_value);

    ASSERT_FALSE(r1.ok());
    EXPECT_EQ(r1.divergence->message, "the client (re)starts in 'Registered' but the model's initial state is 'Init'");
    ASSERT_FALSE(r2.ok());
    EXPECT_EQ(r2.divergence->message, "variable 'reg_info' cannot be Maybe");
}

TEST(ReplayTrace, OtherKindsOfRecordsAreSkipped) {
    const auto trace =
        parse("{\"kind\":\"log\",\"msg\":\"x\"}\n{\"kind\":\"transition\",\"event\":\"boot\",\"to\":\"A\"}\n");

    ASSERT_EQ(trace.size(), 1U);
    EXPECT_EQ(trace[0].line, 2U);
}
