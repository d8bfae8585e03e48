// SPDX-License-Identifier: Apache-2.0
#pragma once

// `lwm2mc diagram`: the glue between the checker and the diagrams library, which does not know the checker.

#include "lwm2mc/checker/check.hpp"
#include "lwm2mc/diagrams/dot.hpp"
#include "lwm2mc/model/commands.hpp"

#include <optional>
#include <string>

namespace lwm2mc::cli {

struct DiagramCommandOptions {
    std::string model{};
    std::optional<std::string> proposal{};
    std::optional<std::string> config{};  ///< "name=value,..." (--config)
    bool findings{false};                 ///< draw the checker's findings and a legend for them
    std::optional<std::string> trace{};   ///< id of the finding whose witness is drawn
    std::string output{};                 ///< .svg, .png or .dot
    checker::Engine engine{checker::Engine::Z3};
    bool legend{true};
};

/// Findings as highlight sets: states of one kind under one condition form one mark (F1, F2, ...).
diagrams::Highlights highlights_from(const model::Model& model, const checker::CheckResult& result);

/// Loads the model (and overlay), checks it when findings or a trace are asked for, writes the picture
/// atomically. Returns 0, 2 (invalid model or option), 3 (unreadable/unwritable file, Graphviz or solver error).
int diagram_command(const DiagramCommandOptions& options, const CommandIo& io);

}  // namespace lwm2mc::cli
