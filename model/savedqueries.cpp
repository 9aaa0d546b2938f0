// SPDX-License-Identifier: Apache-2.0
#include "model/savedqueries.h"

#include "model/alertstore.h"
#include "model/querylanguage.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace fe {

const QString SavedQueries::s_stateKey = QStringLiteral("ui.saved_queries");

namespace {

const QString s_format = QStringLiteral("falco-explorer-saved-queries");
constexpr int s_version = 1;

QString isoTime(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs);
}

bool parseTime(const QJsonValue &v, qint64 *out)
{
    if (!v.isString())
        return false;
    const QDateTime t = QDateTime::fromString(v.toString(), Qt::ISODateWithMs);
    if (!t.isValid())
        return false;
    *out = t.toMSecsSinceEpoch();
    return true;
}

// "line 3, column 14" for a byte offset into json.
QString location(const QByteArray &json, int offset)
{
    int line = 1, column = 1;
    for (int i = 0; i < offset && i < json.size(); ++i) {
        if (json.at(i) == '\n') {
            ++line;
            column = 1;
        } else {
            ++column;
        }
    }
    return QStringLiteral("line %1, column %2").arg(line).arg(column);
}

bool readPill(const QJsonValue &value, FilterPill *out, QString *why)
{
    if (!value.isObject()) {
        *why = QStringLiteral("a pill must be an object");
        return false;
    }
    const QJsonObject o = value.toObject();
    FilterPill p;
    p.exclude = o.value(QStringLiteral("exclude")).toBool(false);
    if (o.contains(QStringLiteral("clause"))) {
        p.clause = o.value(QStringLiteral("clause")).toString();
        p.label = o.value(QStringLiteral("label")).toString();
        if (p.clause.trimmed().isEmpty()) {
            *why = QStringLiteral("\"clause\" must be a non-empty string");
            return false;
        }
    } else {
        p.field = o.value(QStringLiteral("field")).toString();
        if (p.field.isEmpty()) {
            *why = QStringLiteral("a pill needs a \"field\" or a \"clause\"");
            return false;
        }
        const QJsonValue v = o.value(QStringLiteral("value"));
        if (v.isString())
            p.value = v.toString().isEmpty() ? QStringLiteral("") : v.toString();   // "": the field is empty
        else if (!v.isNull() && !v.isUndefined()) {
            *why = QStringLiteral("\"value\" must be a string or null");
            return false;
        }
    }
    *out = p;
    return true;
}

QJsonObject writePill(const FilterPill &p)
{
    QJsonObject o;
    if (!p.clause.isEmpty()) {
        o.insert(QStringLiteral("clause"), p.clause);
        if (!p.label.isEmpty())
            o.insert(QStringLiteral("label"), p.label);
    } else {
        o.insert(QStringLiteral("field"), p.field);
        o.insert(QStringLiteral("value"), p.value.isNull() ? QJsonValue(QJsonValue::Null) : QJsonValue(p.value));
    }
    o.insert(QStringLiteral("exclude"), p.exclude);
    return o;
}

} // namespace

QStringList SavedQueries::names() const
{
    QStringList out;
    for (const SavedQuery &q : m_queries)
        out << q.name;
    return out;
}

const SavedQuery *SavedQueries::find(const QString &name) const
{
    for (const SavedQuery &q : m_queries) {
        if (q.name.compare(name, Qt::CaseInsensitive) == 0)
            return &q;
    }
    return nullptr;
}

bool SavedQueries::save(const SavedQuery &query)
{
    if (query.name.trimmed().isEmpty())
        return false;
    for (SavedQuery &q : m_queries) {
        if (q.name.compare(query.name, Qt::CaseInsensitive) == 0) {
            q = query;
            return true;
        }
    }
    m_queries.append(query);
    return true;
}

bool SavedQueries::remove(const QString &name)
{
    for (int i = 0; i < m_queries.size(); ++i) {
        if (m_queries.at(i).name.compare(name, Qt::CaseInsensitive) == 0) {
            m_queries.removeAt(i);
            return true;
        }
    }
    return false;
}

int SavedQueries::merge(const QVector<SavedQuery> &imported)
{
    int n = 0;
    for (const SavedQuery &q : imported)
        n += save(q) ? 1 : 0;
    return n;
}

QByteArray SavedQueries::toJson() const
{
    QJsonArray list;
    for (const SavedQuery &q : m_queries) {
        QJsonObject o;
        o.insert(QStringLiteral("name"), q.name);
        o.insert(QStringLiteral("query"), q.query);
        QJsonObject range;
        if (q.relativeMs >= 0) {
            range.insert(QStringLiteral("relative_ms"), q.relativeMs);
        } else {
            range.insert(QStringLiteral("from"), isoTime(q.fromMs));
            range.insert(QStringLiteral("to"), isoTime(q.toMs));
        }
        o.insert(QStringLiteral("range"), range);
        QJsonArray pills;
        for (const FilterPill &p : q.pills)
            pills.append(writePill(p));
        o.insert(QStringLiteral("pills"), pills);
        list.append(o);
    }
    QJsonObject root;
    root.insert(QStringLiteral("format"), s_format);
    root.insert(QStringLiteral("version"), s_version);
    root.insert(QStringLiteral("queries"), list);
    return QJsonDocument(root).toJson(QJsonDocument::Indented);
}

