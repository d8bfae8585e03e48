// SPDX-License-Identifier: Apache-2.0
#include "lwm2mc/diagrams/render.hpp"

#include <cstdio>
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
    const char* engine = agget(graph.get(), const_cast<char*>("layout"));
    if (gvLayout(gvc, graph.get(), engine != nullptr && *engine != '\0' ? engine : "dot") != 0) {
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

namespace {

/// The value of attribute `name` of `object`, or "" (also when the graph does not declare it).
std::string attribute(void* object, const char* name) {
    const char* value = agget(object, const_cast<char*>(name));
    return value != nullptr ? value : "";
}

/// Reads "x,y" (a Graphviz point); false when the text is not one.
bool read_point(const std::string& text, double& x, double& y) {
    return std::sscanf(text.c_str(), "%lf,%lf", &x, &y) == 2;
}

void read_clusters(Agraph_t* g, Layout& out) {
    for (Agraph_t* sub = agfstsubg(g); sub != nullptr; sub = agnxtsubg(sub)) {
        const std::string name = agnameof(sub);
        Layout::Box box;
        if (name.rfind("cluster", 0) == 0 &&
            std::sscanf(attribute(sub, "bb").c_str(), "%lf,%lf,%lf,%lf", &box.x0, &box.y0, &box.x1, &box.y1) == 4) {
            out.clusters[name] = box;
        }
        read_clusters(sub, out);
    }
}

}  // namespace

Layout lay_out(std::string_view dot) {
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
    Agraph_t* g = graph.get();
    if (gvLayout(gvc, g, "dot") != 0) {
        throw RenderError("graphviz layout failed: " + last_error());
    }
    attach_attrs(g);  // writes pos, width, height, bb and lp as attributes, as `dot -Tdot` prints them
    Layout out;
    constexpr double kPointsPerInch = 72.0;
    for (Agnode_t* n = agfstnode(g); n != nullptr; n = agnxtnode(g, n)) {
        Layout::Node node;
        if (read_point(attribute(n, "pos"), node.x, node.y)) {
            node.width = std::stod("0" + attribute(n, "width")) * kPointsPerInch;
            node.height = std::stod("0" + attribute(n, "height")) * kPointsPerInch;
            out.nodes[agnameof(n)] = node;
        }
        for (Agedge_t* e = agfstout(g, n); e != nullptr; e = agnxtout(g, e)) {
            const std::string id = attribute(e, "id");
            if (!id.empty()) {
                out.edges[id] = {attribute(e, "pos"), attribute(e, "lp")};
            }
        }
    }
    read_clusters(g, out);
    // No gvFreeLayout, as in render().
    return out;
}

std::string proposal_dot(const ProposalInput& input, const DotOptions& options, const Highlights& highlights) {
    const Layout base = lay_out(proposal_base_dot(input, options));
    const Layout own = lay_out(proposal_to_dot(input, options, highlights, {}, {}));
    return proposal_to_dot(input, options, highlights, base, own);
}

}  // namespace lwm2mc::diagrams
