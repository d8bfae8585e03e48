# SPDX-License-Identifier: Apache-2.0
# libcoap3 transport: lwm2mc::reference_client = client_core + transport_coap.
# libcoap stays PRIVATE: the public header transport_coap.hpp is a pimpl and includes no coap3 header.

add_library(lwm2mc_reference_client
    src/transport_coap.cpp
)
add_library(lwm2mc::reference_client ALIAS lwm2mc_reference_client)
target_include_directories(lwm2mc_reference_client PUBLIC "${CMAKE_CURRENT_SOURCE_DIR}/include")
target_link_libraries(lwm2mc_reference_client PUBLIC lwm2mc::client_core PRIVATE PkgConfig::COAP)
