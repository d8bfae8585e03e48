// SPDX-License-Identifier: Apache-2.0
#include "lwm2mc/client/blockwise.hpp"

#include <algorithm>
#include <iterator>
#include <stdexcept>
#include <utility>

namespace lwm2mc::client {

std::optional<BlockValue> decode_block_value(std::span<const std::uint8_t> value) {
    // RFC 7959 2.2: a uint of 0..3 bytes; the low 4 bits are M and SZX, the rest NUM.
    if (value.size() > 3) {
        return std::nullopt;
    }
    std::uint32_t v = 0;
    for (const std::uint8_t byte : value) {
        v = (v << 8U) | byte;
    }
    return BlockValue{v >> 4U, (v & 0x08U) != 0, static_cast<std::uint8_t>(v & 0x07U)};
}

std::vector<std::uint8_t> encode_block_value(const BlockValue& block) {
    if (block.num >= (1U << 20U) || block.szx > 7) {
        throw std::invalid_argument("block option value out of range");
    }
    const std::uint32_t v = (block.num << 4U) | (block.more ? 0x08U : 0U) | block.szx;
    std::vector<std::uint8_t> out;
    for (int shift = 16; shift >= 0; shift -= 8) {
        const auto byte = static_cast<std::uint8_t>(v >> static_cast<unsigned>(shift));
        if (!out.empty() || byte != 0 || shift == 0) {
            out.push_back(byte);
        }
    }
    if (out.size() == 1 && out[0] == 0) {
        out.clear();  // RFC 7252 3.2: zero is the empty value
    }
    return out;
}

Block1Reassembler::Block1Reassembler(Limits limits) : limits_(limits) {}

Block1Reassembler::Result Block1Reassembler::add(const std::string& key, const BlockValue& block,
                                                 std::span<const std::uint8_t> payload,
                                                 std::optional<std::size_t> size1,
                                                 std::optional<std::uint16_t> content_format,
                                                 std::chrono::steady_clock::time_point now) {
    for (auto it = transfers_.begin(); it != transfers_.end();) {
        it = now - it->second.last_used >= limits_.idle_timeout ? transfers_.erase(it) : std::next(it);
    }
    const BlockValue echo{block.num, block.more, block.szx};
    auto fail = [&](Verdict v) {
        transfers_.erase(key);
        return Result{v, echo, {}};
    };
    // RFC 7959 2.2: SZX 7 is reserved (BERT exists only over reliable transports, RFC 8323 6); a block with M
    // set carries exactly the block size, the last block at most that.
    if (block.szx > 6 || (block.more && payload.size() != block.size()) || payload.size() > block.size()) {
        return fail(Verdict::BadRequest);
    }
    // RFC 7959 2.9.3 / 4: a Size1 beyond what we accept is refused before any data is kept.
    if (size1 && *size1 > limits_.max_body) {
        return fail(Verdict::TooLarge);
    }
    const std::uint64_t offset = std::uint64_t{block.num} * block.size();
    auto it = transfers_.find(key);
    if (block.num == 0) {
        // A fresh transfer (RFC 7959 2.5: block 0 restarts the body); make room within max_transfers. Block 0
        // again is either a retransmission (its 2.31 was lost, nothing later was sent: NSTART 1) or a new body.
        if (it == transfers_.end()) {
            while (!transfers_.empty() && transfers_.size() >= limits_.max_transfers) {
                transfers_.erase(
                    std::min_element(transfers_.begin(), transfers_.end(), [](const auto& a, const auto& b) {
                        return a.second.last_used < b.second.last_used;
                    }));
            }
            it = transfers_.emplace(key, Transfer{}).first;
        }
        it->second.body.clear();
        it->second.completed = false;
        it->second.content_format = content_format;
    } else if (it == transfers_.end()) {
        return Result{Verdict::Incomplete, echo, {}};  // RFC 7959 2.3: no earlier blocks to continue
    } else if (it->second.content_format != content_format) {
        return fail(Verdict::Incomplete);
    } else if (it->second.completed) {
        // The last block again: its response was lost and the sender retransmits (RFC 7252 4.2). The body is
        // complete once more, as a duplicate of any other request would be served again.
        const Transfer& t = it->second;
        const bool same_last = !block.more && offset + payload.size() == t.body.size() &&
                               std::equal(payload.begin(), payload.end(), t.body.begin() + static_cast<long>(offset));
        if (!same_last) {
            return fail(Verdict::Incomplete);
        }
        it->second.last_used = now;
        return Result{Verdict::Complete, echo, t.body};
    }
    Transfer& t = it->second;
    t.last_used = now;
    if (offset < t.body.size()) {
        // An earlier block again (a retransmission whose answer was lost): same bytes, same answer.
        const bool same = offset + payload.size() <= t.body.size() &&
                          std::equal(payload.begin(), payload.end(), t.body.begin() + static_cast<long>(offset));
        if (same && block.more) {
            return Result{Verdict::Continue, echo, {}};
        }
        return fail(Verdict::Incomplete);
    }
    if (offset > t.body.size()) {
        return fail(Verdict::Incomplete);  // a gap: some block is missing (RFC 7959 2.3, 4.08)
    }
    if (t.body.size() + payload.size() > limits_.max_body) {
        return fail(Verdict::TooLarge);
    }
    t.body.insert(t.body.end(), payload.begin(), payload.end());
    if (block.more) {
        return Result{Verdict::Continue, echo, {}};
    }
    // Kept (within the limits) for a retransmission of this last block.
    t.completed = true;
    return Result{Verdict::Complete, echo, t.body};
}

}  // namespace lwm2mc::client
