# SPDX-License-Identifier: Apache-2.0
# Refuse in-source builds (cmake-init's prelude).
if(CMAKE_SOURCE_DIR STREQUAL CMAKE_BINARY_DIR)
    message(FATAL_ERROR "In-source builds are not supported. Use: cmake -S . -B build")
endif()
