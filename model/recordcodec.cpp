// SPDX-License-Identifier: Apache-2.0
#include "model/recordcodec.h"

// The magicless frame format, forced dictionary attachment and fastCover training are zstd's "experimental" API.
// Debian's libzstd exports them; they have been stable since zstd 1.4.
#define ZSTD_STATIC_LINKING_ONLY
#define ZDICT_STATIC_LINKING_ONLY
#include <zdict.h>
#include <zstd.h>

#include <atomic>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>

namespace fe {

namespace {

// One dictionary, ready for both directions.
struct Dictionary
{
    QByteArray bytes;   // the CDict/DDict reference these bytes (ZSTD_dlm_byRef): they live as long as this
    ZSTD_CDict *cdict = nullptr;
    ZSTD_DDict *ddict = nullptr;
    ~Dictionary()
    {
        ZSTD_freeCDict(cdict);
        ZSTD_freeDDict(ddict);
    }
};

// Per-thread contexts: a context holds ~1 MB of tables, so each thread keeps one for every codec it uses.
struct ThreadContexts
{
    ZSTD_CCtx *cctx = nullptr;
    ZSTD_DCtx *dctx = nullptr;
    ~ThreadContexts()
    {
        ZSTD_freeCCtx(cctx);
        ZSTD_freeDCtx(dctx);
    }
    ZSTD_CCtx *compressor()
    {
        if (!cctx) {
            cctx = ZSTD_createCCtx();
            // Without a dictionary (FormatZstdBare) this level applies; with one, the dictionary's parameters do.
            ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, 3);
            ZSTD_CCtx_setParameter(cctx, ZSTD_c_format, ZSTD_f_zstd1_magicless);
            ZSTD_CCtx_setParameter(cctx, ZSTD_c_dictIDFlag, 0);
            ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 0);
            ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 1);
            // Attach: the dictionary's tables are searched where they are, not copied into the context for every
            // record (a copy of the hash tables costs more than compressing a 1 KB alert).
            ZSTD_CCtx_setParameter(cctx, ZSTD_c_forceAttachDict, ZSTD_dictForceAttach);
        }
        return cctx;
    }
    ZSTD_DCtx *decompressor()
    {
        if (!dctx) {
            dctx = ZSTD_createDCtx();
            ZSTD_DCtx_setParameter(dctx, ZSTD_d_format, ZSTD_f_zstd1_magicless);
        }
        return dctx;
    }
};

ThreadContexts &contexts()
{
    thread_local ThreadContexts t;
    return t;
}

void appendVarint(QByteArray *out, quint64 value)
{
    do {
        quint8 byte = quint8(value & 0x7f);
        value >>= 7;
        if (value)
            byte |= 0x80;
        out->append(char(byte));
    } while (value);
}

// Reads a LEB128 value at pos; false when it runs off the end or is longer than a dictionary id can be.
bool readVarint(QByteArrayView bytes, qsizetype *pos, quint64 *value)
{
    *value = 0;
    for (int shift = 0; shift < 35; shift += 7) {
        if (*pos >= bytes.size())
            return false;
        const quint8 byte = quint8(bytes[(*pos)++]);
        *value |= quint64(byte & 0x7f) << shift;
        if (!(byte & 0x80))
            return true;
    }
    return false;
}

} // namespace

struct RecordCodec::Private
{
    mutable std::shared_mutex mutex;
    std::unordered_map<int, std::shared_ptr<const Dictionary>> dictionaries;   // guarded by mutex
    std::shared_ptr<const Dictionary> active;                                  // guarded by mutex
    std::atomic<int> activeId = 0;

    std::shared_ptr<const Dictionary> find(int id) const
    {
        std::shared_lock lock(mutex);
        const auto it = dictionaries.find(id);
        return it == dictionaries.end() ? nullptr : it->second;
    }
};

RecordCodec::RecordCodec()
    : d(std::make_unique<Private>())
{
}

RecordCodec::~RecordCodec() = default;

