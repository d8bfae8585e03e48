// SPDX-License-Identifier: Apache-2.0
#include "random_models.hpp"

#include "lwm2mc/model/interpreter.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <stdexcept>

namespace lwm2mc::test {

namespace {

constexpr const char* kActors[] = {"client",        "choice", "response", "server_initiative",
                                   "bs_initiative", "fault",  "operator"};

/// Domains of a timing parameter that is the only one (solved as intervals by the explicit engine):
/// small, 2^16 values, negative (so durations can be negative), and 32 bits.
constexpr const char* kWideTimingDomains[] = {"0..30", "0..65535", "-3..20", "10..4000", "0..4294967295"};
/// Domains of timing parameters when there are several (every one is enumerated).
constexpr const char* kSmallTimingDomains[] = {"0..4", "1..3", "0..2", "2..5"};

/// One transition row under construction.
struct Row {
    std::string label{};   ///< empty: unlabelled
    std::string source{};  ///< "S1", "{S1, X}" or "*"
    std::string text{};    ///< everything after the label
    bool touches_x{false};
};

class Generator {
public:
    explicit Generator(unsigned seed) : rng_{seed}, extra_rng_{seed ^ 0x5eedU}, lang_rng_{seed * 2654435761U + 14U} {}

    RandomModel generate(unsigned seed) {
        RandomModel out;
        out.seed = seed;
        plan();
        out.base = base();
        if (with_overlay_) {
            out.overlay = overlay();
        }
        out.features = features_;
        return out;
    }

private:
    // std::mt19937's output is specified by the standard; the distributions are not, so map
    // it to a range by hand (the bias is irrelevant here) to keep the models platform-independent.
    int pick(int lo, int hi) { return lo + static_cast<int>(rng_() % static_cast<unsigned>(hi - lo + 1)); }
    bool coin() { return pick(0, 1) == 1; }
    bool chance(int percent) { return pick(0, 99) < percent; }
    // Conditional expressions, products and event properties draw from a second stream, so that
    // the rest of every seed's model stays what it was before they were added.
    int extra_pick(int lo, int hi) { return lo + static_cast<int>(extra_rng_() % static_cast<unsigned>(hi - lo + 1)); }
    bool extra_chance(int percent) { return extra_pick(0, 99) < percent; }
    std::string extra_one_of(const std::vector<std::string>& items) {
        return items[static_cast<std::size_t>(extra_pick(0, static_cast<int>(items.size()) - 1))];
    }
    template <class T, std::size_t N>
    const T& one_of(const T (&items)[N]) {
        return items[pick(0, static_cast<int>(N) - 1)];
    }
    std::string one_of(const std::vector<std::string>& items) {
        return items[static_cast<std::size_t>(pick(0, static_cast<int>(items.size()) - 1))];
    }
    /// Issue 14's goal conditions and peers draw from their own generator, so that the rest of every
    /// seed's model is what it was before them.
    bool lang_chance(int percent) { return static_cast<int>(lang_rng_() % 100U) < percent; }
    /// `actor`, sometimes qualified by a peer when it takes one.
    std::string qualified(const std::string& actor) {
        const bool takes = actor == "response" || actor == "fault" || actor == "server_initiative";
        if (!takes || !lang_chance(40)) {
            return actor;
        }
        feature("peer");
        return actor + (lang_chance(50) ? "(bs)" : "(server)");
    }

    std::string state(int i) const { return fmt::format("S{}", i); }
    std::string any_state() { return state(pick(0, states_ - 1)); }

    void feature(const std::string& f) { features_ += (features_.empty() ? "" : " ") + f; }

    void plan() {
        bools_ = pick(0, 2);
        has_mode_ = chance(40);
        has_limit_ = chance(60);
        limit_hi_ = pick(1, 4);
        wide_counter_ = has_limit_ && chance(25);
        has_left_ = has_limit_ && chance(40);
        counter_hi_ = wide_counter_ ? 65535 : limit_hi_ + pick(0, 1);
        timing_mode_ = pick(0, 3);
        wide_var_ = chance(35);
        static constexpr std::int64_t kWideLows[] = {0, -32768, -300};
        wide_lo_ = one_of(kWideLows);
        has_phase_ = chance(50);
        states_ = pick(3, 5);
        with_overlay_ = chance(40);
        has_x_ = with_overlay_ && chance(50);
        if (has_limit_) {
            feature(wide_counter_ ? "wide-counter" : "counter");
        }
        if (has_left_) {
            feature("init-from-param");
        }
        if (wide_var_) {
            feature(fmt::format("wide-var[{}..]", wide_lo_));
        }
        if (has_mode_) {
            feature("enum-param");
        }
        if (has_phase_) {
            feature("enum-var");
        }
        static constexpr const char* kTimingNames[] = {"no-timing", "1-timing", "n-timing", "structural-timing"};
        feature(kTimingNames[timing_mode_]);
        if (with_overlay_) {
            feature("overlay");
        }
    }

