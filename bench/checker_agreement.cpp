// SPDX-License-Identifier: Apache-2.0
// The engine agreement sweep: random models from tests/checker/random_models.cpp, each checked by
// Engine::Both, Engine::Explicit, Engine::Auto and the brute-force oracle (one explicit run per
// configuration with every parameter fixed). Prints one line per seed that is not a clean pass and
// a summary; writes every disagreeing model (and the items) to the output directory.
//
// Usage: checker_agreement [--seeds N] [--first S] [--out DIR] [--oracle N] [--timeout-ms MS] [--time-limit-ms MS]
// Exit status: 0 when no seed disagrees and at most 5% are not cross-checked, 1 otherwise.

#include "lwm2mc/checker/check.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <unistd.h>
#include <vector>

#include "random_models.hpp"

namespace {

struct Args {
    unsigned seeds{1000};
    unsigned first{1};
    std::filesystem::path out{"agreement-out"};
    lwm2mc::test::AgreementOptions options{};
};

Args parse(int argc, char** argv) {
    Args args;
    args.options.oracle_configurations = 128;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                throw std::invalid_argument(a + " needs a value");
            }
            return argv[++i];
        };
        if (a == "--seeds") {
            args.seeds = static_cast<unsigned>(std::stoul(value()));
        } else if (a == "--first") {
            args.first = static_cast<unsigned>(std::stoul(value()));
        } else if (a == "--out") {
            args.out = value();
        } else if (a == "--oracle") {
            args.options.oracle_configurations = std::stoul(value());
        } else if (a == "--timeout-ms") {
            args.options.solver_timeout_ms = static_cast<unsigned>(std::stoul(value()));
        } else if (a == "--time-limit-ms") {
            args.options.time_limit_ms = std::stoull(value());
        } else {
            throw std::invalid_argument("unknown argument '" + a + "'");
        }
    }
    return args;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace lwm2mc;
    Args args;
    try {
        args = parse(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << "checker_agreement: " << e.what() << "\n";
        return 2;
    }
    auto scratch = std::filesystem::temp_directory_path() / fmt::format("lwm2mc-agreement-{}", ::getpid());
    std::size_t agreed = 0, not_cross_checked = 0, undecided_seeds = 0, undecided_items = 0, failed_loads = 0;
    std::size_t oracle_configs = 0, findings = 0;
    std::vector<unsigned> disagreeing;
    double slowest = 0;
    unsigned slowest_seed = 0;
    auto start = std::chrono::steady_clock::now();

    double total_both = 0, total_explicit = 0, total_auto = 0, total_oracle = 0;
    for (unsigned seed = args.first; seed < args.first + args.seeds; ++seed) {
        auto seed_start = std::chrono::steady_clock::now();
        test::RandomModel m = test::generate_random_model(seed);
        auto loaded = test::load_random_model(m, scratch / std::to_string(seed));
        std::filesystem::remove_all(scratch / std::to_string(seed));
        if (!loaded.ok()) {
            ++failed_loads;
            disagreeing.push_back(seed);
            auto file = test::save_reproducer(m, args.out);
            std::cout << fmt::format("seed {}: the generated model does not load ({}):\n{}", seed, file.string(),
                                     model::format_diagnostics(loaded.diagnostics));
            continue;
        }
        args.options.auto_forced_to_z3 = seed % 4 == 0;
        test::Agreement a;
        try {
            a = test::check_agreement(*loaded.model, seed, args.options);
        } catch (const std::exception& e) {
            a.disagreements.push_back(std::string("exception: ") + e.what());
        }
        double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - seed_start).count();
        if (seconds > slowest) {
            slowest = seconds;
            slowest_seed = seed;
        }
        oracle_configs += a.oracle_configurations;
        total_both += a.seconds_both;
        total_explicit += a.seconds_explicit;
        total_auto += a.seconds_auto;
        total_oracle += a.seconds_oracle;
        findings += a.findings;
        undecided_items += a.undecided.size();
        undecided_seeds += a.undecided.empty() ? 0U : 1U;
        not_cross_checked += a.cross_checked ? 0U : 1U;
        if (!a.disagreements.empty()) {
            disagreeing.push_back(seed);
            auto file = test::save_reproducer(m, args.out);
            std::ofstream items(args.out / fmt::format("seed-{}.txt", seed));
            for (const auto& d : a.disagreements) {
                items << d << "\n";
                std::cout << fmt::format("seed {} ({}): DISAGREE: {}\n", seed, m.features, d);
            }
            std::cout << fmt::format("seed {}: written to {}\n", seed, file.string());
        } else if (a.cross_checked) {
            ++agreed;
        }
        for (const auto& u : a.undecided) {
            std::cout << fmt::format("seed {} ({}): undecided: {}\n", seed, m.features, u);
        }
        if (seconds > 5.0) {
            std::cout << fmt::format("seed {} ({}): slow: {:.1f} s (both {:.1f}, explicit {:.1f}, auto {:.1f}, oracle "
                                     "{:.1f} for {} configurations)\n",
                                     seed, m.features, seconds, a.seconds_both, a.seconds_explicit, a.seconds_auto,
                                     a.seconds_oracle, a.oracle_configurations);
        }
        std::cout.flush();
    }
    std::filesystem::remove_all(scratch);

    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::string list;
    for (unsigned s : disagreeing) {
        list += (list.empty() ? "" : " ") + std::to_string(s);
    }
    std::cout << fmt::format("\nseeds {}..{}: {}\n", args.first, args.first + args.seeds - 1, args.seeds);
    std::cout << fmt::format("agreed (cross-checked, no disagreement): {}\n", agreed);
    std::cout << fmt::format("not cross-checked (z3 gave up reachability): {}\n", not_cross_checked);
    std::cout << fmt::format("seeds with undecided items: {} ({} items)\n", undecided_seeds, undecided_items);
    std::cout << fmt::format("disagreements: {}{}{}\n", disagreeing.size(), list.empty() ? "" : ": seeds ", list);
    if (failed_loads > 0) {
        std::cout << fmt::format("models that did not load (generator bugs): {}\n", failed_loads);
    }
    std::cout << fmt::format("findings: {}, oracle configurations: {}\n", findings, oracle_configs);
    std::cout << fmt::format("time: {:.1f} s ({:.2f} s/seed, slowest seed {}: {:.1f} s)\n", seconds,
                             seconds / std::max(1U, args.seeds), slowest_seed, slowest);
    std::cout << fmt::format("time per part: both {:.1f} s, explicit {:.1f} s, auto {:.1f} s, oracle {:.1f} s\n",
                             total_both, total_explicit, total_auto, total_oracle);
    if (!disagreeing.empty()) {
        std::cout << fmt::format("models and items written to {}\n", args.out.string());
    }
    bool ok = disagreeing.empty() && not_cross_checked * 20 <= args.seeds;
    return ok ? 0 : 1;
}
