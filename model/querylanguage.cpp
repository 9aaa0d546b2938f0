// SPDX-License-Identifier: Apache-2.0
#include "model/querylanguage.h"

#include "model/alert.h"

#include <QDate>
#include <QDateTime>
#include <QHash>
#include <QRegularExpression>
#include <QTimeZone>

#include <optional>

namespace fe {

namespace {

// ---------------------------------------------------------------------------------------------------------------------
// Fields

enum class FieldKind {
    Text,       // a text fact (or the uuid), exact / LIKE / range
    List,       // a '|a|b|' fact (tags, tactics)
    Integer,    // an integer fact (event.severity)
    Priority,   // by Falco priority name, ranges by severity
    Triage,     // by triage status name
    Time,       // @timestamp
    FullText,   // falco.output: FTS
    Note,       // triage notes (alert_notes.text), substring match
    Json,       // anything else: json_each on the derived document (fe_doc)
};

struct Field
{
    FieldKind kind = FieldKind::Json;
    QString column;       // the SQL expression for column kinds ("fe_fact(a.profile, 2)", "a.ts")
    QString name;         // as the user wrote it (for messages)
    QStringList paths;    // JSON paths for Json
};

struct ColumnAlias
{
    const char *name;
    FieldKind kind;
    const char *column;
};

// The facts of the schema (schema v5: an alert's profile, read through fe_fact(a.profile, FactColumn)), the other
// columns, and the names that reach them (ECS first, then short and Falco spellings).
constexpr ColumnAlias kColumns[] = {
    {"@timestamp", FieldKind::Time, "a.ts"},
    {"timestamp", FieldKind::Time, "a.ts"},
    {"rule.name", FieldKind::Text, "fe_fact(a.profile, 2)"},
    {"rule", FieldKind::Text, "fe_fact(a.profile, 2)"},
    {"falco.rule", FieldKind::Text, "fe_fact(a.profile, 2)"},
    {"host.name", FieldKind::Text, "fe_fact(a.profile, 3)"},
    {"host", FieldKind::Text, "fe_fact(a.profile, 3)"},
    {"hostname", FieldKind::Text, "fe_fact(a.profile, 3)"},
    {"falco.priority", FieldKind::Priority, "fe_fact(a.profile, 0)"},
    {"priority", FieldKind::Priority, "fe_fact(a.profile, 0)"},
    {"event.severity", FieldKind::Integer, "fe_fact(a.profile, 1)"},
    {"severity", FieldKind::Integer, "fe_fact(a.profile, 1)"},
    {"event.provider", FieldKind::Text, "fe_fact(a.profile, 4)"},
    {"falco.source", FieldKind::Text, "fe_fact(a.profile, 4)"},
    {"source", FieldKind::Text, "fe_fact(a.profile, 4)"},
    {"container.id", FieldKind::Text, "fe_fact(a.profile, 5)"},
    {"container.name", FieldKind::Text, "fe_fact(a.profile, 6)"},
    {"container.image.name", FieldKind::Text, "fe_fact(a.profile, 7)"},
    {"container.image", FieldKind::Text, "fe_fact(a.profile, 7)"},
    {"image", FieldKind::Text, "fe_fact(a.profile, 7)"},
    {"orchestrator.resource.name", FieldKind::Text, "fe_fact(a.profile, 8)"},
    {"k8s.pod.name", FieldKind::Text, "fe_fact(a.profile, 8)"},
    {"pod", FieldKind::Text, "fe_fact(a.profile, 8)"},
    {"orchestrator.namespace", FieldKind::Text, "fe_fact(a.profile, 9)"},
    {"k8s.ns.name", FieldKind::Text, "fe_fact(a.profile, 9)"},
    {"namespace", FieldKind::Text, "fe_fact(a.profile, 9)"},
    {"process.name", FieldKind::Text, "fe_fact(a.profile, 10)"},
    {"proc.name", FieldKind::Text, "fe_fact(a.profile, 10)"},
    {"process", FieldKind::Text, "fe_fact(a.profile, 10)"},
    {"process.user.name", FieldKind::Text, "fe_fact(a.profile, 11)"},
    {"user.name", FieldKind::Text, "fe_fact(a.profile, 11)"},
    {"user", FieldKind::Text, "fe_fact(a.profile, 11)"},
    {"threat.technique.id", FieldKind::Text, "fe_fact(a.profile, 12)"},
    {"technique", FieldKind::Text, "fe_fact(a.profile, 12)"},
    {"threat.technique.subtechnique.id", FieldKind::Text, "fe_fact(a.profile, 13)"},
    {"subtechnique", FieldKind::Text, "fe_fact(a.profile, 13)"},
    {"threat.tactic.name", FieldKind::List, "fe_fact(a.profile, 14)"},
    {"tactic", FieldKind::List, "fe_fact(a.profile, 14)"},
    {"tactics", FieldKind::List, "fe_fact(a.profile, 14)"},
    {"falco.tags", FieldKind::List, "fe_fact(a.profile, 15)"},
    {"tags", FieldKind::List, "fe_fact(a.profile, 15)"},
    {"tag", FieldKind::List, "fe_fact(a.profile, 15)"},
    {"falco.uuid", FieldKind::Text, "fe_uuid(a.dedupe)"},
    {"uuid", FieldKind::Text, "fe_uuid(a.dedupe)"},
    {"triage.status", FieldKind::Triage, "a.triage"},
    {"triage", FieldKind::Triage, "a.triage"},
    {"triage.note", FieldKind::Note, ""},
    {"falco.output", FieldKind::FullText, ""},
    {"output", FieldKind::FullText, ""},
    {"message", FieldKind::FullText, ""},
};

// Fields of the document under other names: the command line is not a fact (it lives in the original), but its
// short and Falco spellings still reach it.
struct DocumentAlias
{
    const char *name;
    const char *field;
};
constexpr DocumentAlias kDocumentAliases[] = {
    {"proc.cmdline", "process.command_line"},
    {"cmdline", "process.command_line"},
};

// The SQL expression of an alert's derived ECS document (model/storefunctions.h).
const QString kDocument = QStringLiteral("fe_doc(a.id, a.record, a.origin, a.byte_offset, a.received)");
// The tactics fact, whose values the query normalizes as the mapper does.
const QString kTacticsColumn = QStringLiteral("fe_fact(a.profile, 14)");

// Falco field classes: a field starting with one of these is also looked up under falco.output_fields.
const QStringList &falcoFieldClasses()
{
    static const QStringList classes = {
        QStringLiteral("evt"), QStringLiteral("proc"), QStringLiteral("thread"), QStringLiteral("user"),
        QStringLiteral("group"), QStringLiteral("fd"), QStringLiteral("fs"), QStringLiteral("fdlist"),
        QStringLiteral("syscall"), QStringLiteral("container"), QStringLiteral("k8s"), QStringLiteral("ka"),
        QStringLiteral("k8smeta"), QStringLiteral("span"), QStringLiteral("mesos"), QStringLiteral("jevt"),
        QStringLiteral("ct"), QStringLiteral("okta"), QStringLiteral("github"), QStringLiteral("gcp"),
        QStringLiteral("aws"), QStringLiteral("cloudtrail"), QStringLiteral("json"), QStringLiteral("client"),
        QStringLiteral("server"), QStringLiteral("process"), QStringLiteral("event"),
    };
    return classes;
}

bool isFieldChar(QChar c)
{
    return c.isLetterOrNumber() || c == u'_' || c == u'-' || c == u'@' || c == u'[' || c == u']';
}

QString jsonPath(const QStringList &nested, const QString &last)
{
    QString path = QStringLiteral("$");
    for (const QString &s : nested)
        path += QStringLiteral(".\"") + s + u'"';
    if (!last.isEmpty())
        path += QStringLiteral(".\"") + last + u'"';
    return path;
}

// Every way the dotted field could be stored: fully nested, fully dotted, and nested prefix + dotted rest.
void addPathForms(const QStringList &prefix, const QStringList &segments, QStringList *paths)
{
    for (int k = segments.size(); k >= 1; --k) {
        QStringList nested = prefix + segments.mid(0, k - 1);
        const QString rest = segments.mid(k - 1).join(u'.');
        const QString path = jsonPath(nested, rest);
        if (!paths->contains(path))
            paths->append(path);
    }
}

std::optional<Field> resolveField(const QString &name, QString *error)
{
    const QString lower = name.toLower();
    for (const ColumnAlias &alias : kColumns) {
        if (lower == QLatin1String(alias.name)) {
            Field f;
            f.kind = alias.kind;
            f.column = QLatin1String(alias.column);
            f.name = name;
            return f;
        }
    }
    QString target = name;
    for (const DocumentAlias &alias : kDocumentAliases) {
        if (lower == QLatin1String(alias.name))
            target = QLatin1String(alias.field);
    }
    const QStringList segments = target.split(u'.');
    for (const QString &s : segments) {
        if (s.isEmpty() || !std::all_of(s.begin(), s.end(), isFieldChar)) {
            *error = QStringLiteral("invalid field name '%1'").arg(name);
            return std::nullopt;
        }
    }
    if (segments.size() > 16) {
        *error = QStringLiteral("field name '%1' has too many parts").arg(name);
        return std::nullopt;
    }
    Field f;
    f.kind = FieldKind::Json;
    f.name = name;
    addPathForms({}, segments, &f.paths);
    if (segments.size() > 1 && segments.first() != u"falco" && falcoFieldClasses().contains(segments.first()))
        addPathForms({QStringLiteral("falco"), QStringLiteral("output_fields")}, segments, &f.paths);
    return f;
}

// ---------------------------------------------------------------------------------------------------------------------
// Lexer

enum class Tok { End, LParen, RParen, Colon, Op, Word, String, And, Or, Not };

struct Token
{
    Tok kind = Tok::End;
    QString text;          // word / string content (unescaped), operator spelling
    QVector<bool> star;    // per character of text: true when it is an unescaped '*' (Word only)
    int column = 0;
    int end = 0;           // column after the token
    bool hasWildcard() const { return star.contains(true); }
};

struct Error
{
    QString text;
    int column = -1;
};

bool lex(const QString &q, QVector<Token> *tokens, Error *err)
{
    const int n = int(q.size());
    int i = 0;
    auto valueMode = [&]() {
        return !tokens->isEmpty() && (tokens->last().kind == Tok::Colon || tokens->last().kind == Tok::Op);
    };
    while (i < n) {
        const QChar c = q.at(i);
        if (c.isSpace()) {
            ++i;
            continue;
        }
        Token t;
        t.column = i;
        if (c == u'(' || c == u')') {
            t.kind = c == u'(' ? Tok::LParen : Tok::RParen;
            t.text = c;
            ++i;
        } else if (c == u':' && !valueMode()) {
            t.kind = Tok::Colon;
            t.text = c;
            ++i;
        } else if (c == u'<' || c == u'>') {
            t.kind = Tok::Op;
            t.text = c;
            ++i;
            if (i < n && q.at(i) == u'=') {
                t.text += u'=';
                ++i;
            }
        } else if (c == u'"') {
            t.kind = Tok::String;
            ++i;
            bool closed = false;
            while (i < n) {
                const QChar s = q.at(i);
                if (s == u'\\') {
                    if (i + 1 >= n)
                        break;
                    t.text += q.at(i + 1);
                    i += 2;
                    continue;
                }
                if (s == u'"') {
                    closed = true;
                    ++i;
                    break;
                }
                t.text += s;
                ++i;
            }
            if (!closed) {
                *err = {QStringLiteral("unterminated quoted string"), t.column};
                return false;
            }
        } else {
            t.kind = Tok::Word;
            const bool vm = valueMode();
            while (i < n) {
                const QChar s = q.at(i);
                if (s.isSpace() || s == u'(' || s == u')' || s == u'"' || (s == u':' && !vm))
                    break;
                // '<' and '>' end a word that can be a field name (host>x); inside other text they are text (->).
                if ((s == u'<' || s == u'>') && (t.text.isEmpty() || t.text.at(0).isLetter() || t.text.at(0) == u'@' || t.text.at(0) == u'_'))
                    break;
                if (s == u'\\') {
                    if (i + 1 >= n) {
                        *err = {QStringLiteral("backslash at the end of the query escapes nothing"), i};
                        return false;
                    }
                    t.text += q.at(i + 1);
                    t.star.append(false);
                    i += 2;
                    continue;
                }
                t.text += s;
                t.star.append(s == u'*');
                ++i;
            }
            if (!t.hasWildcard() && t.text.size() <= 3) {
                // Keywords only when written plainly (an escaped or quoted "and" is a value).
                const QString raw = q.mid(t.column, i - t.column).toLower();
                if (raw == u"and")
                    t.kind = Tok::And;
                else if (raw == u"or")
                    t.kind = Tok::Or;
                else if (raw == u"not")
                    t.kind = Tok::Not;
            }
        }
        t.end = i;
        tokens->append(t);
    }
    Token end;
    end.kind = Tok::End;
    end.column = n;
    end.end = n;
    tokens->append(end);
    return true;
}

// ---------------------------------------------------------------------------------------------------------------------
// Values

struct Value
{
    QString text;
    QVector<bool> star;   // wildcard positions (all false for quoted values)
    int column = 0;
    bool quoted = false;
    bool hasWildcard() const { return star.contains(true); }
    bool isExistsStar() const { return !quoted && text == u"*" && hasWildcard(); }
};

// LIKE pattern with '\' as the escape character: '*' wildcards become '%', literal % _ \ are escaped.
QString likePattern(const Value &v)
{
    QString out;
    out.reserve(v.text.size() + 4);
    for (int i = 0; i < v.text.size(); ++i) {
        const QChar c = v.text.at(i);
        if (v.star.value(i)) {
            out += u'%';
        } else if (c == u'%' || c == u'_' || c == u'\\') {
            out += u'\\';
            out += c;
        } else {
            out += c;
        }
    }
    return out;
}

std::optional<qint64> parseInteger(const QString &text)
{
    bool ok = false;
    const qint64 v = text.toLongLong(&ok);
    if (!ok)
        return std::nullopt;
    return v;
}

std::optional<double> parseNumber(const QString &text)
{
    bool ok = false;
    const double v = text.toDouble(&ok);
    if (!ok || text.isEmpty() || text.at(0).isSpace())
        return std::nullopt;
    return v;
}

struct TimeValue
{
    qint64 start = 0;
    qint64 end = 0;      // exclusive; start + 1 for an instant, the next midnight for a bare date
    bool isDay = false;
};

std::optional<TimeValue> parseTime(const QString &input, qint64 nowMs)
{
    const QString text = input.trimmed();
    if (text.isEmpty())
        return std::nullopt;
    static const QRegularExpression relative(QStringLiteral("^now((?:[+-]\\d{1,9}[smhdwMy])*)$"),
                                             QRegularExpression::CaseInsensitiveOption);
    static const QRegularExpression step(QStringLiteral("([+-])(\\d{1,9})([smhdwMy])"));
    if (const auto m = relative.match(text); m.hasMatch()) {
        QDateTime t = QDateTime::fromMSecsSinceEpoch(nowMs, QTimeZone::utc());
        auto it = step.globalMatch(m.captured(1));
        while (it.hasNext()) {
            const auto s = it.next();
            const qint64 n = (s.captured(1) == u"-" ? -1 : 1) * s.captured(2).toLongLong();
            const QChar unit = s.captured(3).at(0);
            if (unit == u's')
                t = t.addSecs(n);
            else if (unit == u'm')
                t = t.addSecs(n * 60);
            else if (unit == u'h')
                t = t.addSecs(n * 3600);
            else if (unit == u'd')
                t = t.addDays(n);
            else if (unit == u'w')
                t = t.addDays(n * 7);
            else if (unit == u'M')
                t = t.addMonths(int(n));
            else
                t = t.addYears(int(n));
        }
        if (!t.isValid())
            return std::nullopt;
        return TimeValue{t.toMSecsSinceEpoch(), t.toMSecsSinceEpoch() + 1, false};
    }
    static const QRegularExpression epoch(QStringLiteral("^-?\\d{1,16}$"));
    if (epoch.match(text).hasMatch()) {
        const qint64 ms = text.toLongLong();
        return TimeValue{ms, ms + 1, false};
    }
    static const QRegularExpression dateOnly(QStringLiteral("^(\\d{4})-(\\d{2})-(\\d{2})$"));
    if (const auto m = dateOnly.match(text); m.hasMatch()) {
        const QDate date(m.captured(1).toInt(), m.captured(2).toInt(), m.captured(3).toInt());
        if (!date.isValid())
            return std::nullopt;
        const qint64 start = QDateTime(date, QTime(0, 0), QTimeZone::utc()).toMSecsSinceEpoch();
        return TimeValue{start, start + 86400000, true};
    }
    // ISO-8601 date-time; fractions longer than milliseconds are cut, no zone means UTC.
    static const QRegularExpression iso(QStringLiteral(
        "^(\\d{4}-\\d{2}-\\d{2})[T ](\\d{2}:\\d{2}(?::\\d{2})?)(?:[.,](\\d+))?(Z|[+-]\\d{2}:?\\d{2})?$"),
        QRegularExpression::CaseInsensitiveOption);
    const auto m = iso.match(text);
    if (!m.hasMatch())
        return std::nullopt;
    QString normal = m.captured(1) + u'T' + m.captured(2);
    if (m.captured(2).size() == 5)
        normal += QStringLiteral(":00");
    const QString frac = (m.captured(3) + QStringLiteral("000")).left(3);
    normal += u'.' + frac;
    QDateTime t = QDateTime::fromString(normal, Qt::ISODateWithMs);
    if (!t.isValid())
        return std::nullopt;
    QString zone = m.captured(4).toUpper();
    int offsetSecs = 0;
    if (!zone.isEmpty() && zone != u"Z") {
        zone.remove(u':');
        const int sign = zone.at(0) == u'-' ? -1 : 1;
        offsetSecs = sign * (zone.mid(1, 2).toInt() * 3600 + zone.mid(3, 2).toInt() * 60);
    }
    t = QDateTime(t.date(), t.time(), QTimeZone::utc());
    const qint64 ms = t.toMSecsSinceEpoch() - qint64(offsetSecs) * 1000;
    return TimeValue{ms, ms + 1, false};
}

QString normalizedName(const QString &text)
{
    QString s = text.trimmed().toLower();
    s.replace(u' ', u'_');
    s.replace(u'-', u'_');
    return s;
}

std::optional<int> triageFromName(const QString &text)
{
    const QString s = normalizedName(text);
    const QStringList names = triageStatusNames();
    const int i = int(names.indexOf(s));
    if (i >= 0)
        return i;
    if (s == u"ack")
        return 1;
    if (s == u"fp")
        return 4;
    bool ok = false;
    const int n = s.toInt(&ok);
    if (ok && n >= 0 && n < names.size())
        return n;
    return std::nullopt;
}

std::optional<int> priorityFromValue(const QString &text)
{
    bool ok = false;
    const int n = text.toInt(&ok);
    if (ok)
        return n >= 0 && n <= int(Priority::Unknown) ? std::optional<int>(n) : std::nullopt;
    const Priority p = priorityFromString(text);
    if (p == Priority::Unknown && text.trimmed().toLower() != u"unknown")
        return std::nullopt;
    return int(p);
}

// Every spelling a priority wildcard may match, with its number.
const QVector<QPair<QString, int>> &prioritySpellings()
{
    static const QVector<QPair<QString, int>> s = {
        {QStringLiteral("emergency"), 0}, {QStringLiteral("emerg"), 0}, {QStringLiteral("alert"), 1},
        {QStringLiteral("critical"), 2}, {QStringLiteral("crit"), 2}, {QStringLiteral("error"), 3},
        {QStringLiteral("err"), 3}, {QStringLiteral("warning"), 4}, {QStringLiteral("warn"), 4},
        {QStringLiteral("notice"), 5}, {QStringLiteral("informational"), 6}, {QStringLiteral("info"), 6},
        {QStringLiteral("debug"), 7}, {QStringLiteral("unknown"), 8},
    };
    return s;
}

bool wildcardMatches(const Value &v, const QString &candidate)
{
    QString rx;
    for (int i = 0; i < v.text.size(); ++i)
        rx += v.star.value(i) ? QStringLiteral(".*") : QRegularExpression::escape(QString(v.text.at(i)));
    const QRegularExpression re(QRegularExpression::anchoredPattern(rx), QRegularExpression::CaseInsensitiveOption);
    return re.match(candidate).hasMatch();
}

// ---------------------------------------------------------------------------------------------------------------------
// Compiler

struct Fragment
{
    QString sql;
    QVariantList params;
    bool needsDoc = false;
    bool wrapped = false;   // sql is a single parenthesised group or an atom that needs no parentheses under NOT
};

Fragment atom(const QString &sql, const QVariantList &params = {}, bool wrapped = false)
{
    Fragment f;
    f.sql = sql;
    f.params = params;
    f.wrapped = wrapped;
    return f;
}

Fragment combine(const QVector<Fragment> &parts, const QString &op)
{
    if (parts.size() == 1)
        return parts.first();
    Fragment f;
    QStringList sqls;
    for (const Fragment &p : parts) {
        sqls.append(p.sql);
        f.params += p.params;
        f.needsDoc = f.needsDoc || p.needsDoc;
    }
    f.sql = u'(' + sqls.join(u' ' + op + u' ') + u')';
    f.wrapped = true;
    return f;
}

Fragment negate(const Fragment &inner)
{
    Fragment f = inner;
    f.sql = QStringLiteral("NOT ") + (inner.wrapped ? inner.sql : u'(' + inner.sql + u')');
    f.wrapped = false;
    return f;
}

bool hasWordChar(const QString &text)
{
    return std::any_of(text.begin(), text.end(), [](QChar c) { return c.isLetterOrNumber(); });
}

// The JSON value as text, with booleans spelled true/false (json_each gives them as 1/0).
const QString kJsonValueText =
    QStringLiteral("(CASE type WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' ELSE CAST(value AS TEXT) END)");

class Compiler
{
public:
    Compiler(const QVector<Token> &tokens, qint64 nowMs)
        : m_tokens(tokens)
        , m_now(nowMs)
    {
    }

