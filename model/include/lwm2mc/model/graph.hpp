// SPDX-License-Identifier: Apache-2.0
#pragma once

// The only header of lwm2mc that exposes Boost.Graph types.

#include "lwm2mc/model/elements.hpp"

#include <boost/graph/adjacency_list.hpp>

namespace lwm2mc::model {

/// Directed multigraph: parallel edges are allowed (same states, different events or guards);
/// bidirectionalS gives in_edges for backward (co-reachability) analyses.
using StateGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS, State, Transition>;
using StateVertex = boost::graph_traits<StateGraph>::vertex_descriptor;
using TransitionEdge = boost::graph_traits<StateGraph>::edge_descriptor;

}  // namespace lwm2mc::model
