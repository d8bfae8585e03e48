// SPDX-License-Identifier: Apache-2.0
#include "lwm2mc/model/loader.hpp"

#include "lwm2mc/model/printer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include "detail/diag.hpp"
#include "detail/expand.hpp"
#include "detail/parser.hpp"
#include "detail/resolve.hpp"

namespace lwm2mc::model {

namespace fs = std::filesystem;

std::optional<std::string> read_file(const std::string& path, std::string& error) {
    constexpr std::uintmax_t kMaxSize = 16U * 1024U * 1024U;
    std::error_code ec;
    auto status = fs::status(path, ec);
    if (ec || !fs::exists(status)) {
        error = "no such file";
        return std::nullopt;
    }
    if (!fs::is_regular_file(status)) {
        error = "not a regular file";
        return std::nullopt;
    }
    auto size = fs::file_size(path, ec);
    if (!ec && size > kMaxSize) {
        error = fmt::format("file is larger than {} bytes", kMaxSize);
        return std::nullopt;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        error = std::strerror(errno);
        return std::nullopt;
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) {
        error = "read error";
        return std::nullopt;
    }
    return text.str();
}

namespace {

using namespace detail;

constexpr std::size_t kMaxIncludeDepth = 32;

std::string source_text(const SourceSyntax& s) {
    switch (s.kind) {
    case SourceSyntax::Kind::Any:
        return "*";
    case SourceSyntax::Kind::One:
        return s.states.empty() ? "" : s.states[0].text;
    case SourceSyntax::Kind::List: {
        std::string out = "{";
        for (std::size_t i = 0; i < s.states.size(); ++i) {
            out += (i ? ", " : "") + s.states[i].text;
        }
        return out + "}";
    }
    }
    return "";
}

std::string row_text(const SourceSyntax& s, const std::string& event, const std::string& target) {
    return fmt::format("{} + {} -> {}", source_text(s), event, target);
}

/// Name under which a declaration can be removed or replaced.
std::string element_name(const Decl& decl) {
    return std::visit(
        [](const auto& body) -> std::string {
            using T = std::decay_t<decltype(body)>;
            if constexpr (std::is_same_v<T, TransitionDecl>) {
                return body.label.text.empty() ? row_text(body.source, body.event.text, body.target.text)
                                               : body.label.text;
            } else if constexpr (std::is_same_v<T, IncludeDecl> || std::is_same_v<T, RemoveDecl> ||
                                 std::is_same_v<T, ForDecl> || std::is_same_v<T, RegionDecl>) {
                return "";
            } else {
                return body.name.text;
            }
        },
        decl.body);
}

/// Where a declaration names its element (the label or name; the source of an unlabelled row).
SourceRange element_name_range(const Decl& decl) {
    return std::visit(
        [&](const auto& body) -> SourceRange {
            using T = std::decay_t<decltype(body)>;
            if constexpr (std::is_same_v<T, TransitionDecl>) {
                return body.label.text.empty() ? body.source.range : body.label.range;
            } else if constexpr (std::is_same_v<T, IncludeDecl> || std::is_same_v<T, RemoveDecl> ||
                                 std::is_same_v<T, ForDecl> || std::is_same_v<T, RegionDecl>) {
                return decl.range;
            } else {
                return body.name.range;
            }
        },
        decl.body);
}

bool is_element(const Decl& decl) {
    return !std::holds_alternative<IncludeDecl>(decl.body) && !std::holds_alternative<RemoveDecl>(decl.body);
}

class Loader {
public:
    Loader(const LoadOptions& options, std::vector<Diagnostic>& diagnostics) : options_{options}, diags_{diagnostics} {}

