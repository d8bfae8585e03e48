// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "lwm2mc/checker/findings.hpp"
#include "lwm2mc/model/interpreter.hpp"
#include "lwm2mc/model/model.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace lwm2mc::checker {

/// The normal form of a linear literal (both engines build theirs through it): one term per
/// parameter, by parameter, without zero coefficients; the coefficients' common factor divided
/// out (rounding the constant the way that keeps the literal equivalent over the integers); and
/// the signs flipped, `>` and `<` swapped, when that leaves more positive coefficients than
/// negative ones, or as many and a constant that is no longer negative (`-d1 - d2 < -4` is
/// `d1 + d2 > 4`). A literal without terms is left as it is.
Literal normalise_literal(Literal literal);

/// A literal in model syntax: the one printer of conditions (docs/semantics.md, "Conditions").
/// `p` / `!p` for a bool parameter, `mode == Quick` / `mode != Quick` for an enum,
/// `h > 598`, `d1 + d2 > 4`, `d1 - d2 < 3`. The language has no multiplication, so a coefficient
/// c is written as the parameter repeated |c| times (as the shipped models write `2 * X`) up to
/// kMaxRepeatedTerm; beyond that, and for enum parameters in arithmetic, the text keeps `*` or the
/// arithmetic and ends in a comment saying it is not model syntax.
std::string format_literal(const model::Model& model, const Literal& literal);

/// The largest coefficient format_literal() writes by repeating the parameter.
constexpr std::int64_t kMaxRepeatedTerm = 4;

/// A condition from its structured cubes: the text of every literal by format_literal().
Condition make_condition(const model::Model& model, std::vector<std::vector<Literal>> cubes);

/// The valuations of the enumerated parameters, numbered in mixed radix: index = sum over the
/// enumerated parameters p of (value_p - lo_p) * stride_p, the last enumerated parameter varying
/// fastest. That is the order of Interpreter::for_each_valuation, so the k-th valuation it visits
/// has index k. Converting between index and values costs O(parameters), never a search.
/// The caller bounds the size (the explicit engine's max_configurations); the model must outlive it.
class ConfigurationSpace {
public:
    ConfigurationSpace(const model::Model& model, const std::vector<bool>& enumerated);

    std::size_t size() const { return size_; }
    /// The index of `c`'s enumerated values (the other values are ignored).
    std::size_t index(const model::Configuration& c) const;
    /// The value of enumerated parameter `param` in the valuation numbered `index`.
    model::Value value(std::size_t index, std::size_t param) const;
    bool enumerated(std::size_t param) const { return radix_[param] != 0; }
    /// The number of values of an enumerated parameter (0 for the others).
    std::size_t radix(std::size_t param) const { return radix_[param]; }
    std::size_t stride(std::size_t param) const { return stride_[param]; }
    model::Value lo(std::size_t param) const { return lo_[param]; }
    /// The enumerated parameters, in parameter order.
    const std::vector<std::size_t>& params() const { return params_; }

private:
    std::vector<std::size_t> params_{};
    std::vector<std::size_t> radix_{};
    std::vector<std::size_t> stride_{};
    std::vector<model::Value> lo_{};
    std::size_t size_{1};
};

/// Turns a set of configurations into a short DNF over the enumerated parameters.
/// Invalid valuations (violating the constraints) are don't-cares while cubes are widened; each
/// cube then gets back every literal the constraints force within it, so that
/// `!client_initiated && !factory && !smartcard` reads `... && server_initiated` when the
/// constraint "at least one bootstrap mode" implies it. Before that, cubes that differ in one
/// parameter only are merged (Quine-McCluskey style) until nothing changes: a bool or enum
/// parameter whose values together cover its whole domain is dropped, adjacent intervals of the
/// timing parameter are joined, and a cube implied by another one is dropped; so
/// `(alt && h < 50) || (!alt && h < 50)` reads `h < 50` (docs/semantics.md, "Conditions").
/// Every step keeps the condition logically equivalent. Cost: linear in the configurations
/// and in the sizes of the cubes, with no search per configuration.
class ConditionBuilder {
public:
    using Cube = std::vector<std::pair<std::size_t, model::Value>>;  ///< (parameter, value), by parameter

    /// A cube, and for a `within` finding an interval of the timing parameter (inclusive).
    struct Term {
        Cube cube{};
        std::optional<std::size_t> timing{};  ///< the timing parameter, when the term bounds it
        model::Value lo{0};
        model::Value hi{0};
    };

    /// `valid[i]` says whether the valuation numbered i in `space` satisfies the constraints.
    /// The model and the space must outlive the builder.
    ConditionBuilder(const model::Model& model, const ConfigurationSpace& space, std::vector<bool> valid);

    /// `occurs` holds indices in the space (all valid, ascending, no repeats).
    Condition build(const std::vector<std::size_t>& occurs) const;

    /// Widened, irredundant cubes covering exactly the valid valuations in `occurs` (as for
    /// build()), without the literals the constraints force. One empty cube when `occurs` is
    /// every valid valuation; none when it is empty. The valuations in `may_also` (disjoint from
    /// `occurs`) are don't-cares like invalid ones: a cube may cover them, none has to. For
    /// `within`, a group of configurations violating on intervals I may cover the configurations
    /// that violate on a superset of I.
    std::vector<Cube> cover(const std::vector<std::size_t>& occurs,
                            const std::vector<std::size_t>& may_also = {}) const;

    /// Merges the terms, gives every cube back the literals the constraints force, and writes
    /// the condition in model syntax (with the same structured literals).
    Condition render(std::vector<Term> terms) const;

private:
    /// Calls visit(index) for every valuation the cube matches, until it returns false.
    template <typename Visit>
    bool for_each_index(const Cube& cube, Visit&& visit) const;
    void merge(std::vector<Term>& terms) const;
    void give_back_forced(Cube& cube) const;

    const model::Model& model_;
    const ConfigurationSpace& space_;
    std::vector<bool> valid_;
    std::size_t valid_count_{0};
    /// Scratch space for cover(), as large as the space and cleared after each use, so that a
    /// call costs what its configurations and cubes cost, not the size of the space.
    mutable std::vector<std::uint32_t> scratch_{};
    mutable std::vector<bool> also_{};  ///< cover(): the `may_also` valuations, cleared after each use
};

}  // namespace lwm2mc::checker
