// SPDX-License-Identifier: Apache-2.0
#include "lwm2mc/checker/report.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <ostream>
#include <set>
#include <sstream>

#include "report_support.hpp"

namespace lwm2mc::checker {

using detail::changed_vars;
using detail::configurations_text;
using detail::count;
using detail::location;
using detail::shown;
using model::Severity;

namespace {

const char* group_title(Severity s) {
    switch (s) {
    case Severity::Error:
        return "Errors";
    case Severity::Warning:
        return "Warnings";
    case Severity::Note:
        return "Notes";
    }
    return "";
}

void print_witness(std::ostream& out, const Witness& w, const char* indent, const detail::TransitionOf& transition_of) {
    out << indent << "witness" << detail::witness_under(w, [](const std::string& c) { return c; }) << ":\n";
    out << indent << "   0  " << w.initial_state << "  [" << w.initial_vars << "]\n";
    std::string vars = w.initial_vars;
    for (std::size_t i = 0; i < w.steps.size(); ++i) {
        const TraceStep& s = w.steps[i];
        std::string changed = changed_vars(vars, s.vars);
        const model::Transition* t = transition_of(s);
        out << indent
            << fmt::format("{:>4}  {} --{} ({})--> {}{}{}   {}{}\n", i + 1, detail::step_source(s), s.event,
                           model::qualified_actor_name(s.actor, s.peer), detail::step_target(s),
                           changed.empty() ? "" : "  [" + changed + "]",
                           s.duration > 0 ? fmt::format("  +{} s", s.duration) : "", location(s.range),
                           t != nullptr && !t->ref.empty() ? fmt::format("  ({})", t->ref) : "");
        vars = s.vars;
    }
    for (const auto& note : w.notes) {
        out << indent << note << '\n';
    }
}

void print_diff_text(std::ostream& out, const ProposalDiff& diff);

}  // namespace

namespace detail {

void print_finding_text(std::ostream& out, const Finding& f, std::size_t number, std::uint64_t configurations,
                        const std::vector<Citation>& cited, const detail::TransitionOf& transition_of) {
    out << fmt::format("{}: {}: {} [{}]\n", location(f.range), model::severity_name(f.severity), f.message,
                       finding_code(f.kind));
    out << fmt::format("    #{} {}\n", number, f.id);
    for (const Citation& c : cited) {
        if (!c.ref.empty() || !c.description.empty()) {
            out << "    ref: " << citation_text(c) << '\n';
        }
    }
    out << fmt::format("    when: {}{}\n", f.condition.to_string(),
                       f.configurations ? fmt::format("   ({} of {} configurations)", f.configurations, configurations)
                                        : std::string());
    if (f.witness) {
        print_witness(out, *f.witness, "    ", transition_of);
    }
}

}  // namespace detail

void print_text(std::ostream& out, const ReportInput& input) {
    const CheckResult& r = input.result;
    const detail::Citer citer{input};
    const auto transition_of = [&](const TraceStep& s) { return citer.step(s); };
    if (r.symbolic && r.configurations == 0) {
        out << fmt::format("lwm2mc check: model '{}', {} engine: every configuration at once (symbolic)\n",
                           r.model_name, engine_name(r.engine));
    } else {
        out << fmt::format("lwm2mc check: model '{}', {} engine: {}, {} product states\n", r.model_name,
                           engine_name(r.engine), configurations_text(r), r.product_states);
    }
    if (!r.engine_reason.empty()) {
        out << "  engine: " << r.engine_reason << '\n';
    }
    for (Severity s : {Severity::Error, Severity::Warning, Severity::Note}) {
        std::size_t n = count(r, s);
        if (n == 0) {
            continue;
        }
        out << fmt::format("\n{} ({})\n", group_title(s), n);
        // Numbered in report order (as the Markdown report's `#`), whatever group a finding is printed in.
        for (std::size_t i = 0; i < r.findings.size(); ++i) {
            const Finding& f = r.findings[i];
            if (f.severity == s) {
                detail::print_finding_text(out, f, i + 1, r.configurations, citer.of(f), transition_of);
            }
        }
    }
    if (!r.unknown.empty()) {
        out << fmt::format("\nNot decided ({})\n", r.unknown.size());
        for (const auto& u : r.unknown) {
            out << "  unknown: " << u << '\n';
        }
    }
    if (input.diff) {
        print_diff_text(out, *input.diff);
    }
    out << fmt::format("\nsummary: {} error(s), {} warning(s), {} note(s), {} undecided\n", count(r, Severity::Error),
                       count(r, Severity::Warning), count(r, Severity::Note), r.unknown.size());
}

namespace {

nlohmann::json location_json(const model::SourceRange& r) {
    using nlohmann::json;
    return r.valid() ? json{{"file", r.file->name()}, {"line", r.line}, {"column", r.col}} : json(nullptr);
}

nlohmann::json finding_json(const Finding& f, const std::vector<Citation>& cited,
                            const detail::TransitionOf& transition_of) {
    using nlohmann::json;
    json j;
    j["id"] = f.id;
    j["kind"] = finding_code(f.kind);
    j["severity"] = model::severity_name(f.severity);
    j["subject"] = f.subject;
    j["message"] = f.message;
    j["location"] = f.range.valid()
                        ? json{{"file", f.range.file->name()}, {"line", f.range.line}, {"column", f.range.col}}
                        : json(nullptr);
    j["condition"] = f.condition.to_string();
    j["condition_dnf"] = f.condition.cubes;
    j["configurations"] = f.configurations;
    json about = json::array();
    for (const Citation& c : cited) {
        about.push_back({{"element", c.element},
                         {"name", c.name},
                         {"description", c.description},
                         {"ref", c.ref},
                         {"location", location_json(c.range)}});
    }
    j["about"] = about;
    if (f.witness) {
        json steps = json::array();
        for (const auto& s : f.witness->steps) {
            const model::Transition* t = transition_of(s);
            json step = {
                {"transition", s.transition},
                {"ref", t != nullptr ? t->ref : std::string{}},
                {"description", t != nullptr ? t->doc : std::string{}},
                {"event", s.event},
                {"actor", model::qualified_actor_name(s.actor, s.peer)},
                {"source", s.source},
                {"target", s.target},
                {"duration", s.duration},
                {"vars", s.vars},
                {"location", s.range.valid()
                                 ? json{{"file", s.range.file->name()}, {"line", s.range.line}, {"column", s.range.col}}
                                 : json(nullptr)}};
            if (!s.region_source.empty()) {
                // a step of a region row: the instance's state before and after ("srv[1]=Idle")
                step["region_source"] = s.region_source;
                step["region_target"] = s.region_target;
            }
            steps.push_back(std::move(step));
        }
        j["witness"] = {{"configuration", f.witness->configuration},
                        {"initial_state", f.witness->initial_state},
                        {"initial_vars", f.witness->initial_vars},
                        {"steps", steps},
                        {"notes", f.witness->notes}};
    } else {
        j["witness"] = nullptr;
    }
    return j;
}

/// "e.g. factory=false, ..." after a condition, when there is a configuration.
std::string example(const std::string& configuration) {
    return configuration.empty() ? std::string() : fmt::format("   (e.g. {})", configuration);
}

void print_diff_text(std::ostream& out, const ProposalDiff& diff) {
    out << fmt::format("\nCompared with the base model '{}':", diff.base_name);
    for (Change k : {Change::New, Change::Widened, Change::Changed, Change::Narrowed, Change::Resolved,
                     Change::Unchanged, Change::Undecided}) {
        out << fmt::format(" {} {}{}", diff.of(k).size(), change_name(k), k == Change::Undecided ? "" : ",");
    }
    out << '\n';
    for (Change k :
         {Change::New, Change::Widened, Change::Changed, Change::Narrowed, Change::Resolved, Change::Undecided}) {
        for (const FindingChange* c : diff.of(k)) {
            const Finding& f = shown(*c);
            out << fmt::format("  {}: {}: {} [{}] ({})\n", change_name(k), model::severity_name(f.severity), f.message,
                               finding_code(f.kind), c->id);
            if (c->base && k != Change::Resolved) {
                out << fmt::format("      was when: {}\n", c->base->condition.to_string());
            }
            if (c->proposal && k != Change::New) {
                out << fmt::format("      now when: {}\n", c->proposal->condition.to_string());
            }
            if (k == Change::Resolved) {
                out << fmt::format("      was when: {}\n", c->base->condition.to_string());
            } else if (!c->now_also.never()) {
                out << fmt::format("      {}: {}{}\n", k == Change::New ? "when" : "now also when",
                                   c->now_also.to_string(), example(c->now_also_configuration));
            }
            if (k != Change::Resolved && !c->no_longer.never()) {
                out << fmt::format("      no longer when: {}{}\n", c->no_longer.to_string(),
                                   example(c->no_longer_configuration));
            }
            if (!c->why_undecided.empty()) {
                out << fmt::format("      not compared: {}\n", c->why_undecided);
            }
        }
    }
    for (const auto& u : diff.unknown) {
        out << "  unknown: " << u << '\n';
    }
}

nlohmann::json diff_json(const ProposalDiff& diff, const detail::Citer& citer) {
    using nlohmann::json;
    json changes = json::array();
    json resolved = json::array(), introduced = json::array();
    json counts = json::object();
    for (Change k : {Change::New, Change::Widened, Change::Changed, Change::Narrowed, Change::Resolved,
                     Change::Unchanged, Change::Undecided}) {
        counts[change_name(k)] = diff.of(k).size();
    }
    for (const FindingChange& c : diff.changes) {
        json j;
        j["id"] = c.id;
        j["kind"] = finding_code(c.kind);
        j["change"] = change_name(c.change);
        j["severity"] = model::severity_name(shown(c).severity);
        j["message"] = shown(c).message;
        j["base_condition"] = c.base ? json(c.base->condition.to_string()) : json(nullptr);
        j["proposal_condition"] = c.proposal ? json(c.proposal->condition.to_string()) : json(nullptr);
        j["now_also"] = c.now_also.to_string();
        j["now_also_configuration"] = c.now_also_configuration.empty() ? json(nullptr) : json(c.now_also_configuration);
        j["no_longer"] = c.no_longer.to_string();
        j["no_longer_configuration"] =
            c.no_longer_configuration.empty() ? json(nullptr) : json(c.no_longer_configuration);
        if (!c.why_undecided.empty()) {
            j["why_undecided"] = c.why_undecided;
        }
        changes.push_back(std::move(j));
        if (c.change == Change::Resolved) {
            resolved.push_back(
                finding_json(*c.base, citer.of(c), [&](const TraceStep& s) { return citer.base_step(s); }));
        } else if (c.change == Change::New) {
            introduced.push_back(
                finding_json(*c.proposal, citer.of(c), [&](const TraceStep& s) { return citer.step(s); }));
        }
    }
    return {{"base", diff.base_name},   {"proposal", diff.proposal_name}, {"counts", counts},
            {"changes", changes},       {"resolved", resolved},           {"new", introduced},
            {"undecided", diff.unknown}};
}

template <typename Cell>
void print_diff_markdown(std::ostream& out, const ProposalDiff& diff, Cell&& cell) {
    out << fmt::format("\n### Compared with `{}`\n\n", diff.base_name);
    bool any = false;
    for (Change k :
         {Change::New, Change::Widened, Change::Changed, Change::Narrowed, Change::Resolved, Change::Undecided}) {
        for (const FindingChange* c : diff.of(k)) {
            if (!any) {
                out << "| change | finding | was when | now when | difference |\n|---|---|---|---|---|\n";
                any = true;
            }
            const Finding& f = shown(*c);
            std::string difference;
            if (!c->now_also.never() && k != Change::New) {
                difference += fmt::format("now also when `{}`{}", cell(c->now_also.to_string()),
                                          cell(example(c->now_also_configuration)));
            }
            if (!c->no_longer.never() && k != Change::Resolved) {
                difference += fmt::format("{}no longer when `{}`{}", difference.empty() ? "" : "; ",
                                          cell(c->no_longer.to_string()), cell(example(c->no_longer_configuration)));
            }
            if (!c->why_undecided.empty()) {
                difference += cell(c->why_undecided);
            }
            out << fmt::format("| {} | {} `[{}]` | {} | {} | {} |\n", change_name(k), cell(f.message),
                               finding_code(f.kind),
                               c->base ? fmt::format("`{}`", cell(c->base->condition.to_string())) : "—",
                               c->proposal ? fmt::format("`{}`", cell(c->proposal->condition.to_string())) : "—",
                               difference.empty() ? "—" : difference);
        }
    }
    if (!any) {
        out << fmt::format("- no finding changed ({} unchanged)\n", diff.of(Change::Unchanged).size());
    }
    for (const auto& u : diff.unknown) {
        out << "- not decided: " << cell(u) << '\n';
    }
}

}  // namespace

std::string to_json(const ReportInput& input) {
    using nlohmann::json;
    const CheckResult& r = input.result;
    const detail::Citer citer{input};
    json doc;
    doc["model"] = r.model_name;
    doc["engine"] = engine_name(r.engine);
    doc["configurations"] = r.configurations;
    if (!r.timing_parameter.empty()) {
        doc["timing_parameter"] = r.timing_parameter;
    }
    if (!r.engine_reason.empty()) {
        doc["engine_reason"] = r.engine_reason;
    }
    doc["product_states"] = r.product_states;
    json findings = json::array();
    for (const auto& f : r.findings) {
        findings.push_back(finding_json(f, citer.of(f), [&](const TraceStep& s) { return citer.step(s); }));
    }
    doc["findings"] = findings;
    doc["undecided"] = r.unknown;
    doc["summary"] = {{"errors", count(r, Severity::Error)},
                      {"warnings", count(r, Severity::Warning)},
                      {"notes", count(r, Severity::Note)}};
    if (input.diff) {
        doc["compared_with"] = diff_json(*input.diff, citer);
    }
    return doc.dump(2, ' ', false, json::error_handler_t::replace);
}

void print_markdown(std::ostream& out, const ReportInput& input) {
    const CheckResult& r = input.result;
    const detail::Citer citer{input};
    auto cell = [](std::string s) {
        std::string o;
        for (char c : s) {
            o += c == '|' ? std::string("\\|") : std::string(1, c);
        }
        return o;
    };
    out << fmt::format("## lwm2mc check: `{}`\n\n", r.model_name);
    out << fmt::format("{} engine, {}, {} product states: **{} errors, {} warnings, {} notes**{}.\n\n",
                       engine_name(r.engine), configurations_text(r), r.product_states, count(r, Severity::Error),
                       count(r, Severity::Warning), count(r, Severity::Note),
                       r.unknown.empty() ? "" : fmt::format(", {} undecided", r.unknown.size()));
    out << "| # | severity | finding | where | condition (parameters) | ref |\n|---|---|---|---|---|---|\n";
    for (std::size_t i = 0; i < r.findings.size(); ++i) {
        const Finding& f = r.findings[i];
        std::string refs;
        for (const Citation& c : citer.of(f)) {
            if (!c.ref.empty()) {
                refs += (refs.empty() ? "" : "; ") + cell(c.ref);
            }
        }
        out << fmt::format("| {} | {} | {} `[{}]` | `{}` | `{}` | {} |\n", i + 1, model::severity_name(f.severity),
                           cell(f.message), finding_code(f.kind), location(f.range), cell(f.condition.to_string()),
                           refs.empty() ? "—" : refs);
    }
    for (std::size_t i = 0; i < r.findings.size(); ++i) {
        const Finding& f = r.findings[i];
        const auto cited = citer.of(f);
        const bool described = std::any_of(cited.begin(), cited.end(),
                                           [](const Citation& c) { return !c.ref.empty() || !c.description.empty(); });
        if (!f.witness && !described) {
            continue;
        }
        out << fmt::format("\n### {}. {}\n\n`{}`\n", i + 1, f.message, f.id);
        for (const Citation& c : cited) {
            if (!c.ref.empty() || !c.description.empty()) {
                out << fmt::format("\n> {} `{}`{}{}", c.element, c.name,
                                   c.ref.empty() ? "" : fmt::format(" ({})", c.ref),
                                   c.description.empty() ? "" : ": " + c.description);
                out << '\n';
            }
        }
        if (!f.witness) {
            continue;
        }
        out << "\nWitness" << detail::witness_under(*f.witness, [](const std::string& c) { return "`" + c + "`"; })
            << ":\n\n";
        out << fmt::format("0. `{}` — {}\n", f.witness->initial_state, f.witness->initial_vars);
        std::string vars = f.witness->initial_vars;
        for (const auto& s : f.witness->steps) {
            std::string changed = changed_vars(vars, s.vars);
            const model::Transition* t = citer.step(s);
            out << fmt::format("1. `{}` —{}→ `{}` ({}){}{}{}\n", detail::step_source(s), s.event,
                               detail::step_target(s), model::qualified_actor_name(s.actor, s.peer),
                               changed.empty() ? "" : " — " + changed,
                               s.duration > 0 ? fmt::format(", {} s", s.duration) : "",
                               t != nullptr && !t->ref.empty() ? fmt::format(" — *{}*", t->ref) : "");
            vars = s.vars;
        }
        for (const auto& note : f.witness->notes) {
            out << "\n> " << note << '\n';
        }
    }
    if (!r.unknown.empty()) {
        out << "\n### Not decided\n\n";
        for (const auto& u : r.unknown) {
            out << "- " << u << '\n';
        }
    }
    if (input.diff) {
        print_diff_markdown(out, *input.diff, cell);
    }
}

namespace {

/// The ids some proposal changes, in first-seen order.
std::vector<std::string> changed_ids(const Alternatives& a) {
    std::vector<std::string> ids;
    for (const auto& d : a.proposals) {
        for (const auto& c : d.changes) {
            if (c.change != Change::Unchanged && std::find(ids.begin(), ids.end(), c.id) == ids.end()) {
                ids.push_back(c.id);
            }
        }
    }
    return ids;
}

const char* change_in(const ProposalDiff& d, const std::string& id) {
    for (const auto& c : d.changes) {
        if (c.id == id) {
            return change_name(c.change);
        }
    }
    return "-";  // in neither the base nor this proposal
}

std::string letter(std::size_t i) {
    return i < 26 ? std::string(1, static_cast<char>('A' + i)) : fmt::format("P{}", i + 1);
}

}  // namespace

void print_alternatives_text(std::ostream& out, const Alternatives& a) {
    out << fmt::format("lwm2mc diff: base model '{}', {} proposal(s)\n", a.base_name, a.proposals.size());
    for (std::size_t i = 0; i < a.proposals.size(); ++i) {
        out << fmt::format("  {} = '{}'\n", letter(i), a.proposals[i].proposal_name);
    }
    std::vector<std::string> ids = changed_ids(a);
    std::size_t width = std::string("finding").size();
    for (const auto& id : ids) {
        width = std::max(width, id.size());
    }
    out << fmt::format("\n{:<{}}", "finding", width + 2);
    for (std::size_t i = 0; i < a.proposals.size(); ++i) {
        out << fmt::format("{:<11}", letter(i));
    }
    out << '\n';
    for (const auto& id : ids) {
        out << fmt::format("{:<{}}", id, width + 2);
        for (const auto& d : a.proposals) {
            out << fmt::format("{:<11}", change_in(d, id));
        }
        out << '\n';
    }
    if (ids.empty()) {
        out << "(no proposal changes any finding)\n";
    }
    for (std::size_t i = 0; i < a.proposals.size(); ++i) {
        out << fmt::format("\n{} = '{}':", letter(i), a.proposals[i].proposal_name);
        print_diff_text(out, a.proposals[i]);
    }
    if (a.second_vs_first) {
        out << fmt::format("\nB compared with A (as if A were the base):");
        print_diff_text(out, *a.second_vs_first);
    }
}

std::string alternatives_json(const Alternatives& a, const model::Model& base,
                              const std::vector<model::Model>& models) {
    using nlohmann::json;
    json doc;
    doc["base"] = a.base_name;
    json proposals = json::array();
    const CheckResult none;
    const std::optional<ProposalDiff> no_diff;
    for (std::size_t i = 0; i < a.proposals.size() && i < models.size(); ++i) {
        const ReportInput input{models[i], none, no_diff, &base};  // the citer keeps a reference to it
        json p = diff_json(a.proposals[i], detail::Citer{input});
        p["label"] = letter(i);
        proposals.push_back(std::move(p));
    }
    doc["proposals"] = proposals;
    json table = json::array();
    for (const auto& id : changed_ids(a)) {
        json row = {{"id", id}};
        json changes = json::array();
        for (const auto& d : a.proposals) {
            changes.push_back(change_in(d, id));
        }
        row["changes"] = changes;
        table.push_back(std::move(row));
    }
    doc["changed"] = table;
    doc["second_vs_first"] = nullptr;
    if (a.second_vs_first && models.size() == 2) {
        const ReportInput input{models[1], none, no_diff, &models[0]};
        doc["second_vs_first"] = diff_json(*a.second_vs_first, detail::Citer{input});
    }
    return doc.dump(2, ' ', false, json::error_handler_t::replace);
}

void print_alternatives_markdown(std::ostream& out, const Alternatives& a) {
    auto cell = [](const std::string& s) {
        std::string o;
        for (char c : s) {
            o += c == '|' ? std::string("\\|") : std::string(1, c);
        }
        return o;
    };
    out << fmt::format("## lwm2mc diff: proposals on `{}`\n\n", a.base_name);
    for (std::size_t i = 0; i < a.proposals.size(); ++i) {
        out << fmt::format("- **{}**: `{}`\n", letter(i), a.proposals[i].proposal_name);
    }
    std::vector<std::string> ids = changed_ids(a);
    out << "\n| finding |";
    for (std::size_t i = 0; i < a.proposals.size(); ++i) {
        out << ' ' << letter(i) << " |";
    }
    out << "\n|---|";
    for (std::size_t i = 0; i < a.proposals.size(); ++i) {
        out << "---|";
    }
    out << '\n';
    for (const auto& id : ids) {
        out << fmt::format("| `{}` |", cell(id));
        for (const auto& d : a.proposals) {
            out << ' ' << change_in(d, id) << " |";
        }
        out << '\n';
    }
    for (std::size_t i = 0; i < a.proposals.size(); ++i) {
        out << fmt::format("\n#### {}: `{}`\n", letter(i), a.proposals[i].proposal_name);
        print_diff_markdown(out, a.proposals[i], cell);
    }
    if (a.second_vs_first) {
        out << "\n#### B compared with A\n";
        print_diff_markdown(out, *a.second_vs_first, cell);
    }
}

}  // namespace lwm2mc::checker
