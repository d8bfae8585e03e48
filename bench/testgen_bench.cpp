// SPDX-License-Identifier: Apache-2.0
// Test generation (lwm2mc::testgen), side by side in one run:
//   1. the shipped model model/specs/lwm2m-ts10-draft.lwm2m, --cover transitions, every parameter free but
//      hold_off (fixed to 0; the run with hold_off free too is tried and reported): per configuration class the
//      Chinese-postman lower bound, the suite length and their ratio (goal 1.00), next to two GraphWalker-style
//      walks to 100 % edge coverage of the same product graph, median over --seeds (100) seeds: a random walk (a
//      uniformly random outgoing edge in every state) and "quick random" (a random uncovered edge, the shortest
//      path to it, the edge; repeat). Both may reset (back to the initial product state, cost 1) only in a state
//      without outgoing edges, as GraphWalker cannot reset otherwise;
//   2. generation time per class (goal <= 50 ms), Google Benchmark of testgen::generate with the class's
//      representative configuration fixed, of the whole run (all classes), and of explore() and solve_postman()
//      separately;
//   3. growth on bench/models/scale-{3,4,5}.lwm2m (10^3, 10^4, 10^5 product states): generate's time, peak live
//      heap (operator new replaced in this program), allocations and peak RSS (VmHWM after clear_refs), each as a
//      ratio to the smallest model. A model whose generate takes over 10 s is timed by that one counted run
//      (not repeated by Google Benchmark); once one takes over 120 s the larger ones are skipped.
// The table at the end puts the ratios side by side.
//   bash scripts/run.sh bench-testgen
//   (= cmake --preset bench && cmake --build build/bench --target testgen_bench && build/bench/bench/testgen_bench)
// Own options: --seeds=N (walks per class, default 100), --max-scale=K (largest scaling model 10^K, 3..5,
// default 5); the rest goes to Google Benchmark (--benchmark_filter=..., --benchmark_repetitions=...).

#include "lwm2mc/model/diagnostics.hpp"
#include "lwm2mc/model/interpreter.hpp"
#include "lwm2mc/model/loader.hpp"
#include "lwm2mc/model/model.hpp"
#include "lwm2mc/testgen/postman.hpp"
#include "lwm2mc/testgen/product_graph.hpp"
#include "lwm2mc/testgen/suite.hpp"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <deque>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <limits>
#include <malloc.h>
#include <map>
#include <memory>
#include <new>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#ifndef LWM2MC_SOURCE_DIR
#error "LWM2MC_SOURCE_DIR must name the source tree (bench/CMakeLists.txt sets it)"
#endif

using namespace lwm2mc;

// ---- Heap accounting: every operator new/delete of this program, counted only while switched on ------------

namespace {

struct HeapCounter {
    bool on{false};
    std::int64_t live{0};  ///< bytes (malloc_usable_size), net since reset(); may go negative
    std::int64_t peak{0};
    std::uint64_t allocations{0};

    void reset() {
        live = 0;
        peak = 0;
        allocations = 0;
    }
};

HeapCounter g_heap;  // NOLINT: the allocation hooks below need a global

void* counted_malloc(std::size_t size) {
    void* p = std::malloc(size == 0 ? 1 : size);
    if (p == nullptr) {
        throw std::bad_alloc{};
    }
    if (g_heap.on) {
        g_heap.live += static_cast<std::int64_t>(malloc_usable_size(p));
        g_heap.peak = std::max(g_heap.peak, g_heap.live);
        ++g_heap.allocations;
    }
    return p;
}

void counted_free(void* p) noexcept {
    if (p != nullptr && g_heap.on) {
        g_heap.live -= static_cast<std::int64_t>(malloc_usable_size(p));
    }
    std::free(p);
}

}  // namespace

void* operator new(std::size_t size) {
    return counted_malloc(size);
}
void* operator new[](std::size_t size) {
    return counted_malloc(size);
}
void operator delete(void* p) noexcept {
    counted_free(p);
}
void operator delete[](void* p) noexcept {
    counted_free(p);
}
void operator delete(void* p, std::size_t /*size*/) noexcept {
    counted_free(p);
}
void operator delete[](void* p, std::size_t /*size*/) noexcept {
    counted_free(p);
}

