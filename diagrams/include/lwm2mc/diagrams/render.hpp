// SPDX-License-Identifier: Apache-2.0
#pragma once

// In-process rendering of DOT text with Graphviz's libraries (gvc/cgraph), without running `dot`.

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace lwm2mc::diagrams {

enum class ImageFormat { Dot, Svg, Png };

/// The format an output path asks for by its extension (.dot, .gv, .svg, .png); nullopt otherwise.
std::optional<ImageFormat> format_from_path(std::string_view path);

/// DOT text that Graphviz cannot read, or a layout or rendering failure; the message is Graphviz's.
class RenderError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Lays `dot` out with the dot engine and renders it to SVG or PNG bytes (ImageFormat::Dot returns the text).
/// One Graphviz context is created per process and reused; calls are serialised (Graphviz is not thread-safe).
/// Throws RenderError.
std::string render(std::string_view dot, ImageFormat format);

}  // namespace lwm2mc::diagrams
