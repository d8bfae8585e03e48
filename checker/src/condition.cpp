// SPDX-License-Identifier: Apache-2.0
#include "condition.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <map>
#include <numeric>
#include <tuple>

namespace lwm2mc::checker {

using namespace model;

namespace {

/// Absorption compares every pair of cubes; beyond this many it is skipped (the condition stays
/// equivalent, only possibly longer). Conditions that long are unreadable anyway.
constexpr std::size_t kMaxAbsorbed = 2048;

}  // namespace

std::string Condition::to_string() const {
    if (never()) {
        return "false";
    }
    if (always()) {
        return "true";
    }
    std::string out;
    for (std::size_t i = 0; i < cubes.size(); ++i) {
        std::string cube;
        for (std::size_t j = 0; j < cubes[i].size(); ++j) {
            cube += (j ? " && " : "") + cubes[i][j];
        }
        bool paren = cubes.size() > 1 && cubes[i].size() > 1;
        out += (i ? " || " : "") + (paren ? "(" + cube + ")" : cube);
    }
    return out;
}

// ---- literals ----------------------------------------------------------------------------------

Literal normalise_literal(Literal literal) {
    std::map<std::size_t, std::int64_t> by_param;
    for (const Literal::Term& t : literal.terms) {
        by_param[t.param] += t.coefficient;
    }
    literal.terms.clear();
    std::int64_t common = 0;
    int positive = 0;
    int negative = 0;
    for (const auto& [param, coefficient] : by_param) {
        if (coefficient != 0) {
            literal.terms.push_back({coefficient, param});
            common = std::gcd(common, coefficient);
            (coefficient > 0 ? positive : negative) += 1;
        }
    }
    if (literal.terms.empty()) {
        return literal;
    }
    // s * g op k: for > it is s > floor(k / g), for < it is s < ceil(k / g); == and != only
    // when g divides k (otherwise the literal is constant and stays as written)
    auto floor_div = [](std::int64_t k, std::int64_t g) { return k / g - ((k % g != 0 && k < 0) ? 1 : 0); };
    auto ceil_div = [](std::int64_t k, std::int64_t g) { return k / g + ((k % g != 0 && k > 0) ? 1 : 0); };
    bool divides = literal.value % common == 0;
    if (common > 1 && (divides || literal.op == Literal::Op::Gt || literal.op == Literal::Op::Lt)) {
        for (Literal::Term& t : literal.terms) {
            t.coefficient /= common;
        }
        literal.value = literal.op == Literal::Op::Gt   ? floor_div(literal.value, common)
                        : literal.op == Literal::Op::Lt ? ceil_div(literal.value, common)
                                                        : literal.value / common;
    }
    bool flip = negative > positive || (negative == positive && literal.value < 0);
    if (flip) {
        for (Literal::Term& t : literal.terms) {
            t.coefficient = -t.coefficient;
        }
        literal.value = -literal.value;
        literal.op = literal.op == Literal::Op::Gt   ? Literal::Op::Lt
                     : literal.op == Literal::Op::Lt ? Literal::Op::Gt
                                                     : literal.op;
    }
    return literal;
}

namespace {

const char* op_text(Literal::Op op) {
    switch (op) {
    case Literal::Op::Eq:
        return "==";
    case Literal::Op::Ne:
        return "!=";
    case Literal::Op::Gt:
        return ">";
    case Literal::Op::Lt:
        return "<";
    }
    return "==";
}

}  // namespace

std::string format_literal(const Model& model, const Literal& literal) {
    bool equality = literal.op == Literal::Op::Eq || literal.op == Literal::Op::Ne;
    if (auto param = literal.single()) {
        const Parameter& p = model.parameters[*param];
        if (p.type.kind == TypeKind::Bool && equality) {
            bool holds = (literal.value != 0) == (literal.op == Literal::Op::Eq);
            return holds ? p.name : "!" + p.name;
        }
        if (p.type.kind == TypeKind::Enum && equality) {
            return fmt::format("{} {} {}", p.name, op_text(literal.op), model.format_value(p.type, literal.value));
        }
        return fmt::format("{} {} {}", p.name, op_text(literal.op), literal.value);
    }
    // a sum: positive terms first, so that `-d1 + d2 > 3` reads `d2 - d1 > 3`
    std::string why;
    std::string sum;
    auto write = [&](const Literal::Term& t) {
        const Parameter& p = model.parameters[t.param];
        if (p.type.kind != TypeKind::Int && why.empty()) {
            why = fmt::format("'{}' is not an int", p.name);
        }
        std::int64_t size = t.coefficient < 0 ? -t.coefficient : t.coefficient;
        const char* sign = t.coefficient < 0 ? "-" : "+";
        if (size > kMaxRepeatedTerm) {  // `*` by a constant is model syntax
            sum += fmt::format("{}{} * {}", sum.empty() ? (t.coefficient < 0 ? "-" : "") : fmt::format(" {} ", sign),
                               size, p.name);
            return;
        }
        for (std::int64_t k = 0; k < size; ++k) {
            sum += (sum.empty() ? std::string(t.coefficient < 0 ? "-" : "") : fmt::format(" {} ", sign)) + p.name;
        }
    };
    for (const Literal::Term& t : literal.terms) {
        if (t.coefficient > 0) {
            write(t);
        }
    }
    for (const Literal::Term& t : literal.terms) {
        if (t.coefficient < 0) {
            write(t);
        }
    }
    if (sum.empty()) {
        sum = "0";
    }
    std::string text = fmt::format("{} {} {}", sum, op_text(literal.op), literal.value);
    return why.empty() ? text : fmt::format("{} /* not model syntax: {} */", text, why);
}

Condition make_condition(const Model& model, std::vector<std::vector<Literal>> cubes) {
    Condition result;
    for (const auto& cube : cubes) {
        std::vector<std::string> texts;
        for (const Literal& l : cube) {
            texts.push_back(format_literal(model, l));
        }
        result.cubes.push_back(std::move(texts));
    }
    result.literals = std::move(cubes);
    return result;
}

// ---- the space of valuations -------------------------------------------------------------------

ConfigurationSpace::ConfigurationSpace(const Model& model, const std::vector<bool>& enumerated) {
    std::size_t n = model.parameters.size();
    radix_.assign(n, 0);
    stride_.assign(n, 0);
    lo_.assign(n, 0);
    for (std::size_t p = 0; p < n; ++p) {
        if (p < enumerated.size() && enumerated[p]) {
            params_.push_back(p);
            const Type& t = model.parameters[p].type;
            lo_[p] = t.lo;
            radix_[p] = static_cast<std::size_t>(t.hi - t.lo) + 1;
        }
    }
    // the last enumerated parameter varies fastest (Interpreter::for_each_valuation)
    for (std::size_t k = params_.size(); k-- > 0;) {
        stride_[params_[k]] = size_;
        size_ *= radix_[params_[k]];
    }
}

std::size_t ConfigurationSpace::index(const Configuration& c) const {
    std::size_t i = 0;
    for (std::size_t p : params_) {
        i += static_cast<std::size_t>(c.values[p] - lo_[p]) * stride_[p];
    }
    return i;
}

Value ConfigurationSpace::value(std::size_t index, std::size_t param) const {
    return lo_[param] + static_cast<Value>((index / stride_[param]) % radix_[param]);
}

// ---- covering a set of configurations with cubes -----------------------------------------------

ConditionBuilder::ConditionBuilder(const Model& model, const ConfigurationSpace& space, std::vector<bool> valid)
    : model_{model}, space_{space}, valid_{std::move(valid)} {
    valid_count_ = static_cast<std::size_t>(std::count(valid_.begin(), valid_.end(), true));
    scratch_.assign(space_.size(), 0);
    also_.assign(space_.size(), false);
}

template <typename Visit>
bool ConditionBuilder::for_each_index(const Cube& cube, Visit&& visit) const {
    std::size_t base = 0;
    std::vector<std::size_t> radix, stride;
    auto lit = cube.begin();
    for (std::size_t p : space_.params()) {
        while (lit != cube.end() && lit->first < p) {
            ++lit;
        }
        if (lit != cube.end() && lit->first == p) {
            base += static_cast<std::size_t>(lit->second - space_.lo(p)) * space_.stride(p);
        } else {
            radix.push_back(space_.radix(p));
            stride.push_back(space_.stride(p));
        }
    }
    std::vector<std::size_t> digit(radix.size(), 0);
    std::size_t index = base;
    while (true) {
        if (!visit(index)) {
            return false;
        }
        std::size_t j = radix.size();
        while (j-- > 0) {
            if (++digit[j] < radix[j]) {
                index += stride[j];
                break;
            }
            index -= (radix[j] - 1) * stride[j];
            digit[j] = 0;
        }
        if (j == static_cast<std::size_t>(-1)) {
            return true;
        }
    }
}

std::vector<ConditionBuilder::Cube> ConditionBuilder::cover(const std::vector<std::size_t>& occurs,
                                                            const std::vector<std::size_t>& may_also) const {
    if (occurs.empty()) {
        return {};
    }
    if (occurs.size() == valid_count_) {
        return {Cube{}};  // every configuration
    }
    // scratch_[i]: bit 0 = in the set; the rest = how many chosen cubes match i (counted for i in the set)
    for (std::size_t i : occurs) {
        scratch_[i] = 1;
    }
    for (std::size_t i : may_also) {
        also_[i] = true;
    }
    auto in = [&](std::size_t i) { return (scratch_[i] & 1U) != 0; };
    auto covers = [&](std::size_t i) { return scratch_[i] >> 1U; };
    // a cube is acceptable when every valid valuation it matches is in the set
    auto acceptable = [&](const Cube& cube) {
        return for_each_index(cube, [&](std::size_t i) { return in(i) || also_[i] || !valid_[i]; });
    };
    std::vector<Cube> cubes;
    for (std::size_t index : occurs) {
        if (covers(index) > 0) {
            continue;
        }
        Cube cube;
        for (std::size_t p : space_.params()) {
            cube.emplace_back(p, space_.value(index, p));
        }
        // widen: drop literals, last parameter first, while the cube stays inside the set. The cube
        // itself is inside, so only its neighbours (literal k with each other value) are checked.
        for (std::size_t k = cube.size(); k-- > 0;) {
            Cube neighbour = cube;
            Value own = cube[k].second;
            bool inside = true;
            for (std::size_t v = 0; v < space_.radix(cube[k].first) && inside; ++v) {
                neighbour[k].second = space_.lo(cube[k].first) + static_cast<Value>(v);
                inside = neighbour[k].second == own || acceptable(neighbour);
            }
            if (inside) {
                cube.erase(cube.begin() + static_cast<std::ptrdiff_t>(k));
            }
        }
        for_each_index(cube, [&](std::size_t i) {
            scratch_[i] += in(i) ? 2U : 0U;
            return true;
        });
        cubes.push_back(std::move(cube));
    }
    // drop cubes whose configurations the others already cover
    for (std::size_t k = cubes.size(); k-- > 0 && cubes.size() > 1;) {
        bool redundant = for_each_index(cubes[k], [&](std::size_t i) { return !in(i) || covers(i) >= 2; });
        if (redundant) {
            for_each_index(cubes[k], [&](std::size_t i) {
                scratch_[i] -= in(i) ? 2U : 0U;
                return true;
            });
            cubes.erase(cubes.begin() + static_cast<std::ptrdiff_t>(k));
        }
    }
    for (std::size_t i : occurs) {
        scratch_[i] = 0;
    }
    for (std::size_t i : may_also) {
        also_[i] = false;
    }
    return cubes;
}

// ---- merging and writing -----------------------------------------------------------------------

namespace {

using Term = ConditionBuilder::Term;

/// Every configuration of `b` is one of `a`.
bool contains(const Term& a, const Term& b) {
    if (a.timing && (!b.timing || b.lo < a.lo || b.hi > a.hi)) {
        return false;
    }
    return std::includes(b.cube.begin(), b.cube.end(), a.cube.begin(), a.cube.end());
}

auto interval_key(const Term& t) {
    return std::make_tuple(t.timing.has_value(), t.lo, t.hi);
}

/// Keeps the live terms, in order.
void compact(std::vector<Term>& terms, const std::vector<bool>& dead) {
    std::vector<Term> out;
    for (std::size_t i = 0; i < terms.size(); ++i) {
        if (!dead[i]) {
            out.push_back(std::move(terms[i]));
        }
    }
    terms = std::move(out);
}

}  // namespace

void ConditionBuilder::merge(std::vector<Term>& terms) const {
    for (Term& t : terms) {
        std::sort(t.cube.begin(), t.cube.end());
        if (t.timing) {
            const Type& type = model_.parameters[*t.timing].type;
            if (t.lo <= type.lo && t.hi >= type.hi) {
                t.timing.reset();  // the whole domain: no literal
            }
        }
        if (!t.timing) {
            t.lo = t.hi = 0;
        }
    }
    bool changed = true;
    while (changed && terms.size() > 1) {
        changed = false;
        std::vector<bool> dead(terms.size(), false);
        // identical terms
        {
            std::map<std::tuple<Cube, bool, Value, Value>, std::size_t> seen;
            for (std::size_t i = 0; i < terms.size(); ++i) {
                auto key = std::tuple_cat(std::make_tuple(terms[i].cube), interval_key(terms[i]));
                if (!seen.emplace(std::move(key), i).second) {
                    dead[i] = changed = true;
                }
            }
        }
        // intervals of the timing parameter in terms with the same cube: join adjacent ones
        {
            std::map<Cube, std::vector<std::size_t>> same_cube;
            for (std::size_t i = 0; i < terms.size(); ++i) {
                if (!dead[i] && terms[i].timing) {
                    same_cube[terms[i].cube].push_back(i);
                }
            }
            for (auto& [cube, members] : same_cube) {
                if (members.size() < 2) {
                    continue;
                }
                std::sort(members.begin(), members.end(),
                          [&](std::size_t x, std::size_t y) { return terms[x].lo < terms[y].lo; });
                std::size_t keep = members.front();
                for (std::size_t k = 1; k < members.size(); ++k) {
                    Term& next = terms[members[k]];
                    Term& cur = terms[keep];
                    if (cur.hi == std::numeric_limits<Value>::max() || next.lo <= cur.hi + 1) {
                        cur.hi = std::max(cur.hi, next.hi);
                        dead[members[k]] = changed = true;
                    } else {
                        keep = members[k];
                    }
                }
            }
            for (Term& t : terms) {
                if (t.timing) {
                    const Type& type = model_.parameters[*t.timing].type;
                    if (t.lo <= type.lo && t.hi >= type.hi) {
                        t.timing.reset();
                        t.lo = t.hi = 0;
                    }
                }
            }
        }
        // a parameter whose values in otherwise equal terms cover its whole domain is dropped
        for (std::size_t p : space_.params()) {
            std::map<std::tuple<Cube, bool, Value, Value>, std::vector<std::size_t>> rest;
            for (std::size_t i = 0; i < terms.size(); ++i) {
                if (dead[i]) {
                    continue;
                }
                const Cube& c = terms[i].cube;
                auto it = std::find_if(c.begin(), c.end(), [p](const auto& lit) { return lit.first == p; });
                if (it == c.end()) {
                    continue;
                }
                Cube without = c;
                without.erase(without.begin() + (it - c.begin()));
                rest[std::tuple_cat(std::make_tuple(std::move(without)), interval_key(terms[i]))].push_back(i);
            }
            for (auto& [key, members] : rest) {
                std::vector<Value> values;
                for (std::size_t i : members) {
                    for (const auto& lit : terms[i].cube) {
                        if (lit.first == p) {
                            values.push_back(lit.second);
                        }
                    }
                }
                std::sort(values.begin(), values.end());
                values.erase(std::unique(values.begin(), values.end()), values.end());
                if (values.size() != space_.radix(p)) {
                    continue;
                }
                terms[members.front()].cube = std::get<0>(key);
                for (std::size_t k = 1; k < members.size(); ++k) {
                    dead[members[k]] = true;
                }
                changed = true;
            }
        }
        // a term implied by another one is dropped
        std::size_t live = static_cast<std::size_t>(std::count(dead.begin(), dead.end(), false));
        if (live <= kMaxAbsorbed) {
            for (std::size_t i = 0; i < terms.size(); ++i) {
                for (std::size_t j = 0; j < terms.size() && !dead[i]; ++j) {
                    if (j != i && !dead[j] && contains(terms[i], terms[j])) {
                        dead[j] = changed = true;
                    }
                }
            }
        }
        compact(terms, dead);
    }
}

void ConditionBuilder::give_back_forced(Cube& cube) const {
    // the literals the constraints force: parameters with one value in every valid valuation of the
    // cube. Candidates drop out as soon as they vary; the enumeration stops when none is left.
    std::vector<std::size_t> candidates;
    for (std::size_t p : space_.params()) {
        if (std::none_of(cube.begin(), cube.end(), [p](const auto& lit) { return lit.first == p; })) {
            candidates.push_back(p);
        }
    }
    std::vector<Value> first;
    for_each_index(cube, [&](std::size_t i) {
        if (!valid_[i]) {
            return true;
        }
        if (first.empty()) {
            for (std::size_t p : candidates) {
                first.push_back(space_.value(i, p));
            }
            return !candidates.empty();
        }
        for (std::size_t k = candidates.size(); k-- > 0;) {
            if (space_.value(i, candidates[k]) != first[k]) {
                candidates.erase(candidates.begin() + static_cast<std::ptrdiff_t>(k));
                first.erase(first.begin() + static_cast<std::ptrdiff_t>(k));
            }
        }
        return !candidates.empty();
    });
    if (first.empty()) {
        return;  // no valid valuation in the cube: nothing is forced
    }
    for (std::size_t k = 0; k < candidates.size(); ++k) {
        cube.emplace_back(candidates[k], first[k]);
    }
    std::sort(cube.begin(), cube.end());
}

Condition ConditionBuilder::render(std::vector<Term> terms) const {
    merge(terms);
    std::vector<std::vector<Literal>> cubes;
    for (Term& t : terms) {
        // an empty cube stands for every configuration: nothing is forced that the report should repeat
        if (!t.cube.empty()) {
            give_back_forced(t.cube);
        }
        std::vector<Literal> structured;
        for (const auto& [p, v] : t.cube) {
            structured.push_back(Literal::compare(p, Literal::Op::Eq, v));
        }
        if (t.timing) {
            const Parameter& tp = model_.parameters[*t.timing];
            if (t.lo > tp.type.lo) {
                structured.push_back(Literal::compare(*t.timing, Literal::Op::Gt, t.lo - 1));
            }
            if (t.hi < tp.type.hi) {
                structured.push_back(Literal::compare(*t.timing, Literal::Op::Lt, t.hi + 1));
            }
        }
        cubes.push_back(std::move(structured));
    }
    return make_condition(model_, std::move(cubes));
}

Condition ConditionBuilder::build(const std::vector<std::size_t>& occurs) const {
    std::vector<Term> terms;
    for (Cube& cube : cover(occurs)) {
        terms.push_back({std::move(cube)});
    }
    return render(std::move(terms));
}

}  // namespace lwm2mc::checker
