// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "model/aggregates.h"

#include <QString>
#include <QStringList>
#include <QVector>

namespace fe {

// Arranges MITRE ATT&CK cells (tactic × technique counts) into a matrix: tactics as columns in the
// ATT&CK Enterprise kill-chain order (unknown tactics after them, alphabetically; "no tactic" last),
// techniques as rows by total count descending (ties by id; "no technique" last). Pure data, shared
// by the dashboard's heat matrix and the report.
class MitreMatrixLayout
{
public:
    MitreMatrixLayout() = default;
    explicit MitreMatrixLayout(const QVector<MitreCell> &cells);

    int columnCount() const { return int(m_tactics.size()); }
    int rowCount() const { return int(m_techniques.size()); }
    QString tactic(int column) const { return m_tactics.value(column); }        // "credential_access", "" = none
    QString technique(int row) const { return m_techniques.value(row); }        // "T1555", "" = none
    qint64 count(int row, int column) const;
    qint64 rowTotal(int row) const { return m_rowTotals.value(row); }
    qint64 columnTotal(int column) const { return m_columnTotals.value(column); }
    qint64 maxCount() const { return m_max; }
    bool isEmpty() const { return m_tactics.isEmpty(); }

    // "Credential Access" for "credential_access"; "(no tactic)" for "".
    static QString tacticTitle(const QString &tactic);
    // "T1555", "(no technique)" for ""; techniqueName() gives the ATT&CK name when known ("" otherwise).
    static QString techniqueTitle(const QString &technique);
    static QString techniqueName(const QString &technique);
    // Position of tactic in the ATT&CK Enterprise order, or -1.
    static int tacticOrder(const QString &tactic);

private:
    QStringList m_tactics;
    QStringList m_techniques;
    QVector<qint64> m_counts;   // row-major, rowCount() × columnCount()
    QVector<qint64> m_rowTotals, m_columnTotals;
    qint64 m_max = 0;
};

} // namespace fe
