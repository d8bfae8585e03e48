// SPDX-License-Identifier: Apache-2.0
// The explicit engine on configuration spaces of 2^12 and more: configurations are indexed
// directly (counts and conditions checked against brute force), conditions are simplified as
// docs/semantics.md promises, and 2^16 configurations are checked to the end.

#include "lwm2mc/checker/check.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "../../checker/src/condition.hpp"
#include "../model/test_support.hpp"

namespace {

using namespace lwm2mc;

const checker::Finding* find(const checker::CheckResult& r, const std::string& id) {
    auto it = std::find_if(r.findings.begin(), r.findings.end(), [&](const checker::Finding& f) { return f.id == id; });
    return it == r.findings.end() ? nullptr : &*it;
}

/// Whether a condition's structured literals hold for the parameter values `v`.
bool holds(const checker::Condition& c, const std::vector<std::int64_t>& v) {
    return std::any_of(c.literals->begin(), c.literals->end(), [&](const std::vector<checker::Literal>& cube) {
        return std::all_of(cube.begin(), cube.end(), [&](const checker::Literal& l) { return l.holds(v); });
    });
}

/// A chain S0 -> S1 -> ... -> Sn, step i guarded by p_i, closed by Sn -> S0 under a guard on the
/// enum `mode` (when `with_mode`); the constraint forbids mode == C without p0.
std::string chain(int n, bool with_mode) {
    std::string out = fmt::format("model chain_{};\n", n);
    for (int i = 0; i < n; ++i) {
        out += fmt::format("parameter p{}: bool;\n", i);
    }
    if (with_mode) {
        out += "parameter mode: enum { A, B, C };\n";
        out += "constraint c_needs_p0: p0 || mode != C;\n";
    }
    out += "state S0 initial goal;\n";
    for (int i = 1; i <= n; ++i) {
        out += fmt::format("state S{};\n", i);
    }
    out += "event e: client;\n";
    for (int i = 0; i < n; ++i) {
        out += fmt::format("S{} + e [p{}] -> S{};\n", i, i, i + 1);
    }
    out += fmt::format("S{} + e{} -> S0;\n", n, with_mode ? " [mode == A]" : "");
    return out;
}

TEST(ExplicitScale, CountsAndConditionsMatchBruteForceOver12288Valuations) {
    constexpr int kBools = 12;
    model::Model m = test::load_valid(chain(kBools, true));
    const std::size_t mode = kBools;  // parameter index of `mode`; A = 0, B = 1, C = 2

    auto r = checker::check_explicit(m, {});

    ASSERT_TRUE(r.unknown.empty());
    // brute force over every valuation: which findings occur, and in how many configurations
    std::size_t valid = 0;
    std::vector<std::size_t> unreachable(kBools + 1, 0), deadlock(kBools + 1, 0);
    std::vector<std::vector<std::int64_t>> valuations;
    for (std::int64_t mv = 0; mv < 3; ++mv) {
        for (std::uint32_t bits = 0; bits < (1U << kBools); ++bits) {
            std::vector<std::int64_t> v(kBools + 1);
            for (int i = 0; i < kBools; ++i) {
                v[static_cast<std::size_t>(i)] = (bits >> static_cast<unsigned>(i)) & 1U;
            }
            v[mode] = mv;
            valuations.push_back(v);
        }
    }
    auto is_valid = [&](const std::vector<std::int64_t>& v) { return v[0] == 1 || v[mode] != 2; };
    // S_k is reached iff p0 .. p_{k-1}; it deadlocks iff reached and p_k fails (S_n: mode != A)
    auto reached = [&](const std::vector<std::int64_t>& v, int k) {
        return std::all_of(v.begin(), v.begin() + k, [](std::int64_t x) { return x == 1; });
    };
    auto deadlocks = [&](const std::vector<std::int64_t>& v, int k) {
        return reached(v, k) && (k < kBools ? v[static_cast<std::size_t>(k)] == 0 : v[mode] != 0);
    };
    for (const auto& v : valuations) {
        if (!is_valid(v)) {
            continue;
        }
        ++valid;
        for (int k = 0; k <= kBools; ++k) {
            unreachable[static_cast<std::size_t>(k)] += reached(v, k) ? 0 : 1;
            deadlock[static_cast<std::size_t>(k)] += deadlocks(v, k) ? 1 : 0;
        }
    }
    EXPECT_EQ(valid, 4096U * 3U - 2048U);
    EXPECT_EQ(r.configurations, valid);
    for (int k = 0; k <= kBools; ++k) {
        auto ku = static_cast<std::size_t>(k);
        const auto* u = find(r, fmt::format("unreachable-state:S{}", k));
        const auto* d = find(r, fmt::format("deadlock:S{}", k));
        ASSERT_EQ(u != nullptr, unreachable[ku] > 0) << "S" << k;
        ASSERT_NE(d, nullptr) << "S" << k;
        EXPECT_EQ(d->configurations, deadlock[ku]) << "S" << k;
        if (u) {
            EXPECT_EQ(u->configurations, unreachable[ku]) << "S" << k;
        }
        // the condition holds in exactly the configurations where the finding occurs
        for (const auto& v : valuations) {
            if (!is_valid(v)) {
                continue;
            }
            ASSERT_EQ(holds(d->condition, v), deadlocks(v, k)) << "S" << k << ": " << d->condition.to_string();
            if (u) {
                ASSERT_EQ(holds(u->condition, v), !reached(v, k)) << "S" << k << ": " << u->condition.to_string();
            }
        }
    }
    EXPECT_EQ(find(r, "deadlock:S0")->condition.to_string(), "!p0");
    EXPECT_EQ(find(r, "deadlock:S12")->condition.to_string(),
              "(p0 && p1 && p2 && p3 && p4 && p5 && p6 && p7 && p8 && p9 && p10 && p11 && mode == B) || "
              "(p0 && p1 && p2 && p3 && p4 && p5 && p6 && p7 && p8 && p9 && p10 && p11 && mode == C)");
}

TEST(ExplicitScale, ChecksTwoToTheSixteenConfigurationsToTheEnd) {
    model::Model m = test::load_valid(chain(16, false));

    auto r = checker::check_explicit(m, {});

    EXPECT_TRUE(r.unknown.empty());
    EXPECT_EQ(r.configurations, 65536U);
    EXPECT_EQ(r.product_states, 2U * 65536U - 1U);  // sum over configurations of the chain's reached prefix
    const auto* d0 = find(r, "deadlock:S0");
    ASSERT_NE(d0, nullptr);
    EXPECT_EQ(d0->condition.to_string(), "!p0");
    EXPECT_EQ(d0->configurations, 32768U);
    const auto* d15 = find(r, "deadlock:S15");
    ASSERT_NE(d15, nullptr);
    EXPECT_EQ(d15->configurations, 1U);
    EXPECT_EQ(find(r, "no-recovery:S1")->configurations, 32767U);  // p0 and not all of p1..p15
    EXPECT_EQ(find(r, "deadlock:S16"), nullptr);                   // S16 -> S0 is unguarded
    EXPECT_EQ(find(r, "unreachable-state:S16")->configurations, 65535U);
}

/// Alt and !alt miss the bound for h < 50 (the only relied-on path takes 150 s); !alt also from
/// Mid, reached by a fault, for h > 100 (h + h > h + 100). The two groups of configurations get
/// different intervals, and used to print "(alt && h < 50) || (!alt && h < 50) || (!alt && h > 100)".
const char* kSplitByTiming = R"(
model simplify;
parameter alt: bool;
parameter h: int[0..1000];
state Start initial;
state Mid;
state Done goal final;
event go: client;
event slip: fault;
event fin: client;
Start + go -> Done after 150;
Start + slip [!alt] -> Mid;
Mid + fin -> Done after h + h;
property quick: within h + 100 from at(Start) || at(Mid);
)";

