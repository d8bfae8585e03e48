// SPDX-License-Identifier: Apache-2.0
// The CoAP message fuzz target's checks (tests/fuzz/client_fuzz_check.hpp) on hand-made requests and on every
// input kept in tests/data/fuzz-client/ (seeds and anything the fuzzer once found).
// LWM2MC_WRITE_FUZZ_SEEDS=1 writes the hand-made requests there as seeds.

#include "lwm2mc/client/tlv.hpp"
#include "lwm2mc/client/transport_coap.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "client_fuzz_check.hpp"

namespace fs = std::filesystem;
using namespace lwm2mc;
using namespace lwm2mc::client;

namespace {

Request req(Code method, std::vector<std::string> path, std::vector<std::uint8_t> payload = {},
            std::optional<std::uint16_t> format = std::nullopt) {
    Request r;
    r.method = method;
    r.uri_path = std::move(path);
    r.payload = std::move(payload);
    r.content_format = format;
    return r;
}

std::vector<std::uint8_t> text(const std::string& s) {
    return {s.begin(), s.end()};
}

/// Requests a server or bootstrap server sends, well-formed and malformed.
std::vector<Request> requests() {
    const auto security = encode_tlv({{TlvType::Resource, 0, tlv_string("coap://127.0.0.1:5999"), {}},
                                      {TlvType::Resource, 1, tlv_bool(false), {}},
                                      {TlvType::Resource, 2, tlv_int(3), {}},
                                      {TlvType::Resource, 10, tlv_int(9), {}}});
    const auto server = encode_tlv({{TlvType::Resource, 0, tlv_int(9), {}},
                                    {TlvType::Resource, 1, tlv_int(120), {}},
                                    {TlvType::Resource, 7, tlv_string("U"), {}}});
    std::vector<Request> out{
        req(code::kGet, {"3", "0"}),
        req(code::kGet, {"3", "0", "0"}),
        req(code::kGet, {"1"}),
        req(code::kPost, {"3", "0", "4"}),
        req(code::kPost, {"3", "0", "5"}),
        req(code::kPost, {"1", "0", "8"}),
        req(code::kPost, {"1", "0", "9"}),
        req(code::kPut, {"0", "5"}, security, content_format::kLwm2mTlv),
        req(code::kPut, {"1", "5"}, server, content_format::kLwm2mTlv),
        req(code::kPut, {"1", "5"}, server, content_format::kLegacyTlv),
        req(code::kPut, {"0", "5", "0"}, text("coap://127.0.0.1:1"), content_format::kTextPlain),
        req(code::kPut, {"1", "0", "1"}, text("not a number"), content_format::kTextPlain),
        req(code::kPut, {"1", "0"}, {0xC8, 0x00, 0x05, 0x01}, content_format::kLwm2mTlv),
        req(code::kPut, {"1", "0"}, {0x08, 0x00, 0x07, 0xC1, 0x00}, content_format::kLwm2mTlv),
        req(code::kDelete, {}),
        req(code::kDelete, {"0"}),
        req(code::kDelete, {"3", "0"}),
        req(code::kPost, {"bs"}),
        req(code::kGet, {}),
        req(code::kGet, {"0"}),
        req(code::kPut, {"3", "0", "13"}, text("1700000000"), content_format::kTextPlain),
        req(code::kPost, {"99", "0"}),
        req(code::kPut, {"1", "0"}, server, 60000),
    };
    Request discover = req(code::kGet, {"1"});
    discover.accept = content_format::kLinkFormat;
    out.push_back(discover);
    return out;
}

std::vector<std::vector<std::uint8_t>> inputs() {
    std::vector<std::vector<std::uint8_t>> out;
    CoapHeader header;
    header.type = CoapHeader::Type::Confirmable;
    header.message_id = 0x1234;
    header.token = {0xAB, 0xCD};
    for (const auto& r : requests()) {
        const auto datagram = serialize_coap_request(header, r);
        for (std::uint8_t situation = 0; situation < 3; ++situation) {
            for (std::uint8_t sender = 0; sender < 3; ++sender) {
                std::vector<std::uint8_t> input{situation, sender};
                input.insert(input.end(), datagram.begin(), datagram.end());
                out.push_back(std::move(input));
            }
        }
    }
    return out;
}

/// One Block1 record for check_block1_blocks: key, flags, the option value in 3 bytes, Size1 / 4, payload.
void block_record(std::vector<std::uint8_t>& out, std::uint8_t key, std::uint8_t flags, std::uint32_t num, bool more,
                  std::uint8_t szx, std::uint8_t size1_quarter, std::size_t length) {
    const std::uint32_t v = (num << 4U) | (more ? 8U : 0U) | szx;
    out.insert(out.end(), {key, flags, static_cast<std::uint8_t>(v >> 16U), static_cast<std::uint8_t>(v >> 8U),
                           static_cast<std::uint8_t>(v), size1_quarter, static_cast<std::uint8_t>(length)});
    for (std::size_t i = 0; i < length; ++i) {
        out.push_back(static_cast<std::uint8_t>(i + num));
    }
}

/// Block-wise inputs: datagrams with Block1 / Block2 options (handled as single requests by the engine path) and
/// Block1 block sequences for the reassembly check.
std::vector<std::vector<std::uint8_t>> block_inputs() {
    std::vector<std::vector<std::uint8_t>> out;
    // PUT /0/1, Content-Format 11542, Block1 0/M/16, Size1 48, 16 bytes of TLV.
    out.push_back({0,    1,    0x42, 0x03, 0x12, 0x34, 0xAB, 0xCD, 0xB1, '0',  0x01, '1',  0x12,
                   0x2D, 0x16, 0xD1, 0x02, 0x08, 0xD1, 0x14, 0x30, 0xFF, 0xC8, 0x00, 0x14, 0x63,
                   'o',  'a',  'p',  ':',  '/',  '/',  '1',  '2',  '7',  '.',  '0',  '.'});
    // The last block of it: Block1 2/-/16, 5 bytes.
    out.push_back({0,    1,    0x42, 0x03, 0x12, 0x36, 0xAB, 0xCD, 0xB1, '0', 0x01, '1',
                   0x12, 0x2D, 0x16, 0xD1, 0x02, 0x20, 0xFF, '1',  ':',  '5', '9',  '9'});
    // GET /3/0 with Block2 0/-/16 (early negotiation) and Block2 3/-/16.
    out.push_back({0, 0, 0x42, 0x01, 0x12, 0x37, 0xAB, 0xCD, 0xB1, '3', 0x01, '0', 0xC1, 0x00});
    out.push_back({0, 0, 0x42, 0x01, 0x12, 0x38, 0xAB, 0xCD, 0xB1, '3', 0x01, '0', 0xC1, 0x30});
    // Block1 sequences: whole in three blocks; a gap; Size1 too big; SZX 7; two keys interleaved, one idle.
    std::vector<std::uint8_t> whole{0, 0};
    block_record(whole, 0, 0, 0, true, 0, 0, 16);
    block_record(whole, 0, 0, 1, true, 0, 0, 16);
    block_record(whole, 0, 0, 2, false, 0, 0, 5);
    out.push_back(whole);
    std::vector<std::uint8_t> gap{0, 0};
    block_record(gap, 1, 0, 0, true, 1, 0, 32);
    block_record(gap, 1, 0, 2, false, 1, 0, 3);
    out.push_back(gap);
    std::vector<std::uint8_t> too_big{0, 0};
    block_record(too_big, 2, 1, 0, true, 0, 200, 16);
    block_record(too_big, 2, 0, 0, true, 4, 0, 255);
    out.push_back(too_big);
    std::vector<std::uint8_t> bert{0, 0};
    block_record(bert, 0, 0, 0, true, 7, 0, 20);
    out.push_back(bert);
    std::vector<std::uint8_t> interleaved{0, 0};
    block_record(interleaved, 0, 0, 0, true, 0, 0, 16);
    block_record(interleaved, 1, 2, 0, true, 0, 0, 16);
    block_record(interleaved, 0, 4, 1, false, 0, 0, 2);
    block_record(interleaved, 1, 2, 1, false, 0, 0, 2);
    out.push_back(interleaved);
    return out;
}

}  // namespace

