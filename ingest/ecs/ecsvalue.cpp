// SPDX-License-Identifier: Apache-2.0
#include "ingest/ecs/ecsvalue.h"

#include "ingest/ecs/jsonwriter.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <vector>


namespace fe {

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

void EcsValue::writeJson(JsonWriter &writer) const
{
    writeValue(writer, *this);
}

void EcsValue::writeJson(std::string &out) const
{
    // Through the thread's buffer, as toJson: writing into out itself would first grow it by the writer's
    // 4 KB step (zero-filled), for what is mostly a number's few bytes (scalarText).
    thread_local std::string buffer(4 << 10, '\0');
    JsonWriter w(buffer, 0);
    writeValue(w, *this);
    out.append(buffer.data(), w.position());
    JsonWriter::trimBuffer(buffer, 4 << 10);
}

QByteArray EcsValue::toJson() const
{
    // The thread's buffer keeps its size (its room) from line to line: nothing is cleared or zeroed.
    thread_local std::string buffer(16 << 10, '\0');
    JsonWriter w(buffer, 0);
    writeValue(w, *this);
    QByteArray json(buffer.data(), qsizetype(w.position()));
    JsonWriter::trimBuffer(buffer, 16 << 10);
    return json;
}

} // namespace fe
