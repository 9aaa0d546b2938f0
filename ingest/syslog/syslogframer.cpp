// SPDX-License-Identifier: Apache-2.0
#include "ingest/syslog/syslogframer.h"

#include "model/diagnostic.h"

namespace fe {

namespace {

// Longest length prefix accepted: 10 digits is already far beyond any sane maximum frame size.
constexpr int s_maxPrefixDigits = 10;

// The start of a frame for a diagnostic: network bytes, so control characters are escaped.
QString preview(QByteArrayView bytes)
{
    return escapeControls(bytes, 40);
}

void chopLineEnd(QByteArray &frame)
{
    if (frame.endsWith('\n'))
        frame.chop(1);
    if (frame.endsWith('\r'))
        frame.chop(1);
}

} // namespace

SyslogFramer::SyslogFramer(qsizetype maxFrameSize)
    : m_maxFrameSize(qMax<qsizetype>(1, maxFrameSize))
{
}

void SyslogFramer::emitFrame(QByteArray frame, QVector<QByteArray> *frames, QVector<Error> *errors)
{
    chopLineEnd(frame);
    if (frame.size() > m_maxFrameSize) {
        errors->append({QStringLiteral("frame too large"),
                        QStringLiteral("a newline-terminated frame of %1 bytes exceeds the limit of %2 bytes")
                            .arg(frame.size())
                            .arg(m_maxFrameSize)});
        return;
    }
    if (!frame.isEmpty())
        frames->append(std::move(frame));
}

void SyslogFramer::feed(QByteArrayView bytes, QVector<QByteArray> *frames, QVector<Error> *errors)
{
    const char *data = bytes.data();
    const qsizetype size = bytes.size();
    qsizetype i = 0;
    while (i < size) {
        switch (m_state) {
        case State::FrameStart: {
            const char c = data[i];
            if (c == '\n' || c == '\r') {
                ++i;   // empty line, or the LF some senders put after an octet-counted frame
            } else if (c >= '1' && c <= '9') {
                m_state = State::Prefix;
            } else {
                m_state = State::Newline;
            }
            break;
        }
        case State::Prefix: {
            // m_buffer holds the digits seen so far.
            const char c = data[i];
            if (c >= '0' && c <= '9' && m_buffer.size() < s_maxPrefixDigits) {
                m_buffer.append(c);
                ++i;
            } else if (c == ' ' && !m_buffer.isEmpty()) {
                ++i;
                const qint64 length = m_buffer.toLongLong();
                m_buffer.clear();
                ++m_octetCounted;
                m_remaining = length;
                if (length > m_maxFrameSize) {
                    errors->append({QStringLiteral("frame too large"),
                                    QStringLiteral("an octet-counted frame of %1 bytes exceeds the limit of %2 bytes; "
                                                   "its bytes are skipped")
                                        .arg(length)
                                        .arg(m_maxFrameSize)});
                    m_state = State::DiscardOctets;
                } else {
                    m_buffer.reserve(length);
                    m_state = State::Octets;
                }
            } else {
                m_state = State::Newline;   // digits that are not a length: part of a newline frame
            }
            break;
        }
        case State::Newline: {
            const char *nl = static_cast<const char *>(memchr(data + i, '\n', size - i));
            const qsizetype end = nl ? nl - data : size;
            if (m_buffer.size() + (end - i) > m_maxFrameSize + 1) {   // +1: a CR that will be dropped
                m_discarded = m_buffer.size();   // DiscardLine counts the rest from i
                m_buffer = QByteArray();
                m_state = State::DiscardLine;
                break;
            }
            if (nl) {
                ++m_newline;
                if (m_buffer.isEmpty()) {
                    emitFrame(QByteArray(data + i, end - i), frames, errors);
                } else {
                    m_buffer.append(data + i, end - i);
                    emitFrame(std::move(m_buffer), frames, errors);
                    m_buffer = QByteArray();
                }
                i = end + 1;
                m_state = State::FrameStart;
            } else {
                m_buffer.append(data + i, size - i);
                i = size;
            }
            break;
        }
        case State::Octets: {
            const qsizetype take = qMin<qint64>(m_remaining, size - i);
            m_buffer.append(data + i, take);
            m_remaining -= take;
            i += take;
            if (m_remaining == 0) {
                emitFrame(std::move(m_buffer), frames, errors);
                m_buffer = QByteArray();
                m_state = State::FrameStart;
            }
            break;
        }
        case State::DiscardLine: {
            const char *nl = static_cast<const char *>(memchr(data + i, '\n', size - i));
            if (!nl) {
                m_discarded += size - i;
                i = size;
                break;
            }
            m_discarded += nl - (data + i);
            ++m_newline;
            errors->append({QStringLiteral("frame too large"),
                            QStringLiteral("a newline-terminated frame of %1 bytes exceeds the limit of %2 bytes; "
                                           "skipped to the next newline")
                                .arg(m_discarded)
                                .arg(m_maxFrameSize)});
            m_discarded = 0;
            i = nl - data + 1;
            m_state = State::FrameStart;
            break;
        }
        case State::DiscardOctets: {
            const qsizetype take = qMin<qint64>(m_remaining, size - i);
            m_remaining -= take;
            i += take;
            if (m_remaining == 0)
                m_state = State::FrameStart;
            break;
        }
        }
    }
}

void SyslogFramer::finish(QVector<QByteArray> *frames, QVector<Error> *errors)
{
    switch (m_state) {
    case State::FrameStart:
        break;
    case State::Prefix:
    case State::Newline:
        if (!m_buffer.isEmpty()) {
            ++m_newline;
            emitFrame(std::move(m_buffer), frames, errors);
        }
        break;
    case State::Octets:
        errors->append({QStringLiteral("truncated frame"),
                        QStringLiteral("the stream ended %1 bytes into an octet-counted frame of %2 bytes (\"%3\")")
                            .arg(m_buffer.size())
                            .arg(m_buffer.size() + m_remaining)
                            .arg(preview(m_buffer))});
        break;
    case State::DiscardLine:
        errors->append({QStringLiteral("frame too large"),
                        QStringLiteral("a newline-terminated frame of %1 bytes exceeds the limit of %2 bytes")
                            .arg(m_discarded)
                            .arg(m_maxFrameSize)});
        break;
    case State::DiscardOctets:
        break;   // already reported when the oversized length was read
    }
    m_buffer = QByteArray();
    m_remaining = 0;
    m_discarded = 0;
    m_state = State::FrameStart;
}

} // namespace fe
