// SPDX-License-Identifier: Apache-2.0
#pragma once

// A hand-written CoAP message decoder (RFC 7252 3, RFC 7959 2.2) for the capture reader. libcoap is not used
// here: a capture holds whatever a client sent, and the reader must say exactly why a datagram is not CoAP.

#include "lwm2mc/client/message.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace lwm2mc::conformance::detail {

enum class CoapType : std::uint8_t { Confirmable = 0, NonConfirmable = 1, Acknowledgement = 2, Reset = 3 };

/// A Block1 / Block2 option value (RFC 7959 2.2).
struct BlockValue {
    std::uint32_t num{0};
    bool more{false};
    std::uint8_t szx{0};  ///< block size 2^(szx + 4); 7 is reserved
    [[nodiscard]] std::size_t size() const { return std::size_t{16} << szx; }
    [[nodiscard]] std::size_t offset() const { return std::size_t{num} * size(); }
};

/// One decoded CoAP message. Request fields are filled for request codes, response fields for responses.
struct CoapMessage {
    CoapType type{CoapType::Confirmable};
    client::Code code{client::code::kEmpty};
    std::uint16_t message_id{0};
    std::vector<std::uint8_t> token{};
    client::Request request{};    ///< meaningful when is_request()
    client::Response response{};  ///< meaningful when is_response()
    std::optional<BlockValue> block1{};
    std::optional<BlockValue> block2{};

    [[nodiscard]] bool is_empty() const { return code == client::code::kEmpty; }
    [[nodiscard]] bool is_request() const { return code != client::code::kEmpty && (code >> 5U) == 0; }
    [[nodiscard]] bool is_response() const { return (code >> 5U) >= 2 && (code >> 5U) <= 5; }
};

/// The message, or why the bytes are not a CoAP message ("version 2", "option delta 15 is reserved", ...).
std::variant<CoapMessage, std::string> decode_coap(std::span<const std::uint8_t> bytes);

std::string_view type_name(CoapType t);  ///< "CON", "NON", "ACK", "RST"

}  // namespace lwm2mc::conformance::detail
