// SPDX-License-Identifier: Apache-2.0
#include "coap_decode.hpp"

#include <cstddef>
#include <string_view>

namespace lwm2mc::conformance::detail {

namespace {

// RFC 7252 5.10 option numbers (and RFC 7959 2.1 for the block options).
constexpr std::uint32_t kUriHost = 3;
constexpr std::uint32_t kUriPort = 7;
constexpr std::uint32_t kLocationPath = 8;
constexpr std::uint32_t kUriPath = 11;
constexpr std::uint32_t kContentFormat = 12;
constexpr std::uint32_t kUriQuery = 15;
constexpr std::uint32_t kAccept = 17;
constexpr std::uint32_t kBlock2 = 23;
constexpr std::uint32_t kBlock1 = 27;

std::optional<std::uint32_t> read_uint(std::span<const std::uint8_t> value, std::size_t max_len) {
    if (value.size() > max_len) {
        return std::nullopt;
    }
    std::uint32_t v = 0;
    for (const std::uint8_t b : value) {
        v = (v << 8U) | b;
    }
    return v;
}

std::string as_string(std::span<const std::uint8_t> value) {
    return {value.begin(), value.end()};
}

/// Reads the 13/14 extension of an option delta or length nibble (RFC 7252 3.1); nullopt if cut short.
std::optional<std::uint32_t> extended(std::uint32_t nibble, std::span<const std::uint8_t> bytes, std::size_t& pos) {
    if (nibble == 13) {
        if (pos + 1 > bytes.size()) {
            return std::nullopt;
        }
        return 13U + bytes[pos++];
    }
    if (nibble == 14) {
        if (pos + 2 > bytes.size()) {
            return std::nullopt;
        }
        const auto v = static_cast<std::uint32_t>((bytes[pos] << 8U) | bytes[pos + 1]);
        pos += 2;
        return 269U + v;
    }
    return nibble;
}

}  // namespace

std::string_view type_name(CoapType t) {
    switch (t) {
    case CoapType::Confirmable:
        return "CON";
    case CoapType::NonConfirmable:
        return "NON";
    case CoapType::Acknowledgement:
        return "ACK";
    case CoapType::Reset:
        return "RST";
    }
    return "?";
}

std::variant<CoapMessage, std::string> decode_coap(std::span<const std::uint8_t> bytes) {
    // RFC 7252 3: Ver (2) | T (2) | TKL (4) | Code (8) | Message ID (16) | Token (TKL) | Options | 0xFF Payload
    if (bytes.size() < 4) {
        return std::string{"shorter than the 4-byte header ("} + std::to_string(bytes.size()) + " bytes)";
    }
    const unsigned version = bytes[0] >> 6U;
    if (version != 1) {
        return "version " + std::to_string(version);
    }
    CoapMessage m;
    m.type = static_cast<CoapType>((bytes[0] >> 4U) & 3U);
    const std::size_t tkl = bytes[0] & 0x0FU;
    m.code = bytes[1];
    m.message_id = static_cast<std::uint16_t>((bytes[2] << 8U) | bytes[3]);
    if (tkl > 8) {
        return "token length " + std::to_string(tkl) + " is reserved";  // RFC 7252 3: 9-15 are a format error
    }
    const unsigned cls = m.code >> 5U;
    if (cls == 1 || cls >= 6) {
        return "code " + client::code_to_string(m.code) + " is in a reserved class";
    }
    if (bytes.size() < 4 + tkl) {
        return "token length " + std::to_string(tkl) + " but " + std::to_string(bytes.size() - 4) + " bytes follow";
    }
    m.token.assign(bytes.begin() + 4, bytes.begin() + static_cast<std::ptrdiff_t>(4 + tkl));
    if (m.is_empty()) {
        // RFC 7252 4.1: an Empty message has only the 4-byte header; anything after it is a format error.
        if (bytes.size() != 4) {
            return "empty message (code 0.00) with " + std::to_string(bytes.size() - 4) + " bytes after the header";
        }
        return m;
    }

    std::size_t pos = 4 + tkl;
    std::uint32_t number = 0;
    bool seen_content_format = false;
    bool seen_accept = false;
    while (pos < bytes.size()) {
        const std::uint8_t head = bytes[pos++];
        if (head == 0xFF) {
            if (pos == bytes.size()) {
                return std::string{"payload marker without a payload"};  // RFC 7252 3
            }
            break;
        }
        const std::uint32_t delta_nibble = head >> 4U;
        const std::uint32_t length_nibble = head & 0x0FU;
        if (delta_nibble == 15) {
            return std::string{"option delta 15 is reserved"};
        }
        if (length_nibble == 15) {
            return std::string{"option length 15 is reserved"};
        }
        const auto delta = extended(delta_nibble, bytes, pos);
        if (!delta) {
            return std::string{"option delta extension cut short"};
        }
        const auto length = extended(length_nibble, bytes, pos);
        if (!length) {
            return std::string{"option length extension cut short"};
        }
        number += *delta;
        if (number > 0xFFFFU) {
            return "option number " + std::to_string(number) + " is out of range";
        }
        if (*length > bytes.size() - pos) {
            return "option " + std::to_string(number) + " of length " + std::to_string(*length) + " but " +
                   std::to_string(bytes.size() - pos) + " bytes follow";
        }
        const auto value = bytes.subspan(pos, *length);
        pos += *length;

        // RFC 7252 5.4.1 / 5.4.3: an option with a bad length is treated as unrecognised; an unrecognised
        // critical (odd-numbered) option in a request makes the recipient answer 4.02.
        bool unrecognised = false;
        switch (number) {
        case kUriPath:
            m.request.uri_path.push_back(as_string(value));
            break;
        case kUriQuery:
            m.request.uri_query.push_back(as_string(value));
            break;
        case kLocationPath:
            m.response.location_path.push_back(as_string(value));
            break;
        case kContentFormat:
            if (const auto v = read_uint(value, 2); v && !seen_content_format) {
                m.request.content_format = static_cast<std::uint16_t>(*v);
                m.response.content_format = m.request.content_format;
                seen_content_format = true;
            }
            break;
        case kAccept:
            if (const auto v = read_uint(value, 2); v && !seen_accept) {
                m.request.accept = static_cast<std::uint16_t>(*v);
                seen_accept = true;
            } else {
                unrecognised = true;
            }
            break;
        case kBlock1:
        case kBlock2:
            if (const auto v = read_uint(value, 3)) {
                const BlockValue block{*v >> 4U, ((*v >> 3U) & 1U) != 0, static_cast<std::uint8_t>(*v & 7U)};
                auto& slot = number == kBlock1 ? m.block1 : m.block2;
                if (!slot) {
                    slot = block;
                }
            } else {
                unrecognised = true;
            }
            break;
        case kUriHost:
        case kUriPort:
            break;  // understood by any CoAP stack; the client under test listens on one address
        default:
            unrecognised = (number & 1U) != 0;
            break;
        }
        if (unrecognised) {
            m.request.has_unknown_critical_option = true;
        }
    }
    if (pos < bytes.size()) {
        const auto payload = bytes.subspan(pos);
        m.request.payload.assign(payload.begin(), payload.end());
        m.response.payload = m.request.payload;
    }
    m.request.method = m.code;
    m.response.code = m.code;
    return m;
}

}  // namespace lwm2mc::conformance::detail
