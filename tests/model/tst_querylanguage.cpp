// SPDX-License-Identifier: Apache-2.0
#include "model/querylanguage.h"

#include "model/alertstore.h"
#include "model/schema.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <QDateTime>
#include <QTemporaryDir>
#include <QTest>
#include <QTimeZone>

#include <sqlite3.h>

using namespace fe;

namespace {

// 2024-05-07T18:00:00Z
constexpr qint64 kNow = 1715104800000;

QVariantList P(std::initializer_list<QVariant> v) { return QVariantList(v); }

struct Row
{
    qint64 id;
    qint64 ts;
    int priority;
    int severity;
    const char *rule;
    const char *host;
    const char *process;
    const char *tags;
    const char *tactics;
    int triage;
    const char *output;
    const char *doc;
};

// Six alerts covering the column kinds and both document shapes (nested and dotted output_fields keys).
const Row kRows[] = {
    {1, kNow - 2 * 3600000, 4, 47, "Read sensitive file untrusted", "web-1", "cat", "|T1555|container|filesystem|",
     "|credential_access|", 0, "Warning Sensitive file opened for reading (file=/etc/shadow user=root)",
     "{\"falco\":{\"output_fields\":{\"proc\":{\"cmdline\":\"cat /etc/shadow\",\"tty\":0,\"aname[2]\":\"bash\"},\"fd\":{\"name\":\"/etc/shadow\"}}},\"process\":{\"pid\":101},\"user\":{\"privileged\":true},\"event\":{\"type\":[\"access\"]}}"},
    {2, kNow - 30 * 60000, 2, 99, "Terminal shell in container", "web-2", "bash", "|T1059|container|shell|",
     "|execution|", 1, "Critical A shell was spawned in a container (user=root shell=bash)",
     "{\"falco\":{\"output_fields\":{\"proc.cmdline\":\"bash -i\",\"proc.tty\":34816}},\"process\":{\"pid\":202},\"event\":{\"type\":[\"start\",\"process\"]}}"},
    {3, kNow - 10 * 60000, 5, 47, "Launch Privileged Container", "db-1", "runc", "|T1610|container|",
     "|execution|privilege_escalation|", 3, "Notice Privileged container started (image=nginx:latest)",
     "{\"falco\":{\"output_fields\":{\"container\":{\"image\":{\"repository\":\"nginx\"}}}},\"process\":{\"pid\":303}}"},
    {4, kNow - 48 * 3600000, 3, 73, "Write below etc", "db-1", "vi", "|filesystem|",
     "", 4, "Error File below /etc opened for writing (file=/etc/passwd'; DROP TABLE alerts; --)",
     "{\"falco\":{\"output_fields\":{\"fd\":{\"name\":\"/etc/passwd'; DROP TABLE alerts; --\"}}},\"process\":{\"pid\":404}}"},
    {5, kNow - 5 * 60000, 6, 21, "Contact K8S API Server From Container", "web-1", "curl", "", "", 2,
     "Informational Unexpected connection to K8s API Server from container (command=curl https://10.0.0.1)",
     "{\"falco\":{\"output_fields\":{\"fd\":{\"sip\":\"10.0.0.1\"}}},\"process\":{\"pid\":505},\"user\":{\"privileged\":false}}"},
    {6, kNow - 60000, 8, 0, "Mystery rule with 100% * wildcard_chars", "", "", "", "", 0,
     "unparsed output -> with % and _ and \"quotes\"", "{\"note\":\"odd\"}"},
};

// The rows in a real store (the query's functions, profiles and contentless full-text index are the store's own).
class Db
{
public:
    explicit Db(const QString &path)
    {
        QString error;
        QVERIFY2(m_store.open(path, AlertStore::OpenMode::ReadWrite, &error), qPrintable(error));
        AlertBatch batch;
        for (const Row &r : kRows) {
            Alert a;
            a.timestampMs = r.ts;
            a.priority = Priority(r.priority);
            a.severity = r.severity;
            a.rule = QString::fromUtf8(r.rule);
            a.hostname = QString::fromUtf8(r.host);
            a.processName = QString::fromUtf8(r.process);
            a.tags = Schema::decodeList(QString::fromUtf8(r.tags));
            a.tactics = Schema::decodeList(QString::fromUtf8(r.tactics));
            a.dedupeKey = "h:" + QByteArray::number(r.id);
            // The document is the record (no original): its falco.output is what the full-text index reads.
            QJsonObject doc = QJsonDocument::fromJson(r.doc).object();
            QJsonObject falco = doc.value(QStringLiteral("falco")).toObject();
            falco.insert(QStringLiteral("output"), QString::fromUtf8(r.output));
            doc.insert(QStringLiteral("falco"), falco);
            a.ecsJson = QJsonDocument(doc).toJson(QJsonDocument::Compact);
            batch.append(a);
        }
        QCOMPARE(m_store.insert(batch, &error).stored, qint64(std::size(kRows)));
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(m_store.indexPending(-1, &error), qint64(std::size(kRows)));
        for (const Row &r : kRows) {
            const QByteArray sql = "UPDATE alerts SET triage = " + QByteArray::number(r.triage) + " WHERE id = "
                + QByteArray::number(r.id);
            QCOMPARE(sqlite3_exec(m_store.handle(), sql.constData(), nullptr, nullptr, nullptr), SQLITE_OK);
        }
        m_db = m_store.handle();
    }