    std::optional<Fragment> run()
    {
        if (peek().kind == Tok::End)
            return atom(QStringLiteral("1"));
        auto f = parseOr(0);
        if (!f)
            return std::nullopt;
        if (peek().kind != Tok::End) {
            if (peek().kind == Tok::RParen)
                return fail(QStringLiteral("unbalanced ')': no matching '('"), peek().column);
            return fail(QStringLiteral("unexpected '%1'").arg(tokenText(peek())), peek().column);
        }
        return f;
    }

    Error error;

private:
    const QVector<Token> &m_tokens;
    qint64 m_now;
    int m_pos = 0;
    int m_terms = 0;

    const Token &peek(int ahead = 0) const { return m_tokens.at(std::min<int>(m_pos + ahead, int(m_tokens.size()) - 1)); }
    const Token &next() { return m_tokens.at(m_pos < m_tokens.size() - 1 ? m_pos++ : m_pos); }

    std::nullopt_t fail(const QString &text, int column)
    {
        if (error.text.isEmpty())
            error = {text, column};
        return std::nullopt;
    }

    static QString tokenText(const Token &t)
    {
        switch (t.kind) {
        case Tok::End: return QStringLiteral("end of query");
        case Tok::And: return QStringLiteral("and");
        case Tok::Or: return QStringLiteral("or");
        case Tok::Not: return QStringLiteral("not");
        default: return t.text;
        }
    }

