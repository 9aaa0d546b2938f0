// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QtGlobal>

#include <limits>

namespace fe {

// The times an alert may carry: from 1970-01-01 to 2262-04-11T23:47:16.854Z (int64 nanoseconds since the epoch, as
// Falco counts). Anything else (a negative time, 1e30, a year 9999 header) would poison the store's time columns and
// aggregates: the mapper falls back from it, and the store replaces any that still reaches it (AlertStore::insert).
inline constexpr qint64 kMinAlertTimeMs = 0;
inline constexpr qint64 kMaxAlertTimeMs = std::numeric_limits<qint64>::max() / 1000000;
inline constexpr bool alertTimeInRange(qint64 ms)
{
    return ms >= kMinAlertTimeMs && ms <= kMaxAlertTimeMs;
}

} // namespace fe
