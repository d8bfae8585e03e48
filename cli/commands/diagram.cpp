// SPDX-License-Identifier: Apache-2.0
#include "diagram.hpp"

#include "lwm2mc/checker/report.hpp"
#include "lwm2mc/diagrams/render.hpp"
#include "lwm2mc/model/interpreter.hpp"
#include "lwm2mc/model/loader.hpp"
#include "lwm2mc/model/model_diff.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace lwm2mc::cli {

using checker::Finding;
using checker::FindingKind;
using diagrams::MarkKind;

namespace {

std::optional<MarkKind> mark_kind(FindingKind k) {
    switch (k) {
    case FindingKind::UnreachableState:
        return MarkKind::Unreachable;
    case FindingKind::NoRecovery:
        return MarkKind::NoRecovery;
    case FindingKind::NeedsIntervention:
        return MarkKind::NeedsIntervention;
    case FindingKind::Deadlock:
    case FindingKind::DeadRegionState:  // drawn on the region state: triple border
        return MarkKind::Deadlock;
    case FindingKind::Ambiguity:
        return MarkKind::Ambiguity;
    case FindingKind::Invariant:
    case FindingKind::Reachable:
    case FindingKind::Recover:
    case FindingKind::Within:
    case FindingKind::EvaluationError:
        return MarkKind::Property;
    }
    return std::nullopt;
}

std::string condition_text(const Finding& f) {
    return f.condition.always() ? std::string{} : f.condition.to_string();
}

}  // namespace

diagrams::Highlights highlights_from(const model::Model& m, const checker::CheckResult& result,
                                     const std::vector<std::size_t>& numbers,
                                     const std::map<std::string, FindingNote>& notes) {
    diagrams::Highlights h;
    // State findings of one kind, one condition (and one change) are one mark: "no recovery from Init, ...".
    std::map<std::tuple<int, std::string, std::string>, std::size_t> grouped;
    for (std::size_t i = 0; i < result.findings.size(); ++i) {
        const Finding& f = result.findings[i];
        auto kind = mark_kind(f.kind);
        if (!kind || f.condition.never()) {
            continue;
        }
        // check's number: the finding's position in the report (1-based), unless the caller numbers them.
        const std::size_t number = i < numbers.size() ? numbers[i] : i + 1;
        const auto note = notes.find(f.id);
        const FindingNote none;
        const FindingNote& about = note == notes.end() ? none : note->second;
        const std::string condition = condition_text(f);
        // A mark of this finding alone (not grouped with others of its kind and condition).
        const auto own_mark = [&] {
            diagrams::Mark mark;
            mark.kind = *kind;
            mark.id = f.id;
            mark.summary = f.message;
            mark.condition = condition;
            mark.numbers.push_back(number);
            mark.change = about.change;
            mark.detail = about.detail;
            return mark;
        };
        if (*kind == MarkKind::Unreachable || *kind == MarkKind::NoRecovery || *kind == MarkKind::NeedsIntervention ||
            *kind == MarkKind::Deadlock) {
            if (f.region_state) {
                // A region state's finding: a mark of its own (the legend names each region state), as ambiguities.
                diagrams::Mark mark = own_mark();
                mark.region_states.push_back({f.region_state->region, f.region_state->state});
                h.marks.push_back(std::move(mark));
                continue;
            }
            if (f.states.empty()) {
                continue;
            }
            const model::StateId state = f.states.front();
            auto key = std::make_tuple(static_cast<int>(*kind), condition, about.change + "\n" + about.detail);
            auto it = grouped.find(key);
            if (it == grouped.end()) {
                it = grouped.emplace(key, h.marks.size()).first;
                diagrams::Mark mark;
                mark.kind = *kind;
                mark.condition = condition;
                mark.change = about.change;
                mark.detail = about.detail;
                h.marks.push_back(std::move(mark));
            }
            auto& mark = h.marks[it->second];
            mark.states.push_back(state);
            mark.numbers.push_back(number);
            mark.id += (mark.id.empty() ? "" : " ") + f.id;
            continue;
        }
        diagrams::Mark mark = own_mark();
        if (*kind == MarkKind::Ambiguity) {
            mark.transitions = f.transitions;
        } else if (f.witness) {
            mark.states.push_back(f.witness->end);
        }
        h.marks.push_back(std::move(mark));
    }
    for (auto& mark : h.marks) {
        if (!mark.summary.empty()) {
            continue;
        }
        std::string names;
        for (auto s : mark.states) {
            names += (names.empty() ? "" : ", ") + m.state(s).name;
        }
        switch (mark.kind) {
        case MarkKind::Unreachable:
            mark.summary = mark.condition.empty() ? "never reached: " + names : "not reached: " + names;
            break;
        case MarkKind::NoRecovery:
            mark.summary = "no relied-on path back to a goal state from " + names;
            break;
        case MarkKind::NeedsIntervention:
            mark.summary = "only an operator step (power cycle, Reboot, Factory Reset) leads back to a goal state "
                           "from " +
                           names;
            break;
        case MarkKind::Deadlock:
            mark.summary = "runs stop in " + names;
            break;
        case MarkKind::Ambiguity:
        case MarkKind::Property:
            break;
        }
    }
    return h;
}

