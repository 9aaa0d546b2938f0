// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArray>
#include <QString>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <new>
#include <string>
#include <string_view>
#include <utility>

namespace fe {

// The first and the last sizeof(Word) bytes of two n-byte keys (n >= sizeof(Word)) are equal: the two words overlap
// when n < 2 * sizeof(Word).
template <typename Word>
bool sameEndWords(const char *a, const char *b, std::size_t n)
{
    Word x, y, u, v;
    std::memcpy(&x, a, sizeof(Word));
    std::memcpy(&y, b, sizeof(Word));
    std::memcpy(&u, a + n - sizeof(Word), sizeof(Word));
    std::memcpy(&v, b + n - sizeof(Word), sizeof(Word));
    return x == y && u == v;
}

// Equal-length keys: equal bytes? Two overlapping word compares cover the usual 4–16 byte keys without
// a call. (The mapper's key lookups and EcsValue's member lookups both ask here.)
inline bool sameBytes(const char *a, const char *b, std::size_t n)
{
    if (n >= 8)
        return sameEndWords<std::uint64_t>(a, b, n) && (n <= 16 || std::memcmp(a + 8, b + 8, n - 16) == 0);
    if (n >= 4)
        return sameEndWords<std::uint32_t>(a, b, n);
    for (std::size_t i = 0; i < n; ++i) {
        if (a[i] != b[i])
            return false;
    }
    return true;
}

class JsonWriter;

// A small JSON tree for the ECS mapper: objects keep insertion order (so documents read like the
// integration's), keys are UTF-8, numbers keep their JSON kind (signed, unsigned, double).
// Objects are lists of members with linear lookup: Falco alerts have tens of keys per object, where a
// scan beats hashing. Paths are given as segment lists, never split on dots, because the integration's
// documents hold literal dotted keys ("falco.container.mounts", "proc.aname[2]").
//
// Memory: every node, list and copied string lives in a per-thread arena that an EcsValue::Scope releases
// at once (one line of the mapper), so building and dropping a tree costs no malloc/free per node. A tree
// must not outlive the Scope it was built in. Strings are views:
// * string values passed to the constructors are copied into the arena, except through view(), whose
//   text must outlive the Scope (literals, the parsed input held by the caller);
// * keys are never copied: they must be literals, keys of parsed input held by the caller, or text
//   returned by EcsValue::intern().
// Copies are deep (a copied object never shares members with its source); moves are shallow.
class EcsValue
{
public:
    enum class Type : std::uint8_t { Null, Bool, Int, UInt, Double, String, Array, Object };
    struct Member;
    using Path = std::initializer_list<std::string_view>;

    // A growable array in the arena, for trivially relocatable T (EcsValue, Member): growing moves the
    // bytes, and the old block is simply left to the arena.
    template<typename T>
    class List
    {
    public:
        T *begin() { return m_data; }
        T *end() { return m_data + m_size; }
        const T *begin() const { return m_data; }
        const T *end() const { return m_data + m_size; }
        std::size_t size() const { return m_size; }
        bool empty() const { return m_size == 0; }
        T &operator[](std::size_t i) { return m_data[i]; }
        const T &operator[](std::size_t i) const { return m_data[i]; }
        T &front() { return m_data[0]; }
        const T &front() const { return m_data[0]; }
        T &back() { return m_data[m_size - 1]; }
        const T &back() const { return m_data[m_size - 1]; }

        void reserve(std::size_t n)
        {
            if (n > m_capacity)
                grow(n);
        }
        template<typename... Args>
        T &emplace_back(Args &&...args)
        {
            if (m_size == m_capacity)
                grow(m_capacity ? std::size_t(m_capacity) * 2 : 4);
            T *slot = new (m_data + m_size) T(std::forward<Args>(args)...);
            ++m_size;
            return *slot;
        }
        void push_back(const T &v) { emplace_back(v); }
        void push_back(T &&v) { emplace_back(std::move(v)); }
        // Shrinks only (the dropped elements own nothing outside the arena).
        void truncate(std::size_t n)
        {
            if (n < m_size)
                m_size = std::uint32_t(n);
        }
        void erase(std::size_t index)
        {
            std::memmove(static_cast<void *>(m_data + index), static_cast<const void *>(m_data + index + 1),
                         (m_size - index - 1) * sizeof(T));
            --m_size;
        }

