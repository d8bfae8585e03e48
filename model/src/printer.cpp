// SPDX-License-Identifier: Apache-2.0
#include "lwm2mc/model/printer.hpp"

#include <fmt/format.h>

#include "detail/ast.hpp"
#include "detail/parser.hpp"

namespace lwm2mc::model {

std::string quote(std::string_view text) {
    std::string out = "\"";
    for (char c : text) {
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            out += c;
            break;
        }
    }
    return out + "\"";
}

namespace {

void print_expr(std::string& out, const Expr& e) {
    switch (e.op) {
    case Op::BoolLit:
        out += e.value ? "true" : "false";
        return;
    case Op::IntLit:
        out += std::to_string(e.value);
        return;
    case Op::AtState:
        out += "at(" + e.name + ")";
        return;
    case Op::Name:
    case Op::Const:
    case Op::EnumLit:
    case Op::Param:
    case Op::Var:
        out += e.name;
        if (e.op == Op::Name && e.lhs) {  // an array element before expansion
            out += '[';
            print_expr(out, *e.lhs);
            out += ']';
        }
        return;
    default:
        break;
    }
    int p = op_precedence(e.op);
    if (e.op == Op::Cond) {
        // right associative and weaker than '->': a conditional or an implication as the
        // condition, and an implication as the else branch (operand contexts), get parentheses
        auto part = [&out](const Expr& x, bool paren) {
            out += paren ? "(" : "";
            print_expr(out, x);
            out += paren ? ")" : "";
        };
        part(*e.lhs, op_precedence(e.lhs->op) <= op_precedence(Op::Implies));
        out += " ? ";
        part(*e.rhs, false);
        out += " : ";
        part(*e.third, e.third->op == Op::Implies);
        return;
    }
    if (is_unary(e.op)) {
        out += op_spelling(e.op);
        bool paren = op_precedence(e.lhs->op) < p;
        // "- -x" must not print as "--x"? The lexer has no "--" token, so it is still fine.
        if (paren) {
            out += '(';
        }
        print_expr(out, *e.lhs);
        if (paren) {
            out += ')';
        }
        return;
    }
    bool right_assoc = e.op == Op::Implies;
    int lp = op_precedence(e.lhs->op);
    int rp = op_precedence(e.rhs->op);
    bool lparen = right_assoc ? lp <= p : lp < p;
    bool rparen = right_assoc ? rp < p : rp <= p;
    if (lparen) {
        out += '(';
    }
    print_expr(out, *e.lhs);
    if (lparen) {
        out += ')';
    }
    out += ' ';
    out += op_spelling(e.op);
    out += ' ';
    if (rparen) {
        out += '(';
    }
    print_expr(out, *e.rhs);
    if (rparen) {
        out += ')';
    }
}

}  // namespace

std::string format_update(const Model& m, const Update& u) {
    switch (u.kind) {
    case UpdateKind::Assign:
        return m.variables[u.var.index()].name + " := " + (u.value ? format_expr(*u.value) : std::string{});
    case UpdateKind::ResetVolatile:
        return "reset volatile";
    case UpdateKind::ResetAll:
        return "reset all";
    }
    return "";
}

std::string format_expr(const Expr& expr) {
    std::string out;
    print_expr(out, expr);
    return out;
}

namespace {
/// Updates, initial values, durations, bounds, 'from' and 'to' are parsed without a top-level
/// '->' (it would clash with the transition arrow): keep such an implication in parentheses.
std::string format_operand(const Expr& expr) {
    return expr.op == Op::Implies ? "(" + format_expr(expr) + ")" : format_expr(expr);
}
}  // namespace

