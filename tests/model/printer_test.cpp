// SPDX-License-Identifier: Apache-2.0
#include "lwm2mc/model/commands.hpp"
#include "lwm2mc/model/loader.hpp"
#include "lwm2mc/model/printer.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "test_support.hpp"

namespace fs = std::filesystem;

namespace {

using namespace lwm2mc::model;

std::string read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

/// The model as JSON without source locations (they move when the text is reformatted).
nlohmann::json structure(const Model& m) {
    nlohmann::json j = nlohmann::json::parse(model_to_json(m));
    for (auto& [key, value] : j.items()) {
        if (value.is_array()) {
            for (auto& item : value) {
                if (item.is_object()) {
                    item.erase("location");
                }
            }
        }
    }
    return j;
}

std::vector<fs::path> model_files() {
    std::vector<fs::path> files;
    for (const fs::path& dir :
         {fs::path(LWM2MC_SPECS_DIR), fs::path(LWM2MC_SPECS_DIR) / "proposals",
          fs::path(LWM2MC_SPECS_DIR) / ".." / "impl", fs::path(LWM2MC_SPECS_DIR) / ".." / "impl" / "zephyr",
          fs::path(LWM2MC_TEST_DATA_DIR) / "models" / "valid"}) {
        if (!fs::is_directory(dir)) {
            continue;
        }
        for (const auto& e : fs::directory_iterator(dir)) {
            if (e.path().extension() == ".lwm2m") {
                files.push_back(e.path());
            }
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

/// A file that other files include has no header and is not loaded on its own.
bool is_main_file(const std::string& text) {
    FormatResult r = format_source(text, "probe.lwm2m");
    return r.text && (text.find("\nmodel ") != std::string::npos || text.rfind("model ", 0) == 0 ||
                      text.find("\noverlay ") != std::string::npos || text.rfind("overlay ", 0) == 0);
}

class ModelFile : public testing::TestWithParam<fs::path> {};

TEST_P(ModelFile, IsInCanonicalForm) {
    std::string text = read(GetParam());

    FormatResult r = format_source(text, GetParam().string());

    ASSERT_TRUE(r.text) << format_diagnostics(r.diagnostics);
    EXPECT_EQ(*r.text, text) << "run: lwm2mc fmt -i " << GetParam();
}

class MainModelFile : public testing::TestWithParam<fs::path> {};

/// Files loaded on their own (included fragments are covered through the files including them).
std::vector<fs::path> main_model_files() {
    std::vector<fs::path> out;
    for (const auto& f : model_files()) {
        if (is_main_file(read(f))) {
            out.push_back(f);
        }
    }
    return out;
}

TEST_P(MainModelFile, LoadFormatLoadRoundTripKeepsTheModel) {
    const fs::path path = GetParam();
    auto original = load_model(path.string());
    ASSERT_TRUE(original.ok()) << format_diagnostics(original.diagnostics);
    // Reload with every file it reads (main file, includes, overlay bases) in canonical form.
    LoadOptions options;
    std::size_t formatted_files = 0;
    options.reader = [&](const std::string& p, std::string& error) -> std::optional<std::string> {
        auto text = read_file(p, error);
        if (!text) {
            return text;
        }
        FormatResult f = format_source(*text, p);
        if (!f.text) {
            error = "does not format";
            return std::nullopt;
        }
        ++formatted_files;
        return f.text;
    };

    auto reloaded = load_model(path.string(), options);

    ASSERT_TRUE(reloaded.ok()) << format_diagnostics(reloaded.diagnostics);
    EXPECT_EQ(formatted_files, original.model->files.size());
    EXPECT_EQ(structure(*reloaded.model), structure(*original.model));
}

std::string file_test_name(const testing::TestParamInfo<fs::path>& param) {
    std::string n = param.param.stem().string();
    for (char& c : n) {
        if (!std::isalnum(static_cast<unsigned char>(c))) {
            c = '_';
        }
    }
    return n + "_" + std::to_string(param.index);
}

INSTANTIATE_TEST_SUITE_P(ShippedAndValid, ModelFile, testing::ValuesIn(model_files()), file_test_name);
INSTANTIATE_TEST_SUITE_P(ShippedAndValid, MainModelFile, testing::ValuesIn(main_model_files()), file_test_name);

TEST(Printer, ProducesCanonicalTextAndKeepsComments) {
    std::string messy = "// header comment\nmodel   m ;\n\n\n// about A\nstate A   initial\n goal \"the start\";"
                        "  // trailing\nevent e : client;\n/* block */ A+e[!(true&&false)||true]/->A;\n";
    // the row above lacks an update after '/', so it is a syntax error; fix it:
    messy.replace(messy.find("/->"), 3, "->");

    FormatResult r = format_source(messy, "m.lwm2m");

    ASSERT_TRUE(r.text) << format_diagnostics(r.diagnostics);
    EXPECT_EQ(*r.text, "// header comment\n"
                       "model m;\n"
                       "\n"
                       "// about A\n"
                       "state A initial goal \"the start\";  // trailing\n"
                       "event e: client;\n"
                       "/* block */\n"
                       "A + e [!(true && false) || true] -> A;\n");
    EXPECT_EQ(*format_source(*r.text, "m.lwm2m").text, *r.text);
}

TEST(Printer, UsesTheFewestParenthesesThatKeepTheStructure) {
    auto r = lwm2mc::test::load_text(
        "model m;\nparameter a: bool;\nparameter b: bool;\nparameter c: bool;\n"
        "parameter n: int[0..9];\nstate S initial goal;\n"
        "constraint k1: (a -> b) -> c;\nconstraint k2: a -> (b -> c);\n"
        "constraint k3: !(a && b) || (c == (n > 2));\nconstraint k4: n - (2 - 1) < 5 - 1 - 1;\n");
    ASSERT_TRUE(r.ok()) << format_diagnostics(r.diagnostics);

    EXPECT_EQ(format_expr(*r.model->constraints[0].expr), "(a -> b) -> c");
    EXPECT_EQ(format_expr(*r.model->constraints[1].expr), "a -> b -> c");
    EXPECT_EQ(format_expr(*r.model->constraints[2].expr), "!(a && b) || c == n > 2");
    EXPECT_EQ(format_expr(*r.model->constraints[3].expr), "n - (2 - 1) < 5 - 1 - 1");
}

TEST(Printer, BreaksLongDeclarationsBeforeAttributes) {
    std::string text = "model m;\nstate A initial goal \"" + std::string(100, 'x') + "\" ref \"TS §5.2.4\";\n";

    FormatResult r = format_source(text, "m.lwm2m");

    ASSERT_TRUE(r.text);
    EXPECT_EQ(*r.text,
              "model m;\nstate A initial goal\n    \"" + std::string(100, 'x') + "\"\n    ref \"TS §5.2.4\";\n");
}

TEST(Printer, KeepsParenthesesAroundImplicationsWhereTheGrammarNeedsThem) {
    std::string text = "model m;\nparameter a: bool;\nparameter b: bool;\nvar f: bool = (a -> b) volatile;\n"
                       "state A initial goal;\nevent e: client;\nA + e / f := (a -> b) -> A;\n"
                       "property p: recover from (a -> b) to (f -> a);\n";

    FormatResult r = format_source(text, "m.lwm2m");

    ASSERT_TRUE(r.text);
    EXPECT_EQ(*r.text, text);
    EXPECT_TRUE(lwm2mc::test::load_text(*r.text).ok());
}

TEST(Printer, EscapesStrings) {
    EXPECT_EQ(quote("a \"b\" \\ c\nd\te"), "\"a \\\"b\\\" \\\\ c\\nd\\te\"");
}

TEST(Printer, RefusesToFormatAFileWithSyntaxErrors) {
    FormatResult r = format_source("model m;\nstate A initial goal\n", "m.lwm2m");

    EXPECT_FALSE(r.text);
    ASSERT_EQ(r.diagnostics.size(), 1U);
    EXPECT_EQ(r.diagnostics[0].code, "E001");
}

}  // namespace
