# SPDX-License-Identifier: Apache-2.0
# libcoap3 transport: lwm2mc::reference_client = client_core + transport_coap.
