// SPDX-License-Identifier: Apache-2.0
// The detail pane's Original tab shows what the store keeps of an alert (AlertStore::original): the line as read or
// the syslog frame as received, byte for byte, with where it came from; for an alert of a store converted from schema
// v4, the note that says what it is instead (the document's event.original), or that there is none.
#include "ui/detailpane.h"

#include "model/alertstore.h"
#include "model/recordcodec.h"
#include "model/recordmapper.h"
#include "support/rawdb.h"
#include "support/testalerts.h"

#include <QLabel>
#include <QLocale>
#include <QPlainTextEdit>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QtTest>

using namespace fe;

namespace {

// The ingest mapper is not the ui's to link: documents of originals derive to a fixed one here.
class FixedMapper : public RecordMapper
{
public:
    bool derive(const StoredRecord &, DerivedAlert *out, QString *) const override
    {
        out->ecsJson = R"({"rule":{"name":"Terminal shell in container"},"falco":{"output":"shell"}})";
        out->output = QStringLiteral("shell");
        return true;
    }
    QByteArray outputUtf8(const StoredRecord &) const override { return QByteArrayLiteral("shell"); }
};

const QByteArray s_line = R"({"output":"12:00:00.000: Notice A shell was spawned","priority":"Notice","rule":"Terminal shell in container","time":"2024-05-01T00:00:00.000000000Z","output_fields":{"proc.cmdline":"bash -i"}})";
const QByteArray s_frame = "<13>1 2024-05-01T00:00:00Z web-1 Falco 1 - - " + s_line;
const QByteArray s_notUtf8 = "{\"output\":\"caf\xe9\"}";

} // namespace

class TestDetailPane : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_path;
    qint64 m_lineId = 0, m_frameId = 0, m_keptId = 0, m_noneId = 0, m_notUtf8Id = 0;

    QString shownText(DetailPane &pane) const
    {
        return pane.findChild<QPlainTextEdit *>(QStringLiteral("originalText"))->toPlainText();
    }
    QString sourceText(DetailPane &pane) const
    {
        return pane.findChild<QLabel *>(QStringLiteral("originalSource"))->text();
    }
    void show(DetailPane &pane, qint64 id) const
    {
        pane.setAlert(id);
        pane.waitForIdle();
        QCOMPARE(pane.alertId(), id);
    }

