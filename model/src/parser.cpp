// SPDX-License-Identifier: Apache-2.0
#include "detail/parser.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <string_view>

#include "detail/diag.hpp"
#include "detail/lexer.hpp"

namespace lwm2mc::model::detail {

namespace {

constexpr std::string_view kDeclKeywords[] = {"model", "overlay", "include", "const",    "parameter", "constraint",
                                              "var",   "state",   "event",   "property", "remove",    "replace",
                                              "for",   "region",  "type",    "goal"};

bool is_decl_keyword(std::string_view text) {
    return std::find(std::begin(kDeclKeywords), std::end(kDeclKeywords), text) != std::end(kDeclKeywords);
}

/// Thrown inside one declaration to unwind to the recovery point; never escapes the parser.
struct ParseFailure {};
/// Thrown when the error limit is reached.
struct TooManyErrors {};

class Parser {
public:
    Parser(const SourceFilePtr& file, std::vector<Diagnostic>& diagnostics) : file_{file}, diagnostics_{diagnostics} {}

    FileAst run() {
        std::vector<Diagnostic> lex_diags;
        LexResult lexed = lex(file_, lex_diags);
        errors_ = lex_diags.size();
        bool lexing_stopped =
            std::any_of(lex_diags.begin(), lex_diags.end(), [](const Diagnostic& d) { return d.code == "E099"; });
        for (auto& d : lex_diags) {
            diagnostics_.push_back(std::move(d));
        }
        tokens_ = std::move(lexed.tokens);
        FileAst ast;
        ast.file = file_;
        if (lexing_stopped) {
            return ast;  // the rest of the file was not tokenized: parse errors would be noise
        }
        std::vector<Span> spans;  // first/last token of each item; item 0 may be the header
        bool header_span = false;
        try {
            while (!at(Tok::End)) {
                std::size_t first = pos_;
                try {
                    if (at_kw("model") || at_kw("overlay")) {
                        Header header = parse_header();
                        if (ast.header || !ast.decls.empty()) {
                            report(diag::misplaced_header(
                                header.range, fmt::format("the '{}' header must be the first declaration of the file",
                                                          header.overlay ? "overlay" : "model")));
                        } else {
                            ast.header = std::move(header);
                            header_span = true;
                            spans.push_back({first, pos_ - 1});
                        }
                        continue;
                    }
                    Decl decl = parse_decl();
                    ast.decls.push_back(std::move(decl));
                    spans.push_back({first, pos_ - 1});
                } catch (const ParseFailure&) {
                    recover(first);
                }
            }
        } catch (const TooManyErrors&) {
            diagnostics_.push_back(diag::too_many_errors(range_of(cur()), kMaxErrorsPerFile));
        }
        attach_comments(ast, spans, header_span, lexed.comments);
        return ast;
    }

private:
    struct Span {
        std::size_t first;
        std::size_t last;
    };

    // ---- token access ------------------------------------------------------------------------
    const Token& cur() const { return tokens_[pos_]; }
    const Token& peek_tok(std::size_t ahead) const { return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)]; }
    bool at(Tok kind) const { return cur().kind == kind; }
    bool at_kw(std::string_view kw) const { return cur().kind == Tok::Ident && cur().text == kw; }
    void bump() {
        if (pos_ + 1 < tokens_.size()) {
            ++pos_;
        }
    }
    bool accept(Tok kind) {
        if (at(kind)) {
            bump();
            return true;
        }
        return false;
    }
    bool accept_kw(std::string_view kw) {
        if (at_kw(kw)) {
            bump();
            return true;
        }
        return false;
    }

    SourceRange range_of(const Token& t) const {
        std::uint32_t end = t.end_line == t.line ? t.end_col : t.col + 1;
        return SourceRange{file_, t.line, t.col, std::max(end, t.col + 1)};
    }
    /// From the start of token `from` to the end of the previous token (same line only).
    SourceRange range_from(const Token& from) const {
        const Token& last = tokens_[pos_ > 0 ? pos_ - 1 : 0];
        SourceRange r = range_of(from);
        if (last.line == from.line && last.end_col > r.col) {
            r.end_col = last.end_col;
        }
        return r;
    }

    static std::string describe(const Token& t) {
        switch (t.kind) {
        case Tok::End:
            return "end of file";
        case Tok::Ident:
            return fmt::format("'{}'", t.text);
        case Tok::Int:
            return fmt::format("'{}'", t.text);
        case Tok::String:
            return "a string";
        default:
            return tok_spelling(t.kind);
        }
    }

    void report(Diagnostic d) {
        diagnostics_.push_back(std::move(d));
        if (++errors_ >= kMaxErrorsPerFile) {
            throw TooManyErrors{};
        }
    }

    [[noreturn]] void fail(std::string_view expected) {
        SourceRange at = range_of(cur());
        // Something missing at the end of a line (typically ';') is reported right after the
        // previous token, not on the next line.
        if (pos_ > 0 && tokens_[pos_ - 1].end_line < cur().line) {
            const Token& prev = tokens_[pos_ - 1];
            at = SourceRange{file_, prev.end_line, prev.end_col, prev.end_col + 1};
        }
        report(diag::unexpected_token(at, expected, describe(cur())));
        throw ParseFailure{};
    }

    const Token& expect(Tok kind, std::string_view expected) {
        if (!at(kind)) {
            fail(expected);
        }
        const Token& t = cur();
        bump();
        return t;
    }

