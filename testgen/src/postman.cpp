// SPDX-License-Identifier: Apache-2.0
#include "lwm2mc/testgen/postman.hpp"

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/successive_shortest_path_nonnegative_weights.hpp>

#include <algorithm>
#include <limits>
#include <queue>

namespace lwm2mc::testgen {

namespace {

using FlowTraits = boost::adjacency_list_traits<boost::vecS, boost::vecS, boost::directedS>;
using FlowGraph = boost::adjacency_list<
    boost::vecS, boost::vecS, boost::directedS, boost::no_property,
    boost::property<boost::edge_capacity_t, long,
                    boost::property<boost::edge_residual_capacity_t, long,
                                    boost::property<boost::edge_reverse_t, FlowTraits::edge_descriptor,
                                                    boost::property<boost::edge_weight_t, long>>>>>;
using FlowEdge = FlowTraits::edge_descriptor;

/// Adds u->v with its reverse residual arc (what Boost's flow algorithms expect).
FlowEdge add_flow_arc(FlowGraph& g, std::size_t u, std::size_t v, long capacity, long cost) {
    auto capacity_map = boost::get(boost::edge_capacity, g);
    auto reverse_map = boost::get(boost::edge_reverse, g);
    auto weight_map = boost::get(boost::edge_weight, g);
    FlowEdge e = boost::add_edge(u, v, g).first;
    FlowEdge r = boost::add_edge(v, u, g).first;
    capacity_map[e] = capacity;
    capacity_map[r] = 0;
    weight_map[e] = cost;
    weight_map[r] = -cost;
    reverse_map[e] = r;
    reverse_map[r] = e;
    return e;
}

/// One arc of the balanced multigraph: an arc of the problem, a reset, or the free end.
constexpr std::int64_t kEnd = -2;
struct MultiArc {
    std::uint32_t from;
    std::uint32_t to;
    std::int64_t label;  // arc index, PostmanTour::kReset or kEnd
};

/// Dijkstra from `root` over the problem's arcs; returns (distance, arc into the node) per node.
std::pair<std::vector<std::uint64_t>, std::vector<std::int64_t>>
shortest_from(const PostmanProblem& p, const std::vector<std::vector<std::uint32_t>>& out, std::uint32_t root) {
    constexpr auto kInf = std::numeric_limits<std::uint64_t>::max();
    std::vector<std::uint64_t> dist(p.nodes, kInf);
    std::vector<std::int64_t> via(p.nodes, -1);
    using Item = std::pair<std::uint64_t, std::uint32_t>;
    std::priority_queue<Item, std::vector<Item>, std::greater<>> queue;
    dist[root] = 0;
    queue.emplace(0, root);
    while (!queue.empty()) {
        auto [d, u] = queue.top();
        queue.pop();
        if (d != dist[u]) {
            continue;
        }
        for (std::uint32_t a : out[u]) {
            const Arc& arc = p.arcs[a];
            if (d + arc.cost < dist[arc.to]) {
                dist[arc.to] = d + arc.cost;
                via[arc.to] = a;
                queue.emplace(dist[arc.to], arc.to);
            }
        }
    }
    return {std::move(dist), std::move(via)};
}

}  // namespace

std::optional<PostmanTour> solve_postman(const PostmanProblem& p) {
    PostmanTour tour;
    std::vector<std::vector<std::uint32_t>> out(p.nodes);
    std::vector<long> delta(p.nodes, 0);  // in - out over required arcs
    std::uint64_t required_cost = 0;
    bool any_required = false;
    for (std::uint32_t a = 0; a < p.arcs.size(); ++a) {
        const Arc& arc = p.arcs[a];
        out[arc.from].push_back(a);
        if (arc.required) {
            any_required = true;
            required_cost += arc.cost;
            ++delta[arc.to];
            --delta[arc.from];
        }
    }
    if (!any_required) {
        return tour;
    }
    auto [dist, via] = shortest_from(p, out, p.root);
    for (const Arc& arc : p.arcs) {
        if (arc.required && dist[arc.from] == std::numeric_limits<std::uint64_t>::max()) {
            return std::nullopt;
        }
    }

    // Min-cost flow from the nodes with surplus in-degree to those with surplus out-degree. Resets
    // (v -> root) make every node reach every node that has required arcs. The walk starts at the
    // root and ends anywhere: it is a closed walk with exactly one free arc v -> T -> root, so
    // T -> root counts as required (the root then needs one more way out) and T takes one unit
    // from the node where the walk ends.
    const std::size_t hub = p.nodes;
    const std::size_t source = p.nodes + 1;
    const std::size_t sink = p.nodes + 2;
    const long unlimited = std::numeric_limits<int>::max();
    FlowGraph g(p.nodes + 3);
    std::vector<FlowEdge> arc_edges;
    arc_edges.reserve(p.arcs.size());
    for (const Arc& arc : p.arcs) {
        arc_edges.push_back(add_flow_arc(g, arc.from, arc.to, unlimited, static_cast<long>(arc.cost)));
    }
    std::vector<std::pair<std::uint32_t, FlowEdge>> reset_edges;
    std::vector<std::pair<std::uint32_t, FlowEdge>> end_edges;
    ++delta[p.root];
    for (std::uint32_t v = 0; v < p.nodes; ++v) {
        if (v != p.root) {
            reset_edges.emplace_back(v, add_flow_arc(g, v, p.root, unlimited, static_cast<long>(p.reset_cost)));
        }
        end_edges.emplace_back(v, add_flow_arc(g, v, hub, unlimited, 0));
        if (delta[v] > 0) {
            add_flow_arc(g, source, v, delta[v], 0);
        } else if (delta[v] < 0) {
            add_flow_arc(g, v, sink, -delta[v], 0);
        }
    }
    add_flow_arc(g, hub, sink, 1, 0);
    // Boost 1.74's successive_shortest_path adds the Dijkstra distances of every vertex to its
    // potentials, also of vertices the source cannot reach (distance = LONG_MAX): signed overflow
    // (UBSan). An arc from the source to every vertex, dearer than any real path, keeps every
    // distance finite; it is never used, since the sink's capacity is met by the real supply first.
    const long never_used = 1L << 50;
    for (std::size_t v = 0; v < p.nodes + 3; ++v) {
        if (v != source) {
            add_flow_arc(g, source, v, 1, never_used);
        }
    }
    boost::successive_shortest_path_nonnegative_weights(g, source, sink);

    auto capacity_map = boost::get(boost::edge_capacity, g);
    auto residual_map = boost::get(boost::edge_residual_capacity, g);
    auto flow_on = [&](FlowEdge e) { return capacity_map[e] - residual_map[e]; };
    std::uint64_t flow_cost = 0;
    for (std::size_t a = 0; a < p.arcs.size(); ++a) {
        flow_cost += static_cast<std::uint64_t>(flow_on(arc_edges[a])) * p.arcs[a].cost;
    }
    for (const auto& [v, e] : reset_edges) {
        flow_cost += static_cast<std::uint64_t>(flow_on(e)) * p.reset_cost;
    }
    tour.lower_bound = required_cost + flow_cost;
    std::vector<MultiArc> multi;
    for (std::uint32_t a = 0; a < p.arcs.size(); ++a) {
        long copies = flow_on(arc_edges[a]) + (p.arcs[a].required ? 1 : 0);
        for (long k = 0; k < copies; ++k) {
            multi.push_back({p.arcs[a].from, p.arcs[a].to, a});
        }
    }
    for (const auto& [v, e] : reset_edges) {
        for (long k = 0; k < flow_on(e); ++k) {
            multi.push_back({v, p.root, PostmanTour::kReset});
        }
    }
    for (const auto& [v, e] : end_edges) {
        if (flow_on(e) > 0) {
            multi.push_back({v, p.root, kEnd});
        }
    }

    // Join components of the balanced multigraph that do not contain the root: a shortest run
    // from the root into the component and a reset back keep every degree balanced.
    std::vector<std::uint32_t> parent(p.nodes);
    for (std::uint32_t v = 0; v < p.nodes; ++v) {
        parent[v] = v;
    }
    auto find = [&](std::uint32_t v) {
        while (parent[v] != v) {
            v = parent[v] = parent[parent[v]];
        }
        return v;
    };
    auto unite = [&](std::uint32_t a, std::uint32_t b) { parent[find(a)] = find(b); };
    std::vector<bool> touched(p.nodes, false);
    touched[p.root] = true;
    for (const MultiArc& m : multi) {
        unite(m.from, m.to);
        touched[m.from] = touched[m.to] = true;
    }
    std::vector<std::int64_t> nearest(p.nodes, -1);  // per component representative: its node nearest the root
    for (std::uint32_t v = 0; v < p.nodes; ++v) {
        if (touched[v]) {
            std::int64_t& best = nearest[find(v)];
            if (best < 0 || dist[v] < dist[static_cast<std::size_t>(best)]) {
                best = v;
            }
        }
    }
    for (std::uint32_t rep = 0; rep < p.nodes; ++rep) {
        if (nearest[rep] < 0 || find(rep) == find(p.root)) {
            continue;
        }
        const auto best = static_cast<std::uint32_t>(nearest[rep]);
        for (std::uint32_t x = best; x != p.root;) {
            const Arc& arc = p.arcs[static_cast<std::size_t>(via[x])];
            multi.push_back({arc.from, arc.to, via[x]});
            unite(arc.from, arc.to);
            x = arc.from;
        }
        multi.push_back({best, p.root, PostmanTour::kReset});
        tour.joined_components = true;
    }

    // Hierholzer from the root.
    std::vector<std::vector<std::uint32_t>> adjacency(p.nodes);
    for (std::uint32_t i = 0; i < multi.size(); ++i) {
        adjacency[multi[i].from].push_back(i);
    }
    std::vector<std::size_t> next(p.nodes, 0);
    std::vector<std::uint32_t> circuit;  // multi-arc indices, reversed
    std::vector<std::pair<std::uint32_t, std::int64_t>> stack{{p.root, -1}};
    while (!stack.empty()) {
        std::uint32_t v = stack.back().first;
        if (next[v] < adjacency[v].size()) {
            std::uint32_t i = adjacency[v][next[v]++];
            stack.emplace_back(multi[i].to, i);
        } else {
            if (stack.back().second >= 0) {
                circuit.push_back(static_cast<std::uint32_t>(stack.back().second));
            }
            stack.pop_back();
        }
    }
    std::reverse(circuit.begin(), circuit.end());
    // Start right after the free end, so that the walk begins at the root and ends anywhere.
    auto end_at = std::find_if(circuit.begin(), circuit.end(), [&](std::uint32_t i) { return multi[i].label == kEnd; });
    if (end_at != circuit.end()) {
        std::rotate(circuit.begin(), end_at + 1, circuit.end());
        circuit.pop_back();
    }
    for (std::uint32_t i : circuit) {
        tour.walk.push_back(multi[i].label);
    }
    while (!tour.walk.empty() && tour.walk.back() == PostmanTour::kReset) {
        tour.walk.pop_back();
    }
    for (std::int64_t label : tour.walk) {
        tour.cost += label == PostmanTour::kReset ? p.reset_cost : p.arcs[static_cast<std::size_t>(label)].cost;
    }
    return tour;
}

}  // namespace lwm2mc::testgen
