// SPDX-License-Identifier: Apache-2.0
#include "ingest/ecs/demogenerator.h"
#include "ingest/ecs/ecsmapper.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QTest>

class TestDemoGenerator : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void sameSeedSameOutput()
    {
        fe::DemoOptions o;
        o.count = 2000;
        o.seed = 9;
        o.endMs = 1767225600000;
        fe::DemoGenerator a(o), b(o);
        o.seed = 10;
        fe::DemoGenerator c(o);
        bool differs = false;
        while (!a.atEnd()) {
            const QByteArray line = a.next();
            QCOMPARE(b.next(), line);
            differs = differs || c.next() != line;
        }
        QVERIFY(differs);
        QCOMPARE(a.generated(), 2000);
        QVERIFY(a.next().isEmpty());
    }

    void realisticAlertsThatMap()
    {
        QVERIFY(fe::DemoGenerator::ruleNames().size() >= 35);
        for (const char *rule : {"Terminal shell in container", "Read sensitive file untrusted", "Write below etc",
                                 "Attach/Exec Pod", "K8s Secret Get Successfully", "Falco internal: syscall event drop"})
            QVERIFY2(fe::DemoGenerator::ruleNames().contains(QString::fromLatin1(rule)), rule);
        fe::DemoOptions o;
        o.count = 20000;
        o.endMs = 1767225600000;
        fe::DemoGenerator gen(o);
        QSet<QString> rules, hosts, sources;
        qint64 last = 0, withUuid = 0, internal = 0, withImage = 0;
        fe::MapOptions mapOptions;
        while (!gen.atEnd()) {
            const QByteArray line = gen.next();
            const QJsonObject alert = QJsonDocument::fromJson(line).object();
            QVERIFY2(!alert.isEmpty(), line.constData());
            const QString rule = alert.value(QStringLiteral("rule")).toString();
            rules.insert(rule);
            hosts.insert(alert.value(QStringLiteral("hostname")).toString());
            sources.insert(alert.value(QStringLiteral("source")).toString());
            QVERIFY(alert.value(QStringLiteral("output_fields")).isObject());
            QVERIFY(!alert.value(QStringLiteral("output")).toString().contains(QLatin1Char('%')));
            const qint64 t = QDateTime::fromString(alert.value(QStringLiteral("time")).toString(), Qt::ISODateWithMs)
                                 .toMSecsSinceEpoch();
            QVERIFY(t >= o.endMs - o.spanMs && t < o.endMs);
            QVERIFY(t >= last);
            last = t;
            withUuid += alert.contains(QStringLiteral("uuid"));
            if (rule.startsWith(QLatin1String("Falco internal"))) {
                ++internal;
                QVERIFY(alert.value(QStringLiteral("output_fields")).toObject().isEmpty());
                QVERIFY(!alert.contains(QStringLiteral("tags")));
            }
            const fe::MapResult mapped = fe::mapLine(line, mapOptions);
            QCOMPARE(mapped.status, fe::MapResult::Status::Alert);
            // Like Falco 0.36+ (the rules' %container.info), the image comes as repository and tag, never as
            // container.image; the alert's image column joins them.
            const QJsonObject fields = alert.value(QStringLiteral("output_fields")).toObject();
            QVERIFY(!fields.contains(QStringLiteral("container.image")));
            const QString repository = fields.value(QStringLiteral("container.image.repository")).toString();
            if (!repository.isEmpty()) {
                ++withImage;
                QCOMPARE(mapped.alert.containerImage,
                         repository + QLatin1Char(':') + fields.value(QStringLiteral("container.image.tag")).toString());
            }
        }
        QVERIFY(withImage > 1000);
        QVERIFY(rules.size() >= 35);
        QVERIFY(hosts.size() >= 20);
        QCOMPARE(sources, (QSet<QString>{QStringLiteral("syscall"), QStringLiteral("k8s_audit"), QStringLiteral("internal")}));
        QVERIFY(withUuid > 0 && withUuid < 20000);
        QVERIFY(internal > 0);
    }
    // Many alerts over a short range (a march of a few ms per alert): bursts stay denser than the march and the
    // alerts spread over the whole range instead of piling up at its end.
    void denseRangesSpreadEvenly()
    {
        fe::DemoOptions o;
        o.count = 100000;
        o.seed = 42;
        o.spanMs = 3600LL * 1000;   // 36 ms per alert
        o.endMs = 1767225600000;
        fe::DemoGenerator gen(o);
        constexpr int Slices = 12;   // five minutes each
        int perSlice[Slices] = {};
        while (!gen.atEnd()) {
            const QJsonObject alert = QJsonDocument::fromJson(gen.next()).object();
            const qint64 t = QDateTime::fromString(alert.value(QStringLiteral("time")).toString(), Qt::ISODateWithMs)
                                 .toMSecsSinceEpoch();
            QVERIFY(t >= o.endMs - o.spanMs && t < o.endMs);
            ++perSlice[(t - (o.endMs - o.spanMs)) * Slices / o.spanMs];
        }
        const int mean = o.count / Slices;
        for (int i = 0; i < Slices; ++i)
            QVERIFY2(perSlice[i] > mean * 8 / 10 && perSlice[i] < mean * 12 / 10,
                     qPrintable(QStringLiteral("slice %1 of %2 holds %3 alerts, the mean is %4").arg(i).arg(Slices).arg(perSlice[i]).arg(mean)));
    }
};

QTEST_GUILESS_MAIN(TestDemoGenerator)
#include "tst_demogenerator.moc"
