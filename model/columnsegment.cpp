// SPDX-License-Identifier: Apache-2.0
#include "model/columnsegment.h"

#include <zstd.h>

namespace fe {

namespace {

void putVarint(std::string &out, quint64 value)
{
    while (value >= 0x80) {
        out.push_back(char(quint8(value) | 0x80));
        value >>= 7;
    }
    out.push_back(char(value));
}

bool getVarint(const char *&p, const char *end, quint64 *value)
{
    *value = 0;
    for (int shift = 0; shift < 64 && p < end; shift += 7) {
        const quint8 byte = quint8(*p++);
        *value |= quint64(byte & 0x7f) << shift;
        if (!(byte & 0x80))
            return true;
    }
    return false;
}

} // namespace

QByteArray ColumnSegment::encode() const
{
    std::string rows;
    rows.reserve(ids.size() * 6);
    putVarint(rows, ids.size());
    qint64 prevId = 0;
    qint64 prevTs = 0;
    for (size_t i = 0; i < ids.size(); ++i) {
        putVarint(rows, quint64(ids[i] - prevId));
        const qint64 delta = timestamps[i] - prevTs;
        putVarint(rows, (quint64(delta) << 1) ^ quint64(delta >> 63));
        putVarint(rows, profiles[i]);
        prevId = ids[i];
        prevTs = timestamps[i];
    }
    QByteArray out(1 + qsizetype(ZSTD_compressBound(rows.size())), Qt::Uninitialized);
    out[0] = char(1);
    const size_t n = ZSTD_compress(out.data() + 1, size_t(out.size() - 1), rows.data(), rows.size(), 1);
    out.resize(ZSTD_isError(n) ? 1 : qsizetype(n) + 1);
    return out;
}

bool ColumnSegment::decode(QByteArrayView block, QString *error)
{
    auto fail = [&](const QString &why) {
        if (error)
            *error = why;
        ids.clear();
        timestamps.clear();
        profiles.clear();
        return false;
    };
    if (block.size() < 2 || block[0] != char(1))
        return fail(QStringLiteral("unknown column block format"));
    const unsigned long long size = ZSTD_getFrameContentSize(block.data() + 1, size_t(block.size() - 1));
    if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > (quint64(64) << 20))
        return fail(QStringLiteral("damaged column block"));
    std::string rows(size_t(size), '\0');
    const size_t n = ZSTD_decompress(rows.data(), rows.size(), block.data() + 1, size_t(block.size() - 1));
    if (ZSTD_isError(n) || n != size)
        return fail(QStringLiteral("damaged column block"));
    const char *p = rows.data();
    const char *end = p + rows.size();
    quint64 count = 0;
    if (!getVarint(p, end, &count) || count > quint64(SegmentRows) * 4)
        return fail(QStringLiteral("damaged column block"));
    ids.resize(size_t(count));
    timestamps.resize(size_t(count));
    profiles.resize(size_t(count));
    qint64 id = 0;
    qint64 ts = 0;
    for (size_t i = 0; i < count; ++i) {
        quint64 dId = 0, dTs = 0, profile = 0;
        if (!getVarint(p, end, &dId) || !getVarint(p, end, &dTs) || !getVarint(p, end, &profile) || profile > 0xffffffffu)
            return fail(QStringLiteral("damaged column block"));
        id += qint64(dId);
        ts += qint64((dTs >> 1) ^ (~(dTs & 1) + 1));
        ids[i] = id;
        timestamps[i] = ts;
        profiles[i] = quint32(profile);
    }
    return true;
}

} // namespace fe
