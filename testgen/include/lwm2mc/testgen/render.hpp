// SPDX-License-Identifier: Apache-2.0
#pragma once

// Renderings of a suite set: the JSON document the conformance tester reads (lwm2mc-suite/1,
// docs/testing.md), Markdown for people, and a GoogleTest source that drives the reference client.

#include "lwm2mc/model/model.hpp"
#include "lwm2mc/testgen/suite.hpp"

#include <string>

namespace lwm2mc::testgen {

std::string render_json(const model::Model& model, const SuiteSet& suites);
std::string render_markdown(const model::Model& model, const SuiteSet& suites);
/// A GoogleTest source: the JSON document embedded, one TEST(`test_suite_name`, ClassNCaseM) per
/// case, each calling lwm2mc::generated::run_case (tests/client/generated/generated_suite_driver.hpp).
std::string render_gtest(const model::Model& model, const SuiteSet& suites, const std::string& test_suite_name);

}  // namespace lwm2mc::testgen
