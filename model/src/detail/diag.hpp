// SPDX-License-Identifier: Apache-2.0
#pragma once

// Named factories for every diagnostic of the loader, so that each message is worded in one
// place (CLI11's Error.hpp). Codes are stable and listed in docs/diagnostics.md.

#include "lwm2mc/model/diagnostics.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lwm2mc::model::detail::diag {

/// The candidate closest to `name` by edit distance, or "" when none is close enough.
std::string closest(std::string_view name, const std::vector<std::string>& candidates);

Diagnostic unexpected_token(const SourceRange& at, std::string_view expected, std::string_view got);            // E001
Diagnostic syntax(const SourceRange& at, std::string message);                                                  // E001
Diagnostic bad_token(const SourceRange& at, std::string message);                                               // E002
Diagnostic cannot_read(const SourceRange& at, std::string_view path, std::string_view why);                     // E003
Diagnostic include_cycle(const SourceRange& at, std::string_view path);                                         // E004
Diagnostic overlay_cycle(const SourceRange& at, std::string_view path);                                         // E004
Diagnostic misplaced_header(const SourceRange& at, std::string message);                                        // E005
Diagnostic nested_too_deeply(const SourceRange& at);                                                            // E006
Diagnostic unknown_state(const SourceRange& at, std::string_view name, const std::vector<std::string>& known);  // E010
Diagnostic unknown_name(const SourceRange& at, std::string_view name, const std::vector<std::string>& known);   // E011
Diagnostic unknown_event(const SourceRange& at, std::string_view name, const std::vector<std::string>& known);  // E012
Diagnostic unknown_actor(const SourceRange& at, std::string_view name);                                         // E013
Diagnostic type_mismatch(const SourceRange& at, std::string_view context, std::string_view expected,
                         std::string_view got);                                                  // E020
Diagnostic bad_range(const SourceRange& at, std::string message);                                // E021
Diagnostic not_constant(const SourceRange& at, std::string_view what);                           // E022
Diagnostic not_assignable(const SourceRange& at, std::string_view kind, std::string_view name);  // E023
Diagnostic invalid_reference(const SourceRange& at, std::string_view kind, std::string_view name,
                             std::string_view context);  // E024
Diagnostic duplicate(const SourceRange& at, std::string_view kind, std::string_view name, const SourceRange& previous,
                     std::string_view previous_kind = {});  // E030
Diagnostic missing_initial_state(const SourceRange& at);    // E031
Diagnostic multiple_initial_states(const SourceRange& at, std::string_view name, std::string_view first,
                                   const SourceRange& previous);                                        // E032
Diagnostic missing_goal_state(const SourceRange& at);                                                   // E033
Diagnostic duplicate_update(const SourceRange& at, std::string_view var, const SourceRange& previous);  // E034
Diagnostic overlay_target_missing(const SourceRange& at, std::string_view kind, std::string_view name,
                                  const std::vector<std::string>& known);  // E040
Diagnostic overlay_only(const SourceRange& at, std::string_view what);     // E041
Diagnostic ambiguous_row(const SourceRange& at, std::string_view kind, std::string_view row, std::size_t count,
                         bool guard_given = false);  // E042
Diagnostic event_left_without_transitions(const SourceRange& at, std::string_view event, std::size_t base_rows,
                                          const SourceRange& declared);        // W043
Diagnostic bad_array_size(const SourceRange& at, std::string message);         // E050
Diagnostic index_not_constant(const SourceRange& at, std::string_view array);  // E051
Diagnostic index_out_of_range(const SourceRange& at, std::string_view array, std::int64_t index, std::int64_t lo,
                              std::int64_t hi);  // E052
Diagnostic array_without_index(const SourceRange& at, std::string_view kind, std::string_view array, std::int64_t lo,
                               std::int64_t hi);                                                               // E053
Diagnostic not_an_array(const SourceRange& at, std::string_view name);                                         // E054
Diagnostic loop_index_clash(const SourceRange& at, std::string_view index, std::string_view what);             // E055
Diagnostic bad_loop(const SourceRange& at, std::string message);                                               // E056
Diagnostic bad_region(const SourceRange& at, std::string message);                                             // E057
Diagnostic nonlinear_product(const SourceRange& at);                                                           // E070
Diagnostic event_set_not_subset(const SourceRange& at, std::string_view event, std::string_view property);     // E071
Diagnostic negative_time_bound(const SourceRange& at, std::int64_t value);                                     // E072
Diagnostic duplicate_event_in_set(const SourceRange& at, std::string_view event);                              // E073
Diagnostic named_type_not_enum(const SourceRange& at);                                                         // E060
Diagnostic unknown_type(const SourceRange& at, std::string_view name, const std::vector<std::string>& known);  // E061
Diagnostic unknown_peer(const SourceRange& at, std::string_view name);                                         // E062
Diagnostic actor_takes_no_peer(const SourceRange& at, std::string_view actor);                                 // E063
Diagnostic second_goal(const SourceRange& at, const SourceRange& previous);                                    // E064
Diagnostic too_many_errors(const SourceRange& at, std::size_t limit);                                          // E099

}  // namespace lwm2mc::model::detail::diag