        static List none()
        {
            List l;
            l.m_data = nullptr;
            l.m_size = 0;
            l.m_capacity = 0;
            return l;
        }

    private:
        friend class EcsValue;
        void grow(std::size_t n)
        {
            T *data = static_cast<T *>(EcsValue::arenaAllocate(n * sizeof(T), alignof(T)));
            if (m_size)
                std::memcpy(static_cast<void *>(data), static_cast<const void *>(m_data), m_size * sizeof(T));
            m_data = data;
            m_capacity = std::uint32_t(n);
        }

        // No constructor: the list lives in EcsValue's union; EcsValue zero-initialises it.
        T *m_data;
        std::uint32_t m_size;
        std::uint32_t m_capacity;
    };

    // Releases the calling thread's arena when it ends: every tree built inside is gone. Nests (only the
    // outermost Scope releases).
    class Scope
    {
    public:
        Scope();
        ~Scope();
        Scope(const Scope &) = delete;
        Scope &operator=(const Scope &) = delete;
    };

    EcsValue() : m_type(Type::Null), m_bool(false), m_string{nullptr, 0} {}
    explicit EcsValue(bool b) : m_type(Type::Bool), m_bool(b), m_string{nullptr, 0} {}
    explicit EcsValue(std::int64_t i) : m_type(Type::Int), m_bool(false), m_int(i) {}
    explicit EcsValue(std::uint64_t u) : m_type(Type::UInt), m_bool(false), m_uint(u) {}
    explicit EcsValue(double d) : m_type(Type::Double), m_bool(false), m_double(d) {}
    explicit EcsValue(std::string_view s) : EcsValue(view(intern(s))) {}
    explicit EcsValue(const std::string &s) : EcsValue(std::string_view(s)) {}
    explicit EcsValue(const char *s) : EcsValue(std::string_view(s)) {}
    explicit EcsValue(const QString &s);

    EcsValue(const EcsValue &other)
    {
        // Scalars and strings (views) are their bytes: only arrays and objects need the out-of-line deep copy.
        if (other.m_type < Type::Array)
            std::memcpy(static_cast<void *>(this), &other, sizeof(EcsValue));
        else
            copyFrom(other);
    }
    EcsValue &operator=(const EcsValue &other)
    {
        if (this != &other) {
            EcsValue copy(other);   // other may live inside this
            *this = std::move(copy);
        }
        return *this;
    }
    EcsValue(EcsValue &&other) noexcept { std::memcpy(static_cast<void *>(this), &other, sizeof(EcsValue)); }
    EcsValue &operator=(EcsValue &&other) noexcept
    {
        std::memmove(static_cast<void *>(this), &other, sizeof(EcsValue));
        return *this;
    }
    ~EcsValue() = default;

    // A string value that does not copy s: s must outlive the Scope.
    static EcsValue view(std::string_view s)
    {
        EcsValue v;
        v.m_type = Type::String;
        v.m_string.data = s.data();
        v.m_string.size = s.size();
        return v;
    }
    // A copy of s in the arena (for keys built at run time).
    static std::string_view intern(std::string_view s);

    static EcsValue object()
    {
        EcsValue v;
        v.m_type = Type::Object;
        v.m_members = List<Member>::none();
        return v;
    }
    static EcsValue array()
    {
        EcsValue v;
        v.m_type = Type::Array;
        v.m_items = List<EcsValue>::none();
        return v;
    }

    Type type() const { return m_type; }
    bool isNull() const { return m_type == Type::Null; }
    bool isBool() const { return m_type == Type::Bool; }
    bool isString() const { return m_type == Type::String; }
    bool isNumber() const { return m_type == Type::Int || m_type == Type::UInt || m_type == Type::Double; }
    bool isInteger() const { return m_type == Type::Int || m_type == Type::UInt; }
    bool isArray() const { return m_type == Type::Array; }
    bool isObject() const { return m_type == Type::Object; }
    // Null or "" : what the integration's copy steps skip (ignore_empty_value).
    bool isEmptyValue() const { return m_type == Type::Null || (m_type == Type::String && m_string.size == 0); }

