// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArrayView>
#include <QString>
#include <QVector>

// The bodies of the libFuzzer targets (tests/fuzz/fuzzmain.cpp) and of their regression test
// (tests/ingest/tst_fuzzregressions.cpp), which replays every input under tests/data/fuzz/<target>/ in the
// default suite. Each body runs one input through one unit of the ingest or model layer and checks what must hold
// for any input: it returns what broke (with the input, escaped), empty when all held. The fuzzer aborts on a
// non-empty answer, which libFuzzer records as a crash; the sanitizers report bad accesses themselves.
namespace fe::fuzz {

// SyslogFramer: byte 0 picks the frame limit and how the rest is cut into reads. The frames and errors do not
// depend on how the stream was cut; no frame is empty or over the limit; the bytes held stay within the limit.
QString syslogFramer(QByteArrayView data);
// parseSyslog / parseSyslogHeader / parseRfc3339 on one line: both parsers agree, fields in range, views inside.
QString syslogHeader(QByteArrayView data);
// Falcosidekick's CEF decoder and mapFrame: a decoded record is a JSON object; a mapped frame is a valid result.
QString cef(QByteArrayView data);
// The JSON decoder and both mapper paths (MapperPath::Auto and General, which must give the same MapResult), facts
// only (the same Alert but for the document, the output and the command line) and mapFrame, under two option sets.
QString mapper(QByteArrayView data);
// compileQuery on UTF-8 text: a compiled query runs on a real store (parameters and SQL agree); an error has a
// reason and a column; any value quoted by queryClause compiles.
QString queryLanguage(QByteArrayView data);
// BulkResponse::decide on "STATUS ITEMS BODY": Items has one item per document; texts are bounded and escaped;
// BulkOutcome accounts for every document.
QString bulkResponse(QByteArrayView data);

struct Target
{
    const char *name;   // the directory under tests/data/fuzz/ and the executable fuzz_<name>
    QString (*run)(QByteArrayView data);
};
const QVector<Target> &targets();

} // namespace fe::fuzz
