// SPDX-License-Identifier: Apache-2.0
// The ECS mapper: one input line → one ECS document, following the current Elastic Falco integration
// (PIPELINE.md §3, §4, §8; step numbers below are §4.1's). The agent-side steps (syslog header, tags,
// log.* fields, event.original on TCP) come first, then the ingest pipeline on an ordered JSON tree.
//
// Deliberate differences from upstream, each one about input upstream turns into a pipeline_error or a
// wrong time:
// * @timestamp: when output_fields carries no event time (internal events, some plugins), the alert's own
//   `time` is used instead of the read time (upstream PR #20630 proposes the same).
// * Timestamp strings are read as any RFC 3339 / ISO 8601 form, not only "yyyy-MM-dd'T'HH:mm:ss.SSSZ";
//   digit-only strings are taken as nanoseconds like numbers.
// * Renames and dot-expansion leave object-valued fields alone (Falco 0.42's object proc.exe_ino etc.).
// * Non-string evt.category / evt.type / proc.env are treated as missing instead of failing.
// * A TCP line without a syslog header is mapped like a file line (upstream: pipeline_error).
// * --set extras (MapOptions::extraFields) are applied after the pipeline and stay strings ("42" is not
//   turned into a number): the user's text is kept as typed, and a field never changes type by value.
// * A document from Falcosidekick's Elasticsearch output (top-level "@timestamp" beside the alert keys) is
//   the "Sidekick-direct" shape; any other JSON object is a Falco alert read from `message`.
#include "ingest/ecsmapper.h"

#include "ingest/ecsvalue.h"
#include "ingest/sha256.h"
#include "ingest/syslogmessage.h"

#include <QDateTime>
#include <QHostAddress>

#include <nlohmann/json.hpp>
#include <simdjson.h>

#include <array>
#include <charconv>
#include <cmath>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace fe {

namespace {

using Path = EcsValue::Path;
using namespace std::string_view_literals;

constexpr std::string_view kTagPreserveOriginal = "preserve_original_event";
constexpr std::string_view kTagPreserveFalcoFields = "preserve_falco_fields";
constexpr std::string_view kMountsKey = "falco.container.mounts";
constexpr std::string_view kTechniqueKey = "threat.technique.id";
constexpr std::string_view kSubtechniqueKey = "threat.technique.subtechnique.id";

bool isSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

// s.find(c) for short text (keys): a plain loop, where string_view::find calls memchr.
inline std::size_t findChar(std::string_view s, char c)
{
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == c)
            return i;
    }
    return std::string_view::npos;
}

