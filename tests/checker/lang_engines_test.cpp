// SPDX-License-Identifier: Apache-2.0
// Goal conditions and peer-qualified reliance (issue 14) in both engines: the same findings, and the answers
// the meaning in docs/semantics.md gives.

#include "lwm2mc/checker/check.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "../model/test_support.hpp"

namespace {

using namespace lwm2mc;

std::set<std::string> ids(const checker::CheckResult& r) {
    std::set<std::string> out;
    for (const auto& f : r.findings) {
        out.insert(f.id);
    }
    return out;
}

/// Both engines' finding ids, checked to be the same; and that check() with Engine::Both finds no disagreement.
std::set<std::string> both(const model::Model& m, checker::CheckOptions options = {}) {
    auto e = checker::check_explicit(m, options);
    auto z = checker::check_z3(m, options);
    EXPECT_EQ(ids(e), ids(z));
    options.engine = checker::Engine::Both;
    auto b = checker::check(m, options);
    EXPECT_TRUE(b.unknown.empty()) << b.unknown.front();
    return ids(e);
}

const checker::Finding* find(const checker::CheckResult& r, const std::string& id) {
    auto it = std::find_if(r.findings.begin(), r.findings.end(), [&](const checker::Finding& f) { return f.id == id; });
    return it == r.findings.end() ? nullptr : &*it;
}

constexpr const char* kReady = R"(model m;
type Status = enum { Registering, Registered, Failed };
var status: Status = Registering volatile;
state Init initial;
state Ready;
event boot: client;
event reg_ok: response(server);
event reg_failed: fault(server);
Init + boot -> Ready;
Ready + reg_ok [status == Registering] / status := Registered -> Ready;
Ready + reg_failed [status == Registering] / status := Failed -> Ready;
)";

TEST(GoalCondition, ReadyWithAFailedServerIsNotRecovered) {
    model::Model with_goal = test::load_valid(std::string(kReady) + "goal at(Ready) && status == Registered;\n");
    auto found = both(with_goal);
    EXPECT_TRUE(found.count("no-recovery:Ready")) << ::testing::PrintToString(found);

    auto r = checker::check_explicit(with_goal, {});
    const checker::Finding* f = find(r, "no-recovery:Ready");
    ASSERT_NE(f, nullptr);
    EXPECT_NE(f->message.find("leads back to the goal (at(Ready) && status == Registered)"), std::string::npos)
        << f->message;
    ASSERT_TRUE(f->witness.has_value());

    // The same model with the state as its goal: Ready counts as recovered whatever the status.
    std::string text = kReady;
    text.replace(text.find("state Ready;"), 12, "state Ready goal;");
    auto state_goal = both(test::load_valid(text));
    EXPECT_FALSE(state_goal.count("no-recovery:Ready"));
}

TEST(GoalCondition, IsWhatRecoverAimsAtByDefault) {
    model::Model m = test::load_valid(std::string(kReady) + "state Done goal;\nevent finish: client;\n"
                                                            "Ready + finish [status == Registered] -> Done;\n"
                                                            "goal status == Registered;\n"
                                                            "property from_ready: recover from at(Ready);\n");
    // goal = at(Done) && status == Registered: from Ready with status Failed there is no way to Done
    auto found = both(m);
    EXPECT_TRUE(found.count("recover:from_ready"));
    EXPECT_TRUE(found.count("no-recovery:Ready"));
    EXPECT_FALSE(found.count("no-recovery:Done"));
}

constexpr const char* kPeers = R"(model m;
state Init initial;
state Bs;
state Reg;
state Ready goal;
event boot: client;
event bs_done: response(bs);
event reg_ok: response(server);
event reg_failed: response;
event lost: fault;
Init + boot -> Bs;
Bs + bs_done -> Reg;
Reg + reg_ok -> Ready;
Reg + reg_failed -> Bs by response(bs);
Ready + lost -> Reg;
property reg_without_bs: recover from at(Reg) relying on {client, response(server)};
property bs_without_bs: recover from at(Bs) relying on {client, response(server)};
property bs_with_any_response: recover from at(Bs) relying on {client, response};
property bs_with_bs: recover from at(Bs) relying on {client, response(server), response(bs)};
)";

TEST(PeerReliance, AQualifiedActorAdmitsOnlyItsPeer) {
    model::Model m = test::load_valid(kPeers);
    auto found = both(m);

    EXPECT_FALSE(found.count("recover:reg_without_bs"));
    EXPECT_TRUE(found.count("recover:bs_without_bs"));
    EXPECT_FALSE(found.count("recover:bs_with_any_response"));
    EXPECT_FALSE(found.count("recover:bs_with_bs"));

    auto r = checker::check_explicit(m, {});
    const checker::Finding* f = find(r, "recover:bs_without_bs");
    ASSERT_NE(f, nullptr);
    EXPECT_NE(f->message.find("{client, response(server)}"), std::string::npos) << f->message;
}

TEST(PeerReliance, TheRunRelianceMayBeQualifiedToo) {
    model::Model m = test::load_valid(kPeers);
    checker::CheckOptions options;
    options.reliance = model::ActorSet{};
    options.reliance.insert(model::Actor::Client);
    options.reliance.insert(model::Actor::Response, model::Peer::Server);
    auto found = both(m, options);
    EXPECT_TRUE(found.count("no-recovery:Bs"));
    EXPECT_TRUE(found.count("no-recovery:Init"));
    EXPECT_FALSE(found.count("no-recovery:Reg"));
}

}  // namespace
