// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "lwm2mc/model/diagnostics.hpp"
#include "lwm2mc/model/model.hpp"

#include <optional>
#include <string>
#include <vector>

#include "detail/ast.hpp"

namespace lwm2mc::model::detail {

/// The declarations of a model after includes were expanded and overlays applied.
struct Program {
    std::string name{};
    std::string title{};
    std::string base_name{};
    SourceRange header_range{};
    std::vector<std::string> files{};
    std::vector<Decl> decls{};
};

/// Resolves names, checks types and builds the graph. Returns no model when any error was found;
/// every error is appended to `diagnostics`.
std::optional<Model> resolve(Program program, std::vector<Diagnostic>& diagnostics);

}  // namespace lwm2mc::model::detail
