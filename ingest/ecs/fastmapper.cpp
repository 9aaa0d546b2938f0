// SPDX-License-Identifier: Apache-2.0
#include "ingest/ecs/fastmapper.h"

#include "ingest/ecs/jsonwriter.h"
#include "ingest/ecs/sha256.h"
#include "ingest/ecs/textcache.h"
#include "ingest/syslog/syslogmessage.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

namespace fe::ecs {

using namespace std::string_view_literals;

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

namespace {

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

} // namespace

OutTree &FastMapper::outTree()
{
    thread_local OutTree tree;
    tree.clear();
    return tree;
}

void FastMapper::copy(const EcsValue *v, OutNode to)
{
    if (v && !v->isEmptyValue())
        m_out.set(to, *v);
}

namespace {

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

} // namespace

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
        if (isEcsCategory(lower(c->string())))
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
            lastAnswer = isEcsType(lower(t->string())) ? std::string_view()
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
    if (m_options.buildDocument)
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
        if (eventTimeMs(*source, &ms) != TimeValue::Valid)
            return false;   // a pipeline_error, or a time out of range (Pipeline warns)
        m_timestampMs = ms;
        m_eventTime = true;
        if (overwrite)
            *source = source->isString() ? isoMs(ms) : EcsValue(std::int64_t(ms));
        return true;
    }
    if (m_has[KTime] && m_falco[KTime].isString()) {
        qint64 ms = 0;
        switch (rfc3339Ms(m_falco[KTime].string(), &ms)) {
        case TimeValue::Valid:
            m_timestampMs = ms;
            m_eventTime = true;
            break;
        case TimeValue::OutOfRange: return false;   // Pipeline warns
        case TimeValue::Unparsable: break;
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
    const bool document = m_options.buildDocument;   // the fields only the document holds
    if (EcsValue list = document ? processArgs(proc[PExepath], proc[PArgs]) : EcsValue(); !list.isNull())
        m_out.set(OArgs, std::move(list));
    copy(proc[PCmdline], OCommandLine);
    copy(proc[PPcmdline], OParentCommandLine);
    copy(proc[PCmdnargs], OArgsCount);
    if (const EcsValue *env = proc[PEnv]; document && env && env->isString()) {
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
    if (m_options.buildDocument)
        m_out.set(OMounts, parseMounts(container[CMounts]));
}

namespace {

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

} // namespace

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
    w.put(tcp ? ",\"input\":{\"type\":\"tcp\"}"sv : ",\"input\":{\"type\":\"log\"}"sv);
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
        // A CEF record was turned into the payload: the original is what was received.
        if (tcp || m_env.fromCef)
            inputText(m_env.line).writeJson(w);
        else
            w.string(m_env.payload);
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
    if (m_options.buildDocument)
        alert.output = stringOf(m_has[KOutput] ? &m_falco[KOutput] : nullptr, false);
    alert.uuid = stringOf(m_has[KUuid] ? &m_falco[KUuid] : nullptr, false);
    alert.containerId = columnText(m_out.find(OContainerId), 3);
    alert.containerName = columnText(m_out.find(OContainerName), 4);
    const EcsValue *image = in(m_of.find("container"), "image"sv);
    alert.containerImage = imageColumn(m_out.find(OImageName), in(image, "repository"sv), in(image, "tag"sv));
    alert.podName = columnText(m_out.find(OResourceName), 6);
    alert.namespaceName = columnText(m_out.find(ONamespace), 7);
    alert.processName = columnText(m_out.find(OName), 8);
    // A rule's command lines repeat too: shared like the other columns (same text as Pipeline's own copy).
    if (m_options.buildDocument)
        alert.commandLine = columnText(m_out.find(OCommandLine), 29);
    alert.userName = columnText(m_out.find(OUserName), 9);
    if (m_has[KTags] && m_falco[KTags].isArray())
        setTagColumns(m_falco[KTags].items(), alert);
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
    // PathFilter holds a few hundred paths well; more (no real alert has them) go to Pipeline.
    if (of.size() > 512)
        return false;
    if (m_env.hasWrapperTime && !timeInRange(m_env.wrapperTimeMs))
        return false;   // Pipeline warns
    m_timestampMs = m_env.hasWrapperTime ? m_env.wrapperTimeMs
                                         : (m_options.readTimeMs > 0 ? m_options.readTimeMs : nowMs());
    if (!outputFields(of) || !classify() || !timestamp() || !hostAndProcess())
        return false;
    containerFileNetwork();
    result->status = MapResult::Status::Alert;
    fillAlert(result->alert);
    if (!m_options.buildDocument)
        return true;
    cleanUp();
    thread_local std::string buffer(16 << 10, '\0');
    std::size_t size = 0;
    write(buffer, &size);
    result->alert.ecsJson = QByteArray(buffer.data(), qsizetype(size));
    JsonWriter::trimBuffer(buffer, 16 << 10);
    return true;
}

} // namespace fe::ecs
