// SPDX-License-Identifier: Apache-2.0
// End-to-end: the real falco-explorer on a real X server (Xvfb), driven by real X key and mouse events (xdotool),
// the outcome checked through the CLI (export, stats) on the same store. The application's --probe file says where
// its parts are on the screen and what they show; a screenshot of the whole screen is saved after every step under
// the build directory (tests/gui-artifacts/). Catches what offscreen tests cannot: shortcuts that two owners make
// ambiguous, focus that goes astray, keys eaten by the wrong widget.
#include "support/rawdb.h"

#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <functional>

namespace {

constexpr int s_alerts = 3000;
constexpr int s_waitMs = 20000;

QPoint centre(const QJsonObject &rect)
{
    return QPoint(rect.value(QStringLiteral("x")).toInt() + rect.value(QStringLiteral("w")).toInt() / 2,
                  rect.value(QStringLiteral("y")).toInt() + rect.value(QStringLiteral("h")).toInt() / 2);
}

QString isoUtc(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(QStringLiteral("yyyy-MM-ddTHH:mm:ss.zzzZ"));
}

// "1,234 matching" → 1234
qint64 leadingNumber(const QString &text)
{
    QString digits;
    for (const QChar c : text) {
        if (c.isDigit())
            digits += c;
        else if (c == u' ')
            break;
    }
    return digits.isEmpty() ? -1 : digits.toLongLong();
}

} // namespace

class TestGuiXvfb : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void clickRowAndAltTwoAcknowledges();
    void ctrlLQueryEnterMatchesStats();
    void keyboardNavigation();
    void dashboardBarAddsPillAndExplorerAgrees();
    void timeBrushZoomsAndBackReturns();
    void savedQueryRecalledFromCompletion();
    void terminateClosesLikeTheCloseButton();
    void readOnlyStoreTakesNoWrites();   // last: it restarts the application on a damaged copy of the store

private:
    QJsonObject probe() const;
    bool waitFor(const std::function<bool(const QJsonObject &)> &condition, int timeoutMs = s_waitMs) const;
    void xdo(const QStringList &args) const;
    void click(const QPoint &p) const;
    void key(const QString &keys) const;
    void screenshot(const QString &step);
    QByteArray cli(const QStringList &args, bool *ok = nullptr) const;

    QTemporaryDir m_dir;
    QString m_db;
    QString m_probe;
    QString m_display;
    QString m_artifacts;
    int m_step = 0;
    QProcess m_xvfb;
    QProcess m_app;
};

QJsonObject TestGuiXvfb::probe() const
{
    QFile f(m_probe);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(f.readAll()).object();
}

bool TestGuiXvfb::waitFor(const std::function<bool(const QJsonObject &)> &condition, int timeoutMs) const
{
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < timeoutMs) {
        const QJsonObject p = probe();
        if (!p.isEmpty() && condition(p))
            return true;
        QTest::qWait(50);
    }
    return false;
}

void TestGuiXvfb::xdo(const QStringList &args) const
{
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("DISPLAY"), m_display);
    p.setProcessEnvironment(env);
    p.start(QStringLiteral("xdotool"), args);
    QVERIFY2(p.waitForFinished(10000) && p.exitCode() == 0, qPrintable(args.join(u' ') + QString::fromUtf8(p.readAllStandardError())));
}

void TestGuiXvfb::click(const QPoint &p) const
{
    xdo({QStringLiteral("mousemove"), QStringLiteral("--sync"), QString::number(p.x()), QString::number(p.y()),
         QStringLiteral("click"), QStringLiteral("1")});
}

void TestGuiXvfb::key(const QString &keys) const
{
    xdo({QStringLiteral("key"), QStringLiteral("--clearmodifiers"), keys});
}