    // Runs the compiled query; returns the matching ids in id order, or an error text.
    QList<qint64> run(const CompiledQuery &q, QString *error)
    {
        QList<qint64> ids;
        const QString sql = QStringLiteral("SELECT a.id FROM alerts a WHERE %1 ORDER BY a.id").arg(q.where);
        sqlite3_stmt *st = nullptr;
        if (sqlite3_prepare_v2(m_db, sql.toUtf8().constData(), -1, &st, nullptr) != SQLITE_OK) {
            *error = QString::fromUtf8(sqlite3_errmsg(m_db)) + QStringLiteral(" in ") + sql;
            return ids;
        }
        if (sqlite3_bind_parameter_count(st) != q.params.size()) {
            *error = QStringLiteral("placeholder count %1 != params %2").arg(sqlite3_bind_parameter_count(st)).arg(q.params.size());
            sqlite3_finalize(st);
            return ids;
        }
        for (int i = 0; i < q.params.size(); ++i) {
            const QVariant &v = q.params.at(i);
            if (v.typeId() == QMetaType::QString) {
                const QByteArray utf8 = v.toString().toUtf8();
                sqlite3_bind_text(st, i + 1, utf8.constData(), int(utf8.size()), SQLITE_TRANSIENT);
            } else if (v.typeId() == QMetaType::Double) {
                sqlite3_bind_double(st, i + 1, v.toDouble());
            } else {
                sqlite3_bind_int64(st, i + 1, v.toLongLong());
            }
        }
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW)
            ids.append(sqlite3_column_int64(st, 0));
        if (rc != SQLITE_DONE)
            *error = QString::fromUtf8(sqlite3_errmsg(m_db));
        sqlite3_finalize(st);
        return ids;
    }

    qint64 alertCount()
    {
        sqlite3_stmt *st = nullptr;
        sqlite3_prepare_v2(m_db, "SELECT count(*) FROM alerts", -1, &st, nullptr);
        sqlite3_step(st);
        const qint64 n = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        return n;
    }

private:
    AlertStore m_store;
    sqlite3 *m_db = nullptr;
};

} // namespace

