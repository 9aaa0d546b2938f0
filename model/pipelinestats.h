// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QMap>
#include <QMetaType>
#include <QString>

namespace fe {

// Counters of one ingest pipeline (or one source of it). Emitted as one value about once a second.
// Every stage counts; the reasons of rejections are kept by name ("not syslog", "invalid JSON", ...).
struct PipelineStats
{
    qint64 received = 0;     // bytes-level units read from the source: lines, frames or datagrams
    qint64 framed = 0;       // complete frames/lines handed to the decoder
    qint64 decoded = 0;      // frames that decoded into an alert
    qint64 skipped = 0;      // not alerts (blank lines, Falco's own log lines)
    qint64 rejected = 0;     // bad input, total (see rejectedByReason)
    qint64 stored = 0;       // new alerts committed to the store
    qint64 duplicates = 0;   // alerts already in the store (dedupe key)
    qint64 forwarded = 0;    // alerts delivered to Elasticsearch
    qint64 retried = 0;      // forwarding retries
    qint64 connections = 0;  // open connections (listeners)
    qint64 queued = 0;       // alerts waiting between stages
    QMap<QString, qint64> rejectedByReason;

    void reject(const QString &reason, qint64 n = 1)
    {
        rejected += n;
        rejectedByReason[reason] += n;
    }
    PipelineStats &operator+=(const PipelineStats &o);
};

} // namespace fe

Q_DECLARE_METATYPE(fe::PipelineStats)