    static bool startsOperand(Tok k) { return k == Tok::Word || k == Tok::String || k == Tok::LParen || k == Tok::Not; }

    bool checkDepth(int depth, int column)
    {
        if (depth > kMaxQueryDepth) {
            fail(QStringLiteral("query nests deeper than %1 levels").arg(kMaxQueryDepth), column);
            return false;
        }
        return true;
    }

    bool countTerm(int column)
    {
        if (++m_terms > kMaxQueryTerms) {
            fail(QStringLiteral("query has more than %1 terms").arg(kMaxQueryTerms), column);
            return false;
        }
        return true;
    }

    // Boolean structure, shared by whole expressions and by value lists (field != nullptr).
    std::optional<Fragment> parseOr(int depth, const Field *field = nullptr)
    {
        QVector<Fragment> parts;
        auto first = parseAnd(depth, field);
        if (!first)
            return std::nullopt;
        parts.append(*first);
        while (peek().kind == Tok::Or) {
            next();
            if (!startsOperand(peek().kind))
                return fail(QStringLiteral("expected an expression after 'or'"), peek().column);
            auto rhs = parseAnd(depth, field);
            if (!rhs)
                return std::nullopt;
            parts.append(*rhs);
        }
        return combine(parts, QStringLiteral("OR"));
    }

