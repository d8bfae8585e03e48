// SPDX-License-Identifier: Apache-2.0
#pragma once

// RFC 7959 block-wise transfer pieces that need no socket: the Block1/Block2 option value and the server side
// reassembly of a request body sent in Block1 blocks. CoapTransport uses them for every request that arrives
// with Block1 (libcoap 4.3.1 passes the blocks through; see transport_coap.cpp), and the fuzz target drives
// Block1Reassembler directly.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace lwm2mc::client {

/// Value of a Block1 or Block2 option (RFC 7959 2.2): NUM, M and SZX; the block size is 2^(SZX + 4) bytes.
struct BlockValue {
    std::uint32_t num{0};  ///< < 2^20
    bool more{false};
    std::uint8_t szx{0};  ///< 0..6 on UDP; 7 is reserved (BERT, RFC 8323, TCP only)
    std::size_t size() const { return std::size_t{16} << szx; }
    friend bool operator==(const BlockValue&, const BlockValue&) = default;
};

/// Decodes an option value of 0 to 3 bytes (an empty value is NUM 0, M 0, SZX 0); nullopt when longer.
std::optional<BlockValue> decode_block_value(std::span<const std::uint8_t> value);
/// Encodes in as few bytes as possible (RFC 7252 3.2 uint; NUM 0, M 0, SZX 0 is the empty value).
std::vector<std::uint8_t> encode_block_value(const BlockValue& block);

/// Reassembles request bodies that arrive in Block1 blocks (RFC 7959 2.3, 2.5), one transfer per key (the
/// transport's key is peer, method, Uri-Path and Uri-Query). Block 0 starts a transfer afresh; every later block
/// must continue at the byte offset received so far (a block size change is allowed as long as the offsets fit,
/// RFC 7959 2.5); a repeated block (a retransmission) is accepted again without changing the body, and a
/// repeated last block completes the body again (its response was lost). Bounded: at most `max_body` bytes per
/// body and `max_transfers` transfers (in progress or completed) at once, the least recently used going first,
/// and a transfer idle for `idle_timeout` is forgotten. Not thread-safe.
class Block1Reassembler {
public:
    struct Limits {
        std::size_t max_body{65536};
        std::size_t max_transfers{8};
        std::chrono::milliseconds idle_timeout{247000};  ///< RFC 7252 EXCHANGE_LIFETIME
    };
    enum class Verdict : std::uint8_t {
        Continue,    ///< answer 2.31 Continue with Block1 `echo` (RFC 7959 2.3)
        Complete,    ///< `body` is the whole request body; the final response carries Block1 `echo`
        Incomplete,  ///< answer 4.08 Request Entity Incomplete: a block out of order, or no transfer to continue
        TooLarge,    ///< answer 4.13 Request Entity Too Large with Size1 `max_body` (RFC 7959 2.9.3)
        BadRequest,  ///< answer 4.00: SZX 7, or a non-final block whose payload is not the block size
    };
    struct Result {
        Verdict verdict{Verdict::Incomplete};
        BlockValue echo{};
        std::vector<std::uint8_t> body{};  ///< only with Complete
    };

    explicit Block1Reassembler(Limits limits);

    /// Takes one block. `size1` is the request's Size1 option (the sender's estimate of the body size), if any;
    /// `content_format` its Content-Format, which must stay the same across the blocks of a transfer.
    Result add(const std::string& key, const BlockValue& block, std::span<const std::uint8_t> payload,
               std::optional<std::size_t> size1, std::optional<std::uint16_t> content_format,
               std::chrono::steady_clock::time_point now);

    std::size_t transfers() const { return transfers_.size(); }
    const Limits& limits() const { return limits_; }

private:
    struct Transfer {
        std::vector<std::uint8_t> body{};
        std::optional<std::uint16_t> content_format{};
        std::chrono::steady_clock::time_point last_used{};
        bool completed{false};  ///< the last block came; kept for its retransmission
    };
    Limits limits_;
    std::map<std::string, Transfer> transfers_{};
};

}  // namespace lwm2mc::client