diagrams::Highlights proposal_highlights(const model::Model& proposal, const checker::CheckResult& result,
                                         const model::Model& base, const checker::CheckResult& base_result,
                                         const checker::ProposalDiff& diff) {
    using checker::Change;
    std::map<std::string, FindingNote> notes;
    checker::CheckResult resolved;
    std::vector<std::size_t> resolved_numbers;
    for (const auto& c : diff.changes) {
        FindingNote note;
        note.change = c.change == Change::Unchanged ? "" : checker::change_name(c.change);
        if (!c.now_also.never() && c.change != Change::New) {
            note.detail = "now also when " + c.now_also.to_string();
        }
        if (!c.no_longer.never() && c.change != Change::Resolved) {
            note.detail += (note.detail.empty() ? "" : "; ") + ("no longer when " + c.no_longer.to_string());
        }
        if (!c.why_undecided.empty()) {
            note.detail += (note.detail.empty() ? "" : "; ") + ("not compared: " + c.why_undecided);
        }
        if (c.change == Change::Resolved && c.base) {
            // Not in the proposal: it keeps the number the base's report gives it.
            const auto it = std::find_if(base_result.findings.begin(), base_result.findings.end(),
                                         [&](const Finding& f) { return f.id == c.id; });
            resolved.findings.push_back(*c.base);
            resolved_numbers.push_back(static_cast<std::size_t>(it - base_result.findings.begin()) + 1);
            continue;
        }
        notes[c.id] = note;
    }
    auto h = highlights_from(proposal, result, {}, notes);
    for (auto& mark : highlights_from(base, resolved, resolved_numbers).marks) {
        mark.resolved = true;
        mark.change = checker::change_name(Change::Resolved);
        h.marks.push_back(std::move(mark));
    }
    return h;
}

std::optional<diagrams::TraceOverlay> trace_overlay(const Finding& finding) {
    if (!finding.witness) {
        return std::nullopt;
    }
    diagrams::TraceOverlay trace;
    trace.title = fmt::format("{} under {}", finding.id, finding.witness->configuration);
    for (const auto& step : finding.witness->steps) {
        trace.steps.push_back(step.id);
    }
    trace.end = finding.witness->end;
    return trace;
}

namespace {

using nlohmann::json;

/// The whole file. Not model::read_file: its 16 MiB cap suits model files, while a suite merged over every
/// configuration class of the shipped model is already about that size.
std::optional<std::string> read_suite_file(const std::string& path, std::string& error) {
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (ec || !std::filesystem::exists(status)) {
        error = "no such file";
        return std::nullopt;
    }
    if (!std::filesystem::is_regular_file(status)) {
        error = "not a regular file";
        return std::nullopt;
    }
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in || in.bad()) {
        error = "read error";
        return std::nullopt;
    }
    return std::move(text).str();
}