    std::optional<Fragment> parseAnd(int depth, const Field *field)
    {
        QVector<Fragment> parts;
        auto first = parseNot(depth, field);
        if (!first)
            return std::nullopt;
        parts.append(*first);
        for (;;) {
            if (peek().kind == Tok::And) {
                next();
                if (!startsOperand(peek().kind))
                    return fail(QStringLiteral("expected an expression after 'and'"), peek().column);
            } else if (!startsOperand(peek().kind)) {
                break;
            }
            auto rhs = parseNot(depth, field);
            if (!rhs)
                return std::nullopt;
            parts.append(*rhs);
        }
        return combine(parts, QStringLiteral("AND"));
    }

    std::optional<Fragment> parseNot(int depth, const Field *field)
    {
        if (peek().kind == Tok::Not) {
            const Token op = next();
            if (!checkDepth(depth + 1, op.column))
                return std::nullopt;
            if (!startsOperand(peek().kind))
                return fail(QStringLiteral("expected an expression after 'not'"), peek().column);
            auto inner = parseNot(depth + 1, field);
            if (!inner)
                return std::nullopt;
            return negate(*inner);
        }
        return parsePrimary(depth, field);
    }

    std::optional<Fragment> parsePrimary(int depth, const Field *field)
    {
        const Token &t = peek();
        switch (t.kind) {
        case Tok::LParen: {
            const Token open = next();
            if (!checkDepth(depth + 1, open.column))
                return std::nullopt;
            if (peek().kind == Tok::RParen)
                return fail(QStringLiteral("empty parentheses"), open.column);
            auto inner = parseOr(depth + 1, field);
            if (!inner)
                return std::nullopt;
            if (peek().kind != Tok::RParen)
                return fail(QStringLiteral("missing ')' for the '(' at column %1").arg(open.column + 1), peek().column);
            next();
            return inner;
        }
        case Tok::Word:
        case Tok::String:
            if (field) {
                const Token v = next();
                return compileTerm(*field, toValue(v));
            }
            return parseTerm();
        case Tok::RParen:
            return fail(QStringLiteral("unbalanced ')': no matching '('"), t.column);
        case Tok::Colon:
            return fail(QStringLiteral("expected a field name before ':'"), t.column);
        case Tok::Op:
            return fail(QStringLiteral("expected a field name before '%1'").arg(t.text), t.column);
        case Tok::End:
            return fail(QStringLiteral("expected an expression"), t.column);
        default:
            return fail(QStringLiteral("unexpected '%1'").arg(tokenText(t)), t.column);
        }
    }