    // ---- declarations ---------------------------------------------------------------------------
    std::string base() {
        std::string out = "model random \"generated by tests/checker/random_models.cpp\";\n";
        out += "const BOUND = " + std::to_string(pick(5, 40)) + ";\n";
        for (int i = 0; i < bools_; ++i) {
            out += fmt::format("parameter b{}: bool;\n", i);
        }
        if (has_mode_) {
            out += "parameter mode: enum { M0, M1, M2 };\n";
        }
        if (has_limit_) {
            out += fmt::format("parameter limit: int[0..{}] \"how often the counter may tick\";\n", limit_hi_);
        }
        switch (timing_mode_) {
        case 1:
            timing_.push_back("t0");
            out += fmt::format("parameter t0: int[{}];\n", one_of(kWideTimingDomains));
            break;
        case 2:
            for (int i = 0, n = pick(2, 3); i < n; ++i) {
                timing_.push_back(fmt::format("t{}", i));
                out += fmt::format("parameter t{}: int[{}];\n", i, one_of(kSmallTimingDomains));
            }
            break;
        case 3:
            // t0 occurs in a guard, so it is enumerated; t1 is the one timing parameter
            structural_t0_ = true;
            timing_.push_back("t0");
            timing_.push_back("t1");
            out += "parameter t0: int[0..6];\n";
            out += fmt::format("parameter t1: int[{}];\n", one_of(kWideTimingDomains));
            break;
        default:
            break;
        }
        for (int i = 0, n = pick(0, 2); i < n; ++i) {
            std::string c = constraint();
            if (!c.empty()) {
                out += fmt::format("constraint c{}: {};\n", i, c);
                ++constraints_;
            }
        }
        if (has_limit_) {
            out += fmt::format("var n: int[0..{}] = 0 {};\n", counter_hi_, storage());
        }
        if (has_left_) {
            // initialised from a parameter, counted down
            out += fmt::format("var left: int[0..{}] = limit {};\n", limit_hi_, storage());
        }
        if (wide_var_) {
            // 2^16 values; only a few are ever reached
            for (int i = 0; i < 3; ++i) {
                wide_values_.push_back(wide_lo_ + pick(0, 2000));
            }
            out += fmt::format("var w: int[{}..{}] = {} {};\n", wide_lo_, wide_lo_ + 65535, wide_values_[0], storage());
        }
        if (has_phase_) {
            out += fmt::format("var ph: enum {{ P0, P1, P2 }} = P0 {};\n", storage());
        }
        out += fmt::format("var flag: bool = {} {};\n", flag_initial(), storage());

        goal_ = pick(1, states_ - 1);
        int second_goal = chance(30) ? pick(0, states_ - 1) : -1;
        int final_state = chance(25) ? pick(1, states_ - 1) : -1;
        for (int i = 0; i < states_; ++i) {
            std::string attrs;
            if (i == 0) {
                attrs += " initial";
            }
            if (i == goal_ || i == second_goal) {
                attrs += " goal";
            }
            if (i == final_state && i != goal_) {
                attrs += " final";
            }
            if (chance(30)) {
                attrs += fmt::format(" in g{}", pick(0, 1));
            }
            out += fmt::format("state {}{};\n", state(i), attrs);
        }
        if (has_x_) {
            out += "state X \"removed by some overlays\";\n";
        }
        if (lang_chance(30)) {
            feature("goal-condition");
            static constexpr const char* kGoals[] = {"flag", "!flag || at(S1)", "at(S2) || flag && at(S0)"};
            out += fmt::format("goal {};\n", kGoals[lang_rng_() % 3U]);
        }
        for (int e = 0; e < 4; ++e) {
            out += fmt::format("event e{}: {};\n", e, qualified(one_of(kActors)));
        }
        if (has_limit_) {
            out += "event tick: client;\n";
        }
        out += "event rst: operator;\n";

        rows();
        for (const auto& r : rows_) {
            out += (r.label.empty() ? "" : r.label + ": ") + r.text + ";\n";
        }
        properties_ = pick(2, 5);
        for (int i = 0; i < properties_; ++i) {
            out += fmt::format("property p{}: {};\n", i, property(i));
        }
        for (int i = 0, n = extra_chance(45) ? extra_pick(1, 2) : 0; i < n; ++i) {
            out += fmt::format("property ev{}: {};\n", i, event_property());
        }
        return out;
    }

    std::string storage() { return coin() ? "persistent" : "volatile"; }

    std::string flag_initial() {
        std::vector<std::string> options{"false", "true"};
        if (bools_ > 0) {
            options.emplace_back("b0");
            options.emplace_back("!b0");
        }
        if (has_mode_) {
            options.emplace_back("mode == M1");
        }
        if (has_limit_) {
            options.emplace_back("limit > 1");
        }
        return one_of(options);
    }

