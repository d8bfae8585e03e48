// SPDX-License-Identifier: Apache-2.0
#include "condition.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace lwm2mc::checker {

using namespace model;

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

ConditionBuilder::ConditionBuilder(const Model& model, std::vector<bool> enumerated,
                                   const std::vector<Configuration>& valuations, const std::vector<bool>& valid)
    : model_{model}, enumerated_{std::move(enumerated)}, valuations_{valuations}, valid_{valid} {}

bool ConditionBuilder::matches(const Cube& cube, const Configuration& c) const {
    return std::all_of(cube.begin(), cube.end(), [&](const auto& lit) { return c.values[lit.first] == lit.second; });
}

std::string ConditionBuilder::literal(std::size_t param, Value value) const {
    const Parameter& p = model_.parameters[param];
    switch (p.type.kind) {
    case TypeKind::Bool:
        return value ? p.name : "!" + p.name;
    case TypeKind::Enum:
        return fmt::format("{} == {}", p.name, model_.format_value(p.type, value));
    case TypeKind::Int:
        return fmt::format("{} == {}", p.name, value);
    }
    return p.name;
}

Condition ConditionBuilder::build(const std::vector<std::size_t>& occurs) const {
    Condition result;
    std::set<std::size_t> in(occurs.begin(), occurs.end());
    if (in.empty()) {
        result.literals.emplace();
        return result;
    }
    std::size_t valid_count = static_cast<std::size_t>(std::count(valid_.begin(), valid_.end(), true));
    if (in.size() == valid_count) {
        result.cubes.emplace_back();  // every configuration
        result.literals.emplace(1);
        return result;
    }
    // a cube is acceptable when every valid valuation it matches is in the set
    auto acceptable = [&](const Cube& cube) {
        for (std::size_t i = 0; i < valuations_.size(); ++i) {
            if (valid_[i] && !in.count(i) && matches(cube, valuations_[i])) {
                return false;
            }
        }
        return true;
    };
    std::vector<Cube> cubes;
    for (std::size_t index : in) {
        const Configuration& c = valuations_[index];
        bool covered = std::any_of(cubes.begin(), cubes.end(), [&](const Cube& k) { return matches(k, c); });
        if (covered) {
            continue;
        }
        Cube cube;
        for (std::size_t p = 0; p < enumerated_.size(); ++p) {
            if (enumerated_[p]) {
                cube.emplace_back(p, c.values[p]);
            }
        }
        // widen: drop literals, last parameter first, while the cube stays inside the set
        for (std::size_t k = cube.size(); k-- > 0;) {
            Cube trial = cube;
            trial.erase(trial.begin() + static_cast<std::ptrdiff_t>(k));
            if (acceptable(trial)) {
                cube = std::move(trial);
            }
        }
        cubes.push_back(std::move(cube));
    }
    // drop cubes whose configurations the others already cover
    for (std::size_t k = cubes.size(); k-- > 0 && cubes.size() > 1;) {
        bool redundant = true;
        for (std::size_t index : in) {
            const Configuration& c = valuations_[index];
            if (matches(cubes[k], c)) {
                bool other = false;
                for (std::size_t j = 0; j < cubes.size() && !other; ++j) {
                    other = j != k && matches(cubes[j], c);
                }
                if (!other) {
                    redundant = false;
                    break;
                }
            }
        }
        if (redundant) {
            cubes.erase(cubes.begin() + static_cast<std::ptrdiff_t>(k));
        }
    }
    // give back literals that the constraints force inside each cube
    for (Cube& cube : cubes) {
        for (std::size_t p = 0; p < enumerated_.size(); ++p) {
            if (!enumerated_[p] ||
                std::any_of(cube.begin(), cube.end(), [&](const auto& lit) { return lit.first == p; })) {
                continue;
            }
            std::optional<Value> forced;
            bool varies = false;
            for (std::size_t i = 0; i < valuations_.size() && !varies; ++i) {
                if (valid_[i] && matches(cube, valuations_[i])) {
                    Value v = valuations_[i].values[p];
                    varies = forced && *forced != v;
                    forced = v;
                }
            }
            if (forced && !varies) {
                cube.emplace_back(p, *forced);
            }
        }
        std::sort(cube.begin(), cube.end());
    }
    result.literals.emplace();
    for (const Cube& cube : cubes) {
        std::vector<std::string> lits;
        std::vector<Literal> structured;
        for (const auto& [p, v] : cube) {
            lits.push_back(literal(p, v));
            structured.push_back({Literal::Op::Eq, p, v});
        }
        result.cubes.push_back(std::move(lits));
        result.literals->push_back(std::move(structured));
    }
    return result;
}

}  // namespace lwm2mc::checker
