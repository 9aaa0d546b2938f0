// SPDX-License-Identifier: Apache-2.0
#include "model/diagnostic.h"

namespace fe {

namespace {

bool needsEscape(char32_t c)
{
    return c < 0x20 || (c >= 0x7f && c <= 0x9f)
        || c == 0x061c                      // Arabic letter mark
        || c == 0x200e || c == 0x200f       // left-to-right / right-to-left marks
        || c == 0x2028 || c == 0x2029       // line and paragraph separators
        || (c >= 0x202a && c <= 0x202e)     // embeddings and overrides
        || (c >= 0x2066 && c <= 0x2069)     // isolates
        || (c >= 0xd800 && c <= 0xdfff);    // a surrogate on its own
}

void appendEscaped(QString &out, char32_t c)
{
    static constexpr char hex[] = "0123456789abcdef";
    switch (c) {
    case '\t':
        out += QLatin1String("\\t");
        return;
    case '\n':
        out += QLatin1String("\\n");
        return;
    case '\r':
        out += QLatin1String("\\r");
        return;
    default:
        break;
    }
    if (c <= 0xff) {
        out += QLatin1String("\\x");
        out += QLatin1Char(hex[(c >> 4) & 0xf]);
        out += QLatin1Char(hex[c & 0xf]);
        return;
    }
    out += QLatin1String("\\u");
    for (int shift = 12; shift >= 0; shift -= 4)
        out += QLatin1Char(hex[(c >> shift) & 0xf]);
}

void appendCodePoint(QString &out, char32_t c)
{
    if (needsEscape(c))
        appendEscaped(out, c);
    else if (c > 0xffff)
        out += QChar::fromUcs4(c);
    else
        out += QChar(char16_t(c));
}

// The length of the valid UTF-8 sequence at bytes[i] (its code point in *c), or 0 when it is not one
// (overlong forms, surrogates and values above U+10FFFF are not valid).
int utf8Sequence(QByteArrayView bytes, qsizetype i, char32_t *c)
{
    const auto byte = [&](qsizetype k) { return static_cast<unsigned char>(bytes[k]); };
    const unsigned char b0 = byte(i);
    int length = 0;
    char32_t value = 0;
    char32_t minimum = 0;
    if (b0 < 0x80) {
        *c = b0;
        return 1;
    } else if ((b0 & 0xe0) == 0xc0) {
        length = 2;
        value = b0 & 0x1f;
        minimum = 0x80;
    } else if ((b0 & 0xf0) == 0xe0) {
        length = 3;
        value = b0 & 0x0f;
        minimum = 0x800;
    } else if ((b0 & 0xf8) == 0xf0) {
        length = 4;
        value = b0 & 0x07;
        minimum = 0x10000;
    } else {
        return 0;
    }
    if (i + length > bytes.size())
        return 0;
    for (int k = 1; k < length; ++k) {
        const unsigned char b = byte(i + k);
        if ((b & 0xc0) != 0x80)
            return 0;
        value = (value << 6) | (b & 0x3f);
    }
    if (value < minimum || value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff))
        return 0;
    *c = value;
    return length;
}

} // namespace

QString Diagnostic::toString() const
{
    return escapeControls(location.isEmpty() ? text : location + QStringLiteral(": ") + text);
}

QString escapeControls(QStringView text)
{
    qsizetype i = 0;
    while (i < text.size() && !needsEscape(text[i].unicode()) && !text[i].isSurrogate())
        ++i;
    if (i == text.size())
        return text.toString();
    QString out;
    out.reserve(text.size() + 16);
    out += text.first(i);
    for (; i < text.size(); ++i) {
        const QChar ch = text[i];
        if (ch.isHighSurrogate() && i + 1 < text.size() && text[i + 1].isLowSurrogate()) {
            out += ch;
            out += text[++i];
            continue;
        }
        appendCodePoint(out, ch.unicode());
    }
    return out;
}

QString escapeControls(QByteArrayView bytes, qsizetype maxBytes)
{
    const bool cut = maxBytes >= 0 && bytes.size() > maxBytes;
    if (cut) {
        // Cut before a character rather than inside it (at most three continuation bytes back).
        qsizetype end = maxBytes;
        for (int k = 0; k < 3 && end > 0 && (static_cast<unsigned char>(bytes[end]) & 0xc0) == 0x80; ++k)
            --end;
        if ((static_cast<unsigned char>(bytes[end]) & 0xc0) == 0x80)
            end = maxBytes;   // not UTF-8 anyway: cut where asked
        bytes = bytes.first(end);
    }
    QString out;
    out.reserve(bytes.size() + 8);
    for (qsizetype i = 0; i < bytes.size();) {
        char32_t c = 0;
        const int length = utf8Sequence(bytes, i, &c);
        if (length == 0) {
            appendEscaped(out, static_cast<unsigned char>(bytes[i]));
            ++i;
            continue;
        }
        appendCodePoint(out, c);
        i += length;
    }
    if (cut)
        out += QChar(0x2026);
    return out;
}

} // namespace fe
