// SPDX-License-Identifier: Apache-2.0
// SARIF 2.1.0 (OASIS, https://docs.oasis-open.org/sarif/sarif/v2.1.0/) so that code scanning shows findings
// on the model's lines: one run, a rule per finding kind, a result per finding (docs/check-report.md).

#include "lwm2mc/checker/report.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <string_view>

#include "report_support.hpp"

namespace lwm2mc::checker {

namespace {

using nlohmann::json;

/// What a rule says about its kind. Kinds missing here (a kind added later) get a generic text, so every
/// kind in kAllFindingKinds has a rule.
struct RuleHelp {
    FindingKind kind;
    const char* short_text;
    const char* help;
};

// clang-format off
constexpr RuleHelp kRuleHelp[] = {
    {FindingKind::UnreachableState, "A state no run reaches",
     "No run from the initial state reaches this state, in every configuration or in the configurations the "
     "condition names. Either a transition into it is missing, or its guards exclude those configurations."},
    {FindingKind::Deadlock, "A run can stop in a state that is not final",
     "A reachable product state has no enabled transition and the state is not marked final: the client is "
     "stuck. The witness is a shortest run there."},
    {FindingKind::NoRecovery, "No relied-on path leads back to a goal state",
     "From a reachable product state, no path made only of the relied-on actors' transitions (by default "
     "client, choice, response, operator) reaches a goal state. The witness reaches it; its notes say what is "
     "enabled there."},
    {FindingKind::NeedsIntervention, "Only an operator step leads back to a goal state",
     "From a reachable product state a goal state is reachable relying on the operator (power cycle, Reboot, "
     "Factory Reset), but not without the operator's steps: the client recovers only if someone intervenes. "
     "The witness reaches it; its notes list the relied-on steps that do not lead on."},
    {FindingKind::Ambiguity, "Two transitions on one event can be enabled together",
     "Two transitions leave the same state on the same event, are not client choices, and their guards can "
     "hold together: the model does not say which one the client takes. Mark them as choices or make the "
     "guards exclusive."},
    {FindingKind::Invariant, "An invariant property is violated",
     "A reachable product state violates the property's expression; the witness is a shortest run there."},
    {FindingKind::Reachable, "A reachable property fails",
     "No run reaches a product state that satisfies the property's expression."},
    {FindingKind::Recover, "A recover property fails",
     "From a reachable product state that satisfies the property's `from`, no path of the relied-on actors "
     "reaches its `to`; the witness reaches that state."},
    {FindingKind::Within, "A within property fails",
     "A relied-on path to the property's `to` exists, but not within the property's time bound; the witness "
     "reaches the state, its note gives the fastest time from there."},
    {FindingKind::EvaluationError, "An update leaves a variable's range or overflows",
     "A transition's update gives a variable a value outside its declared range, or arithmetic overflows; the "
     "witness's note names the variable and the value."},
    {FindingKind::DeadRegionState, "A region state with no way out",
     "A reachable state of a region instance (an orthogonal sub-machine) that no row of the region leaves and no "
     "other step resets, and that is not a goal: once there, the instance stays there. The witness is a shortest "
     "run there."},
};
// clang-format on

const RuleHelp* help_of(FindingKind kind) {
    for (const RuleHelp& h : kRuleHelp) {
        if (h.kind == kind) {
            return &h;
        }
    }
    return nullptr;
}

const char* level(Severity s) {
    switch (s) {
    case Severity::Error:
        return "error";
    case Severity::Warning:
        return "warning";
    case Severity::Note:
        return "note";
    }
    return "none";
}

/// RFC 3986 percent-encoding of a relative path (segments separated by '/').
std::string encode_path(std::string_view path) {
    std::string out;
    for (unsigned char c : path) {
        if (std::isalnum(c) != 0 || c == '/' || c == '-' || c == '.' || c == '_' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += fmt::format("%{:02X}", c);
        }
    }
    return out;
}

class Writer {
public:
    Writer(const ReportInput& input, const SarifOptions& options) : input_{input}, options_{options}, citer_{input} {}

