// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "model/aggregates.h"

#include <QColor>
#include <QFontMetricsF>
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
    // A shorter title for narrow columns ("Priv. Esc.", "C2"); the title itself when it is short already.
    static QString tacticShortTitle(const QString &tactic);
    // The title that fits a column of width (word-wrapped: every word must fit): the full one, else the short one,
    // else the short one elided. metrics: the header font.
    static QString fittedTacticTitle(const QString &tactic, const QFontMetricsF &metrics, qreal width);
    // "T1555", "(no technique)" for ""; techniqueName() gives the ATT&CK name when known ("" otherwise).
    static QString techniqueTitle(const QString &technique);
    static QString techniqueName(const QString &technique);
    // Position of tactic in the ATT&CK Enterprise order, or -1.
    static int tacticOrder(const QString &tactic);

    // The heat scale: one class per decade of the count (1-9, 10-99, ... 100k+), each a clearly different colour,
    // so that 2,712 and 53,758 alerts never look alike. Level 0 is an empty cell.
    static constexpr int s_heatLevels = 6;
    static int heatLevel(qint64 count);
    static QColor heatColor(int level, bool dark);
    static QColor heatTextColor(int level, bool dark);
    // "1–9", "10–99", "100–999", "1k–9.9k", "10k–99k", "100k+".
    static QString heatLabel(int level);
    // A count that fits a narrow cell: "53,758" when it fits width, else "53.8k"/"1.2M".
    static QString cellText(qint64 count, const QFontMetricsF &metrics, qreal width);

private:
    QStringList m_tactics;
    QStringList m_techniques;
    QVector<qint64> m_counts;   // row-major, rowCount() × columnCount()
    QVector<qint64> m_rowTotals, m_columnTotals;
    qint64 m_max = 0;
};

} // namespace fe