    static Value toValue(const Token &t)
    {
        Value v;
        v.text = t.text;
        v.column = t.column;
        v.quoted = t.kind == Tok::String;
        v.star = v.quoted ? QVector<bool>(t.text.size(), false) : t.star;
        return v;
    }

    std::optional<Fragment> parseTerm()
    {
        const Token t = next();
        const Tok after = peek().kind;
        if (t.kind == Tok::Word && (after == Tok::Colon || after == Tok::Op)) {
            if (t.hasWildcard())
                return fail(QStringLiteral("wildcards in field names are not supported"), t.column);
            QString why;
            const auto field = resolveField(t.text, &why);
            if (!field)
                return fail(why, t.column);
            const Token op = next();
            if (after == Tok::Colon) {
                if (peek().kind == Tok::LParen) {
                    const Token open = next();
                    if (peek().kind == Tok::RParen)
                        return fail(QStringLiteral("empty value list"), open.column);
                    auto list = parseOr(1, &*field);
                    if (!list)
                        return std::nullopt;
                    if (peek().kind != Tok::RParen)
                        return fail(QStringLiteral("missing ')' for the '(' at column %1").arg(open.column + 1),
                                    peek().column);
                    next();
                    return list;
                }
                if (peek().kind != Tok::Word && peek().kind != Tok::String)
                    return fail(QStringLiteral("expected a value after ':'"), peek().column);
                return compileTerm(*field, toValue(next()));
            }
            if (peek().kind != Tok::Word && peek().kind != Tok::String)
                return fail(QStringLiteral("expected a value after '%1'").arg(op.text), peek().column);
            return compileRange(*field, op.text, toValue(next()));
        }
        return compileFreeText(toValue(t));
    }

