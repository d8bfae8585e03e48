// SPDX-License-Identifier: Apache-2.0
// The HTML report: one self-contained file (inline CSS, no script, no external URL) with the summary, the
// findings (conditions, citations, witnesses), figures the caller rendered, the model source with line anchors
// and the comparison with a proposal's base (docs/check-report.md).

#include "lwm2mc/checker/report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <ostream>
#include <string_view>

#include "report_support.hpp"

namespace lwm2mc::checker {

namespace {

constexpr auto esc = detail::escape_markup;

/// The <svg> element of a Graphviz SVG document (without its XML declaration and doctype), with its ids
/// prefixed so that several pictures in one page keep their ids unique. Empty when there is no <svg>.
std::string inline_svg(const std::string& document, const std::string& prefix) {
    const auto start = document.find("<svg");
    if (start == std::string::npos) {
        return {};
    }
    std::string out;
    std::string_view rest{document};
    rest.remove_prefix(start);
    for (std::size_t i = 0; i < rest.size();) {
        if (rest.compare(i, 4, "id=\"") == 0 && i > 0 && (rest[i - 1] == ' ' || rest[i - 1] == '\n')) {
            out += "id=\"" + prefix;
            i += 4;
        } else if (rest.compare(i, 6, "url(#") == 0) {
            out += "url(#" + prefix;
            i += 5;
        } else if (rest.compare(i, 4, "<!--") == 0) {
            // Graphviz comments name nodes and edges; they are noise in a page.
            const auto end = rest.find("-->", i);
            i = end == std::string_view::npos ? rest.size() : end + 3;
        } else {
            out += rest[i];
            ++i;
        }
    }
    return out;
}

/// "1 error", "2 errors".
std::string counted(std::size_t n, const char* noun) {
    return fmt::format("{} {}{}", n, noun, n == 1 ? "" : "s");
}

/// The source files the model's elements come from, main file first: their anchors are `L<line>` for the
/// first and `f<k>-L<line>` for the k-th (k from 2).
class Sources {
public:
    explicit Sources(const model::Model& m) {
        const auto add = [&](const model::SourceRange& r) {
            if (r.valid() && std::find(files_.begin(), files_.end(), r.file) == files_.end()) {
                files_.push_back(r.file);
            }
        };
        for (std::size_t s = 0; s < m.state_count(); ++s) {
            add(m.state(model::StateId{s}).range);
        }
        for (std::size_t t = 0; t < m.transition_count(); ++t) {
            add(m.transition(model::TransitionId{t}).range);
        }
        for (const auto& p : m.properties) {
            add(p.range);
        }
        for (const auto& p : m.event_properties) {
            add(p.range);
        }
        for (const auto& p : m.parameters) {
            add(p.range);
        }
        for (const auto& v : m.variables) {
            add(v.range);
        }
        for (const auto& c : m.constraints) {
            add(c.range);
        }
        for (const auto& e : m.events) {
            add(e.range);
        }
        for (const auto& c : m.constants) {
            add(c.range);
        }
        // Main file first, then the others in the order the model read them.
        const auto rank = [&](const model::SourceFilePtr& f) {
            const auto it = std::find(m.files.begin(), m.files.end(), f->name());
            return it == m.files.end() ? m.files.size() : static_cast<std::size_t>(it - m.files.begin());
        };
        std::stable_sort(files_.begin(), files_.end(), [&](const auto& a, const auto& b) { return rank(a) < rank(b); });
    }

    const std::vector<model::SourceFilePtr>& files() const { return files_; }

    /// The anchor of a line, or empty when the file is not listed.
    std::string anchor(const model::SourceRange& r) const {
        if (!r.valid()) {
            return {};
        }
        for (std::size_t i = 0; i < files_.size(); ++i) {
            if (files_[i] == r.file || files_[i]->name() == r.file->name()) {
                return anchor(i, r.line);
            }
        }
        return {};
    }

