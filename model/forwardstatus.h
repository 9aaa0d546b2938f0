// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QMetaType>
#include <QString>

namespace fe {

// The forwarder's state as the UI and the CLI show it: one value, emitted at most a few times a second.
struct ForwardStatus
{
    enum class State {
        Stopped,     // not running
        Idle,        // everything handed out is answered; waiting for new alerts
        Sending,     // a _bulk request is in flight
        Backoff,     // waiting before retrying a failed request
        Failed,      // stopped on an error retrying cannot fix (authentication, configuration): see lastError
    };
    State state = State::Stopped;
    qint64 delivered = 0;      // delivered to the target since forwarding to it began (created + already there)
    qint64 duplicates = 0;     // of which Elasticsearch already had (409)
    qint64 pending = 0;        // stored alerts not yet answered
    qint64 retrying = 0;       // alerts waiting to be re-sent after a per-item 429/5xx
    qint64 deadLettered = 0;   // alerts refused permanently (mapping error, ...): fix the cause, then retry them
    qint64 requests = 0;       // _bulk requests sent by this run
    qint64 retriedRequests = 0;// whole requests retried by this run (connection errors, 429, 5xx)
    QString node;              // the node of the last request
    QString lastError;         // the last problem, one line; empty when the last request went through

    static QString stateName(State state)
    {
        switch (state) {
        case State::Stopped: return QStringLiteral("stopped");
        case State::Idle: return QStringLiteral("idle");
        case State::Sending: return QStringLiteral("sending");
        case State::Backoff: return QStringLiteral("retrying");
        case State::Failed: return QStringLiteral("failed");
        }
        return {};
    }
};

} // namespace fe

Q_DECLARE_METATYPE(fe::ForwardStatus)
