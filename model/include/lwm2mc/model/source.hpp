// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace lwm2mc::model {

/// The text of one model file, kept alive by every SourceRange that points into it.
class SourceFile {
public:
    SourceFile(std::string display_name, std::string text);

    const std::string& name() const { return name_; }
    const std::string& text() const { return text_; }
    /// The text of 1-based line `line` without its newline; empty when out of range.
    std::string_view line_text(std::uint32_t line) const;
    std::uint32_t line_count() const { return static_cast<std::uint32_t>(line_starts_.size()); }

private:
    std::string name_{};
    std::string text_{};
    std::vector<std::size_t> line_starts_{};
};

using SourceFilePtr = std::shared_ptr<const SourceFile>;

/// A span of source text. Lines and columns are 1-based; `end_col` is exclusive and on `line`
/// (multi-line spans are clipped to their first line for carets).
struct SourceRange {
    SourceFilePtr file{};
    std::uint32_t line{0};
    std::uint32_t col{0};
    std::uint32_t end_col{0};

    bool valid() const { return file != nullptr && line > 0; }
    /// "file:line:col" (or "<unknown>").
    std::string to_string() const;
};

}  // namespace lwm2mc::model