    Name expect_name(std::string_view what) {
        if (!at(Tok::Ident)) {
            fail(what);
        }
        if (cur().text == "true" || cur().text == "false") {
            report(diag::syntax(range_of(cur()), fmt::format("'{}' is reserved and cannot be a name", cur().text)));
        }
        Name n{cur().text, range_of(cur())};
        bump();
        return n;
    }

    /// A '[' written right after the previous token, with no space: `tick[i]` indexes, `tick [g]` is a guard.
    bool at_adjacent_bracket() const {
        if (!at(Tok::LBracket) || pos_ == 0) {
            return false;
        }
        const Token& prev = tokens_[pos_ - 1];
        return prev.end_line == cur().line && prev.end_col == cur().col;
    }

    /// `[EXPR]` after an array name: the index or the declared size.
    ExprPtr parse_index() {
        expect(Tok::LBracket, "'['");
        ExprPtr e = parse_expr();
        expect(Tok::RBracket, "']' after the index");
        return e;
    }

    /// A name that may refer to an array element: `NAME` or `NAME[EXPR]`.
    Name expect_indexed_name(std::string_view what) {
        Name n = expect_name(what);
        if (at(Tok::LBracket)) {
            n.index = parse_index();
        }
        return n;
    }

    /// After a row's event: `tick[i]` (no space before '[') is an element of the event array `tick` when the
    /// bracket holds an integer-looking expression (a literal, a name, '+', '-'); anything else, or a '[' after a
    /// space, is the guard. The loader treats an "index" on an event that is not an array as the guard, so
    /// `A + e[ok] -> B` keeps its old meaning.
    void parse_event_index(Name& event, ExprPtr& guard) {
        if (!at_adjacent_bracket()) {
            return;
        }
        ExprPtr e = parse_index();
        bool index_like = e->op == Op::IntLit || e->op == Op::Name || e->op == Op::Add || e->op == Op::Sub;
        if (index_like) {
            event.index = std::move(e);
        } else {
            guard = std::move(e);
        }
    }

    /// An element's name as expanded from a `for` or an array: `lbl`, `lbl[2]`, `lbl[1][2]`.
    Name expect_element_name(std::string_view what) {
        Name n = expect_name(what);
        while (at_adjacent_bracket() && peek_tok(1).kind == Tok::Int && peek_tok(2).kind == Tok::RBracket) {
            n.text += fmt::format("[{}]", peek_tok(1).text);
            bump();
            bump();
            bump();
            n.range = range_from_range(n.range);
        }
        return n;
    }

    /// `r` extended to the end of the previous token (same line only).
    SourceRange range_from_range(SourceRange r) const {
        const Token& last = tokens_[pos_ > 0 ? pos_ - 1 : 0];
        if (last.line == r.line && last.end_col > r.end_col) {
            r.end_col = last.end_col;
        }
        return r;
    }

    /// Skip to just after the next ';', or to a declaration keyword that starts a line (a missing
    /// ';' must not swallow the next declaration). Always consumes the declaration's first token.
    void recover(std::size_t decl_start) {
        while (!at(Tok::End)) {
            if (at(Tok::Semi)) {
                bump();
                return;
            }
            bool starts_line = pos_ == 0 || tokens_[pos_ - 1].line != cur().line;
            if (pos_ > decl_start && starts_line && cur().kind == Tok::Ident && is_decl_keyword(cur().text)) {
                return;
            }
            bump();
        }
    }

    // ---- declarations ------------------------------------------------------------------------
    Header parse_header() {
        Header h;
        h.range = range_of(cur());
        h.overlay = at_kw("overlay");
        bump();
        h.name = expect_name("a model name");
        if (h.overlay) {
            if (!accept_kw("on")) {
                fail("'on' and the base model's file name");
            }
            const Token& base = expect(Tok::String, "the base model's file name as a string");
            h.base = base.text;
            h.base_range = range_of(base);
        }
        if (at(Tok::String)) {
            h.doc = cur().text;
            bump();
        }
        expect(Tok::Semi, "';' after the header");
        return h;
    }

