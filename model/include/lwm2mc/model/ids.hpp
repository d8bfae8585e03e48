// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <compare>
#include <cstdint>
#include <functional>

namespace lwm2mc::model {

/// A strongly typed index into one of the model's element tables.
template <class Tag>
struct Id {
    std::uint32_t value{0};

    constexpr Id() = default;
    constexpr explicit Id(std::uint32_t v) : value{v} {}
    constexpr explicit Id(std::size_t v) : value{static_cast<std::uint32_t>(v)} {}
    constexpr std::size_t index() const { return value; }
    friend constexpr auto operator<=>(Id, Id) = default;
};

using StateId = Id<struct StateTag>;
using TransitionId = Id<struct TransitionTag>;
using EventId = Id<struct EventTag>;
using ParamId = Id<struct ParamTag>;
using VarId = Id<struct VarTag>;
using EnumId = Id<struct EnumTag>;

}  // namespace lwm2mc::model

template <class Tag>
struct std::hash<lwm2mc::model::Id<Tag>> {
    std::size_t operator()(lwm2mc::model::Id<Tag> id) const noexcept { return std::hash<std::uint32_t>{}(id.value); }
};
