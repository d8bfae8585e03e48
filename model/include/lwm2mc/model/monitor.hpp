// SPDX-License-Identifier: Apache-2.0
#pragma once

// The one meaning of event properties: a monitor written into a copy of the model.

#include "lwm2mc/model/model.hpp"

#include <string>

namespace lwm2mc::model {

/// A copy of `model` in which every event property is an invariant over ghost monitor variables:
/// for each event property, ghost variables (Variable::ghost, persistent, never reset), extra
/// updates on the existing transitions (same ids, names, sources and targets; no guard changes,
/// so the copy has the runs of the original, each step recorded by the monitor) and one
/// `invariant` with the property's name, range and text (Property::event_pattern) that fails
/// exactly in the states reached by a violating transition. The copy has no event properties;
/// a model without them is returned unchanged. See docs/semantics.md, "Event properties".
Model instrument_event_properties(const Model& model);

/// An event property in model syntax, without `property NAME:` ("after e next {f, g} is f").
std::string format_event_property(const Model& model, const EventProperty& property);

}  // namespace lwm2mc::model
