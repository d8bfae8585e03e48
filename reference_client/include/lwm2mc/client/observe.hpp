// SPDX-License-Identifier: Apache-2.0
#pragma once

// Information Reporting (LwM2M TS 1.0 5.5, RFC 7641) as plain data: the notification attributes that
// Write-Attributes (TS 1.0 5.4.4) sets, their inheritance, and the observations a client holds. The engine
// (observe.cpp) keeps them in PersistentState so that they survive a reboot that keeps the registration
// (TS 1.0 5.5.1 SHOULD; domain doc 1.8).

#include "lwm2mc/client/message.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace lwm2mc::client {

/// The <NOTIFICATION> attributes of TS 1.0 5.1.2 at one level (object, instance or resource); nullopt = not set
/// at this level.
struct Attributes {
    std::optional<std::int64_t> pmin{};  ///< Minimum Period, seconds
    std::optional<std::int64_t> pmax{};  ///< Maximum Period, seconds
    std::optional<double> gt{};          ///< Greater Than (numeric resources)
    std::optional<double> lt{};          ///< Less Than (numeric resources)
    std::optional<double> st{};          ///< Step (numeric resources)
    bool empty() const { return !pmin && !pmax && !gt && !lt && !st; }
    friend bool operator==(const Attributes&, const Attributes&) = default;
};

/// `over` on top of `base`: what `over` sets wins (resource over instance over object, TS 1.0 5.1.2).
Attributes inherit(const Attributes& base, const Attributes& over);

/// The attributes one server wrote on one path ("/3/0/13").
struct AttributeRecord {
    std::int64_t ssid{0};
    std::string path{};
    Attributes attributes{};
    friend bool operator==(const AttributeRecord&, const AttributeRecord&) = default;
};

/// One Write-Attributes query parameter: set `name` to `value`, or remove it (`pmin` without a value).
struct AttributeChange {
    std::string name{};
    std::optional<double> value{};
};

/// Parses the Uri-Query of a Write-Attributes (TS 1.0 5.4.4: "pmin=10", "gt=20.5", "pmin" to remove). Returns the
/// changes, or an error text for an unknown attribute, a malformed number, a negative or fractional period or a
/// negative step (all 4.00 Bad Request).
std::variant<std::vector<AttributeChange>, std::string> parse_attribute_query(const std::vector<std::string>& query);

/// Applies `changes` to `attributes`; returns an error text when the result breaks TS 1.0 5.1.2 / 1.1 5.1.2
/// (lt >= gt, lt + 2 * st >= gt).
std::optional<std::string> apply_attribute_changes(Attributes& attributes, const std::vector<AttributeChange>& changes);

/// "pmin=10;pmax=20" (Discover link attributes, TS 1.0 5.4.2), empty for no attribute.
std::vector<std::pair<std::string, std::string>> attribute_params(const Attributes& attributes);

/// An observation (RFC 7641 2; TS 1.0 5.5.1) as persisted: who observes what with which token, and where the
/// notification stream stands.
struct ObservationRecord {
    std::int64_t ssid{0};                      ///< the observing server (Short Server ID)
    std::vector<std::uint8_t> token{};         ///< the token of its Observe request
    std::string path{};                        ///< "/3/0/13"
    std::optional<std::uint16_t> accept{};     ///< the Accept of the Observe request (nullopt: as Read decides)
    std::uint32_t observe_seq{0};              ///< next Observe value to use after a restart (>= any sent)
    std::vector<std::uint8_t> last_payload{};  ///< the value last notified (as sent)
    std::optional<std::uint16_t> last_format{};
    friend bool operator==(const ObservationRecord&, const ObservationRecord&) = default;
};

/// Token bytes as lower-case hex ("a1b2"); for traces and the state file.
std::string token_hex(const std::vector<std::uint8_t>& token);
std::optional<std::vector<std::uint8_t>> token_from_hex(const std::string& hex);

}  // namespace lwm2mc::client
