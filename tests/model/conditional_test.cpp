// SPDX-License-Identifier: Apache-2.0
// `c ? a : b` and `*` by constants: parsing, types, the interpreter, printing (docs/language.md,
// "Conditional expressions and multiplication").

#include "lwm2mc/model/interpreter.hpp"
#include "lwm2mc/model/printer.hpp"

#include <gtest/gtest.h>

#include <string>

#include "test_support.hpp"

namespace {

using namespace lwm2mc;

const std::string kHead = R"(
model m;
const BASE = 60;
parameter p: int[0..3];
var k: int[0..4] = 0 volatile;
var b: bool = false volatile;
state A initial goal;
event e: client;
)";

/// The value of `expr` as the initial value of a wide int variable, under p = `p`.
std::int64_t value_of(const std::string& expr, std::int64_t p = 2) {
    model::Model m = test::load_valid(kHead + "var out: int[-100000..100000] = " + expr + " volatile;\nA + e -> A;\n");
    model::Configuration config;
    config.values = {p};
    model::Interpreter interp{m};
    return interp.initial_state(config).vars.back();
}

TEST(ConditionalExpression, PicksTheBranchOfItsCondition) {
    EXPECT_EQ(value_of("p > 1 ? 10 : 20", 2), 10);
    EXPECT_EQ(value_of("p > 1 ? 10 : 20", 1), 20);
}

TEST(ConditionalExpression, IsRightAssociative) {
    EXPECT_EQ(value_of("p == 0 ? 1 : p == 1 ? 2 : p == 2 ? 3 : 4", 2), 3);
    EXPECT_EQ(value_of("p == 0 ? 1 : p == 1 ? 2 : p == 2 ? 3 : 4", 3), 4);
}

TEST(ConditionalExpression, BindsWeakerThanImplication) {
    // (p > 5 -> false) ? 1 : 2  is 1: the implication holds because p > 5 does not
    EXPECT_EQ(value_of("(p > 5 -> false ? 1 : 2)", 2), 1);
}

TEST(ConditionalExpression, HasTheUnionOfItsBranchRangesAsType) {
    model::Model m = test::load_valid(kHead + "A + e / k := b ? 1 : 3 -> A;\n");

    const model::Expr& value = *m.transition(model::TransitionId{0U}).updates.front().value;

    EXPECT_EQ(value.op, model::Op::Cond);
    EXPECT_EQ(value.type.kind, model::TypeKind::Int);
    EXPECT_EQ(value.type.lo, 1);
    EXPECT_EQ(value.type.hi, 3);
}

TEST(Multiplication, ComputesTheRetryBackOff) {
    // 60 * 2^(k-1) for k = 1..4, written with ?: and *
    const std::string backoff = "BASE * (p == 0 ? 1 : p == 1 ? 2 : p == 2 ? 4 : 8)";
    EXPECT_EQ(value_of(backoff, 0), 60);
    EXPECT_EQ(value_of(backoff, 3), 480);
}

TEST(Multiplication, BindsTighterThanAdditionAndLooserThanNegation) {
    EXPECT_EQ(value_of("1 + 2 * 3"), 7);
    EXPECT_EQ(value_of("-p * 3", 2), -6);
    EXPECT_EQ(value_of("2 * p * 3", 2), 12);
}

TEST(Multiplication, AcceptsAConstantOnEitherSide) {
    EXPECT_EQ(test::diagnostics_of(kHead + "A + e / k := k * 2 > 4 ? 0 : k * 2 -> A;\n"), "");
    EXPECT_EQ(test::diagnostics_of(kHead + "A + e [2 * p + BASE * (1 + 1) > k] -> A;\n"), "");
}

TEST(Multiplication, RejectsAProductOfTwoNonConstants) {
    std::string d = test::diagnostics_of(kHead + "A + e [p * k > 1] -> A;\n");

    EXPECT_NE(d.find("E070"), std::string::npos) << d;
}

TEST(ConditionalExpression, RejectsANonBooleanConditionAndIncompatibleBranches) {
    std::string cond = test::diagnostics_of(kHead + "A + e / k := k ? 1 : 2 -> A;\n");
    std::string branches = test::diagnostics_of(kHead + "A + e / b := b ? true : 1 -> A;\n");

    EXPECT_NE(cond.find("condition of '?:'"), std::string::npos) << cond;
    EXPECT_NE(branches.find("else branch of '?:'"), std::string::npos) << branches;
}

TEST(ConditionalExpression, PrintsWithTheFewestParenthesesThatKeepItsStructure) {
    const std::string rows = R"(A + e [(b -> p > 1) ? b : (p > 2 -> b)] -> A;
A + e / k := (b ? 1 : 2) + 1 -> A;
A + e / k := b ? 1 : p > 2 ? 2 : 3 -> A;
A + e / k := (b ? p > 1 : b) ? 1 : 2 -> A;
A + e / k := -(p * 2) + 2 * (p + 1) -> A;
)";
    model::FormatResult first = model::format_source("model m;\n" + rows, "t.lwm2m");
    ASSERT_TRUE(first.text);

    model::FormatResult second = model::format_source(*first.text, "t.lwm2m");

    ASSERT_TRUE(second.text);
    EXPECT_EQ(*second.text, *first.text);
    EXPECT_NE(first.text->find("[(b -> p > 1) ? b : (p > 2 -> b)]"), std::string::npos) << *first.text;
    EXPECT_NE(first.text->find("k := (b ? 1 : 2) + 1"), std::string::npos) << *first.text;
    EXPECT_NE(first.text->find("k := b ? 1 : p > 2 ? 2 : 3"), std::string::npos) << *first.text;
    EXPECT_NE(first.text->find("k := (b ? p > 1 : b) ? 1 : 2"), std::string::npos) << *first.text;
    EXPECT_NE(first.text->find("k := -(p * 2) + 2 * (p + 1)"), std::string::npos) << *first.text;
}

TEST(ConditionalExpression, InAnUpdateStopsBeforeTheTargetArrow) {
    model::Model m = test::load_valid(kHead + "state B;\nA + e / k := b ? 1 : 2 -> B;\nB + e -> A;\n");

    EXPECT_EQ(m.state(m.transition(model::TransitionId{0U}).target).name, "B");
}

}  // namespace
