// SPDX-License-Identifier: Apache-2.0
#include "lwm2mc/conformance/report.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace lwm2mc::conformance {
namespace {

using json = nlohmann::json;

/// One case of each verdict over two suites.
RunReport sample_report() {
    RunReport r;
    r.model = "lwm2m-client";
    r.input = "suites/all.json";
    r.mode = "suite";
    r.client = "client -b {bs_uri} -e {endpoint}";

    CaseReport pass;
    pass.suite = "class 1: factory=true, smartcard=false";
    pass.name = "case 1";
    pass.verdict = Verdict::Pass;
    pass.log = {"step 0: sent Bootstrap-Request", "step 1: Bootstrap-Finish"};
    pass.steps_planned = 12;
    pass.steps_played = 12;
    pass.seconds = 0.8;

    CaseReport fail;
    fail.suite = pass.suite;
    fail.name = "case 2";
    fail.verdict = Verdict::Fail;
    fail.reason = "the client registered before the bootstrap finished";
    fail.failure = Failure{"step 4",
                           "BsFinishing --bs_finish--> RegPending",
                           "sent Register POST /rd?ep=node after 3.2 s",
                           {"BsFinishing --bs_finish--> RegPending", "BsFinishing --bs_timeout--> BsHoldOff"},
                           {"-> CON POST /bs?ep=node", "<- ACK 2.04 Changed", "-> CON POST /rd?ep=node"},
                           {"lwm2m-client.lwm2m:57: BsFinishing + bs_finish -> RegPending"},
                           3200};
    fail.log = {"step 0: sent Bootstrap-Request", "step 4: unexpected Register"};
    fail.steps_planned = 12;
    fail.steps_played = 4;
    fail.seconds = 1.25;
    fail.client_output_dir = "out/class-1/case-2";

    CaseReport inconclusive;
    inconclusive.suite = "class 2: factory=false, smartcard=false";
    inconclusive.name = "case 1";
    inconclusive.verdict = Verdict::Inconclusive;
    inconclusive.reason = "the client chose bs_timeout; the case plans bs_finish";
    inconclusive.steps_planned = 5;
    inconclusive.steps_played = 2;
    inconclusive.seconds = 0.5;

    CaseReport error;
    error.suite = inconclusive.suite;
    error.name = "case 2";
    error.verdict = Verdict::Error;
    error.reason = "cannot execute 'client': No such file or directory";
    error.steps_planned = 7;
    error.seconds = 0.0;

    r.cases = {pass, fail, inconclusive, error};
    r.exercised = {{"BsFinishing+bs_finish->RegPending", 2}, {"Initial+power_on->BsPending", 3}};
    r.never_fired = {"Registered+lifetime_expired->RegPending"};
    r.notes = {"ignored 2 packets to port 9999"};
    r.seconds = 2.6;
    return r;
}

/// A hostile string: markup, quotes, control characters, a CDATA terminator, a terminal escape and bytes that are
/// not UTF-8.
const std::string kHostile = std::string{"<a href=\"x\">&amp; 'q' \x01\x08\x1b[31m ]]> \r\n\t end \xff\xfe\xc3("} +
                             std::string{"\0", 1} + "\xed\xa0\x80 ok \xc3\xa9";

// ----- a small XML 1.0 reader: enough to check well-formedness and read the tree back -----

struct Element {
    std::string name;
    std::map<std::string, std::string> attributes;
    std::vector<Element> children;
    std::string text;  ///< character data directly inside, unescaped

    const Element* child(const std::string& n) const {
        for (const auto& c : children) {
            if (c.name == n) {
                return &c;
            }
        }
        return nullptr;
    }
};

void append_utf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

/// XML 1.0 section 2.2 Char.
bool xml_char(char32_t c) {
    return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) ||
           (c >= 0x10000 && c <= 0x10FFFF);
}

class XmlReader {
public:
    explicit XmlReader(std::string_view s) : s_{s} {}

