// SPDX-License-Identifier: Apache-2.0
#include "ingest/syslog/cefdecoder.h"

#include <nlohmann/json.hpp>

#include <array>
#include <charconv>
#include <string>
#include <string_view>

namespace fe {

namespace {

using std::string_view;

constexpr string_view s_cefPrefix = "CEF:";

// Falco field classes (falco --list): a token "<class>.<name>:" starts a new output field.
constexpr std::array<string_view, 24> s_fieldClasses = {
    "evt", "proc", "thread", "user", "group", "container", "fd", "fs", "syslog", "k8s", "ka", "k8smeta",
    "jevt", "mesos", "span", "ct", "gcp", "okta", "github", "json", "aws", "s3", "falco", "cloudtrail",
};

string_view view(QByteArrayView bytes)
{
    return string_view(bytes.data(), static_cast<size_t>(bytes.size()));
}

string_view trimmed(string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
        s.remove_suffix(1);
    return s;
}

bool isKeyChar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.'
        || c == '[' || c == ']' || c == '-' || c == '/';
}

// Length of "class.name" when token starts with a Falco field name followed by ':', else 0.
size_t fieldKeyLength(string_view token)
{
    const size_t dot = token.find('.');
    if (dot == string_view::npos || dot == 0)
        return 0;
    bool known = false;
    for (string_view c : s_fieldClasses)
        known = known || token.substr(0, dot) == c;
    if (!known)
        return 0;
    for (size_t i = dot + 1; i < token.size(); ++i) {
        if (token[i] == ':')
            return i > dot + 1 ? i : 0;
        if (!isKeyChar(token[i]))
            return 0;
    }
    return 0;
}

// Go's %v of a value decoded from JSON: float64 (1.723038556479964e+18), bool, <nil>, string.
nlohmann::json goValue(string_view text)
{
    if (text == "<nil>")
        return nullptr;
    if (text == "true")
        return true;
    if (text == "false")
        return false;
    if (!text.empty() && (text[0] == '-' || (text[0] >= '0' && text[0] <= '9'))) {
        long long integer = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), integer);
        if (ec == std::errc() && end == text.data() + text.size())
            return integer;
        double real = 0;
        auto [end2, ec2] = std::from_chars(text.data(), text.data() + text.size(), real);
        if (ec2 == std::errc() && end2 == text.data() + text.size()) {
            // Go wrote a float64 for every JSON number: give back an integer when it is one.
            if (real >= -9.2e18 && real <= 9.2e18 && real == static_cast<double>(static_cast<long long>(real)))
                return static_cast<long long>(real);
            return real;
        }
    }
    return std::string(text);
}

const char *priorityForCefSeverity(string_view sev, int fallbackSeverity)
{
    static constexpr std::array<std::pair<string_view, const char *>, 8> map = {{
        {"0", "Debug"}, {"3", "Informational"}, {"4", "Notice"}, {"6", "Warning"},
        {"7", "Error"}, {"8", "Critical"}, {"9", "Alert"}, {"10", "Emergency"},
    }};
    for (const auto &[code, name] : map) {
        if (code == sev)
            return name;
    }
    static constexpr std::array<const char *, 8> bySyslog = {
        "Emergency", "Alert", "Critical", "Error", "Warning", "Notice", "Informational", "Debug",
    };
    if (fallbackSeverity >= 0 && fallbackSeverity < 8)
        return bySyslog[static_cast<size_t>(fallbackSeverity)];
    return nullptr;
}

// Splits "k1:v1 k2:v 2 tags=a,b" (the tail after "outputfields=") into output fields and tags.
void parseOutputFields(string_view rest, nlohmann::json &fields, nlohmann::json &tags)
{
    // Tags come last and never contain a space: "...  tags=a,b" or, with no fields, "tags=a,b".
    string_view tagText;
    if (rest.substr(0, 5) == "tags=") {
        tagText = rest.substr(5);
        rest = {};
    } else if (const size_t pos = rest.rfind(" tags="); pos != string_view::npos
               && rest.find(' ', pos + 1) == string_view::npos) {
        tagText = rest.substr(pos + 6);
        rest = rest.substr(0, pos);
    }
    tagText = trimmed(tagText);
    while (!tagText.empty()) {
        const size_t comma = tagText.find(',');
        const string_view tag = tagText.substr(0, comma);
        if (!tag.empty())
            tags.push_back(std::string(tag));
        if (comma == string_view::npos)
            break;
        tagText.remove_prefix(comma + 1);
    }

    std::string key;
    std::string value;
    bool haveKey = false;
    auto flush = [&] {
        if (haveKey)
            fields[key] = goValue(value);
        haveKey = false;
    };
    size_t i = 0;
    while (i <= rest.size()) {
        size_t space = rest.find(' ', i);
        if (space == string_view::npos)
            space = rest.size();
        const string_view token = rest.substr(i, space - i);
        const size_t keyLength = fieldKeyLength(token);
        if (keyLength > 0) {
            flush();
            key = std::string(token.substr(0, keyLength));
            value = std::string(token.substr(keyLength + 1));
            haveKey = true;
        } else if (haveKey) {
            value += ' ';
            value += token;
        }
        i = space + 1;
    }
    flush();
}

} // namespace

