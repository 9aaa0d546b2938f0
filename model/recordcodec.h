// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <memory>
#include <vector>

namespace fe {

// The stored form of an alert's record (schema v5: the original bytes, or a migrated store's ECS document): zstd
// with a dictionary trained on the store's own alerts. Falco alerts repeat their keys, rule texts, image names and
// output templates, so a dictionary of them turns a ~1.3 KB line into ~170-200 bytes where zstd alone, with no
// history to refer to in so short an input, barely halves it.
//
// A record is one byte of format, then:
//   FormatPlain     the bytes as they are (a store with no dictionary yet: its first alerts, see AlertStore);
//   FormatZstd      the dictionary id (LEB128), then a zstd frame without its magic number, checksum or dictionary id
//                   (those 8-12 bytes are a tenth of a compressed alert, and the record's own header says it all);
//   FormatZstdBare  a zstd frame as above, compressed without a dictionary (a dictionary could not be trained).
//
// Dictionaries are kept in the store (zdict table) and never change once written: a record names the dictionary it
// needs. One codec serves a connection's readers and, for compression, every ingest worker thread at once.
class RecordCodec
{
public:
    enum Format : quint8 { FormatPlain = 0, FormatZstd = 1, FormatZstdBare = 2 };

    // A decompressed record is never larger than this: a corrupt header cannot make a reader allocate more.
    static constexpr qsizetype MaxRecordBytes = qsizetype(64) << 20;
    // The dictionary size trained (zstd's own default is 110 KB; for ~1.3 KB alerts 64 KB compresses as well).
    static constexpr int DictionaryBytes = 64 << 10;

    RecordCodec();
    ~RecordCodec();
    RecordCodec(const RecordCodec &) = delete;
    RecordCodec &operator=(const RecordCodec &) = delete;

    // Thread-safe. Makes dictionary id (> 0) known for decompression; false + error when zstd rejects it.
    bool addDictionary(int id, const QByteArray &dictionary, QString *error = nullptr);
    bool hasDictionary(int id) const;
    // Thread-safe. New records are compressed with this dictionary (0: without one). It must have been added.
    void setActiveDictionary(int id);
    int activeDictionary() const;

    // Thread-safe (each thread compresses with a context of its own). Appends the record of original to out.
    void compress(QByteArrayView original, QByteArray *out) const;
    QByteArray compress(QByteArrayView original) const;
    // Thread-safe. The original of record; false + error (what is wrong) when it is damaged or its dictionary is
    // unknown.
    bool decompress(QByteArrayView record, QByteArray *out, QString *error = nullptr) const;

    // The dictionary a record needs, 0 when none, -1 when the record cannot be read.
    static int dictionaryOf(QByteArrayView record);

    // A dictionary trained on samples (originals), or empty + error when zstd cannot train one from them (too few or
    // too small samples).
    static QByteArray train(const std::vector<QByteArrayView> &samples, QString *error = nullptr);

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace fe
