// SPDX-License-Identifier: Apache-2.0
// The Chinese postman with resets against brute force on small random graphs.

#include "lwm2mc/testgen/postman.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <map>
#include <queue>
#include <random>
#include <set>

namespace {

using lwm2mc::testgen::Arc;
using lwm2mc::testgen::PostmanProblem;
using lwm2mc::testgen::PostmanTour;
using lwm2mc::testgen::solve_postman;

constexpr std::uint64_t kUnreachable = std::numeric_limits<std::uint64_t>::max();

/// The cheapest walk from the root covering every required arc: Dijkstra over (node, covered set).
std::uint64_t brute_force(const PostmanProblem& p) {
    std::vector<std::size_t> required;
    for (std::size_t a = 0; a < p.arcs.size(); ++a) {
        if (p.arcs[a].required) {
            required.push_back(a);
        }
    }
    const std::uint32_t all = (1U << required.size()) - 1;
    using Key = std::pair<std::uint32_t, std::uint32_t>;  // node, covered
    std::map<Key, std::uint64_t> dist;
    std::priority_queue<std::pair<std::uint64_t, Key>, std::vector<std::pair<std::uint64_t, Key>>, std::greater<>> q;
    dist[{p.root, 0}] = 0;
    q.push({0, {p.root, 0}});
    while (!q.empty()) {
        auto [d, key] = q.top();
        q.pop();
        if (dist[key] != d) {
            continue;
        }
        if (key.second == all) {
            return d;
        }
        auto relax = [&](Key next, std::uint64_t cost) {
            auto it = dist.find(next);
            if (it == dist.end() || d + cost < it->second) {
                dist[next] = d + cost;
                q.push({d + cost, next});
            }
        };
        for (std::size_t a = 0; a < p.arcs.size(); ++a) {
            if (p.arcs[a].from != key.first) {
                continue;
            }
            std::uint32_t covered = key.second;
            for (std::size_t r = 0; r < required.size(); ++r) {
                if (required[r] == a) {
                    covered |= 1U << r;
                }
            }
            relax({p.arcs[a].to, covered}, p.arcs[a].cost);
        }
        relax({p.root, key.second}, p.reset_cost);
    }
    return kUnreachable;
}

/// The walk is a walk from the root, covers every required arc, and costs what the tour says.
void expect_valid_walk(const PostmanProblem& p, const PostmanTour& t) {
    std::uint32_t at = p.root;
    std::uint64_t cost = 0;
    std::set<std::int64_t> seen;
    for (std::int64_t label : t.walk) {
        if (label == PostmanTour::kReset) {
            at = p.root;
            cost += p.reset_cost;
            continue;
        }
        const Arc& arc = p.arcs[static_cast<std::size_t>(label)];
        ASSERT_EQ(arc.from, at) << "the walk jumps";
        at = arc.to;
        cost += arc.cost;
        seen.insert(label);
    }
    for (std::size_t a = 0; a < p.arcs.size(); ++a) {
        if (p.arcs[a].required) {
            EXPECT_TRUE(seen.count(static_cast<std::int64_t>(a))) << "required arc " << a << " not walked";
        }
    }
    EXPECT_EQ(cost, t.cost);
}

TEST(Postman, AnEulerianCycleNeedsNoExtraStep) {
    PostmanProblem p{3, 0, {{0, 1, 1, true}, {1, 2, 1, true}, {2, 0, 1, true}}, 5};

    auto t = solve_postman(p);

    ASSERT_TRUE(t);
    EXPECT_EQ(t->cost, 3U);
    EXPECT_EQ(t->lower_bound, 3U);
    expect_valid_walk(p, *t);
}

TEST(Postman, UsesAResetWhenItIsCheaperThanWalkingBack) {
    // two branches from the root; going back costs 3 steps, a reset 1
    PostmanProblem p{5, 0, {{0, 1, 1, true}, {0, 2, 1, true}, {1, 3, 1, false}, {3, 4, 1, false}, {4, 0, 1, false}}, 1};

    auto t = solve_postman(p);

    ASSERT_TRUE(t);
    EXPECT_EQ(t->cost, 3U);  // 0->1, reset, 0->2
    EXPECT_EQ(std::count(t->walk.begin(), t->walk.end(), PostmanTour::kReset), 1);
    expect_valid_walk(p, *t);
}

TEST(Postman, RefusesARequiredArcTheRootCannotReach) {
    PostmanProblem p{3, 0, {{0, 1, 1, true}, {2, 1, 1, true}}, 1};

    EXPECT_FALSE(solve_postman(p));
}

TEST(Postman, MatchesBruteForceOnRandomGraphs) {
    std::mt19937 rng(20261201);
    int checked = 0;
    for (int round = 0; round < 400; ++round) {
        std::uniform_int_distribution<std::uint32_t> nodes_dist(1, 5);
        PostmanProblem p;
        p.nodes = nodes_dist(rng);
        p.root = 0;
        p.reset_cost = std::uniform_int_distribution<std::uint64_t>(1, 4)(rng);
        std::uniform_int_distribution<std::uint32_t> node(0, p.nodes - 1);
        const int arcs = std::uniform_int_distribution<int>(1, 8)(rng);
        const bool with_optional = round % 2 == 1;
        for (int a = 0; a < arcs; ++a) {
            Arc arc{node(rng), node(rng), std::uniform_int_distribution<std::uint64_t>(1, 3)(rng), true};
            if (with_optional && a > 0) {
                arc.required = rng() % 3 != 0;
            }
            p.arcs.push_back(arc);
        }

        const std::uint64_t best = brute_force(p);
        auto t = solve_postman(p);

        if (best == kUnreachable) {
            EXPECT_FALSE(t) << "round " << round;
            continue;
        }
        ASSERT_TRUE(t) << "round " << round;
        expect_valid_walk(p, *t);
        EXPECT_LE(t->lower_bound, best) << "round " << round;
        EXPECT_GE(t->cost, best) << "round " << round;
        if (!t->joined_components) {
            EXPECT_EQ(t->cost, best) << "round " << round;
            EXPECT_EQ(t->lower_bound, best) << "round " << round;
        }
        ++checked;
    }
    EXPECT_GT(checked, 150);  // the rest had a required arc the root cannot reach (also checked)
}

}  // namespace
