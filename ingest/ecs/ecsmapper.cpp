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
#include "ingest/ecs/ecsmapper.h"

#include "ingest/ecs/ecsvalue.h"
#include "ingest/ecs/jsonwriter.h"
#include "ingest/ecs/mapperpath.h"
#include "ingest/ecs/sha256.h"
#include "ingest/syslog/syslogmessage.h"

#include <QDateTime>
#include <QHostAddress>

#include <nlohmann/json.hpp>
#include <simdjson.h>

#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
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

// a == b for short keys without a memcmp call: overlapping word compares.
inline bool sameKey(std::string_view a, std::string_view b)
{
    return a.size() == b.size() && sameBytes(a.data(), b.data(), a.size());
}

// The pipeline's convert processor to long: integers as they are, doubles truncated, strings only when they are a
// whole decimal integer; false for anything else (the caller's pipeline_error). Both mapper paths convert here.
bool toLong(const EcsValue &v, std::int64_t *out)
{
    switch (v.type()) {
    case EcsValue::Type::Int:
        *out = v.toInt();
        return true;
    case EcsValue::Type::UInt:
        *out = std::int64_t(v.toUInt());
        return true;
    case EcsValue::Type::Double:
        *out = std::int64_t(v.toDouble());
        return true;
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
        if (x.size() == s.size() && !s.empty() && x[0] == s[0] && sameKey(x, s))
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

// Steps 12-13: the technique and the sub-technique of falco.tags, each from its own first matching tag (non-string
// tags are skipped). Both mapper paths ask here.
struct Techniques
{
    std::string_view technique;
    std::string_view subtechnique;
};

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
        const auto [technique, subtechnique] = findTechniques(tags->items());
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

// Step 26: process.args = [proc.exepath, the words of proc.args split on single spaces]; null unless both are there.
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

// Step 49: container.mounts ("src:dest:mode:rdrw:propagation ...", Falco's text) as an array of objects, one per
// mount; null when there are none (also for a value that is not a non-empty string).
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

// Step 17's source (§4.5): evt.time.iso8601 (overwrite: it is written back as the parsed time), else
// evt.time.rawtime, else event.time (looked up only then); a null value does not count.
template <typename EventTime>
EcsValue *timestampSource(EcsValue *evtTime, EventTime eventTime, bool *overwrite)
{
    *overwrite = false;
    if (evtTime && evtTime->isObject()) {
        if (EcsValue *iso = evtTime->find("iso8601"); iso && !iso->isNull()) {
            *overwrite = true;
            return iso;
        }
        if (EcsValue *raw = evtTime->find("rawtime"); raw && !raw->isNull())
            return raw;
    }
    EcsValue *event = eventTime();
    return event && !event->isNull() ? event : nullptr;
}

// 17. @timestamp (§4.5), plus our fallback on falco.time.
bool Pipeline::timestamp()
{
    bool overwrite = false;
    EcsValue *source = timestampSource(ofFind({"evt"sv, "time"sv}), [this] { return ofFind({"event"sv, "time"sv}); },
                                       &overwrite);
    if (source) {
        qint64 ms = 0;
        if (!eventTimeMs(*source, &ms))
            return fail("script", "Text '" + source->scalarText() + "' could not be parsed as a date");
        m_timestampMs = ms;
        m_eventTime = true;
        if (overwrite)
            *source = source->isString() ? isoMs(ms) : EcsValue(std::int64_t(ms));
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
    if (EcsValue list = processArgs(ofFind({"proc"sv, "exepath"sv}), ofFind({"proc"sv, "args"sv}));
        !list.isNull() && !setField({"process"sv, "args"sv}, std::move(list)))
        return false;
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
        if (!toLong(*d, &value))
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
    m_doc.set(kMountsKey, parseMounts(ofFind({"container"sv, "mounts"sv})));
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

    // text(s) through a memo of the last text asked for in this column (an alert column, a tag position): a
    // column mostly repeats its last value, which is then found without hashing or a walk into the table.
    QString text(std::string_view s, size_t column)
    {
        if (s.empty() || s.size() > s_maxLength || column >= s_columns)
            return text(s);
        Recent &recent = m_recent[column];
        if (sameKey(recent.key, s))
            return recent.text;
        recent.text = text(s);
        recent.key.assign(s);
        return recent.text;
    }

private:
    static constexpr size_t s_slots = 1024;
    static constexpr size_t s_columns = 32;
    struct Recent
    {
        std::string key;
        QString text;
    };
    Recent m_recent[s_columns];
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
QString stringOf(const EcsValue *v, bool shared = true)
{
    if (!v || v->isNull())
        return QString();
    if (!v->isString())
        return QString::fromStdString(v->scalarText());
    return shared ? textCache().text(v->string()) : v->toQString();
}

// stringOf(v) for the alert column `column` (see TextCache::text).
QString columnText(const EcsValue *v, size_t column)
{
    if (v && v->isString())
        return textCache().text(v->string(), column);
    return stringOf(v);
}

QString stringAt(const EcsValue &doc, Path path, bool shared = true)
{
    return stringOf(doc.find(path), shared);
}

QString firstOf(const EcsValue &doc, std::string_view key)
{
    const EcsValue *v = doc.find(key);
    if (v && v->isArray() && !v->items().empty() && v->items().front().isString())
        return textCache().text(v->items().front().string());
    return QString();
}

// priorityFromString(falco.priority): a short ASCII string is widened on the stack instead of into a QString.
Priority priorityOf(const EcsValue *v)
{
    if (v && v->isString() && v->string().size() <= 32) {
        const std::string_view text = v->string();
        char16_t wide[32];
        bool ascii = true;
        for (size_t i = 0; i < text.size(); ++i) {
            ascii = ascii && static_cast<unsigned char>(text[i]) < 0x80;
            wide[i] = char16_t(static_cast<unsigned char>(text[i]));
        }
        if (ascii) {
            // A handful of distinct texts: the last ones are remembered per thread (priorityFromString lower-cases
            // into a QString).
            struct Entry
            {
                std::string text;
                Priority priority = Priority::Unknown;
                bool used = false;
            };
            thread_local std::array<Entry, 8> entries;
            thread_local size_t next = 0;
            for (const Entry &e : entries) {
                if (e.used && e.text == text)
                    return e.priority;
            }
            Entry &e = entries[next++ % entries.size()];
            e.text.assign(text);
            e.priority = priorityFromString(QStringView(wide, qsizetype(text.size())));
            e.used = true;
            return e.priority;
        }
    }
    return priorityFromString(stringOf(v, false));
}

void Pipeline::fillAlert(Alert &alert)
{
    alert.timestampMs = m_timestampMs;
    alert.timeIsReceipt = !m_eventTime;   // no time of its own: not part of its dedupe key (model/dedupekey.h)
    alert.priority = priorityOf(m_doc.find({"falco"sv, "priority"sv}));
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

// ---------------------------------------------------------------------------------------------------
// The fast path: the same document and alert as Pipeline for the usual Falco / Falcosidekick alert, written
// straight in its final key order instead of built by moving members around a tree. It takes an alert whose
// top-level keys are Falco's own (each once, no "@timestamp"), whose output_fields is an object of dotted
// keys with non-object values, and no --set extras; anything else, and anything the pipeline would turn into
// a pipeline_error, goes to Pipeline (FastMapper::run returns false before it has produced anything).
// Every step below names the Pipeline step it mirrors: a change there must be made here too (tst_mapperpaths
// and `bench_mapper --digest` compare both paths).

// The ECS fields set after `falco` (steps 12–52), as a tree with fixed node ids. A member appears where it
// was first set, as a member appended to the general pipeline's tree does.
enum OutNode : std::uint8_t {
    ORoot,
    OTechnique, OSubtechnique, ORule, ORuleName, OObserver, OObserverHostname, OHost, OHostName, ORelated,
    ORelatedHosts, OProcess, OExecutable, OFile, OFilePath, OFileType, OParent, OParentExecutable, OName,
    OParentName, OArgs, OCommandLine, OParentCommandLine, OArgsCount, OEnvVars, OWorkingDirectory, OPid,
    OParentPid, OVpid, OParentVpid, OSessionLeader, OSessionLeaderPid, OSessionLeaderName,
    OSessionLeaderExecutable, OGroupLeader, OGroupLeaderVpid, OGroupLeaderName, OGroupLeaderExecutable,
    OUptime, OParentUptime, OStart, OParentStart, OSessionLeaderSame, OGroupLeaderSame, OThread,
    OCapabilities, OCapPermitted, OCapEffective, OThreadId, OUser, OUserId, OUserName, OGroup, OGroupId,
    OGroupName, OContainer, OContainerId, OContainerName, OImage, OImageName, ORuntime, OSecurityContext,
    OPrivileged, OImageHash, OHashAll, OHostIp, OFileDirectory, OFileName, OClient, OClientIp, OClientAddress,
    OServer, OServerIp, OServerAddress, OSource, OSourceIp, OSourceAddress, ODestination, ODestinationIp,
    ODestinationAddress, OClientPort, OServerPort, OSourcePort, ODestinationPort, OClientDomain,
    OServerDomain, OSourceDomain, ODestinationDomain, OFileInode, OOrchestrator, ONamespace, OResource,
    OResourceName, OResourceId, OResourceLabel, OResourceIp, OResourceType, OObserverType, OObserverVendor,
    OObserverProduct, OMounts, OMessage, OCount
};

struct OutNodeInfo
{
    OutNode parent = ORoot;
    std::string_view key;
    bool object = false;
};

constexpr std::array<OutNodeInfo, OCount> kOutNodes = [] {
    std::array<OutNodeInfo, OCount> t{};
    auto obj = [&t](OutNode n, OutNode parent, std::string_view key) { t[n] = {parent, key, true}; };
    auto leaf = [&t](OutNode n, OutNode parent, std::string_view key) { t[n] = {parent, key, false}; };
    obj(ORoot, ORoot, {});
    leaf(OTechnique, ORoot, kTechniqueKey);
    leaf(OSubtechnique, ORoot, kSubtechniqueKey);
    obj(ORule, ORoot, "rule");
    leaf(ORuleName, ORule, "name");
    obj(OObserver, ORoot, "observer");
    leaf(OObserverHostname, OObserver, "hostname");
    leaf(OObserverType, OObserver, "type");
    leaf(OObserverVendor, OObserver, "vendor");
    leaf(OObserverProduct, OObserver, "product");
    obj(OHost, ORoot, "host");
    leaf(OHostName, OHost, "name");
    leaf(OHostIp, OHost, "ip");
    obj(ORelated, ORoot, "related");
    leaf(ORelatedHosts, ORelated, "hosts");
    obj(OProcess, ORoot, "process");
    leaf(OExecutable, OProcess, "executable");
    obj(OParent, OProcess, "parent");
    leaf(OParentExecutable, OParent, "executable");
    leaf(OName, OProcess, "name");
    leaf(OParentName, OParent, "name");
    leaf(OArgs, OProcess, "args");
    leaf(OCommandLine, OProcess, "command_line");
    leaf(OParentCommandLine, OParent, "command_line");
    leaf(OArgsCount, OProcess, "args_count");
    leaf(OEnvVars, OProcess, "env_vars");
    leaf(OWorkingDirectory, OProcess, "working_directory");
    leaf(OPid, OProcess, "pid");
    leaf(OParentPid, OParent, "pid");
    leaf(OVpid, OProcess, "vpid");
    leaf(OParentVpid, OParent, "vpid");
    obj(OSessionLeader, OProcess, "session_leader");
    leaf(OSessionLeaderPid, OSessionLeader, "pid");
    leaf(OSessionLeaderName, OSessionLeader, "name");
    leaf(OSessionLeaderExecutable, OSessionLeader, "executable");
    leaf(OSessionLeaderSame, OSessionLeader, "same_as_process");
    obj(OGroupLeader, OProcess, "group_leader");
    leaf(OGroupLeaderVpid, OGroupLeader, "vpid");
    leaf(OGroupLeaderName, OGroupLeader, "name");
    leaf(OGroupLeaderExecutable, OGroupLeader, "executable");
    leaf(OGroupLeaderSame, OGroupLeader, "same_as_process");
    leaf(OUptime, OProcess, "uptime");
    leaf(OParentUptime, OParent, "uptime");
    leaf(OStart, OProcess, "start");
    leaf(OParentStart, OParent, "start");
    obj(OThread, OProcess, "thread");
    obj(OCapabilities, OThread, "capabilities");
    leaf(OCapPermitted, OCapabilities, "permitted");
    leaf(OCapEffective, OCapabilities, "effective");
    leaf(OThreadId, OThread, "id");
    obj(OUser, OProcess, "user");
    leaf(OUserId, OUser, "id");
    leaf(OUserName, OUser, "name");
    obj(OGroup, OProcess, "group");
    leaf(OGroupId, OGroup, "id");
    leaf(OGroupName, OGroup, "name");
    obj(OFile, ORoot, "file");
    leaf(OFilePath, OFile, "path");
    leaf(OFileType, OFile, "type");
    leaf(OFileDirectory, OFile, "directory");
    leaf(OFileName, OFile, "name");
    leaf(OFileInode, OFile, "inode");
    obj(OContainer, ORoot, "container");
    leaf(OContainerId, OContainer, "id");
    leaf(OContainerName, OContainer, "name");
    obj(OImage, OContainer, "image");
    leaf(OImageName, OImage, "name");
    leaf(ORuntime, OContainer, "runtime");
    obj(OSecurityContext, OContainer, "security_context");
    leaf(OPrivileged, OSecurityContext, "privileged");
    obj(OImageHash, OImage, "hash");
    leaf(OHashAll, OImageHash, "all");
    obj(OClient, ORoot, "client");
    leaf(OClientIp, OClient, "ip");
    leaf(OClientAddress, OClient, "address");
    leaf(OClientPort, OClient, "port");
    leaf(OClientDomain, OClient, "domain");
    obj(OServer, ORoot, "server");
    leaf(OServerIp, OServer, "ip");
    leaf(OServerAddress, OServer, "address");
    leaf(OServerPort, OServer, "port");
    leaf(OServerDomain, OServer, "domain");
    obj(OSource, ORoot, "source");
    leaf(OSourceIp, OSource, "ip");
    leaf(OSourceAddress, OSource, "address");
    leaf(OSourcePort, OSource, "port");
    leaf(OSourceDomain, OSource, "domain");
    obj(ODestination, ORoot, "destination");
    leaf(ODestinationIp, ODestination, "ip");
    leaf(ODestinationAddress, ODestination, "address");
    leaf(ODestinationPort, ODestination, "port");
    leaf(ODestinationDomain, ODestination, "domain");
    obj(OOrchestrator, ORoot, "orchestrator");
    leaf(ONamespace, OOrchestrator, "namespace");
    obj(OResource, OOrchestrator, "resource");
    leaf(OResourceName, OResource, "name");
    leaf(OResourceId, OResource, "id");
    leaf(OResourceLabel, OResource, "label");
    leaf(OResourceIp, OResource, "ip");
    leaf(OResourceType, OResource, "type");
    leaf(OMounts, ORoot, kMountsKey);
    leaf(OMessage, ORoot, "message");
    return t;
}();

// The ordered tree over kOutNodes: which nodes are set, in which order, with which values.
class OutTree
{
public:
    void clear()
    {
        std::memset(m_set, 0, sizeof m_set);
        m_first[ORoot] = ORoot;
    }
    const EcsValue *find(OutNode n) const { return m_set[n] ? &m_value[n] : nullptr; }
    void set(OutNode n, const EcsValue &value)
    {
        ensure(n);
        m_value[n] = value;
    }
    void write(JsonWriter &w) const
    {
        for (OutNode n = m_first[ORoot]; n != ORoot; n = m_next[n]) {
            w.put(',');
            writeMember(w, n);
        }
    }

private:
    void ensure(OutNode n)
    {
        if (m_set[n])
            return;
        const OutNode parent = kOutNodes[n].parent;
        if (parent != ORoot)
            ensure(parent);
        m_set[n] = true;
        m_first[n] = ORoot;
        m_next[n] = ORoot;
        if (m_first[parent] == ORoot)
            m_first[parent] = n;
        else
            m_next[m_last[parent]] = n;
        m_last[parent] = n;
    }
    void writeMember(JsonWriter &w, OutNode n) const
    {
        // "key": as one piece (the keys need no escapes).
        static const std::array<std::string, OCount> quoted = [] {
            std::array<std::string, OCount> q;
            for (size_t i = 0; i < OCount; ++i)
                q[i] = '"' + std::string(kOutNodes[i].key) + "\":";
            return q;
        }();
        w.put(quoted[n]);
        if (!kOutNodes[n].object) {
            m_value[n].writeJson(w);
            return;
        }
        w.put('{');
        for (OutNode c = m_first[n]; c != ORoot; c = m_next[c]) {
            if (c != m_first[n])
                w.put(',');
            writeMember(w, c);
        }
        w.put('}');
    }

    bool m_set[OCount];
    OutNode m_first[OCount];
    OutNode m_last[OCount];
    OutNode m_next[OCount];
    EcsValue m_value[OCount];
};

// Top-level keys of a Falco alert (the `moved` list of the Sidekick-direct shape).
enum FalcoKey : std::uint8_t { KUuid, KOutput, KPriority, KRule, KTime, KOutputFields, KSource, KTags, KHostname, KCount };

int falcoKeyOf(std::string_view k)
{
    switch (k.size()) {
    case 4: return k == "uuid" ? KUuid : k == "rule" ? KRule : k == "time" ? KTime : k == "tags" ? KTags : -1;
    case 6: return k == "output" ? KOutput : k == "source" ? KSource : -1;
    case 8: return k == "priority" ? KPriority : k == "hostname" ? KHostname : -1;
    case 13: return k == "output_fields" ? KOutputFields : -1;
    default: return -1;
    }
}

// Step 5's keys, expanded before the others.
constexpr std::string_view kExpandFirst[] = {
    "container.image", "fd.cip", "fd.sip", "fd.lip", "fd.rip", "proc.ppid", "proc.pid", "proc.sid",
    "proc.vpgid", "evt.time", "syslog.facility", "syslog.severity"};

// EcsValue::Member::keyTag at compile time (little-endian, as the x86-64 and ARM64 builds are).
constexpr std::uint64_t constTag(std::string_view key)
{
    const size_t n = key.size();
    auto byte = [&key](size_t i) { return std::uint32_t(static_cast<unsigned char>(key[i])); };
    std::uint32_t head = 0;
    std::uint32_t tail = 0;
    if (n >= 4) {
        head = byte(0) | byte(1) << 8 | byte(2) << 16 | byte(3) << 24;
        tail = byte(n - 4) | byte(n - 3) << 8 | byte(n - 2) << 16 | byte(n - 1) << 24;
    } else {
        for (size_t i = 0; i < n; ++i)
            head |= byte(i) << (8 * i);
    }
    return ((std::uint64_t(head) << 32) | tail) + std::uint64_t(n);
}

// The members of one output_fields object that the pipeline reads, found in one pass over it (what a find()
// per name gives: the first member of that name, nullptr when absent).
template<size_t N>
struct Slots
{
    constexpr explicit Slots(const std::array<std::string_view, N> &n) : names(n)
    {
        for (size_t i = 0; i < N; ++i)
            tags[i] = constTag(n[i]);
    }
    std::array<std::string_view, N> names;
    std::array<std::uint64_t, N> tags{};

    void collect(const EcsValue *obj, const EcsValue *(&out)[N]) const
    {
        std::fill(std::begin(out), std::end(out), nullptr);
        if (!obj || !obj->isObject())
            return;
        for (const EcsValue::Member &m : obj->members()) {
            for (size_t i = 0; i < N; ++i) {
                if (m.tag == tags[i] && sameKey(m.first, names[i])) {
                    if (!out[i])
                        out[i] = &m.second;
                    break;
                }
            }
        }
    }
};

enum ProcSlot {
    PExepath, PPexepath, PName, PPname, PArgs, PCmdline, PPcmdline, PCmdnargs, PEnv, PCwd, PVpid, PPvpid, PSname,
    PSid, PVpgid, PDuration, PPpid, PPid, PIsSidLeader, PIsVpgidLeader, PCount
};
constexpr Slots<PCount> kProcSlots({"exepath", "pexepath", "name", "pname", "args", "cmdline", "pcmdline",
                                    "cmdnargs", "env", "cwd", "vpid", "pvpid", "sname", "sid", "vpgid", "duration",
                                    "ppid", "pid", "is_sid_leader", "is_vpgid_leader"});
enum FdSlot { FType, FName, FDirectory, FFilename, FCport, FSport, FLport, FRport, FCip, FSip, FLip, FRip, FIno, FCount };
constexpr Slots<FCount> kFdSlots({"type", "name", "directory", "filename", "cport", "sport", "lport", "rport", "cip",
                                  "sip", "lip", "rip", "ino"});
enum ContainerSlot { CId, CName, CImage, CType, CPrivileged, CIp, CMounts, CCount };
constexpr Slots<CCount> kContainerSlots({"id", "name", "image", "type", "privileged", "ip", "mounts"});

// Where the dots of an output_fields key are.
struct KeyDots
{
    std::uint8_t count = 0;
    std::uint8_t at[7] = {};
};

// A Bloom filter (one hash) of the paths in output_fields: "certainly not there" without a scan.
class PathFilter
{
public:
    // The hash of path + "." + seg from the hash of path (0 for the root).
    static std::uint64_t hash(std::uint64_t path, std::uint64_t segTag)
    {
        return ((path ^ segTag) + 0x632BE59BD9B4E019ULL) * 0x9E3779B97F4A7C15ULL;
    }
    bool mayHave(std::uint64_t h) const { return m_bits[h >> 58] & (std::uint64_t(1) << ((h >> 52) & 63)); }
    void add(std::uint64_t h) { m_bits[h >> 58] |= std::uint64_t(1) << ((h >> 52) & 63); }
    // Adds path and all its prefixes.
    void addPath(Path path)
    {
        std::uint64_t h = 0;
        for (std::string_view seg : path) {
            h = hash(h, EcsValue::Member::keyTag(seg));
            add(h);
        }
    }

private:
    std::uint64_t m_bits[64] = {};
};

class FastMapper
{
public:
    FastMapper(const MapOptions &options, const Envelope &env, std::string_view line)
        : m_options(options), m_env(env), m_line(line)
    {
    }

    // False: not this path's input (nothing was produced; use Pipeline).
    bool run(simdjson::dom::object root, MapResult *result);

private:
    struct Field
    {
        std::string_view key;
        EcsValue value;
        KeyDots dots;
    };
    bool expand(const Field &field);
    bool rename(Path from, Path to);
    const EcsValue *ofFind(Path path) const { return m_of.find(path); }
    // group's member at key (or key / sub), inline: the keys are literals, so their tags are constants.
    static const EcsValue *in(const EcsValue *group, std::string_view key)
    {
        if (!group || !group->isObject())
            return nullptr;
        const std::uint64_t tag = EcsValue::Member::keyTag(key);
        for (const EcsValue::Member &m : group->members()) {
            if (m.tag == tag && sameKey(m.first, key))
                return &m.second;
        }
        return nullptr;
    }
    static const EcsValue *in(const EcsValue *group, std::string_view key, std::string_view sub)
    {
        return in(in(group, key), sub);
    }
    void copy(const EcsValue *v, OutNode to)
    {
        if (v && !v->isEmptyValue())
            m_out.set(to, *v);
    }
    bool outputFields(simdjson::dom::object of);
    bool classify();
    bool timestamp();
    bool hostAndProcess();
    void containerFileNetwork();
    void cleanUp();
    void write(std::string &buffer, std::size_t *size) const;
    void fillAlert(Alert &alert) const;

    const MapOptions &m_options;
    const Envelope &m_env;
    std::string_view m_line;
    std::string_view m_keys[KCount];   // the top-level members in input order (by FalcoKey)
    FalcoKey m_order[KCount];
    int m_count = 0;
    EcsValue m_falco[KCount];
    bool m_has[KCount] = {};
    EcsValue m_of = EcsValue::object();
    // The top-level member of m_of last expanded into (neighbouring keys share it) and its path's hash.
    struct Top
    {
        std::string_view key;
        EcsValue *value = nullptr;
        std::uint64_t hash = 0;
    };
    Top m_top;
    PathFilter m_paths;
    OutTree &m_out = outTree();
    // event.* (step order: kind, category, type, outcome, ingested, severity, sequence, provider)
    std::string_view m_category;
    std::string_view m_type;
    std::string_view m_outcome;
    EcsValue m_ingested;
    int m_severity = 0;
    EcsValue m_sequence;
    bool m_hasSequence = false;
    EcsValue m_provider;
    bool m_hasProvider = false;
    qint64 m_timestampMs = 0;
    bool m_eventTime = false;

    static OutTree &outTree()
    {
        thread_local OutTree tree;
        tree.clear();
        return tree;
    }
};

// The index of obj's member key (whose Member::keyTag is tag), -1 when absent.
std::ptrdiff_t lastIndexOf(const EcsValue &obj, std::string_view key, std::uint64_t tag)
{
    const EcsValue::List<EcsValue::Member> &members = obj.members();
    for (std::ptrdiff_t i = std::ptrdiff_t(members.size()) - 1; i >= 0; --i) {
        if (members[size_t(i)].tag == tag && sameKey(members[size_t(i)].first, key))
            return i;
    }
    return -1;
}

// The dots of an output_fields key, found once: false when the key has none, an empty segment, or more than
// this path takes.
bool scanDots(std::string_view key, KeyDots *dots)
{
    const size_t n = key.size();
    if (n < 3 || n > 255 || key[0] == '.' || key[n - 1] == '.')
        return false;
    dots->count = 0;
    for (size_t i = 1; i + 1 < n; ++i) {
        if (key[i] != '.')
            continue;
        if (key[i + 1] == '.' || dots->count == sizeof dots->at)
            return false;
        dots->at[dots->count++] = std::uint8_t(i);
    }
    return dots->count > 0;
}

// Pipeline::expandInto for one key, except that a leaf already there (the same key twice, which the general
// path's convert() merges first) hands the line to Pipeline, as does a failure. Members are only looked for
// when m_paths may hold their path: nearly every member is new, and a scan of its parent would cost more than
// the rest of the step.
bool FastMapper::expand(const Field &field)
{
    const std::string_view key = field.key;
    EcsValue *parent = &m_of;
    std::uint64_t hash = 0;
    size_t seg = 0;
    size_t start = 0;
    if (m_top.value) {
        const size_t dot = field.dots.at[0];
        if (sameKey(std::string_view(key.data(), dot), m_top.key)) {
            parent = m_top.value;
            hash = m_top.hash;
            seg = 1;
            start = dot + 1;
        }
    }
    for (;; ++seg) {
        const bool leaf = seg == field.dots.count;
        const size_t end = leaf ? key.size() : field.dots.at[seg];
        const std::string_view name(key.data() + start, end - start);
        start = end + 1;
        const std::uint64_t tag = EcsValue::Member::keyTag(name);
        const std::uint64_t h = PathFilter::hash(hash, tag);
        const bool maybe = m_paths.mayHave(h);
        if (leaf) {
            if (maybe && lastIndexOf(*parent, name, tag) >= 0)
                return false;
            if (parent == &m_of)
                m_top.value = nullptr;
            parent->append(name, tag, field.value);
            m_paths.add(h);
            return true;
        }
        const std::ptrdiff_t at = maybe ? lastIndexOf(*parent, name, tag) : -1;
        EcsValue *next = nullptr;
        if (at < 0) {
            next = &parent->append(name, tag, EcsValue::object());
            m_paths.add(h);
        } else {
            next = &parent->members()[size_t(at)].second;
            if (!next->isObject())
                return false;
        }
        if (parent == &m_of)
            m_top = {name, next, h};
        parent = next;
        hash = h;
    }
}

// Pipeline::renameInOf.
bool FastMapper::rename(Path from, Path to)
{
    EcsValue *src = m_of.find(from);
    if (!src || src->isNull() || src->isObject())
        return true;
    if (m_of.find(to))
        return false;
    EcsValue value = std::move(*src);
    EcsValue *parent = &m_of;
    const std::string_view *last = from.end() - 1;
    for (const std::string_view *seg = from.begin(); seg != last; ++seg)
        parent = parent->find(*seg);
    parent->remove(*last);
    m_paths.addPath(to);
    return m_of.setPath(to, std::move(value));
}

// kExpandFirst's index of key, -1 when it is not one of them.
int expandFirstIndex(std::string_view key)
{
    if (key.size() < 6 || key.size() > 15 || (key[0] != 'c' && key[0] != 'f' && key[0] != 'p' && key[0] != 'e'
                                              && key[0] != 's'))
        return -1;
    for (size_t i = 0; i < std::size(kExpandFirst); ++i) {
        if (kExpandFirst[i].size() == key.size() && kExpandFirst[i] == key)
            return int(i);
    }
    return -1;
}

// Steps 5–7 (Pipeline::normaliseOutputFields) on output_fields without plain keys: the expanded members
// (step 5), the renamed ones (6) and then the others (7) are appended to an empty object in that order.
bool FastMapper::outputFields(simdjson::dom::object of)
{
    thread_local std::vector<Field> rest;
    rest.clear();
    Field first[std::size(kExpandFirst)];
    size_t firstCount = 0;
    unsigned picked = 0;
    for (simdjson::dom::key_value_pair field : of) {
        const std::string_view key = field.key;
        KeyDots dots;
        if (field.value.type() == simdjson::dom::element_type::OBJECT || !scanDots(key, &dots))
            return false;
        if (const int i = dots.count == 1 ? expandFirstIndex(key) : -1; i >= 0) {
            if (firstCount == std::size(kExpandFirst))
                return false;
            first[firstCount++] = {key, convert(field.value), dots};
            picked |= 1u << i;
        } else {
            rest.push_back({key, convert(field.value), dots});
        }
    }
    for (size_t i = 0; i < firstCount; ++i) {
        if (!expand(first[i]))
            return false;
    }
    // Step 6, in Pipeline's order; a rename's source is there only when its step-5 key was.
    static constexpr struct
    {
        int index;
        std::array<std::string_view, 2> from;
        std::array<std::string_view, 3> to;
        size_t toSize;
    } renames[] = {{0, {"container", "image"}, {"container", "image", "name"}, 3},
                   {1, {"fd", "cip"}, {"client", "ip"}, 2},
                   {2, {"fd", "sip"}, {"server", "ip"}, 2},
                   {3, {"fd", "lip"}, {"source", "ip"}, 2},
                   {4, {"fd", "rip"}, {"destination", "ip"}, 2},
                   {5, {"proc", "ppid"}, {"process", "parent", "pid"}, 3},
                   {6, {"proc", "pid"}, {"process", "pid"}, 2},
                   {7, {"proc", "sid"}, {"process", "session_leader", "pid"}, 3},
                   {8, {"proc", "vpgid"}, {"process", "group_leader", "vpid"}, 3},
                   {10, {"syslog", "facility"}, {"syslog_facility"}, 1},
                   {11, {"syslog", "severity"}, {"syslog_severity"}, 1},
                   {9, {"evt", "time"}, {"event", "time"}, 2}};
    for (const auto &r : renames) {
        if (!(picked & (1u << r.index)))
            continue;
        const bool ok = r.toSize == 1 ? rename({r.from[0], r.from[1]}, {r.to[0]})
            : r.toSize == 2          ? rename({r.from[0], r.from[1]}, {r.to[0], r.to[1]})
                                     : rename({r.from[0], r.from[1]}, {r.to[0], r.to[1], r.to[2]});
        if (!ok)
            return false;
    }
    // (the evt_time rename: no plain keys here)
    m_top = {};
    for (const Field &f : rest) {
        if (!expand(f))
            return false;
    }
    return true;
}

// Steps 8–16 and 18 (Pipeline::classify).
bool FastMapper::classify()
{
    const EcsValue *evt = m_of.find("evt");
    m_category = "process";
    if (const EcsValue *c = in(evt, "category"sv); c && c->isString()) {
        if (contains(kEcsCategories, std::string_view(lower(c->string()))))
            m_category = c->string();
        else
            m_category = categoryFor(c->string());
    }
    m_type = "info";
    if (const EcsValue *t = in(evt, "type"sv); t && t->isString()) {
        // The syscall → type lookup walks a few hundred names: the last answer is kept per thread (a rule's
        // alerts share their syscall).
        thread_local std::string lastType;
        thread_local std::string_view lastAnswer;   // a literal, or empty: the type itself
        thread_local bool known = false;
        if (!known || !sameKey(lastType, t->string())) {
            lastType.assign(t->string());
            lastAnswer = contains(kEcsTypes, std::string_view(lower(t->string()))) ? std::string_view()
                                                                                  : typeFor(t->string());
            known = true;
        }
        m_type = lastAnswer.empty() ? t->string() : lastAnswer;
    }
    if (const EcsValue *res = in(evt, "res"sv); res && !res->isNull()) {
        const EcsValue *failed = in(evt, "failed"sv);
        if (res->isString() && res->string() == "SUCCESS")
            m_outcome = "success";
        else if (failed && failed->isBool() && failed->toBool())
            m_outcome = "failure";
    }
    m_ingested = isoMs(m_options.readTimeMs > 0 ? m_options.readTimeMs : nowMs());
    if (m_has[KTags] && m_falco[KTags].isArray()) {
        const auto [technique, subtechnique] = findTechniques(m_falco[KTags].items());
        if (!technique.empty()) {
            EcsValue ids = EcsValue::array();
            ids.items().push_back(EcsValue::view(technique));
            m_out.set(OTechnique, ids);
        }
        if (!subtechnique.empty()) {
            EcsValue ids = EcsValue::array();
            ids.items().push_back(EcsValue::view(subtechnique));
            m_out.set(OSubtechnique, ids);
        }
    }
    if (m_has[KPriority] && !m_falco[KPriority].isNull()) {
        if (!m_falco[KPriority].isString())
            return false;   // a pipeline_error
        m_severity = severityFor(lower(m_falco[KPriority].string()));
    }
    if (m_has[KRule] && !m_falco[KRule].isEmptyValue())
        m_out.set(ORuleName, m_falco[KRule]);
    if (const EcsValue *num = in(evt, "num"sv); num && !num->isEmptyValue()) {
        m_sequence = *num;
        m_hasSequence = true;
    }
    if (m_has[KSource] && !m_falco[KSource].isEmptyValue()) {
        m_provider = m_falco[KSource];
        m_hasProvider = true;
    }
    return true;
}

// Step 17 (Pipeline::timestamp).
bool FastMapper::timestamp()
{
    bool overwrite = false;
    EcsValue *source = timestampSource(m_of.find({"evt"sv, "time"sv}),
                                       [this] { return m_of.find({"event"sv, "time"sv}); }, &overwrite);
    if (source) {
        qint64 ms = 0;
        if (!eventTimeMs(*source, &ms))
            return false;   // a pipeline_error
        m_timestampMs = ms;
        m_eventTime = true;
        if (overwrite)
            *source = source->isString() ? isoMs(ms) : EcsValue(std::int64_t(ms));
        return true;
    }
    if (m_has[KTime] && m_falco[KTime].isString()) {
        qint64 ms = 0;
        if (parseRfc3339(toView(m_falco[KTime].string()), &ms)) {
            m_timestampMs = ms;
            m_eventTime = true;
        }
    }
    return true;
}

// Steps 19–38 (Pipeline::hostAndProcess).
bool FastMapper::hostAndProcess()
{
    if (m_has[KHostname] && !m_falco[KHostname].isNull()) {
        const EcsValue &host = m_falco[KHostname];
        if (!host.isEmptyValue()) {
            m_out.set(OObserverHostname, host);
            m_out.set(OHostName, host);
        }
        EcsValue hosts = EcsValue::array();
        hosts.items().push_back(host);
        m_out.set(ORelatedHosts, hosts);
    }
    const EcsValue *proc[PCount];
    kProcSlots.collect(m_of.find("proc"), proc);
    const EcsValue *fd[FCount];
    kFdSlots.collect(m_of.find("fd"), fd);
    copy(proc[PExepath], OExecutable);
    if (const EcsValue *fdType = fd[FType];
        fdType && fdType->isString() && (fdType->string() == "file" || fdType->string() == "directory")) {
        const EcsValue *name = fd[FName];
        if (name && !name->isEmptyValue())
            m_out.set(OFilePath, scalarTextValue(*name));
        m_out.set(OFileType, *fdType);
    }
    copy(proc[PPexepath], OParentExecutable);
    copy(proc[PName], OName);
    copy(proc[PPname], OParentName);
    if (EcsValue list = processArgs(proc[PExepath], proc[PArgs]); !list.isNull())
        m_out.set(OArgs, std::move(list));
    copy(proc[PCmdline], OCommandLine);
    copy(proc[PPcmdline], OParentCommandLine);
    copy(proc[PCmdnargs], OArgsCount);
    if (const EcsValue *env = proc[PEnv]; env && env->isString()) {
        EcsValue list = EcsValue::array();
        for (std::string_view part : javaSplit(env->string(), true))
            list.items().emplace_back(part);
        m_out.set(OEnvVars, list);
    }
    const EcsValue *process = m_of.find("process");
    copy(proc[PCwd], OWorkingDirectory);
    copy(in(process, "pid"sv), OPid);
    copy(in(process, "parent"sv, "pid"sv), OParentPid);
    copy(proc[PVpid], OVpid);
    copy(proc[PPvpid], OParentVpid);
    copy(in(process, "session_leader"sv, "pid"sv), OSessionLeaderPid);
    copy(proc[PSname], OSessionLeaderName);
    copy(in(proc[PSid], "exepath"sv), OSessionLeaderExecutable);
    copy(in(process, "group_leader"sv, "vpid"sv), OGroupLeaderVpid);
    copy(in(proc[PVpgid], "name"sv), OGroupLeaderName);
    copy(in(proc[PVpgid], "exepath"sv), OGroupLeaderExecutable);
    if (const EcsValue *d = proc[PDuration]; d && !d->isNull()) {
        std::int64_t value = 0;
        if (!toLong(*d, &value))
            return false;   // a pipeline_error
        m_out.set(OUptime, EcsValue(value));
    }
    copy(in(proc[PPpid], "duration"sv), OParentUptime);
    copy(in(proc[PPid], "ts"sv), OStart);
    copy(in(proc[PPpid], "ts"sv), OParentStart);
    copy(proc[PIsSidLeader], OSessionLeaderSame);
    copy(proc[PIsVpgidLeader], OGroupLeaderSame);
    const EcsValue *thread = m_of.find("thread");
    copy(in(thread, "cap_permitted"sv), OCapPermitted);
    copy(in(thread, "cap_effective"sv), OCapEffective);
    copy(in(thread, "tid"sv), OThreadId);
    EcsValue *user = m_of.find("user");
    if (EcsValue *uid = user ? user->find("uid") : nullptr; uid && !uid->isNull() && !uid->isString()) {
        if (uid->isArray()) {
            for (EcsValue &item : uid->items()) {
                if (!item.isNull())
                    item = EcsValue(item.scalarText());
            }
        } else if (!uid->isObject()) {
            *uid = EcsValue(uid->scalarText());
        }
    }
    const EcsValue *group = m_of.find("group");
    copy(in(user, "uid"sv), OUserId);
    copy(in(user, "name"sv), OUserName);
    copy(in(group, "gid"sv), OGroupId);
    copy(in(group, "name"sv), OGroupName);
    return true;
}

// Steps 39–49 (Pipeline::containerFileNetwork).
void FastMapper::containerFileNetwork()
{
    const EcsValue *container[CCount];
    kContainerSlots.collect(m_of.find("container"), container);
    copy(container[CId], OContainerId);
    copy(container[CName], OContainerName);
    copy(in(container[CImage], "name"sv), OImageName);
    copy(container[CType], ORuntime);
    copy(container[CPrivileged], OPrivileged);
    copy(in(container[CImage], "digest"sv), OHashAll);
    if (const EcsValue *ip = container[CIp]; ip && !ip->isEmptyValue()) {
        EcsValue list = EcsValue::array();
        list.items().push_back(scalarTextValue(*ip));
        m_out.set(OHostIp, list);
    }
    const EcsValue *fd[FCount];
    kFdSlots.collect(m_of.find("fd"), fd);
    copy(fd[FDirectory], OFileDirectory);
    copy(fd[FFilename], OFileName);
    auto convertIp = [this](std::string_view group, OutNode ip, OutNode address) {
        if (const EcsValue *v = in(m_of.find(group), "ip"sv); v && isValidIp(*v)) {
            m_out.set(ip, *v);
            m_out.set(address, *v);
        }
    };
    convertIp("client", OClientIp, OClientAddress);
    convertIp("server", OServerIp, OServerAddress);
    convertIp("source", OSourceIp, OSourceAddress);
    convertIp("destination", ODestinationIp, ODestinationAddress);
    copy(fd[FCport], OClientPort);
    copy(fd[FSport], OServerPort);
    copy(fd[FLport], OSourcePort);
    copy(fd[FRport], ODestinationPort);
    copy(in(fd[FCip], "name"sv), OClientDomain);
    copy(in(fd[FSip], "name"sv), OServerDomain);
    copy(in(fd[FLip], "name"sv), OSourceDomain);
    copy(in(fd[FRip], "name"sv), ODestinationDomain);
    copy(fd[FIno], OFileInode);
    const EcsValue *k8s = m_of.find("k8s");
    const EcsValue *pod = in(k8s, "pod"sv);
    copy(in(k8s, "ns"sv, "name"sv), ONamespace);
    copy(in(pod, "name"sv), OResourceName);
    copy(in(pod, "uid"sv), OResourceId);
    copy(in(pod, "labels"sv), OResourceLabel);
    if (const EcsValue *podIp = in(pod, "ip"sv); podIp && isValidIp(*podIp))
        m_out.set(OResourceIp, *podIp);
    if (const EcsValue *podName = in(pod, "name"sv); podName && !podName->isNull())
        m_out.set(OResourceType, EcsValue("pod"sv));
    m_out.set(OObserverType, EcsValue("sensor"sv));
    m_out.set(OObserverVendor, EcsValue("sysdig"sv));
    m_out.set(OObserverProduct, EcsValue("falco"sv));
    m_out.set(OMounts, parseMounts(container[CMounts]));
}

// Drops the members of obj whose key drop() picks, in one pass (drop may also edit a member it keeps).
template<typename Drop>
void dropMembers(EcsValue *obj, Drop drop)
{
    if (!obj || !obj->isObject())
        return;
    EcsValue::List<EcsValue::Member> &members = obj->members();
    size_t keep = 0;
    for (size_t i = 0; i < members.size(); ++i) {
        if (drop(members[i].first, members[i].second))
            continue;
        if (keep != i)
            members[keep] = std::move(members[i]);
        ++keep;
    }
    members.truncate(keep);
}

// Steps 50–52 (Pipeline::cleanUp) on output_fields, one pass per first segment (its removals are of distinct
// keys, so their order does not matter); `falco.rule` is left out when writing.
void FastMapper::cleanUp()
{
    const bool all = !m_options.preserveFalcoFields;
    dropMembers(m_of.find("evt"), [all](std::string_view k, EcsValue &v) {
        if (k == "arg")
            v.remove("flags");
        return all && (k == "num" || k == "time");
    });
    dropMembers(m_of.find("proc"), [all](std::string_view k, EcsValue &v) {
        static constexpr std::string_view anames[] = {"aname[2]", "aname[3]", "aname[4]",
                                                      "aname[5]", "aname[6]", "aname[7]"};
        static constexpr std::string_view removed[] = {
            "exepath", "pexepath", "name", "pname", "cmdline", "pcmdline", "cmdnargs", "env", "cwd", "vpid",
            "pvpid", "sname", "duration", "is_sid_leader", "is_vpgid_leader", "vpgid"};
        if (contains(anames, k))
            return true;
        if (!all)
            return false;
        if (contains(removed, k))
            return true;
        if (k == "sid") {
            v.remove("exepath");
        } else if (k == "ppid") {
            v.remove("duration");
            v.remove("ts");
        } else if (k == "pid") {
            v.remove("ts");
        }
        return false;
    });
    if (!all) {
        if (const EcsValue *rule = m_out.find(ORuleName))
            m_out.set(OMessage, *rule);
        return;
    }
    dropMembers(m_of.find("thread"), [](std::string_view k, EcsValue &) {
        return k == "cap_permitted" || k == "cap_effective" || k == "tid";
    });
    dropMembers(m_of.find("user"), [](std::string_view k, EcsValue &) { return k == "uid" || k == "name"; });
    dropMembers(m_of.find("group"), [](std::string_view k, EcsValue &) { return k == "gid" || k == "name"; });
    dropMembers(m_of.find("container"), [](std::string_view k, EcsValue &v) {
        if (k == "image")
            v.remove("digest");
        return k == "id" || k == "name" || k == "type" || k == "privileged" || k == "ip";
    });
    dropMembers(m_of.find("fd"), [](std::string_view k, EcsValue &v) {
        static constexpr std::string_view removed[] = {"directory", "filename", "cport", "sport",
                                                       "lport",     "rport",    "ino",   "lip"};
        if (contains(removed, k))
            return true;
        if (k == "cip" || k == "sip" || k == "rip")
            v.remove("name");
        return false;
    });
    dropMembers(m_of.find("k8s"), [](std::string_view k, EcsValue &v) {
        if (k == "ns") {
            v.remove("name");
        } else if (k == "pod") {
            v.remove("name");
            v.remove("uid");
            v.remove("labels");
            v.remove("ip");
        }
        return false;
    });
    if (const EcsValue *rule = m_out.find(ORuleName))
        m_out.set(OMessage, *rule);
}

// The document in Pipeline's key order: the agent's fields (Pipeline::run), event, falco, then the tree.
void FastMapper::write(std::string &buffer, std::size_t *size) const
{
    JsonWriter w(buffer, 0);
    const bool tcp = m_options.input == MapOptions::Input::Tcp;
    w.put("{\"@timestamp\":"sv);
    isoMs(m_timestampMs).writeJson(w);
    w.put(tcp ? ",\"input\":{\"type\":\"tcp\"}"sv : ",\"input\":{\"type\":\"logfile\"}"sv);
    thread_local Utf8Cache pathCache;
    thread_local Utf8Cache addressCache;
    const bool hasPath = !m_options.logFilePath.isEmpty();
    const bool hasOffset = m_options.logOffset >= 0;
    const bool hasAddress = !m_options.sourceAddress.isEmpty();
    if (hasPath || hasOffset || hasAddress || m_env.hasSyslog) {
        w.put(",\"log\":{"sv);
        bool first = true;
        auto member = [&w, &first](std::string_view key) {
            if (!first)
                w.put(',');
            first = false;
            w.put(key);
        };
        if (hasPath) {
            member("\"file\":{\"path\":"sv);
            repeatedText(m_options.logFilePath, pathCache).writeJson(w);
            w.put('}');
        }
        if (hasOffset) {
            member("\"offset\":"sv);
            w.integer(std::int64_t(m_options.logOffset));
        }
        if (hasAddress) {
            member("\"source\":{\"address\":"sv);
            repeatedText(m_options.sourceAddress, addressCache).writeJson(w);
            w.put('}');
        }
        if (m_env.hasSyslog) {
            const SyslogMessage &s = m_env.syslog;
            member("\"syslog\":{\"priority\":"sv);
            w.integer(std::int64_t(s.priority));
            w.put(",\"facility\":{\"code\":"sv);
            w.integer(std::int64_t(s.facility));
            w.put(",\"name\":"sv);
            const QByteArrayView facility = syslogFacilityNameBytes(s.facility);
            w.string(std::string_view(facility.data(), size_t(facility.size())));
            w.put("},\"severity\":{\"code\":"sv);
            w.integer(std::int64_t(s.severity));
            w.put(",\"name\":"sv);
            const QByteArrayView severity = syslogSeverityNameBytes(s.severity);
            w.string(std::string_view(severity.data(), size_t(severity.size())));
            w.put('}');
            // The header's optional fields, each only when the header had it.
            const auto field = [&w](std::string_view member, QByteArrayView bytes) {
                if (bytes.isEmpty())
                    return;
                w.put(member);
                headerText(bytes).writeJson(w);
            };
            field(",\"hostname\":"sv, s.hostnameBytes);
            field(",\"appname\":"sv, s.appnameBytes);
            field(",\"procid\":"sv, s.procidBytes);
            field(",\"msgid\":"sv, s.msgidBytes);
            w.put('}');
        }
        w.put('}');
    }
    if (m_options.preserveOriginal && m_options.preserveFalcoFields)
        w.put(",\"tags\":[\"preserve_original_event\",\"preserve_falco_fields\"]"sv);
    else if (m_options.preserveOriginal)
        w.put(",\"tags\":[\"preserve_original_event\"]"sv);
    else if (m_options.preserveFalcoFields)
        w.put(",\"tags\":[\"preserve_falco_fields\"]"sv);
    w.put(",\"event\":{"sv);
    if (m_options.preserveOriginal) {
        w.put("\"original\":"sv);
        w.string(tcp ? m_line : m_env.payload);
        w.put(',');
    }
    w.put("\"kind\":\"alert\",\"category\":["sv);
    w.string(m_category);
    w.put("],\"type\":["sv);
    w.string(m_type);
    w.put(']');
    if (!m_outcome.empty()) {
        w.put(",\"outcome\":"sv);
        w.string(m_outcome);
    }
    w.put(",\"ingested\":"sv);
    m_ingested.writeJson(w);
    if (m_severity > 0) {
        w.put(",\"severity\":"sv);
        w.integer(std::int64_t(m_severity));
    }
    if (m_hasSequence) {
        w.put(",\"sequence\":"sv);
        m_sequence.writeJson(w);
    }
    if (m_hasProvider) {
        w.put(",\"provider\":"sv);
        m_provider.writeJson(w);
    }
    w.put("},\"falco\":{"sv);
    bool first = true;
    for (int i = 0; i < m_count; ++i) {
        const FalcoKey k = m_order[i];
        if (k == KRule && !m_options.preserveFalcoFields)
            continue;
        if (!first)
            w.put(',');
        first = false;
        w.string(m_keys[k]);
        w.put(':');
        (k == KOutputFields ? m_of : m_falco[k]).writeJson(w);
    }
    w.put('}');
    m_out.write(w);
    w.put('}');
    *size = w.position();
}

// Pipeline::fillAlert.
void FastMapper::fillAlert(Alert &alert) const
{
    alert.timestampMs = m_timestampMs;
    alert.timeIsReceipt = !m_eventTime;
    alert.priority = priorityOf(m_has[KPriority] ? &m_falco[KPriority] : nullptr);
    alert.severity = m_severity > 0 ? m_severity : alert.severity;
    alert.rule = columnText(m_out.find(ORuleName), 0);
    alert.hostname = columnText(m_out.find(OHostName), 1);
    alert.source = columnText(m_hasProvider ? &m_provider : nullptr, 2);
    alert.output = stringOf(m_has[KOutput] ? &m_falco[KOutput] : nullptr, false);
    alert.uuid = stringOf(m_has[KUuid] ? &m_falco[KUuid] : nullptr, false);
    alert.containerId = columnText(m_out.find(OContainerId), 3);
    alert.containerName = columnText(m_out.find(OContainerName), 4);
    alert.containerImage = columnText(m_out.find(OImageName), 5);
    alert.podName = columnText(m_out.find(OResourceName), 6);
    alert.namespaceName = columnText(m_out.find(ONamespace), 7);
    alert.processName = columnText(m_out.find(OName), 8);
    // A rule's command lines repeat too: shared like the other columns (same text as Pipeline's own copy).
    alert.commandLine = columnText(m_out.find(OCommandLine), 29);
    alert.userName = columnText(m_out.find(OUserName), 9);
    if (m_has[KTags] && m_falco[KTags].isArray()) {
        // A rule's alerts share their tags: the lists of the last tags seen are shared (no allocation per alert
        // for the lists, nor a free on whichever thread drops the alert).
        struct TagLists
        {
            std::vector<std::string> key;
            QStringList tags;
            QStringList tactics;
        };
        thread_local TagLists last;
        const EcsValue::List<EcsValue> &items = m_falco[KTags].items();
        size_t strings = 0;
        bool same = true;
        for (const EcsValue &t : items) {
            if (!t.isString())
                continue;
            same = same && strings < last.key.size() && sameKey(last.key[strings], t.string());
            ++strings;
        }
        if (!same || strings != last.key.size()) {
            last.key.clear();
            last.tags.clear();
            last.tactics.clear();
            last.tags.reserve(qsizetype(items.size()));
            size_t column = 10;
            for (const EcsValue &t : items) {
                if (!t.isString())
                    continue;
                last.key.emplace_back(t.string());
                last.tags.append(textCache().text(t.string(), column++));
                if (t.string().starts_with("mitre_") && t.string().size() > 6)
                    last.tactics.append(textCache().text(t.string().substr(6), column++));
            }
        }
        alert.tags = last.tags;
        alert.tactics = last.tactics;
    }
    if (const EcsValue *t = m_out.find(OTechnique))
        alert.technique = textCache().text(t->items().front().string(), 30);
    if (const EcsValue *t = m_out.find(OSubtechnique))
        alert.subtechnique = textCache().text(t->items().front().string(), 31);
    if (!alert.uuid.isEmpty()) {
        alert.dedupeKey.reserve(2 + alert.uuid.size());
        alert.dedupeKey.append("u:").append(alert.uuid.toUtf8());
    } else {
        alert.dedupeKey.reserve(66);
        alert.dedupeKey.append("h:").append(sha256Hex(toView(m_env.payload)));
    }
}

bool FastMapper::run(simdjson::dom::object root, MapResult *result)
{
    if (!m_options.extraFields.isEmpty())
        return false;
    simdjson::dom::object of;
    for (simdjson::dom::key_value_pair field : root) {
        const int k = falcoKeyOf(field.key);
        if (k < 0 || m_has[k])
            return false;
        m_has[k] = true;
        m_keys[k] = field.key;
        m_order[m_count++] = FalcoKey(k);
        if (k == KOutputFields) {
            if (field.value.get_object().get(of))
                return false;
        } else {
            m_falco[k] = convert(field.value);
        }
    }
    if (!m_has[KOutputFields] || !(m_has[KRule] || m_has[KOutput] || m_has[KPriority]))
        return false;
    m_timestampMs = m_env.hasWrapperTime ? m_env.wrapperTimeMs
                                         : (m_options.readTimeMs > 0 ? m_options.readTimeMs : nowMs());
    if (!outputFields(of) || !classify() || !timestamp() || !hostAndProcess())
        return false;
    containerFileNetwork();
    cleanUp();

    result->status = MapResult::Status::Alert;
    fillAlert(result->alert);
    thread_local std::string buffer(16 << 10, '\0');
    std::size_t size = 0;
    write(buffer, &size);
    result->alert.ecsJson = QByteArray(buffer.data(), qsizetype(size));
    return true;
}

bool looksLikeAlert(const EcsValue &obj)
{
    return obj.find("rule") || obj.find("output") || obj.find("priority");
}

} // namespace

MapResult mapLine(QByteArrayView line, const MapOptions &options)
{
    return mapLineVia(line, options, MapperPath::Auto);
}

MapResult mapLineVia(QByteArrayView line, const MapOptions &options, MapperPath path, bool *fast)
{
    if (fast)
        *fast = false;
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
    if (path == MapperPath::Auto) {
        FastMapper mapper(options, env, text);
        if (mapper.run(root.get_object().value_unsafe(), &result)) {
            if (fast)
                *fast = true;
            return result;
        }
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
