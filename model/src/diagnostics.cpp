// SPDX-License-Identifier: Apache-2.0
#include "lwm2mc/model/diagnostics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <ostream>
#include <sstream>

#include "detail/diag.hpp"
#include "detail/parser.hpp"

namespace lwm2mc::model {

const char* severity_name(Severity severity) {
    switch (severity) {
    case Severity::Error:
        return "error";
    case Severity::Warning:
        return "warning";
    case Severity::Note:
        return "note";
    }
    return "error";
}

namespace {

void print_caret(std::ostream& out, const SourceRange& range) {
    if (!range.valid()) {
        return;
    }
    std::string_view text = range.file->line_text(range.line);
    std::string gutter = fmt::format("{:>5} | ", range.line);
    out << gutter << text << '\n';
    // columns count bytes; the caret line counts characters (UTF-8 continuation bytes take no cell)
    auto is_cell = [](char c) { return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U; };
    std::string pad;
    for (std::uint32_t i = 1; i < range.col && i - 1 < text.size(); ++i) {
        if (is_cell(text[i - 1])) {
            pad += text[i - 1] == '\t' ? '\t' : ' ';
        }
    }
    std::size_t width = 0;
    for (std::uint32_t i = range.col; i < std::max(range.end_col, range.col + 1) && i - 1 < text.size(); ++i) {
        width += is_cell(text[i - 1]) ? 1 : 0;
    }
    width = std::max<std::size_t>(width, 1);
    out << std::string(gutter.size() - 2, ' ') << "| " << pad << '^' << std::string(width - 1, '~') << '\n';
}

void print_located(std::ostream& out, const SourceRange& range, const char* severity, const std::string& message,
                   const std::string& code, bool verbose) {
    if (range.valid()) {
        out << range.to_string() << ": ";
    } else {
        out << "lwm2mc: ";
    }
    out << severity << ": " << message;
    if (!code.empty()) {
        out << " [" << code << ']';
    }
    out << '\n';
    if (verbose) {
        print_caret(out, range);
    }
}

}  // namespace

void print_diagnostic(std::ostream& out, const Diagnostic& d, bool verbose) {
    print_located(out, d.range, severity_name(d.severity), d.message, d.code, verbose);
    for (const auto& note : d.notes) {
        print_located(out, note.range, "note", note.message, "", verbose);
    }
}

void print_diagnostics(std::ostream& out, const std::vector<Diagnostic>& diagnostics, bool verbose) {
    for (const auto& d : diagnostics) {
        print_diagnostic(out, d, verbose);
    }
}

std::string format_diagnostics(const std::vector<Diagnostic>& diagnostics, bool verbose) {
    std::ostringstream out;
    print_diagnostics(out, diagnostics, verbose);
    return out.str();
}

std::string invalid_model_summary(const std::string& file, const std::vector<Diagnostic>& diagnostics) {
    const auto errors = static_cast<std::size_t>(std::count_if(
        diagnostics.begin(), diagnostics.end(), [](const Diagnostic& d) { return d.severity == Severity::Error; }));
    return fmt::format("{}: invalid model ({} error{})\n", file, errors, errors == 1 ? "" : "s");
}

bool has_errors(const std::vector<Diagnostic>& diagnostics) {
    return std::any_of(diagnostics.begin(), diagnostics.end(),
                       [](const Diagnostic& d) { return d.severity == Severity::Error; });
}

namespace detail::diag {

namespace {

Diagnostic error(const char* code, const SourceRange& at, std::string message) {
    Diagnostic d;
    d.severity = Severity::Error;
    d.code = code;
    d.range = at;
    d.message = std::move(message);
    return d;
}

/// Optimal-string-alignment distance (a swap of two neighbours costs one edit), case-insensitive.
std::size_t edit_distance(std::string_view a, std::string_view b) {
    auto lower = [](char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c); };
    std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i) {
        d[i][0] = i;
    }
    for (std::size_t j = 0; j <= b.size(); ++j) {
        d[0][j] = j;
    }
    for (std::size_t i = 1; i <= a.size(); ++i) {
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) && lower(a[i - 2]) == lower(b[j - 1])) {
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
            }
        }
    }
    return d[a.size()][b.size()];
}

std::string with_suggestion(std::string message, std::string_view name, const std::vector<std::string>& known) {
    std::string best = closest(name, known);
    if (!best.empty()) {
        message += fmt::format("; did you mean '{}'?", best);
    }
    return message;
}

}  // namespace

std::string closest(std::string_view name, const std::vector<std::string>& candidates) {
    // Accept at most a third of the name's length in edits (at least one), and never a candidate
    // that shares nothing with the name (a one-letter name is not "close" to another letter).
    std::string best;
    std::size_t best_distance = std::max<std::size_t>(1, name.size() / 3) + 1;
    for (const auto& c : candidates) {
        std::size_t d = edit_distance(name, c);
        if (d < best_distance && d < name.size() && d < c.size() && c != name) {
            best_distance = d;
            best = c;
        }
    }
    return best;
}

