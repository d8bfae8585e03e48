// SPDX-License-Identifier: Apache-2.0
#pragma once

// A small OMA-TLV encoder (LwM2M TS 1.0 6.4.3) written independently of the engine's codec, so that the
// peers' Bootstrap-Writes test the engine's decoder rather than mirror it.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace lwm2mc::conformance {

/// One resource value: integer (signed, shortest of 1/2/4/8 bytes), string (UTF-8), bool, opaque.
/// (A plain struct: g++ 12 -O2 reports false maybe-uninitialized warnings on copies of such a std::variant.)
struct TlvValue {
    enum class Kind : std::uint8_t { Integer, String, Boolean, Opaque };
    Kind kind{Kind::Integer};
    std::int64_t integer{0};
    std::string text{};
    std::vector<std::uint8_t> bytes{};
    bool boolean{false};

    static TlvValue of_int(std::int64_t v) { return TlvValue{Kind::Integer, v, {}, {}, false}; }
    static TlvValue of_string(std::string v) { return TlvValue{Kind::String, 0, std::move(v), {}, false}; }
    static TlvValue of_bool(bool v) { return TlvValue{Kind::Boolean, 0, {}, {}, v}; }
    static TlvValue of_opaque(std::vector<std::uint8_t> v) {
        return TlvValue{Kind::Opaque, 0, {}, std::move(v), false};
    }
};

struct TlvResource {
    std::uint16_t id{0};
    TlvValue value{};
};

/// Resource TLVs one after another (the payload of a Write to /obj/inst).
std::vector<std::uint8_t> tlv_resources(const std::vector<TlvResource>& resources);
/// One Object Instance TLV wrapping `resources` (the payload of a Write to /obj).
std::vector<std::uint8_t> tlv_instance(std::uint16_t instance, const std::vector<TlvResource>& resources);
/// text/plain rendering of a value (LwM2M TS 1.0 6.4.1): decimal integer, "0"/"1" for bool; opaque has none.
std::string text_value(const TlvValue& value);

}  // namespace lwm2mc::conformance