std::string_view trimmed(std::string_view s)
{
    while (!s.empty() && isSpace(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && isSpace(s.back()))
        s.remove_suffix(1);
    return s;
}

QByteArrayView toView(std::string_view s)
{
    return QByteArrayView(s.data(), qsizetype(s.size()));
}

QString toQString(std::string_view s)
{
    return QString::fromUtf8(s.data(), qsizetype(s.size()));
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

// EcsValue(text) for an option that repeats from line to line (the file path, the peer address): its UTF-8
// form is kept per thread and per option while the same text comes back.
struct Utf8Cache
{
    QString text;
    QByteArray utf8;
};

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

// ---------------------------------------------------------------------------------------------------
// Envelope: syslog header, CRI prefix, Docker json-file object around the alert JSON.

struct Envelope
{
    std::string_view payload;   // the alert JSON text (trimmed); points into the line or into storage
    std::string storage;        // decoded Docker "log" string
    SyslogMessage syslog;
    bool hasSyslog = false;
    qint64 wrapperTimeMs = 0;   // syslog header / CRI / Docker time
    bool hasWrapperTime = false;
};

simdjson::dom::parser &threadParser()
{
    thread_local simdjson::dom::parser parser;
    return parser;
}

// "invalid JSON at byte 123: ..." from nlohmann, which reports positions (simdjson's DOM does not).
// Only runs for lines simdjson already rejected.
QString jsonErrorText(std::string_view text, const char *fallback)
{
    try {
        const nlohmann::json parsed = nlohmann::json::parse(text.begin(), text.end());
        Q_UNUSED(parsed);
    } catch (const nlohmann::json::parse_error &e) {
        std::string what = e.what();
        const size_t colon = what.find(": ", what.find("parse error"));
        if (colon != std::string::npos)
            what = what.substr(colon + 2);
        return QStringLiteral("invalid JSON at byte %1: %2").arg(e.byte).arg(QString::fromStdString(what));
    } catch (const std::exception &e) {
        return QStringLiteral("invalid JSON: %1").arg(QString::fromUtf8(e.what()));
    }
    return QStringLiteral("invalid JSON: %1").arg(QString::fromUtf8(fallback));
}

// CRI log line: "<RFC3339 time> <stdout|stderr> <F|P> <message>".
bool unwrapCri(std::string_view line, Envelope *env)
{
    const size_t sp1 = line.find(' ');
    if (sp1 == std::string_view::npos || sp1 < 20)
        return false;
    qint64 ms = 0;
    if (!parseRfc3339(toView(line.substr(0, sp1)), &ms))
        return false;
    std::string_view rest = line.substr(sp1 + 1);
    if (rest.starts_with("stdout "))
        rest.remove_prefix(7);
    else if (rest.starts_with("stderr "))
        rest.remove_prefix(7);
    else
        return false;
    if (rest.size() < 2 || (rest[0] != 'F' && rest[0] != 'P') || rest[1] != ' ')
        return false;
    env->payload = trimmed(rest.substr(2));
    env->wrapperTimeMs = ms;
    env->hasWrapperTime = true;
    return true;
}

// Docker json-file: {"log":"{...}\n","stream":"stdout","time":"..."}.
MapResult::Status unwrapDocker(std::string_view line, Envelope *env, QString *error)
{
    simdjson::dom::element root;
    const auto err = threadParser().parse(line.data(), line.size()).get(root);
    if (err) {
        *error = jsonErrorText(line, simdjson::error_message(err));
        return MapResult::Status::Rejected;
    }
    std::string_view log;
    if (root["log"].get(log))
        return MapResult::Status::Skipped;
    std::string_view time;
    if (!root["time"].get(time)) {
        qint64 ms = 0;
        if (parseRfc3339(toView(time), &ms)) {
            env->wrapperTimeMs = ms;
            env->hasWrapperTime = true;
        }
    }
    env->storage.assign(log);
    env->payload = trimmed(env->storage);
    return MapResult::Status::Alert;
}

MapResult::Status unwrap(std::string_view line, const MapOptions &options, Envelope *env, QString *error)
{
    if (line.empty())
        return MapResult::Status::Skipped;
    if (line[0] == '<' && line.size() > 1 && isDigit(line[1])) {
        QString why;
        if (!parseSyslogHeader(toView(line), &env->syslog, &why, options.readTimeMs)) {
            *error = why;
            return MapResult::Status::Rejected;
        }
        env->hasSyslog = true;
        if (env->syslog.hasTimestamp) {
            env->wrapperTimeMs = env->syslog.timestampMs;
            env->hasWrapperTime = true;
        }
        env->payload = trimmed(line.substr(size_t(env->syslog.payloadOffset)));
        if (env->payload.empty() || env->payload[0] != '{') {
            *error = QStringLiteral("syslog message is not a JSON alert");
            return MapResult::Status::Rejected;
        }
        return MapResult::Status::Alert;
    }
    if (line.starts_with("{\"log\":"))
        return unwrapDocker(line, env, error);
    if (isDigit(line[0]) && unwrapCri(line, env))
        return env->payload.empty() ? MapResult::Status::Skipped : MapResult::Status::Alert;
    env->payload = line;
    // Falco's own text log ("Mon Jan  1 ...: Falco version ..."), text alerts, anything not a JSON object.
    return line[0] == '{' ? MapResult::Status::Alert : MapResult::Status::Skipped;
}

// ---------------------------------------------------------------------------------------------------
// simdjson DOM → EcsValue (duplicate keys: the last one wins, as in Elasticsearch). Keys and strings are
// views into the parser's document, which stays as it is until mapLine returns.

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

// ---------------------------------------------------------------------------------------------------
// Lookup tables (§4.3, §4.4).

template<size_t N>
bool contains(const std::string_view (&list)[N], std::string_view s)
{
    for (std::string_view x : list) {
        // First byte before the rest: string_view's == would call memcmp for every entry of s's length.
        if (x.size() == s.size() && !s.empty() && x[0] == s[0] && x == s)
            return true;
    }
    return false;
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

// What Elasticsearch's `convert` to type ip accepts: an IPv4 dotted quad or an IPv6 address.
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

// Java's String.split(regex): trailing empty strings removed.
std::vector<std::string_view> javaSplit(std::string_view s, bool onWhitespaceRun, char sep = ' ')
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
    }
    parts.push_back(s.substr(start));
    while (!parts.empty() && parts.back().empty())
        parts.pop_back();
    return parts;
}

// ---------------------------------------------------------------------------------------------------
// The pipeline proper.

class Pipeline
{
public:
    Pipeline(const MapOptions &options, const Envelope &env, std::string_view line)
        : m_options(options), m_env(env), m_line(line)
    {
    }

    MapResult run(EcsValue parsed);

private:
    // output_fields lives in the falco object's member buffer, which stays put while only the root and
    // output_fields itself change (steps 5–49); cleanUp() drops the cache before it edits `falco`.
    EcsValue *of()
    {
        if (!m_ofCached) {
            m_of = m_doc.find({"falco"sv, "output_fields"sv});
            m_ofCached = true;
        }
        return m_of;
    }
    EcsValue *ofFind(Path path)
    {
        EcsValue *o = of();
        return o ? o->find(path) : nullptr;
    }

    bool fail(std::string_view processor, const std::string &message);
    bool setField(Path path, EcsValue value);
    bool copyFromOf(Path from, Path to);
    // The member of the map last expanded into (keys come sorted, so neighbours share their first segment).
    // Valid while only expandInto adds to the map: nested additions do not move the map's own members.
    struct TopMember
    {
        std::string_view key;
        EcsValue *value = nullptr;
    };
    bool expandInto(EcsValue &map, std::string_view key, EcsValue value, TopMember *top = nullptr);
    template<typename Select>
    bool expandMembers(EcsValue &map, Select select);
    bool renameInOf(Path from, Path to);
    bool convertIp(Path from, std::string_view target);

    bool envelopeAndParse(EcsValue parsed);
    bool normaliseOutputFields();
    bool classify();
    bool timestamp();
    bool hostAndProcess();
    bool containerFileNetwork();
    void cleanUp();
    void finish();
    void fillAlert(Alert &alert);

    const MapOptions &m_options;
    const Envelope &m_env;
    std::string_view m_line;
    EcsValue m_doc = EcsValue::object();
    bool m_failed = false;
    std::string m_error;
    bool m_messageRemoved = false;
    bool m_preserveFalcoFields = false;
    qint64 m_timestampMs = 0;
    bool m_eventTime = false;
    EcsValue *m_of = nullptr;
    bool m_ofCached = false;
};

bool Pipeline::fail(std::string_view processor, const std::string &message)
{
    m_failed = true;
    m_error = "Processor \"" + std::string(processor) + "\" in pipeline \"logs-falco.alerts\" failed with message \""
        + message + "\"";
    return false;
}

bool Pipeline::setField(Path path, EcsValue value)
{
    if (m_doc.setPath(path, std::move(value)))
        return true;
    std::string p;
    for (std::string_view s : path) {
        if (!p.empty())
            p += '.';
        p += s;
    }
    return fail("set", "cannot set [" + p + "]: a parent field is not an object");
}

// "copy A→B": set with copy_from, skipping null and "" (ignore_empty_value).
bool Pipeline::copyFromOf(Path from, Path to)
{
    const EcsValue *v = ofFind(from);
    if (!v || v->isEmptyValue())
        return true;
    return setField(to, *v);
}

// Elasticsearch dot_expander: puts value (taken from the literal dotted key) at the nested path in map. An
// existing leaf becomes an array of both values; an intermediate that is not an object is an error.
bool Pipeline::expandInto(EcsValue &map, std::string_view key, EcsValue value, TopMember *top)
{
    EcsValue *parent = &map;
    std::string_view rest(key);
    if (top && top->value) {
        const size_t dot = findChar(rest, '.');
        if (dot != std::string_view::npos && rest.substr(0, dot) == top->key) {
            parent = top->value;
            rest = rest.substr(dot + 1);
        }
    }
    while (true) {
        const size_t dot = findChar(rest, '.');
        const std::string_view seg = rest.substr(0, dot);
        if (dot == std::string_view::npos) {
            EcsValue *leaf = parent->find(seg);
            if (!leaf) {
                if (top && parent == &map)
                    top->value = nullptr;   // the map's members may move
                parent->append(seg, std::move(value));
            } else if (leaf->isArray()) {
                leaf->items().push_back(std::move(value));
            } else {
                EcsValue arr = EcsValue::array();
                arr.items().push_back(std::move(*leaf));
                arr.items().push_back(std::move(value));
                *leaf = std::move(arr);
            }
            return true;
        }
        EcsValue *next = parent->find(seg);
        if (!next)
            next = &parent->append(seg, EcsValue::object());
        else if (!next->isObject())
            return fail("dot_expander", "cannot expand [" + std::string(key) + "]: [" + std::string(seg) + "] is not an object");
        if (top && parent == &map)
            *top = {seg, next};
        parent = next;
        rest = rest.substr(dot + 1);
    }
}

// Keys with empty segments ("a..b", ".a", "a.") are left as they are.
bool expandable(std::string_view key)
{
    if (key.empty() || key.front() == '.' || key.back() == '.')
        return false;
    bool dot = false;
    for (std::size_t i = 0; i < key.size(); ++i) {
        if (key[i] == '.') {
            if (key[i + 1] == '.')   // never past the end: the last byte is not a dot
                return false;
            dot = true;
        }
    }
    return dot;
}

// Expands, in one pass, every member of map whose key `select` picks: the others keep their order and the
// picked ones are expanded in their original order (what dot_expander does key by key, without the
// quadratic erase).
template<typename Select>
bool Pipeline::expandMembers(EcsValue &map, Select select)
{
    EcsValue::List<EcsValue::Member> &members = map.members();
    EcsValue::List<EcsValue::Member> picked = EcsValue::List<EcsValue::Member>::none();
    size_t keep = 0;
    for (size_t i = 0; i < members.size(); ++i) {
        if (select(members[i])) {
            picked.push_back(std::move(members[i]));
        } else {
            if (keep != i)
                members[keep] = std::move(members[i]);
            ++keep;
        }
    }
    if (picked.empty())
        return true;
    members.truncate(keep);
    TopMember top;
    for (EcsValue::Member &m : picked) {
        if (!expandInto(map, m.first, std::move(m.second), &top))
            return false;
    }
    return true;
}

// rename inside output_fields (ignore_missing; null counts as missing; objects are left alone).
bool Pipeline::renameInOf(Path from, Path to)
{
    EcsValue *o = of();
    EcsValue *src = o ? o->find(from) : nullptr;
    if (!src || src->isNull() || src->isObject())
        return true;
    if (o->find(to))
        return fail("rename", "field [" + std::string(*(to.end() - 1)) + "] already exists");
    EcsValue value = std::move(*src);
    EcsValue *parent = o;
    const std::string_view *last = from.end() - 1;
    for (const std::string_view *seg = from.begin(); seg != last; ++seg)
        parent = parent->find(*seg);
    parent->remove(*last);
    if (!o->setPath(to, std::move(value)))
        return fail("rename", "cannot set target [" + std::string(*(to.end() - 1)) + "]");
    return true;
}

// convert to ip (ignore_failure), then <target>.address := <target>.ip.
bool Pipeline::convertIp(Path from, std::string_view target)
{
    const EcsValue *v = ofFind(from);
    if (!v || !isValidIp(*v))
        return true;
    return setField({target, "ip"sv}, *v) && setField({target, "address"sv}, *v);
}

// A: event.kind, event.original, parsing into `falco`, the Sidekick-direct shape.
bool Pipeline::envelopeAndParse(EcsValue parsed)
{
    // Step 1.
    if (!setField({"event"sv, "kind"sv}, EcsValue("alert"sv)))
        return false;
    // Steps 3–4.
    const bool sidekickDirect = parsed.find("@timestamp") != nullptr && parsed.find("output_fields") != nullptr;
    if (!sidekickDirect) {
        m_doc.set("falco", std::move(parsed));
    } else {
        static constexpr std::string_view moved[] = {
            "uuid", "output", "priority", "rule", "time", "output_fields", "source", "tags", "hostname"};
        EcsValue falco = EcsValue::object();
        for (EcsValue::Member &m : parsed.members()) {
            if (contains(moved, m.first)) {
                falco.append(m.first, std::move(m.second));
            } else if (m.first == "@timestamp") {
                qint64 ms = 0;
                if (m.second.isString() && parseRfc3339(toView(m.second.string()), &ms))
                    m_timestampMs = ms;
            } else {
                m_doc.set(m.first, std::move(m.second));
            }
        }
        // Step 4, 1.1.1+: event.original is the JSON of the falco object.
        if (m_options.preserveOriginal && !m_doc.find({"event"sv, "original"sv})) {
            std::string json;
            falco.writeJson(json);
            if (!setField({"event"sv, "original"sv}, EcsValue(std::move(json))))
                return false;
        }
        m_doc.set("falco", std::move(falco));
    }
    return true;
}

// B: steps 5–7.
bool Pipeline::normaliseOutputFields()
{
    EcsValue *o = of();
    if (!o || !o->isObject())
        return true;
    static constexpr std::string_view expandFirst[] = {
        "container.image", "fd.cip", "fd.sip", "fd.lip", "fd.rip", "proc.ppid", "proc.pid", "proc.sid",
        "proc.vpgid", "evt.time", "syslog.facility", "syslog.severity"};
    if (!expandMembers(*o, [](const EcsValue::Member &m) {
            return !m.second.isObject() && findChar(m.first, '.') != std::string_view::npos
                && contains(expandFirst, m.first);
        }))
        return false;
    // Step 6.
    if (!renameInOf({"container"sv, "image"sv}, {"container"sv, "image"sv, "name"sv})
        || !renameInOf({"fd"sv, "cip"sv}, {"client"sv, "ip"sv}) || !renameInOf({"fd"sv, "sip"sv}, {"server"sv, "ip"sv})
        || !renameInOf({"fd"sv, "lip"sv}, {"source"sv, "ip"sv})
        || !renameInOf({"fd"sv, "rip"sv}, {"destination"sv, "ip"sv})
        || !renameInOf({"proc"sv, "ppid"sv}, {"process"sv, "parent"sv, "pid"sv})
        || !renameInOf({"proc"sv, "pid"sv}, {"process"sv, "pid"sv})
        || !renameInOf({"proc"sv, "sid"sv}, {"process"sv, "session_leader"sv, "pid"sv})
        || !renameInOf({"proc"sv, "vpgid"sv}, {"process"sv, "group_leader"sv, "vpid"sv})
        || !renameInOf({"syslog"sv, "facility"sv}, {"syslog_facility"sv})
        || !renameInOf({"syslog"sv, "severity"sv}, {"syslog_severity"sv})
        || !renameInOf({"evt"sv, "time"sv}, {"event"sv, "time"sv}))
        return false;
    if (!ofFind({"event"sv, "time"sv}) && !renameInOf({"evt_time"sv}, {"event"sv, "time"sv}))
        return false;
    // Step 7: everything else.
    return expandMembers(*of(), [](const EcsValue::Member &m) { return expandable(m.first); });
}

// C: steps 8–16 and 18 (17 is timestamp()).
bool Pipeline::classify()
{
    // 8. event.category
    std::string_view category = "process";
    std::string categoryText;
    if (const EcsValue *c = ofFind({"evt"sv, "category"sv}); c && c->isString()) {
        if (contains(kEcsCategories, std::string_view(lower(c->string()))))
            categoryText = c->string();
        else
            categoryText = std::string(categoryFor(c->string()));
        category = categoryText;
    }
    EcsValue categories = EcsValue::array();
    categories.items().emplace_back(category);
    if (!setField({"event"sv, "category"sv}, std::move(categories)))
        return false;
    // 9. event.type
    std::string typeText = "info";
    if (const EcsValue *t = ofFind({"evt"sv, "type"sv}); t && t->isString()) {
        if (contains(kEcsTypes, std::string_view(lower(t->string()))))
            typeText = t->string();
        else
            typeText = std::string(typeFor(t->string()));
    }
    EcsValue types = EcsValue::array();
    types.items().emplace_back(typeText);
    if (!setField({"event"sv, "type"sv}, std::move(types)))
        return false;
    // 10. event.outcome
    if (const EcsValue *res = ofFind({"evt"sv, "res"sv}); res && !res->isNull()) {
        const EcsValue *failed = ofFind({"evt"sv, "failed"sv});
        if (res->isString() && res->string() == "SUCCESS") {
            if (!setField({"event"sv, "outcome"sv}, EcsValue("success"sv)))
                return false;
        } else if (failed && failed->isBool() && failed->toBool()) {
            if (!setField({"event"sv, "outcome"sv}, EcsValue("failure"sv)))
                return false;
        }
    }
    // 11. event.ingested
    const qint64 ingested = m_options.readTimeMs > 0 ? m_options.readTimeMs : nowMs();
    if (!setField({"event"sv, "ingested"sv}, isoMs(ingested)))
        return false;
    // 12–13. MITRE technique and sub-technique, each from its own first matching tag.
    if (const EcsValue *tags = m_doc.find({"falco"sv, "tags"sv}); tags && tags->isArray()) {
        std::string_view technique, subtechnique;
        for (const EcsValue &tag : tags->items()) {
            if (!tag.isString())
                continue;
            if (technique.empty())
                technique = findTechnique(tag.string());
            if (subtechnique.empty())
                subtechnique = findSubtechnique(tag.string());
        }
        if (!technique.empty()) {
            EcsValue ids = EcsValue::array();
            ids.items().emplace_back(technique);
            m_doc.set(kTechniqueKey, std::move(ids));
        }
        if (!subtechnique.empty()) {
            EcsValue ids = EcsValue::array();
            ids.items().emplace_back(subtechnique);
            m_doc.set(kSubtechniqueKey, std::move(ids));
        }
    }
    // 14. event.severity
    if (const EcsValue *p = m_doc.find({"falco"sv, "priority"sv}); p && !p->isNull()) {
        if (!p->isString())
            return fail("script", "cannot lower-case priority [" + p->scalarText() + "]: not a string");
        if (const int sev = severityFor(lower(p->string())); sev > 0) {
            if (!setField({"event"sv, "severity"sv}, EcsValue(std::int64_t(sev))))
                return false;
        }
    }
    // 15–16, 18.
    if (const EcsValue *rule = m_doc.find({"falco"sv, "rule"sv}); rule && !rule->isEmptyValue()) {
        if (!setField({"rule"sv, "name"sv}, *rule))
            return false;
    }
    if (!copyFromOf({"evt"sv, "num"sv}, {"event"sv, "sequence"sv}))
        return false;
    if (const EcsValue *src = m_doc.find({"falco"sv, "source"sv}); src && !src->isEmptyValue()) {
        if (!setField({"event"sv, "provider"sv}, *src))
            return false;
    }
    return true;
}

// Nanoseconds since the epoch (number, or digit-only string) or a date string → ms.
bool eventTimeMs(const EcsValue &v, qint64 *ms)
{
    switch (v.type()) {
    case EcsValue::Type::Int: *ms = v.toInt() / 1000000; return true;
    case EcsValue::Type::UInt: *ms = qint64(v.toUInt() / 1000000); return true;
    case EcsValue::Type::Double: *ms = qint64(std::floor(v.toDouble() / 1e6)); return true;
    case EcsValue::Type::String: {
        const std::string_view s = v.string();
        if (!s.empty() && s.size() <= 19 && s.find_first_not_of("0123456789") == std::string::npos) {
            std::int64_t ns = 0;
            std::from_chars(s.data(), s.data() + s.size(), ns);
            *ms = ns / 1000000;
            return true;
        }
        return parseRfc3339(toView(s), ms);
    }
    default: return false;
    }
}

// 17. @timestamp (§4.5), plus our fallback on falco.time.
bool Pipeline::timestamp()
{
    const EcsValue *evtTime = ofFind({"evt"sv, "time"sv});
    const EcsValue *source = nullptr;
    bool overwrite = false;
    if (evtTime && evtTime->isObject()) {
        if ((source = evtTime->find("iso8601")) && !source->isNull())
            overwrite = true;
        else if (!(source = evtTime->find("rawtime")) || source->isNull())
            source = nullptr;
    }
    if (!source) {
        source = ofFind({"event"sv, "time"sv});
        if (source && source->isNull())
            source = nullptr;
    }
    if (source) {
        qint64 ms = 0;
        if (!eventTimeMs(*source, &ms))
            return fail("script", "Text '" + source->scalarText() + "' could not be parsed as a date");
        m_timestampMs = ms;
        m_eventTime = true;
        if (overwrite) {
            EcsValue *iso = ofFind({"evt"sv, "time"sv, "iso8601"sv});
            *iso = iso->isString() ? isoMs(ms) : EcsValue(std::int64_t(ms));
        }
        return true;
    }
    // Our improvement: the alert's own RFC 3339 time instead of the read time.
    if (const EcsValue *t = m_doc.find({"falco"sv, "time"sv}); t && t->isString()) {
        qint64 ms = 0;
        if (parseRfc3339(toView(t->string()), &ms)) {
            m_timestampMs = ms;
            m_eventTime = true;
        }
    }
    return true;
}

// D: steps 19–38.
bool Pipeline::hostAndProcess()
{
    // 19: upstream copies falco.user.name → user.name, a path that never exists: nothing to do.
    if (const EcsValue *host = m_doc.find({"falco"sv, "hostname"sv}); host && !host->isNull()) {
        if (!host->isEmptyValue()) {
            if (!setField({"observer"sv, "hostname"sv}, *host) || !setField({"host"sv, "name"sv}, *host))
                return false;
        }
        EcsValue *related = m_doc.ensureObject({"related"sv});
        if (!related)
            return fail("append", "cannot append to [related.hosts]");
        EcsValue *hosts = related->find("hosts");
        if (!hosts)
            hosts = &related->append("hosts", EcsValue::array());
        if (!hosts->isArray()) {
            EcsValue arr = EcsValue::array();
            arr.items().push_back(std::move(*hosts));
            *hosts = std::move(arr);
        }
        bool seen = false;
        for (const EcsValue &h : hosts->items())
            seen = seen || (h.isString() && host->isString() && h.string() == host->string());
        if (!seen)
            hosts->items().push_back(*host);
    }
    if (!copyFromOf({"proc"sv, "exepath"sv}, {"process"sv, "executable"sv}))
        return false;
    // 24.
    if (const EcsValue *fdType = ofFind({"fd"sv, "type"sv});
        fdType && fdType->isString() && (fdType->string() == "file" || fdType->string() == "directory")) {
        const EcsValue *name = ofFind({"fd"sv, "name"sv});
        if (name && !name->isEmptyValue() && !setField({"file"sv, "path"sv}, scalarTextValue(*name)))
            return false;
        if (!setField({"file"sv, "type"sv}, *fdType))
            return false;
    }
    if (!copyFromOf({"proc"sv, "pexepath"sv}, {"process"sv, "parent"sv, "executable"sv})
        || !copyFromOf({"proc"sv, "name"sv}, {"process"sv, "name"sv})
        || !copyFromOf({"proc"sv, "pname"sv}, {"process"sv, "parent"sv, "name"sv}))
        return false;
    // 26. process.args
    const EcsValue *exepath = ofFind({"proc"sv, "exepath"sv});
    const EcsValue *args = ofFind({"proc"sv, "args"sv});
    if (exepath && !exepath->isNull() && args && !args->isNull()) {
        EcsValue list = EcsValue::array();
        list.items().push_back(scalarTextValue(*exepath));
        const std::string argText = args->scalarText();
        for (std::string_view part : javaSplit(argText, false, ' '))
            list.items().emplace_back(part);
        if (!setField({"process"sv, "args"sv}, std::move(list)))
            return false;
    }
    if (!copyFromOf({"proc"sv, "cmdline"sv}, {"process"sv, "command_line"sv})
        || !copyFromOf({"proc"sv, "pcmdline"sv}, {"process"sv, "parent"sv, "command_line"sv})
        || !copyFromOf({"proc"sv, "cmdnargs"sv}, {"process"sv, "args_count"sv}))
        return false;
    // 28. process.env_vars
    if (const EcsValue *env = ofFind({"proc"sv, "env"sv}); env && env->isString()) {
        EcsValue list = EcsValue::array();
        for (std::string_view part : javaSplit(env->string(), true))
            list.items().emplace_back(part);
        if (!setField({"process"sv, "env_vars"sv}, std::move(list)))
            return false;
    }
    if (!copyFromOf({"proc"sv, "cwd"sv}, {"process"sv, "working_directory"sv})
        || !copyFromOf({"process"sv, "pid"sv}, {"process"sv, "pid"sv})
        || !copyFromOf({"process"sv, "parent"sv, "pid"sv}, {"process"sv, "parent"sv, "pid"sv})
        || !copyFromOf({"proc"sv, "vpid"sv}, {"process"sv, "vpid"sv})
        || !copyFromOf({"proc"sv, "pvpid"sv}, {"process"sv, "parent"sv, "vpid"sv})
        || !copyFromOf({"process"sv, "session_leader"sv, "pid"sv}, {"process"sv, "session_leader"sv, "pid"sv})
        || !copyFromOf({"proc"sv, "sname"sv}, {"process"sv, "session_leader"sv, "name"sv})
        || !copyFromOf({"proc"sv, "sid"sv, "exepath"sv}, {"process"sv, "session_leader"sv, "executable"sv})
        || !copyFromOf({"process"sv, "group_leader"sv, "vpid"sv}, {"process"sv, "group_leader"sv, "vpid"sv})
        || !copyFromOf({"proc"sv, "vpgid"sv, "name"sv}, {"process"sv, "group_leader"sv, "name"sv})
        || !copyFromOf({"proc"sv, "vpgid"sv, "exepath"sv}, {"process"sv, "group_leader"sv, "executable"sv}))
        return false;
    // 33. process.uptime := long(proc.duration)
    if (const EcsValue *d = ofFind({"proc"sv, "duration"sv}); d && !d->isNull()) {
        std::int64_t value = 0;
        bool ok = true;
        if (d->type() == EcsValue::Type::Int) {
            value = d->toInt();
        } else if (d->type() == EcsValue::Type::UInt) {
            value = std::int64_t(d->toUInt());
        } else if (d->type() == EcsValue::Type::Double) {
            value = std::int64_t(d->toDouble());
        } else if (d->isString()) {
            const std::string_view s = d->string();
            const auto res = std::from_chars(s.data(), s.data() + s.size(), value);
            ok = !s.empty() && res.ec == std::errc() && res.ptr == s.data() + s.size();
        } else {
            ok = false;
        }
        if (!ok)
            return fail("convert", "unable to convert [" + d->scalarText() + "] to long");
        if (!setField({"process"sv, "uptime"sv}, EcsValue(value)))
            return false;
    }
    if (!copyFromOf({"proc"sv, "ppid"sv, "duration"sv}, {"process"sv, "parent"sv, "uptime"sv})
        || !copyFromOf({"proc"sv, "pid"sv, "ts"sv}, {"process"sv, "start"sv})
        || !copyFromOf({"proc"sv, "ppid"sv, "ts"sv}, {"process"sv, "parent"sv, "start"sv})
        || !copyFromOf({"proc"sv, "is_sid_leader"sv}, {"process"sv, "session_leader"sv, "same_as_process"sv})
        || !copyFromOf({"proc"sv, "is_vpgid_leader"sv}, {"process"sv, "group_leader"sv, "same_as_process"sv})
        || !copyFromOf({"thread"sv, "cap_permitted"sv}, {"process"sv, "thread"sv, "capabilities"sv, "permitted"sv})
        || !copyFromOf({"thread"sv, "cap_effective"sv}, {"process"sv, "thread"sv, "capabilities"sv, "effective"sv})
        || !copyFromOf({"thread"sv, "tid"sv}, {"process"sv, "thread"sv, "id"sv}))
        return false;
    // 37. user.uid → string in place, then copies.
    if (EcsValue *uid = ofFind({"user"sv, "uid"sv}); uid && !uid->isNull() && !uid->isString()) {
        if (uid->isArray()) {
            for (EcsValue &item : uid->items()) {
                if (!item.isNull())
                    item = EcsValue(item.scalarText());
            }
        } else if (!uid->isObject()) {
            *uid = EcsValue(uid->scalarText());
        }
    }
    return copyFromOf({"user"sv, "uid"sv}, {"process"sv, "user"sv, "id"sv})
        && copyFromOf({"user"sv, "name"sv}, {"process"sv, "user"sv, "name"sv})
        && copyFromOf({"group"sv, "gid"sv}, {"process"sv, "group"sv, "id"sv})
        && copyFromOf({"group"sv, "name"sv}, {"process"sv, "group"sv, "name"sv});
}

// E: steps 39–49.
bool Pipeline::containerFileNetwork()
{
    if (!copyFromOf({"container"sv, "id"sv}, {"container"sv, "id"sv})
        || !copyFromOf({"container"sv, "name"sv}, {"container"sv, "name"sv})
        || !copyFromOf({"container"sv, "image"sv, "name"sv}, {"container"sv, "image"sv, "name"sv})
        || !copyFromOf({"container"sv, "type"sv}, {"container"sv, "runtime"sv})
        || !copyFromOf({"container"sv, "privileged"sv}, {"container"sv, "security_context"sv, "privileged"sv})
        || !copyFromOf({"container"sv, "image"sv, "digest"sv}, {"container"sv, "image"sv, "hash"sv, "all"sv}))
        return false;
    if (const EcsValue *ip = ofFind({"container"sv, "ip"sv}); ip && !ip->isEmptyValue()) {
        EcsValue list = EcsValue::array();
        list.items().push_back(scalarTextValue(*ip));
        if (!setField({"host"sv, "ip"sv}, std::move(list)))
            return false;
    }
    if (!copyFromOf({"fd"sv, "directory"sv}, {"file"sv, "directory"sv})
        || !copyFromOf({"fd"sv, "filename"sv}, {"file"sv, "name"sv})
        || !convertIp({"client"sv, "ip"sv}, "client") || !convertIp({"server"sv, "ip"sv}, "server")
        || !convertIp({"source"sv, "ip"sv}, "source") || !convertIp({"destination"sv, "ip"sv}, "destination")
        || !copyFromOf({"fd"sv, "cport"sv}, {"client"sv, "port"sv})
        || !copyFromOf({"fd"sv, "sport"sv}, {"server"sv, "port"sv})
        || !copyFromOf({"fd"sv, "lport"sv}, {"source"sv, "port"sv})
        || !copyFromOf({"fd"sv, "rport"sv}, {"destination"sv, "port"sv})
        || !copyFromOf({"fd"sv, "cip"sv, "name"sv}, {"client"sv, "domain"sv})
        || !copyFromOf({"fd"sv, "sip"sv, "name"sv}, {"server"sv, "domain"sv})
        || !copyFromOf({"fd"sv, "lip"sv, "name"sv}, {"source"sv, "domain"sv})
        || !copyFromOf({"fd"sv, "rip"sv, "name"sv}, {"destination"sv, "domain"sv})
        || !copyFromOf({"fd"sv, "ino"sv}, {"file"sv, "inode"sv})
        || !copyFromOf({"k8s"sv, "ns"sv, "name"sv}, {"orchestrator"sv, "namespace"sv})
        || !copyFromOf({"k8s"sv, "pod"sv, "name"sv}, {"orchestrator"sv, "resource"sv, "name"sv})
        || !copyFromOf({"k8s"sv, "pod"sv, "uid"sv}, {"orchestrator"sv, "resource"sv, "id"sv})
        || !copyFromOf({"k8s"sv, "pod"sv, "labels"sv}, {"orchestrator"sv, "resource"sv, "label"sv}))
        return false;
    if (const EcsValue *podIp = ofFind({"k8s"sv, "pod"sv, "ip"sv}); podIp && isValidIp(*podIp)) {
        if (!setField({"orchestrator"sv, "resource"sv, "ip"sv}, *podIp))
            return false;
    }
    if (const EcsValue *pod = ofFind({"k8s"sv, "pod"sv, "name"sv}); pod && !pod->isNull()) {
        if (!setField({"orchestrator"sv, "resource"sv, "type"sv}, EcsValue("pod"sv)))
            return false;
    }
    // 48.
    if (!setField({"observer"sv, "type"sv}, EcsValue("sensor"sv))
        || !setField({"observer"sv, "vendor"sv}, EcsValue("sysdig"sv))
        || !setField({"observer"sv, "product"sv}, EcsValue("falco"sv)))
        return false;
    // 49. falco.container.mounts: a top-level dotted key, null when there are none.
    EcsValue mounts;
    if (const EcsValue *m = ofFind({"container"sv, "mounts"sv}); m && m->isString() && !m->string().empty()) {
        static constexpr std::array<std::string_view, 5> names = {"source", "dest", "mode", "rdrw", "propagation"};
        mounts = EcsValue::array();
        for (std::string_view entry : javaSplit(m->string(), false, ' ')) {
            const std::vector<std::string_view> parts = javaSplit(entry, false, ':');
            EcsValue mount = EcsValue::object();
            for (size_t i = 0; i < names.size(); ++i)
                mount.append(names[i], i < parts.size() ? EcsValue(parts[i]) : EcsValue());
            mounts.items().push_back(std::move(mount));
        }
    }
    m_doc.set(kMountsKey, std::move(mounts));
    return true;
}

// F: steps 50–52.
void Pipeline::cleanUp()
{
    m_doc.remove("message");
    m_messageRemoved = true;
    if (EcsValue *o = of()) {
        o->removePath({"evt"sv, "arg"sv, "flags"sv});
        if (EcsValue *proc = o->find("proc")) {
            static constexpr std::array<std::string_view, 6> anames = {"aname[2]", "aname[3]", "aname[4]",
                                                                       "aname[5]", "aname[6]", "aname[7]"};
            for (std::string_view a : anames)
                proc->remove(a);
        }
    }
    if (!m_preserveFalcoFields) {
        if (EcsValue *o = of()) {
            static const std::vector<std::vector<std::string_view>> removals = {
                {"evt", "num"}, {"evt", "time"},
                {"proc", "exepath"}, {"proc", "pexepath"}, {"proc", "name"}, {"proc", "pname"},
                {"proc", "cmdline"}, {"proc", "pcmdline"}, {"proc", "cmdnargs"}, {"proc", "env"},
                {"proc", "cwd"}, {"proc", "vpid"}, {"proc", "pvpid"}, {"proc", "sname"}, {"proc", "duration"},
                {"proc", "is_sid_leader"}, {"proc", "is_vpgid_leader"}, {"proc", "sid", "exepath"},
                {"proc", "vpgid"}, {"proc", "ppid", "duration"}, {"proc", "pid", "ts"}, {"proc", "ppid", "ts"},
                {"thread", "cap_permitted"}, {"thread", "cap_effective"}, {"thread", "tid"},
                {"user", "uid"}, {"user", "name"}, {"group", "gid"}, {"group", "name"},
                {"container", "id"}, {"container", "name"}, {"container", "type"}, {"container", "privileged"},
                {"container", "ip"}, {"container", "image", "digest"},
                {"fd", "directory"}, {"fd", "filename"}, {"fd", "cport"}, {"fd", "sport"}, {"fd", "lport"},
                {"fd", "rport"}, {"fd", "ino"}, {"fd", "lip"}, {"fd", "cip", "name"}, {"fd", "sip", "name"},
                {"fd", "lip", "name"}, {"fd", "rip", "name"},
                {"k8s", "ns", "name"}, {"k8s", "pod", "name"}, {"k8s", "pod", "uid"}, {"k8s", "pod", "labels"},
                {"k8s", "pod", "ip"}};
            for (const std::vector<std::string_view> &path : removals) {
                EcsValue *parent = o;
                for (size_t i = 0; parent && i + 1 < path.size(); ++i)
                    parent = parent->find(path[i]);
                if (parent)
                    parent->remove(path.back());
            }
        }
    }
    if (!m_preserveFalcoFields) {
        m_ofCached = false;
        if (EcsValue *falco = m_doc.find("falco"))
            falco->remove("rule");
    }
    // 52.
    if (const EcsValue *rule = m_doc.find({"rule"sv, "name"sv}))
        m_doc.set("message", *rule);
}

// on_failure, @timestamp and the --set extras.
void Pipeline::finish()
{
    if (m_failed) {
        if (!m_messageRemoved && !m_doc.find("message"))
            m_doc.set("message", EcsValue::view(m_env.payload));
        EcsValue *event = m_doc.find("event");
        if (!event || !event->isObject())
            event = &m_doc.set("event", EcsValue::object());
        event->set("kind", EcsValue("pipeline_error"sv));
        if (!event->find("original"))
            event->set("original", EcsValue::view(m_env.payload));
        EcsValue *error = m_doc.find("error");
        if (!error || !error->isObject())
            error = &m_doc.set("error", EcsValue::object());
        EcsValue *messages = error->find("message");
        if (!messages || !messages->isArray())
            messages = &error->set("message", EcsValue::array());
        messages->items().emplace_back(m_error);
        EcsValue *tags = m_doc.find("tags");
        if (!tags || !tags->isArray())
            tags = &m_doc.set("tags", EcsValue::array());
        bool seen = false;
        for (const EcsValue &t : tags->items())
            seen = seen || (t.isString() && t.string() == kTagPreserveOriginal);
        if (!seen)
            tags->items().emplace_back(kTagPreserveOriginal);
    }
    m_doc.set("@timestamp", isoMs(m_timestampMs));
    for (const QPair<QString, QString> &extra : m_options.extraFields) {
        const QByteArray path = extra.first.toUtf8();
        EcsValue *parent = &m_doc;
        // Keys are not copied by the tree: the segments must live as long as it does.
        std::string_view rest = EcsValue::intern(std::string_view(path.constData(), size_t(path.size())));
        while (parent) {
            const size_t dot = rest.find('.');
            if (dot == std::string_view::npos) {
                parent->set(rest, EcsValue(extra.second));
                break;
            }
            EcsValue *next = parent->find(rest.substr(0, dot));
            if (!next || !next->isObject())
                next = &parent->set(rest.substr(0, dot), EcsValue::object());
            parent = next;
            rest = rest.substr(dot + 1);
        }
    }
}

// The alert's short text columns (rule, host, image, namespace, process, user, tags...) repeat from alert to
// alert: one shared QString per distinct value and thread, so an alert holds references instead of a dozen
// allocations that its creation and its destruction (on the mapper thread too) would each pay. A small
// direct-mapped table: a collision just replaces the slot; long or empty text is not kept.
class TextCache
{
public:
    TextCache() : m_slots(s_slots) {}

    QString text(std::string_view s)
    {
        if (s.empty() || s.size() > s_maxLength)
            return toQString(s);
        Slot &slot = m_slots[std::hash<std::string_view>{}(s) & (s_slots - 1)];
        if (slot.key != s) {
            slot.key.assign(s);
            slot.text = toQString(s);
        }
        return slot.text;
    }

private:
    static constexpr size_t s_slots = 1024;
    static constexpr size_t s_maxLength = 64;
    struct Slot
    {
        std::string key;
        QString text;
    };
    std::vector<Slot> m_slots;
};

TextCache &textCache()
{
    thread_local TextCache cache;
    return cache;
}

// shared: through textCache() (for values that repeat; not the uuid, which never does).
QString stringAt(const EcsValue &doc, Path path, bool shared = true)
{
    const EcsValue *v = doc.find(path);
    if (!v || v->isNull())
        return QString();
    if (!v->isString())
        return QString::fromStdString(v->scalarText());
    return shared ? textCache().text(v->string()) : v->toQString();
}

QString firstOf(const EcsValue &doc, std::string_view key)
{
    const EcsValue *v = doc.find(key);
    if (v && v->isArray() && !v->items().empty() && v->items().front().isString())
        return textCache().text(v->items().front().string());
    return QString();
}

// priorityFromString(falco.priority): a short ASCII string is widened on the stack instead of into a QString.
Priority priorityOf(const EcsValue &doc)
{
    const EcsValue *v = doc.find({"falco"sv, "priority"sv});
    if (v && v->isString() && v->string().size() <= 32) {
        const std::string_view text = v->string();
        char16_t wide[32];
        bool ascii = true;
        for (size_t i = 0; i < text.size(); ++i) {
            ascii = ascii && static_cast<unsigned char>(text[i]) < 0x80;
            wide[i] = char16_t(static_cast<unsigned char>(text[i]));
        }
        if (ascii)
            return priorityFromString(QStringView(wide, qsizetype(text.size())));
    }
    return priorityFromString(stringAt(doc, {"falco"sv, "priority"sv}, false));
}

void Pipeline::fillAlert(Alert &alert)
{
    alert.timestampMs = m_timestampMs;
    alert.timeIsReceipt = !m_eventTime;   // no time of its own: not part of its dedupe key (model/dedupekey.h)
    alert.priority = priorityOf(m_doc);
    if (const EcsValue *sev = m_doc.find({"event"sv, "severity"sv}); sev && sev->type() == EcsValue::Type::Int)
        alert.severity = int(sev->toInt());
    alert.rule = stringAt(m_doc, {"rule"sv, "name"sv});
    alert.hostname = stringAt(m_doc, {"host"sv, "name"sv});
    alert.source = stringAt(m_doc, {"event"sv, "provider"sv});
    alert.output = stringAt(m_doc, {"falco"sv, "output"sv}, false);
    alert.uuid = stringAt(m_doc, {"falco"sv, "uuid"sv}, false);
    alert.containerId = stringAt(m_doc, {"container"sv, "id"sv});
    alert.containerName = stringAt(m_doc, {"container"sv, "name"sv});
    alert.containerImage = stringAt(m_doc, {"container"sv, "image"sv, "name"sv});
    alert.podName = stringAt(m_doc, {"orchestrator"sv, "resource"sv, "name"sv});
    alert.namespaceName = stringAt(m_doc, {"orchestrator"sv, "namespace"sv});
    alert.processName = stringAt(m_doc, {"process"sv, "name"sv});
    alert.commandLine = stringAt(m_doc, {"process"sv, "command_line"sv}, false);
    alert.userName = stringAt(m_doc, {"process"sv, "user"sv, "name"sv});
    if (const EcsValue *tags = m_doc.find({"falco"sv, "tags"sv}); tags && tags->isArray()) {
        alert.tags.reserve(qsizetype(tags->items().size()));
        for (const EcsValue &t : tags->items()) {
            if (!t.isString())
                continue;
            alert.tags.append(textCache().text(t.string()));
            if (t.string().starts_with("mitre_") && t.string().size() > 6)
                alert.tactics.append(textCache().text(t.string().substr(6)));
        }
    }
    alert.technique = firstOf(m_doc, kTechniqueKey);
    alert.subtechnique = firstOf(m_doc, kSubtechniqueKey);
    if (!alert.uuid.isEmpty()) {
        alert.dedupeKey.reserve(2 + alert.uuid.size());
        alert.dedupeKey.append("u:").append(alert.uuid.toUtf8());
    } else {
        alert.dedupeKey.reserve(66);
        alert.dedupeKey.append("h:").append(
            sha256Hex(toView(m_env.payload)));
    }
    alert.ecsJson = m_doc.toJson();
}

MapResult Pipeline::run(EcsValue parsed)
{
    // Agent side: @timestamp first (so the document reads like the integration's), input, log.*, tags.
    m_timestampMs = m_env.hasWrapperTime ? m_env.wrapperTimeMs
                                         : (m_options.readTimeMs > 0 ? m_options.readTimeMs : nowMs());
    m_doc.append("@timestamp", EcsValue());
    const bool tcp = m_options.input == MapOptions::Input::Tcp;
    m_doc.append("input", EcsValue::object()).append("type", EcsValue(tcp ? "tcp"sv : "logfile"sv));
    EcsValue &log = m_doc.append("log", EcsValue::object());
    thread_local Utf8Cache pathCache;
    thread_local Utf8Cache addressCache;
    if (!m_options.logFilePath.isEmpty())
        log.append("file", EcsValue::object()).append("path", repeatedText(m_options.logFilePath, pathCache));
    if (m_options.logOffset >= 0)
        log.append("offset", EcsValue(std::int64_t(m_options.logOffset)));
    if (!m_options.sourceAddress.isEmpty()) {
        log.append("source", EcsValue::object())
            .append("address", repeatedText(m_options.sourceAddress, addressCache));
    }
    if (m_env.hasSyslog) {
        const SyslogMessage &s = m_env.syslog;
        auto ascii = [](QByteArrayView name) { return EcsValue::view(std::string_view(name.data(), size_t(name.size()))); };
        EcsValue &sys = log.append("syslog", EcsValue::object());
        sys.append("priority", EcsValue(std::int64_t(s.priority)));
        EcsValue &fac = sys.append("facility", EcsValue::object());
        fac.append("code", EcsValue(std::int64_t(s.facility)));
        fac.append("name", ascii(syslogFacilityNameBytes(s.facility)));
        EcsValue &sev = sys.append("severity", EcsValue::object());
        sev.append("code", EcsValue(std::int64_t(s.severity)));
        sev.append("name", ascii(syslogSeverityNameBytes(s.severity)));
        if (!s.hostnameBytes.isEmpty())
            sys.append("hostname", headerText(s.hostnameBytes));
        if (!s.appnameBytes.isEmpty())
            sys.append("appname", headerText(s.appnameBytes));
        if (!s.procidBytes.isEmpty())
            sys.append("procid", headerText(s.procidBytes));
        if (!s.msgidBytes.isEmpty())
            sys.append("msgid", headerText(s.msgidBytes));
    }
    if (log.members().empty())
        m_doc.remove("log");
    if (m_options.preserveOriginal || m_options.preserveFalcoFields) {
        EcsValue &tags = m_doc.append("tags", EcsValue::array());
        if (m_options.preserveOriginal)
            tags.items().emplace_back(kTagPreserveOriginal);
        if (m_options.preserveFalcoFields)
            tags.items().emplace_back(kTagPreserveFalcoFields);
    }
    m_preserveFalcoFields = m_options.preserveFalcoFields;
    EcsValue &event = m_doc.append("event", EcsValue::object());
    // TCP: the agent's copy_fields runs before the syslog processor, so event.original is the whole line.
    // Step 2 (only when the preserve tag asks for it, and only when not already set).
    if (m_options.preserveOriginal && (tcp || !parsed.find("@timestamp") || !parsed.find("output_fields")))
        event.append("original", EcsValue::view(tcp ? m_line : m_env.payload));

    if (envelopeAndParse(std::move(parsed)) && normaliseOutputFields() && classify() && timestamp()
        && hostAndProcess() && containerFileNetwork())
        cleanUp();
    finish();

    MapResult result;
    result.status = MapResult::Status::Alert;
    if (m_failed)
        result.error = QString::fromStdString(m_error);
    fillAlert(result.alert);
    return result;
}

bool looksLikeAlert(const EcsValue &obj)
{
    return obj.find("rule") || obj.find("output") || obj.find("priority");
}

} // namespace

