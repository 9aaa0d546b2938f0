// SPDX-License-Identifier: Apache-2.0
// falco-explorer(1) documents the binary as it is: every command listed by --help has its section, every option
// of every command's --help (and of the top level, GUI options included) appears in it, every option the GUI
// accepts is in --help, and the page renders without a warning from man. --version says what the issue asks.
#include "model/schema.h"

#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QtTest>

namespace {

struct Run
{
    int exitCode = -1;
    QString out;
    QString err;
};

Run run(const QString &program, const QStringList &args, const QStringList &env = {})
{
    QProcess p;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    for (const QString &kv : env)
        environment.insert(kv.section(u'=', 0, 0), kv.section(u'=', 1));
    p.setProcessEnvironment(environment);
    p.start(program, args);
    if (!p.waitForFinished(60000))
        return {};
    return {p.exitCode(), QString::fromUtf8(p.readAllStandardOutput()), QString::fromUtf8(p.readAllStandardError())};
}

Run explorer(const QStringList &args)
{
    return run(QStringLiteral(FE_EXPLORER_BIN), args);
}

// The options a help text lists: each entry line ("  -o, --output <FILE>   Write to ...") gives its names.
QStringList optionsOf(const QString &help)
{
    static const QRegularExpression entry(QStringLiteral("^  (-[^ ].*?)(?:  +|$)"), QRegularExpression::MultilineOption);
    static const QRegularExpression name(QStringLiteral("(?:^|[ ,])(--?[A-Za-z][A-Za-z0-9-]*)"));
    QStringList options;
    for (auto it = entry.globalMatch(help); it.hasNext();) {
        const QString spec = it.next().captured(1);
        for (auto n = name.globalMatch(spec); n.hasNext();)
            options << n.next().captured(1);
    }
    return options;
}

// An option as the page writes it: \fB\-\-output\fR.
QString roffOption(const QString &option)
{
    QString escaped = option;
    escaped.replace(u'-', QStringLiteral("\\-"));
    return QStringLiteral("\\fB") + escaped + QStringLiteral("\\fR");
}

QString manPage()
{
    QFile f(QStringLiteral(FE_MANPAGE));
    return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
}

QStringList commandsOf(const QString &topHelp)
{
    QStringList commands;
    const QString section = topHelp.section(QStringLiteral("\nCommands:\n"), 1).section(QStringLiteral("\n\n"), 0, 0);
    static const QRegularExpression line(QStringLiteral("^  ([a-z][a-z-]*) "), QRegularExpression::MultilineOption);
    for (auto it = line.globalMatch(section); it.hasNext();)
        commands << it.next().captured(1);
    return commands;
}

} // namespace

