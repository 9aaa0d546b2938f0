// SPDX-License-Identifier: Apache-2.0
#include "model/mitretechniques.h"

#include <QHash>

#include <utility>

namespace fe {

namespace {

// ATT&CK Enterprise technique names. Sub-techniques carry their parent's name first, as ATT&CK shows them.
constexpr std::pair<const char *, const char *> s_techniques[] = {
    {"T1003", "OS Credential Dumping"},
    {"T1003.007", "OS Credential Dumping: Proc Filesystem"},
    {"T1003.008", "OS Credential Dumping: /etc/passwd and /etc/shadow"},
    {"T1005", "Data from Local System"},
    {"T1007", "System Service Discovery"},
    {"T1014", "Rootkit"},
    {"T1016", "System Network Configuration Discovery"},
    {"T1018", "Remote System Discovery"},
    {"T1020", "Automated Exfiltration"},
    {"T1021", "Remote Services"},
    {"T1021.004", "Remote Services: SSH"},
    {"T1027", "Obfuscated Files or Information"},
    {"T1027.002", "Obfuscated Files or Information: Software Packing"},
    {"T1027.004", "Obfuscated Files or Information: Compile After Delivery"},
    {"T1033", "System Owner/User Discovery"},
    {"T1036", "Masquerading"},
    {"T1036.005", "Masquerading: Match Legitimate Name or Location"},
    {"T1037", "Boot or Logon Initialization Scripts"},
    {"T1037.004", "Boot or Logon Initialization Scripts: RC Scripts"},
    {"T1040", "Network Sniffing"},
    {"T1041", "Exfiltration Over C2 Channel"},
    {"T1046", "Network Service Discovery"},
    {"T1048", "Exfiltration Over Alternative Protocol"},
    {"T1049", "System Network Connections Discovery"},
    {"T1053", "Scheduled Task/Job"},
    {"T1053.003", "Scheduled Task/Job: Cron"},
    {"T1053.006", "Scheduled Task/Job: Systemd Timers"},
    {"T1053.007", "Scheduled Task/Job: Container Orchestration Job"},
    {"T1055", "Process Injection"},
    {"T1055.008", "Process Injection: Ptrace System Calls"},
    {"T1055.009", "Process Injection: Proc Memory"},
    {"T1057", "Process Discovery"},
    {"T1059", "Command and Scripting Interpreter"},
    {"T1059.004", "Command and Scripting Interpreter: Unix Shell"},
    {"T1059.006", "Command and Scripting Interpreter: Python"},
    {"T1068", "Exploitation for Privilege Escalation"},
    {"T1069", "Permission Groups Discovery"},
    {"T1070", "Indicator Removal"},
    {"T1070.002", "Indicator Removal: Clear Linux or Mac System Logs"},
    {"T1070.003", "Indicator Removal: Clear Command History"},
    {"T1070.004", "Indicator Removal: File Deletion"},
    {"T1070.006", "Indicator Removal: Timestomp"},
    {"T1071", "Application Layer Protocol"},
    {"T1071.001", "Application Layer Protocol: Web Protocols"},
    {"T1071.004", "Application Layer Protocol: DNS"},
    {"T1072", "Software Deployment Tools"},
    {"T1078", "Valid Accounts"},
    {"T1078.001", "Valid Accounts: Default Accounts"},
    {"T1078.003", "Valid Accounts: Local Accounts"},
    {"T1078.004", "Valid Accounts: Cloud Accounts"},
    {"T1082", "System Information Discovery"},
    {"T1083", "File and Directory Discovery"},
    {"T1087", "Account Discovery"},
    {"T1090", "Proxy"},
    {"T1095", "Non-Application Layer Protocol"},
    {"T1098", "Account Manipulation"},
    {"T1098.004", "Account Manipulation: SSH Authorized Keys"},
    {"T1105", "Ingress Tool Transfer"},
    {"T1106", "Native API"},
    {"T1110", "Brute Force"},
    {"T1132", "Data Encoding"},
    {"T1133", "External Remote Services"},
    {"T1136", "Create Account"},
    {"T1136.001", "Create Account: Local Account"},
    {"T1140", "Deobfuscate/Decode Files or Information"},
    {"T1190", "Exploit Public-Facing Application"},
    {"T1195", "Supply Chain Compromise"},
    {"T1203", "Exploitation for Client Execution"},
    {"T1204", "User Execution"},
    {"T1204.002", "User Execution: Malicious File"},
    {"T1204.003", "User Execution: Malicious Image"},
    {"T1205", "Traffic Signaling"},
    {"T1205.001", "Traffic Signaling: Port Knocking"},
    {"T1210", "Exploitation of Remote Services"},
    {"T1222", "File and Directory Permissions Modification"},
    {"T1222.002", "File and Directory Permissions Modification: Linux and Mac File and Directory Permissions Modification"},
    {"T1485", "Data Destruction"},
    {"T1486", "Data Encrypted for Impact"},
    {"T1489", "Service Stop"},
    {"T1490", "Inhibit System Recovery"},
    {"T1496", "Resource Hijacking"},
    {"T1499", "Endpoint Denial of Service"},
    {"T1505", "Server Software Component"},
    {"T1505.003", "Server Software Component: Web Shell"},
    {"T1525", "Implant Internal Image"},
    {"T1528", "Steal Application Access Token"},
    {"T1529", "System Shutdown/Reboot"},
    {"T1543", "Create or Modify System Process"},
    {"T1543.002", "Create or Modify System Process: Systemd Service"},
    {"T1543.005", "Create or Modify System Process: Container Service"},
    {"T1546", "Event Triggered Execution"},
    {"T1546.004", "Event Triggered Execution: Unix Shell Configuration Modification"},
    {"T1547", "Boot or Logon Autostart Execution"},
    {"T1547.006", "Boot or Logon Autostart Execution: Kernel Modules and Extensions"},
    {"T1548", "Abuse Elevation Control Mechanism"},
    {"T1548.001", "Abuse Elevation Control Mechanism: Setuid and Setgid"},
    {"T1548.003", "Abuse Elevation Control Mechanism: Sudo and Sudo Caching"},
    {"T1552", "Unsecured Credentials"},
    {"T1552.001", "Unsecured Credentials: Credentials In Files"},
    {"T1552.003", "Unsecured Credentials: Bash History"},
    {"T1552.004", "Unsecured Credentials: Private Keys"},
    {"T1552.005", "Unsecured Credentials: Cloud Instance Metadata API"},
    {"T1552.007", "Unsecured Credentials: Container API"},
    {"T1554", "Compromise Host Software Binary"},
    {"T1555", "Credentials from Password Stores"},
    {"T1556", "Modify Authentication Process"},
    {"T1556.003", "Modify Authentication Process: Pluggable Authentication Modules"},
    {"T1557", "Adversary-in-the-Middle"},
    {"T1557.002", "Adversary-in-the-Middle: ARP Cache Poisoning"},
    {"T1560", "Archive Collected Data"},
    {"T1562", "Impair Defenses"},
    {"T1562.001", "Impair Defenses: Disable or Modify Tools"},
    {"T1562.004", "Impair Defenses: Disable or Modify System Firewall"},
    {"T1562.006", "Impair Defenses: Indicator Blocking"},
    {"T1564", "Hide Artifacts"},
    {"T1564.001", "Hide Artifacts: Hidden Files and Directories"},
    {"T1565", "Data Manipulation"},
    {"T1570", "Lateral Tool Transfer"},
    {"T1571", "Non-Standard Port"},
    {"T1572", "Protocol Tunneling"},
    {"T1573", "Encrypted Channel"},
    {"T1574", "Hijack Execution Flow"},
    {"T1574.006", "Hijack Execution Flow: Dynamic Linker Hijacking"},
    {"T1580", "Cloud Infrastructure Discovery"},
    {"T1595", "Active Scanning"},
    {"T1609", "Container Administration Command"},
    {"T1610", "Deploy Container"},
    {"T1611", "Escape to Host"},
    {"T1612", "Build Image on Host"},
    {"T1613", "Container and Resource Discovery"},
    {"T1620", "Reflective Code Loading"},
    {"T1622", "Debugger Evasion"},
};

const QHash<QString, QString> &table()
{
    static const QHash<QString, QString> names = [] {
        QHash<QString, QString> h;
        for (const auto &[id, name] : s_techniques)
            h.insert(QString::fromLatin1(id), QString::fromLatin1(name));
        return h;
    }();
    return names;
}

} // namespace

QString MitreTechniques::name(const QString &id)
{
    return table().value(id.trimmed().toUpper());
}

QStringList MitreTechniques::ids()
{
    QStringList out;
    for (const auto &entry : s_techniques)
        out << QString::fromLatin1(entry.first);
    return out;
}

} // namespace fe