    /// A constraint that the anchor configuration satisfies (every bool true, mode = M0, limit at
    /// its maximum, timing parameters at the bounds of their domains), so none is contradictory.
    std::string constraint() {
        std::vector<std::string> options;
        if (bools_ > 1) {
            options.emplace_back("b0 || b1");
            options.emplace_back("b0 || !b1");
        }
        if (bools_ > 0 && has_mode_) {
            options.emplace_back("!b0 || mode != M2");
        }
        if (has_mode_) {
            options.emplace_back("mode != M2");
        }
        if (has_limit_) {
            options.emplace_back("limit >= 1");
            if (bools_ > 0) {
                options.emplace_back("b0 -> limit > 0");
            }
        }
        if (timing_mode_ == 2) {
            options.emplace_back("t0 <= t1");  // makes them structural, which they are with several anyway
        }
        return options.empty() ? std::string{} : one_of(options);
    }

    // ---- expressions ----------------------------------------------------------------------------
    /// An atom over parameters and variables (guards, properties).
    std::string atom() {
        if (extra_chance(12)) {
            return arithmetic_atom();
        }
        std::vector<std::string> options{"flag", "!flag"};
        for (int i = 0; i < bools_; ++i) {
            options.push_back(fmt::format("b{}", i));
            options.push_back(fmt::format("!b{}", i));
        }
        if (has_mode_) {
            options.push_back(fmt::format("mode {} M{}", coin() ? "==" : "!=", pick(0, 2)));
        }
        if (has_limit_) {
            options.emplace_back("n < limit");
            options.push_back(fmt::format("n {} {}", coin() ? "==" : ">=", pick(0, limit_hi_)));
        }
        if (has_left_) {
            options.push_back(fmt::format("left {} {}", coin() ? "==" : ">", pick(0, limit_hi_)));
        }
        if (wide_var_) {
            auto v = wide_values_[static_cast<std::size_t>(pick(0, 2))];
            options.push_back(fmt::format("w {} {}", coin() ? "==" : "<", v));
        }
        if (has_phase_) {
            options.push_back(fmt::format("ph {} P{}", coin() ? "==" : "!=", pick(0, 2)));
        }
        if (structural_t0_) {
            options.push_back(fmt::format("t0 > {}", pick(0, 5)));
            if (has_limit_) {
                options.emplace_back("n < t0");
            }
        }
        return one_of(options);
    }

    /// An atom with `?:` or `*` by a constant.
    std::string arithmetic_atom() {
        feature_once("conditional");
        std::vector<std::string> options{"(flag ? 1 : 2) * 3 > 4", "(flag ? !flag : true)"};
        if (bools_ > 0) {
            options.emplace_back("(flag ? b0 : !b0)");
        }
        if (has_limit_) {
            options.emplace_back("2 * n < limit + 1");
            options.emplace_back("(flag ? n : limit) > 0");
            options.emplace_back("limit * 2 >= n + 1");
        }
        if (has_mode_) {
            options.emplace_back("(mode == M1 ? 1 : 2) * 2 > 3");
        }
        if (has_phase_) {
            options.push_back(fmt::format("(flag ? ph : P1) == P{}", extra_pick(0, 2)));
        }
        return extra_one_of(options);
    }

    std::string guard(int depth) {
        if (depth == 0 || chance(60)) {
            return atom();
        }
        return "(" + guard(depth - 1) + (coin() ? " && " : " || ") + guard(depth - 1) + ")";
    }

    /// Updates of one row: each variable at most once.
    std::string updates() {
        std::vector<std::string> parts;
        if (chance(25)) {
            std::vector<std::string> options{"flag := !flag", "flag := true", "flag := false"};
            if (bools_ > 0) {
                options.emplace_back("flag := b0 || flag");
            }
            parts.push_back(one_of(options));
        }
        if (has_phase_ && chance(30)) {
            parts.push_back(fmt::format("ph := P{}", pick(0, 2)));
        }
        if (has_limit_ && chance(15)) {
            parts.emplace_back(coin() ? "n := 0" : "n := limit");
        }
        if (wide_var_ && chance(25)) {
            parts.push_back(fmt::format("w := {}", wide_values_[static_cast<std::size_t>(pick(0, 2))]));
        }
        if (chance(8)) {
            parts.emplace_back(coin() ? "reset volatile" : "reset all");
        }
        if (extra_chance(25)) {
            conditional_update(parts);
        }
        std::string out;
        for (const auto& p : parts) {
            out += (out.empty() ? "" : ", ") + p;
        }
        return out;
    }

    /// Adds an update with `?:` (or `*` by a constant) to a variable the row does not assign yet.
    void conditional_update(std::vector<std::string>& parts) {
        auto assigned = [&](const std::string& var) {
            return std::any_of(parts.begin(), parts.end(),
                               [&](const std::string& p) { return p.rfind(var + " :=", 0) == 0; });
        };
        std::vector<std::string> options;
        if (!assigned("flag")) {
            options.emplace_back(bools_ > 0 ? "flag := flag ? b0 : true" : "flag := flag ? false : !flag");
        }
        if (has_limit_ && !assigned("n")) {
            options.emplace_back("n := n < limit ? n + 1 : 0");
            options.emplace_back("n := flag ? 0 : n");
        }
        if (has_phase_ && !assigned("ph")) {
            options.emplace_back("ph := ph == P0 ? P1 : P0");
        }
        if (wide_var_ && !assigned("w")) {
            options.push_back(
                fmt::format("w := flag ? {} : w", wide_values_[static_cast<std::size_t>(extra_pick(0, 2))]));
            if (wide_values_[1] >= 0 && 2 * wide_values_[1] <= wide_lo_ + 65535) {
                options.push_back(fmt::format("w := w == {} ? 2 * w : w", wide_values_[1]));
            }
        }
        if (!options.empty()) {
            feature_once("conditional");
            parts.push_back(extra_one_of(options));
        }
    }