TEST(MessageFuzzChecks, HoldForBlockwiseInputs) {
    const auto all = block_inputs();
    const bool write = std::getenv("LWM2MC_WRITE_FUZZ_SEEDS") != nullptr;
    const fs::path dir = fs::path(LWM2MC_TEST_DATA_DIR) / "fuzz-client";

    for (std::size_t i = 0; i < all.size(); ++i) {
        EXPECT_EQ(fuzz::check_message(all[i]), "") << "block input " << i;
        EXPECT_EQ(fuzz::check_block1_blocks(all[i]), "") << "block input " << i;
        if (write) {
            fs::create_directories(dir);
            std::ofstream(dir / ("seed-block-" + std::to_string(i)), std::ios::binary)
                .write(reinterpret_cast<const char*>(all[i].data()), static_cast<std::streamsize>(all[i].size()));
        }
    }
}

TEST(MessageFuzzChecks, HoldForHandMadeRequestsInEverySituationFromEverySender) {
    const auto all = inputs();
    const bool write = std::getenv("LWM2MC_WRITE_FUZZ_SEEDS") != nullptr;
    const fs::path dir = fs::path(LWM2MC_TEST_DATA_DIR) / "fuzz-client";

    for (std::size_t i = 0; i < all.size(); ++i) {
        const std::string failure = fuzz::check_message(all[i]);

        EXPECT_EQ(failure, "") << "input " << i << " (request " << i / 9 << ", situation " << int{all[i][0]}
                               << ", sender " << int{all[i][1]} << ")";
        if (write) {
            fs::create_directories(dir);
            std::ofstream(dir / ("seed-" + std::to_string(i)), std::ios::binary)
                .write(reinterpret_cast<const char*>(all[i].data()), static_cast<std::streamsize>(all[i].size()));
        }
    }
}

TEST(MessageFuzzChecks, HoldForEveryKeptInput) {
    const fs::path dir = fs::path(LWM2MC_TEST_DATA_DIR) / "fuzz-client";
    std::size_t count = 0;
    for (const auto& entry : fs::directory_iterator(dir)) {
        std::ifstream in(entry.path(), std::ios::binary);
        std::ostringstream s;
        s << in.rdbuf();
        const std::string bytes = s.str();
        const std::vector<std::uint8_t> input(bytes.begin(), bytes.end());

        EXPECT_EQ(fuzz::check_message(input), "") << entry.path();
        EXPECT_EQ(fuzz::check_block1_blocks(input), "") << entry.path();
        ++count;
    }
    EXPECT_GE(count, 100U) << "the client fuzz corpus lost its files";
}
