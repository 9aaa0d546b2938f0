// SPDX-License-Identifier: Apache-2.0
#include "model/dedupekey.h"

#include "model/alert.h"

#include <QCryptographicHash>

namespace fe {

void DedupeKey::appendPrefix(QByteArray &out, qint64 timestampMs)
{
    const quint64 order = quint64(timestampMs) ^ (quint64(1) << 63);
    char bytes[PrefixSize];
    bytes[0] = Marker;
    for (int i = 0; i < 8; ++i)
        bytes[1 + i] = char((order >> (56 - 8 * i)) & 0xff);
    out.append(bytes, PrefixSize);
}

QByteArray DedupeKey::storageKey(const Alert &alert)
{
    QByteArray logical = alert.dedupeKey;
    if (logical.isEmpty()) {
        // The mapper always sets a key; an alert built elsewhere is deduplicated on its document.
        const QByteArray basis = alert.ecsJson.isEmpty()
            ? QByteArray::number(alert.timestampMs) + alert.rule.toUtf8() + alert.output.toUtf8()
            : alert.ecsJson;
        logical = "h:" + QCryptographicHash::hash(basis, QCryptographicHash::Sha256).toHex();
    }
    QByteArray key;
    key.reserve(PrefixSize + logical.size());
    appendPrefix(key, alert.timeIsReceipt ? 0 : alert.timestampMs);
    key.append(logical);
    return key;
}

QByteArray DedupeKey::logicalKey(QByteArrayView stored)
{
    if (stored.size() >= PrefixSize && stored.front() == Marker)
        stored = stored.sliced(PrefixSize);
    return stored.toByteArray();
}

} // namespace fe
