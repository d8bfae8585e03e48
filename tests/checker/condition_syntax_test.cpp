// SPDX-License-Identifier: Apache-2.0
// Conditions are written in model syntax by one printer for both engines, from structured linear
// literals: a condition the Z3 engine prints loads again as a model expression and means the same.

#include "lwm2mc/checker/check.hpp"
#include "lwm2mc/model/interpreter.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "../../checker/src/condition.hpp"
#include "../model/test_support.hpp"

namespace {

using namespace lwm2mc;
using checker::Literal;

/// Two timing parameters on one path: `within 4` fails exactly when d1 + d2 > 4.
constexpr const char* kTwoDelays = R"(
model two_delays "two timing parameters on one path";
parameter d1: int[0..10];
parameter d2: int[0..10];
parameter alt: bool;
state Idle initial;
state Waiting;
state Done goal;
event start: client;
event finish: client;
event again: operator;
Idle + start -> Waiting after d1;
Waiting + finish [alt || !alt] -> Done after d2;
Done + again -> Idle;
property quick: within 4 from at(Idle);
)";

/// The parameters of `kTwoDelays`, as declarations for a model that only tests an expression.
constexpr const char* kParameters = R"(
parameter d1: int[0..10];
parameter d2: int[0..10];
parameter alt: bool;
)";

const checker::Finding* find(const checker::CheckResult& r, const std::string& id) {
    auto it = std::find_if(r.findings.begin(), r.findings.end(), [&](const checker::Finding& f) { return f.id == id; });
    return it == r.findings.end() ? nullptr : &*it;
}

checker::CheckOptions quiet(checker::Engine engine) {
    checker::CheckOptions options;
    options.engine = engine;
    options.progress = [](const std::string&) {};
    return options;
}

/// A model declaring `parameters` whose only constraint is `condition`: loads only when the
/// condition is model syntax.
model::LoadResult load_condition(const std::string& parameters, const std::string& condition) {
    return test::load_text(
        fmt::format("model probe;\n{}\nconstraint cond: {};\nstate S initial goal;\n", parameters, condition));
}

TEST(ConditionSyntax, NormalisesLinearLiteralsToPositiveCoefficientsAndAConstantOnTheRight) {
    struct Case {
        Literal in;
        Literal out;
    };
    using Op = Literal::Op;
    // clang-format off
    const std::vector<Case> cases = {
        // -d1 - d2 < -4  is  d1 + d2 > 4
        {{Op::Lt, {{-1, 0}, {-1, 1}}, -4}, {Op::Gt, {{1, 0}, {1, 1}}, 4}},
        // 2 d1 + 2 d2 > 9  is  d1 + d2 > 4;  2 d1 + 2 d2 < 9  is  d1 + d2 < 5
        {{Op::Gt, {{2, 0}, {2, 1}}, 9}, {Op::Gt, {{1, 0}, {1, 1}}, 4}},
        {{Op::Lt, {{2, 0}, {2, 1}}, 9}, {Op::Lt, {{1, 0}, {1, 1}}, 5}},
        // -h < -598  is  h > 598; repeated and zero terms are merged
        {{Op::Lt, {{-1, 0}}, -598}, {Op::Gt, {{1, 0}}, 598}},
        {{Op::Eq, {{1, 1}, {1, 0}, {-1, 1}}, 3}, {Op::Eq, {{1, 0}}, 3}},
        // -d1 + d2 > -3  is  d1 - d2 < 3 (as many signs each way: the constant decides)
        {{Op::Gt, {{-1, 0}, {1, 1}}, -3}, {Op::Lt, {{1, 0}, {-1, 1}}, 3}},
        // 2 d1 == 3 cannot be divided: kept
        {{Op::Eq, {{2, 0}}, 3}, {Op::Eq, {{2, 0}}, 3}},
    };
    // clang-format on

    for (const Case& c : cases) {
        Literal got = checker::normalise_literal(c.in);

        EXPECT_EQ(got, c.out) << checker::format_literal(test::load_valid(kTwoDelays), got);
    }
}

