// SPDX-License-Identifier: Apache-2.0
#include "lwm2mc/conformance/report.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>

namespace lwm2mc::conformance {

namespace {

/// Appends U+FFFD (the replacement character) in UTF-8.
void append_replacement(std::string& out) {
    out += "\xEF\xBF\xBD";
}

/// Decodes the UTF-8 sequence at s[i]; returns its length and code point, or length 0 when it is not a valid,
/// shortest-form sequence of a Unicode scalar value (RFC 3629 section 4).
std::size_t decode_utf8(std::string_view s, std::size_t i, char32_t& cp) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    std::size_t len = 0;
    char32_t min = 0;
    if (b0 < 0x80) {
        cp = b0;
        return 1;
    }
    if ((b0 & 0xE0U) == 0xC0U) {
        len = 2;
        cp = b0 & 0x1FU;
        min = 0x80;
    } else if ((b0 & 0xF0U) == 0xE0U) {
        len = 3;
        cp = b0 & 0x0FU;
        min = 0x800;
    } else if ((b0 & 0xF8U) == 0xF0U) {
        len = 4;
        cp = b0 & 0x07U;
        min = 0x10000;
    } else {
        return 0;
    }
    if (i + len > s.size()) {
        return 0;
    }
    for (std::size_t k = 1; k < len; ++k) {
        const auto b = static_cast<unsigned char>(s[i + k]);
        if ((b & 0xC0U) != 0x80U) {
            return 0;
        }
        cp = (cp << 6U) | (b & 0x3FU);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return 0;
    }
    return len;
}

/// Valid UTF-8 with each invalid byte replaced by U+FFFD.
template <typename OnChar>
void for_each_char(std::string_view s, OnChar&& on_char) {
    std::size_t i = 0;
    while (i < s.size()) {
        char32_t cp = 0;
        const auto len = decode_utf8(s, i, cp);
        if (len == 0) {
            on_char(char32_t{0xFFFD}, std::string_view{"\xEF\xBF\xBD"});
            ++i;
            continue;
        }
        on_char(cp, s.substr(i, len));
        i += len;
    }
}

/// One line for a terminal: valid UTF-8, control characters (which would move the cursor or recolour the
/// terminal) shown as \n, \t, \xNN.
std::string printable(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for_each_char(s, [&](char32_t cp, std::string_view bytes) {
        if (cp == '\n') {
            out += "\\n";
        } else if (cp == '\r') {
            out += "\\r";
        } else if (cp == '\t') {
            out += "\\t";
        } else if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0)) {
            out += fmt::format("\\x{:02x}", static_cast<std::uint32_t>(cp));
        } else {
            out += bytes;
        }
    });
    return out;
}

/// XML 1.0 character data or attribute value: markup characters escaped, characters XML 1.0 forbids (C0
/// controls other than tab, LF and CR; U+FFFE, U+FFFF) and invalid UTF-8 replaced by U+FFFD. In attributes,
/// tab, LF and CR become character references so that attribute-value normalization keeps them.
std::string xml_escape(std::string_view s, bool attribute) {
    std::string out;
    out.reserve(s.size());
    for_each_char(s, [&](char32_t cp, std::string_view bytes) {
        switch (cp) {
        case '<':
            out += "&lt;";
            return;
        case '>':
            out += "&gt;";  // also keeps "]]>" out of character data
            return;
        case '&':
            out += "&amp;";
            return;
        case '"':
            out += attribute ? "&quot;" : "\"";
            return;
        case '\'':
            out += attribute ? "&apos;" : "'";
            return;
        case '\t':
            out += attribute ? "&#9;" : "\t";
            return;
        case '\n':
            out += attribute ? "&#10;" : "\n";
            return;
        case '\r':
            out += "&#13;";  // a literal CR would be folded into LF by the parser
            return;
        default:
            break;
        }
        if (cp < 0x20 || cp == 0xFFFE || cp == 0xFFFF) {
            append_replacement(out);
        } else {
            out += bytes;
        }
    });
    return out;
}

std::string upper_verdict(Verdict v) {
    std::string s{verdict_name(v)};
    std::transform(s.begin(), s.end(), s.begin(), [](char c) { return static_cast<char>(c - 'a' + 'A'); });
    return s;
}

/// "class 1" of the suite "class 1: factory=true, ..."; a capture file stays whole.
std::string_view short_suite(std::string_view suite) {
    const auto colon = suite.find(": ");
    return colon == std::string_view::npos ? suite : suite.substr(0, colon);
}

std::string case_title(const CaseReport& c) {
    const auto suite = short_suite(c.suite);
    return suite.empty() ? c.name : std::string{suite} + " " + c.name;
}

std::string steps_text(const CaseReport& c) {
    if (c.verdict == Verdict::Pass || c.steps_played == c.steps_planned) {
        return fmt::format("{} step{}", c.steps_planned, c.steps_planned == 1 ? "" : "s");
    }
    return fmt::format("{} of {} steps", c.steps_played, c.steps_planned);
}

