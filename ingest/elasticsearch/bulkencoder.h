// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "model/forwardconfig.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QString>
#include <QVector>

namespace fe {

// One alert waiting to be forwarded: its store id, dedupe key and ECS document (from the store).
struct BulkSource
{
    qint64 alertId = 0;
    QByteArray dedupeKey;
    QByteArray ecsJson;
};

// One _bulk request body and which alert each action line stands for, in order.
struct BulkRequest
{
    QByteArray body;                 // NDJSON action/document pairs, each line ending in '\n'
    QVector<qint64> alertIds;        // item i of the response answers alertIds[i]
    QVector<QByteArray> documentIds; // the _id of item i
    int size() const { return int(alertIds.size()); }
};

// An alert that cannot be encoded at all (its stored document is not a JSON object, raw mode has nothing
// to send): it goes straight to the dead letters with this reason.
struct BulkEncodeFailure
{
    qint64 alertId = 0;
    QString reason;
};

// Turns stored alerts into _bulk bodies. Pure (no I/O), thread-safe once constructed.
//
// ECS mode: the stored document is sent as is, with `create` into the target, so the request must carry
// pipeline=_none (see bulkPath()). For the integration's own data stream, data_stream.{type,dataset,namespace}
// and event.{dataset,module} are added when absent — the Elastic Agent adds them upstream, and the
// integration's dashboard filters on data_stream.dataset.
// Raw mode: the Falco JSON the alert came from (see rawFalcoJson()).
// _id is derived from the dedupe key (documentId()), so re-sending an alert can never create a second copy:
// Elasticsearch answers 409 on `create` with an existing _id.
class BulkEncoder
{
public:
    explicit BulkEncoder(const ForwardConfig &config);

    // The _id for a dedupe key: the first 20 bytes of its SHA-256, in lower-case hex (40 characters).
    static QByteArray documentId(QByteArrayView dedupeKey);

    // "/_bulk?..." with the query string for the mode (pipeline=_none in ECS mode).
    QByteArray bulkPath() const;
    QString targetIndex() const { return m_index; }

    // The document line for one alert (no trailing newline), or empty + error.
    QByteArray encodeDocument(QByteArrayView ecsJson, QString *error) const;
    // The same, appended to body (the stored bytes are copied, never re-serialised); false + error, with body
    // possibly holding a partial line the caller truncates, when the alert cannot be encoded.
    bool appendDocument(QByteArrayView ecsJson, QByteArray *body, QString *error) const;

    // Appends sources[from..] to a request until maxDocs documents or maxBytes of body would be exceeded
    // (a single document larger than maxBytes is still sent alone: the server decides with a 413).
    // Unencodable alerts go to failures. Returns the index of the first source not consumed.
    qsizetype encode(const QVector<BulkSource> &sources, qsizetype from, int maxDocs, qint64 maxBytes,
                     BulkRequest *request, QVector<BulkEncodeFailure> *failures) const;
    // The same over sources[from, to) only.
    qsizetype encode(const QVector<BulkSource> &sources, qsizetype from, qsizetype to, int maxDocs, qint64 maxBytes,
                     BulkRequest *request, QVector<BulkEncodeFailure> *failures) const;

    // Raw mode's document: event.original when it holds a Falco JSON object (also behind a syslog or CRI
    // prefix), else the Falco alert rebuilt from the ECS document's falco.* object (Falcosidekick's shape).
    // The rebuild is exact for falco.output/priority/rule/time/source/tags/hostname/uuid; falco.output_fields
    // is flattened back to Falco's dotted names with the pipeline's renames undone, but without
    // preserve_falco_fields the pipeline already dropped the copies of the ECS-mapped fields (proc.name, ...),
    // so those are missing. Decision: rebuilding rather than a stored raw column keeps the store at one copy
    // of each alert (the ECS document is the source of truth) and costs nothing in ECS mode; users who need
    // a lossless raw forward turn on preserve_original_event, which keeps the exact line in event.original.
    static QByteArray rawFalcoJson(QByteArrayView ecsJson, QString *error);

private:
    void appendActionLine(const QByteArray &documentId, QByteArray *body) const;

    ForwardConfig::Mode m_mode;
    QString m_index;
    QByteArray m_indexJson;       // the index as a JSON string literal (with quotes)
    bool m_addDataStream;
    QByteArray m_dataStreamJson;  // "data_stream":{...}
    QByteArray m_namespace;
};

} // namespace fe