    bool toBool() const { return m_bool; }
    std::int64_t toInt() const { return m_int; }
    std::uint64_t toUInt() const { return m_uint; }
    double toDouble() const { return m_double; }
    // The text of a String value (empty for other types).
    std::string_view string() const
    {
        return m_type == Type::String ? std::string_view(m_string.data, m_string.size) : std::string_view();
    }
    QString toQString() const { return QString::fromUtf8(m_string.data, qsizetype(m_string.size)); }
    // Scalars as text the way Painless/Java would print them (numbers, booleans, strings as is).
    std::string scalarText() const;

    // Valid for Array / Object values only.
    List<EcsValue> &items() { return m_items; }
    const List<EcsValue> &items() const { return m_items; }
    List<Member> &members() { return m_members; }
    const List<Member> &members() const { return m_members; }

    // Object access. find() returns nullptr when absent or when this is not an object.
    EcsValue *find(std::string_view key);
    const EcsValue *find(std::string_view key) const;
    EcsValue *find(Path path);
    const EcsValue *find(Path path) const;
    // Sets key (replacing an existing one, keeping its position); this must be an object.
    EcsValue &set(std::string_view key, EcsValue value);
    // Appends without looking for an existing key (caller knows it is new).
    EcsValue &append(std::string_view key, EcsValue value);
    // append() with the key's Member::keyTag computed by the caller.
    inline EcsValue &append(std::string_view key, std::uint64_t tag, EcsValue value);
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
    void writeJson(JsonWriter &writer) const;
    QByteArray toJson() const;

private:
    static void *arenaAllocate(std::size_t bytes, std::size_t align);
    EcsValue *findMember(std::string_view key);
    void copyFrom(const EcsValue &other);

    struct StringRep
    {
        const char *data;
        std::size_t size;
    };

    Type m_type;
    bool m_bool;
    union {
        std::int64_t m_int;
        std::uint64_t m_uint;
        double m_double;
        StringRep m_string;
        List<EcsValue> m_items;
        List<Member> m_members;
    };
};

struct EcsValue::Member
{
    Member(std::string_view key, EcsValue &&value) : first(key), tag(keyTag(key)), second(std::move(value)) {}
    Member(std::string_view key, std::uint64_t keyTag, EcsValue &&value)
        : first(key), tag(keyTag), second(std::move(value))
    {
    }
    Member(const Member &) = default;
    Member(Member &&) = default;
    Member &operator=(const Member &) = default;
    Member &operator=(Member &&) = default;

    // Length and first and last four bytes of a key, in one word: lookups compare it before the key (equal
    // keys have equal tags; different keys nearly never do), without reading the key's bytes.
    static std::uint64_t keyTag(std::string_view key)
    {
        const std::size_t n = key.size();
        std::uint32_t head = 0;
        std::uint32_t tail = 0;
        if (n >= 4) {
            std::memcpy(&head, key.data(), 4);
            std::memcpy(&tail, key.data() + n - 4, 4);
        } else {
            for (std::size_t i = 0; i < n; ++i)
                head |= std::uint32_t(static_cast<unsigned char>(key[i])) << (8 * i);
        }
        return ((std::uint64_t(head) << 32) | tail) + std::uint64_t(n);
    }

    std::string_view first;   // the key (see the class comment for its lifetime)
    std::uint64_t tag;        // keyTag(first)
    EcsValue second;
};

inline EcsValue &EcsValue::append(std::string_view key, std::uint64_t tag, EcsValue value)
{
    if (m_members.m_capacity == 0)
        m_members.grow(8);
    return m_members.emplace_back(key, tag, std::move(value)).second;
}

// Appends s as a JSON string literal (quotes included), escaping '"', '\\' and control characters.
void appendJsonString(std::string &out, std::string_view s);

} // namespace fe
