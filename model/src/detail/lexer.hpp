// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "lwm2mc/model/diagnostics.hpp"
#include "lwm2mc/model/source.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace lwm2mc::model::detail {

enum class Tok : std::uint8_t {
    End,
    Ident,
    Int,
    String,
    Semi,       // ;
    Colon,      // :
    Comma,      // ,
    DotDot,     // ..
    LParen,     // (
    RParen,     // )
    LBracket,   // [
    RBracket,   // ]
    LBrace,     // {
    RBrace,     // }
    Plus,       // +
    Minus,      // -
    Star,       // *
    Slash,      // /
    Arrow,      // ->
    Assign,     // :=
    Bang,       // !
    AndAnd,     // &&
    OrOr,       // ||
    EqEq,       // ==
    NotEq,      // !=
    Less,       // <
    LessEq,     // <=
    Greater,    // >
    GreaterEq,  // >=
    Equals,     // =
    Question,   // ?
};

const char* tok_spelling(Tok tok);

struct Token {
    Tok kind{Tok::End};
    std::string text{};     ///< identifier name, decoded string, or the literal digits
    std::int64_t value{0};  ///< Int
    std::uint32_t line{0};
    std::uint32_t col{0};
    std::uint32_t end_line{0};
    std::uint32_t end_col{0};  ///< exclusive
};

struct Comment {
    std::string text{};
    std::uint32_t line{0};
    std::uint32_t col{0};
    std::uint32_t end_line{0};
};

struct LexResult {
    std::vector<Token> tokens{};  ///< always ends with Tok::End
    std::vector<Comment> comments{};
};

/// Splits a model file into tokens. Bad characters, unterminated strings or comments and
/// out-of-range integers are reported as E002 and skipped, so that parsing can go on.
LexResult lex(const SourceFilePtr& file, std::vector<Diagnostic>& diagnostics);

}  // namespace lwm2mc::model::detail
