# SPDX-License-Identifier: Apache-2.0
# Fails when a C++ source is not formatted with the repository's .clang-format.
#   cmake -DSOURCE_DIR=<repo> -DCLANG_FORMAT=<path> -P check_format.cmake
file(GLOB_RECURSE sources
    "${SOURCE_DIR}/model/*.cpp" "${SOURCE_DIR}/model/*.hpp"
    "${SOURCE_DIR}/checker/*.cpp" "${SOURCE_DIR}/checker/*.hpp"
    "${SOURCE_DIR}/testgen/*.cpp" "${SOURCE_DIR}/testgen/*.hpp"
    "${SOURCE_DIR}/conformance/*.cpp" "${SOURCE_DIR}/conformance/*.hpp"
    "${SOURCE_DIR}/diagrams/*.cpp" "${SOURCE_DIR}/diagrams/*.hpp"
    "${SOURCE_DIR}/reference_client/*.cpp" "${SOURCE_DIR}/reference_client/*.hpp"
    "${SOURCE_DIR}/bench/*.cpp" "${SOURCE_DIR}/bench/*.hpp"
    "${SOURCE_DIR}/cli/*.cpp" "${SOURCE_DIR}/tests/*.cpp" "${SOURCE_DIR}/tests/*.hpp")
execute_process(COMMAND "${CLANG_FORMAT}" --dry-run --Werror ${sources}
    RESULT_VARIABLE result ERROR_VARIABLE errors)
if(NOT result EQUAL 0)
    message(FATAL_ERROR "sources are not clang-formatted (run: clang-format -i <files>):\n${errors}")
endif()
message(STATUS "all sources are clang-formatted")
