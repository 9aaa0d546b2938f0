// SPDX-License-Identifier: Apache-2.0
#include "ingest/ecs/mapsteps.h"

#include "ingest/syslog/syslogmessage.h"

#include <QDateTime>
#include <QHostAddress>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <unordered_map>

namespace fe::ecs {

using namespace std::string_view_literals;

bool toLong(const EcsValue &v, std::int64_t *out)
{
    switch (v.type()) {
    case EcsValue::Type::Int:
        *out = v.toInt();
        return true;
    case EcsValue::Type::UInt:
        *out = std::int64_t(v.toUInt());
        return true;
    case EcsValue::Type::Double: {
        // Compared as a double first: NaN and values past int64 must never reach the cast (Elasticsearch's
        // convert fails on them too).
        const double d = v.toDouble();
        if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0))
            return false;
        *out = std::int64_t(d);
        return true;
    }
    default:
        break;
    }
    if (!v.isString())
        return false;
    const std::string_view s = v.string();
    const auto res = std::from_chars(s.data(), s.data() + s.size(), *out);
    return !s.empty() && res.ec == std::errc() && res.ptr == s.data() + s.size();
}

std::string_view trimmed(std::string_view s)
{
    while (!s.empty() && isSpace(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && isSpace(s.back()))
        s.remove_suffix(1);
    return s;
}



// "2024-05-07T18:54:19.341Z": the integration's @timestamp form (ms precision, UTC), as a string value in the
// arena. Hand-written: this runs twice per alert and QDateTime::toString costs more than the rest of the
// timestamp step.
EcsValue isoMs(qint64 ms)
{
    qint64 days = ms >= 0 ? ms / 86400000 : (ms - 86399999) / 86400000;
    qint64 rem = ms - days * 86400000;
    // civil_from_days (Howard Hinnant).
    days += 719468;
    const qint64 era = (days >= 0 ? days : days - 146096) / 146097;
    const qint64 doe = days - era * 146097;
    const qint64 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    qint64 y = yoe + era * 400;
    const qint64 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const qint64 mp = (5 * doy + 2) / 153;
    const qint64 d = doy - (153 * mp + 2) / 5 + 1;
    const qint64 m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2 ? 1 : 0;
    if (y < 0 || y > 9999)
        return EcsValue(QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs));
    const int h = int(rem / 3600000);
    rem %= 3600000;
    const int mi = int(rem / 60000);
    rem %= 60000;
    const int sec = int(rem / 1000);
    const int milli = int(rem % 1000);
    char buf[32];
    auto put = [&buf](int pos, qint64 value, int width) {
        for (int i = width - 1; i >= 0; --i) {
            buf[pos + i] = char('0' + value % 10);
            value /= 10;
        }
    };
    put(0, y, 4);
    buf[4] = '-';
    put(5, m, 2);
    buf[7] = '-';
    put(8, d, 2);
    buf[10] = 'T';
    put(11, h, 2);
    buf[13] = ':';
    put(14, mi, 2);
    buf[16] = ':';
    put(17, sec, 2);
    buf[19] = '.';
    put(20, milli, 3);
    buf[23] = 'Z';
    return EcsValue(std::string_view(buf, 24));
}

// EcsValue(v.scalarText()) without the copy when v is a string already (strings are views that live as long
// as the tree).
EcsValue scalarTextValue(const EcsValue &v)
{
    return v.isString() ? EcsValue::view(v.string()) : EcsValue(v.scalarText());
}

// A string value for header bytes of the line (which outlives the tree): a view when it is ASCII, else the
// text as QString::fromUtf8 reads it (invalid UTF-8 becomes U+FFFD), as the header's QStrings had it.
EcsValue headerText(QByteArrayView bytes)
{
    for (const char c : bytes) {
        if (static_cast<unsigned char>(c) >= 0x80)
            return EcsValue(QString::fromUtf8(bytes));
    }
    return EcsValue::view(std::string_view(bytes.data(), size_t(bytes.size())));
}

