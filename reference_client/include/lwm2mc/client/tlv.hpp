// SPDX-License-Identifier: Apache-2.0
#pragma once

// OMA LwM2M TLV (TS 1.0 6.4.3): the binary content format 11542 (legacy 1542) used for Read responses,
// Write and Bootstrap-Write payloads.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace lwm2mc::client {

/// The two type bits 7-6 of the TLV type byte (TS 1.0 6.4.3 Table 19).
enum class TlvType : std::uint8_t { ObjectInstance = 0, ResourceInstance = 1, MultipleResource = 2, Resource = 3 };

/// One TLV; `children` only for ObjectInstance (Resources / MultipleResources) and MultipleResource
/// (ResourceInstances), `value` only for Resource and ResourceInstance.
struct TlvRecord {
    TlvType type{TlvType::Resource};
    std::uint16_t id{0};
    std::vector<std::uint8_t> value{};
    std::vector<TlvRecord> children{};
    friend bool operator==(const TlvRecord&, const TlvRecord&) = default;
};

/// Encodes with the shortest identifier (8/16 bit) and length (3-bit inline, 8/16/24 bit) fields.
/// Throws std::length_error for a value or nested payload longer than 2^24 - 1 bytes (the format's limit).
std::vector<std::uint8_t> encode_tlv(const std::vector<TlvRecord>& records);

/// Where and why a decode failed; `offset` is the byte offset of the offending TLV header.
struct TlvError {
    std::size_t offset{0};
    std::string message;
};

/// Whole-buffer decode; nesting rules enforced; never reads out of bounds.
/// Object Instances may hold Resources and Multiple Resources only, Multiple Resources hold Resource
/// Instances only, and Resource Instances may not appear at the top level; the buffer must be used exactly.
std::variant<std::vector<TlvRecord>, TlvError> decode_tlv(std::span<const std::uint8_t> bytes);

/// Integer value: the shortest of 1/2/4/8 bytes, big-endian two's complement (TS 1.0 6.4.3 / Appendix C).
std::vector<std::uint8_t> tlv_int(std::int64_t v);
/// Decodes a 1/2/4/8-byte integer; nullopt for any other length.
std::optional<std::int64_t> tlv_to_int(std::span<const std::uint8_t> bytes);
/// UTF-8 bytes as they are.
std::vector<std::uint8_t> tlv_string(std::string_view s);
/// One byte, 0 or 1.
std::vector<std::uint8_t> tlv_bool(bool b);
/// nullopt unless exactly one byte holding 0 or 1.
std::optional<bool> tlv_to_bool(std::span<const std::uint8_t> bytes);

}  // namespace lwm2mc::client