    /// Loads a main file (model or overlay). `override_base` replaces the base an overlay names.
    std::optional<Program> load_main(const std::string& path, std::optional<std::string> text,
                                     const SourceRange& requested_at, const std::string* override_base = nullptr) {
        if (std::find(base_stack_.begin(), base_stack_.end(), normalized(path)) != base_stack_.end()) {
            diags_.push_back(diag::overlay_cycle(requested_at, path));
            return std::nullopt;
        }
        SourceFilePtr file = open(path, std::move(text), requested_at);
        if (!file) {
            return std::nullopt;
        }
        base_stack_.push_back(normalized(path));
        std::size_t errors_before = error_count();
        FileAst ast = parse_file(file, diags_);
        bool parsed_cleanly = error_count() == errors_before;
        Program program;
        program.files.push_back(path);
        program.header_range = SourceRange{file, 1, 1, 2};
        if (!ast.header) {
            if (parsed_cleanly) {  // after a syntax error the header may just have failed to parse
                diags_.push_back(diag::misplaced_header(
                    SourceRange{file, 1, 1, 2},
                    "expected a 'model NAME;' or 'overlay NAME on \"BASE\";' header at the start of the file"));
            }
            program.name = fs::path(path).stem().string();
        } else {
            program.name = ast.header->name.text;
            program.title = ast.header->doc;
            program.header_range = ast.header->name.range;
        }
        std::set<std::string> included{normalized(path)};
        std::vector<std::string> stack{normalized(path)};
        std::vector<Decl> decls = flatten(std::move(ast.decls), path, stack, included, program.files, 0);

        if (ast.header && (ast.header->overlay || override_base)) {
            std::string base_path = override_base ? *override_base : sibling(path, ast.header->base);
            SourceRange at = override_base ? ast.header->range : ast.header->base_range;
            auto base = load_main(base_path, std::nullopt, at);
            base_stack_.pop_back();
            if (!base) {
                return std::nullopt;
            }
            program.base_name = base->name;
            program.files.insert(program.files.end(), base->files.begin(), base->files.end());
            // the overlay's loops and arrays expand against the base's constants and arrays as well as its own
            ExpandScope scope;
            collect_scope(base->decls, scope);
            collect_scope(decls, scope);
            decls = expand_decls(std::move(decls), scope, diags_);
            program.decls = std::move(base->decls);
            apply_overlay(program.decls, std::move(decls));
            return program;
        }
        base_stack_.pop_back();
        ExpandScope scope;
        collect_scope(decls, scope);
        program.decls = expand_decls(std::move(decls), scope, diags_);
        return program;
    }

private:
    std::size_t error_count() const {
        return static_cast<std::size_t>(std::count_if(
            diags_.begin(), diags_.end(), [](const Diagnostic& d) { return d.severity == Severity::Error; }));
    }

    static std::string normalized(const std::string& path) { return fs::path(path).lexically_normal().string(); }

    static std::string sibling(const std::string& from, const std::string& relative) {
        fs::path rel(relative);
        if (rel.is_absolute()) {
            return rel.lexically_normal().string();
        }
        return (fs::path(from).parent_path() / rel).lexically_normal().string();
    }

    SourceFilePtr open(const std::string& path, std::optional<std::string> text, const SourceRange& requested_at) {
        if (!text) {
            std::string why;
            text = options_.reader ? options_.reader(path, why) : std::nullopt;
            if (!text) {
                if (!options_.reader) {
                    why = "file access is disabled";
                }
                diags_.push_back(diag::cannot_read(requested_at, path, why));
                return nullptr;
            }
        }
        return std::make_shared<SourceFile>(path, std::move(*text));
    }

    std::vector<Decl> flatten(std::vector<Decl> decls, const std::string& path, std::vector<std::string>& stack,
                              std::set<std::string>& included, std::vector<std::string>& files, std::size_t depth) {
        std::vector<Decl> out;
        for (Decl& decl : decls) {
            auto* inc = std::get_if<IncludeDecl>(&decl.body);
            if (!inc) {
                out.push_back(std::move(decl));
                continue;
            }
            std::string target = sibling(path, inc->path);
            if (std::find(stack.begin(), stack.end(), target) != stack.end()) {
                diags_.push_back(diag::include_cycle(inc->path_range, inc->path));
                continue;
            }
            if (included.count(target)) {
                continue;  // include-once
            }
            if (depth >= kMaxIncludeDepth) {
                diags_.push_back(diag::syntax(inc->path_range,
                                              fmt::format("includes nested deeper than {} files", kMaxIncludeDepth)));
                continue;
            }
            SourceFilePtr file = open(target, std::nullopt, inc->path_range);
            if (!file) {
                continue;
            }
            included.insert(target);
            files.push_back(target);
            FileAst ast = parse_file(file, diags_);
            if (ast.header) {
                diags_.push_back(diag::misplaced_header(
                    ast.header->range, fmt::format("an included file cannot have {} header",
                                                   ast.header->overlay ? "an 'overlay'" : "a 'model'")));
            }
            stack.push_back(target);
            auto inner = flatten(std::move(ast.decls), target, stack, included, files, depth + 1);
            stack.pop_back();
            for (Decl& d : inner) {
                out.push_back(std::move(d));
            }
        }
        return out;
    }

