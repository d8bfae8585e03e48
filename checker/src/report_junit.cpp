// SPDX-License-Identifier: Apache-2.0
// JUnit XML for CI test-report viewers (docs/check-report.md): the analyses and properties as testcases.

#include "lwm2mc/checker/report.hpp"
#include "lwm2mc/model/monitor.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <ostream>
#include <sstream>
#include <string_view>

#include "report_support.hpp"

namespace lwm2mc::checker {

namespace {

constexpr auto xml = detail::escape_markup;

struct Case {
    std::string classname{};
    std::string name{};
    std::string file{};
    std::uint32_t line{0};
    std::string failure_message{};  ///< non-empty: failed
    std::string failure_type{};
    std::string failure_text{};
    std::string skipped{};  ///< non-empty: skipped, with the reason
    std::string error{};    ///< non-empty: error, with the message
    std::string error_text{};
    std::string out{};  ///< findings below --fail-on, as system-out
};

struct Suite {
    std::string name{};
    std::vector<std::pair<std::string, std::string>> properties{};
    std::vector<Case> cases{};
};

bool fails(const Finding& f, std::optional<Severity> fail_at) {
    return fail_at && static_cast<int>(f.severity) <= static_cast<int>(*fail_at);
}

bool is_property_kind(FindingKind k) {
    for (auto p : {model::PropertyKind::Invariant, model::PropertyKind::Reachable, model::PropertyKind::Recover,
                   model::PropertyKind::Within}) {
        if (std::string_view{model::property_kind_name(p)} == finding_code(k)) {
            return true;
        }
    }
    return false;
}

/// Adds `findings` (with their report numbers) to a testcase: failures at or above `fail_at`, the rest as output.
void add_findings(Case& c, const std::vector<std::pair<std::size_t, const Finding*>>& findings,
                  const ReportInput& input, std::optional<Severity> fail_at) {
    const detail::Citer citer{input};
    std::size_t failed = 0;
    std::ostringstream failing;
    std::ostringstream passing;
    for (const auto& [number, f] : findings) {
        std::ostream& out = fails(*f, fail_at) ? failing : passing;
        if (fails(*f, fail_at)) {
            ++failed;
            if (c.failure_message.empty()) {
                c.failure_message = f->message;
                c.failure_type = finding_code(f->kind);
            }
        }
        detail::print_finding_text(out, *f, number, input.result.configurations, citer.of(*f),
                                   [&](const TraceStep& s) { return citer.step(s); });
    }
    if (failed > 1) {
        c.failure_message = fmt::format("{} findings, the first: {}", failed, c.failure_message);
    }
    c.failure_text = failing.str();
    c.out = passing.str();
}

Suite model_suite(const ReportInput& input, std::optional<Severity> fail_at) {
    const CheckResult& r = input.result;
    Suite suite;
    suite.name = r.model_name;
    suite.properties = {{"engine", engine_name(r.engine)},
                        {"configurations", std::to_string(r.configurations)},
                        {"product_states", std::to_string(r.product_states)}};
    const auto unchecked = [&](FindingKind k) {
        return std::find(r.unchecked.begin(), r.unchecked.end(), k) != r.unchecked.end();
    };
    const auto file_of = [&](const model::SourceRange& range) {
        return range.valid() ? range.file->name() : std::string{};
    };
    // The built-in analyses: one testcase per kind that is not a property's.
    for (FindingKind k : kAllFindingKinds) {
        if (is_property_kind(k) || (k == FindingKind::DeadRegionState && input.model.regions.empty())) {
            continue;  // a model without regions has no region state to analyse
        }
        Case c;
        c.classname = r.model_name + ".analysis";
        c.name = finding_code(k);
        std::vector<std::pair<std::size_t, const Finding*>> of_kind;
        for (std::size_t i = 0; i < r.findings.size(); ++i) {
            if (r.findings[i].kind == k) {
                of_kind.emplace_back(i + 1, &r.findings[i]);
            }
        }
        add_findings(c, of_kind, input, fail_at);
        if (c.failure_text.empty() && unchecked(k)) {
            c.skipped = "not decided everywhere (see the 'undecided' testcase): no finding is no verdict";
        }
        suite.cases.push_back(std::move(c));
    }
    // The model's properties: one testcase each (an event property as the invariant it is checked as).
    const model::Model instrumented = model::instrument_event_properties(input.model);
    for (const model::Property& p : instrumented.properties) {
        Case c;
        c.classname = r.model_name + ".property";
        c.name = p.name;
        c.file = file_of(p.range);
        c.line = p.range.line;
        std::vector<std::pair<std::size_t, const Finding*>> of_property;
        for (std::size_t i = 0; i < r.findings.size(); ++i) {
            const Finding& f = r.findings[i];
            if (f.subject == p.name && std::string_view{model::property_kind_name(p.kind)} == finding_code(f.kind)) {
                of_property.emplace_back(i + 1, &f);
            }
        }
        add_findings(c, of_property, input, fail_at);
        bool decided = true;
        for (FindingKind k : kAllFindingKinds) {
            if (std::string_view{model::property_kind_name(p.kind)} == finding_code(k) && unchecked(k)) {
                decided = false;
            }
        }
        if (c.failure_text.empty() && !decided) {
            c.skipped = "not decided everywhere (see the 'undecided' testcase): no finding is no verdict";
        }
        suite.cases.push_back(std::move(c));
    }
    Case undecided;
    undecided.classname = r.model_name + ".analysis";
    undecided.name = "undecided";
    if (!r.unknown.empty()) {
        undecided.error = fmt::format("{} item(s) not decided", r.unknown.size());
        for (const std::string& u : r.unknown) {
            undecided.error_text += "unknown: " + u + "\n";
        }
    }
    suite.cases.push_back(std::move(undecided));
    return suite;
}

Suite diff_suite(const ReportInput& input, const ProposalDiff& diff, std::optional<Severity> fail_at) {
    Suite suite;
    suite.name = diff.proposal_name + " compared with " + diff.base_name;
    const detail::Citer citer{input};
    for (const FindingChange& ch : diff.changes) {
        const Finding& f = detail::shown(ch);
        Case c;
        c.classname = suite.name;
        c.name = fmt::format("{} {}", change_name(ch.change), ch.id);
        std::ostringstream text;
        text << fmt::format("{}: {} [{}] ({})\n", change_name(ch.change), f.message, finding_code(f.kind), ch.id);
        for (const Citation& cited : citer.of(ch)) {
            if (!cited.ref.empty() || !cited.description.empty()) {
                text << "    ref: " << detail::citation_text(cited) << '\n';
            }
        }
        if (ch.base) {
            text << "    was when: " << ch.base->condition.to_string() << '\n';
        }
        if (ch.proposal) {
            text << "    now when: " << ch.proposal->condition.to_string() << '\n';
        }
        if (!ch.now_also.never() && ch.change != Change::New) {
            text << "    now also when: " << ch.now_also.to_string() << '\n';
        }
        if (!ch.no_longer.never() && ch.change != Change::Resolved) {
            text << "    no longer when: " << ch.no_longer.to_string() << '\n';
        }
        const bool introduced =
            ch.change == Change::New || ch.change == Change::Widened || ch.change == Change::Changed;
        if (introduced && fails(f, fail_at)) {
            c.failure_message = fmt::format("{}: {}", change_name(ch.change), f.message);
            c.failure_type = change_name(ch.change);
            c.failure_text = text.str();
        } else if (ch.change == Change::Undecided) {
            c.skipped = "not compared: " + ch.why_undecided;
            c.out = text.str();
        } else {
            c.out = text.str();
        }
        suite.cases.push_back(std::move(c));
    }
    Case undecided;
    undecided.classname = suite.name;
    undecided.name = "undecided";
    if (!diff.unknown.empty()) {
        undecided.error = fmt::format("{} item(s) of the comparison not decided", diff.unknown.size());
        for (const std::string& u : diff.unknown) {
            undecided.error_text += "unknown: " + u + "\n";
        }
    }
    suite.cases.push_back(std::move(undecided));
    return suite;
}

struct Counts {
    std::size_t tests{0}, failures{0}, errors{0}, skipped{0};
};

Counts counts(const Suite& s) {
    Counts n;
    for (const Case& c : s.cases) {
        ++n.tests;
        if (!c.failure_text.empty()) {
            ++n.failures;
        } else if (!c.error.empty()) {
            ++n.errors;
        } else if (!c.skipped.empty()) {
            ++n.skipped;
        }
    }
    return n;
}

void print_suite(std::ostream& out, const Suite& s) {
    const Counts n = counts(s);
    out << fmt::format(
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"0\">\n", xml(s.name),
        n.tests, n.failures, n.errors, n.skipped);
    if (!s.properties.empty()) {
        out << "    <properties>\n";
        for (const auto& [name, value] : s.properties) {
            out << fmt::format("      <property name=\"{}\" value=\"{}\"/>\n", xml(name), xml(value));
        }
        out << "    </properties>\n";
    }
    for (const Case& c : s.cases) {
        out << fmt::format("    <testcase classname=\"{}\" name=\"{}\"", xml(c.classname), xml(c.name));
        if (!c.file.empty()) {
            out << fmt::format(" file=\"{}\" line=\"{}\"", xml(c.file), c.line);
        }
        out << " time=\"0\">\n";
        if (!c.failure_text.empty()) {
            out << fmt::format("      <failure message=\"{}\" type=\"{}\">{}</failure>\n", xml(c.failure_message),
                               xml(c.failure_type), xml(c.failure_text));
        } else if (!c.error.empty()) {
            out << fmt::format("      <error message=\"{}\" type=\"undecided\">{}</error>\n", xml(c.error),
                               xml(c.error_text));
        } else if (!c.skipped.empty()) {
            out << fmt::format("      <skipped message=\"{}\"/>\n", xml(c.skipped));
        }
        if (!c.out.empty()) {
            out << fmt::format("      <system-out>{}</system-out>\n", xml(c.out));
        }
        out << "    </testcase>\n";
    }
    out << "  </testsuite>\n";
}

}  // namespace

void print_junit(std::ostream& out, const ReportInput& input, std::optional<Severity> fail_at) {
    std::vector<Suite> suites{model_suite(input, fail_at)};
    if (input.diff) {
        suites.push_back(diff_suite(input, *input.diff, fail_at));
    }
    Counts all;
    for (const Suite& s : suites) {
        const Counts n = counts(s);
        all.tests += n.tests;
        all.failures += n.failures;
        all.errors += n.errors;
        all.skipped += n.skipped;
    }
    out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    out << fmt::format("<testsuites name=\"lwm2mc check\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" "
                       "time=\"0\">\n",
                       all.tests, all.failures, all.errors, all.skipped);
    for (const Suite& s : suites) {
        print_suite(out, s);
    }
    out << "</testsuites>\n";
}

}  // namespace lwm2mc::checker
