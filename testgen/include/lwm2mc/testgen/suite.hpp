// SPDX-License-Identifier: Apache-2.0
#pragma once

// Adaptive test suites generated from a model: data types and the generator. The semantics of a
// generated test (stimuli, observations, alternatives, verdicts, time) are in docs/testing.md.

#include "lwm2mc/model/diagnostics.hpp"
#include "lwm2mc/model/interpreter.hpp"
#include "lwm2mc/model/model.hpp"
#include "lwm2mc/testgen/product_graph.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lwm2mc::testgen {

enum class Criterion { States, Transitions, TransitionPairs, Findings, Properties, Paths };
const char* criterion_name(Criterion criterion);

/// "states", "transitions", "transition-pairs", "findings", "properties" or "paths:FILE".
struct CriterionSpec {
    Criterion kind{Criterion::Transitions};
    std::string paths_file{};  ///< for Paths
};
/// Parses a --cover argument; std::nullopt and `error` set when it is not one of the above.
std::optional<CriterionSpec> parse_criterion(std::string_view text, std::string& error);

/// One step of a scenario: an event (optionally with the target state that disambiguates it), or
/// an exact transition (witnesses).
struct ScenarioStep {
    std::optional<model::EventId> event{};
    std::optional<model::StateId> target{};
    std::optional<model::TransitionId> transition{};
    model::SourceRange range{};  ///< where the step was written (scenario file), for diagnostics
};

/// A run from the initial product state that a test case must follow (a finding's witness, a
/// user's scenario, a property's decisive run).
struct Scenario {
    std::string name{};
    std::string purpose{};
    std::vector<ScenarioStep> steps{};
    model::SourceRange range{};
    /// After the steps, await the client's next move there (a finding's weak spot: what does the
    /// client do now?). Nothing is added where the model gives the client nothing to do.
    bool observe_after{false};
    /// Non-empty: there is no run to drive (e.g. an unreachable state); reported in not_covered.
    std::string untestable{};
};

struct Alternative;

/// One step of a test case: a product-graph edge the tester causes (stimulus) or awaits.
struct Step {
    std::uint32_t edge{0};              ///< index into the suite's ProductGraph::edges
    std::vector<std::string> covers{};  ///< targets covered here for the first time in the suite
    std::vector<Alternative> alternatives{};
};

/// What else the client may do at a step, and how the test goes on from there.
struct Alternative {
    std::uint32_t edge{0};
    bool unavoidable{false};  ///< a client choice (await) rather than a race with a stimulus
    std::vector<Step> then{};
    std::optional<std::size_t> rejoin{};  ///< index of the main step to continue with; nullopt ends the case
    bool reset{false};  ///< restart the client from its factory state before `then` (which starts at the initial state)
};

struct TestCase {
    std::string name{};
    std::string purpose{};
    std::vector<Step> steps{};
};

struct NotCovered {
    std::string target{};
    std::string reason{};
};

struct SuiteStatistics {
    std::size_t product_states{0};
    std::size_t product_transitions{0};
    std::size_t targets{0};
    std::size_t covered{0};
    std::size_t steps{0};
    std::size_t resets{0};
    std::uint64_t length{0};       ///< steps + resets x reset cost
    std::uint64_t lower_bound{0};  ///< for transitions/transition-pairs: the Chinese-postman bound; else #targets
    std::size_t choice_points{0};  ///< steps with unavoidable alternatives
    std::uint64_t worst_case_length{0};
    double expected_length_bound{0};  ///< the client choosing uniformly at every choice point
};

/// A suite for one configuration class.
struct Suite {
    std::size_t class_index{1};
    model::Configuration configuration{};  ///< the class's representative
    std::uint64_t class_size{1};           ///< configurations in the class (timing parameters not counted)
    std::string class_description{};
    std::vector<model::ParamId> timing_parameters{};  ///< free parameters used only in durations
    ProductGraph graph{};
    bool deterministic{true};  ///< no reachable product state where the client chooses
    SuiteStatistics statistics{};
    std::vector<NotCovered> not_covered{};
    /// transitions: planned targets the tester cannot force; a run covers them only if the client
    /// chooses so (each with the reason).
    std::vector<NotCovered> client_dependent{};
    std::vector<TestCase> cases{};
};

struct GenerateOptions {
    CriterionSpec criterion{};
    /// Parameters fixed by --config; nullopt entries are free: one suite per configuration class.
    std::vector<std::optional<model::Value>> fixed{};
    std::uint64_t reset_cost{1};
    TesterLimits limits{};                      ///< stimuli the tester cannot produce, states the client leaves at once
    std::size_t max_product_states{1'000'000};  ///< per configuration
    std::uint64_t max_configurations{1U << 16U};  ///< enumerated to find the classes
    /// Paths: the scenarios (see parse_scenarios).
    std::vector<Scenario> scenarios{};
    /// Findings: the findings' witnesses in one configuration (given by the caller, which runs the
    /// checker); called once per configuration class with its representative.
    std::function<std::vector<Scenario>(const model::Configuration&)> findings{};
};

struct SuiteSet {
    std::string model_name{};
    std::vector<std::string> files{};
    CriterionSpec criterion{};
    std::uint64_t reset_cost{1};
    std::vector<Suite> suites{};
};

struct GenerateResult {
    std::optional<SuiteSet> suites{};
    /// Why nothing was generated (bad options, a scenario the model does not allow, a product
    /// graph past the limit); as GNU-style diagnostics where a source position is known.
    std::vector<model::Diagnostic> errors{};
    bool ok() const { return suites.has_value(); }
};

/// Generates one suite per configuration class of the parameters `options.fixed` leaves free.
GenerateResult generate(const model::Model& model, const GenerateOptions& options);

/// Parses a scenario file (docs/testing.md: one scenario per paragraph, one event [-> State] per
/// line, '#' comments); unknown events or states are diagnostics with their position.
std::vector<Scenario> parse_scenarios(const model::Model& model, std::string_view text, const std::string& display_name,
                                      std::vector<model::Diagnostic>& errors);

/// Name of a target as reports print it: a product edge "Src.event.Dst@{vars}" etc.
std::string edge_label(const model::Model& model, const ProductGraph& graph, std::uint32_t edge);

}  // namespace lwm2mc::testgen
