// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "model/alert.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QPair>
#include <QString>

namespace fe {

// How the integration's agent-side config would have tagged and annotated the event.
struct MapOptions
{
    enum class Input { Logfile, Tcp };
    Input input = Input::Logfile;
    bool preserveOriginal = false;      // tag preserve_original_event (keep event.original)
    bool preserveFalcoFields = false;   // tag preserve_falco_fields
    QString logFilePath;                // log.file.path (logfile input)
    qint64 logOffset = -1;              // log.offset, -1 = unset
    QString sourceAddress;              // log.source.address (tcp input: peer ip:port)
    qint64 readTimeMs = 0;              // the agent's read time: initial @timestamp when nothing better exists; 0 = now
    QList<QPair<QString, QString>> extraFields;   // --set FIELD=VALUE (dotted path), added to every document
                                                  // last (overriding mapped fields), always as JSON strings
};

// Result of mapping one input line.
struct MapResult
{
    enum class Status {
        Alert,       // an alert (possibly with event.kind pipeline_error: see alert.ecsJson)
        Skipped,     // not an alert: blank line, Falco's own log line, a non-alert JSON object
        Rejected,    // bad input: error says why; nothing usable
    };
    Status status = Status::Rejected;
    QString error;   // why it was rejected or why it became a pipeline_error
    Alert alert;     // filled for Status::Alert (columns, dedupeKey, ecsJson)
};

// The ECS mapper: a pure function from one input line to one ECS document, implementing the current
// Elastic Falco integration pipeline (PIPELINE.md §4) plus the agent-side steps (syslog, tags, paths).
// Accepts Falco JSON, Falcosidekick JSON, Sidekick-direct documents, and lines wrapped by a syslog header
// (RFC 3164, RFC 5424, Go log/syslog), a CRI log prefix or a Docker json-file object. Thread-safe.
// The envelope is decoded once (ingest/decode/envelope.h), then its payload is mapped.
MapResult mapLine(QByteArrayView line, const MapOptions &options);

// Maps one frame received by the syslog listener like mapLine(), and also accepts Falcosidekick's CEF payload
// (with or without a syslog header; ingest/syslog/cefdecoder.h): the CEF record is mapped as its Falco JSON
// equivalent, and with preserveOriginal, event.original is the frame as received.
MapResult mapFrame(QByteArrayView frame, const MapOptions &options);

} // namespace fe