    /// A duration, or empty for none.
    std::string duration() {
        std::vector<std::string> options{std::to_string(pick(1, 9))};
        for (const auto& t : timing_) {
            if (t == "t0" && structural_t0_) {
                continue;  // t0 is structural: durations use t1
            }
            options.push_back(t);
            options.push_back(fmt::format("{} + {}", t, pick(1, 5)));
        }
        if (timing_.size() >= 2 && !structural_t0_) {
            options.push_back(fmt::format("{} + {}", timing_[0], timing_[1]));
        }
        if (has_limit_ && !wide_counter_) {
            options.emplace_back("n + 1");
            for (const auto& t : timing_) {
                if (t != "t0" || !structural_t0_) {
                    options.push_back(t + " + n");  // a duration over a timing parameter and a variable
                }
            }
        }
        if (has_left_) {
            options.emplace_back("left");
        }
        if (wide_var_ && wide_lo_ >= 0 && chance(30)) {
            options.emplace_back("w");
        }
        bool timed = !timing_.empty();
        if (!chance(timed ? 55 : 25)) {
            return {};
        }
        std::string d = one_of(options);
        if (extra_chance(15)) {
            feature_once("product");
            return extra_chance(50) ? "2 * (" + d + ")" : "(flag ? " + d + " : 1)";
        }
        return d;
    }

    std::string actor_suffix() { return chance(20) ? std::string(" by ") + one_of(kActors) : std::string{}; }

    std::string row_text(const std::string& source, const std::string& event, const std::string& guard_text,
                         const std::string& update_text, const std::string& target) {
        std::string text = source + " + " + event;
        if (!guard_text.empty()) {
            text += " [" + guard_text + "]";
        }
        if (!update_text.empty()) {
            text += " / " + update_text;
        }
        text += " -> " + target + actor_suffix();
        std::string d = duration();
        if (!d.empty()) {
            text += " after " + d;
        }
        return text;
    }

    /// A random row between S-states (never X), for the base and for overlay replacements.
    std::string random_row(const std::string& source) {
        return row_text(source, fmt::format("e{}", pick(0, 3)), chance(70) ? guard(2) : std::string{}, updates(),
                        any_state());
    }

    void add_row(std::string source, std::string text, bool touches_x = false) {
        Row r;
        if (chance(45)) {
            r.label = fmt::format("L{}", labels_++);
        }
        r.source = std::move(source);
        r.text = std::move(text);
        r.touches_x = touches_x;
        rows_.push_back(std::move(r));
    }

    void rows() {
        for (int s = 0; s < states_; ++s) {
            add_row(state(s), random_row(state(s)));
        }
        if (has_x_) {
            add_row(state(pick(0, states_ - 1)), row_text(any_state(), "e0", guard(1), "", "X"), true);
            add_row("X", row_text("X", fmt::format("e{}", pick(0, 3)), "", updates(), any_state()), true);
        }
        if (has_limit_) {
            // a counter up to the parameter bound; sometimes unguarded (an evaluation error at the top)
            std::string at = any_state();
            bool guarded = wide_counter_ || chance(80);
            add_row(at, row_text(at, "tick", guarded ? "n < limit" : "", "n := n + 1", coin() ? at : any_state()));
            std::string from = any_state();
            add_row(from, row_text(from, fmt::format("e{}", pick(0, 3)), "n >= limit", "", state(goal_)));
        }
        if (has_left_) {
            std::string at = any_state();
            add_row(at, row_text(at, "tick", "left > 0", "left := left - 1", coin() ? at : any_state()));
        }
        if (wide_var_ && wide_lo_ == 0 && chance(40)) {
            // unguarded: leaves the range below 0 (an evaluation error on a wide variable)
            std::string at = any_state();
            add_row(at, row_text(at, "e2", "", fmt::format("w := w - {}", pick(300, 900)), at));
        }
        if (wide_var_) {
            std::string at = any_state();
            add_row(at, row_text(at, "e1", fmt::format("w < {}", wide_values_[1]),
                                 fmt::format("w := w + {}", pick(150, 700)), at));
        }
        for (int i = 0, extra = pick(1, states_); i < extra; ++i) {
            std::string src = any_state();
            add_row(src, random_row(src));
        }
        if (chance(30)) {
            int a = pick(1, states_ - 1);
            int b = pick(0, states_ - 1);
            std::string src = coin() || a == b ? std::string("*") : fmt::format("{{{}, {}}}", state(a), state(b));
            if (src != "*" && has_x_ && coin()) {
                src = fmt::format("{{{}, X}}", state(a));
            }
            add_row(src, row_text(src, "rst", "", coin() ? "reset volatile" : "reset all", "S0"),
                    src.find('X') != std::string::npos);
        }
    }

