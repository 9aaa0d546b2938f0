// SPDX-License-Identifier: Apache-2.0
#include "ingest/ecs/pipeline.h"

#include "ingest/ecs/mapsteps.h"
#include "ingest/ecs/sha256.h"
#include "ingest/ecs/textcache.h"

#include <array>
#include <vector>

namespace fe::ecs {

using namespace std::string_view_literals;

inline EcsValue *Pipeline::of()
{
    if (!m_ofCached) {
        m_of = m_doc.find({"falco"sv, "output_fields"sv});
        m_ofCached = true;
    }
    return m_of;
}

inline EcsValue *Pipeline::ofFind(Path path)
{
    EcsValue *o = of();
    return o ? o->find(path) : nullptr;
}

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

namespace {

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

} // namespace

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
                const TimeValue time = m.second.isString() ? rfc3339Ms(m.second.string(), &ms) : TimeValue::Unparsable;
                if (time == TimeValue::Valid)
                    m_timestampMs = ms;
                else if (time == TimeValue::OutOfRange)
                    m_ignoredTimes.append(QStringLiteral("@timestamp"));
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
        if (isEcsCategory(lower(c->string())))
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
        if (isEcsType(lower(t->string())))
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

// 17. @timestamp (§4.5), plus our fallback on falco.time.
bool Pipeline::timestamp()
{
    bool overwrite = false;
    EcsValue *source = timestampSource(ofFind({"evt"sv, "time"sv}), [this] { return ofFind({"event"sv, "time"sv}); },
                                       &overwrite);
    if (source) {
        qint64 ms = 0;
        switch (eventTimeMs(*source, &ms)) {
        case TimeValue::Unparsable:
            return fail("script", "Text '" + source->scalarText() + "' could not be parsed as a date");
        case TimeValue::Valid:
            m_timestampMs = ms;
            m_eventTime = true;
            if (overwrite)
                *source = source->isString() ? isoMs(ms) : EcsValue(std::int64_t(ms));
            return true;
        case TimeValue::OutOfRange:
            // Left as it is in the document; @timestamp falls back as when there is no event time.
            m_ignoredTimes.append(QStringLiteral("evt.time"));
            break;
        }
    }
    // Our improvement: the alert's own RFC 3339 time instead of the read time.
    if (alertTime(&m_timestampMs))
        m_eventTime = true;
    return true;
}

// The alert's own `time` (falco.time), when it is a valid RFC 3339 time in range (else noted as ignored).
bool Pipeline::alertTime(qint64 *ms)
{
    const EcsValue *t = m_doc.find({"falco"sv, "time"sv});
    if (!t || !t->isString())
        return false;
    switch (rfc3339Ms(t->string(), ms)) {
    case TimeValue::Valid: return true;
    case TimeValue::OutOfRange:
        if (!m_ignoredTimes.contains(QStringLiteral("time")))
            m_ignoredTimes.append(QStringLiteral("time"));
        return false;
    case TimeValue::Unparsable: break;
    }
    return false;
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

void Pipeline::fillAlert(Alert &alert)
{
    alert.timestampMs = m_timestampMs;
    alert.timeIsReceipt = !m_eventTime;   // no time of its own: not part of its dedupe key (model/dedupekey.h)
    // A pipeline_error document is what Elasticsearch would store (@timestamp the agent's), but the alert's
    // columns still show what the alert says of itself: its time, rule, host, source, severity, techniques.
    if (m_failed && !m_eventTime) {
        qint64 ms = 0;
        if (alertTime(&ms)) {
            alert.timestampMs = ms;
            alert.timeIsReceipt = false;
        }
    }
    alert.priority = priorityOf(m_doc.find({"falco"sv, "priority"sv}));
    if (const EcsValue *sev = m_doc.find({"event"sv, "severity"sv}); sev && sev->type() == EcsValue::Type::Int)
        alert.severity = int(sev->toInt());
    alert.rule = stringAt(m_doc, {"rule"sv, "name"sv});
    alert.hostname = stringAt(m_doc, {"host"sv, "name"sv});
    alert.source = stringAt(m_doc, {"event"sv, "provider"sv});
    const bool document = m_options.buildDocument;
    if (document)
        alert.output = stringAt(m_doc, {"falco"sv, "output"sv}, false);
    alert.uuid = stringAt(m_doc, {"falco"sv, "uuid"sv}, false);
    alert.containerId = stringAt(m_doc, {"container"sv, "id"sv});
    alert.containerName = stringAt(m_doc, {"container"sv, "name"sv});
    // output_fields is expanded unless the pipeline failed before step 7: then its keys are still dotted.
    const auto ofField = [this](Path path, std::string_view dotted) {
        const EcsValue *v = ofFind(path);
        return v ? v : ofFind({dotted});
    };
    alert.containerImage = imageColumn(m_doc.find({"container"sv, "image"sv, "name"sv}),
                                       ofField({"container"sv, "image"sv, "repository"sv}, "container.image.repository"sv),
                                       ofField({"container"sv, "image"sv, "tag"sv}, "container.image.tag"sv));
    alert.podName = stringAt(m_doc, {"orchestrator"sv, "resource"sv, "name"sv});
    alert.namespaceName = stringAt(m_doc, {"orchestrator"sv, "namespace"sv});
    alert.processName = stringAt(m_doc, {"process"sv, "name"sv});
    if (document)
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
    if (m_failed)
        fillFromFalco(alert);
    if (!alert.uuid.isEmpty()) {
        alert.dedupeKey.reserve(2 + alert.uuid.size());
        alert.dedupeKey.append("u:").append(alert.uuid.toUtf8());
    } else {
        alert.dedupeKey.reserve(66);
        alert.dedupeKey.append("h:").append(
            sha256Hex(toView(m_env.payload)));
    }
    if (document)
        alert.ecsJson = m_doc.toJson();
}

// The columns a failed pipeline may not have reached (steps 12-16), from the falco object as the steps would
// have set them.
void Pipeline::fillFromFalco(Alert &alert)
{
    const EcsValue *falco = m_doc.find("falco");
    const auto text = [falco](std::string_view key) {
        const EcsValue *v = falco ? falco->find(key) : nullptr;
        return v && !v->isEmptyValue() ? stringOf(v) : QString();
    };
    if (alert.rule.isEmpty())
        alert.rule = text("rule");
    if (alert.hostname.isEmpty())
        alert.hostname = text("hostname");
    if (alert.source.isEmpty())
        alert.source = text("source");
    if (const EcsValue *p = falco ? falco->find("priority") : nullptr; alert.severity <= 0 && p && p->isString()) {
        if (const int sev = severityFor(lower(p->string())); sev > 0)
            alert.severity = sev;
    }
    if (const EcsValue *tags = falco ? falco->find("tags") : nullptr; tags && tags->isArray()) {
        const auto [technique, subtechnique] = findTechniques(tags->items());
        if (alert.technique.isEmpty() && !technique.empty())
            alert.technique = textCache().text(technique);
        if (alert.subtechnique.isEmpty() && !subtechnique.empty())
            alert.subtechnique = textCache().text(subtechnique);
    }
}

MapResult Pipeline::run(EcsValue parsed)
{
    // Agent side: @timestamp first (so the document reads like the integration's), input, log.*, tags.
    m_timestampMs = m_options.readTimeMs > 0 ? m_options.readTimeMs : nowMs();
    if (m_env.hasWrapperTime && timeInRange(m_env.wrapperTimeMs))
        m_timestampMs = m_env.wrapperTimeMs;
    else if (m_env.hasWrapperTime)
        m_ignoredTimes.append(m_env.hasSyslog ? QStringLiteral("syslog header") : QStringLiteral("log wrapper"));
    m_doc.append("@timestamp", EcsValue());
    const bool tcp = m_options.input == MapOptions::Input::Tcp;
    // Elastic Agent's logfile input stores input.type "log" (as the integration's logfile packages show).
    m_doc.append("input", EcsValue::object()).append("type", EcsValue(tcp ? "tcp"sv : "log"sv));
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
        event.append("original", tcp || m_env.fromCef ? inputText(m_env.line) : EcsValue::view(m_env.payload));

    if (envelopeAndParse(std::move(parsed)) && normaliseOutputFields() && classify() && timestamp()
        && hostAndProcess() && containerFileNetwork())
        cleanUp();
    finish();

    MapResult result;
    result.status = MapResult::Status::Alert;
    if (m_failed)
        result.error = QString::fromStdString(m_error);
    fillAlert(result.alert);
    if (!m_ignoredTimes.isEmpty())
        result.warning = ignoredTimesWarning(m_ignoredTimes);
    return result;
}

} // namespace fe::ecs
