// SPDX-License-Identifier: Apache-2.0
#pragma once

// Graphviz pictures of a model: DOT text generated from the Boost.Graph model, with checker results drawn on
// it. Checker results arrive as plain highlight sets (the diagrams library does not depend on the checker).

#include "lwm2mc/model/ids.hpp"
#include "lwm2mc/model/interpreter.hpp"
#include "lwm2mc/model/model.hpp"

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lwm2mc::diagrams {

/// What a highlight says about the states or transitions it names.
enum class MarkKind {
    Unreachable,  ///< states no run reaches (grey)
    NoRecovery,   ///< states from which no relied-on path leads back to a goal (red)
    Deadlock,     ///< states where a run stops without being final (double border)
    Ambiguity,    ///< transition pairs that can be enabled together on one event (magenta)
    Property,     ///< a failing property; listed in the legend, its states marked
};

/// One finding to draw. The diagram numbers marks F1, F2, ... in the order given.
struct Mark {
    MarkKind kind{MarkKind::Unreachable};
    std::string id{};         ///< the finding's id ("no-recovery:BsFailed")
    std::string summary{};    ///< one line for the legend
    std::string condition{};  ///< the configurations it occurs in, in model syntax; empty = every configuration
    std::vector<model::StateId> states{};
    std::vector<model::TransitionId> transitions{};
};

/// A run drawn as numbered edges.
struct TraceOverlay {
    std::string title{};  ///< e.g. the finding id and the configuration the run is under
    std::vector<model::TransitionId> steps{};
    std::optional<model::StateId> end{};  ///< where the run ends up (drawn with a thick border)
};

/// What a test suite covers, as traversal counts per model transition (a transition absent from both maps is
/// not covered). A transition occurs once per product-graph step that takes it, so counts can exceed 1.
struct Coverage {
    std::string title{};                                   ///< which suite(s) the counts come from, shown in the title
    std::map<model::TransitionId, std::size_t> planned{};  ///< steps the suite plans: covered
    /// Alternatives the client may take instead of a planned step, and their continuations: covered only if the
    /// client chooses so.
    std::map<model::TransitionId, std::size_t> if_chosen{};
};

struct Highlights {
    std::vector<Mark> marks{};
    std::optional<TraceOverlay> trace{};
    /// Drawn as edge colours (covered, only if the client chooses, not covered) and `×N` on labels; line styles
    /// keep showing the actor. A merged edge or a `*` row is covered only if all its transitions are.
    std::optional<Coverage> coverage{};
};

struct DotOptions {
    /// Parameters fixed by --config (nullopt = free). A transition whose guard is false for every value of the
    /// free parameters and variables it mentions is greyed, and so is every state that only greyed
    /// transitions lead to. Constraints are not consulted (a greyed element is disabled for certain; an
    /// element left black may still be disabled by a constraint).
    std::vector<std::optional<model::Value>> fixed{};
    std::string configuration_text{};  ///< shown in the title when non-empty
    std::string title{};               ///< defaults to the model's name and title
    bool legend{true};
};

/// The state diagram in DOT. Deterministic: the same model and options give the same text.
/// States are nodes (clusters by `State::group`), transitions are edges labelled `event [guard] / updates`
/// and styled by actor; transitions expanded from one `*` row are drawn once, from an "any state" node.
std::string to_dot(const model::Model& model, const DotOptions& options = {}, const Highlights& highlights = {});

/// Escapes text for a double-quoted DOT string: backslash, quote and newline, and `&`, `<`, `>` as entities
/// (Graphviz decodes entities in labels).
std::string escape_dot_string(std::string_view text);
/// Escapes text for a Graphviz HTML-like label.
std::string escape_html(std::string_view text);

/// Names of the transitions a configuration disables, per DotOptions::fixed (for tests and the legend).
std::vector<model::TransitionId> disabled_transitions(const model::Model& model,
                                                      const std::vector<std::optional<model::Value>>& fixed);

}  // namespace lwm2mc::diagrams
