// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "lwm2mc/model/source.hpp"

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace lwm2mc::model {

enum class TypeKind : std::uint8_t { Bool, Int, Enum };

/// A value type. Int carries its inclusive bounds; Enum the index of its enumeration.
/// The type of an arithmetic expression is Int with the widest bounds.
struct Type {
    TypeKind kind{TypeKind::Bool};
    std::int64_t lo{0};
    std::int64_t hi{1};
    std::uint32_t enum_id{0};

    static Type boolean() { return {TypeKind::Bool, 0, 1, 0}; }
    static Type integer(std::int64_t lo = std::numeric_limits<std::int64_t>::min(),
                        std::int64_t hi = std::numeric_limits<std::int64_t>::max()) {
        return {TypeKind::Int, lo, hi, 0};
    }
    static Type enumeration(std::uint32_t id, std::int64_t size) { return {TypeKind::Enum, 0, size - 1, id}; }
    /// Same kind (and same enumeration): values of one may be compared with or assigned to the other.
    bool compatible(const Type& other) const {
        return kind == other.kind && (kind != TypeKind::Enum || enum_id == other.enum_id);
    }
    bool contains(std::int64_t v) const { return v >= lo && v <= hi; }
};

/// Expression operators. `Name` only occurs before name resolution.
enum class Op : std::uint8_t {
    BoolLit,
    IntLit,
    Name,
    Const,
    EnumLit,
    Param,
    Var,
    AtState,
    Not,
    Neg,
    And,
    Or,
    Implies,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,   ///< `a * b`: at least one operand is a constant expression (keeps arithmetic linear)
    Cond,  ///< `c ? a : b`: lhs = c, rhs = a, third = b
};

struct Expr;
using ExprPtr = std::shared_ptr<const Expr>;

/// An immutable expression node. After resolution `type` is set and `index` names the
/// parameter, variable, state or enum literal; `value` holds literals and folded constants.
struct Expr {
    Op op{Op::BoolLit};
    Type type{};
    std::int64_t value{0};
    std::uint32_t index{0};
    std::string name{};
    ExprPtr lhs{};
    ExprPtr rhs{};
    SourceRange range{};
    ExprPtr third{};         ///< the else branch of Op::Cond; null otherwise
    std::uint32_t depth{1};  ///< height of the tree; the parser keeps it <= 128 so walkers cannot overflow the stack
};

/// Sets used[p] for every parameter p that `expr` mentions (null: nothing); indices past the end are ignored.
void mark_parameters(const ExprPtr& expr, std::vector<bool>& used);

bool is_binary(Op op);
bool is_unary(Op op);
/// The children of `e` in order (lhs, rhs, third), leaving out absent ones.
std::vector<const Expr*> children(const Expr& e);
/// The operator's spelling in the model language ("&&", "->", "!", ...); empty for leaves.
const char* op_spelling(Op op);
/// Binding strength used by the parser and the printer (higher binds tighter).
int op_precedence(Op op);

}  // namespace lwm2mc::model