    Decl parse_decl() {
        Decl decl;
        decl.range = range_of(cur());
        if (accept_kw("include")) {
            const Token& path = expect(Tok::String, "a file name string after 'include'");
            decl.body = IncludeDecl{path.text, range_of(path)};
            expect(Tok::Semi, "';' after the include");
            return decl;
        }
        if (accept_kw("remove")) {
            decl.body = parse_remove();
            return decl;
        }
        if (accept_kw("replace")) {
            decl.replace = true;
            // `replace transition REF with ROW;` (a row whose source state is named 'transition' goes on
            // with '+', a label 'transition' with ':')
            if (at_kw("transition") && peek_tok(1).kind != Tok::Plus && peek_tok(1).kind != Tok::Colon) {
                bump();
                RemoveDecl ref;
                ref.kind = ElementKind::Transition;
                parse_row_ref(ref);
                decl.replaces = std::move(ref);
                if (!accept_kw("with")) {
                    fail("'with' and the new row after the transition reference");
                }
                if (!(at(Tok::Ident) || at(Tok::Star) || at(Tok::LBrace))) {
                    fail("a transition row after 'with'");
                }
                decl.body = parse_transition(decl);
                return decl;
            }
            if (at_kw("include") || at_kw("remove") || at_kw("replace") || at_kw("model") || at_kw("overlay")) {
                fail("a state, transition, event, constraint, property, parameter, var or const after 'replace'");
            }
        }
        if (at_kw("type") && peek_tok(1).kind == Tok::Ident && peek_tok(2).kind == Tok::Equals) {
            bump();
            decl.body = parse_type_decl(decl);
            return decl;
        }
        if (at_kw("goal") && peek_tok(1).kind != Tok::Plus && peek_tok(1).kind != Tok::Colon) {
            GoalDecl g;
            g.name = Name{"goal", range_of(cur())};
            bump();
            g.expr = parse_or();
            parse_attrs(decl, "goal");
            decl.body = std::move(g);
            return decl;
        }
        if (accept_kw("const")) {
            ConstDecl c;
            c.name = expect_name("a constant name");
            expect(Tok::Equals, "'=' after the constant name");
            c.value = parse_expr();
            decl.body = std::move(c);
            expect(Tok::Semi, "';' after the constant");
            return decl;
        }
        if (accept_kw("parameter")) {
            ParamDecl p;
            p.name = expect_name("a parameter name");
            parse_array_size(p.array);
            expect(Tok::Colon, "':' and a type after the parameter name");
            p.type = parse_type();
            parse_attrs(decl, "parameter");
            decl.body = std::move(p);
            return decl;
        }
        if (accept_kw("constraint")) {
            ConstraintDecl c;
            c.name = expect_element_name("a constraint name");
            expect(Tok::Colon, "':' after the constraint name");
            c.expr = parse_expr();
            parse_attrs(decl, "constraint");
            decl.body = std::move(c);
            return decl;
        }
        if (accept_kw("var")) {
            VarDecl v;
            v.name = expect_name("a variable name");
            parse_array_size(v.array);
            expect(Tok::Colon, "':' and a type after the variable name");
            v.type = parse_type();
            expect(Tok::Equals, "'=' and an initial value");
            v.init = parse_or();
            bool seen_storage = false;
            while (!at(Tok::Semi)) {
                if (at_kw("persistent") || at_kw("volatile")) {
                    if (seen_storage) {
                        report(diag::syntax(range_of(cur()), "'persistent' or 'volatile' may be given only once"));
                    }
                    seen_storage = true;
                    v.persistent = at_kw("persistent");
                    bump();
                } else if (!parse_common_attr(decl)) {
                    fail("'persistent', 'volatile', a description string, 'ref' or ';'");
                }
            }
            bump();
            decl.body = std::move(v);
            return decl;
        }
        if (accept_kw("state")) {
            StateDecl s;
            s.name = expect_name("a state name");
            while (!at(Tok::Semi)) {
                if (accept_kw("initial")) {
                    s.initial = true;
                } else if (accept_kw("goal")) {
                    s.goal = true;
                } else if (accept_kw("final")) {
                    s.final = true;
                } else if (at_kw("in")) {
                    SourceRange in = range_of(cur());
                    bump();
                    if (!s.group.text.empty()) {
                        report(diag::syntax(in, "'in' may be given only once"));
                    }
                    s.group = expect_name("a group name after 'in'");
                } else if (!parse_common_attr(decl)) {
                    fail("'initial', 'goal', 'final', 'in', a description string, 'ref' or ';'");
                }
            }
            bump();
            decl.body = std::move(s);
            return decl;
        }
        if (accept_kw("event")) {
            EventDecl e;
            e.name = expect_name("an event name");
            parse_array_size(e.array);
            expect(Tok::Colon, "':' and an actor after the event name");
            ActorSyntax a = parse_actor_name();
            e.actor = a.actor;
            e.peer = a.peer;
            parse_attrs(decl, "event");
            decl.body = std::move(e);
            return decl;
        }
        if (accept_kw("property")) {
            decl.body = parse_property(decl);
            return decl;
        }
        if (at_kw("region") && peek_tok(1).kind == Tok::Ident && peek_tok(2).kind != Tok::Plus &&
            peek_tok(2).kind != Tok::Colon) {
            bump();
            decl.body = parse_region(decl);
            return decl;
        }
        if (at_kw("for") && peek_tok(1).kind == Tok::Ident && peek_tok(2).kind == Tok::Ident &&
            peek_tok(2).text == "in") {
            bump();
            decl.body = parse_for();
            return decl;
        }
        if (at(Tok::Ident) || at(Tok::Star) || at(Tok::LBrace)) {
            decl.body = parse_transition(decl);
            return decl;
        }
        fail("a declaration (state, event, var, parameter, constraint, property, const, type, goal, include) or a "
             "transition row");
    }

    /// `[N]` after the name of a var, parameter or event declares an array.
    void parse_array_size(ArrayElement& array) {
        if (at(Tok::LBracket)) {
            array.size_range = range_of(cur());
            array.size = parse_index();
        }
    }

    /// After `for`: `i in LO..HI: DECL` or `i in LO..HI { DECL... }`.
    ForDecl parse_for() {
        ForDecl f;
        f.index = expect_name("a loop index name after 'for'");
        if (!accept_kw("in")) {
            fail("'in' after the loop index");
        }
        f.lo = parse_additive();
        expect(Tok::DotDot, "'..' between the bounds of the loop");
        f.hi = parse_additive();
        if (accept(Tok::Colon)) {
            f.body.push_back(parse_decl());
            return f;
        }
        expect(Tok::LBrace, "':' and one declaration, or '{' and declarations, after the loop range");
        f.block = true;
        while (!at(Tok::RBrace)) {
            if (at(Tok::End)) {
                fail("'}' at the end of the loop body");
            }
            f.body.push_back(parse_decl());
        }
        bump();
        return f;
    }

