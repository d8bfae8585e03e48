// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for the client's message handling: libcoap's parser, then Client::handle_request in three
// lifecycle situations and from three kinds of sender, and the same bytes as Block1 blocks for the transport's
// reassembly (see client_fuzz_check.hpp).
//   bash scripts/run.sh fuzz-client 600

#include <cstdio>
#include <cstdlib>

#include "client_fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string failure = lwm2mc::fuzz::check_message({data, size});
    if (failure.empty()) {
        failure = lwm2mc::fuzz::check_block1_blocks({data, size});
    }
    if (!failure.empty()) {
        std::fprintf(stderr, "%s\n", failure.c_str());
        std::abort();
    }
    return 0;
}
