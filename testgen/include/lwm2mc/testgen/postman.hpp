// SPDX-License-Identifier: Apache-2.0
#pragma once

// The directed Chinese postman problem with resets: the cheapest walk from a root that traverses
// every required arc at least once, where a reset (jump back to the root) costs `reset_cost` and
// the walk may end anywhere. Min-cost flow (Boost.Graph) balances the degrees; Hierholzer walks
// the balanced multigraph.

#include <cstdint>
#include <optional>
#include <vector>

namespace lwm2mc::testgen {

struct Arc {
    std::uint32_t from{0};
    std::uint32_t to{0};
    std::uint64_t cost{1};
    bool required{true};
};

struct PostmanProblem {
    std::uint32_t nodes{0};
    std::uint32_t root{0};
    std::vector<Arc> arcs{};
    std::uint64_t reset_cost{1};
};

struct PostmanTour {
    static constexpr std::int64_t kReset = -1;
    /// Arc indices in walking order; kReset marks a jump back to the root.
    std::vector<std::int64_t> walk{};
    std::uint64_t cost{0};         ///< arcs' costs + resets x reset_cost
    std::uint64_t lower_bound{0};  ///< no walk covering every required arc costs less
    /// The required arcs were not all connected to the root by the balanced multigraph, so
    /// components were joined by shortest runs from the root (then cost may exceed lower_bound).
    bool joined_components{false};
};

/// Solves `problem`. Every required arc must be reachable from the root (through any arcs);
/// otherwise std::nullopt. Arc costs must be at least 1.
std::optional<PostmanTour> solve_postman(const PostmanProblem& problem);

}  // namespace lwm2mc::testgen