EcsValue inputText(std::string_view bytes)
{
    if (simdjson::validate_utf8(bytes.data(), bytes.size()))
        return EcsValue::view(bytes);
    return EcsValue(QString::fromUtf8(bytes.data(), qsizetype(bytes.size())));
}

EcsValue repeatedText(const QString &text, Utf8Cache &cache)
{
    if (text != cache.text || cache.utf8.isNull()) {
        cache.text = text;
        cache.utf8 = text.toUtf8();
    }
    // Kept until the next line that asks for another text: it outlives this line's tree.
    return EcsValue::view(std::string_view(cache.utf8.constData(), size_t(cache.utf8.size())));
}

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

EcsValue convert(simdjson::dom::element e)
{
    using simdjson::dom::element_type;
    switch (e.type()) {
    case element_type::ARRAY: {
        EcsValue arr = EcsValue::array();
        simdjson::dom::array a = e.get_array().value_unsafe();
        arr.items().reserve(a.size());
        for (simdjson::dom::element child : a)
            arr.items().push_back(convert(child));
        return arr;
    }
    case element_type::OBJECT: {
        EcsValue obj = EcsValue::object();
        simdjson::dom::object o = e.get_object().value_unsafe();
        obj.members().reserve(o.size());
        if (o.size() > 64) {
            // Past a few dozen keys the filter below fills up and each key would scan the members: a large
            // object (hostile input, up to kMaxObjectMembers) keeps its keys' positions in a hash table instead.
            std::unordered_map<std::string_view, std::size_t> index;
            index.reserve(o.size());
            for (simdjson::dom::key_value_pair field : o) {
                const auto [it, added] = index.emplace(field.key, obj.members().size());
                if (added)
                    obj.members().emplace_back(field.key, convert(field.value));
                else
                    obj.members()[it->second].second = convert(field.value);
            }
            return obj;
        }
        // Duplicate keys are rare: a 256-bit filter of the keys seen so far skips the member scan for a key
        // that is certainly new (nearly all of them).
        std::uint64_t seen[4] = {};
        for (simdjson::dom::key_value_pair field : o) {
            const unsigned h = unsigned((EcsValue::Member::keyTag(field.key) * 0x9E3779B97F4A7C15ULL) >> 56);
            const std::uint64_t bit = std::uint64_t(1) << (h & 63);
            if (seen[h >> 6] & bit) {
                if (EcsValue *existing = obj.find(field.key)) {
                    *existing = convert(field.value);
                    continue;
                }
            }
            seen[h >> 6] |= bit;
            obj.members().emplace_back(field.key, convert(field.value));
        }
        return obj;
    }
    case element_type::INT64: return EcsValue(e.get_int64().value_unsafe());
    case element_type::UINT64: return EcsValue(e.get_uint64().value_unsafe());
    case element_type::DOUBLE: return EcsValue(e.get_double().value_unsafe());
    case element_type::STRING: return EcsValue::view(e.get_string().value_unsafe());
    case element_type::BOOL: return EcsValue(e.get_bool().value_unsafe());
    case element_type::NULL_VALUE: return EcsValue();
    }
    return EcsValue();
}

std::string lower(std::string_view s)
{
    std::string out(s);
    for (char &c : out) {
        if (c >= 'A' && c <= 'Z')
            c = char(c - 'A' + 'a');
    }
    return out;
}

constexpr std::string_view kEcsCategories[] = {
    "api", "authentication", "configuration", "database", "driver", "email", "file", "host", "iam",
    "intrusion_detection", "library", "malware", "network", "package", "process", "registry", "session",
    "threat", "vulnerability", "web"};

bool isEcsCategory(std::string_view lowered)
{
    return contains(kEcsCategories, lowered);
}

std::string_view categoryFor(std::string_view c)
{
    if (c == "time" || c == "scheduler")
        return "configuration";
    if (c == "system" || c == "memory" || c == "sleep" || c == "wait" || c == "internal")
        return "host";
    if (c == "ipc" || c == "net" || c == "signal")
        return "network";
    if (c == "user")
        return "session";
    return "process";
}

constexpr std::string_view kEcsTypes[] = {"access", "admin", "allowed", "change", "connection",
                                                        "creation", "deletion", "denied", "end", "error",
                                                        "group", "indicator", "info", "installation",
                                                        "protocol", "start", "user"};