MapResult mapLine(QByteArrayView line, const MapOptions &options)
{
    // Every EcsValue of this line lives in the thread's arena, released at once on return.
    const EcsValue::Scope scope;
    MapResult result;
    std::string_view text = trimmed(std::string_view(line.data(), size_t(line.size())));
    if (text.starts_with("\xEF\xBB\xBF"))   // a UTF-8 BOM on a file's first line
        text = trimmed(text.substr(3));
    Envelope env;
    QString error;
    const MapResult::Status status = unwrap(text, options, &env, &error);
    if (status != MapResult::Status::Alert) {
        result.status = status;
        result.error = error;
        return result;
    }
    simdjson::dom::element root;
    const auto err = threadParser().parse(env.payload.data(), env.payload.size()).get(root);
    if (err) {
        result.status = MapResult::Status::Rejected;
        result.error = jsonErrorText(env.payload, simdjson::error_message(err));
        if (env.hasSyslog)
            result.error = QStringLiteral("syslog message: ") + result.error;
        return result;
    }
    if (root.type() != simdjson::dom::element_type::OBJECT) {
        result.status = MapResult::Status::Skipped;
        return result;
    }
    EcsValue parsed = convert(root);
    if (!looksLikeAlert(parsed)) {
        result.status = MapResult::Status::Skipped;
        return result;
    }
    Pipeline pipeline(options, env, text);
    return pipeline.run(std::move(parsed));
}

} // namespace fe