    /// One event name or a set of them, over e0..e3 (and tick when declared).
    std::string event_set(std::vector<std::string>& pool, int max) {
        std::vector<std::string> chosen;
        for (int i = 0, n = extra_pick(1, max); i < n && !pool.empty(); ++i) {
            auto k = static_cast<std::size_t>(extra_pick(0, static_cast<int>(pool.size()) - 1));
            chosen.push_back(pool[k]);
            pool.erase(pool.begin() + static_cast<std::ptrdiff_t>(k));
        }
        if (chosen.size() == 1) {
            return chosen.front();
        }
        std::string out = "{";
        for (std::size_t i = 0; i < chosen.size(); ++i) {
            out += (i ? ", " : "") + chosen[i];
        }
        return out + "}";
    }

    std::string event_property() {
        std::vector<std::string> events{"e0", "e1", "e2", "e3"};
        if (has_limit_) {
            events.emplace_back("tick");
        }
        std::vector<std::string> pool = events;
        std::string trigger = event_set(pool, 2);
        pool = events;  // the second set may share events with the first
        // a timing parameter with a wide domain would be enumerated once durations feed a monitor
        const bool respond_ok = timing_mode_ == 0 || timing_mode_ == 2;
        switch (extra_pick(0, respond_ok ? 2 : 1)) {
        case 0: {
            feature_once("event-next");
            std::vector<std::string> scope;
            for (int i = 0, n = extra_pick(2, 3); i < n; ++i) {
                auto k = static_cast<std::size_t>(extra_pick(0, static_cast<int>(pool.size()) - 1));
                scope.push_back(pool[k]);
                pool.erase(pool.begin() + static_cast<std::ptrdiff_t>(k));
            }
            std::string out = "after " + trigger + " next {";
            for (std::size_t i = 0; i < scope.size(); ++i) {
                out += (i ? ", " : "") + scope[i];
            }
            return out + "} is " + scope[static_cast<std::size_t>(extra_pick(0, static_cast<int>(scope.size()) - 1))];
        }
        case 1:
            feature_once("event-never");
            return "never " + trigger + " before " + event_set(pool, 2);
        default:
            feature_once("event-respond");
            return "after " + trigger + " respond " + event_set(pool, 2) + " within " +
                   std::to_string(extra_pick(0, 15));
        }
    }

    void feature_once(const std::string& f) {
        if (features_.find(f) == std::string::npos) {
            feature(f);
        }
    }

    /// A state formula for `from`/`to` (no top-level '->').
    std::string place() {
        switch (pick(0, 3)) {
        case 0:
            return "at(" + any_state() + ")";
        case 1:
            return "at(" + any_state() + ") && " + atom();
        case 2:
            return any_state() + " || " + atom();
        default:
            return atom();
        }
    }

    std::string reliance() {
        static constexpr const char* kSets[] = {"{client, choice, response, fault}", "{}",
                                                "{client, choice, response, operator, server_initiative}",
                                                "{client, response}"};
        if (!chance(35)) {
            return std::string{};
        }
        std::string set = one_of(kSets);
        if (lang_chance(30)) {
            feature("qualified-reliance");
            set = lang_chance(50) ? "{client, choice, response(server), operator}"
                                  : "{client, response(bs), fault(server)}";
        }
        return std::string(" relying on ") + set;
    }

    std::string bound() {
        std::vector<std::string> options{std::to_string(pick(0, 30)), "BOUND"};
        for (const auto& t : timing_) {
            if (t == "t0" && structural_t0_) {
                continue;
            }
            options.push_back(t);
            options.push_back(fmt::format("{} + {}", t, pick(1, 20)));
        }
        if (timing_.size() >= 2 && !structural_t0_) {
            options.push_back(fmt::format("{} + {}", timing_[1], timing_[0]));
        }
        return one_of(options);
    }

    std::string property(int index) {
        int kind = index == 0 ? 0 : index == 1 ? pick(2, 3) : pick(0, 3);
        switch (kind) {
        case 0: {
            std::string target = coin() ? "at(" + state(pick(1, states_ - 1)) + ")" : guard(1);
            return "reachable " + target + (chance(30) ? " && " + atom() : std::string{});
        }
        case 1:
            return "invariant " + (coin() ? guard(1) + " || at(S0)" : "at(" + any_state() + ") -> " + atom());
        case 2: {
            std::string out = "recover";
            if (chance(70)) {
                out += " from " + place();
            }
            if (chance(40)) {
                out += " to " + place();
            }
            return out + reliance();
        }
        default: {
            std::string out = "within " + bound();
            if (chance(70)) {
                out += " from " + place();
            }
            if (chance(30)) {
                out += " to " + place();
            }
            return out + reliance();
        }
        }
    }

