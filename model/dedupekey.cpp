// SPDX-License-Identifier: Apache-2.0
#include "model/dedupekey.h"

#include "model/alert.h"

#include <QCryptographicHash>

namespace fe {

void DedupeKey::appendStorageKey(QByteArray &out, const Alert &alert)
{
    const quint64 order = quint64(alert.timeIsReceipt ? 0 : alert.timestampMs) ^ (quint64(1) << 63);
    char prefix[PrefixSize];
    prefix[0] = Marker;
    for (int i = 0; i < 8; ++i)
        prefix[1 + i] = char((order >> (56 - 8 * i)) & 0xff);
    out.append(prefix, PrefixSize);
    if (!alert.dedupeKey.isEmpty()) {
        out.append(alert.dedupeKey);
        return;
    }
    // The mapper always sets a key; an alert built elsewhere is deduplicated on its document.
    const QByteArray basis = alert.ecsJson.isEmpty()
        ? QByteArray::number(alert.timestampMs) + alert.rule.toUtf8() + alert.output.toUtf8()
        : alert.ecsJson;
    out.append("h:").append(QCryptographicHash::hash(basis, QCryptographicHash::Sha256).toHex());
}

QByteArray DedupeKey::logicalKey(QByteArrayView stored)
{
    if (stored.size() >= PrefixSize && stored.front() == Marker)
        stored = stored.sliced(PrefixSize);
    return stored.toByteArray();
}

} // namespace fe
