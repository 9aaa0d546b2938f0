// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ingest/ecs/ecsmapper.h"
#include "model/alert.h"
#include "model/recordmapper.h"

namespace fe {

class RecordCodec;

// The mapper behind the store's readers (model/recordmapper.h): an alert's ECS document is mapFrame() of its stored
// original with the options it was ingested with, so it is the same document the mapper made when the alert arrived
// (and the same `map` prints). The application installs it at start (installEcsRecordMapper()).
class EcsRecordMapper : public RecordMapper
{
public:
    bool derive(const StoredRecord &record, DerivedAlert *out, QString *error) const override;
    QByteArray outputUtf8(const StoredRecord &record) const override;

    // The origin an alert mapped with options gets (its kind, the file or peer, and the options that shape its
    // document), for frames read from name ("" for stdin).
    static AlertOrigin origin(const MapOptions &options, const QString &name);
    // The options a stored record was mapped with.
    static MapOptions options(const StoredRecord &record);
    // What the store keeps of an alert mapped from original with options (whose readTimeMs must be set: the read
    // time is part of the document): its record, compressed with codec, its origin, offset, read time and the dedupe
    // key as the store keeps it. Its document is dropped: the store derives it when it is read.
    static void keepOriginal(Alert *alert, QByteArrayView original, const AlertOrigin &origin,
                             const MapOptions &options, const RecordCodec &codec);
};

// Installs EcsRecordMapper as RecordMapper::instance() (idempotent).
void installEcsRecordMapper();

} // namespace fe
