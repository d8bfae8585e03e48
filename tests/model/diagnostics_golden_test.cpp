// SPDX-License-Identifier: Apache-2.0
// Every invalid model under tests/data/models/invalid yields exactly its golden diagnostics.

#include "lwm2mc/model/diagnostics.hpp"
#include "lwm2mc/model/loader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

namespace fs = std::filesystem;

namespace {

const fs::path kInvalidDir = fs::path(LWM2MC_TEST_DATA_DIR) / "models" / "invalid";
const fs::path kValidDir = fs::path(LWM2MC_TEST_DATA_DIR) / "models" / "valid";
const fs::path kWarningDir = fs::path(LWM2MC_TEST_DATA_DIR) / "models" / "warning";

std::vector<std::string> fixtures(const fs::path& dir) {
    std::vector<std::string> names;
    if (fs::is_directory(dir)) {
        for (const auto& entry : fs::directory_iterator(dir)) {
            if (entry.path().extension() == ".lwm2m") {
                names.push_back(entry.path().filename().string());
            }
        }
    }
    std::sort(names.begin(), names.end());
    return names;
}

std::string read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string test_name(const testing::TestParamInfo<std::string>& info) {
    std::string n = fs::path(info.param).stem().string();
    std::replace_if(
        n.begin(), n.end(), [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); }, 'X');
    return n;
}

/// Loads NAME from inside `dir`, as the golden files were produced, and prints what `lwm2mc validate NAME`
/// prints on stderr: the diagnostics, then the summary line of a file that did not load. Returns whether it loaded
/// and that text; the exit codes are the CLI's (tests/cli).
std::pair<bool, std::string> validate_in(const fs::path& dir, const std::string& name) {
    auto old = fs::current_path();
    fs::current_path(dir);
    const auto r = lwm2mc::model::load_model(name);
    fs::current_path(old);
    std::ostringstream err;
    lwm2mc::model::print_diagnostics(err, r.diagnostics);
    if (!r.ok()) {
        err << lwm2mc::model::invalid_model_summary(name, r.diagnostics);
    }
    return {r.ok(), err.str()};
}

class InvalidModel : public testing::TestWithParam<std::string> {};

TEST_P(InvalidModel, YieldsExactlyItsGoldenDiagnostics) {
    const std::string name = GetParam();
    fs::path expected_path = kInvalidDir / (fs::path(name).stem().string() + ".expected");
    ASSERT_TRUE(fs::exists(expected_path)) << "missing golden file " << expected_path;

    auto [ok, err] = validate_in(kInvalidDir, name);

    EXPECT_FALSE(ok);
    EXPECT_EQ(err, read(expected_path));
}

TEST_P(InvalidModel, ReportsTheCodeItsNameAnnounces) {
    const std::string name = GetParam();
    std::smatch m;
    ASSERT_TRUE(std::regex_search(name, m, std::regex("^e([0-9]{3})"))) << "fixture names start with eNNN";
    std::string code = "E" + m[1].str();

    auto result = [&] {
        auto old = fs::current_path();
        fs::current_path(kInvalidDir);
        auto r = lwm2mc::model::load_model(name);
        fs::current_path(old);
        return r;
    }();

    ASSERT_FALSE(result.ok());
    std::size_t errors = 0;
    bool found = false;
    for (const auto& d : result.diagnostics) {
        errors += d.severity == lwm2mc::model::Severity::Error ? 1 : 0;
        found = found || d.code == code;
    }
    EXPECT_TRUE(found) << lwm2mc::model::format_diagnostics(result.diagnostics);
    if (code != "E099") {
        EXPECT_EQ(errors, 1U) << lwm2mc::model::format_diagnostics(result.diagnostics);
    }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, InvalidModel, testing::ValuesIn(fixtures(kInvalidDir)), test_name);

class ValidModel : public testing::TestWithParam<std::string> {};

TEST_P(ValidModel, LoadsWithoutDiagnostics) {
    auto [ok, err] = validate_in(kValidDir, GetParam());

    EXPECT_TRUE(ok);
    EXPECT_EQ(err, "");
}

INSTANTIATE_TEST_SUITE_P(Fixtures, ValidModel, testing::ValuesIn(fixtures(kValidDir)), test_name);

class WarningModel : public testing::TestWithParam<std::string> {};

TEST_P(WarningModel, LoadsWithExactlyItsGoldenWarnings) {
    const std::string name = GetParam();
    fs::path expected_path = kWarningDir / (fs::path(name).stem().string() + ".expected");
    ASSERT_TRUE(fs::exists(expected_path)) << "missing golden file " << expected_path;

    auto [ok, err] = validate_in(kWarningDir, name);

    EXPECT_TRUE(ok);
    EXPECT_EQ(err, read(expected_path));
}

TEST_P(WarningModel, WarnsOnlyWithTheCodeItsNameAnnounces) {
    const std::string name = GetParam();
    std::smatch m;
    ASSERT_TRUE(std::regex_search(name, m, std::regex("^w([0-9]{3})"))) << "fixture names start with wNNN";
    auto old = fs::current_path();
    fs::current_path(kWarningDir);
    auto result = lwm2mc::model::load_model(name);
    fs::current_path(old);

    ASSERT_TRUE(result.ok()) << lwm2mc::model::format_diagnostics(result.diagnostics);
    ASSERT_FALSE(result.diagnostics.empty());
    for (const auto& d : result.diagnostics) {
        EXPECT_EQ(d.severity, lwm2mc::model::Severity::Warning);
        EXPECT_EQ(d.code, "W" + m[1].str());
    }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, WarningModel, testing::ValuesIn(fixtures(kWarningDir)), test_name);

TEST(InvalidModelFixtures, CoverEveryLoaderCode) {
    const std::vector<std::string> codes = {"E001", "E002", "E003", "E004", "E005", "E006", "E010", "E011",
                                            "E012", "E013", "E020", "E021", "E022", "E023", "E024", "E030",
                                            "E031", "E032", "E033", "E034", "E040", "E041", "E042", "E099"};
    auto names = fixtures(kInvalidDir);

    for (const auto& code : codes) {
        std::string prefix = "e" + code.substr(1);
        bool covered =
            std::any_of(names.begin(), names.end(), [&](const std::string& n) { return n.rfind(prefix, 0) == 0; });
        EXPECT_TRUE(covered) << "no invalid fixture for " << code;
    }
}

}  // namespace