    /// The root element, or throws std::runtime_error naming the offset of the first problem.
    Element parse() {
        check_characters();
        if (s_.substr(0, 5) == "<?xml") {
            const auto end = s_.find("?>");
            expect(end != std::string_view::npos, "unterminated XML declaration");
            i_ = end + 2;
        }
        skip_space();
        Element root = element();
        skip_space();
        expect(i_ == s_.size(), "content after the root element");
        return root;
    }

private:
    [[noreturn]] void fail(const std::string& what) const {
        throw std::runtime_error("offset " + std::to_string(i_) + ": " + what);
    }
    void expect(bool ok, const std::string& what) const {
        if (!ok) {
            fail(what);
        }
    }

    void check_characters() {
        for (std::size_t k = 0; k < s_.size();) {
            const auto b0 = static_cast<unsigned char>(s_[k]);
            std::size_t len = b0 < 0x80 ? 1 : (b0 >> 5) == 0x6 ? 2 : (b0 >> 4) == 0xE ? 3 : (b0 >> 3) == 0x1E ? 4 : 0;
            i_ = k;
            expect(len != 0 && k + len <= s_.size(), "invalid UTF-8");
            char32_t cp = len == 1 ? b0 : b0 & (0xFF >> (len + 1));
            for (std::size_t j = 1; j < len; ++j) {
                const auto b = static_cast<unsigned char>(s_[k + j]);
                expect((b & 0xC0) == 0x80, "invalid UTF-8");
                cp = (cp << 6) | (b & 0x3F);
            }
            const char32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
            expect(cp >= min[len], "overlong UTF-8");
            expect(xml_char(cp), "character not allowed in XML 1.0");
            k += len;
        }
        i_ = 0;
    }

    void skip_space() {
        while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\t' || s_[i_] == '\r')) {
            ++i_;
        }
    }

    std::string name() {
        const auto start = i_;
        while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) != 0 || s_[i_] == '-' ||
                                  s_[i_] == '_' || s_[i_] == ':' || s_[i_] == '.')) {
            ++i_;
        }
        expect(i_ > start, "expected a name");
        return std::string{s_.substr(start, i_ - start)};
    }

    /// Reads a reference at s_[i_] == '&'.
    void reference(std::string& out) {
        const auto semi = s_.find(';', i_);
        expect(semi != std::string_view::npos, "unterminated reference");
        const auto ref = s_.substr(i_ + 1, semi - i_ - 1);
        if (ref == "lt") {
            out += '<';
        } else if (ref == "gt") {
            out += '>';
        } else if (ref == "amp") {
            out += '&';
        } else if (ref == "quot") {
            out += '"';
        } else if (ref == "apos") {
            out += '\'';
        } else if (ref.size() > 1 && ref[0] == '#') {
            const bool hex = ref[1] == 'x';
            const std::string digits{ref.substr(hex ? 2 : 1)};
            expect(!digits.empty() &&
                       digits.find_first_not_of(hex ? "0123456789abcdefABCDEF" : "0123456789") == std::string::npos,
                   "bad character reference");
            const auto cp = static_cast<char32_t>(std::stoul(digits, nullptr, hex ? 16 : 10));
            expect(xml_char(cp), "character reference to a character XML 1.0 forbids");
            append_utf8(out, cp);
        } else {
            fail("unknown entity '" + std::string{ref} + "'");
        }
        i_ = semi + 1;
    }

    Element element() {
        expect(i_ < s_.size() && s_[i_] == '<', "expected '<'");
        ++i_;
        Element e;
        e.name = name();
        for (;;) {
            const auto before = i_;
            skip_space();
            expect(i_ < s_.size(), "unterminated start tag");
            if (s_.substr(i_, 2) == "/>") {
                i_ += 2;
                return e;
            }
            if (s_[i_] == '>') {
                ++i_;
                break;
            }
            expect(i_ > before, "expected whitespace before an attribute");
            const auto attr = name();
            expect(i_ + 1 < s_.size() && s_[i_] == '=' && s_[i_ + 1] == '"', "expected =\" after an attribute name");
            i_ += 2;
            std::string value;
            while (i_ < s_.size() && s_[i_] != '"') {
                expect(s_[i_] != '<', "'<' in an attribute value");
                if (s_[i_] == '&') {
                    reference(value);
                } else {
                    // Attribute-value normalization (XML 1.0 3.3.3): literal whitespace becomes a space.
                    value += (s_[i_] == '\n' || s_[i_] == '\t' || s_[i_] == '\r') ? ' ' : s_[i_];
                    ++i_;
                }
            }
            expect(i_ < s_.size(), "unterminated attribute value");
            ++i_;
            expect(e.attributes.emplace(attr, value).second, "duplicate attribute '" + attr + "'");
        }
        for (;;) {
            expect(i_ < s_.size(), "unclosed element '" + e.name + "'");
            if (s_.substr(i_, 2) == "</") {
                i_ += 2;
                expect(name() == e.name, "mismatched end tag for '" + e.name + "'");
                skip_space();
                expect(i_ < s_.size() && s_[i_] == '>', "expected '>'");
                ++i_;
                return e;
            }
            if (s_.substr(i_, 4) == "<!--") {
                const auto end = s_.find("-->", i_);
                expect(end != std::string_view::npos, "unterminated comment");
                i_ = end + 3;
            } else if (s_.substr(i_, 9) == "<![CDATA[") {
                const auto end = s_.find("]]>", i_);
                expect(end != std::string_view::npos, "unterminated CDATA");
                e.text += s_.substr(i_ + 9, end - i_ - 9);
                i_ = end + 3;
            } else if (s_[i_] == '<') {
                e.children.push_back(element());
            } else if (s_[i_] == '&') {
                reference(e.text);
            } else {
                expect(s_.substr(i_, 3) != "]]>", "']]>' in character data");
                e.text += s_[i_] == '\r' ? '\n' : s_[i_];  // a literal CR would not survive line-end handling
                ++i_;
            }
        }
    }

    std::string_view s_;
    std::size_t i_{0};
};