    /// After `region`: `NAME [ "[" i in LO..HI "]" ] [persistent] ATTRS { STATE... ROW... }`.
    RegionDecl parse_region(Decl& decl) {
        RegionDecl r;
        r.name = expect_name("a region name after 'region'");
        if (accept(Tok::LBracket)) {
            r.index = expect_name("an instance index name: 'region NAME[i in LO..HI]'");
            if (!accept_kw("in")) {
                fail("'in' after the instance index");
            }
            r.lo = parse_additive();
            expect(Tok::DotDot, "'..' between the bounds of the instance range");
            r.hi = parse_additive();
            expect(Tok::RBracket, "']' after the instance range");
        }
        while (!at(Tok::LBrace)) {
            if (at_kw("persistent")) {
                if (r.persistent) {
                    report(diag::syntax(range_of(cur()), "'persistent' may be given only once"));
                }
                r.persistent = true;
                bump();
            } else if (!parse_common_attr(decl)) {
                fail("'persistent', a description string, 'ref' or '{' after the region name");
            }
        }
        bump();
        while (!at(Tok::RBrace)) {
            if (at(Tok::End)) {
                fail("'}' at the end of the region");
            }
            r.body.push_back(parse_decl());
        }
        bump();
        return r;
    }

    /// Description string and `ref "..."`; returns false when the current token is neither.
    bool parse_common_attr(Decl& decl) {
        if (at(Tok::String)) {
            if (!decl.doc.empty()) {
                report(diag::syntax(range_of(cur()), "a declaration may have only one description string"));
            }
            decl.doc = cur().text;
            bump();
            return true;
        }
        if (at_kw("ref")) {
            SourceRange r = range_of(cur());
            bump();
            const Token& t = expect(Tok::String, "a string after 'ref'");
            if (!decl.ref.empty()) {
                report(diag::syntax(r, "a declaration may have only one 'ref'"));
            }
            decl.ref = t.text;
            return true;
        }
        return false;
    }

    void parse_attrs(Decl& decl, std::string_view what) {
        while (!at(Tok::Semi)) {
            if (!parse_common_attr(decl)) {
                fail(fmt::format("a description string, 'ref' or ';' after the {}", what));
            }
        }
        bump();
    }

    TypeSyntax parse_type() {
        TypeSyntax t;
        std::size_t start = pos_;
        if (accept_kw("bool")) {
            t.kind = TypeKind::Bool;
        } else if (accept_kw("int")) {
            t.kind = TypeKind::Int;
            expect(Tok::LBracket, "'[' and a range after 'int' (int[LO..HI])");
            t.lo = parse_expr();
            expect(Tok::DotDot, "'..' between the bounds of the range");
            t.hi = parse_expr();
            expect(Tok::RBracket, "']' after the range");
        } else if (accept_kw("enum")) {
            t.kind = TypeKind::Enum;
            expect(Tok::LBrace, "'{' and the literals after 'enum'");
            do {
                t.literals.push_back(expect_name("an enumeration literal"));
            } while (accept(Tok::Comma));
            expect(Tok::RBrace, "',' or '}' in the enumeration");
        } else if (at(Tok::Ident)) {
            t.kind = TypeKind::Enum;  // a named enum type, resolved by name
            t.named = expect_name("a type name");
        } else {
            fail("a type: 'bool', 'int[LO..HI]', 'enum { ... }' or the name of a type");
        }
        t.range = range_from(tokens_[start]);
        return t;
    }

    /// `type NAME = enum { ... } ATTRS;` (after `type`).
    TypeDecl parse_type_decl(Decl& decl) {
        TypeDecl d;
        d.name = expect_name("a type name");
        expect(Tok::Equals, "'=' and 'enum { ... }' after the type name");
        if (!at_kw("enum")) {
            report(diag::named_type_not_enum(range_of(cur())));
            throw ParseFailure{};
        }
        d.type = parse_type();
        parse_attrs(decl, "type");
        return d;
    }

    /// An actor, optionally qualified by the peer that acts: `response`, `response(server)`, `fault(bs)`.
    ActorSyntax parse_actor_name() {
        if (!at(Tok::Ident)) {
            fail("an actor (client, choice, response, server_initiative, bs_initiative, fault, operator)");
        }
        auto actor = parse_actor(cur().text);
        if (!actor) {
            report(diag::unknown_actor(range_of(cur()), cur().text));
            bump();
            return {};
        }
        const Token& name = cur();
        bump();
        ActorSyntax out{*actor, Peer::Any};
        if (accept(Tok::LParen)) {
            if (!at(Tok::Ident)) {
                fail("a peer ('bs' or 'server') after '('");
            }
            auto peer = parse_peer(cur().text);
            if (!peer) {
                report(diag::unknown_peer(range_of(cur()), cur().text));
            } else if (!takes_peer(*actor)) {
                report(diag::actor_takes_no_peer(range_of(name), name.text));
            } else {
                out.peer = *peer;
            }
            bump();
            expect(Tok::RParen, "')' after the peer");
        }
        return out;
    }