/// 1-based line and column of the character at 0-based `index` (nlohmann reports how many bytes it read; its own
/// column is 0 right after a newline).
std::pair<std::size_t, std::size_t> line_column(const std::string& text, std::size_t index) {
    std::size_t line = 1;
    std::size_t column = 1;
    for (std::size_t i = 0; i < index && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++line;
            column = 1;
        } else {
            ++column;
        }
    }
    return {line, column};
}

/// Walks the cases of a suite document and counts the transitions its steps name (docs/testing.md).
class SuiteReader {
public:
    SuiteReader(const model::Model& m, const std::string& file, std::ostream& err) : m_{m}, file_{file}, err_{err} {}

    void suite(const json& suite, const std::string& at) {
        const json* cases = array_member(suite, "cases", at);
        for (std::size_t c = 0; cases != nullptr && c < cases->size(); ++c) {
            const std::string case_at = fmt::format("{}/cases/{}", at, c);
            if (const json* steps = array_member((*cases)[c], "steps", case_at)) {
                this->steps(*steps, case_at + "/steps", true);
            }
        }
    }

    /// Reports the transitions the model does not have, each once in document order (the first
    /// kMaxUnknownReported). False when there was any error.
    bool finish() {
        constexpr std::size_t kMaxUnknownReported = 10;
        for (std::size_t i = 0; i < unknown_.size() && i < kMaxUnknownReported; ++i) {
            err_ << fmt::format("{}: error: transition '{}' (at {}) is not in model '{}': the suite was made from "
                                "another model or proposal\n",
                                file_, unknown_[i].first, unknown_[i].second, m_.name);
        }
        if (unknown_.size() > kMaxUnknownReported) {
            err_ << fmt::format("{}: error: and {} more transitions that model '{}' does not have\n", file_,
                                unknown_.size() - kMaxUnknownReported, m_.name);
        }
        return ok_ && unknown_.empty();
    }

    diagrams::Coverage coverage{};

    /// `container[key]` when it is an array; otherwise reports the structure error and returns nullptr.
    const json* array_member(const json& container, const char* key, const std::string& at) {
        if (!container.is_object() || !container.contains(key) || !container[key].is_array()) {
            structure_error(at, fmt::format("expected an object with an array '{}'", key));
            return nullptr;
        }
        return &container[key];
    }

    void structure_error(const std::string& at, const std::string& what) {
        err_ << fmt::format("{}: error: {}: {}\n", file_, at.empty() ? "/" : at, what);
        ok_ = false;
    }

private:
    void steps(const json& steps, const std::string& at, bool planned) {
        for (std::size_t i = 0; i < steps.size(); ++i) {
            step(steps[i], fmt::format("{}/{}", at, i), planned);
        }
    }

    /// A step counts as planned inside a case's `steps`; its alternatives and their `then` steps count as covered
    /// only if the client chooses so.
    void step(const json& s, const std::string& at, bool planned) {
        transition(s, at, planned);
        if (!s.is_object() || !s.contains("alternatives")) {
            return;
        }
        const json* alternatives = array_member(s, "alternatives", at);
        for (std::size_t a = 0; alternatives != nullptr && a < alternatives->size(); ++a) {
            const json& alternative = (*alternatives)[a];
            const std::string alt_at = fmt::format("{}/alternatives/{}", at, a);
            transition(alternative, alt_at, false);
            if (alternative.is_object() && alternative.contains("then")) {
                if (const json* then = array_member(alternative, "then", alt_at)) {
                    steps(*then, alt_at + "/then", false);
                }
            }
        }
    }