    std::vector<std::string> names_of_kind(const std::vector<Decl>& base, ElementKind kind) {
        std::vector<std::string> names;
        for (const Decl& d : base) {
            if (is_element(d) && decl_kind(d) == kind) {
                names.push_back(element_name(d));
            }
        }
        return names;
    }

    /// The guard of a row as `lwm2mc fmt` prints it; a row without a guard has the guard `true`.
    static std::string guard_text(const ExprPtr& guard) { return guard ? format_expr(*guard) : "true"; }

    /// Indices of base declarations that a removal or replacement names. `guard`, when given, is the
    /// canonical text of the guard a row must have (rows named by `Src + event [guard] -> Dst`).
    std::vector<std::size_t> matches(const std::vector<Decl>& base, ElementKind kind, const std::string& name,
                                     const std::optional<std::string>& guard) {
        std::vector<std::size_t> found;
        for (std::size_t i = 0; i < base.size(); ++i) {
            if (!is_element(base[i]) || decl_kind(base[i]) != kind) {
                continue;
            }
            bool hit = !guard && element_name(base[i]) == name;
            if (auto* t = std::get_if<TransitionDecl>(&base[i].body)) {
                // a labelled row can also be named by its "Src + event -> Dst" text
                hit = hit || row_text(t->source, t->event.text, t->target.text) == name;
                hit = hit && (!guard || guard_text(t->guard) == *guard);
            }
            if (hit) {
                found.push_back(i);
            }
        }
        return found;
    }

    bool match_one(const std::vector<Decl>& base, ElementKind kind, const std::string& name, const SourceRange& at,
                   std::size_t& index, const std::optional<std::string>& guard = std::nullopt) {
        auto found = matches(base, kind, name, guard);
        std::string shown = name;
        if (guard) {  // "Src + event [guard] -> Dst"
            shown.insert(shown.find(" -> "), " [" + *guard + "]");
        }
        if (found.empty()) {
            diags_.push_back(
                diag::overlay_target_missing(at, element_kind_name(kind), shown, names_of_kind(base, kind)));
            return false;
        }
        if (found.size() > 1) {
            diags_.push_back(diag::ambiguous_row(at, element_kind_name(kind), shown, found.size(), guard.has_value()));
            return false;
        }
        index = found.front();
        return true;
    }

    /// Finds the base row a `remove transition REF;` or `replace transition REF with ROW;` names.
    bool match_row_ref(const std::vector<Decl>& base, const RemoveDecl& r, std::size_t& index) {
        bool row = r.name.text.empty();
        std::string name = row ? row_text(r.row_source, r.row_event.text, r.row_target.text) : r.name.text;
        SourceRange at = row ? r.row_source.range : r.name.range;
        std::optional<std::string> guard;
        if (row && r.row_guard) {
            guard = guard_text(r.row_guard);
        }
        return match_one(base, r.kind, name, at, index, guard);
    }

    /// Rows per event name (a `*` or `{...}` row counts once).
    static std::map<std::string, std::size_t> rows_per_event(const std::vector<Decl>& decls) {
        std::map<std::string, std::size_t> rows;
        for (const Decl& d : decls) {
            if (const auto* t = std::get_if<TransitionDecl>(&d.body)) {
                ++rows[t->event.text];
            }
        }
        return rows;
    }

