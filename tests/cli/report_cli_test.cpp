// SPDX-License-Identifier: Apache-2.0
// The cited report formats of `lwm2mc check` (text ids and refs, HTML, SARIF 2.1.0, JUnit XML) on every
// shipped model; the SARIF is validated against the 2.1.0 schema, the JUnit XML by xmllint and the HTML
// rendered by headless Chromium, each skipped with the reason when the tool is missing.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <string>
#include <unistd.h>
#include <vector>

#include "cli_run.hpp"

namespace fs = std::filesystem;

namespace {

using lwm2mc::test::CliRun;
using lwm2mc::test::run_cli;
using lwm2mc::test::slurp;

const std::string kSpecs = LWM2MC_SPECS_DIR;
const std::string kModel = kSpecs + "/lwm2m-ts10-draft.lwm2m";
const std::string kOverlay = kSpecs + "/proposals/2017-0009-ci-with-si.lwm2m";

/// One way to check a shipped model: "MODEL" or "BASE --proposal OVERLAY".
struct Subject {
    std::string name;
    std::string args;
};

/// Every shipped model file that loads on its own (include fragments such as coap-timing.lwm2m do not),
/// and every overlay also as a proposal on its base (then the report compares).
std::vector<Subject> shipped_subjects() {
    std::vector<Subject> out;
    std::vector<fs::path> files;
    for (const auto& entry : fs::recursive_directory_iterator(kSpecs)) {
        if (entry.path().extension() == ".lwm2m") {
            files.push_back(entry.path());
        }
    }
    std::sort(files.begin(), files.end());
    const std::regex overlay_header(R"(\noverlay\s+\w+\s+on\s+\"([^\"]+)\")");
    for (const fs::path& file : files) {
        if (run_cli("validate " + file.string()).code != 0) {
            continue;
        }
        out.push_back({file.filename().string(), file.string()});
        std::smatch m;
        const std::string text = "\n" + slurp(file);
        if (std::regex_search(text, m, overlay_header)) {
            const fs::path base = (file.parent_path() / m[1].str()).lexically_normal();
            out.push_back({file.filename().string() + " on its base", base.string() + " --proposal " + file.string()});
        }
    }
    return out;
}

const std::vector<Subject>& subjects() {
    static const std::vector<Subject> all = shipped_subjects();
    return all;
}

fs::path output_dir() {
    const fs::path dir = fs::path{LWM2MC_TEST_OUTPUT_DIR} / "reports";
    fs::create_directories(dir);
    return dir;
}

std::string file_name(const std::string& name) {
    std::string out;
    for (char c : name) {
        out += std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-' ? c : '_';
    }
    return out;
}

/// Runs a shell command; stdout and stderr together in `out`.
CliRun sh(const std::string& command) {
    CliRun r;
    FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
    if (pipe == nullptr) {
        return r;
    }
    std::array<char, 4096> buffer{};
    std::size_t n = 0;
    while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) {
        r.out.append(buffer.data(), n);
    }
    const int status = ::pclose(pipe);
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return r;
}

bool have(const std::string& program) {
    return std::system(("command -v " + program + " >/dev/null 2>&1").c_str()) == 0;
}

TEST(CliReports, ShippedModelsAreFoundForTheReportTests) {
    // the base, the overlay alone and the overlay as a proposal on the base
    ASSERT_GE(subjects().size(), 3U);
}

TEST(CliReports, TextNumbersFindingsWithTheirIdsAndCitesRefs) {
    CliRun text = run_cli("check " + kModel + " --fail-on never");
    CliRun json = run_cli("check " + kModel + " --fail-on never --format json");
    const auto doc = nlohmann::json::parse(json.out);

    ASSERT_EQ(text.code, 0) << text.err;
    // every finding is numbered in report order (the Markdown report's #) with the id `diagram --trace` takes
    const auto& findings = doc["findings"];
    ASSERT_FALSE(findings.empty());
    for (std::size_t i = 0; i < findings.size(); ++i) {
        const std::string line = "\n    #" + std::to_string(i + 1) + " " + findings[i]["id"].get<std::string>() + "\n";
        EXPECT_NE(text.out.find(line), std::string::npos) << line << text.out;
    }
    // the state's description and ref, and the ref at the end of each witness step
    EXPECT_NE(text.out.find("    ref: state 'BsFailed' (TS §5.2.3.3 step #2, §5.2.6): bootstrap failed; the "
                            "bootstrap-server account keeps its previous values\n"),
              std::string::npos)
        << text.out;
    EXPECT_TRUE(std::regex_search(text.out,
                                  std::regex(R"(\n +1  Init --boot \(client\)--> \S+.*lwm2m:\d+:\d+  \(TS [^)]*\)\n)")))
        << text.out;
    // properties cite the property
    EXPECT_NE(text.out.find("    ref: property 'factory_reset_reregisters_in_time' (C §3 Factory Reset ¶1)"),
              std::string::npos)
        << text.out;
    // JSON carries the same citations
    bool cited = false;
    for (const auto& f : findings) {
        for (const auto& a : f["about"]) {
            cited =
                cited || (a["element"] == "state" && a["name"] == "BsFailed" && !a["ref"].get<std::string>().empty());
        }
        if (!f["witness"].is_null()) {
            for (const auto& s : f["witness"]["steps"]) {
                EXPECT_TRUE(s.contains("ref")) << s.dump();
            }
        }
    }
    EXPECT_TRUE(cited);
}

