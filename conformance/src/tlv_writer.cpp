// SPDX-License-Identifier: Apache-2.0
#include "lwm2mc/conformance/tlv_writer.hpp"

#include <stdexcept>

namespace lwm2mc::conformance {

namespace {

constexpr std::uint8_t kTypeInstance = 0x00;
constexpr std::uint8_t kTypeResource = 0xC0;

// TS 1.0 table 20: type byte = kind(2) | id is 16 bit(1) | length type(2) | 3-bit length.
void append_tlv(std::vector<std::uint8_t>& out, std::uint8_t kind, std::uint16_t id,
                const std::vector<std::uint8_t>& value) {
    std::uint8_t type = kind;
    if (id > 0xFF) {
        type |= 0x20;
    }
    const std::size_t n = value.size();
    std::vector<std::uint8_t> len;
    if (n < 8) {
        type |= static_cast<std::uint8_t>(n);
    } else if (n <= 0xFF) {
        type |= 0x08;
        len = {static_cast<std::uint8_t>(n)};
    } else if (n <= 0xFFFF) {
        type |= 0x10;
        len = {static_cast<std::uint8_t>(n >> 8U), static_cast<std::uint8_t>(n & 0xFFU)};
    } else if (n <= 0xFFFFFF) {
        type |= 0x18;
        len = {static_cast<std::uint8_t>(n >> 16U), static_cast<std::uint8_t>((n >> 8U) & 0xFFU),
               static_cast<std::uint8_t>(n & 0xFFU)};
    } else {
        throw std::invalid_argument("TLV value longer than 2^24-1 bytes");
    }
    out.push_back(type);
    if (id > 0xFF) {
        out.push_back(static_cast<std::uint8_t>(id >> 8U));
    }
    out.push_back(static_cast<std::uint8_t>(id & 0xFFU));
    out.insert(out.end(), len.begin(), len.end());
    out.insert(out.end(), value.begin(), value.end());
}

std::vector<std::uint8_t> encode_value(const TlvValue& v) {
    switch (v.kind) {
    case TlvValue::Kind::Integer: {
        std::size_t bytes = 8;
        if (v.integer >= INT8_MIN && v.integer <= INT8_MAX) {
            bytes = 1;
        } else if (v.integer >= INT16_MIN && v.integer <= INT16_MAX) {
            bytes = 2;
        } else if (v.integer >= INT32_MIN && v.integer <= INT32_MAX) {
            bytes = 4;
        }
        std::vector<std::uint8_t> out(bytes);
        const auto u = static_cast<std::uint64_t>(v.integer);
        for (std::size_t k = 0; k < bytes; ++k) {
            out[k] = static_cast<std::uint8_t>(u >> (8U * (bytes - 1 - k)));
        }
        return out;
    }
    case TlvValue::Kind::String:
        return {v.text.begin(), v.text.end()};
    case TlvValue::Kind::Boolean:
        return {static_cast<std::uint8_t>(v.boolean ? 1 : 0)};
    case TlvValue::Kind::Opaque:
        return v.bytes;
    }
    return {};
}

}  // namespace

std::vector<std::uint8_t> tlv_resources(const std::vector<TlvResource>& resources) {
    std::vector<std::uint8_t> out;
    for (const auto& r : resources) {
        append_tlv(out, kTypeResource, r.id, encode_value(r.value));
    }
    return out;
}

std::vector<std::uint8_t> tlv_instance(std::uint16_t instance, const std::vector<TlvResource>& resources) {
    std::vector<std::uint8_t> out;
    append_tlv(out, kTypeInstance, instance, tlv_resources(resources));
    return out;
}

std::string text_value(const TlvValue& value) {
    switch (value.kind) {
    case TlvValue::Kind::Integer:
        return std::to_string(value.integer);
    case TlvValue::Kind::String:
        return value.text;
    case TlvValue::Kind::Boolean:
        return value.boolean ? "1" : "0";
    case TlvValue::Kind::Opaque:
        break;
    }
    throw std::invalid_argument("opaque values have no text/plain form");
}

}  // namespace lwm2mc::conformance
