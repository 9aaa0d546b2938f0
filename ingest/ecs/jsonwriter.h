// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

// Internal to fe_ingest: the JSON writer behind EcsValue::writeJson/toJson and the mapper's direct writer.
namespace fe {

namespace jsonwriterdetail {

#if !defined(__SSE2__)
// Bytes that JSON strings must escape: '"', '\\' and the control characters.
constexpr std::array<bool, 256> kNeedsEscape = [] {
    std::array<bool, 256> table{};
    for (int c = 0; c < 0x20; ++c)
        table[size_t(c)] = true;
    table['"'] = true;
    table['\\'] = true;
    return table;
}();

// Length of the prefix of s that needs no escaping, 8 bytes at a time (a word with no byte < 0x20, '"' or '\\'
// is skipped whole), then bytewise. JsonWriter::string has its own SSE2 loop where SSE2 is there (always, on
// x86-64).
inline std::size_t cleanPrefix(const char *s, std::size_t n)
{
    std::size_t i = 0;
    constexpr std::uint64_t ones = 0x0101010101010101ULL;
    constexpr std::uint64_t highs = 0x8080808080808080ULL;
    for (; i + 8 <= n; i += 8) {
        std::uint64_t x;
        std::memcpy(&x, s + i, 8);
        const std::uint64_t quote = x ^ (ones * '"');
        const std::uint64_t backslash = x ^ (ones * '\\');
        const std::uint64_t hit = ((x - ones * 0x20) & ~x) | ((quote - ones) & ~quote) | ((backslash - ones) & ~backslash);
        if (hit & highs)
            break;
    }
    while (i < n && !kNeedsEscape[static_cast<unsigned char>(s[i])])
        ++i;
    return i;
}
#endif

// The letter after '\\' of each two-byte JSON escape ('"', '\\', \n, \r, \t, \b, \f); 0: written as \u00XX.
constexpr std::array<char, 256> kShortEscape = [] {
    std::array<char, 256> table{};
    table['"'] = '"';
    table['\\'] = '\\';
    table['\n'] = 'n';
    table['\r'] = 'r';
    table['\t'] = 't';
    table['\b'] = 'b';
    table['\f'] = 'f';
    return table;
}();

// Writes the JSON escape of c ('"', '\\' or a control character) at p; returns the end. A table, not a
// switch: the quotes of an embedded JSON text (event.original) come by the hundred, and an indirect jump per
// quote costs more than the rest of the escape.
inline char *escape(char *p, unsigned char c)
{
    static constexpr char hex[] = "0123456789abcdef";
    p[0] = '\\';
    if (const char e = kShortEscape[c]) {
        p[1] = e;
        return p + 2;
    }
    p[1] = 'u';
    p[2] = '0';
    p[3] = '0';
    p[4] = hex[c >> 4];
    p[5] = hex[c & 0xF];
    return p + 6;
}

#if defined(__SSE2__)
// 0xFF in each byte of x that JSON must escape: '"', '\\' or below 0x20.
inline __m128i needsEscape(__m128i x, __m128i quote, __m128i backslash, __m128i control)
{
    return _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, backslash)),
                        _mm_cmpeq_epi8(_mm_min_epu8(x, control), x));   // x <= 0x1F unsigned
}
#endif

} // namespace jsonwriterdetail

// Writes JSON into a std::string used as a raw buffer: room is made in large steps and bytes are stored
// through a pointer, instead of one checked append per piece.
class JsonWriter
{
public:
    // Writes from out[pos]; out's size is the buffer's room (resized as needed).
    JsonWriter(std::string &out, std::size_t pos) : m_out(out), m_pos(pos) {}

    std::size_t position() const { return m_pos; }

    void put(char c)
    {
        *room(1) = c;
        ++m_pos;
    }
    void put(std::string_view s)
    {
        std::memcpy(room(s.size()), s.data(), s.size());
        m_pos += s.size();
    }
    template<typename T>
    void integer(T v)
    {
        char *p = room(24);
        m_pos += std::size_t(std::to_chars(p, p + 24, v).ptr - p);
    }
    void number(double d)
    {
        if (!std::isfinite(d)) {
            put("null");   // JSON has no NaN/Infinity; simdjson never produces them
            return;
        }
        char *p = room(40);
        const std::size_t n = std::size_t(std::to_chars(p, p + 32, d).ptr - p);
        m_pos += n;
        // Keep the value a JSON float when it reads like an integer ("1" → "1.0").
        if (std::string_view(p, n).find_first_of(".eE") == std::string_view::npos)
            put(".0");
    }
    void string(std::string_view s)
    {
        // Room for a long string's worst case (every byte \u00XX) would be six times its size, zero-filled when the
        // buffer grows: a huge string is written in pieces instead.
        if (s.size() > s_stringPiece) [[unlikely]] {
            longString(s);
            return;
        }
        // Worst case every byte becomes \u00XX; 16 more so whole 16-byte blocks may be stored past the end.
        char *p = room(s.size() * 6 + 2 + 16);
        *p++ = '"';
        p = escaped(p, s.data(), s.data() + s.size());
        *p++ = '"';
        m_pos = std::size_t(p - m_out.data());
    }

