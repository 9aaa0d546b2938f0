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
    // False: "facts only". Every Alert column is filled exactly as a full mapping fills it (the same status and
    // error too), but alert.ecsJson, alert.output and alert.commandLine stay empty and the document is not built
    // where that can be skipped: for a store that keeps the original and derives the document when it is read.
    bool buildDocument = true;
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
    // Set for some alerts (Status::Alert, with or without error): something in the alert was ignored and the
    // mapping fell back, e.g. a time out of range ("time out of range (before 1970 or after 2262) ignored:
    // evt.time"). The text names no values, so that repeats merge into one counted diagnostic.
    QString warning;
    Alert alert;     // filled for Status::Alert (columns, dedupeKey, ecsJson)
};

// The ECS mapper: a pure function from one input line to one ECS document, implementing the current
// Elastic Falco integration pipeline (its ingest pipeline's processors) plus the agent-side steps (syslog,
// tags, paths).
// Accepts Falco JSON, Falcosidekick JSON, Sidekick-direct documents, and lines wrapped by a syslog header
// (RFC 3164, RFC 5424, Go log/syslog), a CRI log prefix or a Docker json-file object. Thread-safe.
// The envelope is decoded once (ingest/decode/envelope.h), then its payload is mapped.
MapResult mapLine(QByteArrayView line, const MapOptions &options);

// Maps one frame received by the syslog listener like mapLine(), and also accepts Falcosidekick's CEF payload
// (with or without a syslog header; ingest/syslog/cefdecoder.h): the CEF record is mapped as its Falco JSON
// equivalent, and with preserveOriginal, event.original is the frame as received.
MapResult mapFrame(QByteArrayView frame, const MapOptions &options);

// Exactly the alert.output (falco.output, UTF-8) that mapFrame (tcpFrame) or mapLine would give frameOrLine
// under options, without mapping it: the envelope is decoded and one JSON member looked up. Empty when the
// input is no alert (Skipped, Rejected) or has no output. For a full-text index over stored originals.
QByteArray alertOutputText(QByteArrayView frameOrLine, const MapOptions &options, bool tcpFrame);

} // namespace fe