constexpr std::string_view kTypeAccess[] = {
    "faccessat", "faccessat2", "fsopen", "name_to_handle_at", "nfsservctl", "open", "open_by_handle_at",
    "open_tree", "openat", "openat2", "pciconfig_read", "pidfd_open", "read", "readahead", "readdir",
    "readlink", "readlinkat", "readv", "s390_pci_mmio_read", "uselib", "vm86old", "vm86"};
constexpr std::string_view kTypeAdmin[] = {"bdflush", "membarrier", "ptrace", "reboot",
                                                        "restart_syscall"};
constexpr std::string_view kTypeAllowed[] = {"fallocate", "finit_module"};
constexpr std::string_view kTypeChange[] = {
    "llseek", "sysctl", "acct", "adjtimex", "alarm", "arch_prctl", "bind", "bpf", "brk", "capset", "chdir",
    "chmod", "chown", "chown32", "chroot", "clock_adjtime", "clock_nanosleep", "clock_settime", "close",
    "close_range", "epoll_ctl", "fchdir", "fchmod", "fchmodat", "fchown", "fchown32", "fchownat", "fcntl",
    "fcntl64", "flock", "free_hugepages", "fsetxattr", "fsconfig", "ftruncate", "ftruncate64", "futimesat",
    "io_setup", "io_uring_setup", "ioctl", "ioperm", "iopl", "ioprio_set", "keyctl", "landlock_restrict_self",
    "lchown", "lchown32", "madvise", "mbind", "memory_ordering", "migrate_pages", "mlock", "mlock2",
    "mlockall", "mmap", "mmap2", "modify_ldt", "move_mount", "move_pages", "mprotect", "mq_getsetattr",
    "mremap", "msgctl", "munlock", "munlockall", "munmap", "nanosleep", "nice", "old_adjtimex", "pause",
    "pciconfig_write", "personality", "perfctr", "perfmonctl", "pivot_root", "pkey_alloc", "pkey_free",
    "pkey_mprotect", "prctl", "prlimit64", "process_madvise", "process_vm_writev", "pwrite64", "pwritev",
    "pwritev2", "quotactl", "quotactl_fd", "rename", "renameat", "renameat2", "rseq", "rt_sigaction",
    "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn", "rtas", "s390_pci_mmio_write",
    "s390_guarded_storage", "sched_setaffinity", "sched_setattr", "sched_setparam", "sched_setscheduler",
    "seccomp", "semctl", "semop", "semtimedop", "set_mempolicy", "set_robust_list", "set_thread_area",
    "set_tid_address", "set_tls", "set_domainname", "set_fsgid", "setfsgid32", "setfsuid", "setfsuid32",
    "setgid", "setgid32", "sethae", "sethostimer", "setitimer", "setns", "setpgid", "setpgrp", "setpriority",
    "setregid", "setregid32", "setresgid", "setresgid32", "setresuid", "setresuid32", "setreuid",
    "setreuid32", "setrlimit", "setsid", "setsockopt", "settimeofday", "setuid", "setuid32", "setup",
    "setxattr", "shmat", "shmctl", "shmdt", "sigaction", "sigaltstack", "subpage_prot", "swapcontext",
    "switch_endian", "sys_debug_setcontext", "timer_settime", "timerfd_settime", "truncate", "truncate64",
    "umask", "utime", "utimesat", "utimes", "write", "writev", "xtensa"};
constexpr std::string_view kTypeConnection[] = {
    "accept", "accept4", "connect", "mq_timedreceive", "mq_timedsend", "msgrcv", "msgsnd",
    "pidfd_send_signal", "recv", "recvfrom", "recvmsg", "recvmmsg", "rt_sigqueueinfo", "rt_tgsigqueueinfo",
    "send", "sendfile", "sendfile64", "sendmmsg", "sendmsg", "sendto", "signal", "signalfd", "signalfd4",
    "socket", "socketcall", "socketpair", "syscall"};