TEST(ExplicitScale, MergesCubesThatDifferInOneBoolOverTheTimingParameter) {
    model::Model m = test::load_valid(kSplitByTiming);

    auto r = checker::check_explicit(m, {});

    const auto* f = find(r, "within:quick");
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->condition.to_string(), "h < 50 || (!alt && h > 100)");
    EXPECT_EQ(r.configurations, 2U);  // h is solved as intervals, not enumerated
    for (std::int64_t h : {0, 49, 50, 100, 101, 1000}) {
        for (std::int64_t alt : {0, 1}) {
            EXPECT_EQ(holds(f->condition, {alt, h}), h < 50 || (alt == 0 && h > 100)) << alt << " " << h;
        }
    }
}

TEST(ExplicitScale, SimplifiesTheDocumentedExampleToOneLiteral) {
    model::Model m = test::load_valid(kSplitByTiming);
    checker::ConfigurationSpace space{m, {true, false}};
    checker::ConditionBuilder builder{m, space, {true, true}};
    using Term = checker::ConditionBuilder::Term;

    // alt && h < 50 || !alt && h < 50
    auto c = builder.render({Term{{{0, 1}}, 1, 0, 49}, Term{{{0, 0}}, 1, 0, 49}});

    EXPECT_EQ(c.to_string(), "h < 50");
}

TEST(ExplicitScale, MergesEnumValuesOnlyWhenTheyCoverTheDomain) {
    model::Model m = test::load_valid(R"(
model m;
parameter mode: enum { A, B, C };
parameter h: int[0..100];
state S initial goal;
)");
    checker::ConfigurationSpace space{m, {true, false}};
    checker::ConditionBuilder builder{m, space, {true, true, true}};
    using Term = checker::ConditionBuilder::Term;

    auto all = builder.render({Term{{{0, 0}}, 1, 0, 9}, Term{{{0, 1}}, 1, 0, 9}, Term{{{0, 2}}, 1, 0, 9}});
    auto two = builder.render({Term{{{0, 0}}, 1, 0, 9}, Term{{{0, 1}}, 1, 0, 9}});
    auto joined = builder.render({Term{{{0, 1}}, 1, 0, 9}, Term{{{0, 1}}, 1, 10, 100}, Term{{{0, 2}}, 1, 5, 7}});

    EXPECT_EQ(all.to_string(), "h < 10");
    EXPECT_EQ(two.to_string(), "(mode == A && h < 10) || (mode == B && h < 10)");
    EXPECT_EQ(joined.to_string(), "mode == B || (mode == C && h > 4 && h < 8)");
}

TEST(ExplicitScale, MixedRadixIndexIsTheEnumerationOrder) {
    model::Model m = test::load_valid(R"(
model m;
parameter a: bool;
parameter fixed: bool;
parameter mode: enum { A, B, C };
parameter n: int[2..5];
state S initial goal;
)");
    checker::ConfigurationSpace space{m, {true, false, true, true}};
    model::Interpreter interp{m};
    std::size_t k = 0;

    interp.for_each_valuation({true, false, true, true}, model::Configuration{{0, 1, 0, 2}},
                              [&](const model::Configuration& c) {
                                  EXPECT_EQ(space.index(c), k);
                                  for (std::size_t p : space.params()) {
                                      EXPECT_EQ(space.value(k, p), c.values[p]);
                                  }
                                  ++k;
                                  return true;
                              });

    EXPECT_EQ(k, 2U * 3U * 4U);
    EXPECT_EQ(space.size(), k);
}

}  // namespace
