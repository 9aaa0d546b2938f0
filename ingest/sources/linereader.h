// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArray>
#include <QString>
#include <QVector>

#include <memory>

namespace fe {

// Lines read from one input, copied into one buffer: the unit of work handed to the mapper threads.
struct LineChunk
{
    struct Line
    {
        qsizetype begin = 0;     // into data
        qsizetype length = 0;    // without the newline (and without a trailing '\r')
        qint64 number = 0;       // 1-based line number in the input
        qint64 offset = 0;       // byte offset of the line in the (decompressed) input
        bool tooLong = false;    // longer than the limit: its bytes were dropped, only its place is kept
    };
    QByteArray data;
    QVector<Line> lines;

    void clear()
    {
        data.clear();
        lines.clear();
    }
};

// The Framer of file imports: reads a plain or gzip-compressed file (gzip detected by its magic bytes,
// concatenated gzip members read through, as zcat does) or stdin ("-"), and splits it into lines. A last
// line without a newline is a line. A line longer than maxLineBytes is not kept in memory: it is returned
// as a tooLong entry (so it can be reported at its place) and reading goes on after its newline.
class LineReader
{
public:
    static constexpr qint64 defaultMaxLineBytes = 16LL << 20;

    explicit LineReader(qint64 maxLineBytes = defaultMaxLineBytes);
    ~LineReader();
    LineReader(const LineReader &) = delete;
    LineReader &operator=(const LineReader &) = delete;

    // "-" reads stdin. false + error when the input cannot be opened.
    bool open(const QString &path, QString *error = nullptr);
    void close();

    // Appends lines to chunk until it holds about targetBytes or maxLines lines, or the input ends.
    // Returns the number of lines appended (0 at the end of the input or after a read error).
    int read(LineChunk *chunk, qint64 targetBytes = 4 << 20, int maxLines = 8192);

    bool atEnd() const;
    // A read error that ended the input early ("unexpected end of file" for a truncated .gz); empty if none.
    QString errorString() const;
    // Bytes consumed from the underlying file (compressed bytes for .gz), for progress against its size.
    qint64 rawPosition() const;
    bool isCompressed() const;

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace fe
