// SPDX-License-Identifier: Apache-2.0
#include "model/alert.h"

namespace fe {

Priority priorityFromString(QStringView text)
{
    const QString p = text.trimmed().toString().toLower();
    if (p == u"emergency" || p == u"emerg")
        return Priority::Emergency;
    if (p == u"alert")
        return Priority::Alert;
    if (p == u"critical" || p == u"crit")
        return Priority::Critical;
    if (p == u"error" || p == u"err")
        return Priority::Error;
    if (p == u"warning" || p == u"warn")
        return Priority::Warning;
    if (p == u"notice")
        return Priority::Notice;
    if (p == u"informational" || p == u"info")
        return Priority::Informational;
    if (p == u"debug")
        return Priority::Debug;
    return Priority::Unknown;
}

QString priorityName(Priority priority)
{
    switch (priority) {
    case Priority::Emergency: return QStringLiteral("Emergency");
    case Priority::Alert: return QStringLiteral("Alert");
    case Priority::Critical: return QStringLiteral("Critical");
    case Priority::Error: return QStringLiteral("Error");
    case Priority::Warning: return QStringLiteral("Warning");
    case Priority::Notice: return QStringLiteral("Notice");
    case Priority::Informational: return QStringLiteral("Informational");
    case Priority::Debug: return QStringLiteral("Debug");
    case Priority::Unknown: break;
    }
    return QStringLiteral("Unknown");
}

int severityForPriority(Priority priority)
{
    switch (priority) {
    case Priority::Emergency:
    case Priority::Alert:
    case Priority::Critical: return 99;
    case Priority::Error: return 73;
    case Priority::Warning:
    case Priority::Notice: return 47;
    case Priority::Informational:
    case Priority::Debug: return 21;
    case Priority::Unknown: break;
    }
    return 0;
}

} // namespace fe