    static std::string anchor(std::size_t file, std::uint32_t line) {
        return file == 0 ? fmt::format("L{}", line) : fmt::format("f{}-L{}", file + 1, line);
    }

private:
    std::vector<model::SourceFilePtr> files_{};
};

constexpr const char* kStyle = R"(
:root { --err: #b00020; --warn: #a15c00; --note: #2f5f8a; --line: #d8dce3; --soft: #f5f7fa; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2330; margin: 0; }
header { background: #1d2330; color: #fff; padding: 14px 24px; }
header h1 { font-size: 20px; margin: 0 0 4px; }
header p { margin: 0; color: #c7ccd6; }
nav { padding: 8px 24px; border-bottom: 1px solid var(--line); background: var(--soft); }
nav a { margin-right: 16px; }
main { padding: 0 24px 40px; max-width: 1200px; }
h2 { border-bottom: 1px solid var(--line); padding-bottom: 4px; margin-top: 28px; }
a { color: #1f5fbf; text-decoration: none; } a:hover { text-decoration: underline; }
code, .mono { font: 13px/1.4 ui-monospace, "DejaVu Sans Mono", Menlo, monospace; }
.counts span { display: inline-block; padding: 2px 10px; border-radius: 10px; margin-right: 8px; color: #fff; }
.error { background: var(--err); } .warning { background: var(--warn); } .note { background: var(--note); }
.undecided { background: #6b6f7a; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: var(--soft); }
.finding { border: 1px solid var(--line); border-left: 6px solid var(--note); border-radius: 4px; padding: 10px 14px;
  margin: 14px 0; }
.finding.sev-error { border-left-color: var(--err); } .finding.sev-warning { border-left-color: var(--warn); }
.finding h3 { margin: 0 0 6px; font-size: 16px; }
.badge { font-size: 12px; padding: 1px 8px; border-radius: 9px; color: #fff; vertical-align: 2px; margin-right: 6px; }
.meta { color: #4a5262; font-size: 13px; }
.cite { margin: 6px 0; padding: 4px 10px; background: var(--soft); border-radius: 3px; }
.cite .ref { font-weight: 600; }
table.witness td, table.witness th { padding: 2px 8px; font-size: 13px; }
table.witness td:first-child { color: #6b6f7a; text-align: right; }
table.witness td.ref { font-style: italic; }
table.witness td.step { white-space: nowrap; }
.notes { color: #4a5262; font-size: 13px; margin: 4px 0; }
details { margin-top: 8px; } summary { cursor: pointer; color: #1f5fbf; }
figure { margin: 8px 0; overflow-x: auto; border: 1px solid var(--line); padding: 6px; background: #fff; }
figure svg { max-width: 100%; height: auto; }
pre.source { border: 1px solid var(--line); background: var(--soft); padding: 6px 0; overflow-x: auto; margin: 0; }
pre.source span.l { display: block; padding: 0 10px; white-space: pre; }
pre.source span.l:target { background: #fff3b0; }
pre.source a.ln { display: inline-block; width: 3.5em; color: #8a90a0; text-align: right; margin-right: 12px;
  user-select: none; }
.change-new, .change-widened, .change-changed { color: var(--err); font-weight: 600; }
.change-resolved, .change-narrowed { color: #1b7f3b; font-weight: 600; }
)";

class Html {
public:
    Html(std::ostream& out, const ReportInput& input, const HtmlFigures& figures)
        : out_{out}, input_{input}, figures_{figures}, citer_{input}, sources_{input.model} {}

    void print() {
        const CheckResult& r = input_.result;
        out_ << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
             << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
             << fmt::format("<title>lwm2mc check: {}</title>\n", esc(r.model_name)) << "<style>" << kStyle
             << "</style>\n</head>\n<body>\n";
        header();
        out_ << "<main>\n";
        summary();
        findings();
        if (input_.diff) {
            comparison(*input_.diff);
        }
        if (!figures_.overview_svg.empty() || !figures_.note.empty()) {
            out_ << "<h2 id=\"diagram\">Diagram</h2>\n";
            if (!figures_.note.empty()) {
                out_ << "<p class=\"meta\">" << esc(figures_.note) << "</p>\n";
            }
            if (!figures_.overview_svg.empty()) {
                out_ << "<p class=\"meta\">The model with every finding marked (legend in the picture).</p>\n"
                     << "<figure>" << inline_svg(figures_.overview_svg, "overview-") << "</figure>\n";
            }
        }
        source();
        out_ << "</main>\n</body>\n</html>\n";
    }

private:
    void header() {
        const CheckResult& r = input_.result;
        out_ << "<header>\n" << fmt::format("<h1>lwm2mc check: {}</h1>\n", esc(r.model_name));
        if (!input_.model.title.empty()) {
            out_ << fmt::format("<p>{}</p>\n", esc(input_.model.title));
        }
        out_ << "</header>\n<nav><a href=\"#summary\">Summary</a><a href=\"#findings\">Findings</a>";
        if (input_.diff) {
            out_ << "<a href=\"#comparison\">Comparison</a>";
        }
        if (!figures_.overview_svg.empty()) {
            out_ << "<a href=\"#diagram\">Diagram</a>";
        }
        out_ << "<a href=\"#source\">Model source</a></nav>\n";
    }

    /// A location as a link to its source line: the file's name, line and column shown, the whole path as title.
    std::string line_link(const model::SourceRange& range) const {
        const std::string anchor = sources_.anchor(range);
        if (anchor.empty()) {
            return "<code>" + esc(detail::location(range)) + "</code>";
        }
        const std::string& name = range.file->name();
        const auto slash = name.find_last_of('/');
        const std::string shown = slash == std::string::npos ? name : name.substr(slash + 1);
        return fmt::format("<a class=\"mono\" href=\"#{}\" title=\"{}\">{}:{}:{}</a>", anchor,
                           esc(detail::location(range)), esc(shown), range.line, range.col);
    }

    void summary() {
        const CheckResult& r = input_.result;
        out_ << "<h2 id=\"summary\">Summary</h2>\n<p class=\"counts\">"
             << fmt::format("<span class=\"error\">{}</span><span class=\"warning\">{}</span>"
                            "<span class=\"note\">{}</span>",
                            counted(detail::count(r, Severity::Error), "error"),
                            counted(detail::count(r, Severity::Warning), "warning"),
                            counted(detail::count(r, Severity::Note), "note"));
        if (!r.unknown.empty()) {
            out_ << fmt::format("<span class=\"undecided\">{} undecided</span>", r.unknown.size());
        }
        out_ << "</p>\n<table>\n";
        out_ << fmt::format("<tr><th>model</th><td><code>{}</code>{}</td></tr>\n", esc(r.model_name),
                            input_.model.base_name.empty()
                                ? std::string{}
                                : fmt::format(" (overlay on <code>{}</code>)", esc(input_.model.base_name)));
        out_ << fmt::format("<tr><th>engine</th><td>{}{}</td></tr>\n", esc(engine_name(r.engine)),
                            r.engine_reason.empty() ? std::string{} : " — " + esc(r.engine_reason));
        if (r.symbolic && r.configurations == 0) {
            out_ << "<tr><th>configurations</th><td>every configuration at once (symbolic)</td></tr>\n";
        } else {
            out_ << fmt::format("<tr><th>configurations</th><td>{}, {} product states</td></tr>\n",
                                esc(detail::configurations_text(r)), r.product_states);
        }
        out_ << "</table>\n";
        if (!r.unknown.empty()) {
            out_ << "<p><strong>Not decided</strong> (never read as “no finding”):</p>\n<ul>\n";
            for (const auto& u : r.unknown) {
                out_ << "<li>" << esc(u) << "</li>\n";
            }
            out_ << "</ul>\n";
        }
        if (r.findings.empty()) {
            return;
        }
        out_ << "<table>\n<tr><th>#</th><th>severity</th><th>finding</th><th>where</th><th>condition</th>"
                "<th>ref</th></tr>\n";
        for (std::size_t i = 0; i < r.findings.size(); ++i) {
            const Finding& f = r.findings[i];
            std::string refs;
            for (const Citation& c : citer_.of(f)) {
                if (!c.ref.empty()) {
                    refs += (refs.empty() ? "" : "; ") + esc(c.ref);
                }
            }
            const char* sev = model::severity_name(f.severity);
            out_ << fmt::format("<tr><td><a href=\"#finding-{0}\">{0}</a></td><td><span class=\"badge {1}\">{1}</span>"
                                "</td><td>{2} <code>[{3}]</code></td><td>{4}</td><td><code>{5}</code></td>"
                                "<td>{6}</td></tr>\n",
                                i + 1, sev, esc(f.message), esc(finding_code(f.kind)), line_link(f.range),
                                esc(f.condition.to_string()), refs.empty() ? "—" : refs);
        }
        out_ << "</table>\n";
    }

    void citations_html(const std::vector<Citation>& cited) {
        for (const Citation& c : cited) {
            out_ << fmt::format("<div class=\"cite\">{} <code>{}</code> at {}", esc(c.element), esc(c.name),
                                line_link(c.range));
            if (!c.ref.empty()) {
                out_ << fmt::format(" — <span class=\"ref\">{}</span>", esc(c.ref));
            }
            if (!c.description.empty()) {
                out_ << fmt::format("<br>{}", esc(c.description));
            }
            out_ << "</div>\n";
        }
    }

    void witness_html(const Witness& w, const detail::TransitionOf& transition_of) {
        out_ << fmt::format(
            "<p><strong>Witness</strong>{}:</p>\n<table class=\"witness\">\n"
            "<tr><th>#</th><th>step</th><th>variables changed</th><th>time</th><th>where</th>"
            "<th>ref</th></tr>\n",
            detail::witness_under(w, [&](const std::string& c) { return "<code>" + esc(c) + "</code>"; }));
        out_ << fmt::format("<tr><td>0</td><td><code>{}</code></td><td><code>{}</code></td><td></td><td></td>"
                            "<td></td></tr>\n",
                            esc(w.initial_state), esc(w.initial_vars));
        std::string vars = w.initial_vars;
        for (std::size_t i = 0; i < w.steps.size(); ++i) {
            const TraceStep& s = w.steps[i];
            const model::Transition* t = transition_of(s);
            const std::string changed = detail::changed_vars(vars, s.vars);
            out_ << fmt::format(
                "<tr><td>{}</td><td class=\"step\"><code>{} --{} ({})--&gt; {}</code></td><td><code>{}</code></td>"
                "<td>{}</td><td>{}</td><td class=\"ref\">{}</td></tr>\n",
                i + 1, esc(detail::step_source(s)), esc(s.event), esc(model::qualified_actor_name(s.actor, s.peer)),
                esc(detail::step_target(s)), esc(changed), s.duration > 0 ? fmt::format("+{} s", s.duration) : "",
                line_link(s.range), t != nullptr ? esc(t->ref) : "");
            vars = s.vars;
        }
        out_ << "</table>\n";
        for (const auto& note : w.notes) {
            out_ << "<div class=\"notes\">" << esc(note) << "</div>\n";
        }
    }

    void findings() {
        const CheckResult& r = input_.result;
        out_ << fmt::format("<h2 id=\"findings\">Findings ({})</h2>\n", r.findings.size());
        if (r.findings.empty()) {
            out_ << "<p>No finding.</p>\n";
        }
        for (std::size_t i = 0; i < r.findings.size(); ++i) {
            const Finding& f = r.findings[i];
            const char* sev = model::severity_name(f.severity);
            out_ << fmt::format("<section class=\"finding sev-{0}\" id=\"finding-{1}\">\n<h3>{1}. <span class=\"badge "
                                "{0}\">{0}</span>{2} <code>[{3}]</code></h3>\n",
                                sev, i + 1, esc(f.message), esc(finding_code(f.kind)));
            out_ << fmt::format("<div class=\"meta\">id <code>{}</code> · at {}", esc(f.id), line_link(f.range));
            out_ << "</div>\n";
            out_ << fmt::format("<p>When <code>{}</code>{}</p>\n", esc(f.condition.to_string()),
                                f.configurations
                                    ? fmt::format(" ({} of {} configurations)", f.configurations, r.configurations)
                                    : std::string{});
            citations_html(citer_.of(f));
            if (f.witness) {
                witness_html(*f.witness, [&](const TraceStep& s) { return citer_.step(s); });
                const auto svg = figures_.witness_svg.find(f.id);
                if (svg != figures_.witness_svg.end()) {
                    out_ << "<details><summary>Diagram with this witness drawn</summary>\n<figure>"
                         << inline_svg(svg->second, fmt::format("w{}-", i + 1)) << "</figure></details>\n";
                }
            }
            out_ << "</section>\n";
        }
    }

    void comparison(const ProposalDiff& diff) {
        out_ << fmt::format("<h2 id=\"comparison\">Compared with the base model <code>{}</code></h2>\n<p>",
                            esc(diff.base_name));
        for (Change k : {Change::New, Change::Widened, Change::Changed, Change::Narrowed, Change::Resolved,
                         Change::Unchanged, Change::Undecided}) {
            out_ << fmt::format("{} {}{} ", diff.of(k).size(), change_name(k), k == Change::Undecided ? "" : ",");
        }
        out_ << "</p>\n<table>\n<tr><th>change</th><th>finding</th><th>was when</th><th>now when</th>"
                "<th>difference</th><th>ref</th></tr>\n";
        // What changed first, in the order the text report lists it; the unchanged ones last.
        std::vector<const FindingChange*> rows;
        for (Change k : {Change::New, Change::Widened, Change::Changed, Change::Narrowed, Change::Resolved,
                         Change::Undecided, Change::Unchanged}) {
            const auto of = diff.of(k);
            rows.insert(rows.end(), of.begin(), of.end());
        }
        for (const FindingChange* row : rows) {
            const FindingChange& c = *row;
            const Finding& f = detail::shown(c);
            std::string difference;
            if (!c.now_also.never() && c.change != Change::New) {
                difference += "now also when <code>" + esc(c.now_also.to_string()) + "</code>";
                if (!c.now_also_configuration.empty()) {
                    difference += " (e.g. <code>" + esc(c.now_also_configuration) + "</code>)";
                }
            }
            if (!c.no_longer.never() && c.change != Change::Resolved) {
                difference += std::string(difference.empty() ? "" : "; ") + "no longer when <code>" +
                              esc(c.no_longer.to_string()) + "</code>";
                if (!c.no_longer_configuration.empty()) {
                    difference += " (e.g. <code>" + esc(c.no_longer_configuration) + "</code>)";
                }
            }
            if (!c.why_undecided.empty()) {
                difference += esc(c.why_undecided);
            }
            std::string refs;
            for (const Citation& cited : citer_.of(c)) {
                if (!cited.ref.empty()) {
                    refs += (refs.empty() ? "" : "; ") + esc(cited.ref);
                }
            }
            // A finding the proposal has links to its card; a resolved one to where the base had it.
            std::string finding = fmt::format("{} <code>[{}]</code><br><code class=\"meta\">{}</code>", esc(f.message),
                                              esc(finding_code(f.kind)), esc(c.id));
            if (c.proposal) {
                const auto& all = input_.result.findings;
                const auto it = std::find_if(all.begin(), all.end(), [&](const Finding& g) { return g.id == c.id; });
                if (it != all.end()) {
                    finding = fmt::format("<a href=\"#finding-{}\">{}</a>", it - all.begin() + 1, finding);
                }
            }
            out_ << fmt::format("<tr><td class=\"change-{0}\">{0}</td><td>{1}</td><td>{2}</td><td>{3}</td>"
                                "<td>{4}</td><td>{5}</td></tr>\n",
                                change_name(c.change), finding,
                                c.base ? "<code>" + esc(c.base->condition.to_string()) + "</code>" : "—",
                                c.proposal ? "<code>" + esc(c.proposal->condition.to_string()) + "</code>" : "—",
                                difference.empty() ? "—" : difference, refs.empty() ? "—" : refs);
        }
        out_ << "</table>\n";
        for (const auto& u : diff.unknown) {
            out_ << "<p>Not decided: " << esc(u) << "</p>\n";
        }
    }

    void source() {
        out_ << "<h2 id=\"source\">Model source</h2>\n";
        const auto& files = sources_.files();
        for (std::size_t i = 0; i < files.size(); ++i) {
            const model::SourceFile& file = *files[i];
            out_ << fmt::format("<h3 class=\"mono\">{}</h3>\n<pre class=\"source\">", esc(file.name()));
            for (std::uint32_t line = 1; line <= file.line_count(); ++line) {
                const std::string anchor = Sources::anchor(i, line);
                out_ << fmt::format("<span class=\"l\" id=\"{0}\"><a class=\"ln\" href=\"#{0}\">{1}</a>{2}</span>",
                                    anchor, line, esc(file.line_text(line)));
            }
            out_ << "</pre>\n";
        }
    }

    std::ostream& out_;
    const ReportInput& input_;
    const HtmlFigures& figures_;
    detail::Citer citer_;
    Sources sources_;
};

}  // namespace

void print_html(std::ostream& out, const ReportInput& input, const HtmlFigures& figures) {
    Html{out, input, figures}.print();
}

}  // namespace lwm2mc::checker