void TestGuiXvfb::screenshot(const QString &step)
{
    const QString file = QStringLiteral("%1/%2-%3.png").arg(m_artifacts).arg(++m_step, 2, 10, QLatin1Char('0')).arg(step);
    QProcess p;
    p.start(QStringLiteral("import"), {QStringLiteral("-display"), m_display, QStringLiteral("-window"), QStringLiteral("root"), file});
    QVERIFY2(p.waitForFinished(20000) && p.exitCode() == 0, qPrintable(QString::fromUtf8(p.readAllStandardError())));
}

QByteArray TestGuiXvfb::cli(const QStringList &args, bool *ok) const
{
    QProcess p;
    p.start(QStringLiteral(FE_EXPLORER_BIN), args);
    const bool done = p.waitForFinished(60000) && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
    if (ok)
        *ok = done;
    if (!done)
        qWarning("%s", p.readAllStandardError().constData());
    return p.readAllStandardOutput();
}

void TestGuiXvfb::initTestCase()
{
    for (const char *tool : {"Xvfb", "xdotool", "import"}) {
        QVERIFY2(!QStandardPaths::findExecutable(QString::fromLatin1(tool)).isEmpty(),
                 qPrintable(QStringLiteral("%1 is missing: run installer/install-deps.sh").arg(QString::fromLatin1(tool))));
    }
    QVERIFY(m_dir.isValid());
    m_db = m_dir.filePath(QStringLiteral("alerts.db"));
    m_probe = m_dir.filePath(QStringLiteral("probe.json"));
    m_artifacts = QCoreApplication::applicationDirPath() + QStringLiteral("/gui-artifacts");
    QDir(m_artifacts).removeRecursively();
    QVERIFY(QDir().mkpath(m_artifacts));
    bool demo = false;
    cli({QStringLiteral("demo"), QStringLiteral("--db"), m_db, QStringLiteral("--count"), QString::number(s_alerts)}, &demo);
    QVERIFY(demo);

    // The X server picks a free display and says which on stdout.
    m_xvfb.start(QStringLiteral("Xvfb"), {QStringLiteral("-displayfd"), QStringLiteral("1"), QStringLiteral("-screen"),
                                         QStringLiteral("0"), QStringLiteral("1600x1000x24"), QStringLiteral("-nolisten"),
                                         QStringLiteral("tcp")});
    QVERIFY(m_xvfb.waitForStarted());
    QTRY_VERIFY_WITH_TIMEOUT(m_xvfb.canReadLine() || m_xvfb.state() != QProcess::Running, 10000);
    m_display = u':' + QString::fromLatin1(m_xvfb.readLine().trimmed());
    QVERIFY2(m_display.size() > 1, "Xvfb did not start");

    // The application with settings, data and keyring of its own (none), on that display.
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("DISPLAY"), m_display);
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("xcb"));
    for (const char *dir : {"XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_RUNTIME_DIR"}) {
        const QString path = m_dir.filePath(QString::fromLatin1(dir).toLower());
        QDir().mkpath(path);
        QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        env.insert(QString::fromLatin1(dir), path);
    }
    env.remove(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"));
    m_app.setProcessEnvironment(env);
    m_app.start(QStringLiteral(FE_EXPLORER_BIN), {QStringLiteral("--db"), m_db, QStringLiteral("--size"), QStringLiteral("1600x1000"),
                                                  QStringLiteral("--no-demo"), QStringLiteral("--probe"), m_probe});
    QVERIFY(m_app.waitForStarted());
    QVERIFY2(waitFor([](const QJsonObject &p) {
                 const QJsonObject e = p.value(QStringLiteral("explorer")).toObject();
                 return e.value(QStringLiteral("settled")).toBool() && e.value(QStringLiteral("total")).toInteger() == s_alerts
                     && !e.value(QStringLiteral("rows")).toArray().isEmpty();
             }),
             "the explorer did not show the alerts");
    // Without a window manager the window gets the keyboard focus from a click (here on the Explorer tab).
    const QJsonArray tabs = probe().value(QStringLiteral("tabs")).toArray();
    QVERIFY(!tabs.isEmpty());
    click(centre(tabs.at(0).toObject()));
    QVERIFY(waitFor([](const QJsonObject &p) { return p.value(QStringLiteral("active")).toBool(); }));
    screenshot(QStringLiteral("started"));
}