Diagnostic unexpected_token(const SourceRange& at, std::string_view expected, std::string_view got) {
    return error("E001", at, fmt::format("expected {}; got {}", expected, got));
}
Diagnostic syntax(const SourceRange& at, std::string message) {
    return error("E001", at, std::move(message));
}
Diagnostic bad_token(const SourceRange& at, std::string message) {
    return error("E002", at, std::move(message));
}
Diagnostic cannot_read(const SourceRange& at, std::string_view path, std::string_view why) {
    return error("E003", at, fmt::format("cannot read '{}': {}", path, why));
}
Diagnostic include_cycle(const SourceRange& at, std::string_view path) {
    return error("E004", at, fmt::format("'{}' includes itself (directly or through other files)", path));
}
Diagnostic overlay_cycle(const SourceRange& at, std::string_view path) {
    return error("E004", at, fmt::format("'{}' is its own base (directly or through other overlays)", path));
}
Diagnostic misplaced_header(const SourceRange& at, std::string message) {
    return error("E005", at, std::move(message));
}
Diagnostic nested_too_deeply(const SourceRange& at) {
    return error(
        "E006", at,
        fmt::format("expression nested too deeply (more than {} levels of operators and parentheses)", kMaxExprDepth));
}
Diagnostic unknown_state(const SourceRange& at, std::string_view name, const std::vector<std::string>& known) {
    return error("E010", at, with_suggestion(fmt::format("unknown state '{}'", name), name, known));
}
Diagnostic unknown_name(const SourceRange& at, std::string_view name, const std::vector<std::string>& known) {
    return error("E011", at, with_suggestion(fmt::format("unknown name '{}'", name), name, known));
}
Diagnostic unknown_event(const SourceRange& at, std::string_view name, const std::vector<std::string>& known) {
    return error("E012", at,
                 with_suggestion(fmt::format("unknown event '{}' (declare it with 'event {}: ACTOR;')", name, name),
                                 name, known));
}
Diagnostic unknown_actor(const SourceRange& at, std::string_view name) {
    static const std::vector<std::string> kActors = {"client",        "choice", "response", "server_initiative",
                                                     "bs_initiative", "fault",  "operator"};
    return error("E013", at,
                 with_suggestion(fmt::format("unknown actor '{}' (expected one of client, choice, response, "
                                             "server_initiative, bs_initiative, fault, operator)",
                                             name),
                                 name, kActors));
}
Diagnostic type_mismatch(const SourceRange& at, std::string_view context, std::string_view expected,
                         std::string_view got) {
    return error("E020", at, fmt::format("{}: expected {}; got {}", context, expected, got));
}
Diagnostic bad_range(const SourceRange& at, std::string message) {
    return error("E021", at, std::move(message));
}
Diagnostic not_constant(const SourceRange& at, std::string_view what) {
    return error("E022", at, fmt::format("{} must be a constant expression (integer literals and constants)", what));
}
Diagnostic not_assignable(const SourceRange& at, std::string_view kind, std::string_view name) {
    return error("E023", at, fmt::format("cannot assign to {} '{}'; only variables can be updated", kind, name));
}
Diagnostic invalid_reference(const SourceRange& at, std::string_view kind, std::string_view name,
                             std::string_view context) {
    return error("E024", at, fmt::format("{} '{}' cannot be used in {}", kind, name, context));
}
Diagnostic duplicate(const SourceRange& at, std::string_view kind, std::string_view name, const SourceRange& previous,
                     std::string_view previous_kind) {
    Diagnostic d = error("E030", at,
                         previous_kind.empty() || previous_kind == kind
                             ? fmt::format("duplicate {} '{}'", kind, name)
                             : fmt::format("{} '{}' has the name of a {} declared earlier", kind, name, previous_kind));
    d.notes.push_back({previous, fmt::format("'{}' was first declared here", name)});
    return d;
}
Diagnostic missing_initial_state(const SourceRange& at) {
    return error("E031", at, "the model has no initial state (mark one state 'initial')");
}
Diagnostic multiple_initial_states(const SourceRange& at, std::string_view name, std::string_view first,
                                   const SourceRange& previous) {
    Diagnostic d = error("E032", at, fmt::format("state '{}' is marked initial, but '{}' already is", name, first));
    d.notes.push_back({previous, fmt::format("'{}' is marked initial here", first)});
    return d;
}
Diagnostic missing_goal_state(const SourceRange& at) {
    return error("E033", at,
                 "the model has no goal (mark at least one state 'goal', e.g. Registered, or declare 'goal EXPR;')");
}
Diagnostic duplicate_update(const SourceRange& at, std::string_view var, const SourceRange& previous) {
    Diagnostic d = error("E034", at, fmt::format("variable '{}' is assigned twice in one transition", var));
    d.notes.push_back({previous, "first assignment is here"});
    return d;
}
Diagnostic overlay_target_missing(const SourceRange& at, std::string_view kind, std::string_view name,
                                  const std::vector<std::string>& known) {
    if (kind == "goal") {
        return error("E040", at, "the base model has no goal declaration");
    }
    return error("E040", at, with_suggestion(fmt::format("the base model has no {} '{}'", kind, name), name, known));
}
Diagnostic overlay_only(const SourceRange& at, std::string_view what) {
    return error("E041", at, fmt::format("'{}' is only allowed in an overlay (a file starting with 'overlay')", what));
}
Diagnostic ambiguous_row(const SourceRange& at, std::string_view kind, std::string_view row, std::size_t count,
                         bool guard_given) {
    if (kind == "transition") {
        return error("E042", at,
                     fmt::format("'{}' matches {} transitions of the base model; {}", row, count,
                                 guard_given ? "give them labels and name one"
                                             : "add the row's guard in brackets ('SRC + event [GUARD] -> DST') or "
                                               "give the rows labels"));
    }
    return error("E042", at, fmt::format("'{}' names {} {}s of the base model", row, count, kind));
}
Diagnostic event_left_without_transitions(const SourceRange& at, std::string_view event, std::size_t base_rows,
                                          const SourceRange& declared) {
    Diagnostic d;
    d.severity = Severity::Warning;
    d.code = "W043";
    d.range = at;
    d.message = fmt::format("after this, event '{}' has no transitions (the base model has {} {})", event, base_rows,
                            base_rows == 1 ? "row" : "rows");
    d.notes.push_back({declared, fmt::format("'{}' is declared here; remove it too if it is meant to go", event)});
    return d;
}
Diagnostic bad_array_size(const SourceRange& at, std::string message) {
    return error("E050", at, std::move(message));
}
Diagnostic index_not_constant(const SourceRange& at, std::string_view array) {
    return error(
        "E051", at,
        fmt::format("the index of '{}' must be a constant expression (literals, constants and loop indices)", array));
}
Diagnostic index_out_of_range(const SourceRange& at, std::string_view array, std::int64_t index, std::int64_t lo,
                              std::int64_t hi) {
    return error("E052", at, fmt::format("index {} is out of range for '{}' ({}..{})", index, array, lo, hi));
}
Diagnostic array_without_index(const SourceRange& at, std::string_view kind, std::string_view array, std::int64_t lo,
                               std::int64_t hi) {
    return error(
        "E053", at,
        fmt::format("{} '{}' is an array: name one element, '{}[{}]' to '{}[{}]'", kind, array, array, lo, array, hi));
}
Diagnostic not_an_array(const SourceRange& at, std::string_view name) {
    return error("E054", at, fmt::format("'{}' is not an array and cannot be indexed", name));
}
Diagnostic loop_index_clash(const SourceRange& at, std::string_view index, std::string_view what) {
    return error("E055", at, fmt::format("loop index '{}' has the name of {}", index, what));
}
Diagnostic bad_loop(const SourceRange& at, std::string message) {
    return error("E056", at, std::move(message));
}
Diagnostic bad_region(const SourceRange& at, std::string message) {
    return error("E057", at, std::move(message));
}
Diagnostic nonlinear_product(const SourceRange& at) {
    return error("E070", at,
                 "'*' needs a constant operand (literals and constants only): a product of two non-constant "
                 "expressions is not linear");
}
Diagnostic event_set_not_subset(const SourceRange& at, std::string_view event, std::string_view property) {
    return error("E071", at,
                 fmt::format("event '{}' of the 'is' set of property '{}' is not in its 'next' set", event, property));
}
Diagnostic negative_time_bound(const SourceRange& at, std::int64_t value) {
    return error("E072", at, fmt::format("the time bound of 'respond ... within' must not be negative; got {}", value));
}
Diagnostic duplicate_event_in_set(const SourceRange& at, std::string_view event) {
    return error("E073", at, fmt::format("event '{}' is listed twice in one event set", event));
}
Diagnostic too_many_errors(const SourceRange& at, std::size_t limit) {
    return error("E099", at, fmt::format("too many errors ({}); stopping here", limit));
}

Diagnostic named_type_not_enum(const SourceRange& at) {
    return error("E060", at, "a named type must be an enumeration: 'type NAME = enum { A, B };'");
}
Diagnostic unknown_type(const SourceRange& at, std::string_view name, const std::vector<std::string>& known) {
    return error("E061", at, with_suggestion(fmt::format("unknown type '{}'", name), name, known));
}
Diagnostic unknown_peer(const SourceRange& at, std::string_view name) {
    return error("E062", at, fmt::format("unknown peer '{}': expected 'bs' or 'server'", name));
}
Diagnostic actor_takes_no_peer(const SourceRange& at, std::string_view actor) {
    return error("E063", at,
                 fmt::format("actor '{}' takes no peer: only response, server_initiative and fault are qualified "
                             "(bs_initiative is the bootstrap server by definition)",
                             actor));
}
Diagnostic second_goal(const SourceRange& at, const SourceRange& previous) {
    Diagnostic d = error("E064", at, "the model already has a goal declaration; combine the conditions with '&&'");
    d.notes.push_back({previous, "the first goal declaration is here"});
    return d;
}

}  // namespace detail::diag

}  // namespace lwm2mc::model