TEST(CliReports, SarifOfEveryShippedModelHasARuleForEveryKindAndAResultPerFinding) {
    for (const Subject& s : subjects()) {
        CliRun sarif = run_cli("check " + s.args + " --fail-on never --format sarif");
        CliRun json = run_cli("check " + s.args + " --fail-on never --format json");

        ASSERT_LE(sarif.code, 1) << s.name << sarif.err;
        const auto log = nlohmann::json::parse(sarif.out);
        const auto report = nlohmann::json::parse(json.out);
        EXPECT_EQ(log["version"], "2.1.0");
        ASSERT_EQ(log["runs"].size(), 1U);
        const auto& run = log["runs"][0];
        std::set<std::string> rules;
        for (const auto& r : run["tool"]["driver"]["rules"]) {
            rules.insert(r["id"].get<std::string>());
            EXPECT_FALSE(r["help"]["text"].get<std::string>().empty());
        }
        std::size_t resolved = 0;
        if (report.contains("compared_with")) {
            resolved = report["compared_with"]["resolved"].size();
        }
        ASSERT_EQ(run["results"].size(), report["findings"].size() + resolved) << s.name;
        for (std::size_t i = 0; i < report["findings"].size(); ++i) {
            const auto& result = run["results"][i];
            const auto& finding = report["findings"][i];
            EXPECT_EQ(result["ruleId"], finding["kind"]);
            EXPECT_TRUE(rules.count(result["ruleId"].get<std::string>()));
            EXPECT_EQ(result["partialFingerprints"]["lwm2mcFindingId/v1"], finding["id"]);
            const auto& region = result["locations"][0]["physicalLocation"]["region"];
            EXPECT_EQ(region["startLine"], finding["location"]["line"]) << s.name << " " << finding["id"];
            // the model file relative to the working directory (the repository root in CI), not absolute
            const std::string uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
            EXPECT_TRUE(uri.rfind("file://", 0) == 0 || uri.find(".lwm2m") != std::string::npos) << uri;
            if (!finding["witness"].is_null()) {
                // where the run starts, then each step
                EXPECT_EQ(result["codeFlows"][0]["threadFlows"][0]["locations"].size(),
                          finding["witness"]["steps"].size() + 1);
            }
            if (report.contains("compared_with")) {
                EXPECT_TRUE(result.contains("baselineState") || result["properties"]["change"] == "undecided")
                    << result.dump();
            }
        }
    }
}

TEST(CliReports, SarifIsRelativeToTheWorkingDirectory) {
    // run from the specs directory: the URI is the file name, with the SRCROOT base
    CliRun r = sh("cd " + kSpecs + " && " + std::string(LWM2MC_CLI) +
                  " check lwm2m-ts10-draft.lwm2m --fail-on never --format sarif 2>/dev/null");

    ASSERT_EQ(r.code, 0) << r.out;
    const auto log = nlohmann::json::parse(r.out);
    const auto& location = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
    EXPECT_EQ(location["uri"], "lwm2m-ts10-draft.lwm2m");
    EXPECT_EQ(location["uriBaseId"], "SRCROOT");
}

TEST(CliReports, SarifValidatesAgainstTheSarif210Schema) {
    const std::string dir = LWM2MC_REPORT_SCHEMAS_DIR;
    if (!have("node")) {
        GTEST_SKIP() << "node is not installed (scripts/run.sh test installs it)";
    }
    if (!fs::exists(dir + "/node_modules/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json") ||
        !fs::exists(dir + "/node_modules/ajv-draft-04")) {
        GTEST_SKIP() << "the schema packages are not installed: run 'npm ci' in " << dir;
    }
    std::string files;
    for (const Subject& s : subjects()) {
        const fs::path out = output_dir() / (file_name(s.name) + ".sarif");
        CliRun sarif = run_cli("check " + s.args + " --fail-on never --format sarif");
        ASSERT_LE(sarif.code, 1) << s.name << sarif.err;
        std::ofstream(out) << sarif.out;
        files += " " + out.string();
    }

    CliRun validated = sh("node " + dir + "/validate_sarif.js" + files);

    EXPECT_EQ(validated.code, 0) << validated.out << validated.err;
}