namespace {

using namespace detail;

std::string name_text(const Name& n);

/// An event set as written: one name bare, several in braces.
std::string event_set_text(const std::vector<Name>& set) {
    if (set.size() == 1) {
        return name_text(set.front());
    }
    std::string out = "{";
    for (std::size_t i = 0; i < set.size(); ++i) {
        out += (i ? ", " : "") + name_text(set[i]);
    }
    return out + "}";
}

std::string event_pattern_text(const EventPatternSyntax& p) {
    switch (p.kind) {
    case EventPropertyKind::NextIs:
        return fmt::format("after {} next {} is {}", event_set_text(p.trigger), event_set_text(p.scope),
                           event_set_text(p.allowed));
    case EventPropertyKind::NeverBefore:
        return fmt::format("never {} before {}", event_set_text(p.trigger), event_set_text(p.scope));
    case EventPropertyKind::Respond:
        return fmt::format("after {} respond {} within {}", event_set_text(p.trigger), event_set_text(p.scope),
                           format_operand(*p.bound));
    }
    return "";
}

std::string type_text(const TypeSyntax& t) {
    switch (t.kind) {
    case TypeKind::Bool:
        return "bool";
    case TypeKind::Int:
        return fmt::format("int[{}..{}]", format_expr(*t.lo), format_expr(*t.hi));
    case TypeKind::Enum: {
        if (!t.named.text.empty()) {
            return t.named.text;
        }
        std::string out = "enum { ";
        for (std::size_t i = 0; i < t.literals.size(); ++i) {
            out += (i ? ", " : "") + t.literals[i].text;
        }
        return out + " }";
    }
    }
    return "bool";
}

/// A name as written: `x`, or `x[EXPR]` for an array element.
std::string name_text(const Name& n) {
    return n.index ? fmt::format("{}[{}]", n.text, format_expr(*n.index)) : n.text;
}

/// A declared name with its array size, if any: `x`, `x[N]`.
std::string declared_name(const Name& n, const ArrayElement& array) {
    return array.size ? fmt::format("{}[{}]", n.text, format_expr(*array.size)) : n.text;
}

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

std::string row_head(const TransitionDecl& t) {
    std::string out;
    if (!t.label.text.empty()) {
        out += t.label.text + ": ";
    }
    out += source_text(t.source) + " + " + name_text(t.event);
    if (t.guard) {
        out += " [" + format_expr(*t.guard) + "]";
    }
    if (!t.updates.empty()) {
        out += " / ";
        for (std::size_t i = 0; i < t.updates.size(); ++i) {
            const auto& u = t.updates[i];
            out += i ? ", " : "";
            switch (u.kind) {
            case UpdateKind::Assign:
                out += name_text(u.var) + " := " + format_operand(*u.value);
                break;
            case UpdateKind::ResetVolatile:
                out += "reset volatile";
                break;
            case UpdateKind::ResetAll:
                out += "reset all";
                break;
            }
        }
    }
    out += " -> " + t.target.text;
    return out;
}

/// The label, or `Src + event [guard] -> Dst`, of a removal or a `replace transition ... with` reference.
std::string row_ref_text(const RemoveDecl& r) {
    if (!r.name.text.empty()) {
        return r.name.text;
    }
    std::string out = source_text(r.row_source) + " + " + name_text(r.row_event);
    if (r.row_guard) {
        out += " [" + format_expr(*r.row_guard) + "]";
    }
    return out + " -> " + r.row_target.text;
}

struct Line {
    std::string head{};
    std::vector<std::string> tail{};
};

std::string for_head(const ForDecl& f) {
    return fmt::format("for {} in {}..{}", f.index.text, format_operand(*f.lo), format_operand(*f.hi));
}

std::string region_head(const RegionDecl& r) {
    std::string out = "region " + r.name.text;
    if (!r.index.text.empty()) {
        out += fmt::format("[{} in {}..{}]", r.index.text, format_operand(*r.lo), format_operand(*r.hi));
    }
    return r.persistent ? out + " persistent" : out;
}

Line decl_line(const Decl& decl) {
    Line line;
    std::string prefix = decl.replace ? "replace " : "";
    std::visit(
        [&](const auto& body) {
            using T = std::decay_t<decltype(body)>;
            if constexpr (std::is_same_v<T, IncludeDecl>) {
                line.head = "include " + quote(body.path);
            } else if constexpr (std::is_same_v<T, ConstDecl>) {
                line.head = fmt::format("const {} = {}", body.name.text, format_expr(*body.value));
            } else if constexpr (std::is_same_v<T, ParamDecl>) {
                line.head = fmt::format("parameter {}: {}", declared_name(body.name, body.array), type_text(body.type));
            } else if constexpr (std::is_same_v<T, ConstraintDecl>) {
                line.head = fmt::format("constraint {}: {}", body.name.text, format_expr(*body.expr));
            } else if constexpr (std::is_same_v<T, VarDecl>) {
                line.head =
                    fmt::format("var {}: {} = {} {}", declared_name(body.name, body.array), type_text(body.type),
                                format_operand(*body.init), body.persistent ? "persistent" : "volatile");
            } else if constexpr (std::is_same_v<T, StateDecl>) {
                line.head = "state " + body.name.text;
                if (body.initial) {
                    line.head += " initial";
                }
                if (body.goal) {
                    line.head += " goal";
                }
                if (body.final) {
                    line.head += " final";
                }
                if (!body.group.text.empty()) {
                    line.head += " in " + body.group.text;
                }
            } else if constexpr (std::is_same_v<T, EventDecl>) {
                line.head = fmt::format("event {}: {}", declared_name(body.name, body.array),
                                        qualified_actor_name(body.actor, body.peer));
            } else if constexpr (std::is_same_v<T, TransitionDecl>) {
                line.head = row_head(body);
                if (body.during) {
                    line.tail.push_back("during " + source_text(*body.during));
                }
                if (body.actor) {
                    line.tail.push_back(fmt::format("by {}", qualified_actor_name(*body.actor, body.peer)));
                }
                if (body.duration) {
                    line.tail.push_back("after " + format_operand(*body.duration));
                }
            } else if constexpr (std::is_same_v<T, PropertyDecl>) {
                if (body.pattern) {
                    line.head = fmt::format("property {}: {}", body.name.text, event_pattern_text(*body.pattern));
                    return;
                }
                line.head = fmt::format("property {}: {}", body.name.text, property_kind_name(body.kind));
                if (body.expr) {
                    line.head += " " + (body.kind == PropertyKind::Within ? format_operand(*body.expr)
                                                                          : format_expr(*body.expr));
                }
                if (body.from) {
                    line.tail.push_back("from " + format_operand(*body.from));
                }
                if (body.to) {
                    line.tail.push_back("to " + format_operand(*body.to));
                }
                if (body.reliance) {
                    std::string r = "relying on {";
                    for (std::size_t i = 0; i < body.reliance->size(); ++i) {
                        const ActorSyntax& a = (*body.reliance)[i];
                        r += (i ? ", " : "") + qualified_actor_name(a.actor, a.peer);
                    }
                    line.tail.push_back(r + "}");
                }
            } else if constexpr (std::is_same_v<T, TypeDecl>) {
                line.head = fmt::format("type {} = {}", body.name.text, type_text(body.type));
            } else if constexpr (std::is_same_v<T, GoalDecl>) {
                line.head = "goal " + format_expr(*body.expr);
            } else if constexpr (std::is_same_v<T, RemoveDecl>) {
                line.head = body.kind == ElementKind::Goal
                                ? std::string("remove goal")
                                : fmt::format("remove {} {}", element_kind_name(body.kind), row_ref_text(body));
            } else if constexpr (std::is_same_v<T, RegionDecl>) {
                line.head = region_head(body);
            } else if constexpr (std::is_same_v<T, ForDecl>) {
                // one-declaration form; the block form is printed by emit_decl
                Line inner = body.body.empty() ? Line{} : decl_line(body.body.front());
                line.head = for_head(body) + ": " + inner.head;
                line.tail = std::move(inner.tail);
            }
        },
        decl.body);
    if (decl.replaces) {
        // `replace transition REF with ROW`: a long declaration may also break before `with`
        line.tail.insert(line.tail.begin(), "with " + line.head);
        line.head = prefix + "transition " + row_ref_text(*decl.replaces);
    } else {
        line.head = prefix + line.head;
    }
    if (!decl.doc.empty()) {
        line.tail.push_back(quote(decl.doc));
    }
    if (!decl.ref.empty()) {
        line.tail.push_back("ref " + quote(decl.ref));
    }
    return line;
}

void emit_comments(std::string& out, const std::vector<std::string>& comments) {
    for (const auto& c : comments) {
        out += c;
        out += '\n';
    }
}

/// Display width: UTF-8 continuation bytes do not count.
std::size_t width(std::string_view text) {
    std::size_t n = 0;
    for (char c : text) {
        n += (static_cast<unsigned char>(c) & 0xC0U) != 0x80U ? 1 : 0;
    }
    return n;
}

void emit_line(std::string& out, const Line& line, const std::string& trailing) {
    std::string one = line.head;
    for (const auto& t : line.tail) {
        one += " " + t;
    }
    one += ";";
    if (width(one) <= kCanonicalWidth) {
        out += one;
    } else {
        // greedy fill: attributes join the current line while it fits, else start an indented line
        std::string current = line.head;
        for (std::size_t i = 0; i < line.tail.size(); ++i) {
            std::string piece = line.tail[i] + (i + 1 == line.tail.size() ? ";" : "");
            if (width(current) + 1 + width(piece) > kCanonicalWidth) {
                out += current + "\n";
                current = "    " + piece;
            } else {
                current += " " + piece;
            }
        }
        out += current;
        if (line.tail.empty()) {
            out += ";";
        }
    }
    if (!trailing.empty()) {
        out += "  " + trailing;
    }
    out += '\n';
}

/// Prefixes every line of `text` with `indent`.
std::string indented(const std::string& text, const std::string& indent) {
    std::string out;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        end = end == std::string::npos ? text.size() : end + 1;
        out += indent + text.substr(start, end - start);
        start = end;
    }
    return out;
}

