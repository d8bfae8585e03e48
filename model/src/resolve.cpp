// SPDX-License-Identifier: Apache-2.0
#include "detail/resolve.hpp"

#include "lwm2mc/model/interpreter.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "detail/diag.hpp"

namespace lwm2mc::model::detail {

const char* element_kind_name(ElementKind kind) {
    switch (kind) {
    case ElementKind::Transition:
        return "transition";
    case ElementKind::State:
        return "state";
    case ElementKind::Constraint:
        return "constraint";
    case ElementKind::Property:
        return "property";
    case ElementKind::Event:
        return "event";
    case ElementKind::Parameter:
        return "parameter";
    case ElementKind::Var:
        return "var";
    case ElementKind::Const:
        return "const";
    case ElementKind::Type:
        return "type";
    case ElementKind::Goal:
        return "goal";
    case ElementKind::Region:
        return "region";
    }
    return "element";
}

ElementKind decl_kind(const Decl& decl) {
    struct Visitor {
        ElementKind operator()(const IncludeDecl&) const { return ElementKind::Const; }
        ElementKind operator()(const ConstDecl&) const { return ElementKind::Const; }
        ElementKind operator()(const ParamDecl&) const { return ElementKind::Parameter; }
        ElementKind operator()(const ConstraintDecl&) const { return ElementKind::Constraint; }
        ElementKind operator()(const VarDecl&) const { return ElementKind::Var; }
        ElementKind operator()(const StateDecl&) const { return ElementKind::State; }
        ElementKind operator()(const EventDecl&) const { return ElementKind::Event; }
        ElementKind operator()(const TransitionDecl&) const { return ElementKind::Transition; }
        ElementKind operator()(const PropertyDecl&) const { return ElementKind::Property; }
        ElementKind operator()(const RemoveDecl& r) const { return r.kind; }
        ElementKind operator()(const ForDecl&) const { return ElementKind::Const; }     // expanded by the loader
        ElementKind operator()(const RegionDecl&) const { return ElementKind::Const; }  // expanded by the loader
        ElementKind operator()(const TypeDecl&) const { return ElementKind::Type; }
        ElementKind operator()(const GoalDecl&) const { return ElementKind::Goal; }
    };
    return std::visit(Visitor{}, decl.body);
}

namespace {

enum class SymbolKind { Const, Param, Var, EnumLit, State };

const char* symbol_kind_name(SymbolKind kind) {
    switch (kind) {
    case SymbolKind::Const:
        return "constant";
    case SymbolKind::Param:
        return "parameter";
    case SymbolKind::Var:
        return "variable";
    case SymbolKind::EnumLit:
        return "enumeration literal";
    case SymbolKind::State:
        return "state";
    }
    return "name";
}

struct Symbol {
    SymbolKind kind{};
    std::uint32_t index{0};
    SourceRange range{};
};

/// Where an expression occurs: what it may mention and how to describe it in messages.
struct Context {
    const char* what{"an expression"};
    bool vars{false};
    bool params{true};
    bool states{false};
};

class Resolver {
public:
    Resolver(Program& program, std::vector<Diagnostic>& diagnostics) : program_{program}, diags_{diagnostics} {}

    std::optional<Model> run() {
        model_.name = program_.name;
        model_.title = program_.title;
        model_.base_name = program_.base_name;
        model_.files = program_.files;
        declare_symbols();
        resolve_types();
        resolve_states();
        resolve_events();
        resolve_variables();
        resolve_regions();
        resolve_constraints();
        resolve_transitions();
        resolve_properties();
        resolve_goal();
        if (errors_) {
            return std::nullopt;
        }
        return std::move(model_);
    }

private:
    void error(Diagnostic d) {
        ++errors_;
        diags_.push_back(std::move(d));
    }

    // ---- pass 1: names -----------------------------------------------------------------------
    void declare_value(const Name& name, SymbolKind kind, std::uint32_t index) {
        auto [it, inserted] = values_.try_emplace(name.text, Symbol{kind, index, name.range});
        if (!inserted) {
            error(diag::duplicate(name.range, symbol_kind_name(kind), name.text, it->second.range,
                                  symbol_kind_name(it->second.kind)));
        }
    }

    void declare_in(std::unordered_map<std::string, SourceRange>& table, const Name& name, const char* kind) {
        auto [it, inserted] = table.try_emplace(name.text, name.range);
        if (!inserted) {
            error(diag::duplicate(name.range, kind, name.text, it->second));
        }
    }

    /// The elements of an array share one enumeration, declared by the first element and named after the array.
    void declare_enum(const TypeSyntax& type, const std::string& owner, const ArrayElement& array = {}) {
        if (type.kind != TypeKind::Enum || !type.named.text.empty()) {
            return;
        }
        if (!array.array.empty()) {
            if (auto it = array_enum_.find(array.array); it != array_enum_.end()) {
                enum_of_decl_[&type] = it->second;
                return;
            }
            array_enum_[array.array] = static_cast<std::uint32_t>(model_.enums.size());
        }
        auto id = static_cast<std::uint32_t>(model_.enums.size());
        EnumType e;
        e.name = array.array.empty() ? owner : array.array;
        std::unordered_map<std::string, SourceRange> seen;
        for (const auto& lit : type.literals) {
            auto [it, inserted] = seen.try_emplace(lit.text, lit.range);
            if (!inserted) {
                error(diag::duplicate(lit.range, "enumeration literal", lit.text, it->second));
                continue;
            }
            declare_value(lit, SymbolKind::EnumLit, id);
            literal_index_[lit.text] = static_cast<std::int64_t>(e.literals.size());
            e.literals.push_back(lit.text);
            e.literal_ranges.push_back(lit.range);
        }
        enum_of_decl_[&type] = id;
        model_.enums.push_back(std::move(e));
    }