Element parse_xml(const std::string& xml) {
    try {
        return XmlReader{xml}.parse();
    } catch (const std::runtime_error& e) {
        ADD_FAILURE() << "not well-formed: " << e.what() << "\n" << xml;
        return {};
    }
}

bool has_terminal_controls(const std::string& s) {
    for (const char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && c != '\n') || u == 0x7F) {
            return true;
        }
    }
    return false;
}

// ----- tests -----

TEST(ReportModel, CountsVerdictsAndNamesThem) {
    const auto r = sample_report();
    RunReport only_inconclusive;
    only_inconclusive.cases = {r.cases[2]};

    EXPECT_EQ(r.count(Verdict::Pass), 1U);
    EXPECT_EQ(r.count(Verdict::Fail), 1U);
    EXPECT_EQ(r.count(Verdict::Inconclusive), 1U);
    EXPECT_EQ(r.count(Verdict::Error), 1U);
    EXPECT_FALSE(r.passed());
    EXPECT_TRUE(only_inconclusive.passed());
    EXPECT_EQ(verdict_name(Verdict::Pass), "pass");
    EXPECT_EQ(verdict_name(Verdict::Fail), "fail");
    EXPECT_EQ(verdict_name(Verdict::Inconclusive), "inconclusive");
    EXPECT_EQ(verdict_name(Verdict::Error), "error");
}