    // ---- overlay --------------------------------------------------------------------------------
    std::string overlay() {
        std::string out = "overlay random_ov on \"base.lwm2m\" \"a random change\";\n";
        std::set<std::string> used_labels;
        std::vector<std::string> labels;
        for (const auto& r : rows_) {
            if (!r.label.empty() && !r.touches_x) {
                labels.push_back(r.label);
            }
        }
        bool remove_x = has_x_ && chance(70);
        bool removed_property = false;
        for (int i = 0, n = pick(1, 3); i < n; ++i) {
            switch (pick(0, 6)) {
            case 0: {  // a new state with rows in and out
                if (added_y_) {
                    break;
                }
                added_y_ = true;
                out += chance(30) ? "state Y goal;\n" : "state Y;\n";
                out += fmt::format("event ey: {};\n", one_of(kActors));
                out += row_text(any_state(), "ey", chance(50) ? guard(1) : "", "", "Y") + ";\n";
                out += row_text("Y", "ey", "", updates(), any_state()) + ";\n";
                break;
            }
            case 1:
            case 2: {  // remove or replace a labelled row
                std::vector<std::string> free;
                for (const auto& l : labels) {
                    if (!used_labels.contains(l)) {
                        free.push_back(l);
                    }
                }
                if (free.empty()) {
                    break;
                }
                std::string label = one_of(free);
                used_labels.insert(label);
                if (chance(40)) {
                    out += fmt::format("remove transition {};\n", label);
                } else {
                    out += fmt::format("replace {}: {};\n", label, random_row(any_state()));
                }
                break;
            }
            case 3: {
                std::string c = constraint();
                if (!c.empty()) {
                    out += fmt::format("constraint oc{}: {};\n", i, c);
                }
                break;
            }
            case 4:
                if (!removed_property && properties_ > 1) {
                    removed_property = true;
                    out += fmt::format("remove property p{};\n", pick(0, properties_ - 1));
                }
                out += fmt::format("property op{}: {};\n", i, property(pick(0, 3)));
                break;
            case 5:
                out += fmt::format("replace var flag: bool = {} {};\n", flag_initial(), storage());
                break;
            default:
                if (has_limit_ && limit_hi_ > 1) {
                    out += fmt::format("replace parameter limit: int[0..{}];\n", pick(1, limit_hi_ - 1));
                } else if (constraints_ > 0) {
                    out += fmt::format("remove constraint c{};\n", pick(0, constraints_ - 1));
                    constraints_ = 0;  // at most one removal
                }
                break;
            }
        }
        if (remove_x) {
            out += "remove state X;\n";
        }
        return out;
    }

    std::mt19937 rng_;
    std::mt19937 extra_rng_;
    std::mt19937 lang_rng_;
    std::string features_{};
    int bools_{0};
    bool has_mode_{false};
    bool has_limit_{false};
    int limit_hi_{1};
    bool wide_counter_{false};
    bool has_left_{false};
    int counter_hi_{1};
    int timing_mode_{0};
    bool structural_t0_{false};
    std::vector<std::string> timing_{};
    bool wide_var_{false};
    std::int64_t wide_lo_{0};
    std::vector<std::int64_t> wide_values_{};
    bool has_phase_{false};
    int states_{3};
    int goal_{1};
    bool with_overlay_{false};
    bool has_x_{false};
    bool added_y_{false};
    int constraints_{0};
    int properties_{0};
    int labels_{0};
    std::vector<Row> rows_{};
};

void write_file(const std::filesystem::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) {
        throw std::runtime_error("cannot write " + path.string());
    }
}

}  // namespace

RandomModel generate_random_model(unsigned seed) {
    return Generator{seed}.generate(seed);
}

model::LoadResult load_random_model(const RandomModel& m, const std::filesystem::path& dir) {
    std::filesystem::create_directories(dir);
    write_file(dir / "base.lwm2m", m.base);
    if (!m.overlay) {
        return model::load_model((dir / "base.lwm2m").string());
    }
    write_file(dir / "overlay.lwm2m", *m.overlay);
    return model::load_model((dir / "overlay.lwm2m").string());
}

std::filesystem::path save_reproducer(const RandomModel& m, const std::filesystem::path& dir) {
    std::filesystem::create_directories(dir);
    std::string base_name = fmt::format("seed-{}.lwm2m", m.seed);
    write_file(dir / base_name, fmt::format("// seed {}: {}\n{}", m.seed, m.features, m.base));
    if (!m.overlay) {
        return dir / base_name;
    }
    std::string overlay = *m.overlay;
    auto header = overlay.find("\"base.lwm2m\"");
    overlay.replace(header, std::string("\"base.lwm2m\"").size(), "\"" + base_name + "\"");
    auto overlay_name = fmt::format("seed-{}.overlay.lwm2m", m.seed);
    write_file(dir / overlay_name, fmt::format("// seed {}\n{}", m.seed, overlay));
    return dir / overlay_name;
}

// ---- agreement ----------------------------------------------------------------------------------

