// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>
#include <QVector>

namespace fe {

// Splits one byte stream (a TCP connection) into syslog frames, incrementally: feed bytes as they arrive,
// get the complete frames. Per frame, the framing is detected as rsyslog does: a frame that starts with
// a digit 1-9 followed by digits and a space is RFC 6587 octet-counted ("LEN SP MSG"); anything else is
// newline-terminated (LF, a CR before it is dropped). Empty lines are skipped.
// A frame longer than maxFrameSize is not kept: a newline frame is discarded up to its newline, an
// octet-counted frame is drained (its bytes are skipped); either gives one error and the next frame
// is read normally. Pure: no I/O, no Qt event loop; one framer per connection.
class SyslogFramer
{
public:
    struct Error
    {
        QString reason;      // "frame too large", "truncated frame", ...
        QString detail;      // one line: sizes, the start of the bad bytes
    };

    explicit SyslogFramer(qsizetype maxFrameSize = 20 * 1024 * 1024);

    // Appends the complete frames in bytes (with what was buffered before) to frames, errors to errors.
    void feed(QByteArrayView bytes, QVector<QByteArray> *frames, QVector<Error> *errors);
    // End of stream: a last newline frame without its newline is returned as a frame (rsyslog and
    // Beats do the same); a cut octet-counted frame is an error. The framer is reset.
    void finish(QVector<QByteArray> *frames, QVector<Error> *errors);

    // Bytes held for an incomplete frame (memory accounting, backpressure).
    qsizetype bufferedBytes() const { return m_buffer.size(); }
    qsizetype maxFrameSize() const { return m_maxFrameSize; }
    qint64 octetCountedFrames() const { return m_octetCounted; }
    qint64 newlineFrames() const { return m_newline; }

private:
    enum class State { FrameStart, Prefix, Newline, Octets, DiscardLine, DiscardOctets };

    void emitFrame(QByteArray frame, QVector<QByteArray> *frames, QVector<Error> *errors);

    qsizetype m_maxFrameSize;
    State m_state = State::FrameStart;
    QByteArray m_buffer;          // bytes of the current frame not yet complete
    qint64 m_remaining = 0;       // Octets / DiscardOctets: bytes still to come
    qint64 m_discarded = 0;       // bytes dropped for the current oversized frame
    qint64 m_octetCounted = 0;
    qint64 m_newline = 0;
};

} // namespace fe
