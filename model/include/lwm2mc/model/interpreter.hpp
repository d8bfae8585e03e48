// SPDX-License-Identifier: Apache-2.0
#pragma once

// Executable semantics of a model, shared by the explicit-state engine, test generation and
// conformance checking. Values are int64: bools are 0/1, enum values are literal indices.

#include "lwm2mc/model/model.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace lwm2mc::model {

using Value = std::int64_t;

/// A valuation of the parameters (indexed by ParamId). Only valuations that satisfy the
/// constraints are configurations of the model (see Interpreter::satisfies_constraints).
struct Configuration {
    std::vector<Value> values{};
    friend bool operator==(const Configuration&, const Configuration&) = default;
};

/// A product state: a state of the graph and a valuation of the variables (indexed by VarId).
struct ProductState {
    StateId state{};
    std::vector<Value> vars{};
    friend bool operator==(const ProductState&, const ProductState&) = default;
};

struct ProductStateHash {
    std::size_t operator()(const ProductState& s) const noexcept;
};

/// Evaluation failed: integer overflow, or a value outside a variable's declared range.
class EvalError : public std::runtime_error {
public:
    EvalError(std::string message, SourceRange range)
        : std::runtime_error(std::move(message)), range_{std::move(range)} {}
    const SourceRange& range() const { return range_; }

private:
    SourceRange range_;
};

/// The one evaluator of expressions: constant folding in the loader, the interpreter, the engines and the tools
/// all evaluate through it. `expr` must be resolved; `state` is needed only for at(State) atoms; variables may be
/// empty when the expression mentions none. Intermediate results are exact (128 bits); a result that does not fit
/// in 64 bits, or an intermediate that overflows 128 bits, throws EvalError at the offending sub-expression.
Value evaluate_expression(const Expr& expr, const Configuration& config = {}, std::span<const Value> vars = {},
                          std::optional<StateId> state = std::nullopt);

class Interpreter {
public:
    /// The model must outlive the interpreter.
    explicit Interpreter(const Model& model);

    const Model& model() const { return model_; }

    /// Evaluates `expr` (resolved). `state` is needed only for at(State) atoms; variables may be
    /// empty when the expression mentions none. Throws EvalError on integer overflow.
    Value evaluate(const Expr& expr, const Configuration& config, std::span<const Value> vars = {},
                   std::optional<StateId> state = std::nullopt) const;
    bool holds(const ExprPtr& expr, const Configuration& config, const ProductState& at) const;

    bool satisfies_constraints(const Configuration& config) const;
    /// The names of the constraints `config` violates.
    std::vector<std::string> violated_constraints(const Configuration& config) const;

    /// The initial product state; throws EvalError when an initial value is out of range.
    ProductState initial_state(const Configuration& config) const;

    bool enabled(TransitionId t, const ProductState& at, const Configuration& config) const;
    /// Transitions leaving `at.state` whose guard holds, in id order.
    std::vector<TransitionId> enabled_transitions(const ProductState& at, const Configuration& config) const;
    /// The successor after taking `t` (which must leave `at.state`; its guard is not re-checked).
    /// Throws EvalError when an update leaves a variable's range.
    ProductState step(const ProductState& at, TransitionId t, const Configuration& config) const;
    /// Seconds the transition takes in this product state (0 without 'after').
    Value duration(TransitionId t, const ProductState& at, const Configuration& config) const;

    /// Number of parameter valuations (before constraints), saturating at UINT64_MAX.
    std::uint64_t valuation_count() const;
    /// Calls `visit` for every valuation in which the parameters marked in `vary` range over
    /// their domains and the others keep their value from `base`, in lexicographic order (the
    /// last parameter fastest), whether or not it satisfies the constraints; stops early when
    /// `visit` returns false.
    void for_each_valuation(const std::vector<bool>& vary, Configuration base,
                            const std::function<bool(const Configuration&)>& visit) const;
    /// Calls `visit` for every parameter valuation that satisfies the constraints, in
    /// lexicographic order of parameter values; stops early when `visit` returns false.
    void for_each_configuration(const std::function<bool(const Configuration&)>& visit) const;

    /// Parses "name=value,name=value" (values: true/false, integers, enum literals). Parameters
    /// not mentioned are left unset (nullopt entries in the result).
    std::vector<std::optional<Value>> parse_assignment(std::string_view text, std::string& error) const;

    /// "name=value, ..." for a configuration or for a product state's variables.
    std::string format_configuration(const Configuration& config) const;
    std::string format_vars(std::span<const Value> vars) const;

private:
    const Model& model_;
};

}  // namespace lwm2mc::model