    /// W043: an event that has rows in the base and none once the overlay is applied, while it is
    /// still declared. Reported at the overlay declaration that took its last row away.
    void warn_emptied_events(const std::vector<Decl>& result, const std::map<std::string, std::size_t>& base_rows,
                             const std::map<std::string, SourceRange>& emptied_at) {
        auto rows = rows_per_event(result);
        for (const auto& [event, at] : emptied_at) {
            if (rows.count(event)) {
                continue;  // the overlay added rows for it again
            }
            for (const Decl& d : result) {
                const auto* e = std::get_if<EventDecl>(&d.body);
                if (e && e->name.text == event) {
                    diags_.push_back(
                        diag::event_left_without_transitions(at, event, base_rows.at(event), e->name.range));
                    break;
                }
            }
        }
    }

    void remove_state_references(std::vector<Decl>& base, const std::string& state) {
        std::vector<Decl> kept;
        for (Decl& d : base) {
            if (auto* t = std::get_if<TransitionDecl>(&d.body)) {
                if (t->target.text == state) {
                    continue;
                }
                auto& states = t->source.states;
                states.erase(
                    std::remove_if(states.begin(), states.end(), [&](const Name& n) { return n.text == state; }),
                    states.end());
                if (t->source.kind != SourceSyntax::Kind::Any && states.empty()) {
                    continue;
                }
            }
            kept.push_back(std::move(d));
        }
        base = std::move(kept);
    }

    /// `remove region NAME;`: one instance (`srv[2]`, or a region without instances) or every instance of a
    /// declaration (`srv`), with the variable holding its state and the rows it compiled to. What else names the
    /// instance (a guard, a property) must be removed or replaced too, as after `remove var`.
    bool remove_region(std::vector<Decl>& base, const Name& name) {
        std::set<std::string> instances;
        std::vector<std::string> known;
        for (const Decl& d : base) {
            if (const auto* r = std::get_if<RegionDecl>(&d.body); r && !r->machine.empty()) {
                if (r->name.text == name.text || r->machine == name.text) {
                    instances.insert(r->name.text);
                }
                if (std::find(known.begin(), known.end(), r->machine) == known.end()) {
                    known.push_back(r->machine);
                }
                if (r->machine != r->name.text) {
                    known.push_back(r->name.text);
                }
            }
        }
        if (instances.empty()) {
            diags_.push_back(diag::overlay_target_missing(name.range, "region", name.text, known));
            return false;
        }
        base.erase(std::remove_if(base.begin(), base.end(),
                                  [&](const Decl& d) {
                                      if (const auto* r = std::get_if<RegionDecl>(&d.body)) {
                                          return !r->machine.empty() && instances.count(r->name.text) > 0;
                                      }
                                      if (const auto* v = std::get_if<VarDecl>(&d.body)) {
                                          return instances.count(v->name.text) > 0;
                                      }
                                      if (const auto* t = std::get_if<TransitionDecl>(&d.body)) {
                                          return instances.count(t->region) > 0;
                                      }
                                      return false;
                                  }),
                   base.end());
        return true;
    }

