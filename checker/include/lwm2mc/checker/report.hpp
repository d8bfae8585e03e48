// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "lwm2mc/checker/check.hpp"
#include "lwm2mc/checker/compare.hpp"
#include "lwm2mc/model/model.hpp"

#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lwm2mc::checker {

enum class ReportFormat { Text, Json, Markdown, Html, Sarif, Junit };

/// What every report is made from. The references must outlive the call.
struct ReportInput {
    const model::Model& model;  ///< the checked model (the proposal's with --proposal): descriptions, refs, source
    const CheckResult& result;
    const std::optional<ProposalDiff>& diff;
    /// With a diff: the base model, for the citations of findings only the base has (resolved ones).
    const model::Model* base{nullptr};
};

/// A model element a finding is about, with what the model file says of it.
struct Citation {
    std::string element{};      ///< "state", "transition", "property", "region state"
    std::string name{};         ///< its name in the model
    std::string description{};  ///< the element's doc string (may be empty)
    std::string ref{};          ///< its `ref "..."` citation (may be empty)
    model::SourceRange range{};
};

/// The states, transitions and property a finding is about (by its ids; the property by its subject), with
/// their descriptions and refs, in that order. `model` is the model the finding was found in.
std::vector<Citation> citations(const model::Model& model, const Finding& finding);

/// Terminal report grouped by severity (GNU `file:line:col:` lines; each finding numbered 1..N in report
/// order with its id, the refs and descriptions of what it is about, its condition and witness).
void print_text(std::ostream& out, const ReportInput& input);
/// JSON document (schema in docs/check-report.md).
std::string to_json(const ReportInput& input);
/// Markdown ready to paste into a contribution.
void print_markdown(std::ostream& out, const ReportInput& input);

/// Pictures for the HTML report, rendered by the caller (the checker does not draw): SVG documents as
/// Graphviz writes them. Absent pictures are left out of the report.
struct HtmlFigures {
    std::string overview_svg{};                        ///< the model with every finding marked
    std::map<std::string, std::string> witness_svg{};  ///< by finding id: the model with its witness drawn
    std::string note{};                                ///< why pictures are missing, if they are
};

/// One self-contained HTML file (inline CSS, no script, no external URL): summary, findings with their
/// conditions, citations and witnesses, the figures, the model source with line anchors, the comparison.
void print_html(std::ostream& out, const ReportInput& input, const HtmlFigures& figures);

struct SarifOptions {
    /// Directory that artifact URIs are made relative to (the repository root in CI); empty: paths as given.
    std::string base_directory{};
};

/// SARIF 2.1.0 log with one run: a rule per finding kind, a result per finding (with codeFlows for the
/// witness, relatedLocations for the citations, baselineState against the base of a diff).
std::string to_sarif(const ReportInput& input, const SarifOptions& options = {});

/// JUnit XML: a testsuite per model (and one for the comparison), a testcase per built-in analysis and per
/// property; a failure per finding at or above `fail_at` (nullopt: never), skipped for analyses not decided
/// everywhere, an error testcase for undecided items.
void print_junit(std::ostream& out, const ReportInput& input, std::optional<Severity> fail_at);

/// `lwm2mc diff`: a table of every finding some proposal changes (one column per proposal), then
/// each proposal's comparison with the base, then (with two) the second compared with the first.
void print_alternatives_text(std::ostream& out, const Alternatives& alternatives);
/// `base` and `proposals` (in the order of alternatives.proposals) cite the findings of each.
std::string alternatives_json(const Alternatives& alternatives, const model::Model& base,
                              const std::vector<model::Model>& proposals);
void print_alternatives_markdown(std::ostream& out, const Alternatives& alternatives);

}  // namespace lwm2mc::checker