    // Gives back a thread's buffer that one huge document grew far beyond what ordinary alerts need.
    static void trimBuffer(std::string &buffer, std::size_t initial)
    {
        if (buffer.size() > (std::size_t(1) << 20))
            std::string(initial, '\0').swap(buffer);
    }

private:
    // Strings longer than this are escaped piece by piece (string()).
    static constexpr std::size_t s_stringPiece = std::size_t(64) << 10;

    // The input's bytes in [src, end) escaped at p, which has room for 6 bytes per input byte and 16 more; returns the
    // end of what was written.
    __attribute__((always_inline)) static char *escaped(char *p, const char *src, const char *const end)
    {
#if defined(__SSE2__)
        // Each 16-byte block is stored as is, then the output pointer only advances over its clean prefix:
        // runs without escapes cost one load, one store and three compares per 16 bytes, with no call.
        const __m128i quote = _mm_set1_epi8('"');
        const __m128i backslash = _mm_set1_epi8('\\');
        const __m128i control = _mm_set1_epi8(0x1F);
        for (;;) {
            // Whole blocks: load, store, and advance 16 when nothing in them needs escaping.
            __m128i x = _mm_setzero_si128();
            unsigned mask = 0;
            for (;;) {
                if (end - src < 16)
                    break;
                x = _mm_loadu_si128(reinterpret_cast<const __m128i *>(src));
                _mm_storeu_si128(reinterpret_cast<__m128i *>(p), x);
                mask = unsigned(_mm_movemask_epi8(jsonwriterdetail::needsEscape(x, quote, backslash, control)));
                if (mask != 0)
                    break;
                p += 16;
                src += 16;
            }
            const std::size_t left = std::size_t(end - src);
            if (left < 16) {
                if (left == 0)
                    break;
                // The tail goes through a block of its own: a 16-byte load from src would read past the string's
                // end, outside the object (undefined, even where the page makes it harmless to the hardware).
                alignas(16) char tail[16] = {};
                std::memcpy(tail, src, left);
                x = _mm_load_si128(reinterpret_cast<const __m128i *>(tail));
                _mm_storeu_si128(reinterpret_cast<__m128i *>(p), x);
                mask = unsigned(_mm_movemask_epi8(jsonwriterdetail::needsEscape(x, quote, backslash, control))) & ((1u << left) - 1);
                if (mask == 0) {
                    p += left;
                    break;
                }
            }
            const unsigned clean = unsigned(__builtin_ctz(mask));
            p += clean;
            src += clean;
            p = jsonwriterdetail::escape(p, static_cast<unsigned char>(*src++));
        }
#else
        while (src < end) {
            const std::size_t clean = jsonwriterdetail::cleanPrefix(src, std::size_t(end - src));
            std::memcpy(p, src, clean);
            p += clean;
            src += clean;
            if (src == end)
                break;
            p = jsonwriterdetail::escape(p, static_cast<unsigned char>(*src++));
        }
#endif
        return p;
    }

    __attribute__((noinline)) void longString(std::string_view s)
    {
        put('"');
        for (std::size_t at = 0; at < s.size(); at += s_stringPiece) {
            const std::size_t n = std::min(s_stringPiece, s.size() - at);
            char *p = room(n * 6 + 16);
            m_pos = std::size_t(escaped(p, s.data() + at, s.data() + at + n) - m_out.data());
        }
        put('"');
    }

    // Inline for every piece (a call per ',' and ':' showed in profiles); growing is the rare out-of-line case.
    char *room(std::size_t n)
    {
        if (m_out.size() - m_pos < n) [[unlikely]]
            grow(n);
        return m_out.data() + m_pos;
    }
    __attribute__((noinline)) void grow(std::size_t n) { m_out.resize(std::max(m_out.size() * 2, m_pos + n + 4096)); }

    std::string &m_out;
    std::size_t m_pos;
};

} // namespace fe