    // ---- leaves

    std::optional<Fragment> compileFreeText(const Value &v)
    {
        if (!countTerm(v.column))
            return std::nullopt;
        if (v.isExistsStar())
            return atom(QStringLiteral("1"));
        // Wildcards only at the end of a word with a word character before them: an FTS prefix query.
        int firstStar = int(v.star.indexOf(true));
        bool trailingOnly = firstStar > 0;
        for (int i = firstStar; trailingOnly && i < v.star.size(); ++i)
            trailingOnly = v.star.at(i);
        const QString literal = firstStar >= 0 ? v.text.left(firstStar) : v.text;
        if (firstStar < 0 || (trailingOnly && literal.at(literal.size() - 1).isLetterOrNumber())) {
            if (hasWordChar(literal)) {
                QString fts = u'"' + QString(literal).replace(u'"', QStringLiteral("\"\"")) + u'"';
                if (firstStar >= 0)
                    fts += QStringLiteral(" *");
                return atom(QStringLiteral("a.id IN (SELECT rowid FROM alert_fts WHERE alert_fts MATCH ?)"), {fts});
            }
        }
        // Leading / inner wildcards, or text FTS cannot tokenise (punctuation only): substring scan of the output.
        return atom(QStringLiteral("fe_output(a.id, a.record, a.origin, a.byte_offset, a.received) LIKE ? ESCAPE '\\'"),
                    {u'%' + likePattern(v) + u'%'});
    }

    std::optional<Fragment> compileTerm(const Field &f, const Value &v)
    {
        if (f.kind == FieldKind::FullText)
            return compileFreeText(v);
        if (!countTerm(v.column))
            return std::nullopt;
        const bool exists = v.isExistsStar();
        const bool wild = v.hasWildcard();
        switch (f.kind) {
        case FieldKind::Text:
            if (exists)
                return atom(f.column + QStringLiteral(" <> ''"));
            if (wild)
                return atom(f.column + QStringLiteral(" LIKE ? ESCAPE '\\'"), {likePattern(v)});
            return atom(f.column + QStringLiteral(" = ?"), {v.text});
        case FieldKind::List: {
            if (exists)
                return atom(f.column + QStringLiteral(" <> ''"));
            Value val = v;
            if (f.column == kTacticsColumn) {
                val.text = normalizedName(v.text);
            }
            if (val.text.contains(u'|'))
                return atom(QStringLiteral("0"));
            if (wild)
                return atom(f.column + QStringLiteral(" LIKE ? ESCAPE '\\'"),
                            {QStringLiteral("%|") + likePattern(val) + QStringLiteral("|%")});
            return atom(QStringLiteral("instr(%1, ?) > 0").arg(f.column), {u'|' + val.text + u'|'});
        }
        case FieldKind::Integer: {
            if (exists)
                return atom(f.column + QStringLiteral(" <> 0"));
            const auto n = parseInteger(v.text);
            if (!n || wild)
                return fail(QStringLiteral("%1 expects a whole number, not '%2'").arg(f.name, v.text), v.column);
            return atom(f.column + QStringLiteral(" = ?"), {*n});
        }
        case FieldKind::Priority: {
            if (exists)
                return atom(f.column + QStringLiteral(" <> 8"));
            if (wild) {
                QVector<int> matched;
                for (const auto &[name, number] : prioritySpellings()) {
                    if (!matched.contains(number) && wildcardMatches(v, name))
                        matched.append(number);
                }
                return inList(f.column, matched);
            }
            const auto p = priorityFromValue(v.text);
            if (!p)
                return fail(QStringLiteral("unknown priority '%1' (expected emergency, alert, critical, error, warning, "
                                           "notice, informational or debug)").arg(v.text), v.column);
            return atom(f.column + QStringLiteral(" = ?"), {*p});
        }
        case FieldKind::Triage: {
            if (exists)
                return atom(QStringLiteral("1"));
            if (wild) {
                QVector<int> matched;
                const QStringList names = triageStatusNames();
                for (int i = 0; i < names.size(); ++i) {
                    if (wildcardMatches(v, names.at(i)))
                        matched.append(i);
                }
                return inList(f.column, matched);
            }
            const auto s = triageFromName(v.text);
            if (!s)
                return fail(QStringLiteral("unknown triage status '%1' (expected %2)")
                                .arg(v.text, triageStatusNames().join(QStringLiteral(", "))), v.column);
            return atom(f.column + QStringLiteral(" = ?"), {*s});
        }
        case FieldKind::Time: {
            if (exists)
                return atom(QStringLiteral("1"));
            const auto t = wild ? std::nullopt : parseTime(v.text, m_now);
            if (!t)
                return failTime(f, v);
            if (t->isDay)
                return atom(QStringLiteral("(a.ts >= ? AND a.ts < ?)"), {t->start, t->end}, true);
            return atom(QStringLiteral("a.ts = ?"), {t->start});
        }
        case FieldKind::Json: {
            Fragment out;
            QStringList alternatives;
            for (const QString &path : f.paths) {
                if (exists) {
                    // coalesce: a missing path must be false, not NULL, so that NOT works.
                    alternatives.append(QStringLiteral("coalesce(json_type(%1, ?), 'null') <> 'null'").arg(kDocument));
                    out.params += path;
                } else if (wild) {
                    alternatives.append(QStringLiteral("EXISTS (SELECT 1 FROM json_each(%1, ?) WHERE %2 LIKE ? ESCAPE '\\')")
                                            .arg(kDocument, kJsonValueText));
                    out.params += path;
                    out.params += likePattern(v);
                } else {
                    alternatives.append(QStringLiteral("EXISTS (SELECT 1 FROM json_each(%1, ?) WHERE %2 = ?)")
                                            .arg(kDocument, kJsonValueText));
                    out.params += path;
                    out.params += v.text;
                }
            }
            out.sql = alternatives.size() == 1 ? alternatives.first() : u'(' + alternatives.join(QStringLiteral(" OR ")) + u')';
            out.wrapped = alternatives.size() > 1;
            out.needsDoc = true;
            return out;
        }
        case FieldKind::Note: {
            const QString any = QStringLiteral("EXISTS (SELECT 1 FROM alert_notes n WHERE n.alert_id = a.id");
            if (exists)
                return atom(any + u')');
            // Notes are prose: a value matches anywhere in a note, case-insensitively (ASCII).
            return atom(any + QStringLiteral(" AND n.text LIKE ? ESCAPE '\\')"), {u'%' + likePattern(v) + u'%'});
        }
        case FieldKind::FullText:
            break;
        }
        return fail(QStringLiteral("cannot compile '%1'").arg(f.name), v.column);
    }

