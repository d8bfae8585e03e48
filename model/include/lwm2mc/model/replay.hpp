// SPDX-License-Identifier: Apache-2.0
#pragma once

// Replays an observed run (a client's trace in the model's vocabulary) on the model and reports the first
// divergence. This is what holds the reference client, or any client, to the model.

#include "lwm2mc/model/interpreter.hpp"
#include "lwm2mc/model/model.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace lwm2mc::model {

/// One step a client reports: it was in `from`, `event` happened, it is now in `to`. A `restart` observation
/// says the client (re)started in state `to` with the variables `vars` (its persisted state).
struct Observation {
    bool restart{false};
    std::string from{};  ///< empty: not reported (then only the replay's own state counts)
    std::string event{};
    std::string to{};
    std::string actor{};                        ///< empty: not reported
    std::map<std::string, std::string> vars{};  ///< variable values after the step, as the client sees them
    std::int64_t t_ms{0};
    std::size_t line{0};  ///< 1-based line in the trace file; 0 when not read from a file
};

struct Divergence {
    std::size_t index{0};  ///< which observation (0-based)
    std::size_t line{0};
    std::string message{};
    /// What the model would do instead from where the replay stands: "event -> Target" per enabled transition.
    std::vector<std::string> enabled{};
};

struct ReplayResult {
    std::size_t matched{0};  ///< observations replayed successfully
    std::optional<Divergence> divergence{};
    ProductState state{};              ///< where the replay stands (after the last matched observation)
    std::vector<TransitionId> path{};  ///< the model transitions matched, in order

    bool ok() const { return !divergence.has_value(); }
};

/// Replays `trace` from the initial product state of `config`. Among several transitions that match an
/// observation (same event and target, enabled) the one whose resulting variables agree with the reported
/// ones is taken. A restart must name the initial state; it continues from there with the reported values of
/// persistent variables (volatile ones take their initial values), as after a power cycle. Durations are not
/// compared with the timestamps.
ReplayResult replay(const Model& model, const Configuration& config, std::span<const Observation> trace);

/// Reads a JSON-lines trace: objects with "kind": "transition" (or no "kind") and "event", "to", and
/// optionally "from", "actor", "vars" (an object of scalars), "t_ms"; objects with "kind": "start", "state" and
/// optionally "vars" are restarts. Other kinds of records are skipped.
/// Returns the observations, or "LINE:COL: message" for the first malformed line.
std::variant<std::vector<Observation>, std::string> parse_trace(std::string_view jsonl);

}  // namespace lwm2mc::model