constexpr std::string_view kTypeCreation[] = {
    "add_key", "clone", "clone2", "clone3", "copy_file_range", "creat", "create_module", "dup", "dup2", "dup3",
    "epoll_create", "epoll_create1", "eventfd", "eventfd2", "fdatasync", "fork", "fsmount", "fsync",
    "init_module", "inotify_add_watch", "inotify_init", "inotify_init1", "kexec_file_load", "kexec_load",
    "landlock_add_rule", "landlock_create_ruleset", "link", "linkat", "memfd_create", "memfd_secret", "mkdir",
    "mkdirat", "mknod", "mknodat", "mount", "mq_notify", "mq_open", "msync", "pidfd_getfd", "pipe", "pipe2",
    "remap_file_pages", "splice", "spu_create", "symlink", "symlinkat", "sync", "sync_file_range",
    "sync_file_range2", "syncfs", "tee", "timer_create", "timerfd_create", "vfork", "vmsplice"};
constexpr std::string_view kTypeDeletion[] = {
    "cacheflush", "delete_module", "fremovexattr", "inotify_rm_watch", "io_destroy", "lremovexattr",
    "mq_unlink", "oldumount", "removexattr", "riscv_flush_icache", "rmdir", "spill", "timer_delete", "umount",
    "unlink", "unlinkat", "unshare"};
constexpr std::string_view kTypeEnd[] = {"exit", "exit_group", "io_cancel", "kill", "shutdown",
                                                      "swapoff", "tgkill", "tkill", "vhangup"};
constexpr std::string_view kTypeGroup[] = {"fanotify_init", "fanotify_mark", "setgroups",
                                                        "setgroups32"};
constexpr std::string_view kTypeStart[] = {"execve", "execveat", "execv", "io_uring_enter",
                                                        "perf_event_open", "spu_run", "swapon"};
constexpr std::string_view kTypeUser[] = {"userfaultfd", "usr26", "usr32"};

bool isEcsType(std::string_view lowered)
{
    return contains(kEcsTypes, lowered);
}

std::string_view typeFor(std::string_view t)
{
    if (contains(kTypeAccess, t))
        return "access";
    if (contains(kTypeAdmin, t))
        return "admin";
    if (contains(kTypeAllowed, t))
        return "allowed";
    if (contains(kTypeChange, t))
        return "change";
    if (contains(kTypeConnection, t))
        return "connection";
    if (contains(kTypeCreation, t))
        return "creation";
    if (contains(kTypeDeletion, t))
        return "deletion";
    if (contains(kTypeEnd, t))
        return "end";
    if (contains(kTypeGroup, t))
        return "group";
    if (t == "utrap_install")
        return "installation";
    if (t == "ipc")
        return "protocol";
    if (contains(kTypeStart, t))
        return "start";
    if (contains(kTypeUser, t))
        return "user";
    return "info";
}

int severityFor(std::string_view lowered)
{
    if (lowered == "emergency" || lowered == "alert" || lowered == "critical")
        return 99;
    if (lowered == "error")
        return 73;
    if (lowered == "warning" || lowered == "notice")
        return 47;
    if (lowered == "informational" || lowered == "debug")
        return 21;
    return 0;
}

namespace {

// Regex T\d{4} (substring search, first match).
std::string_view findTechnique(std::string_view s)
{
    for (size_t i = 0; i + 5 <= s.size(); ++i) {
        if (s[i] == 'T' && isDigit(s[i + 1]) && isDigit(s[i + 2]) && isDigit(s[i + 3]) && isDigit(s[i + 4]))
            return s.substr(i, 5);
    }
    return {};
}

// Regex T\d{4}.\d{3}: '.' is any one character except a line terminator (a whole UTF-8 sequence).
std::string_view findSubtechnique(std::string_view s)
{
    for (size_t i = 0; i + 9 <= s.size(); ++i) {
        if (s[i] != 'T' || !isDigit(s[i + 1]) || !isDigit(s[i + 2]) || !isDigit(s[i + 3]) || !isDigit(s[i + 4]))
            continue;
        const auto c = static_cast<unsigned char>(s[i + 5]);
        size_t len = 1;
        if (c == '\n' || c == '\r')
            continue;
        if (c >= 0xF0)
            len = 4;
        else if (c >= 0xE0)
            len = 3;
        else if (c >= 0xC0)
            len = 2;
        const size_t d = i + 5 + len;
        if (d + 3 <= s.size() && isDigit(s[d]) && isDigit(s[d + 1]) && isDigit(s[d + 2]))
            return s.substr(i, d + 3 - i);
    }
    return {};
}

} // namespace