    SourceSyntax parse_source() {
        SourceSyntax s;
        s.range = range_of(cur());
        if (accept(Tok::Star)) {
            s.kind = SourceSyntax::Kind::Any;
        } else if (accept(Tok::LBrace)) {
            s.kind = SourceSyntax::Kind::List;
            do {
                s.states.push_back(expect_name("a state name"));
            } while (accept(Tok::Comma));
            expect(Tok::RBrace, "',' or '}' in the list of source states");
            s.range.end_col = tokens_[pos_ - 1].line == s.range.line ? tokens_[pos_ - 1].end_col : s.range.end_col;
        } else {
            s.kind = SourceSyntax::Kind::One;
            s.states.push_back(expect_name("a source state, '*' or '{'"));
            s.range = s.states.back().range;
        }
        return s;
    }

    TransitionDecl parse_transition(Decl& decl) {
        TransitionDecl t;
        if (at(Tok::Ident) && peek_tok(1).kind == Tok::Colon) {
            t.label = Name{cur().text, range_of(cur())};
            bump();
            bump();
        }
        t.source = parse_source();
        expect(Tok::Plus, "'+' and an event after the source state");
        t.event = expect_name("an event name after '+'");
        parse_event_index(t.event, t.guard);
        if (!t.guard && accept(Tok::LBracket)) {
            t.guard = parse_expr();
            expect(Tok::RBracket, "']' after the guard");
        }
        if (accept(Tok::Slash)) {
            do {
                t.updates.push_back(parse_update());
            } while (accept(Tok::Comma));
        }
        expect(Tok::Arrow, "'->' and a target state");
        t.target = expect_name("a target state after '->'");
        while (!at(Tok::Semi)) {
            if (at_kw("during")) {
                SourceRange r = range_of(cur());
                bump();
                if (t.during) {
                    report(diag::syntax(r, "a transition may have only one 'during'"));
                }
                t.during = parse_source();
            } else if (at_kw("by")) {
                SourceRange by = range_of(cur());
                bump();
                if (t.actor) {
                    report(diag::syntax(by, "a transition may have only one 'by'"));
                }
                t.actor_range = range_of(cur());
                ActorSyntax a = parse_actor_name();
                t.actor = a.actor;
                t.peer = a.peer;
            } else if (at_kw("after")) {
                SourceRange r = range_of(cur());
                bump();
                if (t.duration) {
                    report(diag::syntax(r, "a transition may have only one 'after'"));
                }
                t.duration = parse_or();
            } else if (!parse_common_attr(decl)) {
                fail("'by', 'after', 'during', a description string, 'ref' or ';' after the transition");
            }
        }
        bump();
        return t;
    }

    UpdateSyntax parse_update() {
        UpdateSyntax u;
        u.range = range_of(cur());
        if (at_kw("reset") && peek_tok(1).kind == Tok::Ident) {
            bump();
            if (accept_kw("volatile")) {
                u.kind = UpdateKind::ResetVolatile;
            } else if (accept_kw("all")) {
                u.kind = UpdateKind::ResetAll;
            } else {
                fail("'volatile' or 'all' after 'reset'");
            }
            u.range = range_from(tokens_[pos_ - 2]);
            return u;
        }
        u.kind = UpdateKind::Assign;
        u.var = expect_indexed_name("a variable to assign, or 'reset volatile' / 'reset all'");
        expect(Tok::Assign, "':=' in the update");
        u.value = parse_or();
        return u;
    }

    PropertyDecl parse_property(Decl& decl) {
        PropertyDecl p;
        p.name = expect_element_name("a property name");
        expect(Tok::Colon, "':' after the property name");
        if (at_kw("after") || at_kw("never")) {
            p.pattern = parse_event_pattern();
            parse_attrs(decl, "property");
            return p;
        }
        if (accept_kw("invariant")) {
            p.kind = PropertyKind::Invariant;
            p.expr = parse_expr();
        } else if (accept_kw("reachable")) {
            p.kind = PropertyKind::Reachable;
            p.expr = parse_expr();
        } else if (accept_kw("recover")) {
            p.kind = PropertyKind::Recover;
        } else if (accept_kw("within")) {
            p.kind = PropertyKind::Within;
            p.expr = parse_or();
        } else {
            fail("'invariant', 'reachable', 'recover', 'within', 'after' or 'never'");
        }
        if (p.kind == PropertyKind::Recover || p.kind == PropertyKind::Within) {
            while (true) {
                if (at_kw("from")) {
                    SourceRange r = range_of(cur());
                    bump();
                    if (p.from) {
                        report(diag::syntax(r, "'from' may be given only once"));
                    }
                    p.from = parse_or();
                } else if (at_kw("to")) {
                    SourceRange r = range_of(cur());
                    bump();
                    if (p.to) {
                        report(diag::syntax(r, "'to' may be given only once"));
                    }
                    p.to = parse_or();
                } else if (at_kw("relying")) {
                    const Token& start = cur();
                    bump();
                    if (!accept_kw("on")) {
                        fail("'on' after 'relying'");
                    }
                    expect(Tok::LBrace, "'{' and a list of actors");
                    std::vector<ActorSyntax> actors;
                    if (!at(Tok::RBrace)) {
                        do {
                            actors.push_back(parse_actor_name());
                        } while (accept(Tok::Comma));
                    }
                    expect(Tok::RBrace, "',' or '}' in the list of actors");
                    if (p.reliance) {
                        report(diag::syntax(range_of(start), "'relying on' may be given only once"));
                    }
                    p.reliance = std::move(actors);
                    p.reliance_range = range_from(start);
                } else {
                    break;
                }
            }
        }
        parse_attrs(decl, "property");
        return p;
    }