bool SavedQueries::fromJson(const QByteArray &json, QVector<SavedQuery> *out, QString *error)
{
    const auto fail = [error](const QString &why) {
        if (error)
            *error = why;
        return false;
    };
    QJsonParseError parse;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &parse);
    if (parse.error != QJsonParseError::NoError)
        return fail(QStringLiteral("%1: %2").arg(location(json, parse.offset), parse.errorString()));
    if (!doc.isObject())
        return fail(QStringLiteral("line 1, column 1: expected a JSON object with \"queries\""));
    const QJsonObject root = doc.object();
    if (root.value(QStringLiteral("format")).toString() != s_format)
        return fail(QStringLiteral("\"format\": not a Falco Explorer saved-queries file (expected \"%1\")").arg(s_format));
    if (root.value(QStringLiteral("version")).toInt() != s_version)
        return fail(QStringLiteral("\"version\": %1 is not supported (expected %2)")
                        .arg(root.value(QStringLiteral("version")).toVariant().toString())
                        .arg(s_version));
    if (!root.value(QStringLiteral("queries")).isArray())
        return fail(QStringLiteral("\"queries\": expected an array"));
    const QJsonArray list = root.value(QStringLiteral("queries")).toArray();
    QVector<SavedQuery> result;
    for (int i = 0; i < list.size(); ++i) {
        const QString where = QStringLiteral("queries[%1]").arg(i);
        if (!list.at(i).isObject())
            return fail(where + QStringLiteral(": expected an object"));
        const QJsonObject o = list.at(i).toObject();
        SavedQuery q;
        q.name = o.value(QStringLiteral("name")).toString().trimmed();
        if (q.name.isEmpty())
            return fail(where + QStringLiteral(": \"name\" must be a non-empty string"));
        const QString named = QStringLiteral("%1 (\"%2\")").arg(where, q.name);
        if (!o.value(QStringLiteral("query")).isString() && !o.value(QStringLiteral("query")).isUndefined())
            return fail(named + QStringLiteral(": \"query\" must be a string"));
        q.query = o.value(QStringLiteral("query")).toString();
        const CompiledQuery compiled = compileQuery(q.query, 0);
        if (!compiled.ok)
            return fail(QStringLiteral("%1: \"query\" column %2: %3").arg(named).arg(compiled.errorColumn + 1).arg(compiled.error));
        const QJsonObject range = o.value(QStringLiteral("range")).toObject();
        if (range.contains(QStringLiteral("relative_ms"))) {
            q.relativeMs = qint64(range.value(QStringLiteral("relative_ms")).toDouble(-1));
            if (q.relativeMs < 0)
                return fail(named + QStringLiteral(": \"range\".\"relative_ms\" must be a number >= 0"));
        } else if (range.contains(QStringLiteral("from")) || range.contains(QStringLiteral("to"))) {
            q.relativeMs = -1;
            if (!parseTime(range.value(QStringLiteral("from")), &q.fromMs) || !parseTime(range.value(QStringLiteral("to")), &q.toMs))
                return fail(named + QStringLiteral(": \"range\" needs ISO-8601 \"from\" and \"to\" times"));
            if (q.toMs <= q.fromMs)
                return fail(named + QStringLiteral(": \"range\".\"to\" must be after \"from\""));
        }
        const QJsonValue pills = o.value(QStringLiteral("pills"));
        if (!pills.isUndefined() && !pills.isArray())
            return fail(named + QStringLiteral(": \"pills\" must be an array"));
        const QJsonArray pillList = pills.toArray();
        for (int k = 0; k < pillList.size(); ++k) {
            FilterPill p;
            QString why;
            if (!readPill(pillList.at(k), &p, &why))
                return fail(QStringLiteral("%1: pills[%2]: %3").arg(named).arg(k).arg(why));
            const CompiledQuery pc = compileQuery(p.query(), 0);
            if (!pc.ok)
                return fail(QStringLiteral("%1: pills[%2]: %3").arg(named).arg(k).arg(pc.error));
            q.pills.append(p);
        }
        result.append(q);
    }
    *out = result;
    return true;
}

bool SavedQueries::load(const QString &dbPath, QString *error)
{
    AlertStore store;
    if (!store.open(dbPath, AlertStore::OpenMode::ReadOnly, error))
        return false;
    const QByteArray json = store.state(s_stateKey);
    m_queries.clear();
    if (json.isEmpty())
        return true;
    QString why;
    if (!fromJson(json, &m_queries, &why)) {
        if (error)
            *error = QStringLiteral("%1: saved queries: %2").arg(dbPath, why);
        return false;
    }
    return true;
}

bool SavedQueries::store(const QString &dbPath, QString *error) const
{
    AlertStore store;
    if (!store.open(dbPath, AlertStore::OpenMode::ReadWrite, error))
        return false;
    if (!store.setState(s_stateKey, toJson())) {
        if (error)
            *error = QStringLiteral("%1: cannot save the saved queries").arg(dbPath);
        return false;
    }
    return true;
}

} // namespace fe
