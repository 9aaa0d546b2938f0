// SPDX-License-Identifier: Apache-2.0
#include "app/stopsignals.h"

#include <atomic>

namespace fe::cli {

namespace {

// Written by the handler only: a lock-free atomic is async-signal-safe where a Qt call is not.
std::atomic<int> s_stopSignal{0};
static_assert(std::atomic<int>::is_always_lock_free);

void onStopSignal(int signal)
{
    s_stopSignal.store(signal);
}

} // namespace

StopSignals::StopSignals()
{
    s_stopSignal.store(0);
    struct sigaction action {};
    action.sa_handler = onStopSignal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &m_previousInt);
    sigaction(SIGTERM, &action, &m_previousTerm);
}

StopSignals::~StopSignals()
{
    sigaction(SIGINT, &m_previousInt, nullptr);
    sigaction(SIGTERM, &m_previousTerm, nullptr);
}

bool StopSignals::stopRequested() const
{
    return s_stopSignal.load() != 0;
}

int StopSignals::signal() const
{
    return s_stopSignal.load();
}

int StopSignals::exitCode() const
{
    const int sig = signal();
    return sig != 0 ? 128 + sig : 1;
}

} // namespace fe::cli