/// The failure block of a case, one line each (not yet escaped for any output), shared by the text and JUnit
/// renderers.
std::vector<std::string> failure_block(const CaseReport& c) {
    std::vector<std::string> lines;
    auto list = [&](const char* title, const std::vector<std::string>& items, const char* bullet) {
        if (items.empty()) {
            return;
        }
        lines.push_back(std::string{title} + ":");
        for (const auto& item : items) {
            lines.push_back(std::string{"    "} + bullet + item);
        }
    };
    if (c.failure) {
        const auto& f = *c.failure;
        lines.push_back("where:    " + f.where + fmt::format(" (at {:.3f} s)", static_cast<double>(f.t_ms) / 1000.0));
        lines.push_back("expected: " + f.expected);
        lines.push_back("observed: " + f.observed);
        list("allowed", f.allowed, "- ");
        list("exchange", f.exchange, "");
        list("source", f.source, "");
    }
    if (!c.reason.empty()) {
        lines.push_back("reason:   " + c.reason);
    }
    if (!c.client_output_dir.empty()) {
        lines.push_back("client output: " + c.client_output_dir);
    }
    return lines;
}

std::size_t fired_count(const RunReport& r) {
    return static_cast<std::size_t>(
        std::count_if(r.exercised.begin(), r.exercised.end(), [](const auto& kv) { return kv.second > 0; }));
}

/// Transitions of the model: those the run counted plus those it never fired (each once).
std::size_t transition_count(const RunReport& r) {
    std::size_t n = r.exercised.size();
    for (const auto& t : r.never_fired) {
        if (r.exercised.count(t) == 0) {
            ++n;
        }
    }
    return n;
}

std::string seconds_text(double s) {
    return fmt::format("{:.3f}", s);
}

}  // namespace

std::string_view verdict_name(Verdict v) {
    switch (v) {
    case Verdict::Pass:
        return "pass";
    case Verdict::Fail:
        return "fail";
    case Verdict::Inconclusive:
        return "inconclusive";
    case Verdict::Error:
        return "error";
    }
    return "error";
}

std::size_t RunReport::count(Verdict v) const {
    return static_cast<std::size_t>(
        std::count_if(cases.begin(), cases.end(), [v](const CaseReport& c) { return c.verdict == v; }));
}

bool RunReport::passed() const {
    return count(Verdict::Fail) == 0 && count(Verdict::Error) == 0;
}

std::string render_text(const RunReport& report) {
    std::string out;
    auto line = [&](const std::string& s) {
        out += s;
        out += '\n';
    };
    line(printable(fmt::format("conformance of '{}' ({} {})", report.model, report.mode, report.input)));
    if (!report.client.empty()) {
        line("client: " + printable(report.client));
    }
    line("");

    for (const auto& c : report.cases) {
        line(printable(
            fmt::format("{} {} ({}, {:.1f} s)", upper_verdict(c.verdict), case_title(c), steps_text(c), c.seconds)));
    }
    for (const auto& c : report.cases) {
        if (c.verdict == Verdict::Pass) {
            continue;
        }
        line("");
        line(printable(upper_verdict(c.verdict) + " " + case_title(c)));
        if (short_suite(c.suite) != c.suite) {
            line("  suite:    " + printable(c.suite));
        }
        for (const auto& l : failure_block(c)) {
            line("  " + printable(l));
        }
    }

    line("");
    line(fmt::format("{} case{}: {} passed, {} failed, {} inconclusive, {} error{} ({:.1f} s)", report.cases.size(),
                     report.cases.size() == 1 ? "" : "s", report.count(Verdict::Pass), report.count(Verdict::Fail),
                     report.count(Verdict::Inconclusive), report.count(Verdict::Error),
                     report.count(Verdict::Error) == 1 ? "" : "s", report.seconds));
    std::string coverage = fmt::format("exercised {} of {} transitions", fired_count(report), transition_count(report));
    if (!report.never_fired.empty()) {
        coverage += "; never fired: ";
        for (std::size_t i = 0; i < report.never_fired.size(); ++i) {
            coverage += (i == 0 ? "" : ", ") + report.never_fired[i];
        }
    }
    line(printable(coverage));
    if (!report.notes.empty()) {
        line("notes:");
        for (const auto& n : report.notes) {
            line("  - " + printable(n));
        }
    }
    line(report.passed() ? "result: passed" : "result: FAILED");
    return out;
}

