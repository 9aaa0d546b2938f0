// SPDX-License-Identifier: Apache-2.0
#include "ingest/ecsvalue.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace fe {

namespace {

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
std::size_t cleanPrefix(const char *s, std::size_t n)
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
        // Worst case every byte becomes \u00XX; 16 more so whole 16-byte blocks may be stored past the end.
        char *p = room(s.size() * 6 + 2 + 16);
        *p++ = '"';
        const char *src = s.data();
        const char *const end = src + s.size();
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
                mask = unsigned(_mm_movemask_epi8(needsEscape(x, quote, backslash, control)));
                if (mask != 0)
                    break;
                p += 16;
                src += 16;
            }
            const std::size_t left = std::size_t(end - src);
            if (left < 16) {
                if (left == 0)
                    break;
                if ((reinterpret_cast<std::uintptr_t>(src) & 4095) <= 4096 - 16) {
                    // The tail: a 16-byte load that stays inside src's page cannot fault.
                    x = _mm_loadu_si128(reinterpret_cast<const __m128i *>(src));
                } else {
                    alignas(16) char tail[16] = {};
                    std::memcpy(tail, src, left);
                    x = _mm_load_si128(reinterpret_cast<const __m128i *>(tail));
                }
                _mm_storeu_si128(reinterpret_cast<__m128i *>(p), x);
                mask = unsigned(_mm_movemask_epi8(needsEscape(x, quote, backslash, control))) & ((1u << left) - 1);
                if (mask == 0) {
                    p += left;
                    break;
                }
            }
            const unsigned clean = unsigned(__builtin_ctz(mask));
            p += clean;
            src += clean;
            p = escape(p, static_cast<unsigned char>(*src++));
        }
#else
        while (src < end) {
            const std::size_t clean = cleanPrefix(src, std::size_t(end - src));
            std::memcpy(p, src, clean);
            p += clean;
            src += clean;
            if (src == end)
                break;
            p = escape(p, static_cast<unsigned char>(*src++));
        }
#endif
        *p++ = '"';
        m_pos = std::size_t(p - m_out.data());
    }

private:
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

// Equal-length keys: equal bytes? Two overlapping word compares cover the usual 4–16 byte keys without
// a call.
inline bool sameBytes(const char *a, const char *b, std::size_t n)
{
    if (n >= 8) {
        std::uint64_t x, y, u, v;
        std::memcpy(&x, a, 8);
        std::memcpy(&y, b, 8);
        std::memcpy(&u, a + n - 8, 8);
        std::memcpy(&v, b + n - 8, 8);
        if (x != y || u != v)
            return false;
        return n <= 16 || std::memcmp(a + 8, b + 8, n - 16) == 0;
    }
    if (n >= 4) {
        std::uint32_t x, y, u, v;
        std::memcpy(&x, a, 4);
        std::memcpy(&y, b, 4);
        std::memcpy(&u, a + n - 4, 4);
        std::memcpy(&v, b + n - 4, 4);
        return x == y && u == v;
    }
    for (std::size_t i = 0; i < n; ++i) {
        if (a[i] != b[i])
            return false;
    }
    return true;
}

} // namespace

void appendJsonString(std::string &out, std::string_view s)
{
    JsonWriter w(out, out.size());
    w.string(s);
    out.resize(w.position());
}

namespace {

// The per-thread bump allocator behind EcsValue. Blocks are kept between Scopes (the first one, sized for a
// typical alert, is reused line after line); blocks beyond it are freed when the outermost Scope ends, so
// one huge line does not pin its memory.
class Arena
{
public:
    ~Arena()
    {
        for (Block &b : m_blocks)
            std::free(b.data);
    }

    void *allocate(std::size_t bytes, std::size_t align)
    {
        std::uintptr_t p = (reinterpret_cast<std::uintptr_t>(m_ptr) + (align - 1)) & ~std::uintptr_t(align - 1);
        if (m_ptr && p + bytes <= reinterpret_cast<std::uintptr_t>(m_end)) {
            m_ptr = reinterpret_cast<char *>(p + bytes);
            return reinterpret_cast<void *>(p);
        }
        return allocateSlow(bytes, align);
    }