class TestQueryLanguage : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::unique_ptr<Db> m_db;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_db = std::make_unique<Db>(m_dir.filePath(QStringLiteral("alerts.db")));
        QCOMPARE(m_db->alertCount(), qint64(std::size(kRows)));
    }
    void cleanupTestCase() { m_db.reset(); }

    void compiles_data()
    {
        QTest::addColumn<QString>("query");
        QTest::addColumn<QString>("where");
        QTest::addColumn<QVariantList>("params");
        QTest::addColumn<bool>("needsDoc");

        const QString fts = QStringLiteral("a.id IN (SELECT rowid FROM alert_fts WHERE alert_fts MATCH ?)");
        const QString ftsLike = QStringLiteral("fe_output(a.id, a.record, a.origin, a.byte_offset, a.received) LIKE ? ESCAPE '\\'");
        const QString jsonEq = QStringLiteral("EXISTS (SELECT 1 FROM json_each(fe_doc(a.id, a.record, a.origin, a.byte_offset, a.received), ?) WHERE (CASE type WHEN 'true' THEN "
                                              "'true' WHEN 'false' THEN 'false' ELSE CAST(value AS TEXT) END) = ?)");

        QTest::newRow("empty") << QString() << "1" << QVariantList() << false;
        QTest::newRow("whitespace only") << QStringLiteral(" \t\n ") << "1" << QVariantList() << false;
        QTest::newRow("ecs column exact") << QStringLiteral("rule.name:\"Terminal shell in container\"")
                                          << "fe_fact(a.profile, 2) = ?" << P({QStringLiteral("Terminal shell in container")}) << false;
        QTest::newRow("short alias") << QStringLiteral("host:web-1") << "fe_fact(a.profile, 3) = ?" << P({QStringLiteral("web-1")}) << false;
        QTest::newRow("field name case-insensitive") << QStringLiteral("Host.Name:web-1") << "fe_fact(a.profile, 3) = ?"
                                                     << P({QStringLiteral("web-1")}) << false;
        QTest::newRow("space after colon") << QStringLiteral("host: web-1") << "fe_fact(a.profile, 3) = ?" << P({QStringLiteral("web-1")}) << false;
        QTest::newRow("wildcard suffix") << QStringLiteral("rule:Terminal*") << "fe_fact(a.profile, 2) LIKE ? ESCAPE '\\'"
                                         << P({QStringLiteral("Terminal%")}) << false;
        QTest::newRow("wildcard escapes like metacharacters") << QStringLiteral("rule:*100%_x*")
                                                               << "fe_fact(a.profile, 2) LIKE ? ESCAPE '\\'"
                                                               << P({QStringLiteral("%100\\%\\_x%")}) << false;
        QTest::newRow("escaped star is literal") << QStringLiteral("rule:a\\*b") << "fe_fact(a.profile, 2) = ?"
                                                 << P({QStringLiteral("a*b")}) << false;
        QTest::newRow("quoted star is literal") << QStringLiteral("rule:\"a*b\"") << "fe_fact(a.profile, 2) = ?"
                                                << P({QStringLiteral("a*b")}) << false;
        QTest::newRow("exists column") << QStringLiteral("container.image.name:*") << "fe_fact(a.profile, 7) <> ''" << QVariantList() << false;
        QTest::newRow("priority by name") << QStringLiteral("priority:critical") << "fe_fact(a.profile, 0) = ?" << P({2}) << false;
        QTest::newRow("priority falco spelling") << QStringLiteral("falco.priority:Informational") << "fe_fact(a.profile, 0) = ?"
                                                 << P({6}) << false;
        QTest::newRow("priority at least as severe") << QStringLiteral("priority >= warning") << "fe_fact(a.profile, 0) <= ?"
                                                     << P({4}) << false;
        QTest::newRow("priority more severe") << QStringLiteral("priority>warning") << "fe_fact(a.profile, 0) < ?" << P({4}) << false;
        QTest::newRow("priority less severe") << QStringLiteral("priority < warning") << "(fe_fact(a.profile, 0) > ? AND fe_fact(a.profile, 0) < 8)"
                                              << P({4}) << false;
        QTest::newRow("priority wildcard") << QStringLiteral("priority:crit*") << "fe_fact(a.profile, 0) = ?" << P({2}) << false;
        QTest::newRow("priority wildcard many") << QStringLiteral("priority:e*") << "fe_fact(a.profile, 0) IN (?, ?)" << P({0, 3})
                                                << false;
        QTest::newRow("severity range") << QStringLiteral("event.severity >= 73") << "fe_fact(a.profile, 1) >= ?" << P({qint64(73)})
                                        << false;
        QTest::newRow("severity exact") << QStringLiteral("event.severity:99") << "fe_fact(a.profile, 1) = ?" << P({qint64(99)}) << false;
        QTest::newRow("triage by name") << QStringLiteral("triage.status:new") << "a.triage = ?" << P({0}) << false;
        QTest::newRow("triage spaced name") << QStringLiteral("triage.status:\"false positive\"") << "a.triage = ?" << P({4})
                                            << false;
        QTest::newRow("triage wildcard") << QStringLiteral("triage.status:*ed") << "a.triage IN (?, ?)" << P({1, 3}) << false;
        QTest::newRow("timestamp relative") << QStringLiteral("@timestamp > now-1h") << "a.ts >= ?"
                                            << P({kNow - 3600000 + 1}) << false;
        QTest::newRow("timestamp relative ge") << QStringLiteral("@timestamp >= now-15m") << "a.ts >= ?"
                                               << P({kNow - 15 * 60000}) << false;
        QTest::newRow("timestamp iso quoted") << QStringLiteral("@timestamp >= \"2024-05-07T18:00:00Z\"") << "a.ts >= ?"
                                              << P({kNow}) << false;
        QTest::newRow("timestamp iso unquoted with offset")
            << QStringLiteral("@timestamp < 2024-05-07T20:00:00+02:00") << "a.ts < ?" << P({kNow}) << false;
        QTest::newRow("timestamp nanoseconds") << QStringLiteral("@timestamp >= \"2024-05-07T18:00:00.123456789Z\"")
                                               << "a.ts >= ?" << P({kNow + 123}) << false;
        QTest::newRow("timestamp day") << QStringLiteral("@timestamp:2024-05-07") << "(a.ts >= ? AND a.ts < ?)"
                                       << P({kNow - 18 * 3600000, kNow + 6 * 3600000}) << false;
        QTest::newRow("timestamp le day includes day") << QStringLiteral("@timestamp <= 2024-05-06") << "a.ts < ?"
                                                       << P({kNow - 18 * 3600000}) << false;
        QTest::newRow("timestamp epoch ms") << QStringLiteral("@timestamp < 1715104800000") << "a.ts < ?" << P({kNow}) << false;
        QTest::newRow("tags list exact") << QStringLiteral("tags:container") << "instr(fe_fact(a.profile, 15), ?) > 0"
                                         << P({QStringLiteral("|container|")}) << false;
        QTest::newRow("tags wildcard") << QStringLiteral("falco.tags:T15*") << "fe_fact(a.profile, 15) LIKE ? ESCAPE '\\'"
                                       << P({QStringLiteral("%|T15%|%")}) << false;
        QTest::newRow("tactic ecs spelling normalised") << QStringLiteral("threat.tactic.name:\"Credential Access\"")
                                                        << "instr(fe_fact(a.profile, 14), ?) > 0"
                                                        << P({QStringLiteral("|credential_access|")}) << false;
        QTest::newRow("free text word") << QStringLiteral("shadow") << fts << P({QStringLiteral("\"shadow\"")}) << false;
        QTest::newRow("free text phrase") << QStringLiteral("\"shell was spawned\"") << fts
                                          << P({QStringLiteral("\"shell was spawned\"")}) << false;
        QTest::newRow("free text prefix") << QStringLiteral("spaw*") << fts << P({QStringLiteral("\"spaw\" *")}) << false;
        QTest::newRow("free text fts operators quoted") << QStringLiteral("NEAR \"a b\"")
                                                        << QStringLiteral("(") + fts + QStringLiteral(" AND ") + fts + QStringLiteral(")")
                                                        << P({QStringLiteral("\"NEAR\""), QStringLiteral("\"a b\"")}) << false;
        QTest::newRow("free text with quote inside phrase") << QStringLiteral("\"say \\\"hi\\\"\"") << fts
                                                            << P({QStringLiteral("\"say \"\"hi\"\"\"")}) << false;
        QTest::newRow("free text leading wildcard") << QStringLiteral("*adow") << ftsLike << P({QStringLiteral("%%adow%")})
                                                    << false;
        QTest::newRow("free text punctuation") << QStringLiteral("->") << ftsLike << P({QStringLiteral("%->%")}) << false;
        QTest::newRow("output field is fts") << QStringLiteral("falco.output:shadow") << fts
                                             << P({QStringLiteral("\"shadow\"")}) << false;
        QTest::newRow("implicit and") << QStringLiteral("host:web-1 priority:warning") << "(fe_fact(a.profile, 3) = ? AND fe_fact(a.profile, 0) = ?)"
                                      << P({QStringLiteral("web-1"), 4}) << false;
        QTest::newRow("or and precedence") << QStringLiteral("host:a or host:b and priority:debug")
                                           << "(fe_fact(a.profile, 3) = ? OR (fe_fact(a.profile, 3) = ? AND fe_fact(a.profile, 0) = ?))"
                                           << P({QStringLiteral("a"), QStringLiteral("b"), 7}) << false;
        QTest::newRow("keywords case-insensitive") << QStringLiteral("host:a OR host:b")
                                                   << "(fe_fact(a.profile, 3) = ? OR fe_fact(a.profile, 3) = ?)"
                                                   << P({QStringLiteral("a"), QStringLiteral("b")}) << false;
        QTest::newRow("parentheses") << QStringLiteral("(host:a or host:b) and not rule:x")
                                     << "((fe_fact(a.profile, 3) = ? OR fe_fact(a.profile, 3) = ?) AND NOT (fe_fact(a.profile, 2) = ?))"
                                     << P({QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("x")}) << false;
        QTest::newRow("not of group") << QStringLiteral("not (host:a or host:b)") << "NOT (fe_fact(a.profile, 3) = ? OR fe_fact(a.profile, 3) = ?)"
                                      << P({QStringLiteral("a"), QStringLiteral("b")}) << false;
        QTest::newRow("value list") << QStringLiteral("host:(a or b)") << "(fe_fact(a.profile, 3) = ? OR fe_fact(a.profile, 3) = ?)"
                                    << P({QStringLiteral("a"), QStringLiteral("b")}) << false;
        QTest::newRow("quoted keyword is a value") << QStringLiteral("host:\"and\"") << "fe_fact(a.profile, 3) = ?"
                                                   << P({QStringLiteral("and")}) << false;
        QTest::newRow("sql injection stays a parameter") << QStringLiteral("rule:\"x'; DROP TABLE alerts; --\"")
                                                         << "fe_fact(a.profile, 2) = ?"
                                                         << P({QStringLiteral("x'; DROP TABLE alerts; --")}) << false;
        QTest::newRow("unmapped ecs field") << QStringLiteral("process.pid:101")
                                            << QStringLiteral("(") + QStringList(4, jsonEq).join(QStringLiteral(" OR ")) + QStringLiteral(")")
                                            << P({QStringLiteral("$.\"process\".\"pid\""), QStringLiteral("101"),
                                                  QStringLiteral("$.\"process.pid\""), QStringLiteral("101"),
                                                  QStringLiteral("$.\"falco\".\"output_fields\".\"process\".\"pid\""),
                                                  QStringLiteral("101"),
                                                  QStringLiteral("$.\"falco\".\"output_fields\".\"process.pid\""),
                                                  QStringLiteral("101")})
                                            << true;
        QTest::newRow("triage note contains") << QStringLiteral("triage.note:\"ci_job 100%\"")
                                              << "EXISTS (SELECT 1 FROM alert_notes n WHERE n.alert_id = a.id AND n.text LIKE ? ESCAPE '\\')"
                                              << P({QStringLiteral("%ci\\_job 100\\%%")}) << false;
        QTest::newRow("single segment json field") << QStringLiteral("note:odd") << jsonEq
                                                   << P({QStringLiteral("$.\"note\""), QStringLiteral("odd")}) << true;
    }

    void compiles()
    {
        QFETCH(QString, query);
        QFETCH(QString, where);
        QFETCH(QVariantList, params);
        QFETCH(bool, needsDoc);
        const CompiledQuery q = compileQuery(query, kNow);
        QVERIFY2(q.ok, qPrintable(q.error));
        QCOMPARE(q.errorColumn, -1);
        QCOMPARE(q.where, where);
        QCOMPARE(q.params.size(), params.size());
        for (int i = 0; i < params.size(); ++i) {
            QCOMPARE(q.params.at(i).toString(), params.at(i).toString());
            QCOMPARE(q.params.at(i).typeId() == QMetaType::QString, params.at(i).typeId() == QMetaType::QString);
        }
        QCOMPARE(q.needsDoc, needsDoc);
        QCOMPARE(int(q.where.count(u'?')), int(q.params.size()));
    }

    void rejects_data()
    {
        QTest::addColumn<QString>("query");
        QTest::addColumn<QString>("errorContains");
        QTest::addColumn<int>("column");

        QTest::newRow("missing value") << QStringLiteral("host:") << "expected a value after ':'" << 5;
        QTest::newRow("missing value before paren") << QStringLiteral("(host:)") << "expected a value after ':'" << 6;
        QTest::newRow("missing range value") << QStringLiteral("event.severity >=") << "expected a value after '>='" << 17;
        QTest::newRow("colon without field") << QStringLiteral(":x") << "field name before ':'" << 0;
        QTest::newRow("unterminated quote") << QStringLiteral("rule:\"abc") << "unterminated quoted string" << 5;
        QTest::newRow("unbalanced close") << QStringLiteral("host:a)") << "unbalanced ')'" << 6;
        QTest::newRow("missing close") << QStringLiteral("(host:a or host:b") << "missing ')'" << 17;
        QTest::newRow("empty parens") << QStringLiteral("()") << "empty parentheses" << 0;
        QTest::newRow("dangling and") << QStringLiteral("host:a and") << "after 'and'" << 10;
        QTest::newRow("dangling or") << QStringLiteral("host:a or ") << "after 'or'" << 10;
        QTest::newRow("dangling not") << QStringLiteral("not") << "after 'not'" << 3;
        QTest::newRow("leading or") << QStringLiteral("or host:a") << "unexpected 'or'" << 0;
        QTest::newRow("unknown priority") << QStringLiteral("priority:loud") << "unknown priority 'loud'" << 9;
        QTest::newRow("unknown triage") << QStringLiteral("triage.status:done") << "unknown triage status" << 14;
        QTest::newRow("severity not a number") << QStringLiteral("event.severity >= high") << "whole number" << 18;
        QTest::newRow("bad time") << QStringLiteral("@timestamp > yesterday") << "expects a time" << 13;
        QTest::newRow("bad date") << QStringLiteral("@timestamp > 2024-02-30") << "expects a time" << 13;
        QTest::newRow("wildcard in range") << QStringLiteral("rule > a*") << "wildcards cannot be used" << 7;
        QTest::newRow("range on tags") << QStringLiteral("tags > a") << "cannot be used with tags" << 7;
        QTest::newRow("wildcard field") << QStringLiteral("proc.*:bash") << "wildcards in field names" << 0;
        QTest::newRow("invalid field name") << QStringLiteral("proc..name:x") << "invalid field name" << 0;
        QTest::newRow("sql in field name") << QStringLiteral("a'||1:x") << "invalid field name" << 0;
        QTest::newRow("nul character") << QStringLiteral("host:a") + QChar(0) + QStringLiteral("b") << "U+0000" << 6;
        QTest::newRow("escape character") << QStringLiteral("host:\x1b[31m") << "U+001B" << 5;
        QTest::newRow("escaped control outside quotes") << QStringLiteral("host:a\\\x1b") << "U+001B" << 7;
        QTest::newRow("nul inside quotes") << QStringLiteral("rule:\"a") + QChar(0) + QStringLiteral("\"") << "U+0000" << 7;
        QTest::newRow("control after a closed quote") << QStringLiteral("rule:\"a\" \x07") << "U+0007" << 9;
        QTest::newRow("trailing backslash") << QStringLiteral("host:a\\") << "backslash" << 6;
        QTest::newRow("huge input") << QString(kMaxQueryLength + 1, u'a') << "longer than" << kMaxQueryLength;
        QTest::newRow("deep nesting") << QString(kMaxQueryDepth + 1, u'(') + QStringLiteral("a")
                                             + QString(kMaxQueryDepth + 1, u')')
                                      << "deeper than" << kMaxQueryDepth;
        QTest::newRow("deep not chain") << QStringLiteral("not ").repeated(kMaxQueryDepth + 1) + QStringLiteral("a")
                                        << "deeper than" << kMaxQueryDepth * 4;
        QTest::newRow("too many terms") << QStringLiteral("a ").repeated(kMaxQueryTerms + 1) << "more than"
                                        << kMaxQueryTerms * 2;
    }

    void rejects()
    {
        QFETCH(QString, query);
        QFETCH(QString, errorContains);
        QFETCH(int, column);
        const CompiledQuery q = compileQuery(query, kNow);
        QVERIFY(!q.ok);
        QVERIFY2(q.error.contains(errorContains), qPrintable(q.error));
        QCOMPARE(q.errorColumn, column);
        QVERIFY(q.where.isEmpty());
        QVERIFY(q.params.isEmpty());
    }

    void limitsAreEnough_data()
    {
        QTest::addColumn<QString>("query");
        QTest::newRow("max depth") << QString(kMaxQueryDepth, u'(') + QStringLiteral("host:a") + QString(kMaxQueryDepth, u')');
        QTest::newRow("max terms") << QStringLiteral("host:a or ").repeated(kMaxQueryTerms - 1) + QStringLiteral("host:b");
        QTest::newRow("max terms of free text") << QStringLiteral("word ").repeated(kMaxQueryTerms);
    }

    // The largest accepted queries still prepare and run in SQLite (expression depth, parameter count).
    void limitsAreEnough()
    {
        QFETCH(QString, query);
        const CompiledQuery q = compileQuery(query, kNow);
        QVERIFY2(q.ok, qPrintable(q.error));
        QString error;
        m_db->run(q, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
    }

    void matches_data()
    {
        QTest::addColumn<QString>("query");
        QTest::addColumn<QList<qint64>>("ids");
        using L = QList<qint64>;

        QTest::newRow("everything") << QString() << L{1, 2, 3, 4, 5, 6};
        QTest::newRow("rule exact") << QStringLiteral("rule.name:\"Write below etc\"") << L{4};
        QTest::newRow("rule exact is case-sensitive") << QStringLiteral("rule.name:\"write below etc\"") << L{};
        QTest::newRow("rule wildcard is case-insensitive") << QStringLiteral("rule:*CONTAINER*") << L{2, 3, 5};
        QTest::newRow("literal percent in wildcard") << QStringLiteral("rule:*100%*") << L{6};
        QTest::newRow("percent is not a wildcard") << QStringLiteral("rule:*1%0*") << L{};
        QTest::newRow("underscore is not a wildcard") << QStringLiteral("rule:*wildcard_c*") << L{6};
        QTest::newRow("underscore literal only") << QStringLiteral("rule:*wildcard_x*") << L{};
        QTest::newRow("host and priority") << QStringLiteral("host:web-1 and priority:warning") << L{1};
        QTest::newRow("host or host") << QStringLiteral("host:web-2 or host:db-1") << L{2, 3, 4};
        QTest::newRow("value list") << QStringLiteral("host:(web-2 or db-1) and not priority:error") << L{2, 3};
        QTest::newRow("host exists") << QStringLiteral("host:*") << L{1, 2, 3, 4, 5};
        QTest::newRow("not host exists") << QStringLiteral("not host:*") << L{6};
        QTest::newRow("priority at least warning") << QStringLiteral("priority >= warning") << L{1, 2, 4};
        QTest::newRow("priority less severe than warning") << QStringLiteral("priority < warning") << L{3, 5};
        QTest::newRow("priority at most notice") << QStringLiteral("priority <= notice") << L{3, 5};
        QTest::newRow("priority exists excludes unknown") << QStringLiteral("priority:*") << L{1, 2, 3, 4, 5};
        QTest::newRow("severity range") << QStringLiteral("event.severity >= 73") << L{2, 4};
        QTest::newRow("triage new") << QStringLiteral("triage.status:new") << L{1, 6};
        QTest::newRow("triage closed or fp") << QStringLiteral("triage.status:(closed or false_positive)") << L{3, 4};
        QTest::newRow("last hour") << QStringLiteral("@timestamp > now-1h") << L{2, 3, 5, 6};
        QTest::newRow("last 15 minutes") << QStringLiteral("@timestamp >= now-15m") << L{3, 5, 6};
        QTest::newRow("absolute range") << QStringLiteral("@timestamp >= \"2024-05-07T17:00:00Z\" and @timestamp < \"2024-05-07T17:55:00Z\"")
                                        << L{2, 3};
        QTest::newRow("whole day") << QStringLiteral("@timestamp:2024-05-05") << L{4};
        QTest::newRow("tag exact") << QStringLiteral("tags:container") << L{1, 2, 3};
        QTest::newRow("tag is not substring") << QStringLiteral("tags:contain") << L{};
        QTest::newRow("tag wildcard") << QStringLiteral("tags:T1*") << L{1, 2, 3};
        QTest::newRow("tactic") << QStringLiteral("tactic:execution") << L{2, 3};
        QTest::newRow("free text word") << QStringLiteral("shadow") << L{1};
        QTest::newRow("free text case-insensitive") << QStringLiteral("SHELL") << L{2};
        QTest::newRow("free text phrase") << QStringLiteral("\"shell was spawned\"") << L{2};
        QTest::newRow("free text phrase order matters") << QStringLiteral("\"spawned was shell\"") << L{};
        QTest::newRow("free text prefix") << QStringLiteral("spaw*") << L{2};
        QTest::newRow("free text path") << QStringLiteral("/etc/shadow") << L{1};
        QTest::newRow("free text inner wildcard") << QStringLiteral("sha*ow") << L{1};
        QTest::newRow("free text fts syntax is literal") << QStringLiteral("shadow OR NEAR") << L{1};
        QTest::newRow("free text fts column filter is literal") << QStringLiteral("output:shadow") << L{1};
        QTest::newRow("free text caret and quotes") << QStringLiteral("\"^shell\" \"\\\"quotes\\\"\"") << L{};
        QTest::newRow("free text punctuation") << QStringLiteral("->") << L{6};
        QTest::newRow("free text percent literal") << QStringLiteral("%") << L{6};
        QTest::newRow("free text sql injection") << QStringLiteral("\"'; DROP TABLE alerts; --\"") << L{4};
        QTest::newRow("field sql injection") << QStringLiteral("fd.name:\"/etc/passwd'; DROP TABLE alerts; --\"") << L{4};
        QTest::newRow("falco field nested") << QStringLiteral("falco.output_fields.proc.cmdline:\"cat /etc/shadow\"") << L{1};
        QTest::newRow("falco field dotted key") << QStringLiteral("falco.output_fields.proc.cmdline:\"bash -i\"") << L{2};
        QTest::newRow("falco shortcut nested") << QStringLiteral("fd.name:/etc/shadow") << L{1};
        QTest::newRow("falco shortcut number") << QStringLiteral("proc.tty:34816") << L{2};
        QTest::newRow("falco shortcut zero") << QStringLiteral("proc.tty:0") << L{1};
        QTest::newRow("falco shortcut bracket key") << QStringLiteral("proc.aname[2]:bash") << L{1};
        QTest::newRow("json wildcard") << QStringLiteral("fd.name:/etc/*") << L{1, 4};
        QTest::newRow("json exists") << QStringLiteral("fd.sip:*") << L{5};
        QTest::newRow("json numeric range") << QStringLiteral("process.pid >= 303") << L{3, 4, 5};
        QTest::newRow("json numeric range lt") << QStringLiteral("process.pid < 202") << L{1};
        QTest::newRow("json array element") << QStringLiteral("event.type:process") << L{2};
        QTest::newRow("json boolean true") << QStringLiteral("user.privileged:true") << L{1};
        QTest::newRow("json boolean false") << QStringLiteral("user.privileged:false") << L{5};
        QTest::newRow("json nested image") << QStringLiteral("container.image.repository:nginx") << L{3};
        QTest::newRow("json missing field") << QStringLiteral("no.such.field:x") << L{};
        QTest::newRow("not json field") << QStringLiteral("not fd.name:*") << L{2, 3, 5, 6};
        QTest::newRow("mixed") << QStringLiteral("(priority >= error or tags:filesystem) and not host:db-1 and @timestamp > now-1d")
                               << L{1, 2};
    }

    void matches()
    {
        QFETCH(QString, query);
        QFETCH(QList<qint64>, ids);
        const CompiledQuery q = compileQuery(query, kNow);
        QVERIFY2(q.ok, qPrintable(q.error + QStringLiteral(" at ") + QString::number(q.errorColumn)));
        QString error;
        const QList<qint64> got = m_db->run(q, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(got, ids);
        QCOMPARE(m_db->alertCount(), qint64(std::size(kRows)));
    }

    void quoting_data()
    {
        QTest::addColumn<QString>("value");
        QTest::newRow("plain") << QStringLiteral("web-1");
        QTest::newRow("spaces") << QStringLiteral("Terminal shell in container");
        QTest::newRow("quotes and backslash") << QStringLiteral("say \"hi\" \\ now");
        QTest::newRow("star") << QStringLiteral("a*b");
        QTest::newRow("keyword") << QStringLiteral("OR");
        QTest::newRow("colon and parens") << QStringLiteral("a:(b)");
        QTest::newRow("empty") << QString();
        // Alert text from a hostile host: a facet click on it must still filter.
        QTest::newRow("escape and bell") << QStringLiteral("\x1b]0;owned\x07");
        QTest::newRow("control after an escaped quote") << QStringLiteral("a\"\x1b[2J\\");
        QTest::newRow("tab and newline") << QStringLiteral("a\tb\nc");
    }

    // A clause built for a value reads back as exactly that value.
    void quoting()
    {
        QFETCH(QString, value);
        const CompiledQuery q = compileQuery(queryClause(QStringLiteral("rule"), value), kNow);
        QVERIFY2(q.ok, qPrintable(q.error));
        QCOMPARE(q.where, QStringLiteral("fe_fact(a.profile, 2) = ?"));
        QCOMPARE(q.params, QVariantList{value});
        const CompiledQuery n = compileQuery(queryClause(QStringLiteral("rule"), value, true), kNow);
        QCOMPARE(n.where, QStringLiteral("NOT (fe_fact(a.profile, 2) = ?)"));
    }

    void completion()
    {
        QVERIFY(queryFieldNames().contains(QStringLiteral("rule.name")));
        QVERIFY(queryFieldNames().contains(QStringLiteral("proc.cmdline")));
        QCOMPARE(queryValuesForField(QStringLiteral("triage.status")), triageStatusNames());
        QVERIFY(queryValuesForField(QStringLiteral("priority")).contains(QStringLiteral("warning")));
        QVERIFY(queryValuesForField(QStringLiteral("host.name")).isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestQueryLanguage)
#include "tst_querylanguage.moc"
