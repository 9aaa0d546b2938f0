// SPDX-License-Identifier: Apache-2.0
#include "ui/deadletterview.h"
#include "ui/forwardingsettingspage.h"
#include "ui/forwardingstatuswidget.h"

#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>
#include <QTreeWidget>

#include <algorithm>

using namespace fe;

class TestForwardingWidgets : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void settingsRoundTrip_data()
    {
        QTest::addColumn<int>("auth");   // 0 none, 1 basic, 2 api key
        QTest::newRow("basic auth") << 1;
        QTest::newRow("api key") << 2;
        QTest::newRow("no auth") << 0;
    }
    void settingsRoundTrip()
    {
        QFETCH(int, auth);
        ForwardConfig c;
        c.nodes = {QStringLiteral("https://a:9200"), QStringLiteral("https://b:9200")};
        if (auth == 1) {
            c.user = QStringLiteral("elastic");
            c.password = QStringLiteral("pw");
        } else if (auth == 2) {
            c.apiKey = QStringLiteral("a2V5");
        }
        c.caFile = QStringLiteral("/etc/ca.pem");
        c.gzip = true;
        c.mode = ForwardConfig::Mode::Raw;
        c.namespaceName = QStringLiteral("prod");
        c.headers = {{"X-Opaque-Id", "falco-explorer"}, {"X-Team", "soc: blue"}};
        c.maxBatchDocs = 2500;
        c.maxBatchBytes = qint64(5) << 20;
        c.maxInFlight = 4;
        ForwardingSettingsPage page;
        page.setConfig(c, true);
        const ForwardConfig back = page.config();
        QCOMPARE(back.nodes, c.nodes);
        QCOMPARE(back.user, c.user);
        QCOMPARE(back.password, c.password);
        QCOMPARE(back.apiKey, c.apiKey);
        QCOMPARE(back.caFile, c.caFile);
        QCOMPARE(back.gzip, true);
        QCOMPARE(back.mode, ForwardConfig::Mode::Raw);
        QCOMPARE(back.targetIndex(), QStringLiteral("logs-falco.alerts-prod"));
        QCOMPARE(back.headers, c.headers);
        QCOMPARE(back.maxBatchDocs, 2500);
        QCOMPARE(back.maxBatchBytes, qint64(5) << 20);
        QCOMPARE(back.maxInFlight, 4);
        QVERIFY(page.isForwardingEnabled());
        QVERIFY2(page.validationError().isEmpty(), qPrintable(page.validationError()));

        QSignalSpy test(&page, &ForwardingSettingsPage::testRequested);
        QSignalSpy apply(&page, &ForwardingSettingsPage::applyRequested);
        page.testButton()->click();
        page.applyButton()->click();
        QCOMPARE(test.size(), 1);
        QCOMPARE(apply.size(), 1);
        QCOMPARE(apply.first().at(0).value<ForwardConfig>().nodes, c.nodes);
        QCOMPARE(apply.first().at(1).toBool(), true);
    }

    void insecureAndInvalidFormsAreFlagged()
    {
        ForwardConfig c;
        c.nodes = {QStringLiteral("https://a:9200")};
        c.verifyTls = false;
        ForwardingSettingsPage page;
        page.setConfig(c, true);
        page.show();
        const auto labels = page.findChildren<QLabel *>();
        const bool warned = std::any_of(labels.cbegin(), labels.cend(), [](const QLabel *l) {
            return l->isVisible() && l->text().contains(QLatin1String("verification is off"));
        });
        QVERIFY(warned);
        c.nodes = {QStringLiteral("not a url")};
        page.setConfig(c, true);
        QVERIFY(!page.validationError().isEmpty());
        QVERIFY(!page.applyButton()->isEnabled());
        page.showTestResult(false, QStringLiteral("cannot reach Elasticsearch"));
        QCOMPARE(page.resultText(), QStringLiteral("cannot reach Elasticsearch"));
    }

    // Custom headers: "Name: value" with a token name and no control characters (no header injection); a bad
    // line blocks Apply with the line named.
    void headerLines_data()
    {
        QTest::addColumn<QString>("line");
        QTest::addColumn<bool>("valid");
        QTest::addColumn<int>("pageHeaders");   // -1: the page refuses the form; else the headers it yields
        QTest::newRow("plain") << "X-Opaque-Id: t1" << true << 2;
        QTest::newRow("colon in the value") << "X-Url: http://a:1" << true << 2;
        QTest::newRow("empty value") << "X-Empty:" << true << 2;
        QTest::newRow("spaces around") << "  X-A :  b  " << true << 2;
        QTest::newRow("no colon") << "X-Opaque-Id t1" << false << -1;
        QTest::newRow("no name") << ": t1" << false << -1;
        QTest::newRow("space in the name") << "X Opaque: t1" << false << -1;
        // The text box breaks the line at the carriage return: two headers, neither carrying it.
        QTest::newRow("carriage return in the value") << QStringLiteral("X-A: b\rX-Injected: 1") << false << 3;
        QTest::newRow("nul in the value") << QStringLiteral("X-A: b") + QChar(0) << false << -1;
    }
    void headerLines()
    {
        QFETCH(QString, line);
        QFETCH(bool, valid);
        QFETCH(int, pageHeaders);
        QPair<QByteArray, QByteArray> header;
        QString error;
        QCOMPARE(ForwardConfig::parseHeader(line, &header, &error), valid);
        QCOMPARE(error.isEmpty(), valid);
        if (valid) {
            QCOMPARE(header.first, line.section(QLatin1Char(':'), 0, 0).trimmed().toUtf8());
            QPair<QByteArray, QByteArray> again;   // headerLines() reads back the same
            ForwardConfig c;
            c.headers = {header};
            QVERIFY(ForwardConfig::parseHeader(c.headerLines().first(), &again));
            QCOMPARE(again, header);
        }
        ForwardConfig c;
        c.nodes = {QStringLiteral("https://a:9200")};
        ForwardingSettingsPage page;
        page.setConfig(c, true);
        page.findChild<QPlainTextEdit *>(QStringLiteral("headers"))->setPlainText(QStringLiteral("X-Ok: 1\n") + line);
        QCOMPARE(page.validationError().isEmpty(), pageHeaders >= 0);
        QCOMPARE(page.applyButton()->isEnabled(), pageHeaders >= 0);
        const ForwardConfig back = page.config();
        QCOMPARE(back.headers.size(), pageHeaders >= 0 ? pageHeaders : 1);
        for (const auto &[name, value] : back.headers)
            QVERIFY(!value.contains('\r') && !value.contains('\n') && !name.contains('\r'));
    }

    void statusWidgetShowsCounts()
    {
        ForwardingStatusWidget w;
        QCOMPARE(w.text(), QStringLiteral("Forwarding off"));
        ForwardStatus s;
        s.state = ForwardStatus::State::Backoff;
        s.delivered = 10;
        s.pending = 5;
        s.retrying = 2;
        s.deadLettered = 1;
        s.lastError = QStringLiteral("HTTP 429");
        w.setStatus(s);
        QCOMPARE(w.text(), QStringLiteral("ES: 10 delivered · 5 pending · 2 retrying · 1 dead-lettered"));
        QVERIFY(w.toolTip().contains(QLatin1String("HTTP 429")));
        QSignalSpy activated(&w, &ForwardingStatusWidget::activated);
        QTest::mouseClick(&w, Qt::LeftButton);
        QCOMPARE(activated.size(), 1);
    }

    void deadLetterViewRetries()
    {
        DeadLetterView view;
        DeadLetterList list;
        list.append({7, 400, QStringLiteral("HTTP 400: document_parsing_exception"), 1, 0, 1700000000000LL, QStringLiteral("rule a")});
        list.append({9, 400, QStringLiteral("HTTP 400: mapper"), 2, 0, 0, QStringLiteral("rule b")});
        view.setDeadLetters(list);
        QCOMPARE(view.count(), 2);
        QSignalSpy retry(&view, &DeadLetterView::retryRequested);
        auto *tree = view.findChild<QTreeWidget *>();
        QVERIFY(tree);
        tree->topLevelItem(1)->setSelected(true);
        const auto buttons = view.findChildren<QPushButton *>();
        for (QPushButton *b : buttons) {
            if (b->text() == QLatin1String("Retry selected"))
                b->click();
        }
        for (QPushButton *b : buttons) {
            if (b->text() == QLatin1String("Retry all"))
                b->click();
        }
        QCOMPARE(retry.size(), 2);
        QCOMPARE(retry.at(0).at(0).value<QVector<qint64>>(), QVector<qint64>{9});
        QVERIFY(retry.at(1).at(0).value<QVector<qint64>>().isEmpty());
        view.setDeadLetters({});
        QCOMPARE(view.count(), 0);
    }
};

QTEST_MAIN(TestForwardingWidgets)
#include "tst_forwardingwidgets.moc"