bool RecordCodec::addDictionary(int id, const QByteArray &dictionary, QString *error)
{
    if (id <= 0 || dictionary.isEmpty()) {
        if (error)
            *error = QStringLiteral("dictionary %1 is empty").arg(id);
        return false;
    }
    auto dict = std::make_shared<Dictionary>();
    dict->bytes = dictionary;
    // Double-fast matching over a 128 KB window: the alerts' repeats are mostly in the dictionary. Tables of 2^14
    // entries cost less to attach per record than tables that index every position of a 64 KB dictionary, for records
    // a few percent larger.
    ZSTD_compressionParameters params = ZSTD_getCParams(1, 2000, size_t(dictionary.size()));
    params.strategy = ZSTD_dfast;
    params.windowLog = 17;
    params.hashLog = 14;
    params.chainLog = 14;
    params.searchLog = 1;
    params.minMatch = 5;
    params.targetLength = 0;
    dict->cdict = ZSTD_createCDict_advanced(dict->bytes.constData(), size_t(dict->bytes.size()), ZSTD_dlm_byRef,
                                            ZSTD_dct_auto, params, ZSTD_defaultCMem);
    dict->ddict = ZSTD_createDDict_byReference(dict->bytes.constData(), size_t(dict->bytes.size()));
    if (!dict->cdict || !dict->ddict) {
        if (error)
            *error = QStringLiteral("dictionary %1 is not a zstd dictionary").arg(id);
        return false;
    }
    std::unique_lock lock(d->mutex);
    d->dictionaries[id] = std::move(dict);
    return true;
}

bool RecordCodec::hasDictionary(int id) const
{
    return d->find(id) != nullptr;
}

void RecordCodec::setActiveDictionary(int id)
{
    std::unique_lock lock(d->mutex);
    const auto it = d->dictionaries.find(id);
    d->active = it == d->dictionaries.end() ? nullptr : it->second;
    d->activeId = d->active ? id : 0;
}

int RecordCodec::activeDictionary() const
{
    return d->activeId.load(std::memory_order_relaxed);
}

void RecordCodec::compress(QByteArrayView original, QByteArray *out) const
{
    std::shared_ptr<const Dictionary> dict;
    int id = 0;
    {
        std::shared_lock lock(d->mutex);
        dict = d->active;
        id = d->activeId.load(std::memory_order_relaxed);
    }
    ZSTD_CCtx *cctx = contexts().compressor();
    ZSTD_CCtx_refCDict(cctx, dict ? dict->cdict : nullptr);
    const qsizetype start = out->size();
    out->append(char(dict ? FormatZstd : FormatZstdBare));
    if (dict)
        appendVarint(out, quint64(id));
    // Compressed into a per-thread buffer of the bound's size and copied out at its real size: a record lives on in
    // queues and batches, and one allocated at the bound would hold several times its size.
    thread_local QByteArray scratch;
    const size_t bound = ZSTD_compressBound(size_t(original.size()));
    if (size_t(scratch.size()) < bound)
        scratch.resize(qsizetype(bound));
    const size_t n = ZSTD_compress2(cctx, scratch.data(), bound, original.data(), size_t(original.size()));
    if (ZSTD_isError(n)) {
        // Cannot happen with a bound-sized buffer; keep the original rather than lose it.
        out->resize(start);
        out->append(char(FormatPlain));
        out->append(original.data(), original.size());
        return;
    }
    if (out->capacity() < out->size() + qsizetype(n))
        out->reserve(out->size() + qsizetype(n));
    out->append(scratch.constData(), qsizetype(n));
}

QByteArray RecordCodec::compress(QByteArrayView original) const
{
    QByteArray out;
    compress(original, &out);
    return out;
}