bool isCef(QByteArrayView payload)
{
    return view(payload).substr(0, s_cefPrefix.size()) == s_cefPrefix;
}

QByteArray falcoJsonFromCef(QByteArrayView payload, int fallbackSeverity, QString *error)
{
    auto fail = [error](const QString &why) {
        if (error)
            *error = why;
        return QByteArray();
    };
    string_view s = trimmed(view(payload));
    if (s.substr(0, s_cefPrefix.size()) != s_cefPrefix)
        return fail(QStringLiteral("not a CEF record"));

    // Version|Vendor|Product|DeviceVersion|SignatureID: five fixed fields without '|' of their own.
    size_t pos = 0;
    std::array<string_view, 5> head;
    for (string_view &field : head) {
        const size_t bar = s.find('|', pos);
        if (bar == string_view::npos)
            return fail(QStringLiteral("CEF header has fewer than 8 fields"));
        field = s.substr(pos, bar - pos);
        pos = bar + 1;
    }
    // Name (the rule, which may itself contain '|') | Severity | Extension: the extension starts at "|uuid=".
    const size_t extBar = s.find("|uuid=", pos);
    if (extBar == string_view::npos)
        return fail(QStringLiteral("CEF extension has no uuid= (not Falcosidekick's CEF format)"));
    const size_t sevBar = s.rfind('|', extBar - 1);
    if (sevBar == string_view::npos || sevBar < pos)
        return fail(QStringLiteral("CEF header has no name or no severity field"));
    const string_view rule = s.substr(pos, sevBar - pos);
    const string_view sev = s.substr(sevBar + 1, extBar - sevBar - 1);
    const string_view ext = s.substr(extBar + 1);

    const size_t startKey = ext.find(" start=");
    const size_t msgKey = startKey == string_view::npos ? startKey : ext.find(" msg=", startKey);
    if (msgKey == string_view::npos)
        return fail(QStringLiteral("CEF extension lacks start= or msg="));

    // "... source=S[ hostname=H] outputfields=": msg is free text, so take the first " outputfields=" that
    // the fixed keys precede (source and hostname never contain spaces).
    size_t fieldsKey = msgKey;
    size_t sourceKey = string_view::npos;
    size_t hostKey = string_view::npos;
    while (true) {
        fieldsKey = ext.find(" outputfields=", fieldsKey + 1);
        if (fieldsKey == string_view::npos)
            return fail(QStringLiteral("CEF extension lacks source= ... outputfields="));
        const size_t lastSpace = ext.rfind(' ', fieldsKey - 1);
        if (lastSpace == string_view::npos || lastSpace <= msgKey)
            continue;
        const string_view last = ext.substr(lastSpace + 1, fieldsKey - lastSpace - 1);
        if (last.substr(0, 9) == "hostname=") {
            hostKey = lastSpace;
            const size_t before = ext.rfind(' ', lastSpace - 1);
            if (before != string_view::npos && before > msgKey && ext.substr(before + 1, 7) == "source=") {
                sourceKey = before;
                break;
            }
        } else if (last.substr(0, 7) == "source=") {
            sourceKey = lastSpace;
            hostKey = string_view::npos;
            break;
        }
    }

    nlohmann::json alert = nlohmann::json::object();
    alert["uuid"] = std::string(ext.substr(5, startKey - 5));
    alert["output"] = std::string(ext.substr(msgKey + 5, sourceKey - msgKey - 5));
    if (const char *priority = priorityForCefSeverity(sev, fallbackSeverity))
        alert["priority"] = priority;
    alert["rule"] = std::string(rule);
    alert["time"] = std::string(ext.substr(startKey + 7, msgKey - startKey - 7));
    const size_t sourceEnd = hostKey != string_view::npos ? hostKey : fieldsKey;
    alert["source"] = std::string(ext.substr(sourceKey + 8, sourceEnd - sourceKey - 8));
    if (hostKey != string_view::npos)
        alert["hostname"] = std::string(ext.substr(hostKey + 10, fieldsKey - hostKey - 10));
    nlohmann::json fields = nlohmann::json::object();
    nlohmann::json tags = nlohmann::json::array();
    parseOutputFields(ext.substr(fieldsKey + 14), fields, tags);
    alert["output_fields"] = std::move(fields);
    if (!tags.empty())
        alert["tags"] = std::move(tags);
    const std::string text = alert.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return QByteArray(text.data(), static_cast<qsizetype>(text.size()));
}

} // namespace fe
