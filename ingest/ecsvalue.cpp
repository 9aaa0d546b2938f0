// SPDX-License-Identifier: Apache-2.0
#include "ingest/ecsvalue.h"

#include <array>
#include <charconv>
#include <cstring>
#include <cmath>

namespace fe {

namespace {

void appendDouble(std::string &out, double d)
{
    if (!std::isfinite(d)) {
        out += "null";   // JSON has no NaN/Infinity; simdjson never produces them
        return;
    }
    char buf[32];
    const auto res = std::to_chars(buf, buf + sizeof buf, d);
    const std::string_view text(buf, size_t(res.ptr - buf));
    out += text;
    // Keep the value a JSON float when it reads like an integer ("1" → "1.0").
    if (text.find_first_of(".eE") == std::string_view::npos)
        out += ".0";
}

template<typename T>
void appendInteger(std::string &out, T v)
{
    char buf[24];
    const auto res = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, size_t(res.ptr - buf));
}

} // namespace

namespace {

// Bytes that JSON strings must escape: '"', '\\' and the control characters.
constexpr std::array<bool, 256> kNeedsEscape = [] {
    std::array<bool, 256> table{};
    for (int c = 0; c < 0x20; ++c)
        table[size_t(c)] = true;
    table['"'] = true;
    table['\\'] = true;
    return table;
}();

} // namespace

void appendJsonString(std::string &out, std::string_view s)
{
    static constexpr char hex[] = "0123456789abcdef";
    size_t clean = 0;
    while (clean < s.size() && !kNeedsEscape[static_cast<unsigned char>(s[clean])])
        ++clean;
    if (clean == s.size()) {
        // The common case: one resize and one copy.
        const size_t at = out.size();
        out.resize(at + s.size() + 2);
        char *p = out.data() + at;
        *p = '"';
        std::memcpy(p + 1, s.data(), s.size());
        p[s.size() + 1] = '"';
        return;
    }
    out += '"';
    size_t start = 0;
    for (size_t i = clean; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (!kNeedsEscape[c])
            continue;
        out.append(s.data() + start, i - start);
        start = i + 1;
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default:
            out += "\\u00";
            out += hex[c >> 4];
            out += hex[c & 0xF];
        }
    }
    out.append(s.data() + start, s.size() - start);
    out += '"';
}

std::string EcsValue::scalarText() const
{
    std::string out;
    switch (m_type) {
    case Type::Null: return std::string("null");
    case Type::Bool: return std::string(m_bool ? "true" : "false");
    case Type::Int: appendInteger(out, m_int); return out;
    case Type::UInt: appendInteger(out, m_uint); return out;
    case Type::Double: appendDouble(out, m_double); return out;
    case Type::String: return m_string;
    case Type::Array:
    case Type::Object: writeJson(out); return out;
    }
    return out;
}

EcsValue *EcsValue::find(std::string_view key)
{
    if (m_type != Type::Object)
        return nullptr;
    for (Member &m : m_members) {
        if (m.first == key)
            return &m.second;
    }
    return nullptr;
}

const EcsValue *EcsValue::find(std::string_view key) const
{
    return const_cast<EcsValue *>(this)->find(key);
}

EcsValue *EcsValue::find(Path path)
{
    EcsValue *v = this;
    for (std::string_view seg : path) {
        v = v->find(seg);
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
    if (EcsValue *existing = find(key)) {
        *existing = std::move(value);
        return *existing;
    }
    return append(key, std::move(value));
}

EcsValue &EcsValue::append(std::string_view key, EcsValue value)
{
    // Most objects get a handful of members: skip the 1 → 2 → 4 growth steps.
    if (m_members.capacity() == 0)
        m_members.reserve(8);
    m_members.emplace_back(std::string(key), std::move(value));
    return m_members.back().second;
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
        EcsValue *next = v->find(*seg);
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
    for (auto it = m_members.begin(); it != m_members.end(); ++it) {
        if (it->first == key) {
            *out = std::move(it->second);
            m_members.erase(it);
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

void EcsValue::writeJson(std::string &out) const
{
    switch (m_type) {
    case Type::Null: out += "null"; break;
    case Type::Bool: out += m_bool ? "true" : "false"; break;
    case Type::Int: appendInteger(out, m_int); break;
    case Type::UInt: appendInteger(out, m_uint); break;
    case Type::Double: appendDouble(out, m_double); break;
    case Type::String: appendJsonString(out, m_string); break;
    case Type::Array: {
        out += '[';
        bool first = true;
        for (const EcsValue &item : m_items) {
            if (!first)
                out += ',';
            first = false;
            item.writeJson(out);
        }
        out += ']';
        break;
    }
    case Type::Object: {
        out += '{';
        bool first = true;
        for (const Member &m : m_members) {
            if (!first)
                out += ',';
            first = false;
            appendJsonString(out, m.first);
            out.push_back(':');
            m.second.writeJson(out);
        }
        out += '}';
        break;
    }
    }
}

QByteArray EcsValue::toJson() const
{
    thread_local std::string out;
    out.clear();
    out.reserve(8192);
    writeJson(out);
    return QByteArray(out.data(), qsizetype(out.size()));
}

} // namespace fe