    /// `after E next S is F`, `after E respond F within T` or `never E before F`.
    EventPatternSyntax parse_event_pattern() {
        EventPatternSyntax pat;
        if (accept_kw("never")) {
            pat.kind = EventPropertyKind::NeverBefore;
            pat.trigger = parse_event_set();
            if (!accept_kw("before")) {
                fail("'before' and the events that must come first");
            }
            pat.scope = parse_event_set();
            return pat;
        }
        bump();  // after
        pat.trigger = parse_event_set();
        if (accept_kw("next")) {
            pat.kind = EventPropertyKind::NextIs;
            pat.scope = parse_event_set();
            if (!accept_kw("is")) {
                fail("'is' and the events the next one must be");
            }
            pat.allowed = parse_event_set();
        } else if (accept_kw("respond")) {
            pat.kind = EventPropertyKind::Respond;
            pat.scope = parse_event_set();
            if (!accept_kw("within")) {
                fail("'within' and a time bound in seconds");
            }
            pat.bound = parse_or();
        } else {
            fail("'next' or 'respond' after the events of 'after'");
        }
        return pat;
    }

    /// An event set of an event property: one event (`e` or an element `e[i]`), or `{e1, e2, ...}` (not empty).
    std::vector<Name> parse_event_set() {
        std::vector<Name> events;
        if (!accept(Tok::LBrace)) {
            events.push_back(expect_indexed_name("an event name or '{' and a list of events"));
            return events;
        }
        do {
            events.push_back(expect_indexed_name("an event name"));
        } while (accept(Tok::Comma));
        expect(Tok::RBrace, "',' or '}' in the list of events");
        return events;
    }

    RemoveDecl parse_remove() {
        RemoveDecl r;
        static constexpr std::pair<std::string_view, ElementKind> kKinds[] = {{"transition", ElementKind::Transition},
                                                                              {"state", ElementKind::State},
                                                                              {"constraint", ElementKind::Constraint},
                                                                              {"property", ElementKind::Property},
                                                                              {"event", ElementKind::Event},
                                                                              {"parameter", ElementKind::Parameter},
                                                                              {"var", ElementKind::Var},
                                                                              {"const", ElementKind::Const},
                                                                              {"type", ElementKind::Type},
                                                                              {"goal", ElementKind::Goal},
                                                                              {"region", ElementKind::Region}};
        bool found = false;
        for (const auto& [kw, kind] : kKinds) {
            if (accept_kw(kw)) {
                r.kind = kind;
                found = true;
                break;
            }
        }
        if (!found) {
            fail("what to remove: 'transition', 'state', 'event', 'constraint', 'property', 'parameter', 'var', "
                 "'const', 'type', 'goal' or 'region'");
        }
        if (r.kind == ElementKind::Transition) {
            parse_row_ref(r);
        } else if (r.kind == ElementKind::Goal) {
            r.name = Name{"goal", range_of(tokens_[pos_ - 1])};
        } else {
            r.name = expect_element_name("the name of the element to remove");
        }
        expect(Tok::Semi, "';' after the removal");
        return r;
    }

    /// A row reference: a label, or `Src + event [guard] -> Dst` (the guard is optional).
    void parse_row_ref(RemoveDecl& r) {
        if (at(Tok::Ident) && peek_tok(1).kind != Tok::Plus) {
            r.name = expect_element_name("a transition label");
            return;
        }
        r.row_source = parse_source();
        expect(Tok::Plus, "'+' and an event in the transition reference");
        r.row_event = expect_name("an event name");
        parse_event_index(r.row_event, r.row_guard);
        if (!r.row_guard && accept(Tok::LBracket)) {
            r.row_guard = parse_expr();
            expect(Tok::RBracket, "']' after the guard in the transition reference");
        }
        expect(Tok::Arrow, "'->' and the target state in the transition reference");
        r.row_target = expect_name("a target state");
    }

    // ---- expressions -------------------------------------------------------------------------
    struct DepthGuard {
        Parser& p;
        explicit DepthGuard(Parser& parser) : p{parser} {
            if (++p.depth_ > kMaxExprDepth) {
                p.depth_ = 0;
                p.report(diag::nested_too_deeply(p.range_of(p.cur())));
                throw ParseFailure{};
            }
        }
        ~DepthGuard() {
            if (p.depth_ > 0) {
                --p.depth_;
            }
        }
        DepthGuard(const DepthGuard&) = delete;
        DepthGuard& operator=(const DepthGuard&) = delete;
    };

    /// A binary node spanning both operands (on the first operand's line). Trees deeper than
    /// kMaxExprDepth are rejected here, so no later recursive walk can exhaust the stack.
    ExprPtr make_binary(Op op, ExprPtr lhs, ExprPtr rhs, const SourceRange& op_range) {
        auto e = std::make_shared<Expr>();
        e->op = op;
        e->range = lhs->range;
        if (rhs->range.line == e->range.line && rhs->range.end_col > e->range.end_col) {
            e->range.end_col = rhs->range.end_col;
        }
        e->depth = 1 + std::max(lhs->depth, rhs->depth);
        e->lhs = std::move(lhs);
        e->rhs = std::move(rhs);
        if (e->depth > static_cast<std::uint32_t>(kMaxExprDepth)) {
            report(diag::nested_too_deeply(op_range));
            throw ParseFailure{};
        }
        return e;
    }

    /// Full expression including '->' and '?:'.
    ExprPtr parse_expr() { return parse_conditional(true); }

    /// An expression without a top-level '->' (updates, durations, property bounds); it may be a
    /// conditional `c ? a : b` whose condition and else branch have no top-level '->' either.
    ExprPtr parse_or() { return parse_conditional(false); }

