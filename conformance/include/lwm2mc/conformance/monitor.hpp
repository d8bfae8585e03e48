// SPDX-License-Identifier: Apache-2.0
#pragma once

// The online monitor: holds a client to the model from what it does on the wire (docs/conformance.md
// "Verdicts"). The client's nondeterminism is tracked as a set of hypotheses (product state, whether the request
// of that state is still owed, when the state was entered), never guessed:
//   - a client step that sends nothing (boot, factory_loaded's silent predecessors, restart to Registered, ...)
//     may happen at any time: the set is closed under them; a step with `after D` not before D;
//   - a stimulus with How::Silence (exchange_lifetime_expired) fires by itself once its duration has passed
//     without a server message: a hypothesis that outlived it is replaced by its target;
//   - a request the client sends must be the request of a state it enters by an enabled client step (not before
//     the step's `after` allows), or the owed request of a state a stimulus put it in, or a resend within its
//     retry sequence after a failure answer;
//   - an answer or a command a server sends applies the stimulus events the wire map gives it: a failed answer
//     may be the end of the client's retry sequence (the event) or not yet (the client may send again);
//   - silence is allowed while some hypothesis may wait: it waits for a server (an answer, an initiative), or
//     the deadline of its client steps (their `after` plus the quiescence slack) has not passed.
// Times are protocol milliseconds since the run started.

#include "lwm2mc/conformance/wire.hpp"
#include "lwm2mc/model/interpreter.hpp"
#include "lwm2mc/model/model.hpp"

#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lwm2mc::conformance {

struct MonitorOptions {
    /// Protocol milliseconds a client may take for a step it must take (after the step's `after`, if any).
    std::int64_t quiescence_ms{60'000};
    /// A step with `after D` may come this much early: D * fraction + absolute (clock granularity, start-up).
    double early_fraction{0.02};
    std::int64_t early_ms{1'000};
};

/// Whether the client's latest move (or silence) is allowed; when not, what the model allowed instead.
struct Check {
    bool ok{true};
    std::string observed{};              ///< what the client did, in words
    std::vector<std::string> allowed{};  ///< per hypothesis: where it stood and what it allowed
    std::vector<std::string> source{};   ///< model source lines of the transitions concerned
    std::string reason{};                ///< one line: why it is not allowed
};

class Monitor {
public:
    Monitor(const model::Model& model, const WireMap& map, model::Configuration config, MonitorOptions options = {});

    /// A fresh client started at `t_ms` (the model's initial state; a reset between test cases).
    void start(std::int64_t t_ms);
    /// The client process was killed and started again (power_cycle) at `t_ms`.
    Check power_cycle(std::int64_t t_ms);
    /// A lifecycle event on the wire (wire.hpp adapt()) at `t_ms`.
    Check observe(const WireEvent& event, std::int64_t t_ms);
    /// The client said nothing up to `t_ms`: allowed?
    Check silence(std::int64_t t_ms);
    /// The latest protocol time the client may stay silent to (numeric_limits max: it may wait for ever).
    std::int64_t deadline(std::int64_t now_ms);

    /// The hypotheses, one line each ("RegPending (Register sent) reg_info=RegInfoNone, ...").
    std::vector<std::string> describe() const;
    std::size_t size() const { return hyps_.size(); }
    /// Whether every hypothesis owes the request of the state a stimulus put it in (after closure at `t_ms`).
    bool owes_request(std::int64_t t_ms);
    /// Whether some hypothesis is in state `s` (after closure at `t_ms`).
    bool may_be_in(model::StateId s, std::int64_t t_ms);
    /// Whether the client may be in `s` still owing the request of `s`; then the latest time by which it must send
    /// it (the state's entry plus the quiescence slack).
    std::optional<std::int64_t> owed_in(model::StateId s, std::int64_t t_ms);
    /// The model transitions along the first hypothesis (one explanation of the run so far).
    std::vector<model::TransitionId> path() const;

private:
    /// The transitions that led to a hypothesis, shared between hypotheses (a list from the latest back).
    struct PathNode {
        model::TransitionId transition;
        std::shared_ptr<const PathNode> prev;
    };
    struct Hyp {
        model::ProductState ps{};
        bool owes{false};        ///< entered a state with an entry request, request not seen yet
        bool may_resend{false};  ///< a failure answer came: the client may send its request again
        std::int64_t since{0};   ///< when the state was entered (earliest possible)
        std::shared_ptr<const PathNode> path{};
    };

    std::vector<Hyp> closure(const std::vector<Hyp>& from, std::int64_t t_ms) const;
    /// `h` after transition `tid`, entered at `since`; `owes`: the request of the new state is still to come.
    Hyp take(const Hyp& h, model::TransitionId tid, std::int64_t since, bool owes) const;
    void add(std::vector<Hyp>& into, Hyp h) const;
    std::int64_t duration_ms(model::TransitionId t, const model::ProductState& ps) const;
    std::int64_t early_allowance(std::int64_t d_ms) const;
    std::optional<std::int64_t> hyp_deadline(const Hyp& h) const;
    std::string describe(const Hyp& h) const;
    Check reject(std::string observed, std::string reason, const std::vector<Hyp>& at) const;

    const model::Model& model_;
    const WireMap& map_;
    model::Interpreter interp_;
    model::Configuration config_;
    MonitorOptions options_;
    std::vector<Hyp> hyps_{};
    /// Per server, the location of the registration it created last (Register answered 2.01): an Update or a
    /// De-register must address it (TS 5.3.2, 5.3.3). A wire fact, not a model state: kept across power cycles.
    std::map<std::string, std::string> locations_{};
};

}  // namespace lwm2mc::conformance
