# SPDX-License-Identifier: Apache-2.0
# Integration tests over libcoap3 on loopback: test peers and the node-lib interop test.
