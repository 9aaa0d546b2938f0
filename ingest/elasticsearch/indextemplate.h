// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>

namespace fe {

// The composable index template `falco-explorer es-setup` installs for users without Fleet: a data stream
// template for logs-falco.alerts-* with the field types of the Falco integration's field list (the README's
// "Exported fields" table, embedded), layered on the stack's logs@mappings / logs@settings / ecs@mappings
// component templates when they exist (ignore_missing_component_templates, 8.7+), so ECS fields keep
// their ECS types. Priority 200 beats the built-in logs template (100) and loses to Fleet's own (the
// integration installs logs-falco.alerts with a higher one).
class IndexTemplate
{
public:
    static QString defaultName() { return QStringLiteral("logs-falco.alerts-explorer"); }
    static QString defaultPattern() { return QStringLiteral("logs-falco.alerts-*"); }

    // The PUT /_index_template/<name> body.
    static QByteArray build(const QString &indexPattern);
    // How many fields of the list are mapped; fields that are both a leaf and a parent in the list
    // (falco.output_fields.evt.time and .evt.time.iso8601: the conflict upstream fixed in 1.3.2) keep the
    // children only. skipped gets those names.
    static int mappedFieldCount(QStringList *skipped = nullptr);
};

} // namespace fe
