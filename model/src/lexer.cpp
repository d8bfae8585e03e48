// SPDX-License-Identifier: Apache-2.0
#include "detail/lexer.hpp"

#include <fmt/format.h>

#include <limits>

#include "detail/diag.hpp"

namespace lwm2mc::model::detail {

const char* tok_spelling(Tok tok) {
    switch (tok) {
    case Tok::End:
        return "end of file";
    case Tok::Ident:
        return "identifier";
    case Tok::Int:
        return "integer";
    case Tok::String:
        return "string";
    case Tok::Semi:
        return "';'";
    case Tok::Colon:
        return "':'";
    case Tok::Comma:
        return "','";
    case Tok::DotDot:
        return "'..'";
    case Tok::LParen:
        return "'('";
    case Tok::RParen:
        return "')'";
    case Tok::LBracket:
        return "'['";
    case Tok::RBracket:
        return "']'";
    case Tok::LBrace:
        return "'{'";
    case Tok::RBrace:
        return "'}'";
    case Tok::Plus:
        return "'+'";
    case Tok::Minus:
        return "'-'";
    case Tok::Star:
        return "'*'";
    case Tok::Slash:
        return "'/'";
    case Tok::Arrow:
        return "'->'";
    case Tok::Assign:
        return "':='";
    case Tok::Bang:
        return "'!'";
    case Tok::AndAnd:
        return "'&&'";
    case Tok::OrOr:
        return "'||'";
    case Tok::EqEq:
        return "'=='";
    case Tok::NotEq:
        return "'!='";
    case Tok::Less:
        return "'<'";
    case Tok::LessEq:
        return "'<='";
    case Tok::Greater:
        return "'>'";
    case Tok::GreaterEq:
        return "'>='";
    case Tok::Equals:
        return "'='";
    case Tok::Question:
        return "'?'";
    }
    return "token";
}

namespace {

constexpr std::size_t kMaxLexErrors = 50;

bool is_ident_start(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_ident_char(char c) {
    return is_ident_start(c) || (c >= '0' && c <= '9');
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

class Lexer {
public:
    Lexer(const SourceFilePtr& file, std::vector<Diagnostic>& diagnostics)
        : file_{file}, text_{file->text()}, diagnostics_{diagnostics} {}

    LexResult run() {
        LexResult result;
        while (true) {
            skip_space_and_comments(result.comments);
            if (pos_ >= text_.size()) {
                break;
            }
            if (diagnostics_.size() >= kMaxLexErrors) {
                diagnostics_.push_back(diag::too_many_errors(here(line_, col_, col_ + 1), kMaxLexErrors));
                break;
            }
            Token token;
            token.line = line_;
            token.col = col_;
            if (lex_token(token)) {
                token.end_line = line_;
                token.end_col = col_;
                result.tokens.push_back(std::move(token));
            }
        }
        Token end;
        end.kind = Tok::End;
        end.line = line_;
        end.col = col_;
        end.end_line = line_;
        end.end_col = col_;
        result.tokens.push_back(end);
        return result;
    }

private:
    char peek(std::size_t ahead = 0) const { return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0'; }

    void advance() {
        if (text_[pos_] == '\n') {
            ++line_;
            col_ = 1;
        } else {
            ++col_;
        }
        ++pos_;
    }

    SourceRange here(std::uint32_t line, std::uint32_t col, std::uint32_t end_col) const {
        return SourceRange{file_, line, col, end_col > col ? end_col : col + 1};
    }

    void skip_space_and_comments(std::vector<Comment>& comments) {
        while (pos_ < text_.size()) {
            char c = peek();
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v') {
                advance();
            } else if (c == '/' && peek(1) == '/') {
                Comment comment;
                comment.line = line_;
                comment.col = col_;
                std::size_t start = pos_;
                while (pos_ < text_.size() && peek() != '\n') {
                    advance();
                }
                comment.text = std::string(text_.substr(start, pos_ - start));
                while (!comment.text.empty() && (comment.text.back() == '\r' || comment.text.back() == ' ')) {
                    comment.text.pop_back();
                }
                comment.end_line = line_;
                comments.push_back(std::move(comment));
            } else if (c == '/' && peek(1) == '*') {
                Comment comment;
                comment.line = line_;
                comment.col = col_;
                std::uint32_t col = col_;
                std::size_t start = pos_;
                advance();
                advance();
                bool closed = false;
                while (pos_ < text_.size()) {
                    if (peek() == '*' && peek(1) == '/') {
                        advance();
                        advance();
                        closed = true;
                        break;
                    }
                    advance();
                }
                if (!closed) {
                    diagnostics_.push_back(diag::bad_token(here(comment.line, col, col + 2), "unterminated comment"));
                    return;
                }
                comment.text = std::string(text_.substr(start, pos_ - start));
                comment.end_line = line_;
                comments.push_back(std::move(comment));
            } else {
                return;
            }
        }
    }

    bool lex_token(Token& token) {
        char c = peek();
        if (is_ident_start(c)) {
            std::size_t start = pos_;
            while (pos_ < text_.size() && is_ident_char(peek())) {
                advance();
            }
            token.kind = Tok::Ident;
            token.text = std::string(text_.substr(start, pos_ - start));
            return true;
        }
        if (is_digit(c)) {
            std::size_t start = pos_;
            std::uint32_t col = col_;
            bool overflow = false;
            std::int64_t value = 0;
            while (pos_ < text_.size() && is_digit(peek())) {
                auto digit = static_cast<std::int64_t>(peek() - '0');
                if (value > (std::numeric_limits<std::int64_t>::max() - digit) / 10) {
                    overflow = true;
                } else {
                    value = value * 10 + digit;
                }
                advance();
            }
            if (pos_ < text_.size() && is_ident_start(peek())) {
                while (pos_ < text_.size() && is_ident_char(peek())) {
                    advance();
                }
                diagnostics_.push_back(
                    diag::bad_token(here(token.line, col, col_),
                                    fmt::format("invalid number '{}'", text_.substr(start, pos_ - start))));
                token.kind = Tok::Int;  // keep a token so that the parser does not report more
                token.text = std::string(text_.substr(start, pos_ - start));
                token.value = 0;
                return true;
            }
            token.kind = Tok::Int;
            token.text = std::string(text_.substr(start, pos_ - start));
            if (overflow) {
                diagnostics_.push_back(diag::bad_token(
                    here(token.line, col, col_), fmt::format("integer literal '{}' is too large (the maximum is {})",
                                                             token.text, std::numeric_limits<std::int64_t>::max())));
                value = 0;
            }
            token.value = value;
            return true;
        }
        if (c == '"') {
            return lex_string(token);
        }
        auto two = [&](char a, char b) { return c == a && peek(1) == b; };
        struct Punct {
            char a;
            char b;
            Tok tok;
        };
        static constexpr Punct kTwo[] = {{'.', '.', Tok::DotDot}, {'-', '>', Tok::Arrow},  {':', '=', Tok::Assign},
                                         {'&', '&', Tok::AndAnd}, {'|', '|', Tok::OrOr},   {'=', '=', Tok::EqEq},
                                         {'!', '=', Tok::NotEq},  {'<', '=', Tok::LessEq}, {'>', '=', Tok::GreaterEq}};
        for (const auto& p : kTwo) {
            if (two(p.a, p.b)) {
                advance();
                advance();
                token.kind = p.tok;
                return true;
            }
        }
        static constexpr Punct kOne[] = {{';', 0, Tok::Semi},     {':', 0, Tok::Colon},  {',', 0, Tok::Comma},
                                         {'(', 0, Tok::LParen},   {')', 0, Tok::RParen}, {'[', 0, Tok::LBracket},
                                         {']', 0, Tok::RBracket}, {'{', 0, Tok::LBrace}, {'}', 0, Tok::RBrace},
                                         {'+', 0, Tok::Plus},     {'-', 0, Tok::Minus},  {'*', 0, Tok::Star},
                                         {'/', 0, Tok::Slash},    {'!', 0, Tok::Bang},   {'<', 0, Tok::Less},
                                         {'>', 0, Tok::Greater},  {'=', 0, Tok::Equals}, {'?', 0, Tok::Question}};
        for (const auto& p : kOne) {
            if (c == p.a) {
                advance();
                token.kind = p.tok;
                return true;
            }
        }
        std::uint32_t col = col_;
        std::string shown;
        auto uc = static_cast<unsigned char>(c);
        if (uc >= 0x20 && uc < 0x7f) {
            shown = fmt::format("'{}'", c);
        } else {
            shown = fmt::format("byte 0x{:02x}", uc);
        }
        if (c == '&' || c == '|') {
            diagnostics_.push_back(
                diag::bad_token(here(token.line, col, col + 1),
                                fmt::format("unexpected character {}; did you mean '{}{}'?", shown, c, c)));
            advance();
            token.kind = c == '&' ? Tok::AndAnd : Tok::OrOr;  // recover as the operator meant
            return true;
        }
        if (uc >= 0x80) {
            // one diagnostic per UTF-8 sequence, not per byte
            std::size_t start = pos_;
            advance();
            while (pos_ < text_.size() && (static_cast<unsigned char>(peek()) & 0xC0U) == 0x80U) {
                advance();
            }
            diagnostics_.push_back(diag::bad_token(
                here(token.line, col, col + 1),
                fmt::format(
                    "unexpected non-ASCII character '{}' (names are ASCII; text belongs in strings or comments)",
                    text_.substr(start, pos_ - start))));
            return false;
        } else {
            diagnostics_.push_back(
                diag::bad_token(here(token.line, col, col + 1), fmt::format("unexpected character {}", shown)));
        }
        advance();
        return false;
    }

    bool lex_string(Token& token) {
        std::uint32_t col = col_;
        advance();  // opening quote
        std::string value;
        while (true) {
            if (pos_ >= text_.size() || peek() == '\n') {
                diagnostics_.push_back(diag::bad_token(here(token.line, col, col_), "unterminated string"));
                token.kind = Tok::String;  // keep what was read so that parsing can go on
                token.text = std::move(value);
                return true;
            }
            char c = peek();
            if (c == '"') {
                advance();
                break;
            }
            if (c == '\\') {
                advance();
                char e = peek();
                switch (e) {
                case '"':
                    value += '"';
                    break;
                case '\\':
                    value += '\\';
                    break;
                case 'n':
                    value += '\n';
                    break;
                case 't':
                    value += '\t';
                    break;
                default:
                    diagnostics_.push_back(diag::bad_token(here(line_, col_ - 1, col_ + 1),
                                                           e == '\0' || e == '\n'
                                                               ? std::string("unterminated string")
                                                               : fmt::format("unknown escape sequence '\\{}'", e)));
                    if (e == '\0' || e == '\n') {
                        return false;
                    }
                    break;
                }
                advance();
                continue;
            }
            value += c;
            advance();
        }
        if (!valid_utf8(value)) {
            diagnostics_.push_back(diag::bad_token(here(token.line, col, col_), "string is not valid UTF-8"));
        }
        token.kind = Tok::String;
        token.text = std::move(value);
        return true;
    }

    /// Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
    static bool valid_utf8(std::string_view s) {
        std::size_t i = 0;
        while (i < s.size()) {
            auto c = static_cast<unsigned char>(s[i]);
            std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
            if (len == 0 || i + len > s.size()) {
                return false;
            }
            std::uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1FU) : len == 3 ? (c & 0x0FU) : (c & 0x07U);
            for (std::size_t k = 1; k < len; ++k) {
                auto cc = static_cast<unsigned char>(s[i + k]);
                if ((cc & 0xC0U) != 0x80U) {
                    return false;
                }
                cp = (cp << 6) | (cc & 0x3FU);
            }
            static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
            if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
                return false;
            }
            i += len;
        }
        return true;
    }

    SourceFilePtr file_;
    std::string_view text_;
    std::vector<Diagnostic>& diagnostics_;
    std::size_t pos_{0};
    std::uint32_t line_{1};
    std::uint32_t col_{1};
};

}  // namespace

LexResult lex(const SourceFilePtr& file, std::vector<Diagnostic>& diagnostics) {
    return Lexer{file, diagnostics}.run();
}

}  // namespace lwm2mc::model::detail
