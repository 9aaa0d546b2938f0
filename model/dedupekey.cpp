// SPDX-License-Identifier: Apache-2.0
#include "model/dedupekey.h"

#include "model/alert.h"

#include <QCryptographicHash>

namespace fe {

namespace {

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;   // upper-case hex is kept as text: the logical key must come back byte for byte
}

// Lower-case hex of exactly `bytes` bytes, decoded into out; false otherwise.
bool decodeHex(QByteArrayView text, int bytes, QByteArray *out)
{
    if (text.size() != 2 * bytes)
        return false;
    out->resize(bytes);
    char *to = out->data();   // once: QByteArray's operator[] checks for sharing on every byte
    for (int i = 0; i < bytes; ++i) {
        const int hi = hexValue(text[2 * i]);
        const int lo = hexValue(text[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        to[i] = char(hi << 4 | lo);
    }
    return true;
}

// A canonical lower-case UUID (8-4-4-4-12) as its 16 bytes.
bool decodeUuid(QByteArrayView text, QByteArray *out)
{
    if (text.size() != 36 || text[8] != '-' || text[13] != '-' || text[18] != '-' || text[23] != '-')
        return false;
    QByteArray hex;
    hex.reserve(32);
    for (qsizetype i = 0; i < text.size(); ++i) {
        if (i != 8 && i != 13 && i != 18 && i != 23)
            hex.append(text[i]);
    }
    return decodeHex(hex, 16, out);
}

void appendHex(QByteArray &out, QByteArrayView bytes)
{
    static const char digits[] = "0123456789abcdef";
    for (const char c : bytes) {
        out.append(digits[(uchar(c) >> 4) & 0xf]);
        out.append(digits[uchar(c) & 0xf]);
    }
}

} // namespace

void DedupeKey::appendStorageKey(QByteArray &out, const Alert &alert)
{
    const qint64 own = alert.timeIsReceipt ? 0 : alert.timestampMs;
    if (!alert.dedupeKey.isEmpty()) {
        appendStorageKey(out, alert.dedupeKey, own);
        return;
    }
    // The mapper always sets a key; an alert built elsewhere is deduplicated on its document.
    const QByteArray basis = alert.ecsJson.isEmpty()
        ? QByteArray::number(alert.timestampMs) + alert.rule.toUtf8() + alert.output.toUtf8()
        : alert.ecsJson;
    appendStorageKey(out, QByteArray("h:") + QCryptographicHash::hash(basis, QCryptographicHash::Sha256).toHex(), own);
}

void DedupeKey::appendStorageKey(QByteArray &out, QByteArrayView logical, qint64 ownTimeMs)
{
    const quint64 order = quint64(ownTimeMs) ^ (quint64(1) << 63);
    char prefix[PrefixSize];
    prefix[0] = Marker;
    for (int i = 0; i < 8; ++i)
        prefix[1 + i] = char((order >> (56 - 8 * i)) & 0xff);
    out.append(prefix, PrefixSize);
    QByteArray binary;
    if (logical.startsWith("h:") && decodeHex(logical.sliced(2), 32, &binary)) {
        out.append('h').append(binary);
    } else if (logical.startsWith("u:")) {
        if (decodeUuid(logical.sliced(2), &binary))
            out.append('u').append(binary);
        else
            out.append('U').append(logical.sliced(2));
    } else {
        out.append('T').append(logical);
    }
}

QByteArray DedupeKey::logicalKey(QByteArrayView stored)
{
    if (stored.size() >= PrefixSize && stored.front() == MarkerV4)
        return stored.sliced(PrefixSize).toByteArray();
    if (stored.size() <= PrefixSize || stored.front() != Marker)
        return stored.toByteArray();   // a bare pre-v4 key
    const char kind = stored[PrefixSize];
    const QByteArrayView body = stored.sliced(PrefixSize + 1);
    QByteArray out;
    switch (kind) {
    case 'h':
        out.reserve(66);
        out.append("h:");
        appendHex(out, body);
        return out;
    case 'u': {
        QByteArray hex;
        appendHex(hex, body);
        out.reserve(38);
        out.append("u:").append(hex.left(8)).append('-').append(hex.mid(8, 4)).append('-').append(hex.mid(12, 4));
        out.append('-').append(hex.mid(16, 4)).append('-').append(hex.mid(20));
        return out;
    }
    case 'U':
        return QByteArray("u:") + body.toByteArray();
    default:
        return body.toByteArray();
    }
}

QByteArray DedupeKey::toCurrent(QByteArrayView stored)
{
    if (stored.size() < PrefixSize || stored.front() != MarkerV4)
        return stored.toByteArray();
    quint64 order = 0;
    for (int i = 0; i < 8; ++i)
        order = (order << 8) | quint8(stored[1 + i]);
    QByteArray out;
    appendStorageKey(out, stored.sliced(PrefixSize), qint64(order ^ (quint64(1) << 63)));
    return out;
}

bool DedupeKey::isPrefixed(QByteArrayView stored)
{
    return stored.size() >= PrefixSize && (stored.front() == Marker || stored.front() == MarkerV4);
}

QByteArray DedupeKey::uuid(QByteArrayView stored)
{
    if (stored.size() > PrefixSize && stored.front() == Marker) {
        const char kind = stored[PrefixSize];
        if (kind != 'u' && kind != 'U')
            return {};
    }
    const QByteArray logical = logicalKey(stored);
    return logical.startsWith("u:") ? logical.mid(2) : QByteArray();
}

} // namespace fe
