// SPDX-License-Identifier: Apache-2.0
#include "lwm2mc/checker/check.hpp"

#include "lwm2mc/model/monitor.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <new>
#include <tuple>

#include "parameter_roles.hpp"

namespace lwm2mc::checker {

const char* finding_code(FindingKind kind) {
    switch (kind) {
    case FindingKind::UnreachableState:
        return "unreachable-state";
    case FindingKind::Deadlock:
        return "deadlock";
    case FindingKind::NoRecovery:
        return "no-recovery";
    case FindingKind::NeedsIntervention:
        return "needs-intervention";
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
    case FindingKind::DeadRegionState:
        return "dead-region-state";
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
    case Engine::Auto:
        return "auto";
    }
    return "explicit";
}

std::optional<Engine> parse_engine(const std::string& name) {
    for (Engine e : {Engine::Auto, Engine::Z3, Engine::Explicit, Engine::Both}) {
        if (name == engine_name(e) || (e == Engine::Both && name == "both")) {
            return e;
        }
    }
    return std::nullopt;
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

std::optional<std::uint64_t> explicit_configurations(const model::Model& model, const CheckOptions& options) {
    if (!model.event_properties.empty()) {  // the engine runs on the copy with the monitors
        return explicit_configurations(model::instrument_event_properties(model), options);
    }
    ParamRoles roles = classify_parameters(model, options);
    std::size_t n = model.parameters.size();
    const auto& enumerated = roles.structural;
    std::uint64_t total = 1;
    for (std::size_t i = 0; i < n; ++i) {
        if (!enumerated[i]) {
            continue;
        }
        const model::Type& type = model.parameters[i].type;
        // hi - lo + 1 in unsigned arithmetic: 0 after wrapping means 2^64 values
        std::uint64_t size = static_cast<std::uint64_t>(type.hi) - static_cast<std::uint64_t>(type.lo) + 1U;
        if (size == 0 || total > options.max_configurations / size) {
            return std::nullopt;
        }
        total *= size;
    }
    return total;
}

namespace {

bool contains(const std::vector<FindingKind>& kinds, FindingKind k) {
    return std::find(kinds.begin(), kinds.end(), k) != kinds.end();
}

/// The explicit engine, contained: any failure is an undecided item and every kind unchecked.
struct ExplicitRun {
    CheckResult result{};
    bool gave_up{false};  ///< no configuration was examined
};

ExplicitRun run_explicit(const model::Model& model, const CheckOptions& options) {
    ExplicitRun run;
    std::string why;
    try {
        run.result = check_explicit(model, options);
        // it refused to enumerate (too many configurations) or could not evaluate the constraints:
        // it checked nothing
        run.gave_up = run.result.configurations == 0 && !run.result.unknown.empty();
        if (run.gave_up) {
            run.result.unchecked.assign(std::begin(kAllFindingKinds), std::end(kAllFindingKinds));
        }
        return run;
    } catch (const std::bad_alloc&) {
        why = "out of memory";
    } catch (const std::exception& e) {
        why = std::string("internal error: ") + e.what();
    } catch (...) {
        why = "unknown internal error";
    }
    run.result = CheckResult{};
    run.result.model_name = model.name;
    run.result.engine = Engine::Explicit;
    run.result.unknown.push_back("the explicit engine failed: " + why);
    run.result.unchecked.assign(std::begin(kAllFindingKinds), std::end(kAllFindingKinds));
    run.gave_up = true;
    return run;
}

/// What is left of the run's time limit (CheckOptions::time_limit_ms, 0: none) since `start`, for
/// the second engine of a run; at least 1 ms, so that it means "none left", not "no limit".
std::uint64_t time_left(const CheckOptions& options, std::chrono::steady_clock::time_point start) {
    if (options.time_limit_ms == 0) {
        return 0;
    }
    auto spent = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    auto used = static_cast<std::uint64_t>(std::max<std::int64_t>(spent.count(), 0));
    return used >= options.time_limit_ms ? 1 : options.time_limit_ms - used;
}

/// --engine both: each engine contained on its own, then compared finding by finding.
CheckResult check_both(const model::Model& model, const CheckOptions& options) {
    auto start = std::chrono::steady_clock::now();
    CheckOptions explicit_options = options;
    explicit_options.engine = Engine::Explicit;
    ExplicitRun other = run_explicit(model, explicit_options);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (seconds * 1000.0 > options.progress_after_ms) {
        try {
            detail::progress_line(options,
                                  fmt::format("lwm2mc: explicit engine: done, {} configurations, {} product states "
                                              "({:.1f} s); now the z3 engine",
                                              other.result.configurations, other.result.product_states, seconds));
        } catch (...) {
            // a progress sink that fails loses its line, not the answer
        }
    }
    CheckOptions z3_options = options;
    z3_options.time_limit_ms = time_left(options, start);
    z3_options.engine = Engine::Z3;
    detail::Z3Run z3 = detail::run_z3(model, z3_options, other.gave_up ? nullptr : &other.result);

    if (z3.gave_up) {
        // Z3 could not compute the reachable states: report the explicit engine's exact
        // per-configuration answer and say that the symbolic engine gave up
        CheckResult result = std::move(other.result);
        result.unknown.insert(result.unknown.begin(), "z3 engine gave up; the explicit engine's answer is reported");
        for (std::size_t i = 0; i < z3.result.unknown.size(); ++i) {
            result.unknown.insert(result.unknown.begin() + static_cast<std::ptrdiff_t>(i + 1),
                                  "z3 engine: " + z3.result.unknown[i]);
        }
        result.engine = Engine::Both;
        return result;
    }
    CheckResult result = std::move(z3.result);
    result.engine = Engine::Both;
    for (auto& u : result.unknown) {
        u.insert(0, "z3 engine: ");
    }
    result.configurations = other.result.configurations;
    result.product_states = other.result.product_states;
    for (const auto& u : other.result.unknown) {
        result.unknown.push_back("explicit engine: " + u);
    }
    if (other.gave_up) {
        result.unknown.push_back(
            "no cross-check: the explicit engine gave up (could not enumerate the configurations); the z3 engine's "
            "answer is reported");
        return result;
    }
    // kinds that Z3 left undecided (in part) and the explicit engine checked: its answer is reported
    std::vector<FindingKind> from_explicit;
    for (FindingKind k : kAllFindingKinds) {
        if (contains(result.unchecked, k) && !contains(other.result.unchecked, k)) {
            from_explicit.push_back(k);
        }
    }
    if (!from_explicit.empty()) {
        std::string names;
        for (FindingKind k : from_explicit) {
            names += (names.empty() ? "" : ", ") + std::string(finding_code(k));
        }
        result.unknown.push_back(fmt::format(
            "z3 engine gave up on some {} findings; the explicit engine's answer is reported for those kinds", names));
        std::erase_if(result.findings, [&](const Finding& f) { return contains(from_explicit, f.kind); });
        for (const Finding& f : other.result.findings) {
            if (contains(from_explicit, f.kind)) {
                result.findings.push_back(f);
            }
        }
        std::erase_if(result.unchecked, [&](FindingKind k) { return contains(from_explicit, k); });
        sort_findings(result.findings);
    }
    std::map<std::string, const Finding*> by_id;
    for (const auto& f : other.result.findings) {
        by_id[f.id] = &f;
    }
    // a kind one engine did not check (fully) is not compared; that is reported as undecided already
    auto compared = [&](FindingKind k) {
        return !contains(other.result.unchecked, k) && !contains(result.unchecked, k) && !contains(from_explicit, k);
    };
    for (auto& f : result.findings) {
        if (!compared(f.kind)) {
            continue;
        }
        auto it = by_id.find(f.id);
        if (it == by_id.end()) {
            result.unknown.push_back(
                fmt::format("engines disagree: only Z3 reports '{}' (when {})", f.id, f.condition.to_string()));
            continue;
        }
        f.configurations = it->second->configurations;
        auto agreement = z3.agreement.find(f.id);
        detail::Agreement a = agreement == z3.agreement.end() ? detail::Agreement::Unknown : agreement->second;
        if (a == detail::Agreement::Differ) {
            result.unknown.push_back(fmt::format("engines disagree on the condition of '{}': z3 {}; explicit {}", f.id,
                                                 f.condition.to_string(), it->second->condition.to_string()));
        } else if (a == detail::Agreement::Unknown) {
            result.unknown.push_back(fmt::format("could not compare the engines' conditions of '{}' (the solver "
                                                 "gave up): z3 {}; explicit {}",
                                                 f.id, f.condition.to_string(), it->second->condition.to_string()));
        }
        by_id.erase(it);
    }
    for (const auto& [id, f] : by_id) {
        if (!compared(f->kind)) {
            continue;
        }
        result.unknown.push_back(fmt::format("engines disagree: only the explicit engine reports '{}' (when {})", id,
                                             f->condition.to_string()));
    }
    return result;
}

CheckResult check_auto(const model::Model& model, const CheckOptions& options) {
    auto start = std::chrono::steady_clock::now();
    CheckOptions chosen = options;
    auto count = explicit_configurations(model, options);
    if (count) {
        chosen.engine = Engine::Explicit;
        ExplicitRun run = run_explicit(model, chosen);
        if (!run.gave_up) {
            run.result.engine = Engine::Explicit;
            run.result.engine_reason =
                fmt::format("auto: the explicit engine enumerates the parameters' {} valuation{} (at most {})", *count,
                            *count == 1 ? "" : "s", options.max_configurations);
            return run.result;
        }
        chosen.engine = Engine::Z3;
        chosen.time_limit_ms = time_left(options, start);
        CheckResult result = detail::run_z3(model, chosen, nullptr).result;
        result.engine = Engine::Z3;
        std::string why = run.result.unknown.empty() ? std::string("no reason given") : run.result.unknown.front();
        result.engine_reason = fmt::format("auto: the explicit engine gave up ({}); the z3 engine decided", why);
        return result;
    }
    chosen.engine = Engine::Z3;
    CheckResult result = detail::run_z3(model, chosen, nullptr).result;
    result.engine = Engine::Z3;
    result.engine_reason = fmt::format("auto: the explicit engine would enumerate more than {} configurations",
                                       options.max_configurations);
    return result;
}

}  // namespace

CheckResult check(const model::Model& model, const CheckOptions& options) {
    switch (options.engine) {
    case Engine::Explicit:
        return run_explicit(model, options).result;
    case Engine::Z3:
        return detail::run_z3(model, options, nullptr).result;
    case Engine::Both:
        return check_both(model, options);
    case Engine::Auto:
        return check_auto(model, options);
    }
    return run_explicit(model, options).result;
}

}  // namespace lwm2mc::checker
