// SPDX-License-Identifier: Apache-2.0
#include "lwm2mc/client/codec.hpp"

#include "lwm2mc/client/message.hpp"

#include <charconv>

namespace lwm2mc::client {

std::optional<Format> format_of(std::uint16_t content_format) {
    switch (content_format) {
    case content_format::kTextPlain:
    case content_format::kLegacyText:  // LwM2M TS 1.0 draft number, still sent by lwm2m-node-lib
        return Format::Text;
    case content_format::kLwm2mTlv:
    case content_format::kLegacyTlv:
        return Format::Tlv;
    case content_format::kLinkFormat:
        return Format::LinkFormat;
    default:
        return std::nullopt;
    }
}

std::optional<std::int64_t> text_to_int(std::string_view text) {
    // LwM2M TS 1.0 6.4.1: integers are ASCII decimal; anything else is a malformed payload (4.00).
    if (text.empty() || text.front() == '+') {
        return std::nullopt;
    }
    std::int64_t v = 0;
    const auto* first = text.data();
    const auto* last = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(first, last, v);
    if (ec != std::errc{} || ptr != last) {
        return std::nullopt;
    }
    if (text.front() == '-' && text.size() == 1) {
        return std::nullopt;
    }
    return v;
}

std::optional<bool> text_to_bool(std::string_view text) {
    if (text == "0") {
        return false;
    }
    if (text == "1") {
        return true;
    }
    return std::nullopt;
}

std::string format_links(const std::vector<Link>& links) {
    std::string out;
    for (const auto& l : links) {
        if (!out.empty()) {
            out += ',';
        }
        out += '<';
        out += l.target;
        out += '>';
        for (const auto& [name, value] : l.attributes) {
            out += ';';
            out += name;
            if (!value.empty()) {
                out += '=';
                out += value;
            }
        }
    }
    return out;
}

std::optional<std::vector<Link>> parse_links(std::string_view text) {
    std::vector<Link> out;
    std::size_t pos = 0;
    const auto skip_ws = [&] {
        while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\n' || text[pos] == '\r' || text[pos] == '\t')) {
            ++pos;
        }
    };
    skip_ws();
    if (pos == text.size()) {
        return out;
    }
    while (true) {
        skip_ws();
        if (pos >= text.size() || text[pos] != '<') {
            return std::nullopt;
        }
        const auto close = text.find('>', pos);
        if (close == std::string_view::npos || close == pos + 1) {
            return std::nullopt;
        }
        Link link;
        link.target = std::string{text.substr(pos + 1, close - pos - 1)};
        pos = close + 1;
        while (pos < text.size() && text[pos] == ';') {
            ++pos;
            const auto name_start = pos;
            while (pos < text.size() && text[pos] != '=' && text[pos] != ';' && text[pos] != ',') {
                ++pos;
            }
            std::string name{text.substr(name_start, pos - name_start)};
            if (name.empty()) {
                return std::nullopt;
            }
            std::string value;
            if (pos < text.size() && text[pos] == '=') {
                ++pos;
                const auto value_start = pos;
                if (pos < text.size() && text[pos] == '"') {
                    const auto end_quote = text.find('"', pos + 1);
                    if (end_quote == std::string_view::npos) {
                        return std::nullopt;
                    }
                    pos = end_quote + 1;
                } else {
                    while (pos < text.size() && text[pos] != ';' && text[pos] != ',') {
                        ++pos;
                    }
                }
                value = std::string{text.substr(value_start, pos - value_start)};
                if (value.empty()) {
                    return std::nullopt;
                }
            }
            link.attributes.emplace_back(std::move(name), std::move(value));
        }
        out.push_back(std::move(link));
        skip_ws();
        if (pos == text.size()) {
            return out;
        }
        if (text[pos] != ',') {
            return std::nullopt;
        }
        ++pos;
    }
}

std::string to_hex(const std::vector<std::uint8_t>& bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (const std::uint8_t b : bytes) {
        out += kDigits[b >> 4U];
        out += kDigits[b & 0xFU];
    }
    return out;
}

std::optional<std::vector<std::uint8_t>> from_hex(std::string_view text) {
    if (text.size() % 2 != 0) {
        return std::nullopt;
    }
    const auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    };
    std::vector<std::uint8_t> out;
    out.reserve(text.size() / 2);
    for (std::size_t i = 0; i < text.size(); i += 2) {
        const int hi = nibble(text[i]);
        const int lo = nibble(text[i + 1]);
        if (hi < 0 || lo < 0) {
            return std::nullopt;
        }
        out.push_back(static_cast<std::uint8_t>((hi << 4) | lo));
    }
    return out;
}

}  // namespace lwm2mc::client