void TestGuiXvfb::cleanupTestCase()
{
    if (m_app.state() == QProcess::Running) {
        m_app.terminate();
        if (!m_app.waitForFinished(10000))
            m_app.kill();
    }
    // Two owners of one key sequence make Qt print this and run neither action.
    const QByteArray stderrText = m_app.readAllStandardError();
    QVERIFY2(!stderrText.contains("Ambiguous shortcut"), stderrText.constData());
    if (m_xvfb.state() == QProcess::Running) {
        m_xvfb.terminate();
        if (!m_xvfb.waitForFinished(10000))
            m_xvfb.kill();
    }
}

// With the table focused, Alt+2 acknowledges the clicked alert (two owners of Alt+2 would cancel each other out).
void TestGuiXvfb::clickRowAndAltTwoAcknowledges()
{
    const QJsonObject row = probe().value(QStringLiteral("explorer")).toObject().value(QStringLiteral("rows")).toArray().at(2).toObject();
    const qint64 id = row.value(QStringLiteral("id")).toInteger();
    const qint64 time = row.value(QStringLiteral("time")).toInteger();
    QVERIFY(id > 0);
    click(centre(row));
    QVERIFY(waitFor([id](const QJsonObject &p) {
        const QJsonObject e = p.value(QStringLiteral("explorer")).toObject();
        return e.value(QStringLiteral("currentId")).toInteger() == id && e.value(QStringLiteral("detailId")).toInteger() == id
            && p.value(QStringLiteral("focus")).toString() == u"alertTable";
    }));
    screenshot(QStringLiteral("row-clicked"));
    key(QStringLiteral("alt+2"));
    const QStringList exportArgs{QStringLiteral("export"), QStringLiteral("--db"), m_db, QStringLiteral("--format"), QStringLiteral("csv"),
                                 QStringLiteral("--query"), QStringLiteral("triage.status:acknowledged")};
    QByteArray csv;
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < s_waitMs && csv.count('\n') < 2) {
        QTest::qWait(100);
        csv = cli(exportArgs);
    }
    const QList<QByteArray> lines = csv.trimmed().split('\n');
    QCOMPARE(lines.size(), 2);   // the header and the one alert
    QVERIFY2(lines.at(1).startsWith(isoUtc(time).toUtf8()), lines.at(1).constData());
    QVERIFY(lines.at(1).contains(",acknowledged,"));
    QVERIFY(waitFor([](const QJsonObject &p) { return p.value(QStringLiteral("statusMessage")).toString().contains(u"Acknowledged"); }));
    screenshot(QStringLiteral("alt2-acknowledged"));
}

// Ctrl+L reaches the filter even from the table (its type-ahead does not get the text); Enter applies the query and
// the status bar counts what `stats --query` counts.
void TestGuiXvfb::ctrlLQueryEnterMatchesStats()
{
    const QString query = QStringLiteral("priority >= warning and not rule.name:\"Read sensitive file untrusted\"");
    key(QStringLiteral("ctrl+l"));
    QVERIFY(waitFor([](const QJsonObject &p) { return p.value(QStringLiteral("focus")).toString() == u"queryEdit"; }));
    xdo({QStringLiteral("type"), QStringLiteral("--delay"), QStringLiteral("10"), query});
    key(QStringLiteral("Return"));
    const QJsonObject stats = QJsonDocument::fromJson(cli({QStringLiteral("stats"), QStringLiteral("--db"), m_db,
                                                           QStringLiteral("--query"), query, QStringLiteral("--json")}))
                                  .object();
    const qint64 expected = stats.value(QStringLiteral("total")).toInteger(-1);
    QVERIFY(expected > 0 && expected < s_alerts);
    QVERIFY2(waitFor([expected](const QJsonObject &p) {
                 return leadingNumber(p.value(QStringLiteral("statusCount")).toString()) == expected
                     && p.value(QStringLiteral("explorer")).toObject().value(QStringLiteral("settled")).toBool();
             }),
             qPrintable(QStringLiteral("status bar: %1, stats: %2").arg(probe().value(QStringLiteral("statusCount")).toString()).arg(expected)));
    QCOMPARE(probe().value(QStringLiteral("effectiveQuery")).toString(), query);
    screenshot(QStringLiteral("query-applied"));
}