    /// `type NAME = enum {...}`: one enumeration that every `: NAME` shares.
    void declare_named_type(const TypeDecl& body, const Decl& decl) {
        auto [it, inserted] = named_types_.try_emplace(body.name.text, 0U);
        if (!inserted) {
            error(diag::duplicate(body.name.range, "type", body.name.text, model_.enums[it->second].range));
            return;
        }
        it->second = static_cast<std::uint32_t>(model_.enums.size());
        declare_enum(body.type, body.name.text);
        EnumType& e = model_.enums.back();
        e.named = true;
        e.doc = decl.doc;
        e.ref = decl.ref;
        e.range = body.name.range;
    }

    void declare_symbols() {
        std::unordered_map<std::string, SourceRange> events, constraints, properties, labels;
        for (Decl& decl : program_.decls) {
            if (decl.replace) {
                error(diag::overlay_only(decl.range, "replace"));
                continue;  // not a declaration of its own: no follow-up duplicate errors
            }
            std::visit(
                [&](auto& body) {
                    using T = std::decay_t<decltype(body)>;
                    if constexpr (std::is_same_v<T, ConstDecl>) {
                        declare_value(body.name, SymbolKind::Const, static_cast<std::uint32_t>(consts_.size()));
                        consts_.push_back(&body);
                    } else if constexpr (std::is_same_v<T, ParamDecl>) {
                        declare_value(body.name, SymbolKind::Param, static_cast<std::uint32_t>(params_.size()));
                        params_.push_back({&body, &decl});
                        declare_enum(body.type, body.name.text, body.array);
                    } else if constexpr (std::is_same_v<T, VarDecl>) {
                        declare_value(body.name, SymbolKind::Var, static_cast<std::uint32_t>(vars_.size()));
                        vars_.push_back({&body, &decl});
                        declare_enum(body.type, body.name.text, body.array);
                    } else if constexpr (std::is_same_v<T, StateDecl>) {
                        declare_value(body.name, SymbolKind::State, static_cast<std::uint32_t>(states_.size()));
                        states_.push_back({&body, &decl});
                    } else if constexpr (std::is_same_v<T, EventDecl>) {
                        auto [it, inserted] = events.try_emplace(body.name.text, body.name.range);
                        if (!inserted) {
                            error(diag::duplicate(body.name.range, "event", body.name.text, it->second));
                        } else {
                            event_index_[body.name.text] = static_cast<std::uint32_t>(events_.size());
                            events_.push_back({&body, &decl});
                        }
                    } else if constexpr (std::is_same_v<T, ConstraintDecl>) {
                        declare_in(constraints, body.name, "constraint");
                        constraints_.push_back({&body, &decl});
                    } else if constexpr (std::is_same_v<T, PropertyDecl>) {
                        declare_in(properties, body.name, "property");
                        properties_.push_back({&body, &decl});
                    } else if constexpr (std::is_same_v<T, TransitionDecl>) {
                        if (!body.label.text.empty()) {
                            declare_in(labels, body.label, "transition label");
                        }
                        transitions_.push_back({&body, &decl});
                    } else if constexpr (std::is_same_v<T, TypeDecl>) {
                        declare_named_type(body, decl);
                    } else if constexpr (std::is_same_v<T, GoalDecl>) {
                        if (goal_) {
                            error(diag::second_goal(body.name.range, goal_->first->name.range));
                        } else {
                            goal_ = std::make_pair(&body, &decl);
                        }
                    } else if constexpr (std::is_same_v<T, RemoveDecl>) {
                        error(diag::overlay_only(decl.range, "remove"));
                    } else if constexpr (std::is_same_v<T, RegionDecl>) {
                        regions_.push_back({&body, &decl});  // an instance; its variable and rows are declared apart
                    } else if constexpr (std::is_same_v<T, IncludeDecl> || std::is_same_v<T, ForDecl>) {
                        // expanded by the loader
                    }
                },
                decl.body);
        }
        for (const auto& [name, sym] : values_) {
            value_names_.push_back(name);
            if (sym.kind == SymbolKind::State) {
                state_names_.push_back(name);
            }
        }
        std::sort(value_names_.begin(), value_names_.end());
        std::sort(state_names_.begin(), state_names_.end());
        for (const auto& [name, _] : event_index_) {
            event_names_.push_back(name);
        }
        std::sort(event_names_.begin(), event_names_.end());
    }

