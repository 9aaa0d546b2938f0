// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "model/filterpill.h"

#include <QByteArray>
#include <QString>
#include <QStringList>
#include <QVector>

namespace fe {

// A named view of the alerts: query text, time range and click-filters, as the analyst saved it.
struct SavedQuery
{
    QString name;
    QString query;
    qint64 relativeMs = 0;   // 0 = all time; -1: the absolute range [fromMs, toMs)
    qint64 fromMs = 0;
    qint64 toMs = 0;
    QVector<FilterPill> pills;

    bool operator==(const SavedQuery &other) const
    {
        return name == other.name && query == other.query && relativeMs == other.relativeMs && fromMs == other.fromMs
            && toMs == other.toMs && pills == other.pills;
    }
};

// The saved queries of one store: kept in the store itself (AlertStore::state under s_stateKey), so they travel with
// the database file, and exchanged as a JSON document (export, import). Names are unique, compared without case.
//
//   {"format": "falco-explorer-saved-queries", "version": 1, "queries": [
//     {"name": "Shells in prod", "query": "rule.name:\"Terminal shell in container\"",
//      "range": {"relative_ms": 86400000}             (or {"from": "2024-05-07T18:00:00.000Z", "to": "…"}),
//      "pills": [{"field": "orchestrator.namespace", "value": "prod", "exclude": false},
//                {"clause": "threat.tactic.name:execution and threat.technique.id:T1059", "label": "…", "exclude": true}]}]}
class SavedQueries
{
public:
    static const QString s_stateKey;

    const QVector<SavedQuery> &queries() const { return m_queries; }
    QStringList names() const;
    const SavedQuery *find(const QString &name) const;
    // Adds query, or replaces the one with the same name. Returns false for an empty name.
    bool save(const SavedQuery &query);
    bool remove(const QString &name);
    // Adds the imported queries (same name: replaced). Returns how many.
    int merge(const QVector<SavedQuery> &imported);
    void clear() { m_queries.clear(); }

    QByteArray toJson() const;
    // Reads a document written by toJson(). On bad input: false and an error saying where ("line 3, column 14: …",
    // "queries[2]: …"); every query must compile (model/querylanguage.h).
    static bool fromJson(const QByteArray &json, QVector<SavedQuery> *out, QString *error);

    // The store's list (an empty one when it has none yet).
    bool load(const QString &dbPath, QString *error);
    bool store(const QString &dbPath, QString *error) const;

private:
    QVector<SavedQuery> m_queries;
};

} // namespace fe
