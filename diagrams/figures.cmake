# SPDX-License-Identifier: Apache-2.0
# The committed figures of the shipped models (diagrams/figures/), in one list for the `figures` target
# (MODE=update: rewrite .dot, .svg and .png) and the `diagram_drift` test (MODE=check: the committed .dot
# must be what the model produces now).
#   cmake -DCLI=<lwm2mc> -DSOURCE_DIR=<repo> -DMODE=update|check [-DWORK_DIR=<dir>] -P diagrams/figures.cmake

set(base model/specs/lwm2m-ts10-draft.lwm2m)
set(proposal model/specs/proposals/2017-0009-ci-with-si.lwm2m)
set(si_only "factory=false,smartcard=false,client_initiated=false,server_initiated=true")

# name | arguments (;-separated) after MODEL
# 2017-0009-base is the base figure the proposal figure 2017-0009-ci-with-si keeps the layout of (same options):
# the two are read side by side.
set(figures
    "lwm2m-ts10-draft|${base}"
    "lwm2m-ts10-draft-findings|${base}|--findings|--trace|no-recovery:BsFailed"
    "lwm2m-ts10-draft-si-only|${base}|--config|${si_only}|--findings|--trace|no-recovery:BsFailed"
    "2017-0009-base|${base}|--findings"
    "2017-0009-ci-with-si|${base}|--proposal|${proposal}|--findings"
)

if(NOT CLI OR NOT SOURCE_DIR OR NOT MODE)
    message(FATAL_ERROR "usage: cmake -DCLI=... -DSOURCE_DIR=... -DMODE=update|check -P figures.cmake")
endif()
if(NOT WORK_DIR)
    set(WORK_DIR "${SOURCE_DIR}/build/figures-check")
endif()
file(MAKE_DIRECTORY "${WORK_DIR}")

set(drift "")
foreach(entry IN LISTS figures)
    string(REPLACE "|" ";" fields "${entry}")
    list(POP_FRONT fields name)
    if(MODE STREQUAL "update")
        foreach(ext dot svg png)
            execute_process(COMMAND "${CLI}" diagram ${fields} -o "diagrams/figures/${name}.${ext}"
                            WORKING_DIRECTORY "${SOURCE_DIR}" RESULT_VARIABLE rc ERROR_VARIABLE err)
            if(NOT rc EQUAL 0)
                message(FATAL_ERROR "lwm2mc diagram ${fields} -o ${name}.${ext} failed (${rc}): ${err}")
            endif()
        endforeach()
        message(STATUS "diagrams/figures/${name}.{dot,svg,png}")
    else()
        execute_process(COMMAND "${CLI}" diagram ${fields} -o "${WORK_DIR}/${name}.dot"
                        WORKING_DIRECTORY "${SOURCE_DIR}" RESULT_VARIABLE rc ERROR_VARIABLE err)
        if(NOT rc EQUAL 0)
            message(FATAL_ERROR "lwm2mc diagram ${fields} failed (${rc}): ${err}")
        endif()
        file(READ "${WORK_DIR}/${name}.dot" now)
        file(READ "${SOURCE_DIR}/diagrams/figures/${name}.dot" committed)
        if(NOT now STREQUAL committed)
            list(APPEND drift "${name}")
        endif()
    endif()
endforeach()
if(drift)
    message(FATAL_ERROR "figures out of date: ${drift}; the model or the diagram code changed. "
                        "Regenerate with `cmake --build <build dir> --target figures`, look at the PNGs, commit.")
endif()
