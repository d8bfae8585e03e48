# SPDX-License-Identifier: Apache-2.0
# Integration tests over libcoap3 on loopback: test peers and the node-lib interop test.
# Included from tests/client/CMakeLists.txt, so paths are relative to this file's directory.

set(lwm2mc_net_dir "${CMAKE_CURRENT_LIST_DIR}")

# Header-only helper that spawns lwm2m-node-lib's server (node_lib_server.hpp): link this to get the include
# path, LWM2MC_INTEROP_DIR and nlohmann_json.
add_library(lwm2mc_test_node_lib INTERFACE)
target_include_directories(lwm2mc_test_node_lib INTERFACE "${lwm2mc_net_dir}")
target_compile_definitions(lwm2mc_test_node_lib INTERFACE LWM2MC_INTEROP_DIR="${PROJECT_SOURCE_DIR}/tests/interop")
target_link_libraries(lwm2mc_test_node_lib INTERFACE lwm2mc::client_core nlohmann_json::nlohmann_json)

add_executable(client_net_tests
    "${lwm2mc_net_dir}/coap_codec_test.cpp"
    "${lwm2mc_net_dir}/dtls_test.cpp"
    "${lwm2mc_net_dir}/node_lib_interop_test.cpp"
    "${lwm2mc_net_dir}/observe_transport_test.cpp"
    "${lwm2mc_net_dir}/peers_test.cpp"
    "${lwm2mc_net_dir}/transport_blockwise_test.cpp"
    "${lwm2mc_net_dir}/transport_test.cpp"
)
target_link_libraries(client_net_tests PRIVATE lwm2mc::conformance lwm2mc_test_node_lib lwm2mc::reference_client
    GTest::gtest_main)
gtest_discover_tests(client_net_tests DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 60)
