// SPDX-License-Identifier: Apache-2.0
#include "ui/mitrematrixlayout.h"

#include <QCoreApplication>
#include <QHash>

#include <algorithm>
#include <array>
#include <utility>

namespace fe {

namespace {

// ATT&CK Enterprise tactics in kill-chain order, spelled like Falco's mitre_* tags without the prefix.
constexpr std::array<const char *, 14> s_tacticOrder = {
    "reconnaissance", "resource_development", "initial_access", "execution", "persistence",
    "privilege_escalation", "defense_evasion", "credential_access", "discovery", "lateral_movement",
    "collection", "command_and_control", "exfiltration", "impact",
};

// Names of the techniques Falco's rules tag (falcosecurity/rules), for tooltips and the report.
const QHash<QString, QString> &techniqueNames()
{
    static const QHash<QString, QString> names = [] {
        const std::pair<const char *, const char *> table[] = {
            {"T1003", "OS Credential Dumping"}, {"T1005", "Data from Local System"},
            {"T1014", "Rootkit"}, {"T1016", "System Network Configuration Discovery"},
            {"T1018", "Remote System Discovery"}, {"T1021", "Remote Services"},
            {"T1021.004", "Remote Services: SSH"}, {"T1027", "Obfuscated Files or Information"},
            {"T1036", "Masquerading"}, {"T1037", "Boot or Logon Initialization Scripts"},
            {"T1040", "Network Sniffing"}, {"T1041", "Exfiltration Over C2 Channel"},
            {"T1046", "Network Service Discovery"}, {"T1048", "Exfiltration Over Alternative Protocol"},
            {"T1049", "System Network Connections Discovery"}, {"T1053", "Scheduled Task/Job"},
            {"T1053.003", "Scheduled Task/Job: Cron"}, {"T1057", "Process Discovery"},
            {"T1059", "Command and Scripting Interpreter"}, {"T1059.004", "Command and Scripting Interpreter: Unix Shell"},
            {"T1068", "Exploitation for Privilege Escalation"}, {"T1070", "Indicator Removal"},
            {"T1070.002", "Indicator Removal: Clear Linux or Mac System Logs"},
            {"T1070.003", "Indicator Removal: Clear Command History"}, {"T1070.004", "Indicator Removal: File Deletion"},
            {"T1071", "Application Layer Protocol"}, {"T1078", "Valid Accounts"},
            {"T1082", "System Information Discovery"}, {"T1083", "File and Directory Discovery"},
            {"T1090", "Proxy"}, {"T1095", "Non-Application Layer Protocol"},
            {"T1098", "Account Manipulation"}, {"T1098.004", "Account Manipulation: SSH Authorized Keys"},
            {"T1105", "Ingress Tool Transfer"}, {"T1106", "Native API"},
            {"T1136", "Create Account"}, {"T1190", "Exploit Public-Facing Application"},
            {"T1203", "Exploitation for Client Execution"}, {"T1204", "User Execution"},
            {"T1210", "Exploitation of Remote Services"}, {"T1222", "File and Directory Permissions Modification"},
            {"T1485", "Data Destruction"}, {"T1486", "Data Encrypted for Impact"},
            {"T1489", "Service Stop"}, {"T1490", "Inhibit System Recovery"},
            {"T1496", "Resource Hijacking"}, {"T1529", "System Shutdown/Reboot"},
            {"T1543", "Create or Modify System Process"}, {"T1543.002", "Create or Modify System Process: Systemd Service"},
            {"T1547", "Boot or Logon Autostart Execution"}, {"T1548", "Abuse Elevation Control Mechanism"},
            {"T1548.001", "Abuse Elevation Control Mechanism: Setuid and Setgid"},
            {"T1552", "Unsecured Credentials"}, {"T1552.001", "Unsecured Credentials: Credentials In Files"},
            {"T1555", "Credentials from Password Stores"}, {"T1556", "Modify Authentication Process"},
            {"T1560", "Archive Collected Data"}, {"T1562", "Impair Defenses"},
            {"T1565", "Data Manipulation"}, {"T1572", "Protocol Tunneling"},
            {"T1574", "Hijack Execution Flow"}, {"T1574.006", "Hijack Execution Flow: Dynamic Linker Hijacking"},
            {"T1609", "Container Administration Command"}, {"T1610", "Deploy Container"},
            {"T1611", "Escape to Host"}, {"T1612", "Build Image on Host"},
            {"T1613", "Container and Resource Discovery"}, {"T1620", "Reflective Code Loading"},
        };
        QHash<QString, QString> h;
        for (const auto &[id, name] : table)
            h.insert(QString::fromLatin1(id), QString::fromLatin1(name));
        return h;
    }();
    return names;
}

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
    return techniqueNames().value(technique);
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
