// SPDX-License-Identifier: Apache-2.0
#pragma once

// In-process rendering of DOT text with Graphviz's libraries (gvc/cgraph), without running `dot`.

#include "lwm2mc/diagrams/dot.hpp"

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

/// Lays `dot` out and renders it to SVG or PNG bytes (ImageFormat::Dot returns the text). The engine is the graph's
/// `layout` attribute (proposal diagrams ask for `nop2`), else dot. One Graphviz context is created per process and
/// reused; calls are serialised (Graphviz is not thread-safe). Throws RenderError.
std::string render(std::string_view dot, ImageFormat format);

/// Lays `dot` out with the dot engine and returns node positions and sizes, cluster boxes, and the splines of
/// edges that have an `id`. Throws RenderError.
Layout lay_out(std::string_view dot);

/// The proposal diagram's DOT text on the base's layout: lays out proposal_base_dot (the base figure) and the
/// proposal drawn without positions (to place added states), then returns proposal_to_dot with both. Throws
/// RenderError.
std::string proposal_dot(const ProposalInput& input, const DotOptions& options, const Highlights& highlights);

}  // namespace lwm2mc::diagrams
