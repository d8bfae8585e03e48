// SPDX-License-Identifier: Apache-2.0
#include "lwm2mc/model/source.hpp"

#include <fmt/format.h>

namespace lwm2mc::model {

SourceFile::SourceFile(std::string display_name, std::string text)
    : name_{std::move(display_name)}, text_{std::move(text)} {
    line_starts_.push_back(0);
    for (std::size_t i = 0; i < text_.size(); ++i) {
        if (text_[i] == '\n') {
            line_starts_.push_back(i + 1);
        }
    }
}

std::string_view SourceFile::line_text(std::uint32_t line) const {
    if (line == 0 || line > line_starts_.size()) {
        return {};
    }
    std::size_t start = line_starts_[line - 1];
    std::size_t end = line < line_starts_.size() ? line_starts_[line] - 1 : text_.size();
    std::string_view view(text_);
    view = view.substr(start, end - start);
    if (!view.empty() && view.back() == '\r') {
        view.remove_suffix(1);
    }
    return view;
}

std::string SourceRange::to_string() const {
    if (!valid()) {
        return "<unknown>";
    }
    return fmt::format("{}:{}:{}", file->name(), line, col);
}

}  // namespace lwm2mc::model