    // ---- constants and types -----------------------------------------------------------------
    /// Value of constant `index`, evaluating it (and what it depends on) on first use.
    std::optional<std::pair<Type, std::int64_t>> const_value(std::uint32_t index, const SourceRange& use) {
        auto& slot = const_state_[index];
        if (slot.state == ConstSlot::Done) {
            if (!slot.ok) {
                return std::nullopt;
            }
            return std::make_pair(slot.type, slot.value);
        }
        const ConstDecl& c = *consts_[index];
        if (slot.state == ConstSlot::Busy) {
            error(diag::bad_range(use, fmt::format("constant '{}' depends on itself", c.name.text)));
            return std::nullopt;
        }
        slot.state = ConstSlot::Busy;
        // names resolve as usual so that a parameter or variable gets "not a constant" (E022)
        ExprPtr e = resolve_expr(c.value, Context{"a constant", true, true, false});
        std::optional<std::int64_t> v;
        if (e) {
            v = fold(*e, fmt::format("the value of constant '{}'", c.name.text));
        }
        slot.state = ConstSlot::Done;
        slot.ok = v.has_value();
        if (slot.ok) {
            slot.type = e->type;
            slot.value = *v;
            Constant k;
            k.name = c.name.text;
            k.value = *v;
            k.expr = e;
            k.range = c.name.range;
            resolved_consts_[index] = std::move(k);
            return std::make_pair(slot.type, slot.value);
        }
        return std::nullopt;
    }

    /// Evaluates a constant expression (literals and constants) with the one evaluator (interpreter.hpp), so that
    /// a constant means what the same expression means in a guard; reports E022 for every non-constant leaf and
    /// E021 when the value does not fit in 64 bits.
    std::optional<std::int64_t> fold(const Expr& e, const std::string& what) {
        if (!constant_leaves(e, what)) {
            return std::nullopt;
        }
        try {
            return evaluate_expression(e);
        } catch (const EvalError& err) {
            error(diag::bad_range(err.range(), "integer overflow in constant expression"));
            return std::nullopt;
        }
    }

    /// Reports E022 at every leaf of `e` that is not a literal or a constant; true when there is none.
    bool constant_leaves(const Expr& e, const std::string& what) {
        switch (e.op) {
        case Op::BoolLit:
        case Op::IntLit:
        case Op::Const:
        case Op::EnumLit:
            return true;
        case Op::Param:
        case Op::Var:
        case Op::AtState:
        case Op::Name:
            error(diag::not_constant(e.range, what));
            return false;
        default:
            break;
        }
        const bool lhs = !e.lhs || constant_leaves(*e.lhs, what);
        const bool rhs = !e.rhs || constant_leaves(*e.rhs, what);
        const bool third = !e.third || constant_leaves(*e.third, what);
        return lhs && rhs && third;
    }

    static bool is_constant(const Expr& e) {
        switch (e.op) {
        case Op::BoolLit:
        case Op::IntLit:
        case Op::Const:
        case Op::EnumLit:
            return true;
        case Op::Param:
        case Op::Var:
        case Op::AtState:
        case Op::Name:
            return false;
        default:
            return (!e.lhs || is_constant(*e.lhs)) && (!e.rhs || is_constant(*e.rhs)) &&
                   (!e.third || is_constant(*e.third));
        }
    }

    std::optional<Type> resolve_type(const TypeSyntax& t, const std::string& owner) {
        switch (t.kind) {
        case TypeKind::Bool:
            return Type::boolean();
        case TypeKind::Enum: {
            if (!t.named.text.empty()) {
                auto named = named_types_.find(t.named.text);
                if (named == named_types_.end()) {
                    std::vector<std::string> known;
                    for (const auto& [name, _] : named_types_) {
                        known.push_back(name);
                    }
                    error(diag::unknown_type(t.named.range, t.named.text, known));
                    return std::nullopt;
                }
                return Type::enumeration(named->second,
                                         static_cast<std::int64_t>(model_.enums[named->second].literals.size()));
            }
            auto it = enum_of_decl_.find(&t);
            if (it == enum_of_decl_.end()) {
                return std::nullopt;
            }
            return Type::enumeration(it->second, static_cast<std::int64_t>(model_.enums[it->second].literals.size()));
        }
        case TypeKind::Int: {
            std::optional<std::int64_t> lo, hi;
            for (auto [bound, out] : {std::pair{&t.lo, &lo}, std::pair{&t.hi, &hi}}) {
                ExprPtr e = resolve_expr(*bound, Context{"a range bound", true, true, false});
                if (!e) {
                    continue;
                }
                if (e->type.kind != TypeKind::Int) {
                    error(diag::type_mismatch(e->range, "range bound", "int", describe(e->type)));
                    continue;
                }
                *out = fold(*e, "a range bound");
            }
            if (!lo || !hi) {
                return std::nullopt;
            }
            if (*lo > *hi) {
                error(diag::bad_range(t.range, fmt::format("empty range int[{}..{}] for '{}': the lower bound is "
                                                           "greater than the upper bound",
                                                           *lo, *hi, owner)));
                return std::nullopt;
            }
            return Type::integer(*lo, *hi);
        }
        }
        return std::nullopt;
    }

    void resolve_types() {
        const_state_.assign(consts_.size(), ConstSlot{});
        resolved_consts_.assign(consts_.size(), std::nullopt);
        for (std::uint32_t i = 0; i < consts_.size(); ++i) {
            const_value(i, consts_[i]->name.range);
        }
        for (auto& k : resolved_consts_) {
            if (k) {
                model_.constants.push_back(*k);
            }
        }
        for (auto& [p, decl] : params_) {
            Parameter param;
            param.name = p->name.text;
            param.doc = decl->doc;
            param.ref = decl->ref;
            param.range = p->name.range;
            auto t = resolve_type(p->type, p->name.text);
            param.type = t.value_or(Type::boolean());
            param_type_ok_.push_back(t.has_value());
            model_.parameters.push_back(std::move(param));
        }
        for (auto& [v, decl] : vars_) {
            Variable var;
            var.name = v->name.text;
            var.persistent = v->persistent;
            var.doc = decl->doc;
            var.ref = decl->ref;
            var.range = v->name.range;
            auto t = resolve_type(v->type, v->name.text);
            var.type = t.value_or(Type::boolean());
            var_type_ok_.push_back(t.has_value());
            model_.variables.push_back(std::move(var));
        }
    }

