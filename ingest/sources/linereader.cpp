// SPDX-License-Identifier: Apache-2.0
#include "ingest/sources/linereader.h"

#include <QFile>

#include <zlib.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstring>

namespace fe {

namespace {
constexpr int s_readSize = 1 << 20;
}

struct LineReader::Private
{
    qint64 maxLineBytes;
    gzFile file = nullptr;
    QByteArray buffer;       // unread bytes are buffer[pos, buffer.size())
    qsizetype pos = 0;
    qint64 bufferOffset = 0; // input offset of buffer[0]
    qint64 lineNumber = 0;
    bool eof = false;
    bool discarding = false; // inside an over-long line
    qint64 discardOffset = 0;
    QString error;

    // Reads more input; false at the end or on error.
    bool fill()
    {
        if (eof || !file)
            return false;
        if (pos > 0) {
            buffer.remove(0, pos);
            bufferOffset += pos;
            pos = 0;
        }
        const qsizetype old = buffer.size();
        buffer.resize(old + s_readSize);
        const int n = gzread(file, buffer.data() + old, s_readSize);
        if (n <= 0) {
            buffer.resize(old);
            eof = true;
            if (n < 0) {
                int code = 0;
                const char *message = gzerror(file, &code);
                error = QString::fromLocal8Bit(message ? message : "read error");
            } else {
                int code = 0;
                gzerror(file, &code);
                // zlib reports a truncated gzip stream only through gzerror after the last read.
                if (code == Z_BUF_ERROR)
                    error = QStringLiteral("unexpected end of file (truncated gzip data)");
            }
            return false;
        }
        buffer.resize(old + n);
        return true;
    }
};

LineReader::LineReader(qint64 maxLineBytes) : d(std::make_unique<Private>())
{
    d->maxLineBytes = maxLineBytes > 0 ? maxLineBytes : defaultMaxLineBytes;
}

LineReader::~LineReader()
{
    close();
}

bool LineReader::open(const QString &path, QString *error)
{
    close();
    int fd = -1;
    if (path == QStringLiteral("-")) {
        fd = ::dup(STDIN_FILENO);
    } else {
        fd = ::open(QFile::encodeName(path).constData(), O_RDONLY | O_CLOEXEC);
    }
    if (fd < 0) {
        if (error)
            *error = QString::fromLocal8Bit(std::strerror(errno));
        return false;
    }
    d->file = gzdopen(fd, "rb");
    if (!d->file) {
        ::close(fd);
        if (error)
            *error = QStringLiteral("out of memory");
        return false;
    }
    // Half the read size: zlib reads (plain files) or inflates (gzip) straight into our buffer only for requests of
    // at least twice its own buffer; smaller ones go through that buffer and cost a copy of every byte.
    gzbuffer(d->file, s_readSize / 2);
    return true;
}

void LineReader::close()
{
    if (d->file)
        gzclose_r(d->file);
    d->file = nullptr;
    d->buffer.clear();
    d->pos = 0;
    d->bufferOffset = 0;
    d->lineNumber = 0;
    d->eof = false;
    d->discarding = false;
    d->error.clear();
}

int LineReader::read(LineChunk *chunk, qint64 targetBytes, int maxLines)
{
    int added = 0;
    auto emitLine = [&](qsizetype begin, qsizetype end, bool tooLong, qint64 offset) {
        LineChunk::Line line;
        line.number = ++d->lineNumber;
        line.offset = offset;
        line.tooLong = tooLong;
        if (!tooLong) {
            if (end > begin && d->buffer.at(end - 1) == '\r')
                --end;
            line.begin = chunk->data.size();
            line.length = end - begin;
            chunk->data.append(d->buffer.constData() + begin, line.length);
        }
        chunk->lines.append(line);
        ++added;
    };

    // Room for the target and a typical last line, so the buffer is not doubled past it.
    if (chunk->data.isEmpty())
        chunk->data.reserve(qsizetype(targetBytes) + (64 << 10));
    while (added < maxLines && chunk->data.size() < targetBytes) {
        const char *base = d->buffer.constData();
        const qsizetype size = d->buffer.size();
        const void *nl = d->pos < size ? std::memchr(base + d->pos, '\n', size_t(size - d->pos)) : nullptr;
        if (nl) {
            const qsizetype end = static_cast<const char *>(nl) - base;
            if (d->discarding) {
                emitLine(0, 0, true, d->discardOffset);
                d->discarding = false;
            } else if (end - d->pos > d->maxLineBytes) {
                emitLine(0, 0, true, d->bufferOffset + d->pos);
            } else {
                emitLine(d->pos, end, false, d->bufferOffset + d->pos);
            }
            d->pos = end + 1;
            continue;
        }
        // No newline in what is buffered: drop an over-long partial line, then read more.
        if (!d->discarding && size - d->pos > d->maxLineBytes) {
            d->discarding = true;
            d->discardOffset = d->bufferOffset + d->pos;
        }
        if (d->discarding) {
            d->bufferOffset += size;
            d->buffer.clear();
            d->pos = 0;
        }
        if (!d->fill()) {
            // The end: a last line without a newline is still a line.
            if (d->discarding) {
                emitLine(0, 0, true, d->discardOffset);
                d->discarding = false;
            } else if (d->pos < d->buffer.size()) {
                emitLine(d->pos, d->buffer.size(), false, d->bufferOffset + d->pos);
            }
            d->pos = d->buffer.size();
            break;
        }
    }
    return added;
}

bool LineReader::atEnd() const
{
    return d->eof && !d->discarding && d->pos >= d->buffer.size();
}

QString LineReader::errorString() const
{
    return d->error;
}

qint64 LineReader::rawPosition() const
{
    return d->file ? qint64(gzoffset(d->file)) : 0;
}

bool LineReader::isCompressed() const
{
    return d->file && gzdirect(d->file) == 0;
}

} // namespace fe
