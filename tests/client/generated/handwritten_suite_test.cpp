// SPDX-License-Identifier: Apache-2.0
// The hand-written suite data/handwritten_suite.json (factory, client-initiated and server-initiated
// configurations, written to docs/testing.md before the generator existed), played as a generated file would.

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "generated_suite_driver.hpp"

namespace {

const char* handwritten_suite() {
    static const std::string text = [] {
        std::ifstream in(std::string{LWM2MC_GENERATED_DATA_DIR} + "/handwritten_suite.json");
        std::ostringstream s;
        s << in.rdbuf();
        return s.str();
    }();
    return text.c_str();
}

}  // namespace

TEST(HandwrittenSuite, FactoryCase1) {
    lwm2mc::generated::run_case(handwritten_suite(), 0, 0);
}
TEST(HandwrittenSuite, FactoryCase2) {
    lwm2mc::generated::run_case(handwritten_suite(), 0, 1);
}
TEST(HandwrittenSuite, ClientInitiatedCase1) {
    lwm2mc::generated::run_case(handwritten_suite(), 1, 0);
}
TEST(HandwrittenSuite, ServerInitiatedCase1) {
    lwm2mc::generated::run_case(handwritten_suite(), 2, 0);
}
