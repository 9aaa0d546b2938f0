// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QtGlobal>

namespace fe::test {

// A bare blocking TCP client socket connected to 127.0.0.1:port, or -1. Thousands of them are far cheaper than
// QTcpSockets (the listener tests and bench_listener open idle Falcosidekick-style connections with it).
int connectToLoopback(quint16 port);

} // namespace fe::test