namespace {

using checker::CheckResult;
using checker::Condition;
using checker::Finding;
using checker::FindingKind;

bool holds(const Condition& c, const model::Configuration& config) {
    return std::any_of(c.literals->begin(), c.literals->end(), [&](const std::vector<checker::Literal>& cube) {
        return std::all_of(cube.begin(), cube.end(), [&](const checker::Literal& l) { return l.holds(config.values); });
    });
}

bool unchecked(const CheckResult& r, FindingKind k) {
    return std::find(r.unchecked.begin(), r.unchecked.end(), k) != r.unchecked.end();
}

/// The configurations the oracle checks: every value of a small domain; for a wide one its
/// bounds, the values at and next to every literal of the results' conditions, and two seeded
/// random values. A seeded sample of the product when it has more than `cap` elements.
std::vector<model::Configuration> oracle_configurations(const model::Model& m,
                                                        const std::vector<const CheckResult*>& results, unsigned seed,
                                                        std::size_t cap) {
    std::mt19937_64 rng{seed};
    std::size_t n = m.parameters.size();
    std::vector<std::set<model::Value>> values(n);
    for (std::size_t i = 0; i < n; ++i) {
        const model::Type& t = m.parameters[i].type;
        auto size = static_cast<std::uint64_t>(t.hi) - static_cast<std::uint64_t>(t.lo);
        if (size < 16) {
            for (model::Value v = t.lo; v <= t.hi; ++v) {
                values[i].insert(v);
            }
            continue;
        }
        values[i] = {t.lo, t.lo + 1, t.hi - 1, t.hi};
        for (int k = 0; k < 2; ++k) {
            values[i].insert(t.lo + static_cast<model::Value>(rng() % (size + 1)));
        }
    }
    for (const CheckResult* r : results) {
        for (const Finding& f : r->findings) {
            if (!f.condition.literals) {
                continue;
            }
            for (const auto& cube : *f.condition.literals) {
                for (const auto& l : cube) {
                    auto param = l.single();
                    if (!param) {
                        continue;  // a linear literal over several parameters: its bounds are sampled anyway
                    }
                    const model::Type& t = m.parameters[*param].type;
                    for (model::Value d : {-1, 0, 1}) {
                        // l.value may sit at a bound of the domain: stay inside it without overflow
                        if ((d < 0 && l.value <= t.lo) || (d > 0 && l.value >= t.hi)) {
                            continue;
                        }
                        model::Value v = l.value + d;
                        if (v >= t.lo && v <= t.hi) {
                            values[*param].insert(v);
                        }
                    }
                }
            }
        }
    }
    std::vector<std::vector<model::Value>> lists;
    long double product = 1;
    for (const auto& s : values) {
        lists.emplace_back(s.begin(), s.end());
        product *= static_cast<long double>(s.size());
    }
    model::Interpreter interp{m};
    std::vector<model::Configuration> out;
    auto add_if_valid = [&](model::Configuration c) {
        if (interp.satisfies_constraints(c)) {
            out.push_back(std::move(c));
        }
    };
    if (product <= static_cast<long double>(cap)) {
        model::Configuration c;
        c.values.assign(n, 0);
        std::vector<std::size_t> index(n, 0);
        while (true) {
            for (std::size_t i = 0; i < n; ++i) {
                c.values[i] = lists[i][index[i]];
            }
            add_if_valid(c);
            std::size_t i = 0;
            while (i < n && ++index[i] == lists[i].size()) {
                index[i++] = 0;
            }
            if (i == n) {
                break;
            }
        }
        return out;
    }
    std::set<std::vector<model::Value>> seen;
    for (std::size_t tries = 0; seen.size() < cap && tries < cap * 8; ++tries) {
        model::Configuration c;
        for (std::size_t i = 0; i < n; ++i) {
            c.values.push_back(lists[i][rng() % lists[i].size()]);
        }
        if (seen.insert(c.values).second) {
            add_if_valid(std::move(c));
        }
    }
    return out;
}

std::string describe(const Condition& c) {
    return c.to_string();
}

/// Compares one engine's result with the oracle's verdicts (finding ids reported per configuration).
void compare_with_oracle(const std::string& engine, const CheckResult& r, const model::Model& m,
                         const std::vector<model::Configuration>& configs,
                         const std::vector<std::set<std::string>>& reported, Agreement& out) {
    model::Interpreter interp{m};
    std::map<std::string, const Finding*> by_id;
    for (const Finding& f : r.findings) {
        by_id[f.id] = &f;
    }
    for (std::size_t c = 0; c < configs.size(); ++c) {
        std::string where = interp.format_configuration(configs[c]);
        for (const Finding& f : r.findings) {
            if (unchecked(r, f.kind) || !f.condition.literals) {
                continue;
            }
            bool expected = holds(f.condition, configs[c]);
            bool actual = reported[c].contains(f.id);
            if (expected != actual) {
                out.disagreements.push_back(fmt::format("oracle vs {}: '{}' (when {}) with {} fixed: {}", engine, f.id,
                                                        describe(f.condition), where,
                                                        actual ? "reported by the fixed run, not by the engine"
                                                               : "reported by the engine, not by the fixed run"));
                return;  // one message per engine and seed is enough
            }
        }
        for (const auto& id : reported[c]) {
            // the kind is in the id ("<code>:<subject>")
            if (by_id.contains(id)) {
                continue;
            }
            bool kind_unchecked = std::any_of(r.unchecked.begin(), r.unchecked.end(), [&](FindingKind k) {
                return id.rfind(std::string(checker::finding_code(k)) + ":", 0) == 0;
            });
            if (!kind_unchecked) {
                out.disagreements.push_back(
                    fmt::format("oracle vs {}: '{}' is reported with {} fixed; the engine does not report it at all",
                                engine, id, where));
                return;
            }
        }
    }
}

}  // namespace

