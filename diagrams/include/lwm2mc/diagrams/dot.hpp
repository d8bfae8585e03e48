// SPDX-License-Identifier: Apache-2.0
#pragma once

// Graphviz pictures of a model: DOT text generated from the Boost.Graph model, with checker results drawn on
// it. Checker results arrive as plain highlight sets (the diagrams library does not depend on the checker).

#include "lwm2mc/model/ids.hpp"
#include "lwm2mc/model/interpreter.hpp"
#include "lwm2mc/model/model.hpp"
#include "lwm2mc/model/model_diff.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lwm2mc::diagrams {

/// What a highlight says about the states or transitions it names.
enum class MarkKind {
    Unreachable,  ///< states no run reaches (grey)
    NoRecovery,   ///< states from which no relied-on path leads back to a goal (red)
    /// states from which only an operator step (power cycle, Reboot, Factory Reset) leads back (orange, dashed)
    NeedsIntervention,
    Deadlock,   ///< states where a run stops without being final (double border)
    Ambiguity,  ///< transition pairs that can be enabled together on one event (magenta)
    Property,   ///< a failing property; listed in the legend, its states marked
};

/// A state of a region instance: the region (index into Model::regions) and its state (literal index).
struct RegionStateRef {
    std::uint32_t region{0};
    std::int64_t state{0};
    friend bool operator==(const RegionStateRef&, const RegionStateRef&) = default;
};

/// One finding (or several of one kind and condition) to draw. Without `numbers` the diagram numbers marks F1, F2,
/// ... in the order given; with them, marks are labelled `#n` with the numbers `check` reports.
struct Mark {
    MarkKind kind{MarkKind::Unreachable};
    std::string id{};         ///< the finding's id ("no-recovery:BsFailed")
    std::string summary{};    ///< one line for the legend
    std::string condition{};  ///< the configurations it occurs in, in model syntax; empty = every configuration
    std::vector<model::StateId> states{};
    std::vector<model::TransitionId> transitions{};
    /// `check`'s 1-based numbers of the findings this mark stands for: one per state when the mark groups state
    /// findings (in the order of `states`), else one. Empty: the mark is numbered by position (F1, F2, ...).
    std::vector<std::size_t> numbers{};
    /// For a proposal diagram: how the finding compares with the base ("new", "widened", ...; empty: unchanged),
    /// shown in the legend; `detail` says where it newly occurs or no longer does.
    std::string change{};
    std::string detail{};
    /// A base finding the proposal resolves: listed in the legend only, struck through, as "base #n" (`numbers`
    /// are the base's; `states` and `transitions` are ignored, they name base elements).
    bool resolved{false};
    /// Region states the mark is about (drawn in the region's cluster); with `numbers`, one number per state of
    /// `states` and then one per region state.
    std::vector<RegionStateRef> region_states{};
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

/// A laid-out diagram as Graphviz computed it, in points with y growing upwards: what a proposal diagram needs to
/// keep the base's layout. Plain data, so that to_dot stays free of Graphviz (render.hpp's lay_out fills it).
struct Layout {
    struct Node {
        double x{0};
        double y{0};
        double width{0};  ///< points
        double height{0};
    };
    struct Box {
        double x0{0};  ///< lower left
        double y0{0};
        double x1{0};  ///< upper right
        double y1{0};
    };
    struct Edge {
        std::string pos{};  ///< Graphviz's spline (`pos`), passed back verbatim
        std::string lp{};   ///< label position
    };
    std::map<std::string, Node> nodes{};    ///< by DOT node name: the state's name, "__initial", "__any"
    std::map<std::string, Box> clusters{};  ///< by cluster name ("cluster_bootstrap")
    std::map<std::string, Edge> edges{};    ///< by the edge's `id` (to_dot gives ids in proposal diagrams)
};

/// A proposal drawn against its base model.
struct ProposalInput {
    const model::Model& base;
    const model::Model& proposal;
    const model::ModelDiff& diff;  ///< model::diff_models(base, proposal)
    Highlights base_highlights{};  ///< what the base figure the proposal is read against shows (its layout)
    std::vector<std::optional<model::Value>> base_fixed{};  ///< DotOptions::fixed for the base (its parameters)
};

/// The base model drawn as the base figure, with edge ids: the input whose layout the proposal keeps.
std::string proposal_base_dot(const ProposalInput& input, const DotOptions& options = {});

/// The proposal drawn on the base's layout: `highlights` are the proposal's (Mark::change, Mark::resolved).
/// Added states and transitions are green and bold with a `+`, changed ones orange with the old values struck
/// through, removed ones (drawn from the base) grey, dashed and struck through. Every node gets a `pos`: common
/// nodes (and removed ones) the base's from `base`, added ones placed next to a neighbour by their offset in
/// `unpinned` (a layout of proposal_to_dot's own output without positions). Edges drawn exactly as in the base
/// reuse its splines; the rest are routed by Graphviz. The graph asks for the `nop2` layout (neato -n2), so the DOT
/// text renders the same with `dot -Tsvg`. With an empty `base` layout, no positions are given (the text is then
/// the input to `unpinned`).
std::string proposal_to_dot(const ProposalInput& input, const DotOptions& options, const Highlights& highlights,
                            const Layout& base, const Layout& unpinned);

/// Escapes text for a double-quoted DOT string: backslash, quote and newline, and `&`, `<`, `>` as entities
/// (Graphviz decodes entities in labels).
std::string escape_dot_string(std::string_view text);
/// Escapes text for a Graphviz HTML-like label.
std::string escape_html(std::string_view text);

/// Names of the transitions a configuration disables, per DotOptions::fixed (for tests and the legend).
std::vector<model::TransitionId> disabled_transitions(const model::Model& model,
                                                      const std::vector<std::optional<model::Value>>& fixed);

}  // namespace lwm2mc::diagrams
