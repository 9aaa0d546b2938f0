// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QString>
#include <QStringList>

namespace fe {

// The MITRE ATT&CK Enterprise names of the techniques and sub-techniques Falco's rules tag (the stable, incubating
// and sandbox rule files of falcosecurity/rules), with the parents of those sub-techniques, and of the other
// techniques common on Linux hosts and containers. The table ships with the program: no network lookup.
class MitreTechniques
{
public:
    // "Command and Scripting Interpreter" for "T1059"; "Adversary-in-the-Middle: ARP Cache Poisoning" for
    // "T1557.002" (ATT&CK's own "parent: sub-technique" form). Case-insensitive; "" when unknown.
    static QString name(const QString &id);
    // Every id in the table, in ATT&CK order (tests).
    static QStringList ids();
};

} // namespace fe
