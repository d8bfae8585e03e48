// SPDX-License-Identifier: Apache-2.0
// The Z3 engine and the explicit engine must agree: same findings, equivalent conditions.
// Checked on the shipped models and the edge-case models; random models: agreement_test.cpp.

#include "lwm2mc/checker/check.hpp"
#include "lwm2mc/model/loader.hpp"

#include <gtest/gtest.h>

#include <filesystem>

namespace {

using namespace lwm2mc;

void expect_agreement(const model::Model& m, const std::string& what) {
    checker::CheckOptions both;
    both.engine = checker::Engine::Both;

    checker::CheckResult r = checker::check(m, both);

    std::string undecided;
    for (const auto& u : r.unknown) {
        undecided += "  " + u + "\n";
    }
    EXPECT_TRUE(r.unknown.empty()) << what << ":\n" << undecided;
}

TEST(CrossCheck, EnginesAgreeOnTheShippedModels) {
    for (const char* file : {"lwm2m-ts10-draft.lwm2m", "proposals/2017-0009-ci-with-si.lwm2m"}) {
        auto loaded = model::load_model(std::string(LWM2MC_SPECS_DIR) + "/" + file);
        ASSERT_TRUE(loaded.ok());
        expect_agreement(*loaded.model, file);
    }
}

/// Edge cases found in review: negative timing domains, negative durations, initial values out
/// of range, two timing parameters, structural ints, durations depending on variables. The
/// engines may leave something undecided here (and say so) but must never disagree.
TEST(CrossCheck, EnginesNeverDisagreeOnTheEdgeCaseModels) {
    std::filesystem::path dir = std::filesystem::path(LWM2MC_TEST_DATA_DIR) / "models" / "edge";
    std::size_t checked = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        auto loaded = model::load_model(entry.path().string());
        ASSERT_TRUE(loaded.ok()) << entry.path();
        checker::CheckOptions both;
        both.engine = checker::Engine::Both;

        checker::CheckResult r = checker::check(*loaded.model, both);

        for (const auto& u : r.unknown) {
            EXPECT_EQ(u.find("disagree"), std::string::npos) << entry.path() << ": " << u;
        }
        ++checked;
    }
    EXPECT_GE(checked, 10U);
}

}  // namespace
