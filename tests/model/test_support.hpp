// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "lwm2mc/model/loader.hpp"

#include <gtest/gtest.h>

#include <string>

namespace lwm2mc::test {

/// Loads an inline model with file access disabled (includes fail with E003).
inline model::LoadResult load_text(const std::string& text, const std::string& name = "test.lwm2m") {
    model::LoadOptions options;
    options.reader = nullptr;
    return model::parse_model(text, name, options);
}

/// Loads an inline model and fails the test (printing the diagnostics) when it is invalid.
inline model::Model load_valid(const std::string& text) {
    auto r = load_text(text);
    EXPECT_TRUE(r.ok()) << model::format_diagnostics(r.diagnostics);
    if (!r.ok()) {
        throw std::runtime_error("model did not load");
    }
    return std::move(*r.model);
}

/// Loads a model file and fails the test (printing the diagnostics) when it is invalid.
inline model::Model load_file(const std::string& path) {
    auto r = model::load_model(path);
    EXPECT_TRUE(r.ok()) << model::format_diagnostics(r.diagnostics);
    if (!r.ok()) {
        throw std::runtime_error(path + " did not load");
    }
    return std::move(*r.model);
}

/// Diagnostics text of an inline model (empty when valid).
inline std::string diagnostics_of(const std::string& text) {
    return model::format_diagnostics(load_text(text).diagnostics);
}

}  // namespace lwm2mc::test
