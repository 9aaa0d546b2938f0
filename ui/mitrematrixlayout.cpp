// SPDX-License-Identifier: Apache-2.0
#include "ui/mitrematrixlayout.h"

#include "model/mitretechniques.h"

#include <QCoreApplication>
#include <QHash>
#include <QLocale>

#include <algorithm>
#include <array>

namespace fe {

namespace {

// ATT&CK Enterprise tactics in kill-chain order, spelled like Falco's mitre_* tags without the prefix.
constexpr std::array<const char *, 14> s_tacticOrder = {
    "reconnaissance", "resource_development", "initial_access", "execution", "persistence",
    "privilege_escalation", "defense_evasion", "credential_access", "discovery", "lateral_movement",
    "collection", "command_and_control", "exfiltration", "impact",
};

} // namespace

MitreMatrixLayout::MitreMatrixLayout(const QVector<MitreCell> &cells)
{
    QHash<QString, qint64> tacticTotals, techniqueTotals;
    for (const MitreCell &c : cells) {
        if (c.count <= 0)
            continue;
        tacticTotals[c.tactic] += c.count;
        techniqueTotals[c.technique] += c.count;
    }
    m_tactics = tacticTotals.keys();
    std::sort(m_tactics.begin(), m_tactics.end(), [](const QString &a, const QString &b) {
        // Known tactics in kill-chain order, then unknown ones alphabetically, then "" (no tactic).
        const auto rank = [](const QString &t) {
            const int order = tacticOrder(t);
            return order >= 0 ? order : t.isEmpty() ? 1000 : 500;
        };
        const int ra = rank(a), rb = rank(b);
        return ra != rb ? ra < rb : a < b;
    });
    m_techniques = techniqueTotals.keys();
    std::sort(m_techniques.begin(), m_techniques.end(), [&](const QString &a, const QString &b) {
        if (a.isEmpty() != b.isEmpty())
            return b.isEmpty();
        const qint64 ca = techniqueTotals.value(a), cb = techniqueTotals.value(b);
        return ca != cb ? ca > cb : a < b;
    });

    QHash<QString, int> column, row;
    for (int i = 0; i < m_tactics.size(); ++i)
        column.insert(m_tactics.at(i), i);
    for (int i = 0; i < m_techniques.size(); ++i)
        row.insert(m_techniques.at(i), i);
    m_counts.fill(0, m_tactics.size() * m_techniques.size());
    m_rowTotals.fill(0, m_techniques.size());
    m_columnTotals.fill(0, m_tactics.size());
    for (const MitreCell &c : cells) {
        if (c.count <= 0)
            continue;
        const int r = row.value(c.technique), col = column.value(c.tactic);
        qint64 &cell = m_counts[r * m_tactics.size() + col];
        cell += c.count;
        m_rowTotals[r] += c.count;
        m_columnTotals[col] += c.count;
        m_max = qMax(m_max, cell);
    }
}

qint64 MitreMatrixLayout::count(int row, int column) const
{
    if (row < 0 || row >= rowCount() || column < 0 || column >= columnCount())
        return 0;
    return m_counts.at(row * columnCount() + column);
}

QString MitreMatrixLayout::tacticTitle(const QString &tactic)
{
    if (tactic.isEmpty())
        return QCoreApplication::translate("fe::MitreMatrixLayout", "(no tactic)");
    QStringList words = tactic.split(QLatin1Char('_'), Qt::SkipEmptyParts);
    for (QString &w : words) {
        if (w == u"and")
            continue;
        w[0] = w[0].toUpper();
    }
    return words.join(QLatin1Char(' '));
}

QString MitreMatrixLayout::techniqueTitle(const QString &technique)
{
    return technique.isEmpty() ? QCoreApplication::translate("fe::MitreMatrixLayout", "(no technique)") : technique;
}

QString MitreMatrixLayout::techniqueName(const QString &technique)
{
    return MitreTechniques::name(technique);
}

QString MitreMatrixLayout::tacticShortTitle(const QString &tactic)
{
    static const QHash<QString, const char *> shortTitles = {
        {QStringLiteral("reconnaissance"), QT_TRANSLATE_NOOP("fe::MitreMatrixLayout", "Recon")},
        {QStringLiteral("resource_development"), QT_TRANSLATE_NOOP("fe::MitreMatrixLayout", "Res. Dev.")},
        {QStringLiteral("initial_access"), QT_TRANSLATE_NOOP("fe::MitreMatrixLayout", "Initial Access")},
        {QStringLiteral("execution"), QT_TRANSLATE_NOOP("fe::MitreMatrixLayout", "Exec.")},
        {QStringLiteral("persistence"), QT_TRANSLATE_NOOP("fe::MitreMatrixLayout", "Persist.")},
        {QStringLiteral("privilege_escalation"), QT_TRANSLATE_NOOP("fe::MitreMatrixLayout", "Priv. Esc.")},
        {QStringLiteral("defense_evasion"), QT_TRANSLATE_NOOP("fe::MitreMatrixLayout", "Def. Evasion")},
        {QStringLiteral("credential_access"), QT_TRANSLATE_NOOP("fe::MitreMatrixLayout", "Cred. Access")},
        {QStringLiteral("discovery"), QT_TRANSLATE_NOOP("fe::MitreMatrixLayout", "Discov.")},
        {QStringLiteral("lateral_movement"), QT_TRANSLATE_NOOP("fe::MitreMatrixLayout", "Lateral Move.")},
        {QStringLiteral("collection"), QT_TRANSLATE_NOOP("fe::MitreMatrixLayout", "Collect.")},
        {QStringLiteral("command_and_control"), QT_TRANSLATE_NOOP("fe::MitreMatrixLayout", "C2")},
        {QStringLiteral("exfiltration"), QT_TRANSLATE_NOOP("fe::MitreMatrixLayout", "Exfil.")},
        {QStringLiteral("impact"), QT_TRANSLATE_NOOP("fe::MitreMatrixLayout", "Impact")},
    };
    const auto it = shortTitles.constFind(tactic);
    if (it == shortTitles.cend())
        return tacticTitle(tactic);
    return QCoreApplication::translate("fe::MitreMatrixLayout", it.value());
}

QString MitreMatrixLayout::fittedTacticTitle(const QString &tactic, const QFontMetricsF &metrics, qreal width)
{
    const auto fits = [&](const QString &title) {
        const QStringList words = title.split(QLatin1Char(' '), Qt::SkipEmptyParts);
        for (const QString &w : words) {
            if (metrics.horizontalAdvance(w) > width)
                return false;
        }
        return true;
    };
    const QString full = tacticTitle(tactic);
    if (fits(full))
        return full;
    const QString shorter = tacticShortTitle(tactic);
    if (fits(shorter))
        return shorter;
    return metrics.elidedText(shorter, Qt::ElideRight, width);
}

int MitreMatrixLayout::heatLevel(qint64 count)
{
    if (count <= 0)
        return 0;
    int level = 1;
    for (qint64 limit = 10; count >= limit && level < s_heatLevels; limit *= 10)
        ++level;
    return level;
}

QColor MitreMatrixLayout::heatColor(int level, bool dark)
{
    // Yellow to dark red, one clear step of hue or lightness per decade (a YlOrRd ramp with wider steps than
    // ColorBrewer's, whose middle oranges are hard to tell apart on screen).
    static const QColor ramp[s_heatLevels] = {QColor(0xff, 0xf3, 0xb0), QColor(0xfd, 0xd0, 0x49), QColor(0xfd, 0x9a, 0x28),
                                              QColor(0xe8, 0x59, 0x0c), QColor(0xc9, 0x2a, 0x2a), QColor(0x7d, 0x11, 0x28)};
    if (level <= 0)
        return dark ? QColor(0x2b, 0x2f, 0x36) : QColor(0xf3, 0xf4, 0xf6);
    return ramp[qMin(level, s_heatLevels) - 1];
}

QColor MitreMatrixLayout::heatTextColor(int level, bool dark)
{
    if (level <= 0)
        return dark ? QColor(0xad, 0xb5, 0xbd) : QColor(0x6c, 0x75, 0x7d);
    return level >= 4 ? QColor(Qt::white) : QColor(0x21, 0x25, 0x29);
}

QString MitreMatrixLayout::heatLabel(int level)
{
    static const char *const labels[s_heatLevels] = {"1–9", "10–99", "100–999", "1k–9.9k", "10k–99k", "100k+"};
    if (level <= 0 || level > s_heatLevels)
        return QString();
    return QString::fromUtf8(labels[level - 1]);
}

QString MitreMatrixLayout::cellText(qint64 count, const QFontMetricsF &metrics, qreal width)
{
    const QString full = QLocale().toString(count);
    if (metrics.horizontalAdvance(full) <= width)
        return full;
    if (count >= 1000000)
        return QLocale().toString(double(count) / 1e6, 'f', count >= 10000000 ? 0 : 1) + QLatin1Char('M');
    return QLocale().toString(double(count) / 1e3, 'f', count >= 10000 ? 0 : 1) + QLatin1Char('k');
}

int MitreMatrixLayout::tacticOrder(const QString &tactic)
{
    for (int i = 0; i < int(s_tacticOrder.size()); ++i) {
        if (tactic == QLatin1String(s_tacticOrder[i]))
            return i;
    }
    return -1;
}

} // namespace fe