    std::nullopt_t failTime(const Field &f, const Value &v)
    {
        return fail(QStringLiteral("%1 expects a time (ISO-8601 like 2024-05-07T18:00:00Z, epoch milliseconds or "
                                   "now-1h), not '%2'").arg(f.name, v.text), v.column);
    }

    static Fragment inList(const QString &column, const QVector<int> &values)
    {
        if (values.isEmpty())
            return atom(QStringLiteral("0"));
        if (values.size() == 1)
            return atom(column + QStringLiteral(" = ?"), {values.first()});
        QStringList marks;
        QVariantList params;
        for (int v : values) {
            marks.append(QStringLiteral("?"));
            params.append(v);
        }
        return atom(column + QStringLiteral(" IN (") + marks.join(QStringLiteral(", ")) + u')', params);
    }

    std::optional<Fragment> compileRange(const Field &f, const QString &op, const Value &v)
    {
        if (!countTerm(v.column))
            return std::nullopt;
        if (v.hasWildcard())
            return fail(QStringLiteral("wildcards cannot be used with '%1'").arg(op), v.column);
        switch (f.kind) {
        case FieldKind::Text:
            return atom(QStringLiteral("%1 %2 ?").arg(f.column, op), {v.text});
        case FieldKind::Integer: {
            const auto n = parseInteger(v.text);
            if (!n)
                return fail(QStringLiteral("%1 expects a whole number, not '%2'").arg(f.name, v.text), v.column);
            return atom(QStringLiteral("%1 %2 ?").arg(f.column, op), {*n});
        }
        case FieldKind::Priority: {
            const auto p = priorityFromValue(v.text);
            if (!p || *p == int(Priority::Unknown))
                return fail(QStringLiteral("unknown priority '%1' (expected emergency, alert, critical, error, warning, "
                                           "notice, informational or debug)").arg(v.text), v.column);
            // Lower numbers are more severe: ">= warning" is "warning or worse".
            if (op == u">=")
                return atom(f.column + QStringLiteral(" <= ?"), {*p});
            if (op == u">")
                return atom(f.column + QStringLiteral(" < ?"), {*p});
            if (op == u"<=")
                return atom(QStringLiteral("(%1 >= ? AND %1 < 8)").arg(f.column), {*p}, true);
            return atom(QStringLiteral("(%1 > ? AND %1 < 8)").arg(f.column), {*p}, true);
        }
        case FieldKind::Time: {
            const auto t = parseTime(v.text, m_now);
            if (!t)
                return failTime(f, v);
            // A bare date is the whole day: "<= 2024-05-07" includes that day, "> 2024-05-07" starts the next.
            if (op == u">=")
                return atom(QStringLiteral("a.ts >= ?"), {t->start});
            if (op == u">")
                return atom(QStringLiteral("a.ts >= ?"), {t->isDay ? t->end : t->start + 1});
            if (op == u"<=")
                return atom(QStringLiteral("a.ts < ?"), {t->isDay ? t->end : t->start + 1});
            return atom(QStringLiteral("a.ts < ?"), {t->start});
        }
        case FieldKind::Json: {
            Fragment out;
            QStringList alternatives;
            const auto number = parseNumber(v.text);
            for (const QString &path : f.paths) {
                if (number) {
                    alternatives.append(QStringLiteral(
                        "EXISTS (SELECT 1 FROM json_each(%2, ?) WHERE type IN ('integer', 'real') AND value %1 ?)").arg(op, kDocument));
                    out.params += path;
                    out.params += *number;
                } else {
                    alternatives.append(
                        QStringLiteral("EXISTS (SELECT 1 FROM json_each(%2, ?) WHERE type = 'text' AND value %1 ?)").arg(op, kDocument));
                    out.params += path;
                    out.params += v.text;
                }
            }
            out.sql = alternatives.size() == 1 ? alternatives.first() : u'(' + alternatives.join(QStringLiteral(" OR ")) + u')';
            out.wrapped = alternatives.size() > 1;
            out.needsDoc = true;
            return out;
        }
        case FieldKind::List:
        case FieldKind::Triage:
        case FieldKind::FullText:
        case FieldKind::Note:
            break;
        }
        return fail(QStringLiteral("'%1' cannot be used with %2").arg(op, f.name), v.column);
    }
};

} // namespace

CompiledQuery compileQuery(const QString &kql, qint64 nowMs)
{
    CompiledQuery result;
    auto failWith = [&](const QString &text, int column) {
        result.ok = false;
        result.error = text;
        result.errorColumn = column;
        result.where.clear();
        result.params.clear();
        result.needsDoc = false;
        return result;
    };
    if (kql.size() > kMaxQueryLength)
        return failWith(QStringLiteral("query is longer than %1 characters").arg(kMaxQueryLength), kMaxQueryLength);
    // Control characters are refused where they would be syntax; inside a quoted value they are that value's
    // characters (alert text may hold them, and quoteQueryValue must be able to write any value without NUL).
    const auto refused = [](QChar c, bool quoted) {
        return c.isNull() || (!quoted && c.category() == QChar::Other_Control && !c.isSpace());
    };
    bool quoted = false;
    for (int i = 0; i < kql.size(); ++i) {
        const QChar c = kql.at(i);
        int at = i;
        if (c == u'\\' && i + 1 < kql.size()) {
            at = ++i;   // an escaped character: never a quote, but checked like any other
        } else if (c == u'"') {
            quoted = !quoted;
            continue;
        }
        if (refused(kql.at(at), quoted))
            return failWith(QStringLiteral("control character U+%1 is not allowed")
                                .arg(QString::number(kql.at(at).unicode(), 16).rightJustified(4, u'0').toUpper()), at);
    }
    QVector<Token> tokens;
    Error lexError;
    if (!lex(kql, &tokens, &lexError))
        return failWith(lexError.text, lexError.column);
    Compiler compiler(tokens, nowMs);
    const auto fragment = compiler.run();
    if (!fragment)
        return failWith(compiler.error.text, compiler.error.column);
    result.where = fragment->sql;
    result.params = fragment->params;
    result.needsDoc = fragment->needsDoc;
    return result;
}

QStringList triageStatusNames()
{
    return {QStringLiteral("new"), QStringLiteral("acknowledged"), QStringLiteral("in_progress"),
            QStringLiteral("closed"), QStringLiteral("false_positive")};
}

QStringList queryFieldNames()
{
    QStringList names;
    for (const ColumnAlias &alias : kColumns)
        names.append(QLatin1String(alias.name));
    names.append(QStringLiteral("process.command_line"));
    for (const DocumentAlias &alias : kDocumentAliases)
        names.append(QLatin1String(alias.name));
    names += {
        QStringLiteral("event.kind"), QStringLiteral("event.category"), QStringLiteral("event.type"),
        QStringLiteral("event.outcome"), QStringLiteral("process.pid"), QStringLiteral("process.parent.pid"),
        QStringLiteral("process.executable"), QStringLiteral("process.parent.name"),
        QStringLiteral("process.parent.command_line"), QStringLiteral("file.path"), QStringLiteral("file.name"),
        QStringLiteral("source.ip"), QStringLiteral("destination.ip"), QStringLiteral("destination.port"),
        QStringLiteral("falco.hostname"), QStringLiteral("proc.pname"), QStringLiteral("proc.exepath"),
        QStringLiteral("proc.pcmdline"), QStringLiteral("proc.tty"), QStringLiteral("proc.aname[2]"),
        QStringLiteral("fd.name"), QStringLiteral("evt.type"), QStringLiteral("user.uid"),
        QStringLiteral("user.loginuid"), QStringLiteral("container.image.repository"),
        QStringLiteral("container.image.tag"), QStringLiteral("k8s.deployment.name"),
    };
    return names;
}

QStringList queryValuesForField(const QString &field)
{
    const QString lower = field.toLower();
    for (const ColumnAlias &alias : kColumns) {
        if (lower != QLatin1String(alias.name))
            continue;
        if (alias.kind == FieldKind::Priority) {
            return {QStringLiteral("emergency"), QStringLiteral("alert"), QStringLiteral("critical"),
                    QStringLiteral("error"), QStringLiteral("warning"), QStringLiteral("notice"),
                    QStringLiteral("informational"), QStringLiteral("debug")};
        }
        if (alias.kind == FieldKind::Triage)
            return triageStatusNames();
        if (alias.kind == FieldKind::Time)
            return {QStringLiteral("now-15m"), QStringLiteral("now-1h"), QStringLiteral("now-24h"),
                    QStringLiteral("now-7d")};
        return {};
    }
    return {};
}

QString quoteQueryValue(const QString &value)
{
    const QString lower = value.toLower();
    bool plain = !value.isEmpty() && lower != u"and" && lower != u"or" && lower != u"not";
    for (QChar c : value) {
        if (!(c.isLetterOrNumber() || c == u'.' || c == u'_' || c == u'-' || c == u'/' || c == u'@' || c == u'+'
              || c == u',' || c == u'=')) {
            plain = false;
            break;
        }
    }
    if (plain)
        return value;
    QString out = QStringLiteral("\"");
    for (QChar c : value) {
        if (c == u'"' || c == u'\\')
            out += u'\\';
        out += c;
    }
    out += u'"';
    return out;
}

QString queryClause(const QString &field, const QString &value, bool exclude)
{
    const QString clause = field + u':' + quoteQueryValue(value);
    return exclude ? QStringLiteral("not ") + clause : clause;
}

} // namespace fe