    void transition(const json& s, const std::string& at, bool planned) {
        if (!s.is_object() || !s.contains("transition") || !s["transition"].is_string()) {
            structure_error(at, "expected an object with a string 'transition'");
            return;
        }
        const auto& name = s["transition"].get_ref<const std::string&>();
        const auto t = m_.find_transition(name);
        if (!t) {
            if (unknown_names_.insert(name).second) {
                unknown_.emplace_back(name, at + "/transition");
            }
            return;
        }
        ++(planned ? coverage.planned : coverage.if_chosen)[*t];
    }

    const model::Model& m_;
    const std::string& file_;
    std::ostream& err_;
    bool ok_{true};
    std::vector<std::pair<std::string, std::string>> unknown_{};  ///< name, where it first occurs (JSON pointer)
    std::set<std::string> unknown_names_{};
};

std::string string_member(const json& object, const char* key) {
    return object.is_object() && object.contains(key) && object[key].is_string() ? object[key].get<std::string>()
                                                                                 : std::string{};
}

}  // namespace

std::optional<SuiteCoverage> coverage_from_suite(const model::Model& model, const std::string& text,
                                                 const std::string& file, std::optional<std::size_t> suite,
                                                 std::ostream& err, int& exit_code) {
    exit_code = static_cast<int>(ExitCode::InvalidModel);
    json doc;
    try {
        doc = json::parse(text);
    } catch (const json::parse_error& e) {
        // what(): "[json.exception.parse_error.101] parse error at line 1, column 3: syntax error while ...".
        const std::string what = e.what();
        const auto detail = what.find(": ", what.find("parse error"));
        const auto [line, column] = line_column(text, e.byte > 0 ? e.byte - 1 : 0);
        err << fmt::format("{}:{}:{}: error: malformed JSON: {}\n", file, line, column,
                           detail == std::string::npos ? what : what.substr(detail + 2));
        return std::nullopt;
    }
    SuiteReader reader{model, file, err};
    const std::string format = string_member(doc, "format");
    if (format != "lwm2mc-suite/1") {
        reader.structure_error("/format", fmt::format("expected 'lwm2mc-suite/1'; got '{}'", format));
        return std::nullopt;
    }
    const std::string made_from = string_member(doc, "model");
    if (!made_from.empty() && made_from != model.name) {
        err << fmt::format("{}: warning: the suite was generated from model '{}'; drawing it on '{}'\n", file,
                           made_from, model.name);
    }
    const json* suites = reader.array_member(doc, "suites", "");
    if (suites == nullptr) {
        return std::nullopt;
    }
    // A suite is one configuration class; its number is its "class" (1-based), else its position.
    const auto class_number = [&](std::size_t i) {
        const json& s = (*suites)[i];
        return s.is_object() && s.contains("class") && s["class"].is_number_unsigned() ? s["class"].get<std::size_t>()
                                                                                       : i + 1;
    };
    std::vector<std::size_t> drawn;
    for (std::size_t i = 0; i < suites->size(); ++i) {
        if (!suite || class_number(i) == *suite) {
            drawn.push_back(i);
        }
    }
    if (suite && drawn.empty()) {
        std::string classes;
        for (std::size_t i = 0; i < suites->size(); ++i) {
            classes += fmt::format("{}{}", classes.empty() ? "" : ", ", class_number(i));
        }
        err << fmt::format("{}: error: --coverage-suite {}: no such configuration class; the document has {}\n", file,
                           *suite, classes.empty() ? "none" : "classes " + classes);
        return std::nullopt;
    }
    for (std::size_t i : drawn) {
        reader.suite((*suites)[i], fmt::format("/suites/{}", i));
    }
    if (!reader.finish()) {
        return std::nullopt;
    }

    SuiteCoverage result;
    diagrams::Coverage& coverage = result.coverage;
    coverage = std::move(reader.coverage);
    const std::string name = std::filesystem::path{file}.filename().string();
    const std::string criterion = string_member(doc, "criterion");
    const std::string suite_kind = criterion.empty() ? "suite" : "criterion " + criterion;
    if (drawn.size() == 1) {
        const std::string description = string_member((*suites)[drawn.front()], "class_description");
        coverage.title = fmt::format("{}, {}, class {} of {}{}", name, suite_kind, class_number(drawn.front()),
                                     suites->size(), description.empty() ? "" : ": " + description);
        const json& suite_doc = (*suites)[drawn.front()];
        if (suite_doc.contains("configuration") && suite_doc["configuration"].is_object()) {
            for (const auto& [parameter, value] : suite_doc["configuration"].items()) {
                if (value.is_string()) {
                    result.configuration += fmt::format("{}{}={}", result.configuration.empty() ? "" : ",", parameter,
                                                        value.get<std::string>());
                }
            }
        }
    } else {
        coverage.title = fmt::format("{}, {}, {} configuration classes merged", name, suite_kind, drawn.size());
    }
    exit_code = static_cast<int>(ExitCode::Ok);
    return result;
}