    // ---- expressions -------------------------------------------------------------------------
    std::string describe(const Type& t) const {
        switch (t.kind) {
        case TypeKind::Bool:
            return "bool";
        case TypeKind::Int:
            return "int";
        case TypeKind::Enum:
            if (t.enum_id < model_.enums.size()) {
                const EnumType& e = model_.enums[t.enum_id];
                return e.named ? fmt::format("enum '{}'", e.name) : fmt::format("enum of '{}'", e.name);
            }
            return "enum";
        }
        return "?";
    }

    ExprPtr resolve_expr(const ExprPtr& in, const Context& ctx) {
        if (!in) {
            return nullptr;
        }
        auto out = std::make_shared<Expr>(*in);
        switch (in->op) {
        case Op::BoolLit:
            out->type = Type::boolean();
            return out;
        case Op::IntLit:
            out->type = Type::integer(in->value, in->value);
            return out;
        case Op::AtState: {
            auto it = values_.find(in->name);
            if (it == values_.end() || it->second.kind != SymbolKind::State) {
                error(diag::unknown_state(in->range, in->name, state_names_));
                return nullptr;
            }
            if (!ctx.states) {
                error(diag::invalid_reference(in->range, "state", in->name, ctx.what));
                return nullptr;
            }
            out->index = it->second.index;
            out->type = Type::boolean();
            return out;
        }
        case Op::Name:
            return resolve_name(*in, ctx);
        case Op::Cond:
            return resolve_conditional(*in, ctx);
        case Op::Const:
        case Op::EnumLit:
        case Op::Param:
        case Op::Var:
            return out;  // already resolved (never produced by the parser)
        default:
            break;
        }
        ExprPtr a = resolve_expr(in->lhs, ctx);
        ExprPtr b = is_binary(in->op) ? resolve_expr(in->rhs, ctx) : nullptr;
        if (!a || (is_binary(in->op) && !b)) {
            return nullptr;
        }
        out->lhs = a;
        out->rhs = b;
        std::string where = fmt::format("operand of '{}'", op_spelling(in->op));
        auto want = [&](const ExprPtr& e, TypeKind kind) {
            if (e->type.kind != kind) {
                error(diag::type_mismatch(e->range, where, kind == TypeKind::Bool ? "bool" : "int", describe(e->type)));
                return false;
            }
            return true;
        };
        switch (in->op) {
        case Op::Not:
            if (!want(a, TypeKind::Bool)) {
                return nullptr;
            }
            out->type = Type::boolean();
            return out;
        case Op::Neg:
            if (!want(a, TypeKind::Int)) {
                return nullptr;
            }
            out->type = Type::integer();
            return out;
        case Op::And:
        case Op::Or:
        case Op::Implies: {
            bool ok = want(a, TypeKind::Bool);
            ok = want(b, TypeKind::Bool) && ok;
            if (!ok) {
                return nullptr;
            }
            out->type = Type::boolean();
            return out;
        }
        case Op::Lt:
        case Op::Le:
        case Op::Gt:
        case Op::Ge: {
            bool ok = want(a, TypeKind::Int);
            ok = want(b, TypeKind::Int) && ok;
            if (!ok) {
                return nullptr;
            }
            out->type = Type::boolean();
            return out;
        }
        case Op::Add:
        case Op::Sub: {
            bool ok = want(a, TypeKind::Int);
            ok = want(b, TypeKind::Int) && ok;
            if (!ok) {
                return nullptr;
            }
            out->type = Type::integer();
            return out;
        }
        case Op::Mul: {
            bool ok = want(a, TypeKind::Int);
            ok = want(b, TypeKind::Int) && ok;
            if (!ok) {
                return nullptr;
            }
            if (!is_constant(*a) && !is_constant(*b)) {
                error(diag::nonlinear_product(out->range));
                return nullptr;
            }
            out->type = Type::integer();
            return out;
        }
        case Op::Eq:
        case Op::Ne:
            if (!a->type.compatible(b->type)) {
                error(diag::type_mismatch(b->range, where, describe(a->type) + " (the type of the left operand)",
                                          describe(b->type)));
                return nullptr;
            }
            out->type = Type::boolean();
            return out;
        default:
            return nullptr;
        }
    }

