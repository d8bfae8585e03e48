# SPDX-License-Identifier: Apache-2.0
# Fails when a module includes a header it must not see (HOUSE_STYLE 2.2).
#   cmake -DSOURCE_DIR=<repo> -P check_boundaries.cmake
set(rules
    "model|z3|the model library must not include Z3 (only checker/ does)"
    "diagrams|z3|diagrams must not include Z3"
    "testgen|z3|test generation must not include Z3 (findings reach it as witnesses)"
    "testgen|lwm2mc/checker|test generation depends on the model only (the CLI passes the checker's witnesses)"
    "conformance|z3|the conformance tester must not include Z3"
    "conformance|lwm2mc/checker|the conformance tester depends on the model and testgen, not the checker"
    "conformance|lwm2mc/client/client.hpp|the tester borrows the reference client's CoAP transport, never its engine"
    "reference_client|z3|the reference client must not include Z3"
    "reference_client|boost/|the reference client must not include Boost")
set(failed FALSE)
foreach(rule IN LISTS rules)
    string(REPLACE "|" ";" parts "${rule}")
    list(GET parts 0 dir)
    list(GET parts 1 pattern)
    list(GET parts 2 why)
    if(NOT IS_DIRECTORY "${SOURCE_DIR}/${dir}")
        continue()
    endif()
    file(GLOB_RECURSE files "${SOURCE_DIR}/${dir}/*.hpp" "${SOURCE_DIR}/${dir}/*.cpp" "${SOURCE_DIR}/${dir}/*.h")
    foreach(f IN LISTS files)
        file(STRINGS "${f}" lines REGEX "^[ \t]*#[ \t]*include[ \t]*[<\"]${pattern}")
        if(lines)
            message(SEND_ERROR "${f}: ${why}: ${lines}")
            set(failed TRUE)
        endif()
    endforeach()
endforeach()
if(failed)
    message(FATAL_ERROR "module boundary violations found")
endif()
message(STATUS "module boundaries respected")
