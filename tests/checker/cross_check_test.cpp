// SPDX-License-Identifier: Apache-2.0
// The Z3 engine and the explicit engine must agree: same findings, equivalent conditions.
// Checked on the shipped models and on random small models from a seeded generator.

#include "lwm2mc/checker/check.hpp"
#include "lwm2mc/model/loader.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "../model/test_support.hpp"

namespace {

using namespace lwm2mc;

void expect_agreement(const model::Model& m, const std::string& what) {
    checker::CheckOptions both;
    both.engine = checker::Engine::Both;

    checker::CheckResult r = checker::check(m, both);

    std::string undecided;
    for (const auto& u : r.unknown) {
        undecided += "  " + u + "\n";
    }
    EXPECT_TRUE(r.unknown.empty()) << what << ":\n" << undecided;
}

TEST(CrossCheck, EnginesAgreeOnTheShippedModels) {
    for (const char* file : {"lwm2m-ts10-draft.lwm2m", "proposals/2017-0009-ci-with-si.lwm2m"}) {
        auto loaded = model::load_model(std::string(LWM2MC_SPECS_DIR) + "/" + file);
        ASSERT_TRUE(loaded.ok());
        expect_agreement(*loaded.model, file);
    }
}

/// Edge cases found in review: negative timing domains, negative durations, initial values out
/// of range, two timing parameters, structural ints, durations depending on variables. The
/// engines may leave something undecided here (and say so) but must never disagree.
TEST(CrossCheck, EnginesNeverDisagreeOnTheEdgeCaseModels) {
    std::filesystem::path dir = std::filesystem::path(LWM2MC_TEST_DATA_DIR) / "models" / "edge";
    std::size_t checked = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        auto loaded = model::load_model(entry.path().string());
        ASSERT_TRUE(loaded.ok()) << entry.path();
        checker::CheckOptions both;
        both.engine = checker::Engine::Both;

        checker::CheckResult r = checker::check(*loaded.model, both);

        for (const auto& u : r.unknown) {
            EXPECT_EQ(u.find("disagree"), std::string::npos) << entry.path() << ": " << u;
        }
        ++checked;
    }
    EXPECT_GE(checked, 10U);
}

/// Small random models: a few bool/enum parameters, an optional timing parameter, bounded
/// variables, random guards, updates, actors and the four property kinds.
class Generator {
public:
    explicit Generator(unsigned seed) : rng_{seed} {}

    std::string model() {
        std::string out = "model random;\n";
        bools_ = pick(1, 3);
        for (int i = 0; i < bools_; ++i) {
            out += fmt::format("parameter b{}: bool;\n", i);
        }
        has_enum_ = coin();
        if (has_enum_) {
            out += "parameter mode: enum { M0, M1, M2 };\n";
        }
        has_timer_ = coin();
        if (has_timer_) {
            out += "parameter h: int[0..30];\n";
        }
        if (coin()) {
            out += "constraint some: b0 || " + (bools_ > 1 ? std::string("b1") : std::string("!b0")) + ";\n";
        }
        ints_ = pick(0, 2);
        for (int i = 0; i < ints_; ++i) {
            out += fmt::format("var n{}: int[0..2] = 0 {};\n", i, coin() ? "persistent" : "volatile");
        }
        out += "var flag: bool = b0 persistent;\n";
        states_ = pick(3, 6);
        for (int i = 0; i < states_; ++i) {
            out += fmt::format("state S{}{}{};\n", i, i == 0 ? " initial" : "", i == states_ - 1 ? " goal" : "");
        }
        static const char* kActors[] = {"client",        "choice", "response", "server_initiative",
                                        "bs_initiative", "fault",  "operator"};
        for (int e = 0; e < 3; ++e) {
            out += fmt::format("event e{}: {};\n", e, kActors[pick(0, 6)]);
        }
        int rows = pick(states_, states_ * 2 + 2);
        for (int r = 0; r < rows; ++r) {
            int src = r < states_ ? r : pick(0, states_ - 1);
            int dst = pick(0, states_ - 1);
            std::string row = fmt::format("S{} + e{}", src, pick(0, 2));
            if (pick(0, 3) > 0) {
                row += " [" + guard(2) + "]";
            }
            std::string updates = update();
            if (!updates.empty()) {
                row += " / " + updates;
            }
            row += fmt::format(" -> S{}", dst);
            if (pick(0, 3) == 0) {
                row += std::string(" by ") + kActors[pick(0, 6)];
            }
            if (has_timer_ && coin()) {
                row += coin() ? " after h" : fmt::format(" after {}", pick(1, 9));
            }
            out += row + ";\n";
        }
        out += fmt::format("property r: reachable at(S{});\n", pick(1, states_ - 1));
        out += fmt::format("property back: recover from at(S{}){};\n", pick(0, states_ - 1),
                           coin() ? " relying on {client, choice, response, fault}" : "");
        out += "property inv: invariant " + guard(1) + " || at(S0);\n";
        if (has_timer_) {
            out += fmt::format("property quick: within {} from at(S0);\n", pick(5, 40));
        }
        return out;
    }

private:
    int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
    bool coin() { return pick(0, 1) == 1; }

    std::string atom() {
        switch (pick(0, 4)) {
        case 0:
            return fmt::format("b{}", pick(0, bools_ - 1));
        case 1:
            return fmt::format("!b{}", pick(0, bools_ - 1));
        case 2:
            return ints_ ? fmt::format("n{} {} {}", pick(0, ints_ - 1), coin() ? "<" : "==", pick(0, 2)) : "flag";
        case 3:
            return has_enum_ ? fmt::format("mode {} M{}", coin() ? "==" : "!=", pick(0, 2)) : "!flag";
        default:
            return coin() ? "flag" : "true";
        }
    }

    std::string guard(int depth) {
        if (depth == 0 || coin()) {
            return atom();
        }
        return "(" + guard(depth - 1) + (coin() ? " && " : " || ") + guard(depth - 1) + ")";
    }

    std::string update() {
        std::vector<std::string> parts;
        if (ints_ && coin()) {
            int i = pick(0, ints_ - 1);
            parts.push_back(coin() ? fmt::format("n{} := n{} + 1", i, i) : fmt::format("n{} := {}", i, pick(0, 2)));
        }
        if (pick(0, 3) == 0) {
            parts.push_back("flag := !flag");
        }
        if (pick(0, 7) == 0) {
            parts.push_back(coin() ? "reset volatile" : "reset all");
        }
        std::string out;
        for (const auto& p : parts) {
            out += (out.empty() ? "" : ", ") + p;
        }
        return out;
    }

    std::mt19937 rng_;
    int bools_{1};
    int ints_{0};
    int states_{3};
    bool has_enum_{false};
    bool has_timer_{false};
};

class RandomModel : public testing::TestWithParam<unsigned> {};

TEST_P(RandomModel, EnginesAgree) {
    Generator gen{GetParam()};
    std::string text = gen.model();

    auto loaded = test::load_text(text, fmt::format("random-{}.lwm2m", GetParam()));

    ASSERT_TRUE(loaded.ok()) << text << model::format_diagnostics(loaded.diagnostics);
    expect_agreement(*loaded.model, text);
}

INSTANTIATE_TEST_SUITE_P(Seeds, RandomModel, testing::Range(1U, 61U));

}  // namespace