std::string render_json(const RunReport& report) {
    using nlohmann::json;
    json cases = json::array();
    for (const auto& c : report.cases) {
        json failure = nullptr;
        if (c.failure) {
            const auto& f = *c.failure;
            failure = json{{"where", f.where},     {"expected", f.expected}, {"observed", f.observed},
                           {"allowed", f.allowed}, {"exchange", f.exchange}, {"source", f.source},
                           {"t_ms", f.t_ms}};
        }
        cases.push_back(json{{"suite", c.suite},
                             {"name", c.name},
                             {"verdict", verdict_name(c.verdict)},
                             {"reason", c.reason},
                             {"failure", failure},
                             {"log", c.log},
                             {"steps_planned", c.steps_planned},
                             {"steps_played", c.steps_played},
                             {"seconds", c.seconds},
                             {"client_output_dir", c.client_output_dir}});
    }
    json exercised = json::object();
    for (const auto& [name, n] : report.exercised) {
        exercised[name] = n;
    }
    const json doc{
        {"format", "lwm2mc-conform/1"},
        {"model", report.model},
        {"input", report.input},
        {"mode", report.mode},
        {"client", report.client},
        {"passed", report.passed()},
        {"seconds", report.seconds},
        {"totals",
         {{"cases", report.cases.size()},
          {"pass", report.count(Verdict::Pass)},
          {"fail", report.count(Verdict::Fail)},
          {"inconclusive", report.count(Verdict::Inconclusive)},
          {"error", report.count(Verdict::Error)}}},
        {"cases", cases},
        {"coverage",
         {{"exercised", exercised},
          {"never_fired", report.never_fired},
          {"exercised_count", fired_count(report)},
          {"transition_count", transition_count(report)}}},
        {"notes", report.notes},
    };
    // Client output and packet contents may hold any bytes: invalid UTF-8 becomes U+FFFD instead of a throw.
    return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string render_junit(const RunReport& report) {
    // Suites in order of first appearance, each with its cases in run order.
    std::vector<std::string> suites;
    for (const auto& c : report.cases) {
        if (std::find(suites.begin(), suites.end(), c.suite) == suites.end()) {
            suites.push_back(c.suite);
        }
    }
    auto attr = [](std::string_view s) { return xml_escape(s, true); };
    auto text = [](std::string_view s) { return xml_escape(s, false); };

    double total_time = 0.0;
    for (const auto& c : report.cases) {
        total_time += c.seconds;
    }
    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    out +=
        fmt::format("<testsuites name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{}\">\n",
                    attr("lwm2mc conform " + report.model), report.cases.size(), report.count(Verdict::Fail),
                    report.count(Verdict::Error), report.count(Verdict::Inconclusive),
                    seconds_text(std::max(report.seconds, total_time)));
    for (const auto& suite : suites) {
        std::size_t tests = 0;
        std::size_t failures = 0;
        std::size_t errors = 0;
        std::size_t skipped = 0;
        double time = 0.0;
        for (const auto& c : report.cases) {
            if (c.suite != suite) {
                continue;
            }
            ++tests;
            failures += c.verdict == Verdict::Fail ? 1 : 0;
            errors += c.verdict == Verdict::Error ? 1 : 0;
            skipped += c.verdict == Verdict::Inconclusive ? 1 : 0;
            time += c.seconds;
        }
        out += fmt::format(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{}\">\n",
            attr(suite), tests, failures, errors, skipped, seconds_text(time));
        for (const auto& c : report.cases) {
            if (c.suite != suite) {
                continue;
            }
            out += fmt::format("    <testcase classname=\"{}\" name=\"{}\" time=\"{}\"", attr(c.suite), attr(c.name),
                               seconds_text(c.seconds));
            const bool has_body = c.verdict != Verdict::Pass || !c.log.empty();
            if (!has_body) {
                out += "/>\n";
                continue;
            }
            out += ">\n";
            std::string block;
            for (const auto& l : failure_block(c)) {
                block += l + "\n";
            }
            const std::string message = c.reason.empty() ? std::string{verdict_name(c.verdict)} : c.reason;
            switch (c.verdict) {
            case Verdict::Pass:
                break;
            case Verdict::Fail:
                out += fmt::format("      <failure message=\"{}\" type=\"fail\">{}</failure>\n", attr(message),
                                   text(block));
                break;
            case Verdict::Error:
                out +=
                    fmt::format("      <error message=\"{}\" type=\"error\">{}</error>\n", attr(message), text(block));
                break;
            case Verdict::Inconclusive:
                out += fmt::format("      <skipped message=\"{}\"/>\n", attr("inconclusive: " + message));
                break;
            }
            std::string log;
            for (const auto& l : c.log) {
                log += l + "\n";
            }
            if (c.verdict == Verdict::Inconclusive && !block.empty()) {
                log += block;  // <skipped> has no body in the common JUnit schema; keep the details here
            }
            if (!log.empty()) {
                out += "      <system-out>" + text(log) + "</system-out>\n";
            }
            out += "    </testcase>\n";
        }
        out += "  </testsuite>\n";
    }
    out += "</testsuites>\n";
    return out;
}

}  // namespace lwm2mc::conformance
