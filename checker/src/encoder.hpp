// SPDX-License-Identifier: Apache-2.0
#pragma once

// The one place that turns model expressions into Z3 terms (as Storm's Z3ExpressionAdapter).
// Bools are Z3 Bools; ints and enum values are Z3 Ints (unbounded: the declared ranges are
// separate domain constraints, so arithmetic never wraps).

#include "lwm2mc/model/model.hpp"

#include <z3++.h>

#include <vector>

namespace lwm2mc::checker::detail {

class Encoder {
public:
    /// The context must outlive the encoder.
    Encoder(z3::context& ctx, const model::Model& model);

    z3::context& ctx() { return ctx_; }
    const z3::expr_vector& params() const { return params_; }
    const z3::expr_vector& vars() const { return vars_; }
    /// A fresh copy of the variables (e.g. the pre-state of an image computation).
    z3::expr_vector fresh_vars(const char* suffix);

    /// `e` over the parameters and `vars`; at(S) atoms become true exactly when S == `state`.
    z3::expr encode(const model::Expr& e, const z3::expr_vector& vars, model::StateId state);
    z3::expr encode_or(const model::ExprPtr& e, const z3::expr_vector& vars, model::StateId state, bool absent);

    /// Ranges of all parameters / of `vars`.
    z3::expr param_domains();
    z3::expr var_domains(const z3::expr_vector& vars);
    /// Parameter domains and every constraint.
    z3::expr configurations();
    /// The initial values of the variables (as `vars`).
    z3::expr initial(const z3::expr_vector& vars);
    /// The value each variable has after `t` (functions of the pre-state `vars`).
    std::vector<z3::expr> updated(const model::Transition& t, const z3::expr_vector& vars);

private:
    z3::expr domain(const z3::expr& x, const model::Type& type);
    z3::expr leaf(const model::Type& type, const char* name);

    z3::context& ctx_;
    const model::Model& model_;
    z3::expr_vector params_;
    z3::expr_vector vars_;
    std::vector<z3::expr> initial_values_{};
};

}  // namespace lwm2mc::checker::detail
