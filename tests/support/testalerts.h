// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "model/alert.h"

#include <QByteArray>
#include <QString>

namespace fe::test {

// An alert with what every store, model and view test sets: time, priority (the severity follows it), rule, host,
// source "syscall", output and dedupe key; the document is a minimal ECS object. Tests set the rest themselves.
Alert makeAlert(qint64 timestampMs, Priority priority, const QString &rule, const QString &host, const QString &output,
                const QByteArray &dedupeKey);

// Opens (creating) the store at path and stores batch in one transaction: the number stored, or -1 with error set.
qint64 storeAlerts(const QString &path, const AlertBatch &batch, QString *error);

} // namespace fe::test