class TestManPage : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void pageExists()
    {
        const QString page = manPage();
        QVERIFY2(!page.isEmpty(), FE_MANPAGE);
        QVERIFY(page.contains(QStringLiteral(".TH FALCO\\-EXPLORER 1 ")));
        for (const char *section : {".SH NAME", ".SH SYNOPSIS", ".SH DESCRIPTION", ".SH COMMANDS", ".SH \"EXIT STATUS\"",
                                    ".SH FILES", ".SH EXAMPLES"})
            QVERIFY2(page.contains(QLatin1String(section)), section);
    }

    void everyOptionOfEveryCommand_data()
    {
        QTest::addColumn<QString>("command");
        const Run top = explorer({QStringLiteral("--help")});
        QCOMPARE(top.exitCode, 0);
        const QStringList commands = commandsOf(top.out);
        // The commands of the issues: a command dropped from --help must not drop out of this test unnoticed.
        for (const char *c : {"map", "import", "stats", "export", "demo", "listen", "forward", "es-setup", "report", "index"})
            QVERIFY2(commands.contains(QLatin1String(c)), c);
        QTest::newRow("(top level and GUI)") << QString();
        for (const QString &c : commands)
            QTest::newRow(qPrintable(c)) << c;
    }

    void everyOptionOfEveryCommand()
    {
        QFETCH(QString, command);
        const Run help = explorer(command.isEmpty() ? QStringList{QStringLiteral("--help")}
                                                    : QStringList{command, QStringLiteral("--help")});
        QCOMPARE(help.exitCode, 0);
        const QStringList options = optionsOf(help.out);
        QVERIFY2(options.contains(QStringLiteral("--help")), qPrintable(help.out));
        QVERIFY2(options.size() >= (command.isEmpty() ? 8 : 2), qPrintable(options.join(u' ')));
        const QString page = manPage();
        if (!command.isEmpty())
            QVERIFY2(page.contains(QStringLiteral(".SS \"falco\\-explorer %1 ").arg(QString(command).replace(u'-', QStringLiteral("\\-")))),
                     qPrintable(command));
        QStringList missing;
        for (const QString &option : options) {
            if (!page.contains(roffOption(option)))
                missing << option;
        }
        QVERIFY2(missing.isEmpty(), qPrintable(QStringLiteral("not in falco-explorer(1): ") + missing.join(u' ')));
    }

    // The GUI's option parser is the truth for GUI options: each one it names is in --help (and so in the page).
    void everyGuiOptionIsInHelp()
    {
        const Run bad = explorer({QStringLiteral("--no-such-option")});
        QCOMPARE(bad.exitCode, 2);
        const QString list = bad.err.section(QStringLiteral("GUI options:"), 1);
        QVERIFY2(!list.isEmpty(), qPrintable(bad.err));
        static const QRegularExpression option(QStringLiteral("--[a-z][a-z-]*"));
        QSet<QString> guiOptions;
        for (auto it = option.globalMatch(list); it.hasNext();)
            guiOptions << it.next().captured(0);
        QVERIFY2(guiOptions.size() >= 8, qPrintable(bad.err));
        const QStringList documented = optionsOf(explorer({QStringLiteral("--help")}).out);
        for (const QString &o : std::as_const(guiOptions))
            QVERIFY2(documented.contains(o), qPrintable(o));
    }

    void rendersWithoutWarnings()
    {
        const Run man = run(QStringLiteral("man"), {QStringLiteral("--warnings"), QStringLiteral("-E"), QStringLiteral("UTF-8"),
                                                     QStringLiteral("-l"), QStringLiteral(FE_MANPAGE)},
                            {QStringLiteral("MANWIDTH=80"), QStringLiteral("MAN_KEEP_FORMATTING=0")});
        QVERIFY2(man.exitCode == 0, qPrintable(man.err));
        QVERIFY2(man.err.trimmed().isEmpty(), qPrintable(man.err));
        QVERIFY(man.out.contains(QStringLiteral("falco-explorer - explore, triage and forward Falco security alerts")));
        // The default store is shown as ~, not as the home of whoever built the page.
        QVERIFY(man.out.contains(QStringLiteral("~/.local/share/falco-explorer/alerts.db")));
        QVERIFY(!man.out.contains(qEnvironmentVariable("HOME") + QStringLiteral("/.local")));
    }

    void versionNamesSchemaAndLibraries()
    {
        const Run version = explorer({QStringLiteral("--version")});
        QCOMPARE(version.exitCode, 0);
        const QStringList lines = version.out.split(u'\n', Qt::SkipEmptyParts);
        QCOMPARE(lines.value(0), QStringLiteral("falco-explorer " FE_VERSION));
        QCOMPARE(lines.value(1), QStringLiteral("store schema: %1").arg(fe::Schema::latestVersion()));
        // Every further line is "library: version"; these must be there (a library added later joins them in
        // app/versioninfo.cpp and here).
        static const QRegularExpression versionLine(QStringLiteral("^([A-Za-z][A-Za-z0-9/+._-]*): \\d+\\.\\d+(\\.\\d+)?"));
        QStringList libraries;
        for (const QString &line : lines.mid(2)) {
            const auto m = versionLine.match(line);
            QVERIFY2(m.hasMatch(), qPrintable(line));
            libraries << m.captured(1);
        }
        for (const char *required : {"Qt", "SQLite", "zstd", "zlib", "simdjson", "nlohmann/json"})
            QVERIFY2(libraries.count(QLatin1String(required)) == 1, required);
        QVERIFY(version.out.contains(QStringLiteral("Qt: ") + QLatin1String(qVersion())));
        QCOMPARE(explorer({QStringLiteral("-v")}).out, version.out);
    }
};

QTEST_MAIN(TestManPage)
#include "tst_manpage.moc"