namespace {

// ---- Small helpers ---------------------------------------------------------------------------------------------

/// Peak resident set size of this process in KiB (VmHWM), or -1.
long peak_rss_kib() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("VmHWM:", 0) == 0) {
            return std::stol(line.substr(6));
        }
    }
    return -1;
}

/// Resets VmHWM to the current RSS (Linux >= 4.0); false when the kernel refuses.
bool reset_peak_rss() {
    malloc_trim(0);
    std::ofstream out("/proc/self/clear_refs");
    out << "5";
    out.flush();
    return static_cast<bool>(out);
}

std::optional<double> median(std::vector<double> values) {
    if (values.empty()) {
        return std::nullopt;
    }
    std::sort(values.begin(), values.end());
    const std::size_t mid = values.size() / 2;
    return values.size() % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

std::string fixed(double value, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
    return buf;
}

/// `value / of` with `decimals`, "-" when either is missing.
std::string ratio_cell(std::optional<double> value, std::optional<double> of, int decimals) {
    if (!value || !of || *of <= 0) {
        return "-";
    }
    return fixed(*value / *of, decimals);
}

std::string pad(std::string text, std::size_t width) {
    if (text.size() < width) {
        text.insert(0, width - text.size(), ' ');
    }
    return text;
}

model::Model load_or_exit(const std::string& path) {
    auto loaded = model::load_model(path);
    if (!loaded.ok()) {
        model::print_diagnostics(std::cerr, loaded.diagnostics);
        std::exit(2);
    }
    return std::move(*loaded.model);
}

// ---- GraphWalker-style walks over a product graph --------------------------------------------------------------

constexpr std::uint64_t kResetCost = 1;
/// A scaling model whose counted generate run took longer is not timed again by Google Benchmark.
constexpr double kRetimeLimitMs = 10'000;
/// Larger scaling models are skipped once one took longer than this.
constexpr double kSkipLimitMs = 120'000;

struct WalkResult {
    std::uint64_t length{0};  ///< edges taken + resets x kResetCost
    bool complete{false};     ///< every edge covered; false: stuck where no uncovered edge can be reached
};

/// Breadth-first search over the moves a GraphWalker walk has: the product edges, and a reset to the initial
/// state (cost 1, like an edge) from states without outgoing edges. Shortest paths are read back from `via`.
class Reach {
public:
    static constexpr std::uint32_t kUnreached = std::numeric_limits<std::uint32_t>::max();
    static constexpr std::uint32_t kStart = kUnreached - 1;
    static constexpr std::uint32_t kReset = kUnreached - 2;  ///< reached the initial state by a reset

    explicit Reach(const testgen::ProductGraph& graph) : graph_{graph}, via_(graph.states.size()) {}

    void search(std::uint32_t from) {
        std::fill(via_.begin(), via_.end(), kUnreached);
        reset_from_ = kUnreached;
        via_[from] = kStart;
        queue_.assign(1, from);
        while (!queue_.empty()) {
            const std::uint32_t s = queue_.front();
            queue_.pop_front();
            if (graph_.out[s].empty() && via_[0] == kUnreached) {
                via_[0] = kReset;
                reset_from_ = s;
                queue_.push_back(0);
            }
            for (const std::uint32_t e : graph_.out[s]) {
                const std::uint32_t t = graph_.edges[e].target;
                if (via_[t] == kUnreached) {
                    via_[t] = e;
                    queue_.push_back(t);
                }
            }
        }
    }
    bool reached(std::uint32_t state) const { return via_[state] != kUnreached; }
    /// The moves (edge indices, kReset) of a shortest path from the searched state to `state`.
    void path_to(std::uint32_t state, std::vector<std::uint32_t>& path) const {
        path.clear();
        for (std::uint32_t s = state; via_[s] != kStart;) {
            path.push_back(via_[s]);
            s = via_[s] == kReset ? reset_from_ : graph_.edges[via_[s]].source;
        }
        std::reverse(path.begin(), path.end());
    }

private:
    const testgen::ProductGraph& graph_;
    std::vector<std::uint32_t> via_;
    std::uint32_t reset_from_{kUnreached};
    std::deque<std::uint32_t> queue_;
};

/// GraphWalker's RandomPath to 100 % edge coverage: a uniformly random outgoing edge in every state; a reset
/// only where no edge leaves. Every 16 x edges steps the walk checks that an uncovered edge is still reachable;
/// when none is, it is stuck (a part of the graph it cannot return to without a reset).
WalkResult random_walk(const testgen::ProductGraph& graph, std::uint64_t seed) {
    std::mt19937_64 rng{seed};
    std::vector<bool> covered(graph.edges.size(), false);
    std::size_t left = graph.edges.size();
    Reach reach{graph};
    const std::uint64_t check_every = 16 * std::max<std::uint64_t>(graph.edges.size(), 1);
    std::uint32_t at = 0;
    WalkResult result;
    for (std::uint64_t next_check = check_every; left > 0; ++result.length) {
        if (result.length >= next_check) {
            next_check += check_every;
            reach.search(at);
            bool open = false;
            for (std::size_t e = 0; e < graph.edges.size() && !open; ++e) {
                open = !covered[e] && reach.reached(graph.edges[e].source);
            }
            if (!open) {
                return result;
            }
        }
        const auto& out = graph.out[at];
        if (out.empty()) {
            at = 0;  // kResetCost == 1: counted as one step by the loop
            continue;
        }
        std::uniform_int_distribution<std::size_t> pick{0, out.size() - 1};
        const std::uint32_t edge = out[pick(rng)];
        if (!covered[edge]) {
            covered[edge] = true;
            --left;
        }
        at = graph.edges[edge].target;
    }
    result.complete = true;
    return result;
}

/// GraphWalker's QuickRandomPath to 100 % edge coverage: a random uncovered edge, the shortest path from the
/// current state to its source (every edge and the dead-end reset cost 1), then the edge itself; edges on the way
/// count as covered. Resets only where no edge leaves. Stuck when no uncovered edge is reachable any more
/// (GraphWalker stops there too, short of 100 %).
WalkResult quick_random_walk(const testgen::ProductGraph& graph, std::uint64_t seed) {
    static_assert(kResetCost == 1, "the breadth-first search assumes unit costs");
    std::mt19937_64 rng{seed};
    std::vector<bool> covered(graph.edges.size(), false);
    std::vector<std::uint32_t> uncovered(graph.edges.size());
    for (std::uint32_t e = 0; e < uncovered.size(); ++e) {
        uncovered[e] = e;
    }
    Reach reach{graph};
    std::vector<std::uint32_t> path;
    std::vector<std::uint32_t> reachable;
    std::uint32_t at = 0;
    WalkResult result;
    while (true) {
        std::erase_if(uncovered, [&](std::uint32_t e) { return covered[e]; });
        if (uncovered.empty()) {
            result.complete = true;
            return result;
        }
        reach.search(at);
        reachable.clear();
        for (const std::uint32_t e : uncovered) {
            if (reach.reached(graph.edges[e].source)) {
                reachable.push_back(e);
            }
        }
        if (reachable.empty()) {
            return result;
        }
        std::uniform_int_distribution<std::size_t> pick{0, reachable.size() - 1};
        const std::uint32_t goal = reachable[pick(rng)];
        reach.path_to(graph.edges[goal].source, path);
        path.push_back(goal);
        for (const std::uint32_t e : path) {
            if (e == Reach::kReset) {
                result.length += kResetCost;
                at = 0;
            } else {
                covered[e] = true;
                ++result.length;
                at = graph.edges[e].target;
            }
        }
    }
}

// ---- Postman problem of a product graph (as the generator builds it: unit arcs, reset cost 1) ------------------

testgen::PostmanProblem postman_problem(const testgen::ProductGraph& graph) {
    testgen::PostmanProblem problem;
    problem.nodes = static_cast<std::uint32_t>(graph.states.size());
    problem.root = 0;
    problem.reset_cost = kResetCost;
    problem.arcs.reserve(graph.edges.size());
    for (const auto& edge : graph.edges) {
        problem.arcs.push_back(testgen::Arc{edge.source, edge.target, 1, true});
    }
    return problem;
}

// ---- Collected Google Benchmark results -------------------------------------------------------------------------

/// The console output as usual, and each benchmark's wall and CPU time per iteration (the median aggregate when
/// --benchmark_repetitions asks for repetitions) kept for the summary table.
class CollectingReporter : public benchmark::ConsoleReporter {
public:
    struct Times {
        double real_ms{0};
        double cpu_ms{0};
        bool from_aggregate{false};
    };

    void ReportRuns(const std::vector<Run>& runs) override {
        benchmark::ConsoleReporter::ReportRuns(runs);
        for (const auto& run : runs) {
            if (run.error_occurred || run.iterations == 0) {
                continue;
            }
            const bool aggregate = run.run_type == Run::RT_Aggregate;
            if (aggregate && run.aggregate_name != "median") {
                continue;
            }
            auto& slot = times_[run.run_name.function_name];
            if (aggregate || !slot.from_aggregate) {
                const auto iterations = static_cast<double>(run.iterations);
                slot = {run.real_accumulated_time / iterations * 1e3, run.cpu_accumulated_time / iterations * 1e3,
                        aggregate};
            }
        }
    }
    std::optional<double> real_ms(const std::string& name) const {
        const auto found = times_.find(name);
        return found == times_.end() ? std::nullopt : std::optional<double>{found->second.real_ms};
    }
    std::optional<double> cpu_ms(const std::string& name) const {
        const auto found = times_.find(name);
        return found == times_.end() ? std::nullopt : std::optional<double>{found->second.cpu_ms};
    }

private:
    std::map<std::string, Times> times_;
};

std::string ms_cell(const std::optional<double>& ms) {
    return ms ? fixed(*ms, *ms < 10 ? 3 : 1) : "-";
}

// ---- The three parts ------------------------------------------------------------------------------------------------

struct ClassRow {
    std::size_t index{0};
    std::string description;
    model::Configuration configuration;
    std::size_t states{0};
    std::size_t edges{0};
    std::size_t targets{0};
    std::size_t covered{0};
    std::uint64_t bound{0};
    std::uint64_t length{0};
    std::optional<std::uint64_t> direct_bound;  ///< solve_postman on the suite's product graph
    bool deterministic{true};
    std::optional<double> random_median;  ///< over the walks that reached 100 %
    std::size_t random_stuck{0};
    std::optional<double> quick_median;
    std::size_t quick_stuck{0};
};

struct ScaleRow {
    int exponent{0};
    std::string path;
    std::size_t states{0};
    std::size_t edges{0};
    std::uint64_t bound{0};
    std::uint64_t length{0};
    std::size_t choice_points{0};
    double first_run_ms{0};  ///< the counted run: wall and CPU time (allocation counting included)
    double first_run_cpu_ms{0};
    std::int64_t peak_heap{0};
    std::uint64_t allocations{0};
    long peak_rss_kib{-1};
    bool ok{false};
    std::string error;
};

testgen::GenerateOptions transitions_options(const model::Model& m) {
    testgen::GenerateOptions options;
    options.criterion.kind = testgen::Criterion::Transitions;
    options.reset_cost = kResetCost;
    options.fixed.assign(m.parameters.size(), std::nullopt);
    return options;
}

std::vector<ClassRow> shipped_classes(const model::Model& m, const testgen::GenerateOptions& options, int seeds) {
    const auto result = testgen::generate(m, options);
    if (!result.ok()) {
        model::print_diagnostics(std::cerr, result.errors);
        std::exit(1);
    }
    std::vector<ClassRow> rows;
    for (const auto& suite : result.suites->suites) {
        ClassRow row;
        row.index = suite.class_index;
        row.description = suite.class_description;
        row.configuration = suite.configuration;
        row.states = suite.graph.states.size();
        row.edges = suite.graph.edges.size();
        row.targets = suite.statistics.targets;
        row.covered = suite.statistics.covered;
        row.bound = suite.statistics.lower_bound;
        row.length = suite.statistics.length;
        row.deterministic = suite.deterministic;
        if (const auto tour = testgen::solve_postman(postman_problem(suite.graph))) {
            row.direct_bound = tour->lower_bound;
        }
        std::vector<double> random_lengths;
        std::vector<double> quick_lengths;
        for (int seed = 1; seed <= seeds; ++seed) {
            // The median is over the walks that reached 100 %; the stuck ones are counted apart.
            const auto r = random_walk(suite.graph, static_cast<std::uint64_t>(seed));
            const auto q = quick_random_walk(suite.graph, static_cast<std::uint64_t>(seed));
            if (r.complete) {
                random_lengths.push_back(static_cast<double>(r.length));
            }
            if (q.complete) {
                quick_lengths.push_back(static_cast<double>(q.length));
            }
            row.random_stuck += r.complete ? 0 : 1;
            row.quick_stuck += q.complete ? 0 : 1;
        }
        row.random_median = median(random_lengths);
        row.quick_median = median(quick_lengths);
        rows.push_back(std::move(row));
    }
    return rows;
}

void print_coverage(const std::vector<ClassRow>& rows, int seeds) {
    std::cout << "\n== 1. all-transitions suites, model/specs/lwm2m-ts10-draft.lwm2m, hold_off=0; walks: median of the "
              << seeds << " seeds that reached 100 % edge coverage, 'stuck' = random+quick walks that could not\n";
    std::cout << "class states edges covered/targets  bound  suite suite/bound   random  rnd/bound   quick  qck/bound"
                 "  stuck  description\n";
    for (const auto& r : rows) {
        const auto bound = static_cast<double>(r.bound);
        std::cout << pad(std::to_string(r.index), 5) << pad(std::to_string(r.states), 7)
                  << pad(std::to_string(r.edges), 6)
                  << pad(std::to_string(r.covered) + "/" + std::to_string(r.targets), 16)
                  << pad(std::to_string(r.bound), 7) << pad(std::to_string(r.length), 7)
                  << pad(ratio_cell(static_cast<double>(r.length), bound, 2), 12)
                  << pad(r.random_median ? fixed(*r.random_median, 0) : "-", 9)
                  << pad(ratio_cell(r.random_median, bound, 2), 11)
                  << pad(r.quick_median ? fixed(*r.quick_median, 0) : "-", 8)
                  << pad(ratio_cell(r.quick_median, bound, 2), 11)
                  << pad(std::to_string(r.random_stuck) + "+" + std::to_string(r.quick_stuck), 7) << "  "
                  << (r.deterministic ? "" : "[client chooses] ") << r.description << "\n";
    }
    for (const auto& r : rows) {
        if (r.direct_bound != r.bound) {
            std::cout << "   class " << r.index << ": solve_postman on the product graph gives "
                      << (r.direct_bound ? std::to_string(*r.direct_bound) : std::string{"no tour"})
                      << ", the suite reports " << r.bound << "\n";
        }
    }
}

/// The same run with hold_off free as well: does the generator fold the timing parameter into the classes?
void try_all_free(const model::Model& m) {
    auto options = transitions_options(m);
    const auto start = std::chrono::steady_clock::now();
    const auto result = testgen::generate(m, options);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    std::cout << "   every parameter free (hold_off too): ";
    if (result.ok()) {
        std::cout << result.suites->suites.size() << " classes, " << fixed(ms, 1) << " ms\n";
    } else {
        std::cout << "not generated (" << fixed(ms, 1) << " ms):\n";
        model::print_diagnostics(std::cout, result.errors);
    }
}

ScaleRow measure_scale(int exponent) {
    ScaleRow row;
    row.exponent = exponent;
    row.path = std::string{LWM2MC_SOURCE_DIR} + "/bench/models/scale-" + std::to_string(exponent) + ".lwm2m";
    const auto m = load_or_exit(row.path);
    const auto options = transitions_options(m);
    const bool rss_reset = reset_peak_rss();
    g_heap.reset();
    g_heap.on = true;
    const auto start = std::chrono::steady_clock::now();
    const std::clock_t cpu_start = std::clock();
    {
        const auto result = testgen::generate(m, options);
        row.first_run_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
        row.first_run_cpu_ms = 1e3 * static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
        g_heap.on = false;
        row.peak_rss_kib = rss_reset ? peak_rss_kib() : -1;
        if (result.ok() && result.suites->suites.size() == 1) {
            const auto& suite = result.suites->suites.front();
            row.ok = true;
            row.states = suite.graph.states.size();
            row.edges = suite.graph.edges.size();
            row.bound = suite.statistics.lower_bound;
            row.length = suite.statistics.length;
            row.choice_points = suite.statistics.choice_points;
        } else {
            row.error = result.ok() ? "expected one configuration class" : model::format_diagnostics(result.errors);
        }
    }
    row.peak_heap = g_heap.peak;
    row.allocations = g_heap.allocations;
    return row;
}

/// One table: a row per configuration class of the shipped model, a row per scaling model.
void print_summary(const CollectingReporter& reporter, const std::vector<ClassRow>& classes,
                   const std::vector<ScaleRow>& scales, int seeds) {
    std::cout
        << "\n== summary. suite/bnd, random/bnd, quick/bnd: length to the Chinese-postman lower bound (goal 1.00; "
           "walks: median of "
        << seeds
        << " seeds, stuck = random+quick walks short of 100 %); gen: testgen::generate, wall and CPU ms; "
           "gen/50ms: wall time to the 50 ms goal (<= 1 meets it); _x: to the 10^3 scaling model\n";
    std::cout
        << "row          states   edges   bound   suite suite/bnd random/bnd quick/bnd  stuck     gen_ms   gen_cpu"
           " gen/50ms explore_ms postman_ms  time_x heap_MiB  heap_x allocs_x rss_MiB  rss_x\n";
    const auto count = [](std::size_t n, std::size_t width) { return pad(std::to_string(n), width); };
    for (const auto& r : classes) {
        const auto bound = static_cast<double>(r.bound);
        const std::string suffix = "/class:" + std::to_string(r.index);
        const auto gen = reporter.real_ms("generate" + suffix);
        std::cout << std::left << std::setw(11) << ("class " + std::to_string(r.index)) << std::right
                  << count(r.states, 8) << count(r.edges, 8) << pad(std::to_string(r.bound), 8)
                  << pad(std::to_string(r.length), 8) << pad(ratio_cell(static_cast<double>(r.length), bound, 2), 10)
                  << pad(ratio_cell(r.random_median, bound, 2), 11) << pad(ratio_cell(r.quick_median, bound, 2), 10)
                  << pad(std::to_string(r.random_stuck) + "+" + std::to_string(r.quick_stuck), 7)
                  << pad(ms_cell(gen), 11) << pad(ms_cell(reporter.cpu_ms("generate" + suffix)), 10)
                  << pad(ratio_cell(gen, 50.0, 3), 9) << pad(ms_cell(reporter.real_ms("explore" + suffix)), 11)
                  << pad(ms_cell(reporter.real_ms("solve_postman" + suffix)), 11) << pad("-", 8) << pad("-", 9)
                  << pad("-", 8) << pad("-", 9) << pad("-", 8) << pad("-", 7) << "\n";
    }
    if (const auto all = reporter.real_ms("generate/all-classes"); all && !classes.empty()) {
        const double per_class = *all / static_cast<double>(classes.size());
        std::cout << "all " << classes.size() << " classes in one generate run: " << ms_cell(all) << " ms wall ("
                  << ms_cell(reporter.cpu_ms("generate/all-classes")) << " CPU), " << ms_cell(per_class)
                  << " ms per class = " << fixed(per_class / 50.0, 3) << " of the 50 ms goal\n";
    }
    const ScaleRow* base = nullptr;
    std::optional<double> base_ms;
    for (const auto& s : scales) {
        if (!s.ok) {
            std::cout << "scale 10^" << s.exponent << ": not generated: " << s.error << "\n";
            continue;
        }
        const std::string suffix = "/scale:10^" + std::to_string(s.exponent);
        const std::string name = "generate" + suffix;
        // Google Benchmark does not repeat a generate that took over kRetimeLimitMs; the counted run stands in.
        const bool retimed = reporter.real_ms(name).has_value();
        const auto gen = retimed ? reporter.real_ms(name) : std::optional<double>{s.first_run_ms};
        const auto gen_cpu = retimed ? reporter.cpu_ms(name) : std::optional<double>{s.first_run_cpu_ms};
        if (base == nullptr) {
            base = &s;
            base_ms = gen;
        }
        const auto heap = static_cast<double>(s.peak_heap);
        const auto rss =
            s.peak_rss_kib >= 0 ? std::optional<double>{static_cast<double>(s.peak_rss_kib)} : std::nullopt;
        const auto base_rss =
            base->peak_rss_kib >= 0 ? std::optional<double>{static_cast<double>(base->peak_rss_kib)} : std::nullopt;
        std::cout << std::left << std::setw(11) << ("scale 10^" + std::to_string(s.exponent)) << std::right
                  << count(s.states, 8) << count(s.edges, 8) << pad(std::to_string(s.bound), 8)
                  << pad(std::to_string(s.length), 8)
                  << pad(ratio_cell(static_cast<double>(s.length), static_cast<double>(s.bound), 2), 10) << pad("-", 11)
                  << pad("-", 10) << pad("-", 7) << pad(ms_cell(gen) + (retimed ? "" : "*"), 11)
                  << pad(ms_cell(gen_cpu) + (retimed ? "" : "*"), 10) << pad("-", 9)
                  << pad(ms_cell(reporter.real_ms("explore" + suffix)), 11)
                  << pad(ms_cell(reporter.real_ms("solve_postman" + suffix)), 11) << pad(ratio_cell(gen, base_ms, 1), 8)
                  << pad(fixed(heap / (1024.0 * 1024.0), 1), 9)
                  << pad(ratio_cell(heap, static_cast<double>(base->peak_heap), 1), 8)
                  << pad(ratio_cell(static_cast<double>(s.allocations), static_cast<double>(base->allocations), 1), 9)
                  << pad(rss ? fixed(*rss / 1024.0, 1) : "-", 8) << pad(ratio_cell(rss, base_rss, 1), 7) << "\n";
        if (!retimed) {
            std::cout << "  * the single counted run (over " << kRetimeLimitMs / 1000
                      << " s: not repeated by Google Benchmark; heap counting included)\n";
        }
    }
}

bool take_option(std::string_view arg, std::string_view name, long& value) {
    if (arg.rfind(name, 0) != 0) {
        return false;
    }
    value = std::stol(std::string{arg.substr(name.size())});
    return true;
}

/// Google Benchmarks of explore() and solve_postman() on one configuration; `interp` must outlive them.
void register_explore_and_postman(const std::string& suffix, const model::Interpreter& interp,
                                  const model::Configuration& configuration) {
    benchmark::RegisterBenchmark(("explore" + suffix).c_str(), [&interp, configuration](benchmark::State& state) {
        for (auto _ : state) {
            auto graph = testgen::explore(interp, configuration);
            benchmark::DoNotOptimize(graph);
        }
    })->Unit(benchmark::kMillisecond);
    auto problem = postman_problem(testgen::explore(interp, configuration));
    benchmark::RegisterBenchmark(("solve_postman" + suffix).c_str(), [problem =
                                                                          std::move(problem)](benchmark::State& state) {
        for (auto _ : state) {
            auto tour = testgen::solve_postman(problem);
            benchmark::DoNotOptimize(tour);
        }
    })->Unit(benchmark::kMillisecond);
}

}  // namespace