/// One declaration with its comments; a `for` block prints its body indented by four spaces.
void emit_decl(std::string& out, const Decl& d, const std::string& indent) {
    std::string text;
    emit_comments(text, d.leading_comments);
    const auto* f = std::get_if<ForDecl>(&d.body);
    if (f && (f->block || f->body.size() != 1)) {
        text += for_head(*f) + " {\n";
        out += indented(text, indent);
        for (const Decl& inner : f->body) {
            emit_decl(out, inner, indent + "    ");
        }
        // a comment on the line of the closing brace stays there
        out += indent + "}" + (d.trailing_comment.empty() ? "" : "  " + d.trailing_comment) + "\n";
        return;
    }
    if (const auto* r = std::get_if<RegionDecl>(&d.body)) {
        Line line = decl_line(d);
        text += line.head;
        for (const auto& t : line.tail) {
            text += " " + t;
        }
        text += " {\n";
        out += indented(text, indent);
        for (const Decl& inner : r->body) {
            emit_decl(out, inner, indent + "    ");
        }
        out += indent + "}" + (d.trailing_comment.empty() ? "" : "  " + d.trailing_comment) + "\n";
        return;
    }
    emit_line(text, decl_line(d), d.trailing_comment);
    out += indented(text, indent);
}

}  // namespace

FormatResult format_source(std::string_view text, const std::string& display_name) {
    FormatResult result;
    auto file = std::make_shared<SourceFile>(display_name, std::string(text));
    FileAst ast = parse_file(file, result.diagnostics);
    if (has_errors(result.diagnostics)) {
        return result;
    }
    std::string out;
    if (ast.header) {
        const Header& h = *ast.header;
        emit_comments(out, h.leading_comments);
        Line line;
        line.head = h.overlay ? fmt::format("overlay {} on {}", h.name.text, quote(h.base))
                              : fmt::format("model {}", h.name.text);
        if (!h.doc.empty()) {
            line.tail.push_back(quote(h.doc));
        }
        emit_line(out, line, h.trailing_comment);
    }
    for (std::size_t i = 0; i < ast.decls.size(); ++i) {
        const Decl& d = ast.decls[i];
        if (d.blank_before && !out.empty()) {
            out += '\n';
        }
        emit_decl(out, d, "");
    }
    if (!ast.trailing_comments.empty()) {
        if (ast.trailing_blank && !out.empty()) {
            out += '\n';
        }
        emit_comments(out, ast.trailing_comments);
    }
    result.text = std::move(out);
    return result;
}

}  // namespace lwm2mc::model
