// SPDX-License-Identifier: Apache-2.0
#include "lwm2mc/checker/check.hpp"

#include <algorithm>
#include <tuple>

namespace lwm2mc::checker {

const char* finding_code(FindingKind kind) {
    switch (kind) {
    case FindingKind::UnreachableState:
        return "unreachable-state";
    case FindingKind::Deadlock:
        return "deadlock";
    case FindingKind::NoRecovery:
        return "no-recovery";
    case FindingKind::Ambiguity:
        return "ambiguity";
    case FindingKind::Invariant:
        return "invariant";
    case FindingKind::Reachable:
        return "reachable";
    case FindingKind::Recover:
        return "recover";
    case FindingKind::Within:
        return "within";
    case FindingKind::EvaluationError:
        return "evaluation-error";
    }
    return "finding";
}

const char* engine_name(Engine engine) {
    switch (engine) {
    case Engine::Explicit:
        return "explicit";
    case Engine::Z3:
        return "z3";
    case Engine::Both:
        return "z3+explicit";
    }
    return "explicit";
}

Finding make_finding(std::string id, FindingKind kind, Severity severity, std::string subject, model::SourceRange range,
                     std::string message) {
    Finding f;
    f.id = std::move(id);
    f.kind = kind;
    f.severity = severity;
    f.subject = std::move(subject);
    f.range = std::move(range);
    f.message = std::move(message);
    return f;
}

void sort_findings(std::vector<Finding>& findings) {
    std::stable_sort(findings.begin(), findings.end(), [](const Finding& x, const Finding& y) {
        return std::make_tuple(static_cast<int>(x.severity), x.range.line, x.range.col) <
               std::make_tuple(static_cast<int>(y.severity), y.range.line, y.range.col);
    });
}

CheckResult check(const model::Model& model, const CheckOptions& options) {
    switch (options.engine) {
    case Engine::Explicit:
        return check_explicit(model, options);
    case Engine::Z3:
    case Engine::Both:
        return check_z3(model, options);
    }
    return check_explicit(model, options);
}

}  // namespace lwm2mc::checker
