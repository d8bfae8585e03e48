// SPDX-License-Identifier: Apache-2.0
#include "diagram.hpp"

#include "lwm2mc/checker/report.hpp"
#include "lwm2mc/diagrams/render.hpp"
#include "lwm2mc/model/interpreter.hpp"
#include "lwm2mc/model/loader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

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
    case FindingKind::Deadlock:
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

/// Where a witness ends: the target of its last step, or its initial state.
std::optional<model::StateId> witness_end(const model::Model& m, const Finding& f) {
    if (!f.witness) {
        return std::nullopt;
    }
    const std::string& name = f.witness->steps.empty() ? f.witness->initial_state : f.witness->steps.back().target;
    return m.find_state(name);
}

std::string condition_text(const Finding& f) {
    return f.condition.always() ? std::string{} : f.condition.to_string();
}

}  // namespace

diagrams::Highlights highlights_from(const model::Model& m, const checker::CheckResult& result) {
    diagrams::Highlights h;
    // State findings of one kind and one condition are one mark: "no recovery from Init, BsHoldOff, ...".
    std::map<std::pair<int, std::string>, std::size_t> grouped;
    for (const Finding& f : result.findings) {
        auto kind = mark_kind(f.kind);
        if (!kind || f.condition.never()) {
            continue;
        }
        const std::string condition = condition_text(f);
        if (*kind == MarkKind::Unreachable || *kind == MarkKind::NoRecovery || *kind == MarkKind::Deadlock) {
            auto state = m.find_state(f.subject);
            if (!state) {
                continue;
            }
            auto key = std::make_pair(static_cast<int>(*kind), condition);
            auto it = grouped.find(key);
            if (it == grouped.end()) {
                it = grouped.emplace(key, h.marks.size()).first;
                diagrams::Mark mark;
                mark.kind = *kind;
                mark.condition = condition;
                h.marks.push_back(std::move(mark));
            }
            auto& mark = h.marks[it->second];
            mark.states.push_back(*state);
            mark.id += (mark.id.empty() ? "" : " ") + f.id;
            continue;
        }
        diagrams::Mark mark;
        mark.kind = *kind;
        mark.id = f.id;
        mark.summary = f.message;
        mark.condition = condition;
        if (*kind == MarkKind::Ambiguity) {
            // subject: "first / second"
            const auto slash = f.subject.find(" / ");
            if (slash != std::string::npos) {
                for (const auto& name : {f.subject.substr(0, slash), f.subject.substr(slash + 3)}) {
                    if (auto t = m.find_transition(name)) {
                        mark.transitions.push_back(*t);
                    }
                }
            }
        } else if (auto end = witness_end(m, f)) {
            mark.states.push_back(*end);
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
    }
    if (options.proposal) {
        dot.title = m.name;
        if (!m.title.empty()) {
            dot.title += "\n" + m.title;
        }
    }

    diagrams::Highlights highlights;
    if (options.findings || options.trace) {
        checker::CheckOptions check_options;
        check_options.engine = options.engine;
        check_options.fixed = dot.fixed;
        checker::CheckResult result;
        try {
            result = checker::check(m, check_options);
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
            diagrams::TraceOverlay trace;
            trace.title = fmt::format("{} under {}", it->id, it->witness->configuration);
            for (const auto& step : it->witness->steps) {
                auto t = m.find_transition(step.transition);
                if (!t) {
                    return fail(io, ExitCode::Internal,
                                fmt::format("witness step '{}' is not a transition of the model", step.transition));
                }
                trace.steps.push_back(*t);
            }
            trace.end = witness_end(m, *it);
            highlights.trace = std::move(trace);
            if (!options.findings) {
                // Only the finding the witness belongs to.
                checker::CheckResult only;
                only.findings.push_back(*it);
                highlights.marks = highlights_from(m, only).marks;
            }
        }
        if (options.findings) {
            highlights.marks = highlights_from(m, result).marks;
        }
    }

    const std::string text = diagrams::to_dot(m, dot, highlights);
    std::string data;
    try {
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