// `/` focuses the filter, j/k move through the alerts, Enter opens the detail, Esc returns to the table.
void TestGuiXvfb::keyboardNavigation()
{
    const QJsonArray rows = probe().value(QStringLiteral("explorer")).toObject().value(QStringLiteral("rows")).toArray();
    QVERIFY(rows.size() >= 3);
    click(centre(rows.at(0).toObject()));
    const auto current = [](const QJsonObject &p) {
        return p.value(QStringLiteral("explorer")).toObject().value(QStringLiteral("currentRow")).toInt();
    };
    QVERIFY(waitFor([&](const QJsonObject &p) { return current(p) == 0; }));
    key(QStringLiteral("j"));
    key(QStringLiteral("j"));
    QVERIFY(waitFor([&](const QJsonObject &p) { return current(p) == 2; }));
    key(QStringLiteral("k"));
    QVERIFY(waitFor([&](const QJsonObject &p) {
        const QJsonObject e = p.value(QStringLiteral("explorer")).toObject();
        return current(p) == 1 && e.value(QStringLiteral("detailId")).toInteger() == rows.at(1).toObject().value(QStringLiteral("id")).toInteger();
    }));
    key(QStringLiteral("Return"));
    QVERIFY(waitFor([](const QJsonObject &p) { return p.value(QStringLiteral("focus")).toString() == u"fieldTree"; }));
    screenshot(QStringLiteral("enter-detail"));
    key(QStringLiteral("Escape"));
    QVERIFY(waitFor([](const QJsonObject &p) { return p.value(QStringLiteral("focus")).toString() == u"alertTable"; }));
    QCOMPARE(current(probe()), 1);
    key(QStringLiteral("slash"));
    QVERIFY(waitFor([](const QJsonObject &p) { return p.value(QStringLiteral("focus")).toString() == u"queryEdit"; }));
    screenshot(QStringLiteral("slash-filter"));
    key(QStringLiteral("Escape"));
}