TEST(RenderText, ShowsCasesFailureBlocksTotalsAndCoverage) {
    const auto r = sample_report();

    const auto text = render_text(r);

    EXPECT_EQ(text, R"(conformance of 'lwm2m-client' (suite suites/all.json)
client: client -b {bs_uri} -e {endpoint}

PASS class 1 case 1 (12 steps, 0.8 s)
FAIL class 1 case 2 (4 of 12 steps, 1.2 s)
INCONCLUSIVE class 2 case 1 (2 of 5 steps, 0.5 s)
ERROR class 2 case 2 (0 of 7 steps, 0.0 s)

FAIL class 1 case 2
  suite:    class 1: factory=true, smartcard=false
  where:    step 4 (at 3.200 s)
  expected: BsFinishing --bs_finish--> RegPending
  observed: sent Register POST /rd?ep=node after 3.2 s
  allowed:
      - BsFinishing --bs_finish--> RegPending
      - BsFinishing --bs_timeout--> BsHoldOff
  exchange:
      -> CON POST /bs?ep=node
      <- ACK 2.04 Changed
      -> CON POST /rd?ep=node
  source:
      lwm2m-client.lwm2m:57: BsFinishing + bs_finish -> RegPending
  reason:   the client registered before the bootstrap finished
  client output: out/class-1/case-2

INCONCLUSIVE class 2 case 1
  suite:    class 2: factory=false, smartcard=false
  reason:   the client chose bs_timeout; the case plans bs_finish

ERROR class 2 case 2
  suite:    class 2: factory=false, smartcard=false
  reason:   cannot execute 'client': No such file or directory

4 cases: 1 passed, 1 failed, 1 inconclusive, 1 error (2.6 s)
exercised 2 of 3 transitions; never fired: Registered+lifetime_expired->RegPending
notes:
  - ignored 2 packets to port 9999
result: FAILED
)");
}

TEST(RenderText, EscapesControlCharactersForTheTerminal) {
    auto r = sample_report();
    r.cases[1].reason = kHostile;
    r.cases[1].failure->observed = kHostile;

    const auto text = render_text(r);

    EXPECT_FALSE(has_terminal_controls(text));
    EXPECT_NE(text.find("\\x1b[31m"), std::string::npos);
    EXPECT_NE(text.find("\\r\\n\\t end \xEF\xBF\xBD\xEF\xBF\xBD"), std::string::npos);
}

TEST(RenderJson, HoldsEveryField) {
    const auto r = sample_report();

    const auto doc = json::parse(render_json(r));

    EXPECT_EQ(doc["format"], "lwm2mc-conform/1");
    EXPECT_EQ(doc["model"], "lwm2m-client");
    EXPECT_EQ(doc["input"], "suites/all.json");
    EXPECT_EQ(doc["mode"], "suite");
    EXPECT_EQ(doc["client"], r.client);
    EXPECT_EQ(doc["passed"], false);
    EXPECT_DOUBLE_EQ(doc["seconds"].get<double>(), 2.6);
    EXPECT_EQ(doc["totals"], json::parse(R"({"cases":4,"pass":1,"fail":1,"inconclusive":1,"error":1})"));
    ASSERT_EQ(doc["cases"].size(), 4U);
    const auto& pass = doc["cases"][0];
    EXPECT_EQ(pass["verdict"], "pass");
    EXPECT_TRUE(pass["failure"].is_null());
    EXPECT_EQ(pass["log"], json(r.cases[0].log));
    const auto& fail = doc["cases"][1];
    EXPECT_EQ(fail["suite"], r.cases[1].suite);
    EXPECT_EQ(fail["name"], "case 2");
    EXPECT_EQ(fail["verdict"], "fail");
    EXPECT_EQ(fail["reason"], r.cases[1].reason);
    EXPECT_EQ(fail["steps_planned"], 12);
    EXPECT_EQ(fail["steps_played"], 4);
    EXPECT_DOUBLE_EQ(fail["seconds"].get<double>(), 1.25);
    EXPECT_EQ(fail["client_output_dir"], "out/class-1/case-2");
    const auto& f = *r.cases[1].failure;
    EXPECT_EQ(fail["failure"], (json{{"where", f.where},
                                     {"expected", f.expected},
                                     {"observed", f.observed},
                                     {"allowed", f.allowed},
                                     {"exchange", f.exchange},
                                     {"source", f.source},
                                     {"t_ms", 3200}}));
    EXPECT_EQ(doc["cases"][2]["verdict"], "inconclusive");
    EXPECT_EQ(doc["cases"][3]["verdict"], "error");
    EXPECT_EQ(doc["coverage"]["exercised"],
              json::parse(R"({"BsFinishing+bs_finish->RegPending":2,"Initial+power_on->BsPending":3})"));
    EXPECT_EQ(doc["coverage"]["never_fired"], json(r.never_fired));
    EXPECT_EQ(doc["coverage"]["exercised_count"], 2);
    EXPECT_EQ(doc["coverage"]["transition_count"], 3);
    EXPECT_EQ(doc["notes"], json(r.notes));
}