    /// `c ? a : b`, right associative and binding weaker than '->'. With `implies` false the
    /// condition and the else branch stop before a top-level '->' (a row's target follows).
    ExprPtr parse_conditional(bool implies) {
        ExprPtr cond = implies ? parse_implies() : parse_disjunction();
        if (!at(Tok::Question)) {
            return cond;
        }
        SourceRange r = range_of(cur());
        bump();
        DepthGuard guard{*this};  // right recursion: bounded like nesting
        ExprPtr then = parse_conditional(true);
        expect(Tok::Colon, "':' and the else branch of the conditional expression");
        ExprPtr otherwise = parse_conditional(implies);
        auto e = std::make_shared<Expr>();
        e->op = Op::Cond;
        e->range = cond->range;
        if (otherwise->range.line == e->range.line && otherwise->range.end_col > e->range.end_col) {
            e->range.end_col = otherwise->range.end_col;
        }
        e->depth = 1 + std::max({cond->depth, then->depth, otherwise->depth});
        e->lhs = std::move(cond);
        e->rhs = std::move(then);
        e->third = std::move(otherwise);
        if (e->depth > static_cast<std::uint32_t>(kMaxExprDepth)) {
            report(diag::nested_too_deeply(r));
            throw ParseFailure{};
        }
        return e;
    }

    /// An expression with '->' (right associative) but no top-level '?:'.
    ExprPtr parse_implies() {
        ExprPtr lhs = parse_disjunction();
        if (at(Tok::Arrow)) {
            SourceRange r = range_of(cur());
            bump();
            DepthGuard guard{*this};  // right recursion: bounded like nesting
            ExprPtr rhs = parse_implies();
            return make_binary(Op::Implies, std::move(lhs), std::move(rhs), r);
        }
        return lhs;
    }

    ExprPtr parse_disjunction() {
        ExprPtr lhs = parse_and();
        while (at(Tok::OrOr)) {
            SourceRange r = range_of(cur());
            bump();
            lhs = make_binary(Op::Or, std::move(lhs), parse_and(), r);
        }
        return lhs;
    }

    ExprPtr parse_and() {
        ExprPtr lhs = parse_equality();
        while (at(Tok::AndAnd)) {
            SourceRange r = range_of(cur());
            bump();
            lhs = make_binary(Op::And, std::move(lhs), parse_equality(), r);
        }
        return lhs;
    }

    ExprPtr parse_equality() {
        ExprPtr lhs = parse_relational();
        while (at(Tok::EqEq) || at(Tok::NotEq)) {
            Op op = at(Tok::EqEq) ? Op::Eq : Op::Ne;
            SourceRange r = range_of(cur());
            bump();
            lhs = make_binary(op, std::move(lhs), parse_relational(), r);
        }
        return lhs;
    }

    ExprPtr parse_relational() {
        ExprPtr lhs = parse_additive();
        while (at(Tok::Less) || at(Tok::LessEq) || at(Tok::Greater) || at(Tok::GreaterEq)) {
            Op op = at(Tok::Less) ? Op::Lt : at(Tok::LessEq) ? Op::Le : at(Tok::Greater) ? Op::Gt : Op::Ge;
            SourceRange r = range_of(cur());
            bump();
            lhs = make_binary(op, std::move(lhs), parse_additive(), r);
        }
        return lhs;
    }

    ExprPtr parse_additive() {
        ExprPtr lhs = parse_multiplicative();
        while (at(Tok::Plus) || at(Tok::Minus)) {
            Op op = at(Tok::Plus) ? Op::Add : Op::Sub;
            SourceRange r = range_of(cur());
            bump();
            lhs = make_binary(op, std::move(lhs), parse_multiplicative(), r);
        }
        return lhs;
    }

    ExprPtr parse_multiplicative() {
        ExprPtr lhs = parse_unary();
        while (at(Tok::Star)) {
            SourceRange r = range_of(cur());
            bump();
            lhs = make_binary(Op::Mul, std::move(lhs), parse_unary(), r);
        }
        return lhs;
    }

    ExprPtr parse_unary() {
        DepthGuard guard{*this};
        if (at(Tok::Bang) || at(Tok::Minus)) {
            auto e = std::make_shared<Expr>();
            e->op = at(Tok::Bang) ? Op::Not : Op::Neg;
            e->range = range_of(cur());
            bump();
            e->lhs = parse_unary();
            if (e->lhs->range.line == e->range.line) {
                e->range.end_col = std::max(e->range.end_col, e->lhs->range.end_col);
            }
            e->depth = e->lhs->depth + 1;
            return e;
        }
        return parse_primary();
    }

    ExprPtr parse_primary() {
        auto e = std::make_shared<Expr>();
        e->range = range_of(cur());
        if (at(Tok::Int)) {
            e->op = Op::IntLit;
            e->value = cur().value;
            bump();
            return e;
        }
        if (at_kw("true") || at_kw("false")) {
            e->op = Op::BoolLit;
            e->value = at_kw("true") ? 1 : 0;
            bump();
            return e;
        }
        if (at_kw("at") && peek_tok(1).kind == Tok::LParen) {
            bump();
            bump();
            Name state = expect_name("a state name in 'at(...)'");
            expect(Tok::RParen, "')' after the state name");
            e->op = Op::AtState;
            e->name = std::move(state.text);
            e->range = state.range;
            return e;
        }
        if (at(Tok::Ident)) {
            e->op = Op::Name;
            e->name = cur().text;
            bump();
            if (at(Tok::LBracket)) {  // an array element: the index is kept in lhs until the loader expands it
                e->lhs = parse_index();
                e->range = range_from_range(e->range);
                e->depth = e->lhs->depth + 1;
            }
            return e;
        }
        if (accept(Tok::LParen)) {
            ExprPtr inner = parse_expr();
            expect(Tok::RParen, "')'");
            return inner;
        }
        fail("an expression");
    }

