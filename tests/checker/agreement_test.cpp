// SPDX-License-Identifier: Apache-2.0
// Every engine agrees on random models from the seeded generator in random_models.cpp: Engine::Both
// finds no disagreement, Engine::Auto matches the explicit engine, and every finding's condition is
// exactly the set of configurations in which a run with all parameters fixed reports it. A CI sample;
// bench/checker_agreement.sh runs the full sweep of 1,000 seeds.

#include "lwm2mc/checker/check.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <set>
#include <thread>
#include <vector>

#include "../model/test_support.hpp"
#include "random_models.hpp"

namespace {

using namespace lwm2mc;

constexpr unsigned kFirstSeed = 1;
constexpr unsigned kSeeds = 100;

/// Seeds of the CI sample left out, each with the defect it shows (reproducers in
/// tests/data/models/agreement/).
const std::set<unsigned> kKnownFailing{};

std::filesystem::path scratch(unsigned seed) {
    return std::filesystem::path(testing::TempDir()) / fmt::format("lwm2mc-agreement-{}", seed);
}

TEST(RandomModels, GeneratorIsDeterministic) {
    for (unsigned seed : {1U, 17U, 999U}) {
        test::RandomModel a = test::generate_random_model(seed);

        test::RandomModel b = test::generate_random_model(seed);

        EXPECT_EQ(a.base, b.base);
        EXPECT_EQ(a.overlay, b.overlay);
    }
}

TEST(RandomModels, GeneratorCoversEveryFeature) {
    std::string features;
    std::size_t overlays = 0;
    for (unsigned seed = kFirstSeed; seed < kFirstSeed + kSeeds; ++seed) {
        test::RandomModel m = test::generate_random_model(seed);
        features += " " + m.features + " " + m.base + m.overlay.value_or("");
        overlays += m.overlay ? 1U : 0U;
    }

    for (const char* f : {"wide-counter",
                          " counter",
                          "wide-var[-32768..]",
                          "wide-var[0..]",
                          "enum-param",
                          "enum-var",
                          "no-timing",
                          "1-timing",
                          "n-timing",
                          "structural-timing",
                          "reachable ",
                          "invariant ",
                          "recover",
                          "within ",
                          "relying on",
                          "constraint ",
                          "persistent",
                          "volatile",
                          "reset all",
                          "remove transition",
                          "remove state X",
                          "replace ",
                          "state Y",
                          "int[0..4294967295]",
                          "int[-3..20]",
                          "n < limit",
                          " by choice",
                          "goal-condition",
                          "qualified-reliance",
                          "peer"}) {
        EXPECT_NE(features.find(f), std::string::npos) << f;
    }
    // conditional expressions, products by constants and event properties
    for (const char* f : {"conditional", "product", "event-next", "event-never", "event-respond", " next {", " * ",
                          "flag ? ", "property ev0"}) {
        EXPECT_NE(features.find(f), std::string::npos) << f;
    }
    EXPECT_GE(overlays, kSeeds / 4);
}

/// The oracle can fail: a result whose condition is wrong (a seeded mutant) is caught.
TEST(RandomModels, OracleCatchesAWrongCondition) {
    auto loaded = test::load_text(R"(model mutant;
parameter b: bool;
parameter h: int[0..100];
state A initial;
state B goal;
event go: client;
A + go [b] -> B after h;
property quick: within 40 from at(A);
)");
    ASSERT_TRUE(loaded.ok()) << model::format_diagnostics(loaded.diagnostics);
    checker::CheckOptions options;
    checker::CheckResult right = checker::check(*loaded.model, options);
    checker::CheckResult wrong = right;
    std::size_t mutated = 0;
    for (auto& f : wrong.findings) {
        if (f.kind == checker::FindingKind::Within) {
            f.condition.literals->front().front().value += 1;  // h > 41 for h > 40, or b for !b
            ++mutated;
        }
    }
    ASSERT_EQ(mutated, 1U);  // within fails when !b || h > 40

    auto clean = test::oracle_disagreements(*loaded.model, right, 1, 64);
    auto caught = test::oracle_disagreements(*loaded.model, wrong, 1, 64);

    EXPECT_TRUE(clean.empty()) << clean.front();
    EXPECT_EQ(caught.size(), 1U);
}

/// One seed of the sample, checked on a worker thread (every engine run has its own Z3 context).
struct SeedRun {
    test::RandomModel model{};
    std::string load_error{};
    test::Agreement agreement{};
};

SeedRun run_seed(unsigned seed, test::AgreementOptions options) {
    SeedRun run;
    run.model = test::generate_random_model(seed);
    try {
        auto loaded = test::load_random_model(run.model, scratch(seed));
        std::filesystem::remove_all(scratch(seed));
        if (!loaded.ok()) {
            run.load_error = model::format_diagnostics(loaded.diagnostics);
            return run;
        }
        options.auto_forced_to_z3 = seed % 10 == 0;
        run.agreement = test::check_agreement(*loaded.model, seed, options);
    } catch (const std::exception& e) {
        run.load_error = e.what();
    }
    return run;
}

TEST(RandomModels, EnginesAgree) {
    // smaller limits than the bench's so that the sample stays within a minute in a Debug build
    test::AgreementOptions options;
    options.solver_timeout_ms = 1500;
    options.time_limit_ms = 3000;
    options.oracle_configurations = 32;
    std::vector<unsigned> seeds;
    for (unsigned seed = kFirstSeed; seed < kFirstSeed + kSeeds; ++seed) {
        if (!kKnownFailing.contains(seed)) {
            seeds.push_back(seed);
        }
    }
    std::vector<SeedRun> runs(seeds.size());
    std::atomic<std::size_t> next{0};
    auto start = std::chrono::steady_clock::now();

    // two workers: the machines this runs on have two cores
    std::vector<std::thread> workers;
    for (unsigned w = 0; w < std::clamp(std::thread::hardware_concurrency(), 1U, 2U); ++w) {
        workers.emplace_back([&] {
            for (std::size_t i = next++; i < seeds.size(); i = next++) {
                runs[i] = run_seed(seeds[i], options);
            }
        });
    }
    for (auto& w : workers) {
        w.join();
    }

    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::size_t agreed = 0, not_cross_checked = 0, undecided_items = 0, oracle_configs = 0, findings = 0;
    double z3_seconds = 0;
    for (std::size_t i = 0; i < seeds.size(); ++i) {
        const SeedRun& run = runs[i];
        const test::Agreement& a = run.agreement;
        std::string text = run.model.base + (run.model.overlay ? "---- overlay\n" + *run.model.overlay : "");
        ASSERT_TRUE(run.load_error.empty()) << "seed " << seeds[i] << ":\n" << text << run.load_error;
        for (const auto& d : a.disagreements) {
            ADD_FAILURE() << "seed " << seeds[i] << " (" << run.model.features << "): " << d << "\n" << text;
        }
        for (const auto& u : a.undecided) {
            std::cout << "seed " << seeds[i] << ": undecided: " << u << "\n";
        }
        undecided_items += a.undecided.size();
        oracle_configs += a.oracle_configurations;
        findings += a.findings;
        z3_seconds += a.seconds_both + a.seconds_auto;
        not_cross_checked += a.cross_checked ? 0U : 1U;
        agreed += a.cross_checked && a.disagreements.empty() ? 1U : 0U;
    }
    std::cout << fmt::format("{} seeds: {} agreed, {} not cross-checked (z3 gave up reachability), {} undecided "
                             "items, {} findings, {} oracle configurations, {:.1f} s ({:.1f} s in runs with z3, "
                             "summed over {} workers)\n",
                             seeds.size(), agreed, not_cross_checked, undecided_items, findings, oracle_configs,
                             seconds, z3_seconds, workers.size());
    // a test that cannot fail proves nothing: the sample must have findings and oracle runs
    EXPECT_GE(findings, seeds.size());
    EXPECT_GE(oracle_configs, seeds.size() * 4);
    EXPECT_LE(not_cross_checked * 20, seeds.size()) << "more than 5% of the seeds were not cross-checked";
}

}  // namespace
