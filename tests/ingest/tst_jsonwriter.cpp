// SPDX-License-Identifier: Apache-2.0
// The JSON string writer (ingest/jsonwriter.h, through fe::appendJsonString) against a byte-by-byte reference:
// every length from 0 to 80 in several escape densities (none, all, every other byte, embedded JSON, control
// bytes, UTF-8), and strings that end exactly at the edge of a readable page (the writer's 16-byte loads must
// never cross into the next one).
#include "ingest/ecs/ecsvalue.h"

#include <QTest>

#include <string>

#include <sys/mman.h>
#include <unistd.h>

namespace {

std::string reference(std::string_view s)
{
    static const char hex[] = "0123456789abcdef";
    std::string out = "\"";
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default:
            if (c < 0x20) {
                out += "\\u00";
                out += hex[c >> 4];
                out += hex[c & 0xF];
            } else {
                out += char(c);
            }
        }
    }
    out += '"';
    return out;
}

std::string pattern(const QString &name, int length)
{
    std::string s;
    for (int i = 0; i < length; ++i) {
        if (name == QLatin1String("clean"))
            s += char('a' + i % 26);
        else if (name == QLatin1String("quotes"))
            s += '"';
        else if (name == QLatin1String("alternating"))
            s += i % 2 ? '\\' : 'x';
        else if (name == QLatin1String("embedded json"))
            s += "{\"k\":\"v\\n\"}"[i % 12];
        else if (name == QLatin1String("control bytes"))
            s += char(i % 40);
        else
            s += "\xC3\xA9t\xE2\x82\xAC\"\x01"[i % 8];
    }
    return s;
}

} // namespace

class TestJsonWriter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void sameAsReference_data();
    void sameAsReference();
    void stringsEndingAtAPageEdge();
    void longStrings_data();
    void longStrings();
};

void TestJsonWriter::sameAsReference_data()
{
    QTest::addColumn<QString>("pattern");
    for (const char *p : {"clean", "quotes", "alternating", "embedded json", "control bytes", "utf-8 and escapes"})
        QTest::newRow(p) << QString::fromLatin1(p);
}

void TestJsonWriter::sameAsReference()
{
    QFETCH(QString, pattern);
    for (int length = 0; length <= 80; ++length) {
        const std::string s = ::pattern(pattern, length);
        for (size_t offset = 0; offset < 3; ++offset) {
            // After some output already in the buffer, as the document writer uses it.
            std::string out(offset, 'p');
            fe::appendJsonString(out, s);
            QCOMPARE(QByteArray::fromStdString(out.substr(offset)), QByteArray::fromStdString(reference(s)));
        }
    }
}

void TestJsonWriter::stringsEndingAtAPageEdge()
{
    const long page = sysconf(_SC_PAGESIZE);
    QVERIFY(page >= 4096);
    // One readable page followed by one that faults on any access.
    void *map = mmap(nullptr, size_t(page) * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    QVERIFY(map != MAP_FAILED);
    char *base = static_cast<char *>(map);
    QCOMPARE(mprotect(base + page, size_t(page), PROT_NONE), 0);
    for (const char *p : {"clean", "quotes", "alternating", "embedded json", "control bytes", "utf-8 and escapes"}) {
        for (int length = 0; length <= 40; ++length) {
            const std::string s = pattern(QString::fromLatin1(p), length);
            char *at = base + page - length;
            std::memcpy(at, s.data(), s.size());
            std::string out;
            fe::appendJsonString(out, std::string_view(at, s.size()));
            QCOMPARE(QByteArray::fromStdString(out), QByteArray::fromStdString(reference(s)));
        }
    }
    munmap(map, size_t(page) * 2);
}

void TestJsonWriter::longStrings_data()
{
    QTest::addColumn<QString>("pattern");
    QTest::addColumn<int>("length");
    for (const char *p : {"clean", "quotes", "embedded json", "utf-8 and escapes"}) {
        // Around the writer's piece of 64 KiB, and a string of many pieces.
        for (const int length : {65535, 65536, 65537, 1 << 20})
            QTest::addRow("%s, %d bytes", p, length) << QString::fromLatin1(p) << length;
    }
}

// A long string is escaped in pieces: the same bytes as the reference, and the buffer grows with what is written, not
// with the worst case of six bytes per input byte.
void TestJsonWriter::longStrings()
{
    QFETCH(QString, pattern);
    QFETCH(int, length);
    const std::string s = ::pattern(pattern, length);
    const std::string expected = reference(s);
    std::string out(3, 'p');
    fe::appendJsonString(out, s);
    QCOMPARE(QByteArray::fromStdString(out.substr(3)), QByteArray::fromStdString(expected));
    QVERIFY2(out.capacity() < 2 * expected.size() + (1 << 20),
             qPrintable(QStringLiteral("%1 bytes of room for %2 written").arg(out.capacity()).arg(out.size())));
}

QTEST_GUILESS_MAIN(TestJsonWriter)
#include "tst_jsonwriter.moc"