TEST(ConditionSyntax, PrintsEveryLiteralInModelSyntaxOrSaysItIsNot) {
    const std::string parameters = std::string(kParameters) + "parameter mode: enum { Quick, Slow };\n";
    model::Model m = test::load_valid("model p;\n" + parameters + "state S initial goal;\n");
    using Op = Literal::Op;
    const std::vector<std::pair<Literal, std::string>> cases = {
        {Literal::compare(2, Op::Eq, 1), "alt"},
        {Literal::compare(2, Op::Eq, 0), "!alt"},
        {Literal::compare(2, Op::Ne, 1), "!alt"},
        {Literal::compare(3, Op::Eq, 0), "mode == Quick"},
        {Literal::compare(3, Op::Ne, 0), "mode != Quick"},
        {Literal::compare(0, Op::Gt, 598), "d1 > 598"},
        {{Op::Gt, {{1, 0}, {1, 1}}, 4}, "d1 + d2 > 4"},
        {{Op::Lt, {{1, 0}, {-1, 1}}, 3}, "d1 - d2 < 3"},
        {{Op::Gt, {{-1, 0}, {1, 1}}, 3}, "d2 - d1 > 3"},
        {{Op::Gt, {{2, 0}, {1, 1}}, 4}, "d1 + d1 + d2 > 4"},
        {{Op::Gt, {{5, 0}, {1, 1}}, 4}, "5 * d1 + d2 > 4"},
        {{Op::Gt, {{1, 3}, {1, 0}}, 0}, "mode + d1 > 0 /* not model syntax: 'mode' is not an int */"},
    };

    for (const auto& [literal, text] : cases) {
        std::string got = checker::format_literal(m, literal);

        EXPECT_EQ(got, text);
        bool model_syntax = text.find("not model syntax") == std::string::npos;
        auto loaded = load_condition(parameters, got);
        EXPECT_EQ(loaded.ok(), model_syntax) << got << "\n" << model::format_diagnostics(loaded.diagnostics);
    }
}

/// The Z3 engine used to print `(-1 * d1) + (-1 * d2) < -4`; now the condition is structured,
/// printed by the explicit engine's printer, loads as a constraint and means the same.
TEST(ConditionSyntax, Z3WritesAConditionLinearInTwoTimingParametersInModelSyntax) {
    model::Model m = test::load_valid(kTwoDelays);

    checker::CheckResult z3 = checker::check(m, quiet(checker::Engine::Z3));
    checker::CheckResult reference = checker::check(m, quiet(checker::Engine::Explicit));

    const auto* quick = find(z3, "within:quick");
    ASSERT_NE(quick, nullptr);
    EXPECT_EQ(quick->condition.to_string(), "d1 + d2 > 4");
    ASSERT_TRUE(quick->condition.literals.has_value());
    ASSERT_EQ(quick->condition.literals->size(), 1U);
    EXPECT_EQ(quick->condition.literals->front(), (std::vector<Literal>{{Literal::Op::Gt, {{1, 0}, {1, 1}}, 4}}));
    auto loaded = load_condition(kParameters, quick->condition.to_string());
    ASSERT_TRUE(loaded.ok()) << model::format_diagnostics(loaded.diagnostics);
    const auto* explicit_quick = find(reference, "within:quick");
    ASSERT_NE(explicit_quick, nullptr);
    ASSERT_TRUE(explicit_quick->condition.literals.has_value());
    model::Interpreter interp{*loaded.model};
    for (std::int64_t d1 = 0; d1 <= 10; ++d1) {
        for (std::int64_t d2 = 0; d2 <= 10; ++d2) {
            for (std::int64_t alt = 0; alt <= 1; ++alt) {
                std::vector<std::int64_t> v{d1, d2, alt};
                bool in_explicit = std::any_of(explicit_quick->condition.literals->begin(),
                                               explicit_quick->condition.literals->end(), [&](const auto& cube) {
                                                   return std::all_of(cube.begin(), cube.end(),
                                                                      [&](const Literal& l) { return l.holds(v); });
                                               });
                EXPECT_EQ(interp.satisfies_constraints(model::Configuration{v}), in_explicit)
                    << "d1=" << d1 << " d2=" << d2 << " alt=" << alt;
            }
        }
    }
}

/// Every condition the Z3 engine prints on the edge-case models is model syntax wherever its
/// literals are structured: it loads as a constraint over the model's parameters.
TEST(ConditionSyntax, Z3ConditionsWithStructuredLiteralsLoadAsConstraints) {
    model::Model m = test::load_file(std::string(LWM2MC_TEST_DATA_DIR) + "/models/edge/t9_twoparams.lwm2m");
    std::string parameters;
    for (const auto& p : m.parameters) {
        parameters += fmt::format("parameter {}: int[{}..{}];\n", p.name, p.type.lo, p.type.hi);
    }

    checker::CheckResult r = checker::check(m, quiet(checker::Engine::Z3));

    std::size_t structured = 0;
    for (const auto& f : r.findings) {
        if (!f.condition.literals || f.condition.always()) {
            continue;
        }
        ++structured;
        auto loaded = load_condition(parameters, f.condition.to_string());
        EXPECT_TRUE(loaded.ok()) << f.id << ": " << f.condition.to_string() << "\n"
                                 << model::format_diagnostics(loaded.diagnostics);
    }
    EXPECT_GT(structured, 0U);
}

}  // namespace