    json log() {
        json rules = json::array();
        for (FindingKind k : kAllFindingKinds) {
            if (k == FindingKind::DeadRegionState && input_.model.regions.empty()) {
                continue;  // the last rule: the indices of the others stay; reports without regions stay as they were
            }
            rules.push_back(rule(k));
        }
        json results = json::array();
        for (std::size_t i = 0; i < input_.result.findings.size(); ++i) {
            const Finding& f = input_.result.findings[i];
            json r = result(
                f, i + 1, citer_.of(f), [&](const TraceStep& s) { return citer_.step(s); }, &input_.model);
            if (input_.diff) {
                baseline(r, f.id);
            }
            results.push_back(std::move(r));
        }
        if (input_.diff) {
            // Resolved findings: in the base only. SARIF's "absent" says a result of the baseline is gone.
            for (const FindingChange& c : input_.diff->changes) {
                if (c.change == Change::Resolved && c.base) {
                    json r = result(
                        *c.base, 0, citer_.of(c), [&](const TraceStep& s) { return citer_.base_step(s); }, input_.base);
                    baseline(r, c.id);
                    results.push_back(std::move(r));
                }
            }
        }
        json notifications = json::array();
        for (const std::string& u : input_.result.unknown) {
            notifications.push_back({{"level", "warning"}, {"message", {{"text", "not decided: " + u}}}});
        }
        if (input_.diff) {
            for (const std::string& u : input_.diff->unknown) {
                notifications.push_back(
                    {{"level", "warning"}, {"message", {{"text", "comparison not decided: " + u}}}});
            }
        }
        json invocation{{"executionSuccessful", true}, {"toolExecutionNotifications", notifications}};
        json run{{"tool",
                  {{"driver",
                    {{"name", "lwm2mc"},
                     {"fullName", "lwm2mc check: OMA LwM2M client lifecycle model checker"},
                     {"rules", rules}}}}},
                 {"automationDetails", {{"id", "lwm2mc-check/" + input_.result.model_name + "/"}}},
                 {"invocations", json::array({invocation})},
                 {"results", results},
                 {"properties",
                  {{"model", input_.result.model_name},
                   {"engine", engine_name(input_.result.engine)},
                   {"configurations", input_.result.configurations},
                   {"undecided", input_.result.unknown}}}};
        if (!artifacts_.empty()) {
            json artifacts = json::array();
            for (const std::string& uri : artifacts_) {
                artifacts.push_back({{"location", artifact_location(uri)}});
            }
            run["artifacts"] = artifacts;
        }
        if (!options_.base_directory.empty()) {
            std::string base = std::filesystem::path{options_.base_directory}.lexically_normal().generic_string();
            if (base.empty() || base.back() != '/') {
                base += '/';
            }
            run["originalUriBaseIds"] = {{"SRCROOT", {{"uri", "file://" + encode_path(base)}}}};
        }
        return {{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
                {"version", "2.1.0"},
                {"runs", json::array({run})}};
    }

private:
    static json rule(FindingKind k) {
        const RuleHelp* h = help_of(k);
        const std::string code = finding_code(k);
        const std::string short_text = h != nullptr ? h->short_text : "lwm2mc finding '" + code + "'";
        const std::string help =
            h != nullptr ? h->help : "See docs/semantics.md of lwm2mc for the analysis '" + code + "'.";
        return {{"id", code},
                {"name", code},
                {"shortDescription", {{"text", short_text}}},
                {"fullDescription", {{"text", help}}},
                {"help",
                 {{"text", help + " The result's message names the configurations (parameters) it occurs in; "
                                  "related locations cite the states, transitions and properties involved."},
                  {"markdown", "**" + short_text + "**\n\n" + help}}},
                {"properties", {{"tags", json::array({"lwm2m", "model-checking"})}}}};
    }

    std::size_t rule_index(FindingKind k) const {
        std::size_t i = 0;
        for (FindingKind each : kAllFindingKinds) {
            if (each == k) {
                return i;
            }
            ++i;
        }
        return 0;
    }

    /// The file's URI: relative to the base directory when it lies under it (then with uriBaseId SRCROOT).
    json artifact_location(const std::string& name) const {
        namespace fs = std::filesystem;
        if (!options_.base_directory.empty()) {
            const fs::path base = fs::absolute(options_.base_directory).lexically_normal();
            const fs::path file = fs::absolute(name).lexically_normal();
            const fs::path rel = file.lexically_relative(base);
            if (!rel.empty() && *rel.begin() != "..") {
                return {{"uri", encode_path(rel.generic_string())}, {"uriBaseId", "SRCROOT"}};
            }
            return {{"uri", "file://" + encode_path(file.generic_string())}};
        }
        return {{"uri", encode_path(fs::path{name}.generic_string())}};
    }

    json physical(const model::SourceRange& r) {
        if (!r.valid()) {
            return nullptr;
        }
        if (std::find(artifacts_.begin(), artifacts_.end(), r.file->name()) == artifacts_.end()) {
            artifacts_.push_back(r.file->name());
        }
        json region{{"startLine", r.line}, {"startColumn", std::max<std::uint32_t>(r.col, 1)}};
        if (r.end_col > r.col) {
            region["endColumn"] = r.end_col;
        }
        return {{"artifactLocation", artifact_location(r.file->name())}, {"region", region}};
    }

    json location(const model::SourceRange& r, const std::string& message) {
        json l = json::object();
        json p = physical(r);
        if (!p.is_null()) {
            l["physicalLocation"] = p;
        }
        if (!message.empty()) {
            l["message"] = {{"text", message}};
        }
        return l;
    }

    /// `m`: the model the finding was found in (nullptr when unknown).
    json result(const Finding& f, std::size_t number, const std::vector<Citation>& cited,
                const detail::TransitionOf& transition_of, const model::Model* m) {
        std::string text = f.message;
        if (!f.condition.always()) {
            text += " (when " + f.condition.to_string() + ")";
        }
        for (const Citation& c : cited) {
            if (!c.ref.empty()) {
                text += " [" + c.ref + "]";
            }
        }
        json r{{"ruleId", finding_code(f.kind)},
               {"ruleIndex", rule_index(f.kind)},
               {"level", level(f.severity)},
               {"message", {{"text", text}}},
               {"partialFingerprints", {{"lwm2mcFindingId/v1", f.id}}}};
        json locations = json::array();
        json here = location(f.range, "");
        here["logicalLocations"] = json::array({{{"name", f.subject}, {"fullyQualifiedName", f.id}}});
        locations.push_back(here);
        r["locations"] = locations;
        json related = json::array();
        int related_id = 1;
        json about = json::array();
        for (const Citation& c : cited) {
            json l = location(c.range, detail::citation_text(c));
            l["id"] = related_id++;
            related.push_back(std::move(l));
            about.push_back({{"element", c.element}, {"name", c.name}, {"description", c.description}, {"ref", c.ref}});
        }
        if (!related.empty()) {
            r["relatedLocations"] = related;
        }
        if (f.witness) {
            r["codeFlows"] = json::array({code_flow(*f.witness, transition_of, m)});
        }
        json properties{{"id", f.id},
                        {"subject", f.subject},
                        {"condition", f.condition.to_string()},
                        {"configurations", f.configurations},
                        {"about", about}};
        if (number > 0) {
            properties["number"] = number;
        }
        r["properties"] = properties;
        return r;
    }

    /// The witness as one thread flow: where it starts (the initial state's declaration), then a location per step.
    json code_flow(const Witness& w, const detail::TransitionOf& transition_of, const model::Model* m) {
        json locations = json::array();
        model::SourceRange initial;
        if (m != nullptr) {
            if (auto s = m->find_state(w.initial_state)) {
                initial = m->state(*s).range;
            }
        }
        locations.push_back(
            {{"location", location(initial, "start in " + w.initial_state + " [" + w.initial_vars + "]")},
             {"executionOrder", 0}});
        std::string vars = w.initial_vars;
        for (std::size_t i = 0; i < w.steps.size(); ++i) {
            const TraceStep& s = w.steps[i];
            const model::Transition* t = transition_of(s);
            std::string changed = detail::changed_vars(vars, s.vars);
            std::string text = fmt::format("{} --{} ({})--> {}", detail::step_source(s), s.event,
                                           model::qualified_actor_name(s.actor, s.peer), detail::step_target(s));
            if (!changed.empty()) {
                text += " [" + changed + "]";
            }
            if (s.duration > 0) {
                text += fmt::format(" +{} s", s.duration);
            }
            if (t != nullptr && !t->ref.empty()) {
                text += " (" + t->ref + ")";
            }
            json step{{"location", location(s.range, text)},
                      {"executionOrder", i + 1},
                      {"properties",
                       {{"transition", s.transition},
                        {"vars", s.vars},
                        {"ref", t != nullptr ? t->ref : std::string{}},
                        {"description", t != nullptr ? t->doc : std::string{}}}}};
            locations.push_back(std::move(step));
            vars = s.vars;
        }
        std::string message =
            "witness" + detail::witness_under(w, [](const std::string& c) { return c; }) + ", from " + w.initial_state;
        for (const std::string& note : w.notes) {
            message += "; " + note;
        }
        return {{"message", {{"text", message}}}, {"threadFlows", json::array({{{"locations", locations}}})}};
    }

    void baseline(json& r, const std::string& id) const {
        for (const FindingChange& c : input_.diff->changes) {
            if (c.id != id) {
                continue;
            }
            switch (c.change) {
            case Change::New:
                r["baselineState"] = "new";
                break;
            case Change::Unchanged:
                r["baselineState"] = "unchanged";
                break;
            case Change::Widened:
            case Change::Narrowed:
            case Change::Changed:
                r["baselineState"] = "updated";
                break;
            case Change::Resolved:
                r["baselineState"] = "absent";
                break;
            case Change::Undecided:
                break;  // no claim about the baseline
            }
            json& p = r["properties"];
            p["change"] = change_name(c.change);
            p["base_condition"] = c.base ? json(c.base->condition.to_string()) : json(nullptr);
            if (!c.now_also.never()) {
                p["now_also"] = c.now_also.to_string();
            }
            if (!c.no_longer.never()) {
                p["no_longer"] = c.no_longer.to_string();
            }
            if (!c.why_undecided.empty()) {
                p["why_undecided"] = c.why_undecided;
            }
            return;
        }
    }

    const ReportInput& input_;
    const SarifOptions& options_;
    detail::Citer citer_;
    std::vector<std::string> artifacts_{};
};

}  // namespace

std::string to_sarif(const ReportInput& input, const SarifOptions& options) {
    Writer writer{input, options};
    return writer.log().dump(2, ' ', false, json::error_handler_t::replace);
}

}  // namespace lwm2mc::checker