    /// `c ? a : b`: c is bool, a and b have compatible types; an int result spans both ranges.
    ExprPtr resolve_conditional(const Expr& in, const Context& ctx) {
        auto out = std::make_shared<Expr>(in);
        ExprPtr c = resolve_expr(in.lhs, ctx);
        ExprPtr a = resolve_expr(in.rhs, ctx);
        ExprPtr b = resolve_expr(in.third, ctx);
        if (!c || !a || !b) {
            return nullptr;
        }
        bool ok = true;
        if (c->type.kind != TypeKind::Bool) {
            error(diag::type_mismatch(c->range, "condition of '?:'", "bool", describe(c->type)));
            ok = false;
        }
        if (!a->type.compatible(b->type)) {
            error(diag::type_mismatch(b->range, "else branch of '?:'",
                                      describe(a->type) + " (the type of the then branch)", describe(b->type)));
            ok = false;
        }
        if (!ok) {
            return nullptr;
        }
        out->lhs = c;
        out->rhs = a;
        out->third = b;
        out->type = a->type;
        if (a->type.kind == TypeKind::Int) {
            out->type = Type::integer(std::min(a->type.lo, b->type.lo), std::max(a->type.hi, b->type.hi));
        }
        return out;
    }

    ExprPtr resolve_name(const Expr& in, const Context& ctx) {
        auto out = std::make_shared<Expr>(in);
        auto it = values_.find(in.name);
        if (it == values_.end()) {
            std::vector<std::string> candidates;
            for (const auto& [name, sym] : values_) {
                if ((sym.kind != SymbolKind::Var || ctx.vars) && (sym.kind != SymbolKind::State || ctx.states) &&
                    (sym.kind != SymbolKind::Param || ctx.params)) {
                    candidates.push_back(name);
                }
            }
            std::sort(candidates.begin(), candidates.end());
            error(diag::unknown_name(in.range, in.name, candidates));
            return nullptr;
        }
        const Symbol& sym = it->second;
        switch (sym.kind) {
        case SymbolKind::Const: {
            auto v = const_value(sym.index, in.range);
            if (!v) {
                return nullptr;
            }
            out->op = Op::Const;
            out->type = v->first;
            out->value = v->second;
            out->index = sym.index;
            return out;
        }
        case SymbolKind::Param:
            if (!ctx.params) {
                error(diag::invalid_reference(in.range, "parameter", in.name, ctx.what));
                return nullptr;
            }
            out->op = Op::Param;
            out->index = sym.index;
            if (sym.index >= param_type_ok_.size()) {
                // constants and range bounds are resolved before parameter types: the node is
                // returned so that the caller reports "not a constant" (E022)
                out->type = Type::integer();
                return out;
            }
            if (!param_type_ok_[sym.index]) {
                return nullptr;  // its type already failed and was reported; say nothing more
            }
            out->type = model_.parameters[sym.index].type;
            return out;
        case SymbolKind::Var:
            if (!ctx.vars) {
                error(diag::invalid_reference(in.range, "variable", in.name, ctx.what));
                return nullptr;
            }
            out->op = Op::Var;
            out->index = sym.index;
            if (sym.index >= var_type_ok_.size()) {
                out->type = Type::integer();  // not resolved yet: the caller reports E022
                return out;
            }
            if (!var_type_ok_[sym.index]) {
                return nullptr;
            }
            out->type = model_.variables[sym.index].type;
            return out;
        case SymbolKind::EnumLit:
            out->op = Op::EnumLit;
            out->value = literal_index_.at(in.name);
            out->type =
                Type::enumeration(sym.index, static_cast<std::int64_t>(model_.enums[sym.index].literals.size()));
            return out;
        case SymbolKind::State:
            if (!ctx.states) {
                error(diag::invalid_reference(in.range, "state", in.name, ctx.what));
                return nullptr;
            }
            out->op = Op::AtState;
            out->index = sym.index;
            out->type = Type::boolean();
            return out;
        }
        return nullptr;
    }

    ExprPtr resolve_typed(const ExprPtr& in, const Context& ctx, TypeKind kind, const char* context) {
        ExprPtr e = resolve_expr(in, ctx);
        if (e && e->type.kind != kind) {
            error(diag::type_mismatch(e->range, context, kind == TypeKind::Bool ? "bool" : "int", describe(e->type)));
            return nullptr;
        }
        return e;
    }

    // ---- elements ----------------------------------------------------------------------------
    void resolve_states() {
        SourceRange initial_range;
        bool any_goal = false;
        for (auto& [s, decl] : states_) {
            State st;
            st.id = StateId{boost::num_vertices(model_.graph)};
            st.name = s->name.text;
            st.initial = s->initial;
            st.goal = s->goal;
            st.final = s->final;
            st.group = s->group.text;
            st.doc = decl->doc;
            st.ref = decl->ref;
            st.range = s->name.range;
            if (st.initial) {
                if (!initial_name_.empty()) {
                    error(diag::multiple_initial_states(st.range, st.name, initial_name_, initial_range));
                } else {
                    initial_name_ = st.name;
                    initial_range = st.range;
                }
            }
            any_goal = any_goal || st.goal;
            boost::add_vertex(st, model_.graph);
        }
        if (initial_name_.empty()) {
            error(diag::missing_initial_state(program_.header_range));
        }
        if (!any_goal && !goal_) {
            error(diag::missing_goal_state(program_.header_range));
        }
    }

    void resolve_events() {
        for (auto& [e, decl] : events_) {
            Event ev;
            ev.name = e->name.text;
            ev.actor = e->actor;
            ev.peer = e->peer;
            ev.doc = decl->doc;
            ev.ref = decl->ref;
            ev.range = e->name.range;
            model_.events.push_back(std::move(ev));
        }
    }

