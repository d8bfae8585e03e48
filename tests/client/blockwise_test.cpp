// SPDX-License-Identifier: Apache-2.0
// Block option values and Block1 reassembly (RFC 7959) without sockets.

#include "lwm2mc/client/blockwise.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace lwm2mc::client {
namespace {

using namespace std::chrono_literals;
using Verdict = Block1Reassembler::Verdict;
using Steady = std::chrono::steady_clock;

std::vector<std::uint8_t> bytes(std::size_t n, std::uint8_t seed) {
    std::vector<std::uint8_t> v(n);
    for (std::size_t i = 0; i < n; ++i) {
        v[i] = static_cast<std::uint8_t>(seed + i);
    }
    return v;
}

TEST(BlockValue, RoundTripsThroughTheShortestEncoding) {
    // clang-format off
    const std::vector<std::pair<BlockValue, std::vector<std::uint8_t>>> table{
        {{0, false, 0}, {}},
        {{0, true, 0}, {0x08}},
        {{1, false, 6}, {0x16}},
        {{15, true, 2}, {0xFA}},
        {{16, false, 0}, {0x01, 0x00}},
        {{0xFFFFF, true, 6}, {0xFF, 0xFF, 0xFE}},
    };
    // clang-format on
    for (const auto& [value, encoded] : table) {
        EXPECT_EQ(encode_block_value(value), encoded);
        EXPECT_EQ(decode_block_value(encoded), value);
    }
    EXPECT_FALSE(decode_block_value(std::vector<std::uint8_t>{1, 2, 3, 4}).has_value());
    EXPECT_THROW(encode_block_value({1U << 20U, false, 0}), std::invalid_argument);
}

TEST(Block1Reassembler, PutsBlocksTogetherAndForgetsTheTransfer) {
    Block1Reassembler r{{}};
    const auto now = Steady::now();
    const auto a = bytes(32, 1);
    const auto b = bytes(5, 100);

    const auto first = r.add("k", {0, true, 1}, a, std::nullopt, 11542, now);
    const auto last = r.add("k", {1, false, 1}, b, std::nullopt, 11542, now);

    EXPECT_EQ(first.verdict, Verdict::Continue);
    EXPECT_EQ(first.echo, (BlockValue{0, true, 1}));
    ASSERT_EQ(last.verdict, Verdict::Complete);
    EXPECT_EQ(last.echo, (BlockValue{1, false, 1}));
    std::vector<std::uint8_t> whole = a;
    whole.insert(whole.end(), b.begin(), b.end());
    EXPECT_EQ(last.body, whole);
}

TEST(Block1Reassembler, CompletesAgainForARetransmittedLastBlockOnly) {
    Block1Reassembler r{{}};
    const auto now = Steady::now();
    r.add("k", {0, true, 0}, bytes(16, 1), std::nullopt, std::nullopt, now);
    const auto first = r.add("k", {1, false, 0}, bytes(4, 2), std::nullopt, std::nullopt, now);

    const auto again = r.add("k", {1, false, 0}, bytes(4, 2), std::nullopt, std::nullopt, now);
    const auto other = r.add("k", {1, false, 0}, bytes(4, 9), std::nullopt, std::nullopt, now);
    const auto after = r.add("k", {1, false, 0}, bytes(4, 2), std::nullopt, std::nullopt, now);

    ASSERT_EQ(first.verdict, Verdict::Complete);
    ASSERT_EQ(again.verdict, Verdict::Complete);
    EXPECT_EQ(again.body, first.body);
    EXPECT_EQ(other.verdict, Verdict::Incomplete);  // not the last block that came: the transfer is dropped
    EXPECT_EQ(after.verdict, Verdict::Incomplete);
    EXPECT_EQ(r.transfers(), 0U);
}

TEST(Block1Reassembler, AcceptsARetransmittedBlockAndASmallerBlockSizeMidway) {
    Block1Reassembler r{{}};
    const auto now = Steady::now();
    const auto a = bytes(64, 1);

    r.add("k", {0, true, 2}, a, std::nullopt, std::nullopt, now);
    const auto again = r.add("k", {0, true, 2}, a, std::nullopt, std::nullopt, now);
    const auto smaller = r.add("k", {4, true, 0}, bytes(16, 9), std::nullopt, std::nullopt, now);  // offset 64
    const auto last = r.add("k", {5, false, 0}, bytes(3, 7), std::nullopt, std::nullopt, now);

    EXPECT_EQ(again.verdict, Verdict::Continue);
    EXPECT_EQ(smaller.verdict, Verdict::Continue);
    ASSERT_EQ(last.verdict, Verdict::Complete);
    EXPECT_EQ(last.body.size(), 64U + 16U + 3U);
}

TEST(Block1Reassembler, RefusesWhatRfc7959Forbids) {
    struct Case {
        const char* what;
        std::vector<std::pair<BlockValue, std::size_t>> blocks;  // the last one gets `expected`
        std::optional<std::size_t> size1;
        Verdict expected;
    };
    // clang-format off
    const std::vector<Case> table{
        {"a later block without block 0",        {{{1, true, 0}, 16}},                      std::nullopt, Verdict::Incomplete},
        {"a gap",                                {{{0, true, 0}, 16}, {{2, true, 0}, 16}},  std::nullopt, Verdict::Incomplete},
        {"block 0 again restarts the body",      {{{0, true, 0}, 16}, {{1, true, 0}, 16}, {{0, true, 1}, 32}}, std::nullopt, Verdict::Continue},
        {"an earlier block with other bytes",    {{{0, true, 0}, 16}, {{1, true, 0}, 16}, {{1, true, 0}, 16}}, std::nullopt, Verdict::Incomplete},
        {"Size1 beyond the limit",               {{{0, true, 0}, 16}},                      100,          Verdict::TooLarge},
        {"a body growing beyond the limit",      {{{0, true, 2}, 64}, {{1, false, 2}, 1}},  std::nullopt, Verdict::TooLarge},
        {"SZX 7 (BERT) over UDP",                {{{0, true, 7}, 1024}},                    std::nullopt, Verdict::BadRequest},
        {"a short block with M set",             {{{0, true, 0}, 15}},                      std::nullopt, Verdict::BadRequest},
        {"a last block longer than the size",    {{{0, false, 0}, 17}},                     std::nullopt, Verdict::BadRequest},
    };
    // clang-format on
    for (const auto& c : table) {
        Block1Reassembler r{{64, 8, 1000ms}};
        Block1Reassembler::Result res;
        std::uint8_t seed = 0;
        for (const auto& [block, size] : c.blocks) {
            res = r.add("k", block, bytes(size, seed++), c.size1, std::nullopt, Steady::now());
        }

        EXPECT_EQ(res.verdict, c.expected) << c.what;
    }
}

TEST(Block1Reassembler, RefusesAContentFormatChangeAndForgetsIdleTransfers) {
    Block1Reassembler r{{1024, 8, 1000ms}};
    const auto t0 = Steady::now();
    r.add("a", {0, true, 0}, bytes(16, 0), std::nullopt, 11542, t0);
    r.add("b", {0, true, 0}, bytes(16, 0), std::nullopt, 11542, t0);

    const auto changed = r.add("a", {1, false, 0}, bytes(1, 0), std::nullopt, 0, t0);
    const auto late = r.add("b", {1, false, 0}, bytes(1, 0), std::nullopt, 11542, t0 + 1000ms);

    EXPECT_EQ(changed.verdict, Verdict::Incomplete);
    EXPECT_EQ(late.verdict, Verdict::Incomplete);
    EXPECT_EQ(r.transfers(), 0U);
}

TEST(Block1Reassembler, KeepsAtMostMaxTransfersDroppingTheLeastRecentlyUsed) {
    Block1Reassembler r{{1024, 2, 1000s}};
    const auto t0 = Steady::now();
    r.add("a", {0, true, 0}, bytes(16, 0), std::nullopt, std::nullopt, t0);
    r.add("b", {0, true, 0}, bytes(16, 0), std::nullopt, std::nullopt, t0 + 1ms);
    r.add("a", {1, true, 0}, bytes(16, 16), std::nullopt, std::nullopt, t0 + 2ms);

    r.add("c", {0, true, 0}, bytes(16, 0), std::nullopt, std::nullopt, t0 + 3ms);

    EXPECT_EQ(r.transfers(), 2U);
    EXPECT_EQ(r.add("b", {1, false, 0}, bytes(1, 0), std::nullopt, std::nullopt, t0 + 4ms).verdict,
              Verdict::Incomplete);
    EXPECT_EQ(r.add("a", {2, false, 0}, bytes(1, 0), std::nullopt, std::nullopt, t0 + 4ms).verdict, Verdict::Complete);
}

}  // namespace
}  // namespace lwm2mc::client
