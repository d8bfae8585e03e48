// SPDX-License-Identifier: Apache-2.0
#pragma once

// What the report printers (report*.cpp) share: locations, variable changes, counts and the citations of
// findings in the model they were found in.

#include "lwm2mc/checker/report.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace lwm2mc::checker::detail {

/// Where a witness step starts and ends, as reports print them: the main state, and for a step of a region row the
/// instance's state beside it ("Ready, srv[1]=Idle").
std::string step_source(const TraceStep& s);
std::string step_target(const TraceStep& s);
/// "a=1, b=2" -> only the entries that differ from `before`.
std::string changed_vars(const std::string& before, const std::string& after);
/// " under " and the witness's configuration as `quoted` spells it; empty for a model without parameters, whose
/// one configuration has nothing to name. Every format heads a witness with "witness" and this.
std::string witness_under(const Witness& witness, const std::function<std::string(const std::string&)>& quoted);
/// "file:line:col", or "<model>" for a finding without a location.
std::string location(const model::SourceRange& range);
/// "32 configurations" or "32 configurations x every value of hold_off in 0..4294967295 (solved as intervals)".
std::string configurations_text(const CheckResult& result);
std::size_t count(const CheckResult& result, Severity severity);
/// The finding a change is about: the proposal's, or the base's for a resolved one.
const Finding& shown(const FindingChange& change);

/// Text escaped for HTML and XML 1.0 (text and attribute values): & < > " ' as entities; control
/// characters that XML cannot carry become U+FFFD. The one escaper of the HTML and JUnit reports.
std::string escape_markup(std::string_view text);

/// Citations of findings and witness steps, each in the model it was found in.
class Citer {
public:
    explicit Citer(const ReportInput& input) : input_{input} {}
    /// What `finding` (of the checked model) is about.
    std::vector<Citation> of(const Finding& finding) const { return citations(input_.model, finding); }
    /// What a finding of the comparison is about: a resolved one in the base model (nothing when the base
    /// model was not given).
    std::vector<Citation> of(const FindingChange& change) const;
    /// The `ref` and doc of a witness step's transition in the checked model (empty when out of range).
    const model::Transition* step(const TraceStep& step) const { return transition(input_.model, step); }
    /// The same for a step of a base finding's witness.
    const model::Transition* base_step(const TraceStep& step) const {
        return input_.base != nullptr ? transition(*input_.base, step) : nullptr;
    }
    static const model::Transition* transition(const model::Model& m, const TraceStep& step);

private:
    const ReportInput& input_;
};

/// "state 'BsFailed' (TS §5.2.3.3): bootstrap failed" — one citation on one line.
std::string citation_text(const Citation& citation);

/// The transition a witness step takes, for its ref (nullptr when unknown).
using TransitionOf = std::function<const model::Transition*(const TraceStep&)>;

/// One finding as the text report prints it: the GNU line, `#number id`, a `ref:` line per cited element that
/// has a ref or a description, the condition and the witness (each step ending in its transition's ref).
/// `configurations`: how many the engine examined.
void print_finding_text(std::ostream& out, const Finding& finding, std::size_t number, std::uint64_t configurations,
                        const std::vector<Citation>& cited, const TransitionOf& transition_of);

}  // namespace lwm2mc::checker::detail
