// SPDX-License-Identifier: Apache-2.0
#pragma once

// Plain-text values (LwM2M TS 1.0 6.4.1), CoRE link-format (RFC 6690, TS 1.0 5.3.1 Register payload and
// 5.4.2 / 5.2.7.3 Discover) and the content-format numbers the client understands.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lwm2mc::client {

enum class Format : std::uint8_t { Text, Tlv, LinkFormat };

/// Maps a Content-Format / Accept number to a format the client speaks; the legacy numbers 1541 (text) and
/// 1542 (TLV) are aliases. nullopt for anything else (the engine answers 4.15 or 4.06).
std::optional<Format> format_of(std::uint16_t content_format);

/// Strict decimal integer: optional '-', at least one digit, no spaces or '+', no overflow.
std::optional<std::int64_t> text_to_int(std::string_view text);
/// "0" or "1" only (TS 1.0 6.4.1).
std::optional<bool> text_to_bool(std::string_view text);

/// Lower-case hex of `bytes` ("" for none): how the state file and the configuration hold PSK identities and keys.
std::string to_hex(const std::vector<std::uint8_t>& bytes);
/// Strict hex (an even number of 0-9a-fA-F, no separators; "" is no bytes); nullopt for anything else.
std::optional<std::vector<std::uint8_t>> from_hex(std::string_view text);

/// One link of a link-format document: `</1/0>;ssid=101` is {"/1/0", {{"ssid", "101"}}}. An attribute
/// value keeps its quotes exactly as written (`lwm2m="1.0"` has value `"1.0"`); an empty value means a
/// bare attribute.
struct Link {
    std::string target{};
    std::vector<std::pair<std::string, std::string>> attributes{};
    friend bool operator==(const Link&, const Link&) = default;
};

/// `</1/0>;ssid=101,</3/0>`.
std::string format_links(const std::vector<Link>& links);
/// Parses a link-format document; nullopt for anything malformed (missing '<' or '>', empty target, ...).
std::optional<std::vector<Link>> parse_links(std::string_view text);

}  // namespace lwm2mc::client