// A click on a dashboard bar shows as a pill, and the explorer counts the same alerts as the bar.
void TestGuiXvfb::dashboardBarAddsPillAndExplorerAgrees()
{
    key(QStringLiteral("ctrl+shift+BackSpace"));   // clear the query of the previous test
    QVERIFY(waitFor([](const QJsonObject &p) { return p.value(QStringLiteral("effectiveQuery")).toString().isEmpty(); }));
    key(QStringLiteral("ctrl+2"));
    QJsonObject bar;
    QVERIFY(waitFor([&bar](const QJsonObject &p) {
        const QJsonObject d = p.value(QStringLiteral("dashboard")).toObject();
        if (p.value(QStringLiteral("view")).toString() != u"dashboardView" || d.value(QStringLiteral("busy")).toBool()
            || d.value(QStringLiteral("total")).toInteger() != s_alerts)
            return false;
        for (const QJsonValue &v : d.value(QStringLiteral("tables")).toObject().value(QStringLiteral("hostsTable")).toArray()) {
            if (!v.toObject().value(QStringLiteral("other")).toBool()) {
                bar = v.toObject();
                return true;
            }
        }
        return false;
    }));
    screenshot(QStringLiteral("dashboard"));
    const QString host = bar.value(QStringLiteral("key")).toString();
    const qint64 count = bar.value(QStringLiteral("count")).toInteger();
    QVERIFY(!host.isEmpty() && count > 0);
    click(centre(bar));
    QVERIFY2(waitFor([&](const QJsonObject &p) {
                 const QJsonObject d = p.value(QStringLiteral("dashboard")).toObject();
                 const QJsonArray pills = d.value(QStringLiteral("bar")).toObject().value(QStringLiteral("pills")).toArray();
                 return pills.size() == 1 && pills.at(0).toObject().value(QStringLiteral("text")).toString() == QStringLiteral("host.name: ") + host
                     && !d.value(QStringLiteral("busy")).toBool() && d.value(QStringLiteral("total")).toInteger() == count;
             }),
             qPrintable(QString::fromUtf8(QJsonDocument(probe().value(QStringLiteral("dashboard")).toObject()).toJson())));
    screenshot(QStringLiteral("dashboard-pill"));
    key(QStringLiteral("ctrl+1"));
    QVERIFY(waitFor([&](const QJsonObject &p) {
        const QJsonObject e = p.value(QStringLiteral("explorer")).toObject();
        return p.value(QStringLiteral("view")).toString() == u"Explorer" && e.value(QStringLiteral("settled")).toBool()
            && e.value(QStringLiteral("total")).toInteger() == count && leadingNumber(p.value(QStringLiteral("statusCount")).toString()) == count
            && e.value(QStringLiteral("bar")).toObject().value(QStringLiteral("pills")).toArray().size() == 1;
    }));
    screenshot(QStringLiteral("explorer-same-count"));
}

// Dragging across Alerts Over Time zooms into that range; Alt+Left (Back) returns to the one before.
void TestGuiXvfb::timeBrushZoomsAndBackReturns()
{
    key(QStringLiteral("ctrl+shift+BackSpace"));
    key(QStringLiteral("ctrl+2"));
    QJsonObject plot;
    QVERIFY(waitFor([&plot](const QJsonObject &p) {
        const QJsonObject d = p.value(QStringLiteral("dashboard")).toObject();
        plot = d.value(QStringLiteral("timePlot")).toObject();
        return p.value(QStringLiteral("view")).toString() == u"dashboardView" && !d.value(QStringLiteral("busy")).toBool()
            && d.value(QStringLiteral("total")).toInteger() == s_alerts && plot.value(QStringLiteral("w")).toInt() > 100;
    }));
    const int y = centre(plot).y();
    const int left = plot.value(QStringLiteral("x")).toInt() + plot.value(QStringLiteral("w")).toInt() / 4;
    const int right = plot.value(QStringLiteral("x")).toInt() + plot.value(QStringLiteral("w")).toInt() * 3 / 4;
    xdo({QStringLiteral("mousemove"), QStringLiteral("--sync"), QString::number(left), QString::number(y), QStringLiteral("mousedown"),
         QStringLiteral("1")});
    for (int x = left + 20; x < right; x += 40)
        xdo({QStringLiteral("mousemove"), QStringLiteral("--sync"), QString::number(x), QString::number(y)});
    xdo({QStringLiteral("mousemove"), QStringLiteral("--sync"), QString::number(right), QString::number(y), QStringLiteral("mouseup"),
         QStringLiteral("1")});
    qint64 zoomed = 0;
    QVERIFY2(waitFor([&zoomed](const QJsonObject &p) {
                 const QJsonObject d = p.value(QStringLiteral("dashboard")).toObject();
                 zoomed = d.value(QStringLiteral("total")).toInteger();
                 return !d.value(QStringLiteral("busy")).toBool() && zoomed > 0 && zoomed < s_alerts
                     && !d.value(QStringLiteral("bar")).toObject().value(QStringLiteral("back")).toObject().isEmpty();
             }),
             qPrintable(QString::number(zoomed)));
    screenshot(QStringLiteral("time-brush"));
    key(QStringLiteral("alt+Left"));
    QVERIFY(waitFor([](const QJsonObject &p) {
        const QJsonObject d = p.value(QStringLiteral("dashboard")).toObject();
        return !d.value(QStringLiteral("busy")).toBool() && d.value(QStringLiteral("total")).toInteger() == s_alerts
            && d.value(QStringLiteral("bar")).toObject().value(QStringLiteral("back")).toObject().isEmpty();
    }));
    screenshot(QStringLiteral("time-brush-back"));
}