TEST(RenderJson, IsPrettyPrintedWithIndentTwo) {
    const auto text = render_json(sample_report());

    EXPECT_EQ(text.rfind("{\n  \"cases\": [\n    {\n      \"client_output_dir\": ", 0), 0U);
    EXPECT_EQ(text.back(), '\n');
}

TEST(RenderJson, ReplacesInvalidUtf8InsteadOfThrowing) {
    auto r = sample_report();
    r.cases[0].log.push_back(kHostile);
    r.notes.push_back("\xff");

    std::string text;
    ASSERT_NO_THROW(text = render_json(r));
    const auto doc = json::parse(text);

    const auto logged = doc["cases"][0]["log"].back().get<std::string>();
    EXPECT_EQ(logged.substr(0, 12), "<a href=\"x\">");
    EXPECT_NE(logged.find("\x1b[31m ]]> \r\n\t end \xEF\xBF\xBD\xEF\xBF\xBD"), std::string::npos);
    EXPECT_EQ(doc["notes"].back(), "\xEF\xBF\xBD");
}

TEST(RenderJunit, HasOneSuitePerClassAndOneCasePerCase) {
    const auto r = sample_report();

    const auto root = parse_xml(render_junit(r));

    EXPECT_EQ(root.name, "testsuites");
    EXPECT_EQ(root.attributes.at("tests"), "4");
    EXPECT_EQ(root.attributes.at("failures"), "1");
    EXPECT_EQ(root.attributes.at("errors"), "1");
    EXPECT_EQ(root.attributes.at("skipped"), "1");
    EXPECT_EQ(root.attributes.at("time"), "2.600");
    ASSERT_EQ(root.children.size(), 2U);
    const auto& first = root.children[0];
    EXPECT_EQ(first.name, "testsuite");
    EXPECT_EQ(first.attributes.at("name"), "class 1: factory=true, smartcard=false");
    EXPECT_EQ(first.attributes.at("tests"), "2");
    EXPECT_EQ(first.attributes.at("failures"), "1");
    EXPECT_EQ(first.attributes.at("time"), "2.050");
    ASSERT_EQ(first.children.size(), 2U);
    const auto& pass = first.children[0];
    EXPECT_EQ(pass.name, "testcase");
    EXPECT_EQ(pass.attributes.at("classname"), first.attributes.at("name"));
    EXPECT_EQ(pass.attributes.at("name"), "case 1");
    EXPECT_EQ(pass.attributes.at("time"), "0.800");
    EXPECT_EQ(pass.child("failure"), nullptr);
    ASSERT_NE(pass.child("system-out"), nullptr);
    EXPECT_EQ(pass.child("system-out")->text, "step 0: sent Bootstrap-Request\nstep 1: Bootstrap-Finish\n");
    const auto* failure = first.children[1].child("failure");
    ASSERT_NE(failure, nullptr);
    EXPECT_EQ(failure->attributes.at("message"), r.cases[1].reason);
    EXPECT_NE(failure->text.find("expected: BsFinishing --bs_finish--> RegPending\n"), std::string::npos);
    EXPECT_NE(failure->text.find("    - BsFinishing --bs_timeout--> BsHoldOff\n"), std::string::npos);
    EXPECT_NE(failure->text.find("    -> CON POST /rd?ep=node\n"), std::string::npos);
    const auto& second = root.children[1];
    ASSERT_EQ(second.children.size(), 2U);
    const auto* skipped = second.children[0].child("skipped");
    ASSERT_NE(skipped, nullptr);
    EXPECT_EQ(skipped->attributes.at("message"), "inconclusive: " + r.cases[2].reason);
    const auto* error = second.children[1].child("error");
    ASSERT_NE(error, nullptr);
    EXPECT_EQ(error->attributes.at("message"), r.cases[3].reason);
}