    void resolve_variables() {
        for (std::size_t i = 0; i < vars_.size(); ++i) {
            const VarDecl& v = *vars_[i].first;
            Variable& var = model_.variables[i];
            if (!var_type_ok_[i]) {
                continue;
            }
            std::string context = fmt::format("initial value of '{}'", v.name.text);
            ExprPtr init = resolve_expr(v.init, Context{"an initial value", false, true, false});
            if (!init) {
                continue;
            }
            if (!init->type.compatible(var.type)) {
                error(diag::type_mismatch(init->range, context, describe(var.type), describe(init->type)));
                continue;
            }
            if (var_type_ok_[i] && var.type.kind == TypeKind::Int && is_constant(*init)) {
                auto value = fold(*init, context);
                if (value && !var.type.contains(*value)) {
                    error(diag::bad_range(init->range, fmt::format("initial value {} of '{}' is outside its range "
                                                                   "int[{}..{}]",
                                                                   *value, var.name, var.type.lo, var.type.hi)));
                }
            }
            var.initial = init;
        }
    }

    /// One model::Region per instance the expansion recorded; its variable was declared beside it.
    void resolve_regions() {
        for (auto& [r, decl] : regions_) {
            auto it = values_.find(r->name.text);
            if (it == values_.end() || it->second.kind != SymbolKind::Var) {
                continue;  // the variable's own declaration failed and was reported
            }
            Region region;
            region.name = r->name.text;
            region.machine = r->machine;
            region.var = VarId{it->second.index};
            region.enum_id = model_.variables[it->second.index].type.enum_id;
            for (std::size_t i = 0; i < r->states.size(); ++i) {
                RegionState st;
                st.name = r->states[i].name.text;
                st.initial = r->states[i].initial;
                st.goal = r->states[i].goal;
                st.doc = r->state_attrs[i].first;
                st.ref = r->state_attrs[i].second;
                st.range = r->states[i].name.range;
                region.states.push_back(std::move(st));
            }
            region.doc = decl->doc;
            region.ref = decl->ref;
            region.range = r->name.range;
            region_index_[region.name] = static_cast<std::uint32_t>(model_.regions.size());
            model_.regions.push_back(std::move(region));
        }
    }

    void resolve_constraints() {
        for (auto& [c, decl] : constraints_) {
            Constraint k;
            k.name = c->name.text;
            k.doc = decl->doc;
            k.ref = decl->ref;
            k.range = c->name.range;
            k.expr =
                resolve_typed(c->expr, Context{"a constraint (constraints relate parameters only)", false, true, false},
                              TypeKind::Bool, "constraint");
            model_.constraints.push_back(std::move(k));
        }
    }

    std::optional<StateId> lookup_state(const Name& name) {
        auto it = values_.find(name.text);
        if (it == values_.end() || it->second.kind != SymbolKind::State) {
            error(diag::unknown_state(name.range, name.text, state_names_));
            return std::nullopt;
        }
        return StateId{it->second.index};
    }

