// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArray>
#include <QByteArrayView>

namespace fe {

struct Alert;

// How an alert's deduplication key is kept in alerts.dedupe (schema v4) and read back.
//
// The logical key (Alert::dedupeKey: "u:<uuid>" or "h:<sha-256 hex>") is random: as a UNIQUE index it sent every
// insert to a random leaf, so a 10k-alert transaction rewrote nearly every page of that index — at 1M stored alerts,
// 66 MB of index in the WAL per transaction, growing with the store. Stored keys are therefore prefixed with the
// alert's time: one marker byte (0x01), the timestamp as 8 big-endian bytes (sign bit flipped, so that byte order
// is time order), then the logical key. Live alerts land at the right edge of the index; an import lands in its own
// time range. Two alerts are duplicates when their logical keys and their own times are equal — an alert and its
// re-delivery always carry the same time. An alert whose @timestamp is only the time it was received
// (Alert::timeIsReceipt) takes the time 0 in its key, so re-deliveries at another moment still match.
//
// Stores written before v4 hold bare logical keys (they never start with 0x01); logicalKey() reads both forms, so
// the Elasticsearch _id derived from the logical key (BulkEncoder::documentId) is the same for old and new rows.
class DedupeKey
{
public:
    static constexpr char Marker = '\x01';
    static constexpr int PrefixSize = 9;

    // Appends the key to store for alert to out: the prefix, then its logical key (or, for an alert built without
    // one, "h:" and the SHA-256 of its document).
    static void appendStorageKey(QByteArray &out, const Alert &alert);
    // The stored key's logical part: the key itself for a pre-v4 key.
    static QByteArray logicalKey(QByteArrayView stored);
};

} // namespace fe