bool RecordCodec::decompress(QByteArrayView record, QByteArray *out, QString *error) const
{
    auto fail = [&](const QString &why) {
        if (error)
            *error = why;
        out->clear();
        return false;
    };
    if (record.isEmpty())
        return fail(QStringLiteral("the record is empty"));
    const quint8 format = quint8(record[0]);
    if (format == FormatPlain) {
        *out = record.sliced(1).toByteArray();
        return true;
    }
    if (format != FormatZstd && format != FormatZstdBare)
        return fail(QStringLiteral("unknown record format %1").arg(format));
    qsizetype pos = 1;
    std::shared_ptr<const Dictionary> dict;
    if (format == FormatZstd) {
        quint64 id = 0;
        if (!readVarint(record, &pos, &id))
            return fail(QStringLiteral("the record's dictionary id is damaged"));
        dict = d->find(int(id));
        if (!dict)
            return fail(QStringLiteral("the record needs dictionary %1, which the store does not have").arg(id));
    }
    const QByteArrayView frame = record.sliced(pos);
    ZSTD_frameHeader header;
    const size_t hr = ZSTD_getFrameHeader_advanced(&header, frame.data(), size_t(frame.size()), ZSTD_f_zstd1_magicless);
    if (hr != 0 || header.frameContentSize == ZSTD_CONTENTSIZE_UNKNOWN
        || header.frameContentSize == ZSTD_CONTENTSIZE_ERROR)
        return fail(QStringLiteral("the record's compressed frame header is damaged"));
    if (header.frameContentSize > quint64(MaxRecordBytes))
        return fail(QStringLiteral("the record claims %1 bytes, more than a record can hold").arg(header.frameContentSize));
    ZSTD_DCtx *dctx = contexts().decompressor();
    ZSTD_DCtx_refDDict(dctx, dict ? dict->ddict : nullptr);
    out->resize(qsizetype(header.frameContentSize));
    const size_t n = ZSTD_decompressDCtx(dctx, out->data(), size_t(out->size()), frame.data(), size_t(frame.size()));
    if (ZSTD_isError(n))
        return fail(QStringLiteral("the record cannot be decompressed: %1").arg(QString::fromUtf8(ZSTD_getErrorName(n))));
    if (n != header.frameContentSize)
        return fail(QStringLiteral("the record decompressed to %1 bytes instead of %2").arg(n).arg(header.frameContentSize));
    return true;
}

int RecordCodec::dictionaryOf(QByteArrayView record)
{
    if (record.isEmpty())
        return -1;
    const quint8 format = quint8(record[0]);
    if (format == FormatPlain || format == FormatZstdBare)
        return 0;
    if (format != FormatZstd)
        return -1;
    qsizetype pos = 1;
    quint64 id = 0;
    return readVarint(record, &pos, &id) ? int(id) : -1;
}

QByteArray RecordCodec::train(const std::vector<QByteArrayView> &samples, QString *error)
{
    std::string buffer;
    std::vector<size_t> sizes;
    sizes.reserve(samples.size());
    for (QByteArrayView sample : samples) {
        if (sample.isEmpty())
            continue;
        buffer.append(sample.data(), size_t(sample.size()));
        sizes.push_back(size_t(sample.size()));
    }
    QByteArray dict(DictionaryBytes, Qt::Uninitialized);
    // Fixed segment and d-mer sizes instead of zstd's parameter search (steps = 0): the search trains dozens of
    // dictionaries, this trains one, and on alerts the result is as good.
    ZDICT_fastCover_params_t params{};
    params.k = 200;
    params.d = 8;
    params.f = 20;
    params.steps = 0;
    params.nbThreads = 1;
    params.accel = 1;
    params.zParams.compressionLevel = 3;
    const size_t n = sizes.empty() ? 0
                                   : ZDICT_trainFromBuffer_fastCover(dict.data(), size_t(dict.size()), buffer.data(),
                                                                     sizes.data(), unsigned(sizes.size()), params);
    if (sizes.empty() || ZDICT_isError(n)) {
        if (error)
            *error = sizes.empty() ? QStringLiteral("no samples")
                                   : QStringLiteral("cannot train a dictionary from %1 samples: %2")
                                         .arg(sizes.size())
                                         .arg(QString::fromUtf8(ZDICT_getErrorName(n)));
        return {};
    }
    dict.resize(qsizetype(n));
    return dict;
}

} // namespace fe