    void resolve_transitions() {
        std::unordered_set<std::string> used_names;
        for (const auto& [t, decl] : transitions_) {
            if (!t->label.text.empty()) {
                used_names.insert(t->label.text);
            }
        }
        std::uint32_t row = 0;
        for (auto& [t, decl] : transitions_) {
            std::vector<StateId> sources;
            bool ok = true;
            if (t->source.kind == SourceSyntax::Kind::Any) {
                for (std::uint32_t i = 0; i < states_.size(); ++i) {
                    sources.emplace_back(i);
                }
            } else {
                for (const Name& n : t->source.states) {
                    auto s = lookup_state(n);
                    ok = ok && s.has_value();
                    if (s) {
                        sources.push_back(*s);
                    }
                }
            }
            const bool same = t->target.text == kSameTarget;  // `-> same`: back to each transition's own source
            std::optional<StateId> target =
                same ? std::optional<StateId>{StateId{std::uint32_t{0}}} : lookup_state(t->target);
            ok = ok && target.has_value();
            std::optional<EventId> event;
            if (auto it = event_index_.find(t->event.text); it != event_index_.end()) {
                event = EventId{it->second};
            } else {
                error(diag::unknown_event(t->event.range, t->event.text, event_names_));
                ok = false;
            }
            ExprPtr guard;
            if (t->guard) {
                guard = resolve_typed(t->guard, Context{"a guard", true, true, false}, TypeKind::Bool, "guard");
                ok = ok && guard;
            }
            ExprPtr duration;
            if (t->duration) {
                duration = resolve_typed(t->duration, Context{"a duration", true, true, false}, TypeKind::Int,
                                         "duration after 'after'");
                ok = ok && duration;
                if (duration && is_constant(*duration)) {
                    auto v = fold(*duration, "duration");
                    if (v && *v < 0) {
                        error(diag::bad_range(duration->range, fmt::format("duration {} is negative", *v)));
                        ok = false;
                    }
                }
            }
            std::vector<Update> updates;
            std::unordered_map<std::uint32_t, SourceRange> assigned;
            for (const UpdateSyntax& u : t->updates) {
                Update up;
                up.kind = u.kind;
                up.range = u.range;
                if (u.kind != UpdateKind::Assign) {
                    updates.push_back(std::move(up));
                    continue;
                }
                auto it = values_.find(u.var.text);
                if (it == values_.end()) {
                    std::vector<std::string> var_names;
                    for (const auto& v : model_.variables) {
                        var_names.push_back(v.name);
                    }
                    error(diag::unknown_name(u.var.range, u.var.text, var_names));
                    ok = false;
                    continue;
                }
                if (it->second.kind != SymbolKind::Var) {
                    error(diag::not_assignable(u.var.range, symbol_kind_name(it->second.kind), u.var.text));
                    ok = false;
                    continue;
                }
                up.var = VarId{it->second.index};
                const Variable& var = model_.variables[up.var.index()];
                if (!var_type_ok_[up.var.index()]) {
                    ok = false;
                    continue;
                }
                if (auto [prev, inserted] = assigned.try_emplace(up.var.value, u.var.range); !inserted) {
                    error(diag::duplicate_update(u.var.range, u.var.text, prev->second));
                    ok = false;
                }
                up.value = resolve_expr(u.value, Context{"an update", true, true, false});
                if (!up.value) {
                    ok = false;
                    continue;
                }
                if (!up.value->type.compatible(var.type)) {
                    error(diag::type_mismatch(up.value->range, fmt::format("value assigned to '{}'", var.name),
                                              describe(var.type), describe(up.value->type)));
                    ok = false;
                    continue;
                }
                if (var.type.kind == TypeKind::Int && is_constant(*up.value)) {
                    auto v = fold(*up.value, "update");
                    if (v && !var.type.contains(*v)) {
                        error(diag::bad_range(up.value->range,
                                              fmt::format("value {} assigned to '{}' is outside its range int[{}..{}]",
                                                          *v, var.name, var.type.lo, var.type.hi)));
                        ok = false;
                    }
                }
                updates.push_back(std::move(up));
            }
            if (!ok) {
                ++row;
                continue;
            }
            const Event& ev = model_.events[event->index()];
            for (StateId src : sources) {
                Transition tr;
                tr.id = TransitionId{model_.transition_slots.size()};
                tr.source = src;
                tr.target = same ? src : *target;
                tr.event = *event;
                tr.actor = t->actor.value_or(ev.actor);
                tr.peer = t->actor ? t->peer : ev.peer;
                tr.guard = guard;
                tr.updates = updates;
                tr.duration = duration;
                tr.doc = decl->doc;
                tr.ref = decl->ref;
                tr.range = t->label.text.empty() ? t->source.range : t->label.range;
                tr.row = row;
                tr.from_any = t->source.kind == SourceSyntax::Kind::Any;
                tr.labelled = !t->label.text.empty();
                if (auto it = region_index_.find(t->region); !t->region.empty() && it != region_index_.end()) {
                    tr.region_move =
                        RegionMove{it->second, literal_index_.at(t->region_from), literal_index_.at(t->region_to)};
                }
                const std::string& src_name = model_.graph[static_cast<StateVertex>(src.index())].name;
                if (tr.labelled) {
                    tr.name = sources.size() == 1 && t->source.kind == SourceSyntax::Kind::One
                                  ? t->label.text
                                  : fmt::format("{}@{}", t->label.text, src_name);
                } else {
                    std::string base = fmt::format("{}.{}.{}", src_name, ev.name, same ? src_name : t->target.text);
                    if (!t->name_hint.empty()) {  // a region row: "srv[1].RegPending.reg_ok.Registered@Ready"
                        base = sources.size() == 1 && t->source.kind == SourceSyntax::Kind::One
                                   ? t->name_hint
                                   : fmt::format("{}@{}", t->name_hint, src_name);
                    }
                    tr.name = base;
                    for (int n = 2; used_names.count(tr.name); ++n) {
                        tr.name = fmt::format("{}#{}", base, n);
                    }
                }
                used_names.insert(tr.name);
                auto from = static_cast<StateVertex>(src.index());
                auto to = static_cast<StateVertex>(tr.target.index());
                boost::add_edge(from, to, tr, model_.graph);
                model_.transition_slots.emplace_back(
                    from, static_cast<std::uint32_t>(boost::out_degree(from, model_.graph) - 1));
            }
            ++row;
        }
    }

    void resolve_properties() {
        for (auto& [p, decl] : properties_) {
            if (p->pattern) {
                resolve_event_property(*p, *decl);
                continue;
            }
            Property prop;
            prop.name = p->name.text;
            prop.kind = p->kind;
            prop.doc = decl->doc;
            prop.ref = decl->ref;
            prop.range = p->name.range;
            Context state_ctx{"a property", true, true, true};
            switch (p->kind) {
            case PropertyKind::Invariant:
            case PropertyKind::Reachable:
                prop.expr = resolve_typed(p->expr, state_ctx, TypeKind::Bool, "property");
                break;
            case PropertyKind::Within:
                prop.expr =
                    resolve_typed(p->expr, Context{"a time bound (bounds relate parameters only)", false, true, false},
                                  TypeKind::Int, "time bound of 'within'");
                [[fallthrough]];
            case PropertyKind::Recover:
                if (p->from) {
                    prop.from = resolve_typed(p->from, state_ctx, TypeKind::Bool, "'from' condition");
                }
                if (p->to) {
                    prop.to = resolve_typed(p->to, state_ctx, TypeKind::Bool, "'to' condition");
                }
                break;
            }
            if (p->reliance) {
                prop.reliance = ActorSet{};
                prop.reliance_given = true;
                for (const ActorSyntax& a : *p->reliance) {
                    prop.reliance.insert(a.actor, a.peer);
                }
            }
            model_.properties.push_back(std::move(prop));
        }
    }