// Ctrl+S saves the query under a name; later, typing the name's start in the filter offers it and Enter on the
// offer brings the query back.
void TestGuiXvfb::savedQueryRecalledFromCompletion()
{
    key(QStringLiteral("ctrl+1"));
    const QString query = QStringLiteral("priority >= error");
    key(QStringLiteral("ctrl+l"));
    QVERIFY(waitFor([](const QJsonObject &p) { return p.value(QStringLiteral("focus")).toString() == u"queryEdit"; }));
    xdo({QStringLiteral("type"), QStringLiteral("--delay"), QStringLiteral("10"), query});
    key(QStringLiteral("Return"));
    QVERIFY(waitFor([&](const QJsonObject &p) { return p.value(QStringLiteral("effectiveQuery")).toString() == query; }));
    key(QStringLiteral("ctrl+s"));
    QVERIFY(waitFor([](const QJsonObject &p) {
        for (const QJsonValue &w : p.value(QStringLiteral("popups")).toArray()) {
            if (w.toObject().value(QStringLiteral("title")).toString() == u"Save query")
                return true;
        }
        return false;
    }));
    xdo({QStringLiteral("type"), QStringLiteral("--delay"), QStringLiteral("10"), QStringLiteral("Errors and worse")});
    screenshot(QStringLiteral("save-query"));
    key(QStringLiteral("Return"));
    QVERIFY(waitFor([](const QJsonObject &p) { return p.value(QStringLiteral("statusMessage")).toString().contains(u"Errors and worse"); }));
    // No window manager gives the window its focus back after the dialog: a click in the query field does (and
    // Clear filter must work from there).
    click(centre(probe().value(QStringLiteral("explorer")).toObject().value(QStringLiteral("bar")).toObject().value(QStringLiteral("query")).toObject()));
    QVERIFY(waitFor([](const QJsonObject &p) {
        return p.value(QStringLiteral("active")).toBool() && p.value(QStringLiteral("focus")).toString() == u"queryEdit";
    }));
    key(QStringLiteral("ctrl+shift+BackSpace"));
    QVERIFY(waitFor([](const QJsonObject &p) { return p.value(QStringLiteral("effectiveQuery")).toString().isEmpty(); }));
    key(QStringLiteral("ctrl+l"));
    xdo({QStringLiteral("type"), QStringLiteral("--delay"), QStringLiteral("30"), QStringLiteral("Errors")});
    QVERIFY(waitFor([](const QJsonObject &p) {
        for (const QJsonValue &w : p.value(QStringLiteral("popups")).toArray()) {
            if (w.toObject().value(QStringLiteral("class")).toString().contains(u"View"))   // the completer's list
                return true;
        }
        return false;
    }));
    screenshot(QStringLiteral("saved-query-offered"));
    key(QStringLiteral("Down"));
    key(QStringLiteral("Return"));
    QVERIFY2(waitFor([&](const QJsonObject &p) {
                 return p.value(QStringLiteral("effectiveQuery")).toString() == query
                     && p.value(QStringLiteral("explorer")).toObject().value(QStringLiteral("settled")).toBool();
             }),
             qPrintable(probe().value(QStringLiteral("effectiveQuery")).toString()));
    screenshot(QStringLiteral("saved-query-recalled"));
}