    void apply_overlay(std::vector<Decl>& base, std::vector<Decl> overlay) {
        const auto base_rows = rows_per_event(base);
        std::map<std::string, SourceRange> emptied_at;
        auto note_emptied = [&](const SourceRange& at) {
            auto now = rows_per_event(base);
            for (const auto& [event, count] : base_rows) {
                if (count > 0 && !now.count(event) && !emptied_at.count(event)) {
                    emptied_at.emplace(event, at);
                }
            }
        };
        for (Decl& decl : overlay) {
            if (auto* r = std::get_if<RemoveDecl>(&decl.body)) {
                std::size_t index = 0;
                if (r->kind == ElementKind::Transition) {
                    if (match_row_ref(base, *r, index)) {
                        base.erase(base.begin() + static_cast<std::ptrdiff_t>(index));
                        note_emptied(decl.range);
                    }
                    continue;
                }
                if (r->kind == ElementKind::Region) {
                    if (remove_region(base, r->name)) {
                        note_emptied(decl.range);
                    }
                    continue;
                }
                if (!match_one(base, r->kind, r->name.text, r->name.range, index)) {
                    continue;
                }
                base.erase(base.begin() + static_cast<std::ptrdiff_t>(index));
                if (r->kind == ElementKind::State) {
                    remove_state_references(base, r->name.text);
                    note_emptied(decl.range);
                }
                continue;
            }
            if (decl.replaces) {
                std::size_t index = 0;
                if (!match_row_ref(base, *decl.replaces, index)) {
                    continue;
                }
                decl.replace = false;
                decl.replaces.reset();
                base[index] = std::move(decl);
                note_emptied(base[index].range);
                continue;
            }
            if (decl.replace) {
                ElementKind kind = decl_kind(decl);
                std::string name = element_name(decl);
                SourceRange at = element_name_range(decl);
                std::size_t index = 0;
                if (!match_one(base, kind, name, at, index)) {
                    continue;
                }
                decl.replace = false;
                base[index] = std::move(decl);
                note_emptied(base[index].range);  // a labelled row may move to another event
                continue;
            }
            base.push_back(std::move(decl));
        }
        warn_emptied_events(base, base_rows, emptied_at);
    }

    const LoadOptions& options_;
    std::vector<Diagnostic>& diags_;
    std::vector<std::string> base_stack_{};
};

LoadResult finish(std::optional<Program> program, std::vector<Diagnostic> diagnostics) {
    LoadResult result;
    // Names and types are checked only when every file parsed: after a syntax error the dropped
    // declaration would only cause misleading follow-up errors ("unknown state", "no initial state").
    if (program && !has_errors(diagnostics)) {
        auto model = resolve(std::move(*program), diagnostics);
        if (model && !has_errors(diagnostics)) {
            result.model = std::move(model);
        }
    }
    // Group by file in the order files first appear, then by position (a strict weak ordering).
    std::vector<const SourceFile*> order;
    auto file_index = [&](const Diagnostic& d) {
        const SourceFile* f = d.range.file.get();
        auto it = std::find(order.begin(), order.end(), f);
        if (it == order.end()) {
            order.push_back(f);
            return order.size() - 1;
        }
        return static_cast<std::size_t>(it - order.begin());
    };
    for (const auto& d : diagnostics) {
        file_index(d);
    }
    std::stable_sort(diagnostics.begin(), diagnostics.end(), [&](const Diagnostic& a, const Diagnostic& b) {
        return std::make_tuple(file_index(a), a.range.line, a.range.col) <
               std::make_tuple(file_index(b), b.range.line, b.range.col);
    });
    // a row repeated by 'for' or a region reports an error of its template once, not once per copy
    auto same = [](const Diagnostic& a, const Diagnostic& b) {
        return a.range.file == b.range.file && a.range.line == b.range.line && a.range.col == b.range.col &&
               a.code == b.code && a.message == b.message;
    };
    diagnostics.erase(std::unique(diagnostics.begin(), diagnostics.end(), same), diagnostics.end());
    result.diagnostics = std::move(diagnostics);
    return result;
}

}  // namespace

LoadResult load_model(const std::string& path, const LoadOptions& options) {
    std::vector<Diagnostic> diagnostics;
    Loader loader{options, diagnostics};
    auto program = loader.load_main(path, std::nullopt, SourceRange{});
    return finish(std::move(program), std::move(diagnostics));
}

LoadResult parse_model(std::string_view text, const std::string& display_name, const LoadOptions& options) {
    std::vector<Diagnostic> diagnostics;
    Loader loader{options, diagnostics};
    auto program = loader.load_main(display_name, std::string(text), SourceRange{});
    return finish(std::move(program), std::move(diagnostics));
}

LoadResult load_with_overlay(const std::string& base_path, const std::string& overlay_path,
                             const LoadOptions& options) {
    std::vector<Diagnostic> diagnostics;
    Loader loader{options, diagnostics};
    auto program = loader.load_main(overlay_path, std::nullopt, SourceRange{}, &base_path);
    return finish(std::move(program), std::move(diagnostics));
}

}  // namespace lwm2mc::model
