// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "lwm2mc/model/diagnostics.hpp"
#include "lwm2mc/model/model.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lwm2mc::model {

/// Reads the file at `path`; on failure returns nullopt and puts the reason into `error`.
using FileReader = std::function<std::optional<std::string>(const std::string& path, std::string& error)>;

/// Reads from the file system; refuses non-regular files and files larger than 16 MiB.
std::optional<std::string> read_file(const std::string& path, std::string& error);

struct LoadOptions {
    FileReader reader{read_file};  ///< used for the main file, includes and overlay bases
};

/// The outcome of loading: a model when there was no error, and every diagnostic found.
struct LoadResult {
    std::optional<Model> model{};
    std::vector<Diagnostic> diagnostics{};

    bool ok() const { return model.has_value(); }
};

/// Loads a model or an overlay file (an overlay loads its base first and applies itself to it).
/// Never throws for bad input; I/O failures are diagnostics (E003).
LoadResult load_model(const std::string& path, const LoadOptions& options = {});

/// As load_model, from text; `display_name` is used in diagnostics and to resolve relative includes.
LoadResult parse_model(std::string_view text, const std::string& display_name, const LoadOptions& options = {});

/// Loads `base_path` and applies the overlay file `overlay_path` to it, whatever base the overlay
/// itself names (`lwm2mc check BASE --proposal OVERLAY`).
LoadResult load_with_overlay(const std::string& base_path, const std::string& overlay_path,
                             const LoadOptions& options = {});

}  // namespace lwm2mc::model
