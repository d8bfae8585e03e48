// SPDX-License-Identifier: Apache-2.0
#include "lwm2mc/diagrams/render.hpp"

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>
#include <memory>
#include <mutex>
#include <string>

namespace lwm2mc::diagrams {

std::optional<ImageFormat> format_from_path(std::string_view path) {
    auto ends_with = [&](std::string_view suffix) {
        return path.size() > suffix.size() && path.substr(path.size() - suffix.size()) == suffix;
    };
    if (ends_with(".dot") || ends_with(".gv")) {
        return ImageFormat::Dot;
    }
    if (ends_with(".svg")) {
        return ImageFormat::Svg;
    }
    if (ends_with(".png")) {
        return ImageFormat::Png;
    }
    return std::nullopt;
}

namespace {

std::mutex& graphviz_mutex() {
    static std::mutex m;
    return m;
}

/// Graphviz's error text since the last call (cgraph keeps it in a global buffer).
std::string last_error() {
    const char* e = aglasterr();
    std::string out = e != nullptr ? e : "";
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) {
        out.pop_back();
    }
    return out.empty() ? "graphviz reported an error without a message" : out;
}

/// One context per process, never freed: repeated gvContext/gvFreeContext leaks plugin lists
/// (Graphviz issue #132, shared/notes/z3-boost-graphviz.md 4.2).
GVC_t* context() {
    static GVC_t* gvc = [] {
        agseterr(AGMAX);  // print nothing: errors are kept for aglasterr and reported in RenderError
        return gvContext();
    }();
    return gvc;
}

struct GraphCloser {
    void operator()(Agraph_t* g) const { agclose(g); }
};

}  // namespace

std::string render(std::string_view dot, ImageFormat format) {
    if (format == ImageFormat::Dot) {
        return std::string{dot};
    }
    const std::lock_guard lock{graphviz_mutex()};
    GVC_t* gvc = context();
    if (gvc == nullptr) {
        throw RenderError("cannot create a Graphviz context");
    }
    const std::string text{dot};
    std::unique_ptr<Agraph_t, GraphCloser> graph{agmemread(text.c_str())};
    if (!graph) {
        throw RenderError("graphviz cannot read the DOT text: " + last_error());
    }
    if (format == ImageFormat::Png) {
        agsafeset(graph.get(), const_cast<char*>("dpi"), const_cast<char*>("110"), const_cast<char*>(""));
    }
    if (gvLayout(gvc, graph.get(), "dot") != 0) {
        throw RenderError("graphviz layout failed: " + last_error());
    }
    char* data = nullptr;
    unsigned int length = 0;  // Graphviz 2.42: unsigned int*; later releases take size_t*
    const char* renderer = format == ImageFormat::Svg ? "svg" : "png";
    const int rc = gvRenderData(gvc, graph.get(), renderer, &data, &length);
    std::string out;
    if (rc == 0 && data != nullptr) {
        out.assign(data, length);
    }
    if (data != nullptr) {
        gvFreeRenderData(data);
    }
    // No gvFreeLayout: in Graphviz 2.42 (Debian 12) dot's cleanup double-frees when edges carry labels in a graph
    // with clusters (found by ASan on the shipped model; `dot` itself never frees its layout). The layout's
    // memory (about 90 KiB for the shipped model) is left to the process; agclose still frees the graph.
    if (rc != 0 || out.empty()) {
        throw RenderError(std::string{"graphviz cannot render "} + renderer + ": " + last_error() +
                          " (is the Graphviz plugin for it installed? `dot -c` registers plugins)");
    }
    return out;
}

}  // namespace lwm2mc::diagrams
