// SPDX-License-Identifier: Apache-2.0
#pragma once

// Test support: a seeded generator of small random models (with overlays) and the check that
// every engine agrees on one of them. Used by checker_tests (a CI sample) and by
// bench/checker_agreement (the full sweep). No GoogleTest here, so the bench links it too.

#include "lwm2mc/checker/check.hpp"
#include "lwm2mc/model/loader.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace lwm2mc::test {

/// One generated model: a base file and, for some seeds, an overlay on it.
struct RandomModel {
    unsigned seed{0};
    std::string base{};                    ///< text of base.lwm2m
    std::optional<std::string> overlay{};  ///< text of overlay.lwm2m (`overlay ... on "base.lwm2m"`)
    std::string features{};                ///< what the seed exercises, e.g. "wide-var counter 2-timing overlay"
};

/// The model of `seed`. Deterministic: the same seed gives the same text on every platform (the
/// generator uses std::mt19937's specified output, not the library's distributions).
RandomModel generate_random_model(unsigned seed);

/// Writes `base.lwm2m` (and `overlay.lwm2m`) into `dir` (created) and loads the model from there:
/// the overlay file through load_model, which applies it to the base its header names.
model::LoadResult load_random_model(const RandomModel& m, const std::filesystem::path& dir);

/// Writes `seed-N.lwm2m` (and `seed-N.overlay.lwm2m`, its header naming `seed-N.lwm2m`) into `dir`,
/// for a reproducer that loads with `lwm2mc check seed-N.overlay.lwm2m`. Returns the file to check.
std::filesystem::path save_reproducer(const RandomModel& m, const std::filesystem::path& dir);

struct AgreementOptions {
    /// Z3 limits (per solver call, per run): a slow seed becomes undecided items, not a hang.
    unsigned solver_timeout_ms{2000};
    std::uint64_t time_limit_ms{6000};
    /// At most this many configurations are checked one by one with all parameters fixed.
    std::size_t oracle_configurations{64};
    /// Also run Engine::Auto with max_configurations = 1 so that it picks Z3 (compared with the oracle).
    bool auto_forced_to_z3{false};
};

/// What the engines said about one model.
struct Agreement {
    /// Both engines decided reachability, so Engine::Both compared them.
    bool cross_checked{false};
    /// Every way the engines or the oracle differ ("both: ...", "auto: ...", "oracle: ...").
    std::vector<std::string> disagreements{};
    /// Undecided items of Engine::Both that are not disagreements (Z3 time limits and the like).
    std::vector<std::string> undecided{};
    std::size_t findings{0};               ///< the explicit engine's findings
    std::size_t oracle_configurations{0};  ///< configurations checked with every parameter fixed
    bool auto_chose_explicit{false};
    /// Wall time of the parts, in seconds: Engine::Both, Engine::Explicit, Engine::Auto (both runs), the oracle.
    double seconds_both{0}, seconds_explicit{0}, seconds_auto{0}, seconds_oracle{0};
};

/// Runs Engine::Both, Engine::Explicit, Engine::Auto and the brute-force oracle (one explicit
/// run per configuration with every parameter fixed) on `m` and compares them:
/// * Both reports no "disagree" item;
/// * Auto's findings (ids and conditions) are the explicit engine's when it chose explicit, and
///   agree with the oracle when it chose Z3;
/// * each finding occurs in exactly the oracle's configurations that satisfy its condition, for the
///   explicit engine's conditions and for Z3's (where Z3 gives structured literals).
/// Configurations for the oracle: every value of small domains, the bounds and the values next to
/// every literal of a condition for wide ones; a seeded sample when there are more than
/// `options.oracle_configurations`.
/// The oracle alone, for one engine's result: the ways `result` differs from explicit runs with every
/// parameter fixed, over the configurations described at check_agreement (`seed` seeds the sample).
std::vector<std::string> oracle_disagreements(const model::Model& m, const checker::CheckResult& result, unsigned seed,
                                              std::size_t max_configurations);

Agreement check_agreement(const model::Model& m, unsigned seed, const AgreementOptions& options);

}  // namespace lwm2mc::test
