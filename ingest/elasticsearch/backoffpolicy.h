// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QtGlobal>

#include <functional>

namespace fe {

// Exponential backoff with "equal jitter": the n-th retry (n >= 1) waits between half and all of
// min(max, base * 2^(n-1)). Half is fixed so a retry never fires immediately after a 429; the other half
// is random so many clients that failed together do not come back together. Pure: the random source
// is injectable (returns a value in [0, 1)), so tests see exact delays.
class BackoffPolicy
{
public:
    BackoffPolicy(int baseMs = 500, int maxMs = 60000);

    int baseMs() const { return m_baseMs; }
    int maxMs() const { return m_maxMs; }

    // The ceiling for attempt n (n <= 0 gives 0): min(max, base * 2^(n-1)).
    qint64 ceilingMs(int attempt) const;
    // The delay before retry number attempt, jittered in [ceiling/2, ceiling].
    qint64 delayMs(int attempt) const;

    // For tests: a deterministic source of [0, 1).
    void setRandomSource(std::function<double()> source);

private:
    int m_baseMs;
    int m_maxMs;
    std::function<double()> m_random;
};

} // namespace fe
