// SPDX-License-Identifier: Apache-2.0
#pragma once

// The property every input must satisfy, shared by the libFuzzer target and the corpus replay:
// loading never throws; canonical formatting is idempotent; a valid model stays the same model
// after formatting; the interpreter either steps or reports an EvalError.

#include "lwm2mc/model/commands.hpp"
#include "lwm2mc/model/interpreter.hpp"
#include "lwm2mc/model/loader.hpp"
#include "lwm2mc/model/printer.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace lwm2mc::fuzz {

inline std::string structure_without_locations(const model::Model& m) {
    nlohmann::json j = nlohmann::json::parse(model::model_to_json(m));
    for (auto& [key, value] : j.items()) {
        if (value.is_array()) {
            for (auto& item : value) {
                if (item.is_object()) {
                    item.erase("location");
                }
            }
        }
    }
    return j.dump();
}

inline void exercise_interpreter(const model::Model& m) {
    model::Interpreter interp{m};
    if (interp.valuation_count() > 4096) {
        return;
    }
    int configs = 0;
    interp.for_each_configuration([&](const model::Configuration& c) {
        try {
            model::ProductState s = interp.initial_state(c);
            for (int step = 0; step < 32; ++step) {
                auto enabled = interp.enabled_transitions(s, c);
                if (enabled.empty()) {
                    break;
                }
                auto t = enabled[static_cast<std::size_t>(step) % enabled.size()];
                (void)interp.duration(t, s, c);
                s = interp.step(s, t, c);
            }
        } catch (const model::EvalError&) {
            // overflow or range violation: a finding, not a crash
        }
        return ++configs < 8;
    });
}

/// Returns "" when the input behaves, else what went wrong.
inline std::string check_input(const std::string& text) {
    model::LoadOptions options;
    options.reader = nullptr;  // no file access while fuzzing
    model::LoadResult loaded = model::parse_model(text, "fuzz.lwm2m", options);
    if (loaded.ok() && model::has_errors(loaded.diagnostics)) {
        return "a model was returned together with errors";
    }
    if (!loaded.ok() && !model::has_errors(loaded.diagnostics)) {
        return "no model and no error";
    }
    model::FormatResult formatted = model::format_source(text, "fuzz.lwm2m");
    if (formatted.text) {
        model::FormatResult again = model::format_source(*formatted.text, "fuzz.lwm2m");
        if (!again.text) {
            return "the canonical form does not parse:\n" + *formatted.text + "\n" +
                   model::format_diagnostics(again.diagnostics);
        }
        if (*again.text != *formatted.text) {
            return "formatting is not idempotent:\n" + *formatted.text + "\n---\n" + *again.text;
        }
        if (loaded.ok()) {
            model::LoadResult reloaded = model::parse_model(*formatted.text, "fuzz.lwm2m", options);
            if (!reloaded.ok()) {
                return "the canonical form of a valid model is invalid:\n" +
                       model::format_diagnostics(reloaded.diagnostics);
            }
            if (structure_without_locations(*reloaded.model) != structure_without_locations(*loaded.model)) {
                return "formatting changed the model";
            }
        }
    }
    if (loaded.ok()) {
        exercise_interpreter(*loaded.model);
    }
    return "";
}

}  // namespace lwm2mc::fuzz