namespace {

int fail(const CommandIo& io, ExitCode code, const std::string& message) {
    io.err << "lwm2mc diagram: " << message << '\n';
    return static_cast<int>(code);
}

}  // namespace

int diagram_command(const DiagramCommandOptions& options, const CommandIo& io) {
    const auto format = diagrams::format_from_path(options.output);
    if (!format) {
        return fail(
            io, ExitCode::InvalidModel,
            fmt::format("cannot tell the format of '{}': the output must end in .svg, .png or .dot", options.output));
    }
    auto loaded = options.proposal ? model::load_with_overlay(options.model, *options.proposal)
                                   : model::load_model(options.model);
    model::print_diagnostics(io.err, loaded.diagnostics, io.verbose);
    if (!loaded.ok()) {
        const bool unreadable = std::any_of(loaded.diagnostics.begin(), loaded.diagnostics.end(),
                                            [](const model::Diagnostic& d) { return d.code == "E003"; });
        return static_cast<int>(unreadable ? ExitCode::IoError : ExitCode::InvalidModel);
    }
    const model::Model& m = *loaded.model;
    const model::Interpreter interp{m};
    // A proposal is drawn against its base: the base is loaded on its own too.
    std::optional<model::Model> base;
    if (options.proposal) {
        auto base_loaded = model::load_model(options.model);
        if (!base_loaded.ok()) {
            model::print_diagnostics(io.err, base_loaded.diagnostics, io.verbose);
            return static_cast<int>(ExitCode::InvalidModel);
        }
        base = std::move(base_loaded.model);
    }
    std::vector<std::optional<model::Value>> base_fixed;

    diagrams::Highlights highlights;
    std::string suite_configuration;
    if (options.coverage) {
        std::string error;
        const auto text = read_suite_file(*options.coverage, error);
        if (!text) {
            return fail(io, ExitCode::IoError, fmt::format("cannot read '{}': {}", *options.coverage, error));
        }
        int code = 0;
        auto suite = coverage_from_suite(m, *text, *options.coverage, options.coverage_suite, io.err, code);
        if (!suite) {
            return code;
        }
        highlights.coverage = std::move(suite->coverage);
        suite_configuration = std::move(suite->configuration);
    }

    diagrams::DotOptions dot;
    dot.legend = options.legend;
    if (options.config) {
        std::string error;
        dot.fixed = interp.parse_assignment(*options.config, error);
        if (!error.empty()) {
            return fail(io, ExitCode::InvalidModel, "--config: " + error);
        }
        for (std::size_t p = 0; p < dot.fixed.size(); ++p) {
            if (dot.fixed[p]) {
                dot.configuration_text +=
                    fmt::format("{}{}={}", dot.configuration_text.empty() ? "" : ", ", m.parameters[p].name,
                                m.format_value(m.parameters[p].type, *dot.fixed[p]));
            }
        }
        if (base) {
            base_fixed = model::Interpreter{*base}.parse_assignment(*options.config, error);
            if (!error.empty()) {
                return fail(io, ExitCode::InvalidModel, "--config on the base model: " + error);
            }
        }
    }
    if (!options.config && !suite_configuration.empty()) {
        // One class drawn: grey what its configuration disables (the title already names the configuration).
        std::string error;
        dot.fixed = interp.parse_assignment(suite_configuration, error);
        if (!error.empty()) {
            io.err << fmt::format("{}: error: /configuration: {}\n", *options.coverage, error);
            return static_cast<int>(ExitCode::InvalidModel);
        }
    }
    if (options.proposal) {
        dot.title = m.name;
        if (!m.title.empty()) {
            dot.title += "\n" + m.title;
        }
    }

    diagrams::Highlights base_highlights;
    if (options.findings || options.trace) {
        checker::CheckOptions check_options;
        check_options.engine = options.engine;
        check_options.fixed = dot.fixed;
        checker::CheckResult result;
        std::optional<checker::ProposalDiff> compared;
        checker::CheckResult base_result;
        try {
            result = checker::check(m, check_options);
            if (base && options.findings) {
                // As `check --proposal` does: the same options for both, findings paired by id.
                checker::CheckOptions base_options = check_options;
                base_options.fixed = base_fixed;
                base_result = checker::check(*base, base_options);
                checker::CompareOptions compare_options;
                compare_options.solver_timeout_ms = check_options.solver_timeout_ms;
                compared = checker::compare(*base, base_result, m, result, compare_options);
            }
        } catch (const checker::SolverError& e) {
            return fail(io, ExitCode::IoError, std::string{"solver error: "} + e.what());
        }
        if (options.trace) {
            auto it = std::find_if(result.findings.begin(), result.findings.end(),
                                   [&](const Finding& f) { return f.id == *options.trace; });
            if (it == result.findings.end()) {
                std::string ids;
                for (const auto& f : result.findings) {
                    if (f.witness) {
                        ids += "\n  " + f.id;
                    }
                }
                return fail(io, ExitCode::InvalidModel,
                            fmt::format("--trace: no finding '{}'; findings with a witness:{}", *options.trace,
                                        ids.empty() ? " none" : ids));
            }
            if (!it->witness) {
                return fail(io, ExitCode::InvalidModel, fmt::format("--trace: finding '{}' has no witness", it->id));
            }
            highlights.trace = trace_overlay(*it);
            if (!options.findings) {
                // Only the finding the witness belongs to.
                checker::CheckResult only;
                only.findings.push_back(*it);
                highlights.marks =
                    highlights_from(m, only, {static_cast<std::size_t>(it - result.findings.begin()) + 1}).marks;
            }
        }
        if (options.findings) {
            highlights.marks = compared ? proposal_highlights(m, result, *base, base_result, *compared).marks
                                        : highlights_from(m, result).marks;
            if (base) {
                base_highlights = highlights_from(*base, base_result);
            }
        }
    }

    std::string data;
    try {
        std::string text;
        if (base) {
            const model::ModelDiff diff = model::diff_models(*base, m);
            const diagrams::ProposalInput input{*base, m, diff, std::move(base_highlights), std::move(base_fixed)};
            text = diagrams::proposal_dot(input, dot, highlights);
        } else {
            text = diagrams::to_dot(m, dot, highlights);
        }
        data = diagrams::render(text, *format);
    } catch (const diagrams::RenderError& e) {
        return fail(io, ExitCode::IoError, e.what());
    }
    std::string error;
    if (!model::write_file_atomically(options.output, data, error)) {
        return fail(io, ExitCode::IoError, fmt::format("cannot write '{}': {}", options.output, error));
    }
    return static_cast<int>(ExitCode::Ok);
}

}  // namespace lwm2mc::cli