    void enter() { ++m_depth; }
    void leave()
    {
        if (--m_depth > 0)
            return;
        while (m_blocks.size() > 1) {
            std::free(m_blocks.back().data);
            m_blocks.pop_back();
        }
        m_current = 0;
        if (!m_blocks.empty()) {
            m_ptr = m_blocks.front().data;
            m_end = m_ptr + m_blocks.front().size;
        }
    }

private:
    struct Block
    {
        char *data;
        std::size_t size;
    };
    static constexpr std::size_t s_blockSize = 64 << 10;

    void *allocateSlow(std::size_t bytes, std::size_t align)
    {
        // Next kept block that fits, else a new one.
        while (m_current + 1 < m_blocks.size()) {
            ++m_current;
            m_ptr = m_blocks[m_current].data;
            m_end = m_ptr + m_blocks[m_current].size;
            if (bytes + align <= m_blocks[m_current].size)
                return allocate(bytes, align);
        }
        const std::size_t size = std::max(s_blockSize, bytes + align);
        char *data = static_cast<char *>(std::malloc(size));
        if (!data)
            throw std::bad_alloc();
        m_blocks.push_back({data, size});
        m_current = m_blocks.size() - 1;
        m_ptr = data;
        m_end = data + size;
        return allocate(bytes, align);
    }

    std::vector<Block> m_blocks;
    std::size_t m_current = 0;
    char *m_ptr = nullptr;
    char *m_end = nullptr;
    int m_depth = 0;
};

Arena &arena()
{
    thread_local Arena a;
    return a;
}

} // namespace

EcsValue::Scope::Scope()
{
    arena().enter();
}

EcsValue::Scope::~Scope()
{
    arena().leave();
}

void *EcsValue::arenaAllocate(std::size_t bytes, std::size_t align)
{
    return arena().allocate(bytes, align);
}

std::string_view EcsValue::intern(std::string_view s)
{
    if (s.empty())
        return std::string_view();
    char *p = static_cast<char *>(arenaAllocate(s.size(), 1));
    std::memcpy(p, s.data(), s.size());
    return std::string_view(p, s.size());
}

EcsValue::EcsValue(const QString &s) : EcsValue()
{
    const QByteArray utf8 = s.toUtf8();
    *this = view(intern(std::string_view(utf8.constData(), size_t(utf8.size()))));
}

void EcsValue::copyFrom(const EcsValue &other)
{
    std::memcpy(static_cast<void *>(this), &other, sizeof(EcsValue));
    if (other.m_type == Type::Array) {
        m_items = List<EcsValue>::none();
        m_items.reserve(other.m_items.size());
        for (const EcsValue &item : other.m_items)
            m_items.emplace_back(item);
    } else if (other.m_type == Type::Object) {
        m_members = List<Member>::none();
        m_members.reserve(other.m_members.size());
        for (const Member &m : other.m_members)
            m_members.emplace_back(m);
    }
}

std::string EcsValue::scalarText() const
{
    if (m_type == Type::String)
        return std::string(m_string.data, m_string.size);
    std::string out;
    writeJson(out);   // null, true/false, numbers as JSON prints them; arrays and objects as JSON
    return out;
}

// The member lookup, inlined into the path walks (the mapper makes a few hundred lookups per alert): one
// word compare per member (Member::tag), the key's bytes only on a tag match.
inline EcsValue *EcsValue::findMember(std::string_view key)
{
    if (m_type != Type::Object)
        return nullptr;
    const std::uint64_t tag = Member::keyTag(key);
    const std::size_t n = key.size();
    for (Member &m : m_members) {
        if (m.tag == tag && m.first.size() == n && sameBytes(m.first.data(), key.data(), n))
            return &m.second;
    }
    return nullptr;
}

EcsValue *EcsValue::find(std::string_view key)
{
    return findMember(key);
}

const EcsValue *EcsValue::find(std::string_view key) const
{
    return const_cast<EcsValue *>(this)->find(key);
}

EcsValue *EcsValue::find(Path path)
{
    EcsValue *v = this;
    for (std::string_view seg : path) {
        v = v->findMember(seg);
        if (!v)
            return nullptr;
    }
    return v;
}

const EcsValue *EcsValue::find(Path path) const
{
    return const_cast<EcsValue *>(this)->find(path);
}