std::vector<std::string> oracle_disagreements(const model::Model& m, const checker::CheckResult& result, unsigned seed,
                                              std::size_t max_configurations) {
    auto configs = oracle_configurations(m, {&result}, seed, max_configurations);
    std::vector<std::set<std::string>> reported;
    for (const auto& config : configs) {
        checker::CheckOptions fixed;
        fixed.fixed.assign(config.values.begin(), config.values.end());
        std::set<std::string> ids;
        for (const Finding& f : checker::check(m, fixed).findings) {
            ids.insert(f.id);
        }
        reported.push_back(std::move(ids));
    }
    Agreement out;
    compare_with_oracle("the result", result, m, configs, reported, out);
    return out.disagreements;
}

Agreement check_agreement(const model::Model& m, unsigned seed, const AgreementOptions& options) {
    Agreement out;
    checker::CheckOptions common;
    common.solver_timeout_ms = options.solver_timeout_ms;
    common.time_limit_ms = options.time_limit_ms;
    common.progress = [](const std::string&) {};

    checker::CheckOptions both_options = common;
    both_options.engine = checker::Engine::Both;
    using Clock = std::chrono::steady_clock;
    auto since = [](Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); };
    auto start = Clock::now();
    CheckResult both = checker::check(m, both_options);
    out.seconds_both = since(start);
    out.cross_checked = true;
    for (const auto& u : both.unknown) {
        if (u.find("disagree") != std::string::npos) {
            out.disagreements.push_back("both: " + u);
            continue;
        }
        if (u.rfind("z3 engine gave up;", 0) == 0 || u.rfind("no cross-check", 0) == 0) {
            out.cross_checked = false;
        }
        out.undecided.push_back(u);
    }

    checker::CheckOptions explicit_options = common;
    explicit_options.engine = checker::Engine::Explicit;
    start = Clock::now();
    CheckResult reference = checker::check(m, explicit_options);
    out.seconds_explicit = since(start);
    out.findings = reference.findings.size();
    for (const auto& u : reference.unknown) {
        out.undecided.push_back("explicit engine: " + u);
    }

    checker::CheckOptions auto_options = common;
    auto_options.engine = checker::Engine::Auto;
    start = Clock::now();
    CheckResult automatic = checker::check(m, auto_options);
    out.auto_chose_explicit = automatic.engine == checker::Engine::Explicit;
    std::vector<const CheckResult*> z3_results{&both};
    if (out.auto_chose_explicit) {
        bool same = automatic.findings.size() == reference.findings.size();
        for (std::size_t i = 0; same && i < reference.findings.size(); ++i) {
            same = automatic.findings[i].id == reference.findings[i].id &&
                   automatic.findings[i].condition.cubes == reference.findings[i].condition.cubes;
        }
        if (!same) {
            out.disagreements.emplace_back("auto: chose the explicit engine but reports other findings or conditions");
        }
    } else {
        z3_results.push_back(&automatic);
    }
    CheckResult forced;
    if (options.auto_forced_to_z3) {
        checker::CheckOptions forced_options = auto_options;
        forced_options.max_configurations = 1;
        forced = checker::check(m, forced_options);
        if (forced.engine == checker::Engine::Z3) {
            z3_results.push_back(&forced);
        }
    }

    out.seconds_auto = since(start);

    start = Clock::now();
    std::vector<const CheckResult*> all = z3_results;
    all.push_back(&reference);
    auto configs = oracle_configurations(m, all, seed, options.oracle_configurations);
    out.oracle_configurations = configs.size();
    std::vector<std::set<std::string>> reported;
    for (const auto& config : configs) {
        checker::CheckOptions fixed = explicit_options;
        fixed.fixed.assign(config.values.begin(), config.values.end());
        CheckResult r = checker::check(m, fixed);
        for (const auto& u : r.unknown) {
            out.undecided.push_back("oracle run (every parameter fixed): " + u);
        }
        std::set<std::string> ids;
        for (const Finding& f : r.findings) {
            ids.insert(f.id);
        }
        reported.push_back(std::move(ids));
    }
    // the same item from several runs is one item
    std::set<std::string> seen;
    std::erase_if(out.undecided, [&](const std::string& u) { return !seen.insert(u).second; });
    out.seconds_oracle = since(start);
    compare_with_oracle("explicit", reference, m, configs, reported, out);
    compare_with_oracle("both", both, m, configs, reported, out);
    for (std::size_t i = 1; i < z3_results.size(); ++i) {
        compare_with_oracle("auto (z3)", *z3_results[i], m, configs, reported, out);
    }
    return out;
}

}  // namespace lwm2mc::test
