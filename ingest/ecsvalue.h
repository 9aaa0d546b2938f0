// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArray>
#include <QString>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fe {

// A small JSON tree for the ECS mapper: objects keep insertion order (so documents read like the
// integration's), keys are UTF-8 std::strings, numbers keep their JSON kind (signed, unsigned, double).
// Objects are vectors of members with linear lookup: Falco alerts have tens of keys per object, where a
// scan beats hashing. Paths are given as segment lists, never split on dots, because the integration's
// documents hold literal dotted keys ("falco.container.mounts", "proc.aname[2]").
class EcsValue
{
public:
    enum class Type : std::uint8_t { Null, Bool, Int, UInt, Double, String, Array, Object };
    using Member = std::pair<std::string, EcsValue>;
    using Path = std::initializer_list<std::string_view>;

    EcsValue() = default;
    explicit EcsValue(bool b) : m_type(Type::Bool), m_bool(b) {}
    explicit EcsValue(std::int64_t i) : m_type(Type::Int), m_int(i) {}
    explicit EcsValue(std::uint64_t u) : m_type(Type::UInt), m_uint(u) {}
    explicit EcsValue(double d) : m_type(Type::Double), m_double(d) {}
    explicit EcsValue(std::string s) : m_type(Type::String), m_string(std::move(s)) {}
    explicit EcsValue(std::string_view s) : m_type(Type::String), m_string(s) {}
    explicit EcsValue(const QString &s) : m_type(Type::String), m_string(s.toStdString()) {}

    static EcsValue object() { return EcsValue(Type::Object); }
    static EcsValue array() { return EcsValue(Type::Array); }

    Type type() const { return m_type; }
    bool isNull() const { return m_type == Type::Null; }
    bool isBool() const { return m_type == Type::Bool; }
    bool isString() const { return m_type == Type::String; }
    bool isNumber() const { return m_type == Type::Int || m_type == Type::UInt || m_type == Type::Double; }
    bool isInteger() const { return m_type == Type::Int || m_type == Type::UInt; }
    bool isArray() const { return m_type == Type::Array; }
    bool isObject() const { return m_type == Type::Object; }
    // Null or "" : what the integration's copy steps skip (ignore_empty_value).
    bool isEmptyValue() const { return m_type == Type::Null || (m_type == Type::String && m_string.empty()); }

    bool toBool() const { return m_bool; }
    std::int64_t toInt() const { return m_int; }
    std::uint64_t toUInt() const { return m_uint; }
    double toDouble() const { return m_double; }
    const std::string &string() const { return m_string; }
    std::string &string() { return m_string; }
    QString toQString() const { return QString::fromUtf8(m_string.data(), qsizetype(m_string.size())); }
    // Scalars as text the way Painless/Java would print them (numbers, booleans, strings as is).
    std::string scalarText() const;

    std::vector<EcsValue> &items() { return m_items; }
    const std::vector<EcsValue> &items() const { return m_items; }
    std::vector<Member> &members() { return m_members; }
    const std::vector<Member> &members() const { return m_members; }

    // Object access. find() returns nullptr when absent or when this is not an object.
    EcsValue *find(std::string_view key);
    const EcsValue *find(std::string_view key) const;
    EcsValue *find(Path path);
    const EcsValue *find(Path path) const;
    // Sets key (replacing an existing one, keeping its position); this must be an object.
    EcsValue &set(std::string_view key, EcsValue value);
    // Appends without looking for an existing key (caller knows it is new).
    EcsValue &append(std::string_view key, EcsValue value);
    // Creates intermediate objects; returns nullptr when a segment exists and is not an object.
    EcsValue *ensureObject(Path path);
    // Sets the value at path, creating intermediate objects; false when an intermediate is not an object.
    bool setPath(Path path, EcsValue value);
    // Removes and returns the member; Null value and false when absent.
    bool take(std::string_view key, EcsValue *out);
    bool remove(std::string_view key);
    bool removePath(Path path);

    // Compact UTF-8 JSON.
    void writeJson(std::string &out) const;
    QByteArray toJson() const;

private:
    explicit EcsValue(Type t) : m_type(t) {}

    Type m_type = Type::Null;
    union {
        bool m_bool;
        std::int64_t m_int = 0;
        std::uint64_t m_uint;
        double m_double;
    };
    std::string m_string;
    std::vector<EcsValue> m_items;
    std::vector<Member> m_members;
};

// Appends s as a JSON string literal (quotes included), escaping '"', '\\' and control characters.
void appendJsonString(std::string &out, std::string_view s);

} // namespace fe
