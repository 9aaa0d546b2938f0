// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <csignal>

namespace fe::cli {

// While one exists, SIGINT and SIGTERM only ask the work in progress to stop: a long step (a store conversion, the
// full-text index) polls stopRequested() between its chunks, each one transaction, so that it stops with the store
// valid and goes on from there the next time. The previous handling of both signals comes back when it goes.
class StopSignals
{
public:
    StopSignals();
    ~StopSignals();
    StopSignals(const StopSignals &) = delete;
    StopSignals &operator=(const StopSignals &) = delete;

    bool stopRequested() const;
    // The signal that asked (SIGINT, SIGTERM), 0 when none did.
    int signal() const;
    // The conventional exit code of a command stopped by that signal (128 + the signal), 1 when none did.
    int exitCode() const;

private:
    struct sigaction m_previousInt {};
    struct sigaction m_previousTerm {};
};

} // namespace fe::cli