private Q_SLOTS:
    void initTestCase()
    {
        RecordMapper::install(std::make_shared<FixedMapper>());
        m_path = m_dir.filePath(QStringLiteral("alerts.db"));
        AlertStore store;
        QString error;
        QVERIFY2(store.open(m_path, AlertStore::OpenMode::ReadWrite, &error), qPrintable(error));
        const auto withOriginal = [&](int n, const QByteArray &bytes, const AlertOrigin &origin, qint64 offset) {
            Alert a = test::makeAlert(1714521600000 + n, Priority::Notice, QStringLiteral("Terminal shell in container"),
                                      QStringLiteral("web-1"), QStringLiteral("shell"), "h:" + QByteArray::number(n));
            a.ecsJson.clear();
            store.codec()->compress(bytes, &a.record);
            a.originalSize = qint32(bytes.size());
            a.origin = origin;
            a.offset = offset;
            a.receivedMs = 1714521600000;
            return a;
        };
        // Alerts stored without an original keep their document (origin Document), as a converted v4 store's do.
        const auto document = [&](int n, const QByteArray &json) {
            Alert a = test::makeAlert(1714521600000 + n, Priority::Notice, QStringLiteral("Old rule"),
                                      QStringLiteral("web-2"), QStringLiteral("old"), "h:" + QByteArray::number(n));
            a.ecsJson = json;
            return a;
        };
        const AlertBatch batch{
            withOriginal(1, s_line, {AlertOrigin::Kind::File, QStringLiteral("/var/log/falco.log"), QString()}, 4096),
            withOriginal(2, s_frame, {AlertOrigin::Kind::Network, QStringLiteral("10.0.0.5:41234"), QString()}, -1),
            document(3, R"({"message":"x","event":{"original":"the line as the old mapper kept it"}})"),
            document(4, R"({"message":"x"})"),
            withOriginal(5, s_notUtf8, {AlertOrigin::Kind::File, QString(), QString()}, -1),
        };
        const InsertResult stored = store.insert(batch, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(stored.stored, qint64(5));
        m_lineId = stored.firstId;
        m_frameId = m_lineId + 1;
        m_keptId = m_lineId + 2;
        m_noneId = m_lineId + 3;
        m_notUtf8Id = m_lineId + 4;
    }

    void cleanupTestCase() { RecordMapper::install(nullptr); }

    void lineAsRead()
    {
        DetailPane pane;
        pane.setDatabasePath(m_path);
        show(pane, m_lineId);
        QCOMPARE(pane.original(), s_line);
        QCOMPARE(shownText(pane), QString::fromUtf8(s_line));   // as stored: not pretty-printed
        QVERIFY(pane.originalNote().isEmpty());
        const QString source = sourceText(pane);
        QVERIFY2(source.contains(QStringLiteral("the line as read from /var/log/falco.log at byte %1")
                                     .arg(QLocale().toString(4096))),
                 qPrintable(source));
        QVERIFY2(source.startsWith(QStringLiteral("%1 bytes").arg(QLocale().toString(s_line.size()))), qPrintable(source));
        QVERIFY(!pane.document().isEmpty());
    }

    void frameAsReceived()
    {
        DetailPane pane;
        pane.setDatabasePath(m_path);
        show(pane, m_frameId);
        QCOMPARE(pane.original(), s_frame);   // the whole frame, syslog header included
        QVERIFY(pane.originalNote().isEmpty());
        QVERIFY2(sourceText(pane).contains(QStringLiteral("the syslog frame as received from 10.0.0.5:41234")),
                 qPrintable(sourceText(pane)));
    }

    // A converted v4 alert whose document kept event.original: the note says what the bytes are.
    void convertedWithEventOriginal()
    {
        DetailPane pane;
        pane.setDatabasePath(m_path);
        show(pane, m_keptId);
        QCOMPARE(pane.original(), QByteArray("the line as the old mapper kept it"));
        QVERIFY2(pane.originalNote().contains(QStringLiteral("older Falco Explorer")), qPrintable(pane.originalNote()));
        QVERIFY(pane.originalNote().contains(QStringLiteral("event.original")));
    }

    // One without: the note, and "not available" where the bytes would be.
    void convertedWithoutOriginal()
    {
        DetailPane pane;
        pane.setDatabasePath(m_path);
        show(pane, m_noneId);
        QVERIFY(pane.original().isEmpty());
        QVERIFY(shownText(pane).isEmpty());
        QVERIFY(!pane.originalNote().isEmpty());
        QVERIFY(pane.findChild<QPlainTextEdit *>(QStringLiteral("originalText"))->placeholderText().contains(
            QStringLiteral("not available")));
        QVERIFY(sourceText(pane).isEmpty());
    }

    // Bytes that are not UTF-8 are kept as they are; the pane says how it shows them.
    void notUtf8()
    {
        DetailPane pane;
        pane.setDatabasePath(m_path);
        show(pane, m_notUtf8Id);
        QCOMPARE(pane.original(), s_notUtf8);
        QVERIFY(shownText(pane).contains(QChar(0xFFFD)));
        QVERIFY2(sourceText(pane).contains(QStringLiteral("standard input")), qPrintable(sourceText(pane)));
        QVERIFY2(sourceText(pane).contains(QStringLiteral("not valid UTF-8")), qPrintable(sourceText(pane)));
    }

    // Another alert replaces it all; no alert shows nothing.
    void switching()
    {
        DetailPane pane;
        pane.setDatabasePath(m_path);
        show(pane, m_noneId);
        show(pane, m_lineId);
        QVERIFY(pane.originalNote().isEmpty());
        QCOMPARE(pane.original(), s_line);
        pane.setAlert(0);
        QVERIFY(pane.original().isEmpty());
        QVERIFY(pane.originalNote().isEmpty());
        QVERIFY(sourceText(pane).isEmpty());
        QVERIFY(pane.findChild<QPlainTextEdit *>(QStringLiteral("originalText"))->placeholderText().isEmpty());
    }
    // A record cut short (a damaged store): the Fields tab says which alert and why instead of staying empty, the
    // Original tab says it cannot be read, and the pane goes on to the next alert.
    void damagedRecordSaysWhy()
    {
        const QString copy = m_dir.filePath(QStringLiteral("damaged.db"));
        QVERIFY(QFile::copy(m_path, copy));
        {
            test::RawDb raw(copy);
            QVERIFY(raw.exec(qPrintable(QStringLiteral("UPDATE alerts SET record = substr(record, 1, 4) WHERE id = %1").arg(m_lineId))));
        }
        DetailPane pane;
        pane.setDatabasePath(copy);
        show(pane, m_lineId);
        QVERIFY(pane.document().isEmpty());
        QVERIFY2(pane.documentError().contains(QStringLiteral("#%1").arg(m_lineId)), qPrintable(pane.documentError()));
        QVERIFY2(pane.documentError().contains(QStringLiteral("cannot be derived")), qPrintable(pane.documentError()));
        QVERIFY2(pane.originalNote().contains(QStringLiteral("cannot be read")), qPrintable(pane.originalNote()));
        show(pane, m_frameId);
        QVERIFY(!pane.document().isEmpty());
        QVERIFY(pane.documentError().isEmpty());
        QCOMPARE(pane.original(), s_frame);
    }
    // The JSON and Ancestry tabs are filled when they are shown, and follow the alert while they are the current tab.
    void hiddenTabsFilledWhenShown()
    {
        DetailPane pane;
        pane.setDatabasePath(m_path);
        auto *tabs = pane.findChild<QTabWidget *>();
        QVERIFY(tabs);
        const auto page = [&](const QString &title) -> QWidget * {
            for (int i = 0; i < tabs->count(); ++i) {
                if (tabs->tabText(i) == title)
                    return tabs->widget(i);
            }
            return nullptr;
        };
        QWidget *jsonPage = page(QStringLiteral("JSON"));
        QWidget *ancestryPage = page(QStringLiteral("Ancestry"));
        QVERIFY(jsonPage && ancestryPage);
        auto *json = jsonPage->findChild<QPlainTextEdit *>();
        QVERIFY(json);
        const auto ancestryTexts = [&] {
            QStringList texts;
            for (QLabel *label : ancestryPage->findChildren<QLabel *>())
                texts << label->text();
            return texts.join(u'|');
        };

        show(pane, m_lineId);
        QVERIFY(json->toPlainText().isEmpty());   // not shown yet
        tabs->setCurrentWidget(jsonPage);
        QVERIFY2(json->toPlainText().contains(QStringLiteral("Terminal shell in container")), qPrintable(json->toPlainText()));
        pane.setAlert(0);   // while the JSON tab is the current one: it follows
        QVERIFY(json->toPlainText().isEmpty());
        show(pane, m_frameId);
        QVERIFY(json->toPlainText().contains(QStringLiteral("Terminal shell in container")));
        tabs->setCurrentIndex(0);
        pane.setAlert(0);   // hidden: left as it was until shown
        QVERIFY(!json->toPlainText().isEmpty());
        tabs->setCurrentWidget(jsonPage);
        QVERIFY(json->toPlainText().isEmpty());

        tabs->setCurrentWidget(ancestryPage);
        show(pane, m_lineId);
        QVERIFY2(ancestryTexts().contains(QStringLiteral("No process ancestry")), qPrintable(ancestryTexts()));
    }
};

QTEST_MAIN(TestDetailPane)
#include "tst_detailpane.moc"