// A store whose compression dictionary is damaged opens read-only at 1024x700: Alt+4 on a clicked alert changes
// nothing in the store, Ctrl+I opens no import dialog, and the window says it is read-only; reading works.
// SIGTERM (a session logging out) closes the window as its close button does: its state is saved and the process
// ends normally, with 0, instead of being killed by the signal.
void TestGuiXvfb::terminateClosesLikeTheCloseButton()
{
    const QString settings = m_dir.filePath(QStringLiteral("xdg_config_home/falco-explorer/falco-explorer.conf"));
    QFile::remove(settings);
    m_app.terminate();
    QVERIFY(m_app.waitForFinished(20000));
    QCOMPARE(m_app.exitStatus(), QProcess::NormalExit);
    QCOMPARE(m_app.exitCode(), 0);
    const QByteArray stderrText = m_app.readAllStandardError();
    QVERIFY2(stderrText.contains("SIGTERM received, closing"), stderrText.constData());
    QVERIFY2(!stderrText.contains("Ambiguous shortcut"), stderrText.constData());   // (cleanupTestCase sees only the next run's)
    QSettings saved(settings, QSettings::IniFormat);
    QVERIFY2(!saved.value(QStringLiteral("window/geometry")).toByteArray().isEmpty(), qPrintable(settings));
}

void TestGuiXvfb::readOnlyStoreTakesNoWrites()
{
    {
        fe::test::RawDb raw(m_db);
        QVERIFY(raw.scalar("SELECT count(*) FROM zdict") >= 1);
        QVERIFY(raw.exec("UPDATE zdict SET data = x'37a430ec00000000'"));
    }
    QFile::remove(m_probe);
    m_app.start(QStringLiteral(FE_EXPLORER_BIN), {QStringLiteral("--db"), m_db, QStringLiteral("--size"), QStringLiteral("1024x700"),
                                                  QStringLiteral("--no-demo"), QStringLiteral("--probe"), m_probe});
    QVERIFY(m_app.waitForStarted());
    QVERIFY2(waitFor([](const QJsonObject &p) {
                 const QJsonObject e = p.value(QStringLiteral("explorer")).toObject();
                 return p.value(QStringLiteral("readOnly")).toBool() && e.value(QStringLiteral("settled")).toBool()
                     && e.value(QStringLiteral("total")).toInteger() == s_alerts;
             }),
             "the read-only store did not show its alerts");
    click(centre(probe().value(QStringLiteral("tabs")).toArray().at(0).toObject()));
    QVERIFY(waitFor([](const QJsonObject &p) { return p.value(QStringLiteral("active")).toBool(); }));
    const QJsonObject row = probe().value(QStringLiteral("explorer")).toObject().value(QStringLiteral("rows")).toArray().at(1).toObject();
    const qint64 id = row.value(QStringLiteral("id")).toInteger();
    click(centre(row));
    QVERIFY(waitFor([id](const QJsonObject &p) {
        return p.value(QStringLiteral("explorer")).toObject().value(QStringLiteral("detailId")).toInteger() == id;
    }));
    const QStringList closedArgs{QStringLiteral("export"), QStringLiteral("--db"), m_db, QStringLiteral("--format"), QStringLiteral("csv"),
                                 QStringLiteral("--query"), QStringLiteral("triage.status:closed")};
    const qsizetype closedBefore = cli(closedArgs).count('\n');
    key(QStringLiteral("alt+4"));
    key(QStringLiteral("ctrl+i"));
    // X events arrive in order: once Ctrl+L has moved the focus, the keys before it were handled.
    key(QStringLiteral("ctrl+l"));
    QVERIFY(waitFor([](const QJsonObject &p) { return p.value(QStringLiteral("focus")).toString() == u"queryEdit"; }));
    QTest::qWait(500);   // a triage write, had one started, runs on the thread pool
    const QJsonObject p = probe();
    QVERIFY2(p.value(QStringLiteral("popups")).toArray().isEmpty(), QJsonDocument(p).toJson().constData());
    QCOMPARE(cli(closedArgs).count('\n'), closedBefore);
    screenshot(QStringLiteral("read-only-1024x700"));
}

QTEST_GUILESS_MAIN(TestGuiXvfb)
#include "tst_guixvfb.moc"