    // ---- comments ----------------------------------------------------------------------------
    void attach_comments(FileAst& ast, const std::vector<Span>& spans, bool header_span,
                         const std::vector<Comment>& comments) {
        struct Slot {
            std::vector<std::string>* leading;
            std::string* trailing;
            bool* blank;
            std::uint32_t first_line;
            std::uint32_t first_col;
            std::uint32_t last_line;
            std::uint32_t last_end_col;
            std::uint32_t before_line;       // first line of comments placed before the item
            std::uint32_t last_comment_end;  // last line of the comments placed before the item (0: none)
            std::size_t before_entries;      // how many entries of *leading precede the item
        };
        std::vector<Slot> slots;
        bool dummy_blank = false;
        std::size_t decl_index = 0;
        for (std::size_t i = 0; i < spans.size(); ++i) {
            const Token& first = tokens_[spans[i].first];
            const Token& last = tokens_[spans[i].last];
            Slot slot{};
            if (header_span && i == 0) {
                slot.leading = &ast.header->leading_comments;
                slot.trailing = &ast.header->trailing_comment;
                slot.blank = &dummy_blank;
            } else {
                if (decl_index >= ast.decls.size()) {
                    break;
                }
                Decl& d = ast.decls[decl_index++];
                slot.leading = &d.leading_comments;
                slot.trailing = &d.trailing_comment;
                slot.blank = &d.blank_before;
            }
            slot.first_line = first.line;
            slot.first_col = first.col;
            slot.last_line = last.end_line;
            slot.last_end_col = last.end_col;
            slot.before_line = first.line;
            slot.last_comment_end = 0;
            slot.before_entries = 0;
            slots.push_back(slot);
        }
        std::vector<std::string> file_trailing;
        std::uint32_t file_trailing_line = 0;
        for (const Comment& c : comments) {
            // the last item that starts before the comment
            std::size_t k = slots.size();
            for (std::size_t i = 0; i < slots.size(); ++i) {
                bool starts_before =
                    slots[i].first_line < c.line || (slots[i].first_line == c.line && slots[i].first_col < c.col);
                if (starts_before) {
                    k = i;
                } else {
                    break;
                }
            }
            if (k < slots.size()) {
                Slot& s = slots[k];
                bool inside = c.line < s.last_line || (c.line == s.last_line && c.col < s.last_end_col);
                if (inside) {
                    s.leading->push_back(c.text);
                    continue;
                }
                if (c.line == s.last_line && c.end_line == c.line) {
                    if (!s.trailing->empty()) {
                        *s.trailing += ' ';
                    }
                    *s.trailing += c.text;
                    continue;
                }
            }
            std::size_t next = k < slots.size() ? k + 1 : 0;
            if (next < slots.size()) {
                Slot& s = slots[next];
                // an empty entry stands for a blank line between comment paragraphs
                if (s.last_comment_end != 0 && has_blank_line(s.last_comment_end, c.line)) {
                    s.leading->emplace_back();
                    ++s.before_entries;
                }
                s.leading->push_back(c.text);
                ++s.before_entries;
                s.before_line = std::min(s.before_line, c.line);
                s.last_comment_end = c.end_line;
            } else {
                if (file_trailing.empty()) {
                    file_trailing_line = c.line;
                }
                file_trailing.push_back(c.text);
            }
        }
        // comments moved into a declaration keep their order: before-comments first
        for (std::size_t i = 0; i < slots.size(); ++i) {
            std::uint32_t prev_end = i == 0 ? 0 : slots[i - 1].last_line;
            *slots[i].blank = i > 0 && has_blank_line(prev_end, slots[i].before_line);
            if (slots[i].last_comment_end != 0 && has_blank_line(slots[i].last_comment_end, slots[i].first_line)) {
                // a blank line between the comments before the item and the item itself
                auto& leading = *slots[i].leading;
                leading.insert(leading.begin() + static_cast<std::ptrdiff_t>(slots[i].before_entries), std::string{});
            }
        }
        ast.trailing_comments = std::move(file_trailing);
        if (!ast.trailing_comments.empty() && !slots.empty()) {
            ast.trailing_blank = has_blank_line(slots.back().last_line, file_trailing_line);
        }
    }

    bool has_blank_line(std::uint32_t after, std::uint32_t before) const {
        for (std::uint32_t l = after + 1; l < before; ++l) {
            std::string_view text = file_->line_text(l);
            if (text.find_first_not_of(" \t\r") == std::string_view::npos) {
                return true;
            }
        }
        return false;
    }

    SourceFilePtr file_;
    std::vector<Diagnostic>& diagnostics_;
    std::vector<Token> tokens_{};
    std::size_t pos_{0};
    std::size_t errors_{0};
    int depth_{0};
};

}  // namespace

FileAst parse_file(const SourceFilePtr& file, std::vector<Diagnostic>& diagnostics) {
    return Parser{file, diagnostics}.run();
}

}  // namespace lwm2mc::model::detail