TEST(CliReports, JunitOfEveryShippedModelIsWellFormedWithATestcasePerAnalysisAndProperty) {
    for (const Subject& s : subjects()) {
        CliRun junit = run_cli("check " + s.args + " --format junit");
        CliRun never = run_cli("check " + s.args + " --format junit --fail-on never");

        ASSERT_LE(junit.code, 1) << s.name << junit.err;
        EXPECT_EQ(junit.out.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites ", 0), 0U) << junit.out;
        EXPECT_NE(junit.out.find("name=\"no-recovery\""), std::string::npos) << junit.out;
        EXPECT_NE(junit.out.find("<testcase classname=\"lwm2m_ts1"), std::string::npos) << junit.out;
        // with --fail-on never nothing fails; with the default (error) the error findings do
        EXPECT_EQ(never.out.find("<failure"), std::string::npos) << s.name;
        const fs::path out = output_dir() / (file_name(s.name) + ".junit.xml");
        std::ofstream(out) << junit.out;
        if (have("xmllint")) {
            CliRun lint = sh("xmllint --noout " + out.string());
            EXPECT_EQ(lint.code, 0) << lint.out;
        }
    }
    CliRun base = run_cli("check " + kModel + " --format junit");
    EXPECT_NE(
        base.out.find("<testcase classname=\"lwm2m_ts10_draft.property\" name=\"factory_reset_reregisters_in_time\""),
        std::string::npos)
        << base.out;
    EXPECT_NE(base.out.find("<failure message=\""), std::string::npos) << base.out;
    EXPECT_NE(base.out.find("ref: state &#39;BsFailed&#39; (TS §5.2.3.3 step #2, §5.2.6)"), std::string::npos);
    if (!have("xmllint")) {
        GTEST_SKIP() << "xmllint is not installed (Debian libxml2-utils; scripts/run.sh test installs it): "
                        "well-formedness not checked";
    }
}

TEST(CliReports, HtmlOfEveryShippedModelIsOneSelfContainedFile) {
    for (const Subject& s : subjects()) {
        CliRun html = run_cli("check " + s.args + " --fail-on never --format html");

        ASSERT_EQ(html.code, 0) << s.name << html.err;
        EXPECT_EQ(html.out.rfind("<!DOCTYPE html>", 0), 0U);
        EXPECT_NE(html.out.find("</html>\n"), std::string::npos);
        // nothing is loaded from elsewhere: no script, no stylesheet link, no remote source or link
        EXPECT_EQ(html.out.find("<script"), std::string::npos);
        EXPECT_EQ(html.out.find("<link"), std::string::npos);
        EXPECT_FALSE(std::regex_search(html.out, std::regex(R"((src|href)=\"(https?:)?//)"))) << s.name;
        // the overview diagram and a witness diagram inline, the source with anchors the findings link to
        EXPECT_NE(html.out.find("<figure><svg"), std::string::npos) << s.name;
        EXPECT_NE(html.out.find("<details><summary>Diagram with this witness drawn</summary>"), std::string::npos);
        EXPECT_NE(html.out.find("<span class=\"l\" id=\"L1\">"), std::string::npos);
        std::smatch m;
        ASSERT_TRUE(std::regex_search(html.out, m, std::regex(R"(href=\"#(L\d+)\")"))) << s.name;
        EXPECT_NE(html.out.find("id=\"" + m[1].str() + "\""), std::string::npos) << m[1];
        // ids of the inline pictures stay unique
        EXPECT_EQ(html.out.find("id=\"graph0\""), std::string::npos);
        std::ofstream(output_dir() / (file_name(s.name) + ".html")) << html.out;
    }
    CliRun proposal = run_cli("check " + kModel + " --proposal " + kOverlay + " --fail-on never --format html");
    EXPECT_NE(proposal.out.find("<h2 id=\"comparison\">Compared with the base model"), std::string::npos);
    EXPECT_NE(proposal.out.find("class=\"change-resolved\""), std::string::npos);
}

/// A small model whose docs, refs and names need escaping in HTML and XML, in a temporary file.
fs::path write_model(const std::string& tag, const std::string& text) {
    const fs::path path =
        fs::temp_directory_path() / ("lwm2mc-reports-" + tag + "-" + std::to_string(::getpid()) + ".lwm2m");
    std::ofstream(path) << text;
    return path;
}

TEST(CliReports, DescriptionsAndRefsAreEscapedInHtmlAndJunit) {
    const fs::path path =
        write_model("escape", "model m;\n"
                              "state A initial goal \"starts <here> & 'there'\" ref \"TS <5.2> & more\";\n"
                              "state B \"<script>alert(1)</script>\" ref \"R&D\";\n"
                              "event e: client;\nA + e [false] -> B;\n");

    CliRun html = run_cli("check " + path.string() + " --fail-on never --format html");
    CliRun junit = run_cli("check " + path.string() + " --format junit --fail-on note");
    fs::remove(path);

    ASSERT_EQ(html.code, 0) << html.err;
    EXPECT_EQ(html.out.find("<script>"), std::string::npos);
    EXPECT_NE(html.out.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos) << html.out;
    EXPECT_NE(html.out.find("R&amp;D"), std::string::npos);
    EXPECT_NE(junit.out.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos) << junit.out;
    EXPECT_NE(junit.out.find("<failure message=\"state &#39;B&#39; is unreachable"), std::string::npos) << junit.out;
}

TEST(CliReports, UndecidedItemsAreErrorsInJunitAndNotificationsInSarif) {
    // 2^21 configurations: more than the explicit engine enumerates, so it decides nothing
    std::string text = "model m;\n";
    std::string all;
    for (int i = 0; i < 21; ++i) {
        text += "parameter p" + std::to_string(i) + ": bool;\n";
        all += (i == 0 ? "p" : " && p") + std::to_string(i);
    }
    text += "state A initial goal;\nstate B;\nevent e: client;\nA + e [" + all + "] -> B;\n";
    const fs::path path = write_model("undecided", text);

    CliRun junit = run_cli("check --engine explicit --fail-on never --format junit " + path.string());
    CliRun sarif = run_cli("check --engine explicit --fail-on never --format sarif " + path.string());
    fs::remove(path);

    EXPECT_EQ(junit.code, 1);
    EXPECT_NE(junit.out.find(
                  "name=\"undecided\" time=\"0\">\n      <error message=\"1 item(s) not decided\" type=\"undecided\">"),
              std::string::npos)
        << junit.out;
    EXPECT_NE(junit.out.find("<skipped message=\"not decided everywhere"), std::string::npos) << junit.out;
    const auto log = nlohmann::json::parse(sarif.out);
    EXPECT_EQ(log["runs"][0]["invocations"][0]["toolExecutionNotifications"].size(), 1U) << sarif.out;
}

/// Width and height from a PNG's IHDR chunk; {0, 0} when `data` is no PNG.
std::pair<std::uint32_t, std::uint32_t> png_size(const std::string& data) {
    if (data.size() < 24 || data.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0 || data.compare(12, 4, "IHDR") != 0) {
        return {0, 0};
    }
    const auto be32 = [&](std::size_t at) {
        std::uint32_t v = 0;
        for (std::size_t i = 0; i < 4; ++i) {
            v = (v << 8U) | static_cast<unsigned char>(data[at + i]);
        }
        return v;
    };
    return {be32(16), be32(20)};
}

TEST(CliReports, HtmlReportRendersInHeadlessChromium) {
    std::string chromium;
    for (const char* name : {"chromium", "chromium-browser", "google-chrome", "chrome-headless-shell"}) {
        if (have(name)) {
            chromium = name;
            break;
        }
    }
    if (chromium.empty()) {
        GTEST_SKIP() << "no headless Chromium (Debian package chromium; scripts/run.sh test installs it)";
    }
    const fs::path html = output_dir() / "screenshot-report.html";
    const fs::path png = output_dir() / "screenshot-report.png";
    fs::remove(png);
    CliRun report = run_cli("check " + kModel + " --proposal " + kOverlay + " --fail-on never --format html");
    ASSERT_EQ(report.code, 0) << report.err;
    std::ofstream(html) << report.out;

    // --no-sandbox: the tests run as root in CI; a private profile so that parallel runs do not share one
    const fs::path profile = output_dir() / "chromium-profile";
    CliRun shot = sh("timeout 120 " + chromium + " --headless --no-sandbox --disable-gpu --hide-scrollbars " +
                     "--user-data-dir=" + profile.string() + " --window-size=1280,2400 --screenshot=" + png.string() +
                     " file://" + html.string());

    ASSERT_TRUE(fs::exists(png)) << shot.out;
    const auto [width, height] = png_size(slurp(png));
    EXPECT_EQ(width, 1280U) << shot.out;
    EXPECT_EQ(height, 2400U);
    // a blank page compresses to a few kilobytes; the report's text, tables and badges do not
    EXPECT_GT(fs::file_size(png), 60000U) << png;
}

}  // namespace
