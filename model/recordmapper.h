// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "model/alert.h"

#include <QByteArray>
#include <QString>

#include <memory>

namespace fe {

// One stored alert as the store reads it back: its original bytes and everything needed to map them again.
struct StoredRecord
{
    qint64 id = 0;
    QByteArray original;    // decompressed: the line or frame as received (AlertOrigin::Kind::Document: the ECS JSON)
    AlertOrigin origin;
    qint64 offset = -1;
    qint64 receivedMs = 0;
};

// What a mapping of a stored record gives back.
struct DerivedAlert
{
    QByteArray ecsJson;     // the ECS document, as the mapper produced it when the alert was stored
    QString output;         // falco.output
    QString commandLine;    // process.command_line
};

// Derives an alert's ECS document from its stored record (schema v5 keeps the original, not the document). The
// store lives in model/ and the mapper in ingest/, which model never includes: the application installs ingest's
// implementation at start (app → ingest → model), and every reader of the store — the detail pane, exports,
// forwarding, queries on arbitrary fields, the full-text indexer — reaches the mapper through it. Implementations
// are thread-safe.
class RecordMapper
{
public:
    virtual ~RecordMapper() = default;

    // The record's document; false + error when it no longer maps (a damaged record).
    virtual bool derive(const StoredRecord &record, DerivedAlert *out, QString *error) const = 0;
    // falco.output alone, as UTF-8, exactly as derive() would give it, without mapping the rest: the full-text index
    // reads it for every stored alert (UTF-8 all the way: a 20 MiB output is not also held as UTF-16 twice).
    virtual QByteArray outputUtf8(const StoredRecord &record) const = 0;

    // The process-wide mapper (null until the application installs one). Thread-safe.
    static std::shared_ptr<const RecordMapper> instance();
    static void install(std::shared_ptr<const RecordMapper> mapper);
};

} // namespace fe
