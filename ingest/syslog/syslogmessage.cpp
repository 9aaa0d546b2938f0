// SPDX-License-Identifier: Apache-2.0
#include "ingest/syslog/syslogmessage.h"

#include <QDateTime>

#include <array>

namespace fe {

namespace {

constexpr qint64 kMsPerDay = 86400000;

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
qint64 daysFromCivil(int y, int m, int d)
{
    y -= m <= 2 ? 1 : 0;
    const qint64 era = (y >= 0 ? y : y - 399) / 400;
    const qint64 yoe = y - era * 400;
    const qint64 doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const qint64 doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

bool isLeap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int daysInMonth(int y, int m)
{
    static constexpr std::array<int, 12> days = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && isLeap(y) ? 29 : days[m - 1];
}

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

// A cursor over the line; every read checks bounds.
struct Reader
{
    QByteArrayView s;
    qsizetype pos = 0;

    bool atEnd() const { return pos >= s.size(); }
    char peek(qsizetype ahead = 0) const { return pos + ahead < s.size() ? s[pos + ahead] : '\0'; }
    bool eat(char c)
    {
        if (peek() != c || atEnd())
            return false;
        ++pos;
        return true;
    }
    // Exactly n digits.
    bool digits(int n, int *value)
    {
        int v = 0;
        for (int i = 0; i < n; ++i) {
            if (!isDigit(peek(i)))
                return false;
            v = v * 10 + (peek(i) - '0');
        }
        pos += n;
        *value = v;
        return true;
    }
    // A token up to the next space (or the end).
    QByteArrayView token()
    {
        const qsizetype start = pos;
        while (!atEnd() && s[pos] != ' ')
            ++pos;
        return s.sliced(start, pos - start);
    }
};

bool validDateTime(int y, int mo, int d, int h, int mi, int sec)
{
    return y >= 1 && mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo) && h <= 23 && mi <= 59 && sec <= 60;
}

qint64 epochMs(int y, int mo, int d, int h, int mi, int sec, int ms)
{
    return daysFromCivil(y, mo, d) * kMsPerDay + ((h * 60 + mi) * 60 + sec) * qint64(1000) + ms;
}

// ".123456789" → milliseconds (truncated, like the integration's ms precision); any number of digits.
bool fraction(Reader &r, int *ms)
{
    *ms = 0;
    if (r.peek() != '.' && r.peek() != ',')
        return true;
    if (!isDigit(r.peek(1)))
        return false;
    ++r.pos;
    int n = 0;
    while (isDigit(r.peek())) {
        if (n < 3)
            *ms = *ms * 10 + (r.peek() - '0');
        ++n;
        ++r.pos;
    }
    for (; n < 3; ++n)
        *ms *= 10;
    return true;
}

// RFC 3339 (and ISO 8601 basic zone "+0000"): YYYY-MM-DDTHH:MM:SS[.frac][Z|±HH:MM|±HHMM]; no zone = UTC.
bool rfc3339(Reader &r, qint64 *outMs)
{
    int y, mo, d, h, mi, sec, ms;
    if (!r.digits(4, &y) || !r.eat('-') || !r.digits(2, &mo) || !r.eat('-') || !r.digits(2, &d))
        return false;
    if (!r.eat('T') && !r.eat('t'))
        return false;
    if (!r.digits(2, &h) || !r.eat(':') || !r.digits(2, &mi) || !r.eat(':') || !r.digits(2, &sec))
        return false;
    if (!fraction(r, &ms) || !validDateTime(y, mo, d, h, mi, sec))
        return false;
    int offsetMin = 0;
    if (r.eat('Z') || r.eat('z')) {
        // UTC
    } else if (r.peek() == '+' || r.peek() == '-') {
        const int sign = r.peek() == '-' ? -1 : 1;
        ++r.pos;
        int oh, om;
        if (!r.digits(2, &oh))
            return false;
        r.eat(':');
        if (!r.digits(2, &om) || oh > 23 || om > 59)
            return false;
        offsetMin = sign * (oh * 60 + om);
    }
    *outMs = epochMs(y, mo, d, h, mi, sec, ms) - offsetMin * qint64(60000);
    return true;
}

int monthFromName(QByteArrayView name)
{
    static constexpr std::array<const char *, 12> months = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    if (name.size() != 3)
        return 0;
    for (int i = 0; i < 12; ++i) {
        if (name.compare(QByteArrayView(months[size_t(i)]), Qt::CaseInsensitive) == 0)
            return i + 1;
    }
    return 0;
}

// BSD timestamp: "Mmm dd hh:mm:ss[.frac]" or "Mmm dd yyyy hh:mm:ss[.frac]" (day may be space-padded).
bool bsdTimestamp(Reader &r, qint64 referenceMs, qint64 *outMs)
{
    const int month = monthFromName(r.s.sliced(r.pos, qMin<qsizetype>(3, r.s.size() - r.pos)));
    if (month == 0)
        return false;
    r.pos += 3;
    if (!r.eat(' '))
        return false;
    r.eat(' ');
    int day = 0;
    if (!isDigit(r.peek()))
        return false;
    while (isDigit(r.peek()) && day < 100)
        day = day * 10 + (r.s[r.pos++] - '0');
    if (!r.eat(' '))
        return false;
    int year = -1;
    if (isDigit(r.peek()) && isDigit(r.peek(1)) && isDigit(r.peek(2)) && isDigit(r.peek(3)) && r.peek(4) == ' ') {
        r.digits(4, &year);
        r.eat(' ');
    }
    int h, mi, sec, ms;
    if (!r.digits(2, &h) || !r.eat(':') || !r.digits(2, &mi) || !r.eat(':') || !r.digits(2, &sec) || !fraction(r, &ms))
        return false;
    if (year < 0) {
        const QDate ref = QDateTime::fromMSecsSinceEpoch(referenceMs, Qt::UTC).date();
        year = ref.year();
        // Feb 29 without a year: pick the leap year it must have been in.
        if (!validDateTime(year, month, day, h, mi, sec) && validDateTime(year - 1, month, day, h, mi, sec))
            --year;
        if (validDateTime(year, month, day, h, mi, sec)
            && epochMs(year, month, day, h, mi, sec, ms) > referenceMs + 31 * kMsPerDay)
            --year;
    }
    if (!validDateTime(year, month, day, h, mi, sec))
        return false;
    *outMs = epochMs(year, month, day, h, mi, sec, ms);
    return true;
}

bool fail(QString *error, const QString &text, qsizetype at)
{
    if (error)
        *error = QStringLiteral("syslog: %1 at byte %2").arg(text).arg(at);
    return false;
}

QByteArrayView nilOrBytes(QByteArrayView v)
{
    return v == QByteArrayView("-") ? QByteArrayView() : v;
}

// "[HOST ]TAG[PID]: MSG" as written by BSD syslog and Go's log/syslog. The host is absent when the
// first token already looks like a tag (ends with ':' or carries "[pid]").
void bsdHostTag(Reader &r, SyslogMessage *out, bool hostRequired)
{
    auto looksLikeTag = [](QByteArrayView tok) {
        return tok.endsWith(':') || (tok.contains('[') && tok.contains(']'));
    };
    const qsizetype save = r.pos;
    QByteArrayView first = r.token();
    if (!hostRequired && looksLikeTag(first)) {
        r.pos = save;
    } else {
        out->hostnameBytes = nilOrBytes(first);
        r.eat(' ');
    }
    // TAG: up to '[', ':' or space.
    const qsizetype tagStart = r.pos;
    while (!r.atEnd() && r.peek() != '[' && r.peek() != ':' && r.peek() != ' ')
        ++r.pos;
    const qsizetype tagEnd = r.pos;
    QByteArrayView pid;
    bool tagged = false;
    if (r.peek() == '[') {
        const qsizetype pidStart = r.pos + 1;
        qsizetype close = r.s.indexOf(']', pidStart);
        if (close > 0 && r.s.sliced(pidStart, close - pidStart).indexOf(' ') < 0) {
            pid = r.s.sliced(pidStart, close - pidStart);
            r.pos = close + 1;
            tagged = true;
        }
    }
    if (r.peek() == ':') {
        ++r.pos;
        tagged = true;
    }
    if (tagged && tagEnd > tagStart) {
        out->appnameBytes = r.s.sliced(tagStart, tagEnd - tagStart);
        out->procidBytes = pid;
        r.eat(' ');
    } else {
        // No "TAG:" part: the rest is the message.
        r.pos = tagStart;
    }
}

} // namespace

bool parseSyslog(QByteArrayView line, SyslogMessage *out, QString *error, qint64 referenceMs)
{
    if (!parseSyslogHeader(line, out, error, referenceMs))
        return false;
    out->hostname = QString::fromUtf8(out->hostnameBytes);
    out->appname = QString::fromUtf8(out->appnameBytes);
    out->procid = QString::fromUtf8(out->procidBytes);
    out->msgid = QString::fromUtf8(out->msgidBytes);
    return true;
}

bool parseSyslogHeader(QByteArrayView line, SyslogMessage *out, QString *error, qint64 referenceMs)
{
    Q_ASSERT(out);
    *out = SyslogMessage();
    Reader r{line, 0};
    if (!r.eat('<'))
        return fail(error, QStringLiteral("missing \"<PRI>\""), 0);
    int pri = 0;
    int n = 0;
    while (isDigit(r.peek()) && n < 4) {
        pri = pri * 10 + (r.peek() - '0');
        ++r.pos;
        ++n;
    }
    if (n == 0 || n > 3 || pri > 191)
        return fail(error, QStringLiteral("invalid PRI"), 1);
    if (!r.eat('>'))
        return fail(error, QStringLiteral("missing '>' after PRI"), r.pos);
    out->priority = pri;
    out->facility = pri / 8;
    out->severity = pri % 8;
    if (referenceMs == 0)
        referenceMs = QDateTime::currentMSecsSinceEpoch();

    // RFC 5424: "<PRI>1 ".
    if (isDigit(r.peek()) && r.peek() != '0'
        && (r.peek(1) == ' ' || (isDigit(r.peek(1)) && r.peek(2) == ' '))) {
        r.pos += r.peek(1) == ' ' ? 2 : 3;
        out->format = SyslogMessage::Format::Rfc5424;
        if (r.eat('-')) {
            out->hasTimestamp = false;
        } else {
            const qsizetype at = r.pos;
            if (!rfc3339(r, &out->timestampMs))
                return fail(error, QStringLiteral("invalid RFC 5424 timestamp"), at);
            out->hasTimestamp = true;
        }
        QByteArrayView *fields[] = {&out->hostnameBytes, &out->appnameBytes, &out->procidBytes, &out->msgidBytes};
        for (QByteArrayView *f : fields) {
            if (!r.eat(' '))
                return fail(error, QStringLiteral("RFC 5424 header cut short"), r.pos);
            const QByteArrayView tok = r.token();
            if (tok.isEmpty())
                return fail(error, QStringLiteral("empty RFC 5424 header field"), r.pos);
            *f = nilOrBytes(tok);
        }
        if (!r.eat(' '))
            return fail(error, QStringLiteral("RFC 5424 header cut short before STRUCTURED-DATA"), r.pos);
        if (r.eat('-')) {
            // no structured data
        } else if (r.peek() == '[') {
            const qsizetype sdStart = r.pos;
            while (r.peek() == '[') {
                ++r.pos;
                bool inQuotes = false;
                bool closed = false;
                while (!r.atEnd()) {
                    const char c = r.s[r.pos++];
                    if (inQuotes && c == '\\') {
                        ++r.pos;   // escaped '"', '\' or ']'
                    } else if (c == '"') {
                        inQuotes = !inQuotes;
                    } else if (c == ']' && !inQuotes) {
                        closed = true;
                        break;
                    }
                }
                if (!closed)
                    return fail(error, QStringLiteral("unterminated STRUCTURED-DATA element"), sdStart);
            }
            r.pos = qMin(r.pos, line.size());
            out->structuredData = line.sliced(sdStart, r.pos - sdStart).toByteArray();
        } else {
            return fail(error, QStringLiteral("invalid STRUCTURED-DATA"), r.pos);
        }
        if (!r.atEnd() && !r.eat(' '))
            return fail(error, QStringLiteral("missing space after STRUCTURED-DATA"), r.pos);
        if (r.s.sliced(r.pos).startsWith("\xEF\xBB\xBF"))
            r.pos += 3;
        out->payloadOffset = r.pos;
        return true;
    }

    // Go log/syslog (and BSD syslog with an RFC 3339 stamp): "<PRI>2024-08-07T13:49:16Z HOST TAG[PID]: MSG".
    if (isDigit(r.peek()) && isDigit(r.peek(3)) && r.peek(4) == '-') {
        const qsizetype at = r.pos;
        if (!rfc3339(r, &out->timestampMs) || !r.eat(' '))
            return fail(error, QStringLiteral("invalid RFC 3339 timestamp"), at);
        out->hasTimestamp = true;
        out->format = SyslogMessage::Format::GoSyslog;
        bsdHostTag(r, out, true);
        out->payloadOffset = r.pos;
        return true;
    }

    // RFC 3164: "<PRI>Mmm dd hh:mm:ss HOST TAG[PID]: MSG".
    const qsizetype at = r.pos;
    if (!bsdTimestamp(r, referenceMs, &out->timestampMs))
        return fail(error, QStringLiteral("unrecognised syslog timestamp"), at);
    out->hasTimestamp = true;
    out->format = SyslogMessage::Format::Rfc3164;
    if (!r.eat(' ')) {
        if (!r.atEnd())
            return fail(error, QStringLiteral("missing space after timestamp"), r.pos);
        out->payloadOffset = r.pos;
        return true;
    }
    bsdHostTag(r, out, false);
    out->payloadOffset = r.pos;
    return true;
}

bool parseRfc3339(QByteArrayView text, qint64 *msOut)
{
    Reader r{text, 0};
    qint64 ms = 0;
    if (!rfc3339(r, &ms) || !r.atEnd())
        return false;
    *msOut = ms;
    return true;
}

QByteArrayView syslogFacilityNameBytes(int facility)
{
    static constexpr std::array<const char *, 24> names = {
        "kernel", "user",     "mail", "daemon",   "auth",    "syslog",       "lpr",    "news",
        "uucp",   "cron",     "authpriv", "ftp",  "ntp",     "security",     "console", "solaris-cron",
        "local0", "local1",   "local2", "local3", "local4",  "local5",       "local6", "local7"};
    if (facility < 0 || facility >= int(names.size()))
        return QByteArrayView();
    return QByteArrayView(names[size_t(facility)]);
}

QByteArrayView syslogSeverityNameBytes(int severity)
{
    static constexpr std::array<const char *, 8> names = {"Emergency", "Alert",  "Critical",      "Error",
                                                          "Warning",   "Notice", "Informational", "Debug"};
    if (severity < 0 || severity >= int(names.size()))
        return QByteArrayView();
    return QByteArrayView(names[size_t(severity)]);
}

QString syslogFacilityName(int facility)
{
    return QString::fromLatin1(syslogFacilityNameBytes(facility));
}

QString syslogSeverityName(int severity)
{
    return QString::fromLatin1(syslogSeverityNameBytes(severity));
}

} // namespace fe