Techniques findTechniques(const EcsValue::List<EcsValue> &tags)
{
    Techniques found;
    for (const EcsValue &tag : tags) {
        if (!tag.isString())
            continue;
        if (found.technique.empty())
            found.technique = findTechnique(tag.string());
        if (found.subtechnique.empty())
            found.subtechnique = findSubtechnique(tag.string());
    }
    return found;
}

namespace {

bool isIpv4(std::string_view s)
{
    int parts = 0;
    size_t i = 0;
    while (true) {
        int value = 0;
        size_t digits = 0;
        while (i < s.size() && isDigit(s[i]) && digits < 4) {
            value = value * 10 + (s[i] - '0');
            ++i;
            ++digits;
        }
        if (digits == 0 || digits > 3 || value > 255)
            return false;
        ++parts;
        if (i == s.size())
            return parts == 4;
        if (s[i] != '.' || parts == 4)
            return false;
        ++i;
    }
}

} // namespace

bool isValidIp(const EcsValue &v)
{
    if (!v.isString())
        return false;
    const std::string_view s = v.string();
    if (s.find(':') == std::string::npos)
        return isIpv4(s);
    if (s.find('/') != std::string::npos || s.find(' ') != std::string::npos)
        return false;
    QHostAddress addr;
    return addr.setAddress(QString::fromLatin1(s.data(), qsizetype(s.size())))
        && addr.protocol() == QAbstractSocket::IPv6Protocol;
}

std::vector<std::string_view> javaSplit(std::string_view s, bool onWhitespaceRun, char sep)
{
    std::vector<std::string_view> parts;
    size_t start = 0;
    size_t i = 0;
    while (i < s.size()) {
        const bool hit = onWhitespaceRun ? isSpace(s[i]) : s[i] == sep;
        if (!hit) {
            ++i;
            continue;
        }
        parts.push_back(s.substr(start, i - start));
        ++i;
        if (onWhitespaceRun) {
            while (i < s.size() && isSpace(s[i]))
                ++i;
        }
        start = i;
        if (parts.size() + 1 == kMaxSplitParts)
            break;
    }
    parts.push_back(s.substr(start));
    while (!parts.empty() && parts.back().empty())
        parts.pop_back();
    return parts;
}

namespace {

TimeValue checked(qint64 ms, qint64 *out)
{
    if (!timeInRange(ms))
        return TimeValue::OutOfRange;
    *out = ms;
    return TimeValue::Valid;
}

} // namespace

TimeValue eventTimeMs(const EcsValue &v, qint64 *ms)
{
    switch (v.type()) {
    case EcsValue::Type::Int: {
        // Floor, not toward zero: -5 ns is before 1970 (out of range), not 1970-01-01T00:00:00.000Z.
        const std::int64_t ns = v.toInt();
        return checked(ns / 1000000 - (ns % 1000000 < 0 ? 1 : 0), ms);
    }
    case EcsValue::Type::UInt:
        return v.toUInt() / 1000000 > std::uint64_t(kMaxTimeMs) ? TimeValue::OutOfRange
                                                                : checked(qint64(v.toUInt() / 1000000), ms);
    case EcsValue::Type::Double: {
        // Compared as a double first: NaN and values past int64 must never reach the cast.
        const double value = std::floor(v.toDouble() / 1e6);
        if (!(value >= double(kMinTimeMs) && value <= double(kMaxTimeMs)))
            return TimeValue::OutOfRange;
        return checked(qint64(value), ms);
    }
    case EcsValue::Type::String: {
        const std::string_view s = v.string();
        if (!s.empty() && s.size() <= 19 && s.find_first_not_of("0123456789") == std::string::npos) {
            std::int64_t ns = 0;
            const auto res = std::from_chars(s.data(), s.data() + s.size(), ns);
            if (res.ec != std::errc())
                return TimeValue::OutOfRange;   // digits past int64 nanoseconds
            return checked(ns / 1000000, ms);
        }
        return rfc3339Ms(s, ms);
    }
    default: return TimeValue::Unparsable;
    }
}