    /// The events of one event set of an event property (E012 for an unknown name, E073 for one
    /// listed twice); nullopt after an error. Event names are looked up as the resolver knows them.
    std::optional<std::vector<EventId>> resolve_event_set(const std::vector<Name>& names) {
        std::vector<EventId> out;
        bool ok = true;
        for (const Name& n : names) {
            auto it = event_index_.find(n.text);
            if (it == event_index_.end()) {
                error(diag::unknown_event(n.range, n.text, event_names_));
                ok = false;
                continue;
            }
            EventId id{it->second};
            if (std::find(out.begin(), out.end(), id) != out.end()) {
                error(diag::duplicate_event_in_set(n.range, n.text));
                ok = false;
                continue;
            }
            out.push_back(id);
        }
        return ok ? std::optional{std::move(out)} : std::nullopt;
    }

    void resolve_event_property(const PropertyDecl& p, const Decl& decl) {
        const EventPatternSyntax& pat = *p.pattern;
        EventProperty ep;
        ep.name = p.name.text;
        ep.kind = pat.kind;
        ep.doc = decl.doc;
        ep.ref = decl.ref;
        ep.range = p.name.range;
        auto trigger = resolve_event_set(pat.trigger);
        auto scope = resolve_event_set(pat.scope);
        auto allowed = resolve_event_set(pat.allowed);
        if (!trigger || !scope || !allowed) {
            return;
        }
        ep.trigger = std::move(*trigger);
        ep.scope = std::move(*scope);
        ep.allowed = std::move(*allowed);
        bool ok = true;
        for (std::size_t i = 0; i < ep.allowed.size(); ++i) {
            if (std::find(ep.scope.begin(), ep.scope.end(), ep.allowed[i]) == ep.scope.end()) {
                error(diag::event_set_not_subset(pat.allowed[i].range, pat.allowed[i].text, ep.name));
                ok = false;
            }
        }
        if (pat.kind == EventPropertyKind::Respond) {
            const char* what = "the time bound of 'respond ... within'";
            ExprPtr bound = resolve_typed(pat.bound, Context{what, false, true, false}, TypeKind::Int, what);
            if (!bound || !constant_leaves(*bound, what)) {
                return;
            }
            try {
                ep.bound = evaluate_expression(*bound, Configuration{});
            } catch (const EvalError& e) {
                error(diag::bad_range(bound->range, e.what()));
                return;
            }
            if (ep.bound < 0) {
                error(diag::negative_time_bound(bound->range, ep.bound));
                return;
            }
            ep.bound_expr = bound;
        }
        if (ok) {
            model_.event_properties.push_back(std::move(ep));
        }
    }

    void resolve_goal() {
        if (!goal_) {
            return;
        }
        const auto& [g, decl] = *goal_;
        ExprPtr e = resolve_typed(g->expr, Context{"a goal", true, true, true}, TypeKind::Bool, "goal");
        if (e) {
            model_.goal_condition = GoalCondition{e, decl->doc, decl->ref, g->name.range};
        }
    }

    struct ConstSlot {
        enum State { Todo, Busy, Done } state{Todo};
        bool ok{false};
        Type type{};
        std::int64_t value{0};
    };

    Program& program_;
    std::vector<Diagnostic>& diags_;
    std::size_t errors_{0};
    Model model_{};
    std::map<std::string, Symbol> values_{};
    std::unordered_map<std::string, std::int64_t> literal_index_{};
    std::unordered_map<const TypeSyntax*, std::uint32_t> enum_of_decl_{};
    std::unordered_map<std::string, std::uint32_t> array_enum_{};  ///< array name -> the enumeration its elements share
    std::unordered_map<std::string, std::uint32_t> event_index_{};
    std::vector<std::string> value_names_{};
    std::vector<std::string> state_names_{};
    std::vector<std::string> event_names_{};
    std::vector<const ConstDecl*> consts_{};
    std::vector<ConstSlot> const_state_{};
    std::vector<std::optional<Constant>> resolved_consts_{};
    std::vector<std::pair<const ParamDecl*, const Decl*>> params_{};
    std::vector<std::pair<const VarDecl*, const Decl*>> vars_{};
    std::vector<bool> var_type_ok_{};
    std::vector<bool> param_type_ok_{};
    std::vector<std::pair<const StateDecl*, const Decl*>> states_{};
    std::vector<std::pair<const EventDecl*, const Decl*>> events_{};
    std::vector<std::pair<const ConstraintDecl*, const Decl*>> constraints_{};
    std::vector<std::pair<const PropertyDecl*, const Decl*>> properties_{};
    std::vector<std::pair<const TransitionDecl*, const Decl*>> transitions_{};
    std::vector<std::pair<const RegionDecl*, const Decl*>> regions_{};
    std::unordered_map<std::string, std::uint32_t> region_index_{};
    std::string initial_name_{};
    std::map<std::string, std::uint32_t> named_types_{};
    std::optional<std::pair<const GoalDecl*, const Decl*>> goal_{};
};

}  // namespace

std::optional<Model> resolve(Program program, std::vector<Diagnostic>& diagnostics) {
    return Resolver{program, diagnostics}.run();
}

}  // namespace lwm2mc::model::detail
