// SPDX-License-Identifier: Apache-2.0
#include "support/testalerts.h"

#include "model/alertstore.h"

namespace fe::test {

Alert makeAlert(qint64 timestampMs, Priority priority, const QString &rule, const QString &host, const QString &output,
                const QByteArray &dedupeKey)
{
    Alert a;
    a.timestampMs = timestampMs;
    a.priority = priority;
    a.severity = severityForPriority(priority);
    a.rule = rule;
    a.hostname = host;
    a.source = QStringLiteral("syscall");
    a.output = output;
    a.dedupeKey = dedupeKey;
    a.ecsJson = R"({"message":"x"})";
    return a;
}

qint64 storeAlerts(const QString &path, const AlertBatch &batch, QString *error)
{
    AlertStore store;
    if (!store.open(path, AlertStore::OpenMode::ReadWrite, error))
        return -1;
    QString failure;
    const InsertResult result = store.insert(batch, &failure);
    if (!failure.isEmpty()) {
        if (error)
            *error = failure;
        return -1;
    }
    return result.stored;
}

} // namespace fe::test