TimeValue rfc3339Ms(std::string_view text, qint64 *ms)
{
    qint64 parsed = 0;
    if (!parseRfc3339(toView(text), &parsed))
        return TimeValue::Unparsable;
    return checked(parsed, ms);
}

QString ignoredTimesWarning(const QStringList &names)
{
    return QStringLiteral("time out of range (before 1970 or after 2262) ignored: ") + names.join(QStringLiteral(", "));
}

namespace {

// The first object of e (depth first) with more than kMaxObjectMembers members (path: its key path), or the value
// past the first kMaxJsonValues (values counts them).
bool findOversized(simdjson::dom::element e, std::string *path, std::size_t *members, std::size_t *values)
{
    if (++*values > kMaxJsonValues)
        return true;
    if (e.type() == simdjson::dom::element_type::ARRAY) {
        const simdjson::dom::array items = e.get_array().value_unsafe();
        for (simdjson::dom::element child : items) {
            if (findOversized(child, path, members, values))
                return true;
        }
        return false;
    }
    if (e.type() != simdjson::dom::element_type::OBJECT)
        return false;
    const simdjson::dom::object o = e.get_object().value_unsafe();
    // size() saturates at 0xFFFFFF: still past the limit.
    if (o.size() > kMaxObjectMembers) {
        *members = o.size();
        return true;
    }
    for (simdjson::dom::key_value_pair field : o) {
        if (findOversized(field.value, path, members, values)) {
            path->insert(0, path->empty() ? std::string(field.key) : std::string(field.key) + '.');
            return true;
        }
    }
    return false;
}

} // namespace

QString memberLimitError(simdjson::dom::element root, std::size_t payloadSize)
{
    // Each member takes at least five bytes ("":0,) and each value two (0,): smaller text is within both limits.
    if (payloadSize < std::min(kMaxObjectMembers * 5, kMaxJsonValues * 2))
        return QString();
    std::string path;
    std::size_t members = 0;
    std::size_t values = 0;
    if (!findOversized(root, &path, &members, &values))
        return QString();
    if (values > kMaxJsonValues)
        return QStringLiteral("JSON text has more than %1 values, more than an alert may have").arg(kMaxJsonValues);
    return QStringLiteral("JSON object %1 has %2%3 members, more than the %4 an object may have")
        .arg(path.empty() ? QStringLiteral("(the alert)") : toQString(path))
        .arg(members >= 0xFFFFFF ? QStringLiteral("at least ") : QString())
        .arg(members)
        .arg(kMaxObjectMembers);
}

EcsValue processArgs(const EcsValue *exepath, const EcsValue *args)
{
    if (!exepath || exepath->isNull() || !args || args->isNull())
        return EcsValue();
    EcsValue list = EcsValue::array();
    list.items().push_back(scalarTextValue(*exepath));
    const std::string argText = args->scalarText();
    for (std::string_view part : javaSplit(argText, false, ' '))
        list.items().emplace_back(part);
    return list;
}

EcsValue parseMounts(const EcsValue *text)
{
    if (!text || !text->isString() || text->string().empty())
        return EcsValue();
    static constexpr std::array<std::string_view, 5> names = {"source", "dest", "mode", "rdrw", "propagation"};
    EcsValue mounts = EcsValue::array();
    for (std::string_view entry : javaSplit(text->string(), false, ' ')) {
        const std::vector<std::string_view> parts = javaSplit(entry, false, ':');
        EcsValue mount = EcsValue::object();
        for (size_t i = 0; i < names.size(); ++i)
            mount.append(names[i], i < parts.size() ? EcsValue(parts[i]) : EcsValue());
        mounts.items().push_back(std::move(mount));
    }
    return mounts;
}

} // namespace fe::ecs
