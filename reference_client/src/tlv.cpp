// SPDX-License-Identifier: Apache-2.0
#include "lwm2mc/client/tlv.hpp"

#include <limits>
#include <stdexcept>

namespace lwm2mc::client {

namespace {

constexpr std::size_t kMaxTlvLength = 0xFFFFFF;  // 24-bit length field

void encode_one(const TlvRecord& r, std::vector<std::uint8_t>& out) {
    std::vector<std::uint8_t> body;
    if (r.type == TlvType::ObjectInstance || r.type == TlvType::MultipleResource) {
        for (const auto& c : r.children) {
            encode_one(c, body);
        }
    } else {
        body = r.value;
    }
    if (body.size() > kMaxTlvLength) {
        throw std::length_error("TLV value longer than 2^24 - 1 bytes");
    }
    // LwM2M TS 1.0 6.4.3: type byte = bits 7-6 type, bit 5 identifier length (0: 8 bit, 1: 16 bit),
    // bits 4-3 length type (0: length in bits 2-0, 1/2/3: 8/16/24-bit length field).
    std::uint8_t type_byte = static_cast<std::uint8_t>(static_cast<unsigned>(r.type) << 6U);
    const bool long_id = r.id > 0xFF;
    if (long_id) {
        type_byte = static_cast<std::uint8_t>(type_byte | 0x20U);
    }
    const std::size_t len = body.size();
    unsigned length_bytes = 0;
    if (len < 8) {
        type_byte = static_cast<std::uint8_t>(type_byte | len);
    } else if (len <= 0xFF) {
        length_bytes = 1;
    } else if (len <= 0xFFFF) {
        length_bytes = 2;
    } else {
        length_bytes = 3;
    }
    type_byte = static_cast<std::uint8_t>(type_byte | (length_bytes << 3U));
    out.push_back(type_byte);
    if (long_id) {
        out.push_back(static_cast<std::uint8_t>(r.id >> 8U));
    }
    out.push_back(static_cast<std::uint8_t>(r.id & 0xFFU));
    for (unsigned i = length_bytes; i > 0; --i) {
        out.push_back(static_cast<std::uint8_t>((len >> (8U * (i - 1))) & 0xFFU));
    }
    out.insert(out.end(), body.begin(), body.end());
}

enum class Level { Top, InObjectInstance, InMultipleResource };

bool allowed(TlvType t, Level level) {
    switch (level) {
    case Level::Top:
        // LwM2M TS 1.0 6.4.3: a payload is a list of Object Instances, Resources or Multiple Resources;
        // a Resource Instance only exists inside a Multiple Resource.
        return t != TlvType::ResourceInstance;
    case Level::InObjectInstance:
        return t == TlvType::Resource || t == TlvType::MultipleResource;
    case Level::InMultipleResource:
        return t == TlvType::ResourceInstance;
    }
    return false;
}

const char* type_name(TlvType t) {
    switch (t) {
    case TlvType::ObjectInstance:
        return "object instance";
    case TlvType::ResourceInstance:
        return "resource instance";
    case TlvType::MultipleResource:
        return "multiple resource";
    case TlvType::Resource:
        return "resource";
    }
    return "?";
}

const char* level_name(Level l) {
    switch (l) {
    case Level::Top:
        return "at the top level";
    case Level::InObjectInstance:
        return "inside an object instance";
    case Level::InMultipleResource:
        return "inside a multiple resource";
    }
    return "?";
}

// Decodes bytes[begin, end) (absolute offsets into `all`) at `level`; returns an error or nothing.
std::optional<TlvError> decode_range(std::span<const std::uint8_t> all, std::size_t begin, std::size_t end, Level level,
                                     int depth, std::vector<TlvRecord>& out) {
    if (depth > 2) {
        return TlvError{begin, "TLV nested too deeply"};
    }
    std::size_t pos = begin;
    while (pos < end) {
        const std::size_t header = pos;
        const std::uint8_t type_byte = all[pos++];
        const auto type = static_cast<TlvType>(type_byte >> 6U);
        if (!allowed(type, level)) {
            return TlvError{header, std::string{type_name(type)} + " not allowed " + level_name(level)};
        }
        const std::size_t id_bytes = (type_byte & 0x20U) != 0 ? 2 : 1;
        const unsigned length_type = (type_byte >> 3U) & 0x3U;
        if (end - pos < id_bytes + length_type) {
            return TlvError{header, "truncated TLV header"};
        }
        std::uint16_t id = all[pos++];
        if (id_bytes == 2) {
            id = static_cast<std::uint16_t>((id << 8U) | all[pos++]);
        }
        std::size_t len = 0;
        if (length_type == 0) {
            len = type_byte & 0x7U;
        } else {
            for (unsigned i = 0; i < length_type; ++i) {
                len = (len << 8U) | all[pos++];
            }
        }
        if (len > end - pos) {
            return TlvError{header, "TLV length " + std::to_string(len) + " exceeds the " + std::to_string(end - pos) +
                                        " remaining bytes"};
        }
        TlvRecord rec;
        rec.type = type;
        rec.id = id;
        if (type == TlvType::ObjectInstance || type == TlvType::MultipleResource) {
            const Level inner = type == TlvType::ObjectInstance ? Level::InObjectInstance : Level::InMultipleResource;
            if (auto err = decode_range(all, pos, pos + len, inner, depth + 1, rec.children)) {
                return err;
            }
        } else {
            rec.value.assign(all.begin() + static_cast<std::ptrdiff_t>(pos),
                             all.begin() + static_cast<std::ptrdiff_t>(pos + len));
        }
        pos += len;
        out.push_back(std::move(rec));
    }
    return std::nullopt;
}

}  // namespace

std::vector<std::uint8_t> encode_tlv(const std::vector<TlvRecord>& records) {
    std::vector<std::uint8_t> out;
    for (const auto& r : records) {
        encode_one(r, out);
    }
    return out;
}

std::variant<std::vector<TlvRecord>, TlvError> decode_tlv(std::span<const std::uint8_t> bytes) {
    std::vector<TlvRecord> out;
    if (auto err = decode_range(bytes, 0, bytes.size(), Level::Top, 0, out)) {
        return *err;
    }
    return out;
}

std::vector<std::uint8_t> tlv_int(std::int64_t v) {
    std::size_t n = 8;
    if (v >= std::numeric_limits<std::int8_t>::min() && v <= std::numeric_limits<std::int8_t>::max()) {
        n = 1;
    } else if (v >= std::numeric_limits<std::int16_t>::min() && v <= std::numeric_limits<std::int16_t>::max()) {
        n = 2;
    } else if (v >= std::numeric_limits<std::int32_t>::min() && v <= std::numeric_limits<std::int32_t>::max()) {
        n = 4;
    }
    const auto u = static_cast<std::uint64_t>(v);
    std::vector<std::uint8_t> out(n);
    for (std::size_t i = 0; i < n; ++i) {
        out[n - 1 - i] = static_cast<std::uint8_t>((u >> (8U * i)) & 0xFFU);
    }
    return out;
}

std::optional<std::int64_t> tlv_to_int(std::span<const std::uint8_t> bytes) {
    const std::size_t n = bytes.size();
    if (n != 1 && n != 2 && n != 4 && n != 8) {
        return std::nullopt;
    }
    std::uint64_t u = (bytes[0] & 0x80U) != 0 ? ~std::uint64_t{0} : 0;  // sign extension
    for (const auto b : bytes) {
        u = (u << 8U) | b;
    }
    return static_cast<std::int64_t>(u);
}

std::vector<std::uint8_t> tlv_string(std::string_view s) {
    return {s.begin(), s.end()};
}

std::vector<std::uint8_t> tlv_bool(bool b) {
    return {static_cast<std::uint8_t>(b ? 1 : 0)};
}

std::optional<bool> tlv_to_bool(std::span<const std::uint8_t> bytes) {
    if (bytes.size() != 1 || bytes[0] > 1) {
        return std::nullopt;
    }
    return bytes[0] == 1;
}

}  // namespace lwm2mc::client
