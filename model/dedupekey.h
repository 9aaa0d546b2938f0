// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArray>
#include <QByteArrayView>

namespace fe {

struct Alert;

// How an alert's deduplication key is kept in alerts.dedupe and read back.
//
// The logical key (Alert::dedupeKey: "u:<uuid>" or "h:<sha-256 hex>") is random: as a UNIQUE index it would send
// every insert to a random leaf, so a large transaction would rewrite nearly every page of that index. Stored keys are
// therefore prefixed with the alert's time: one marker byte, the timestamp as 8 big-endian bytes (sign bit flipped,
// so that byte order is time order), then the logical key. Live alerts land at the right edge of the index; an import
// lands in its own time range. Two alerts are duplicates when their logical keys and their own times are equal — an
// alert and its re-delivery always carry the same time. An alert whose @timestamp is only the time it was received
// (Alert::timeIsReceipt) takes the time 0 in its key, so re-deliveries at another moment still match.
//
// The logical key after the prefix is binary (marker 0x02, schema v5): a canonical UUID as its 16 bytes ('u'), a
// SHA-256 as its 32 bytes ('h'), anything else as its text ('U' for a uuid that is not in canonical form, 'T' for any
// other key). The key is stored twice (row and index), so every byte saved counts twice; the hex text form is twice
// the size of the bytes it spells (docs/performance.md).
// Schema v4 keys (marker 0x01, text after the prefix) and the bare text keys of older stores are still read.
// logicalKey() gives every form back as the text key, so the Elasticsearch _id derived from it
// (BulkEncoder::documentId) never changes.
class DedupeKey
{
public:
    static constexpr char MarkerV4 = '\x01';
    static constexpr char Marker = '\x02';
    static constexpr int PrefixSize = 9;

    // Appends the key to store for alert to out: the prefix, then its compact logical key (or, for an alert built
    // without one, the SHA-256 of its document).
    static void appendStorageKey(QByteArray &out, const Alert &alert);
    // The same for a logical key (text form) and the alert's own time (0 when it has none of its own).
    static void appendStorageKey(QByteArray &out, QByteArrayView logicalKey, qint64 ownTimeMs);
    // The stored key's logical part, as text: "u:<uuid>", "h:<hex>", or a pre-v4 key as it is.
    static QByteArray logicalKey(QByteArrayView stored);
    // Whether the stored key has a time prefix (schema v4 and later); stores of schema 3 and older hold bare keys.
    static bool isPrefixed(QByteArrayView stored);
    // A stored key in the current form: a v4 key becomes a v5 key with the same time; others stay as they are.
    static QByteArray toCurrent(QByteArrayView stored);
    // The uuid of a "u:" key, in the text it had (empty for other keys).
    static QByteArray uuid(QByteArrayView stored);
};

} // namespace fe
