// SPDX-License-Identifier: Apache-2.0
#pragma once

// `lwm2mc diagram`: the glue between the checker and the diagrams library, which does not know the checker.

#include "lwm2mc/checker/check.hpp"
#include "lwm2mc/checker/compare.hpp"
#include "lwm2mc/diagrams/dot.hpp"
#include "lwm2mc/model/commands.hpp"

#include <cstddef>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace lwm2mc::cli {

struct DiagramCommandOptions {
    std::string model{};
    std::optional<std::string> proposal{};
    std::optional<std::string> config{};  ///< "name=value,..." (--config)
    bool findings{false};                 ///< draw the checker's findings and a legend for them
    std::optional<std::string> trace{};   ///< id of the finding whose witness is drawn
    std::string output{};                 ///< .svg, .png or .dot
    checker::Engine engine{checker::Engine::Auto};
    bool legend{true};
    std::optional<std::string> coverage{};        ///< suite document (lwm2mc-suite/1 JSON) whose coverage is drawn
    std::optional<std::size_t> coverage_suite{};  ///< 1-based configuration class to draw; default: all merged
};

/// How a proposal changed one finding, for its legend entry: the change's name ("new", "widened"; empty when
/// unchanged) and where it newly occurs or no longer does.
struct FindingNote {
    std::string change{};
    std::string detail{};
};

/// Findings as highlight sets: states of one kind under one condition (and one FindingNote) form one mark. Marks
/// carry check's numbers: `numbers[i]` for finding i when given, else i + 1 (its place in the report). `notes` are
/// by finding id.
diagrams::Highlights highlights_from(const model::Model& model, const checker::CheckResult& result,
                                     const std::vector<std::size_t>& numbers = {},
                                     const std::map<std::string, FindingNote>& notes = {});

/// The proposal's findings marked by how they compare with the base's (`diff`, from checker::compare), then the
/// base's resolved findings, numbered "base #n" by the base's report.
diagrams::Highlights proposal_highlights(const model::Model& proposal, const checker::CheckResult& result,
                                         const model::Model& base, const checker::CheckResult& base_result,
                                         const checker::ProposalDiff& diff);

/// The witness of `finding` as a trace overlay (titled with the finding's id and configuration); nullopt when it has
/// no witness.
std::optional<diagrams::TraceOverlay> trace_overlay(const checker::Finding& finding);

/// A suite document read against a model.
struct SuiteCoverage {
    diagrams::Coverage coverage{};
    /// When one configuration class is drawn: its representative configuration as "name=value,..." (greying by
    /// it is sound for the class, whose configurations share one product graph); empty when classes are merged.
    std::string configuration{};
};

/// What the suite document `text` (lwm2mc-suite/1) covers of `model`: every step's transition counts as planned,
/// every alternative's and its `then` steps' (recursively) as covered only if the client chooses. `suite` picks
/// one configuration class (its `class` number); nullopt merges them all. Returns nullopt after writing
/// `file: error: ...` lines to `err` and setting `exit_code` (2: malformed JSON, wrong format, a transition the
/// model does not have, no such class).
std::optional<SuiteCoverage> coverage_from_suite(const model::Model& model, const std::string& text,
                                                 const std::string& file, std::optional<std::size_t> suite,
                                                 std::ostream& err, int& exit_code);

/// Loads the model (and overlay), checks it when findings or a trace are asked for, writes the picture
/// atomically. Returns 0, 2 (invalid model or option), 3 (unreadable/unwritable file, Graphviz or solver error).
int diagram_command(const DiagramCommandOptions& options, const CommandIo& io);

}  // namespace lwm2mc::cli