EcsValue &EcsValue::set(std::string_view key, EcsValue value)
{
    if (m_type != Type::Object)
        *this = object();
    if (EcsValue *existing = findMember(key)) {
        *existing = std::move(value);
        return *existing;
    }
    return append(key, std::move(value));
}

EcsValue &EcsValue::append(std::string_view key, EcsValue value)
{
    // Most objects get a handful of members: skip the small growth steps.
    if (m_members.m_capacity == 0)
        m_members.grow(8);
    return m_members.emplace_back(key, std::move(value)).second;
}

EcsValue *EcsValue::ensureObject(Path path)
{
    EcsValue *v = this;
    for (std::string_view seg : path) {
        if (!v->isObject())
            return nullptr;
        EcsValue *next = v->find(seg);
        if (!next)
            next = &v->append(seg, object());
        v = next;
    }
    return v->isObject() ? v : nullptr;
}

bool EcsValue::setPath(Path path, EcsValue value)
{
    EcsValue *v = this;
    const std::string_view *last = path.end() - 1;
    for (const std::string_view *seg = path.begin(); seg != last; ++seg) {
        EcsValue *next = v->findMember(*seg);
        if (!next)
            next = &v->append(*seg, object());
        else if (!next->isObject())
            return false;
        v = next;
    }
    if (!v->isObject())
        return false;
    v->set(*last, std::move(value));
    return true;
}

bool EcsValue::take(std::string_view key, EcsValue *out)
{
    if (m_type != Type::Object)
        return false;
    const std::uint64_t tag = Member::keyTag(key);
    const std::size_t n = key.size();
    for (std::size_t i = 0; i < m_members.size(); ++i) {
        const std::string_view k = m_members[i].first;
        if (m_members[i].tag == tag && k.size() == n && sameBytes(k.data(), key.data(), n)) {
            *out = std::move(m_members[i].second);
            m_members.erase(i);
            return true;
        }
    }
    return false;
}

bool EcsValue::remove(std::string_view key)
{
    EcsValue dropped;
    return take(key, &dropped);
}

bool EcsValue::removePath(Path path)
{
    EcsValue *v = this;
    const std::string_view *last = path.end() - 1;
    for (const std::string_view *seg = path.begin(); seg != last; ++seg) {
        v = v->find(*seg);
        if (!v)
            return false;
    }
    return v->remove(*last);
}

namespace {

void writeValue(JsonWriter &w, const EcsValue &v)
{
    switch (v.type()) {
    case EcsValue::Type::Null: w.put("null"); break;
    case EcsValue::Type::Bool: w.put(v.toBool() ? std::string_view("true") : std::string_view("false")); break;
    case EcsValue::Type::Int: w.integer(v.toInt()); break;
    case EcsValue::Type::UInt: w.integer(v.toUInt()); break;
    case EcsValue::Type::Double: w.number(v.toDouble()); break;
    case EcsValue::Type::String: w.string(v.string()); break;
    case EcsValue::Type::Array: {
        w.put('[');
        bool first = true;
        for (const EcsValue &item : v.items()) {
            if (!first)
                w.put(',');
            first = false;
            writeValue(w, item);
        }
        w.put(']');
        break;
    }
    case EcsValue::Type::Object: {
        w.put('{');
        bool first = true;
        for (const EcsValue::Member &m : v.members()) {
            if (!first)
                w.put(',');
            first = false;
            w.string(m.first);
            w.put(':');
            writeValue(w, m.second);
        }
        w.put('}');
        break;
    }
    }
}

} // namespace

void EcsValue::writeJson(std::string &out) const
{
    // Through the thread's buffer, as toJson: writing into out itself would first grow it by the writer's
    // 4 KB step (zero-filled), for what is mostly a number's few bytes (scalarText).
    thread_local std::string buffer(4 << 10, '\0');
    JsonWriter w(buffer, 0);
    writeValue(w, *this);
    out.append(buffer.data(), w.position());
}

QByteArray EcsValue::toJson() const
{
    // The thread's buffer keeps its size (its room) from line to line: nothing is cleared or zeroed.
    thread_local std::string buffer(16 << 10, '\0');
    JsonWriter w(buffer, 0);
    writeValue(w, *this);
    return QByteArray(buffer.data(), qsizetype(w.position()));
}

} // namespace fe