int main(int argc, char** argv) {
    long seeds = 100;
    long max_scale = 5;
    std::vector<char*> args;
    for (int i = 0; i < argc; ++i) {
        const std::string_view arg{argv[i]};
        if (!take_option(arg, "--seeds=", seeds) && !take_option(arg, "--max-scale=", max_scale)) {
            args.push_back(argv[i]);
        }
    }
    int bench_argc = static_cast<int>(args.size());
    benchmark::Initialize(&bench_argc, args.data());
    if (benchmark::ReportUnrecognizedArguments(bench_argc, args.data())) {
        return 2;
    }
    max_scale = std::clamp(max_scale, 3L, 5L);
    seeds = std::max(seeds, 1L);

    // 1. Suite length against the bound and against GraphWalker's walks, per configuration class.
    const auto shipped = load_or_exit(LWM2MC_SOURCE_DIR "/model/specs/lwm2m-ts10-draft.lwm2m");
    const model::Interpreter interp{shipped};
    auto options = transitions_options(shipped);
    const auto hold_off = shipped.find_parameter("hold_off");
    if (hold_off) {
        options.fixed[hold_off->index()] = 0;
    }
    const auto classes = shipped_classes(shipped, options, static_cast<int>(seeds));
    print_coverage(classes, static_cast<int>(seeds));
    try_all_free(shipped);

    // 3 (untimed part). One generate per scaling model with the heap counted; later sizes are skipped once a
    // model takes more than two minutes.
    std::vector<ScaleRow> scales;
    for (int k = 3; k <= max_scale; ++k) {
        if (!scales.empty() && scales.back().first_run_ms > kSkipLimitMs) {
            break;
        }
        scales.push_back(measure_scale(k));
        const auto& s = scales.back();
        if (!s.ok) {
            std::cerr << s.path << ": " << s.error << "\n";
        }
    }

    // 2 and 3 (timed). Google Benchmark, registered here so that the classes are known.
    for (const auto& row : classes) {
        auto fixed_options = transitions_options(shipped);
        for (std::size_t p = 0; p < row.configuration.values.size(); ++p) {
            fixed_options.fixed[p] = row.configuration.values[p];
        }
        const auto configuration = row.configuration;
        const std::string suffix = "/class:" + std::to_string(row.index);
        benchmark::RegisterBenchmark(("generate" + suffix).c_str(), [&shipped, fixed_options](benchmark::State& state) {
            for (auto _ : state) {
                auto result = testgen::generate(shipped, fixed_options);
                benchmark::DoNotOptimize(result);
            }
        })->Unit(benchmark::kMillisecond);
        register_explore_and_postman(suffix, interp, configuration);
    }
    benchmark::RegisterBenchmark("generate/all-classes", [&shipped, options](benchmark::State& state) {
        for (auto _ : state) {
            auto result = testgen::generate(shipped, options);
            benchmark::DoNotOptimize(result);
        }
    })->Unit(benchmark::kMillisecond);
    std::vector<model::Model> scale_models;
    scale_models.reserve(scales.size());
    for (const auto& s : scales) {
        scale_models.push_back(load_or_exit(s.path));
    }
    std::vector<std::unique_ptr<model::Interpreter>> scale_interps;
    for (std::size_t i = 0; i < scales.size(); ++i) {
        if (!scales[i].ok) {
            continue;
        }
        const auto& m = scale_models[i];
        const auto& scale_interp = *scale_interps.emplace_back(std::make_unique<model::Interpreter>(m));
        model::Configuration configuration;
        scale_interp.for_each_configuration([&](const model::Configuration& c) {
            configuration = c;
            return false;
        });
        const std::string suffix = "/scale:10^" + std::to_string(scales[i].exponent);
        if (scales[i].first_run_ms <= kRetimeLimitMs) {
            benchmark::RegisterBenchmark(("generate" + suffix).c_str(), [&m](benchmark::State& state) {
                const auto scale_options = transitions_options(m);
                for (auto _ : state) {
                    auto result = testgen::generate(m, scale_options);
                    benchmark::DoNotOptimize(result);
                }
            })->Unit(benchmark::kMillisecond);
        }
        register_explore_and_postman(suffix, scale_interp, configuration);
    }
    std::cout << "\n== 2. and 3. Google Benchmark\n" << std::flush;
    CollectingReporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    benchmark::Shutdown();

    print_summary(reporter, classes, scales, static_cast<int>(seeds));
    if (static_cast<long>(scales.size()) < max_scale - 2) {
        std::cout << "scale 10^" << scales.size() + 3 << " and larger: skipped, 10^" << scales.size() + 2
                  << " took more than " << kSkipLimitMs / 1000 << " s\n";
    }
    return 0;
}