TEST(RenderJunit, EscapesHostileStrings) {
    auto r = sample_report();
    r.model = kHostile;
    r.cases[1].suite = kHostile;
    r.cases[1].name = kHostile;
    r.cases[1].reason = kHostile;
    r.cases[1].failure->observed = kHostile;
    r.cases[1].log = {kHostile, "]]>]]>"};
    // What a reader gets back: markup and tab/LF/CR survive; forbidden controls and invalid bytes become U+FFFD.
    const std::string kept = std::string{"<a href=\"x\">&amp; 'q' \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD[31m ]]> "} +
                             "\r\n\t end \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD(\xEF\xBF\xBD" +
                             "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD ok \xc3\xa9";

    const auto xml = render_junit(r);
    const auto root = parse_xml(xml);

    EXPECT_EQ(xml.find("]]>"), std::string::npos);
    ASSERT_EQ(root.children.size(), 3U);
    const auto& hostile = root.children[1];
    EXPECT_EQ(hostile.attributes.at("name"), kept);
    ASSERT_EQ(hostile.children.size(), 1U);
    const auto& c = hostile.children[0];
    EXPECT_EQ(c.attributes.at("classname"), kept);
    EXPECT_EQ(c.attributes.at("name"), kept);
    ASSERT_NE(c.child("failure"), nullptr);
    EXPECT_EQ(c.child("failure")->attributes.at("message"), kept);
    EXPECT_NE(c.child("failure")->text.find("observed: <a href"), std::string::npos);
    ASSERT_NE(c.child("system-out"), nullptr);
    EXPECT_EQ(c.child("system-out")->text.substr(0, 12), "<a href=\"x\">");
    EXPECT_NE(c.child("system-out")->text.find("]]>]]>\n"), std::string::npos);
}

TEST(RenderJunit, EmptyRunIsWellFormed) {
    const RunReport r;

    const auto root = parse_xml(render_junit(r));

    EXPECT_EQ(root.name, "testsuites");
    EXPECT_EQ(root.attributes.at("tests"), "0");
    EXPECT_TRUE(root.children.empty());
}

TEST(XmlReader, RejectsWhatIsNotWellFormed) {
    // The checker the JUnit tests rely on must be able to fail.
    const std::vector<std::string> bad{
        "<a><b></a></b>", "<a x=\"1\" x=\"2\"/>", "<a>&bogus;</a>", "<a>]]></a>", "<a>\x01</a>",
        "<a>\xff</a>",    "<a x=\"<\"/>",         "<a>&#1;</a>",    "<a/><b/>",   "<a>",
    };

    for (const auto& xml : bad) {
        EXPECT_THROW(XmlReader{xml}.parse(), std::runtime_error) << xml;
    }
}

TEST(RenderJunit, PassesXmllintWhenInstalled) {
    if (std::system("command -v xmllint >/dev/null 2>&1") != 0) {
        GTEST_SKIP() << "xmllint is not installed";
    }
    auto r = sample_report();
    r.cases[1].reason = kHostile;
    r.cases[1].log = {kHostile};
    const auto path = std::filesystem::temp_directory_path() / ("lwm2mc-junit-" + std::to_string(::getpid()) + ".xml");
    std::ofstream{path, std::ios::binary} << render_junit(r);

    const int rc = std::system(("xmllint --noout '" + path.string() + "'").c_str());
    std::filesystem::remove(path);

    EXPECT_EQ(rc, 0);
}

}  // namespace
}  // namespace lwm2mc::conformance
