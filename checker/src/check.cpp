// SPDX-License-Identifier: Apache-2.0
#include "lwm2mc/checker/check.hpp"

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
