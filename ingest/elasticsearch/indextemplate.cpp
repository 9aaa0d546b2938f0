// SPDX-License-Identifier: Apache-2.0
#include "ingest/elasticsearch/indextemplate.h"

#include <nlohmann/json.hpp>

#include <set>
#include <string>
#include <utility>

namespace fe {

namespace {

using Json = nlohmann::json;

// The integration's field list ("Exported fields" of the Falco integration README, package 2.0.x), as (field, type).
const std::pair<const char *, const char *> s_integrationFields[] = {
    {"@timestamp", "date"},
    {"cloud.image.id", "keyword"},
    {"data_stream.dataset", "constant_keyword"},
    {"data_stream.namespace", "constant_keyword"},
    {"data_stream.type", "constant_keyword"},
    {"event.dataset", "constant_keyword"},
    {"event.module", "constant_keyword"},
    {"falco.container.mounts", "nested"},
    {"falco.container.mounts.dest", "keyword"},
    {"falco.container.mounts.mode", "keyword"},
    {"falco.container.mounts.propagation", "keyword"},
    {"falco.container.mounts.rdrw", "keyword"},
    {"falco.container.mounts.source", "keyword"},
    {"falco.hostname", "keyword"},
    {"falco.output", "text"},
    {"falco.output_fields.client.ip", "ip"},
    {"falco.output_fields.container.cni_json", "object"},
    {"falco.output_fields.container.duration", "long"},
    {"falco.output_fields.container.full_id", "text"},
    {"falco.output_fields.container.healthcheck", "text"},
    {"falco.output_fields.container.id", "keyword"},
    {"falco.output_fields.container.image.digest", "text"},
    {"falco.output_fields.container.image.full_id", "keyword"},
    {"falco.output_fields.container.image.id", "keyword"},
    {"falco.output_fields.container.image.name", "text"},
    {"falco.output_fields.container.image.repository", "keyword"},
    {"falco.output_fields.container.image.tag", "text"},
    {"falco.output_fields.container.ip", "text"},
    {"falco.output_fields.container.liveness_probe", "text"},
    {"falco.output_fields.container.mounts", "text"},
    {"falco.output_fields.container.name", "keyword"},
    {"falco.output_fields.container.privileged", "boolean"},
    {"falco.output_fields.container.readiness_probe", "text"},
    {"falco.output_fields.container.start_ts", "date_nanos"},
    {"falco.output_fields.container.type", "text"},
    {"falco.output_fields.destination.ip", "ip"},
    {"falco.output_fields.evt.abspath", "text"},
    {"falco.output_fields.evt.abspath_dst", "text"},
    {"falco.output_fields.evt.abspath_src", "text"},
    {"falco.output_fields.evt.arg.flags", "text"},
    {"falco.output_fields.evt.args", "text"},
    {"falco.output_fields.evt.asynctype", "keyword"},
    {"falco.output_fields.evt.buffer", "binary"},
    {"falco.output_fields.evt.buflen", "unsigned_long"},
    {"falco.output_fields.evt.category", "text"},
    {"falco.output_fields.evt.count.error", "integer"},
    {"falco.output_fields.evt.count.error_file", "integer"},
    {"falco.output_fields.evt.count.error_memory", "integer"},
    {"falco.output_fields.evt.count.error_net", "integer"},
    {"falco.output_fields.evt.count.error_other", "integer"},
    {"falco.output_fields.evt.count.exit", "integer"},
    {"falco.output_fields.evt.cpu", "integer"},
    {"falco.output_fields.evt.deltatime", "long"},
    {"falco.output_fields.evt.dir", "keyword"},
    {"falco.output_fields.evt.failed", "boolean"},
    {"falco.output_fields.evt.hostname", "text"},
    {"falco.output_fields.evt.info", "text"},
    {"falco.output_fields.evt.io_dir", "keyword"},
    {"falco.output_fields.evt.is_async", "boolean"},
    {"falco.output_fields.evt.is_io", "boolean"},
    {"falco.output_fields.evt.is_io_read", "boolean"},
    {"falco.output_fields.evt.is_io_write", "boolean"},
    {"falco.output_fields.evt.is_open_create", "boolean"},
    {"falco.output_fields.evt.is_open_exec", "boolean"},
    {"falco.output_fields.evt.is_open_read", "boolean"},
    {"falco.output_fields.evt.is_open_write", "boolean"},
    {"falco.output_fields.evt.is_syslog", "boolean"},
    {"falco.output_fields.evt.is_wait", "boolean"},
    {"falco.output_fields.evt.latency", "long"},
    {"falco.output_fields.evt.num", "integer"},
    {"falco.output_fields.evt.plugininfo", "text"},
    {"falco.output_fields.evt.pluginname", "keyword"},
    {"falco.output_fields.evt.rawres", "long"},
    {"falco.output_fields.evt.res", "text"},
    {"falco.output_fields.evt.source", "text"},
    {"falco.output_fields.evt.time", "date"},
    {"falco.output_fields.evt.time.iso8601", "date"},
    {"falco.output_fields.evt.type", "text"},
    {"falco.output_fields.evt.wait_latency", "long"},
    {"falco.output_fields.fd.I4proto", "keyword"},
    {"falco.output_fields.fd.cip.name", "text"},
    {"falco.output_fields.fd.connected", "boolean"},
    {"falco.output_fields.fd.containerdirectory", "keyword"},
    {"falco.output_fields.fd.containername", "keyword"},
    {"falco.output_fields.fd.cport", "long"},
    {"falco.output_fields.fd.cproto", "keyword"},
    {"falco.output_fields.fd.dev", "integer"},
    {"falco.output_fields.fd.dev_major", "integer"},
    {"falco.output_fields.fd.dev_minor", "integer"},
    {"falco.output_fields.fd.directory", "text"},
    {"falco.output_fields.fd.filename", "text"},
    {"falco.output_fields.fd.ino", "text"},
    {"falco.output_fields.fd.is_server", "boolean"},
    {"falco.output_fields.fd.lip.name", "text"},
    {"falco.output_fields.fd.lport", "long"},
    {"falco.output_fields.fd.lproto", "keyword"},
    {"falco.output_fields.fd.name", "text"},
    {"falco.output_fields.fd.name_changed", "boolean"},
    {"falco.output_fields.fd.num", "long"},
    {"falco.output_fields.fd.rip.name", "text"},
    {"falco.output_fields.fd.rport", "long"},
    {"falco.output_fields.fd.rproto", "keyword"},
    {"falco.output_fields.fd.sip.name", "text"},
    {"falco.output_fields.fd.sockfamily", "keyword"},
    {"falco.output_fields.fd.sport", "long"},
    {"falco.output_fields.fd.sproto", "keyword"},
    {"falco.output_fields.fd.type", "keyword"},
    {"falco.output_fields.fd.typechar", "keyword"},
    {"falco.output_fields.fd.uid", "keyword"},
    {"falco.output_fields.fdlist.cips", "ip"},
    {"falco.output_fields.fdlist.cports", "ip"},
    {"falco.output_fields.fdlist.names", "keyword"},
    {"falco.output_fields.fdlist.sips", "ip"},
    {"falco.output_fields.fdlist.sports", "ip"},
    {"falco.output_fields.fs.path.name", "keyword"},
    {"falco.output_fields.fs.path.source", "keyword"},
    {"falco.output_fields.fs.path.target", "keyword"},
    {"falco.output_fields.group.gid", "integer"},
    {"falco.output_fields.group.name", "text"},
    {"falco.output_fields.k8s.ns.name", "text"},
    {"falco.output_fields.k8s.pod.cni_json", "object"},
    {"falco.output_fields.k8s.pod.full_sandbox_id", "keyword"},
    {"falco.output_fields.k8s.pod.ip", "text"},
    {"falco.output_fields.k8s.pod.labels", "text"},
    {"falco.output_fields.k8s.pod.name", "text"},
    {"falco.output_fields.k8s.pod.sandbox_id", "keyword"},
    {"falco.output_fields.k8s.pod.uid", "text"},
    {"falco.output_fields.output", "text"},
    {"falco.output_fields.priority", "keyword"},
    {"falco.output_fields.proc.args", "text"},
    {"falco.output_fields.proc.cmdlenargs", "long"},
    {"falco.output_fields.proc.cmdline", "text"},
    {"falco.output_fields.proc.cmdnargs", "integer"},
    {"falco.output_fields.proc.cwd", "text"},
    {"falco.output_fields.proc.duration", "text"},
    {"falco.output_fields.proc.env", "text"},
    {"falco.output_fields.proc.exe", "text"},
    {"falco.output_fields.proc.exe_ino", "long"},
    {"falco.output_fields.proc.exe_ino_ctime", "date_nanos"},
    {"falco.output_fields.proc.exe_ino_ctime_duration_pidns_start", "long"},
    {"falco.output_fields.proc.exe_ino_ctime_duration_proc_start", "long"},
    {"falco.output_fields.proc.exe_ino_mtime", "date_nanos"},
    {"falco.output_fields.proc.exeline", "text"},
    {"falco.output_fields.proc.exepath", "text"},
    {"falco.output_fields.proc.fdopencount", "unsigned_long"},
    {"falco.output_fields.proc.fdopenlimit", "long"},
    {"falco.output_fields.proc.fdusage", "double"},
    {"falco.output_fields.proc.is_container_healthcheck", "boolean"},
    {"falco.output_fields.proc.is_container_liveness_probe", "boolean"},
    {"falco.output_fields.proc.is_container_readiness_probe", "boolean"},
    {"falco.output_fields.proc.is_exe_from_memfd", "boolean"},
    {"falco.output_fields.proc.is_exe_upper_layer", "boolean"},
    {"falco.output_fields.proc.is_exe_writable", "boolean"},
    {"falco.output_fields.proc.is_sid_leader", "boolean"},
    {"falco.output_fields.proc.is_vpgid_leader", "boolean"},
    {"falco.output_fields.proc.loginshellid", "long"},
    {"falco.output_fields.proc.name", "text"},
    {"falco.output_fields.proc.nchilds", "unsigned_long"},
    {"falco.output_fields.proc.nthreads", "unsigned_long"},
    {"falco.output_fields.proc.pcmdline", "text"},
    {"falco.output_fields.proc.pexe", "text"},
    {"falco.output_fields.proc.pexepath", "text"},
    {"falco.output_fields.proc.pid.ts", "text"},
    {"falco.output_fields.proc.pidns_init_start_ts", "date_nanos"},
    {"falco.output_fields.proc.pname", "text"},
    {"falco.output_fields.proc.ppid", "integer"},
    {"falco.output_fields.proc.ppid.duration", "long"},
    {"falco.output_fields.proc.ppid.ts", "text"},
    {"falco.output_fields.proc.pvpid", "integer"},
    {"falco.output_fields.proc.sid", "integer"},
    {"falco.output_fields.proc.sid.exe", "text"},
    {"falco.output_fields.proc.sid.exepath", "text"},
    {"falco.output_fields.proc.sname", "text"},
    {"falco.output_fields.proc.thread.cap_inheritable", "keyword"},
    {"falco.output_fields.proc.tty", "long"},
    {"falco.output_fields.proc.vmrss", "unsigned_long"},
    {"falco.output_fields.proc.vmsize", "unsigned_long"},
    {"falco.output_fields.proc.vmswap", "unsigned_long"},
    {"falco.output_fields.proc.vpgid", "integer"},
    {"falco.output_fields.proc.vpgid.exe", "text"},
    {"falco.output_fields.proc.vpgid.exepath", "text"},
    {"falco.output_fields.proc.vpgid.name", "text"},
    {"falco.output_fields.proc.vpid", "integer"},
    {"falco.output_fields.process.group_leader.vpid", "long"},
    {"falco.output_fields.process.parent.pid", "long"},
    {"falco.output_fields.process.pid", "long"},
    {"falco.output_fields.process.session_leader.pid", "long"},
    {"falco.output_fields.proct.ppid.duration", "text"},
    {"falco.output_fields.rule", "text"},
    {"falco.output_fields.server.ip", "ip"},
    {"falco.output_fields.source.ip", "ip"},
    {"falco.output_fields.syslog.facility", "text"},
    {"falco.output_fields.syslog.facility.str", "text"},
    {"falco.output_fields.syslog.severity", "text"},
    {"falco.output_fields.syslog.severity.str", "text"},
    {"falco.output_fields.thread.cap_effective", "text"},
    {"falco.output_fields.thread.cap_permitted", "text"},
    {"falco.output_fields.thread.cgroups", "flattened"},
    {"falco.output_fields.thread.cpu", "double"},
    {"falco.output_fields.thread.cpu_system", "double"},
    {"falco.output_fields.thread.cpu_user", "double"},
    {"falco.output_fields.thread.exectime", "long"},
    {"falco.output_fields.thread.ismain", "boolean"},
    {"falco.output_fields.thread.pfmajor", "unsigned_long"},
    {"falco.output_fields.thread.pfminor", "unsigned_long"},
    {"falco.output_fields.thread.tid", "integer"},
    {"falco.output_fields.thread.totalexectime", "long"},
    {"falco.output_fields.thread.vmrss", "unsigned_long"},
    {"falco.output_fields.thread.vmsize", "unsigned_long"},
    {"falco.output_fields.thread.vtid", "long"},
    {"falco.output_fields.user.homedir", "text"},
    {"falco.output_fields.user.loginname", "keyword"},
    {"falco.output_fields.user.loginuid", "long"},
    {"falco.output_fields.user.name", "text"},
    {"falco.output_fields.user.shell", "keyword"},
    {"falco.output_fields.user.uid", "integer"},
    {"falco.priority", "keyword"},
    {"falco.rule", "keyword"},
    {"falco.source", "keyword"},
    {"falco.tags", "keyword"},
    {"falco.time", "date"},
    {"falco.uuid", "keyword"},
    {"host.containerized", "boolean"},
    {"host.os.build", "keyword"},
    {"host.os.codename", "keyword"},
    {"input.type", "keyword"},
    {"log.offset", "long"},
    {"log.source.address", "keyword"},
    {"process.group.id", "text"},
    {"process.group.name", "text"},
};

bool isParent(const std::string &field)
{
    const std::string prefix = field + '.';
    for (const auto &[name, type] : s_integrationFields) {
        if (std::string(name).rfind(prefix, 0) == 0)
            return true;
    }
    return false;
}

Json fieldMapping(const std::string &type)
{
    if (type == "date")
        return {{"type", "date"}};
    if (type == "object")
        return {{"type", "object"}};
    if (type == "text")
        return {{"type", "text"}};
    if (type == "constant_keyword")
        return {{"type", "constant_keyword"}};
    if (type == "keyword")
        return {{"type", "keyword"}, {"ignore_above", 1024}};
    return {{"type", type}};
}

// Walks "a.b.c" down nested "properties" objects, creating them as needed; nested stays nested.
Json &slot(Json &properties, const std::string &field)
{
    Json *level = &properties;
    std::string::size_type start = 0;
    for (;;) {
        const auto dot = field.find('.', start);
        const std::string part = field.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
        Json &node = (*level)[part];
        if (dot == std::string::npos)
            return node;
        if (!node.contains("properties"))
            node["properties"] = Json::object();
        level = &node["properties"];
        start = dot + 1;
    }
}

} // namespace

int IndexTemplate::mappedFieldCount(QStringList *skipped)
{
    int count = 0;
    for (const auto &[name, type] : s_integrationFields) {
        if (isParent(name) && std::string(type) != "nested") {
            if (skipped)
                skipped->append(QString::fromUtf8(name));
            continue;
        }
        ++count;
    }
    return count;
}

QByteArray IndexTemplate::build(const QString &indexPattern)
{
    Json properties = Json::object();
    for (const auto &[name, type] : s_integrationFields) {
        const std::string t = type;
        if (t == "nested") {
            slot(properties, name)["type"] = "nested";
            continue;
        }
        if (isParent(name))
            continue;
        Json &node = slot(properties, name);
        const Json mapping = fieldMapping(t);
        for (auto it = mapping.begin(); it != mapping.end(); ++it)
            node[it.key()] = it.value();
    }
    // falco.output_fields is dynamic: false upstream: unlisted Falco fields stay in _source, unindexed.
    Json &outputFields = slot(properties, "falco.output_fields");
    outputFields["dynamic"] = false;
    Json body = {
        {"index_patterns", Json::array({indexPattern.toStdString()})},
        {"data_stream", Json::object()},
        {"priority", 200},
        {"composed_of", Json::array({"logs@mappings", "logs@settings", "ecs@mappings"})},
        {"ignore_missing_component_templates", Json::array({"logs@mappings", "logs@settings", "ecs@mappings"})},
        {"template", {{"mappings", {{"properties", properties}}}}},
        {"_meta", {{"description", "Falco alerts forwarded by Falco Explorer (field types of the Elastic Falco integration)"},
                   {"managed_by", "falco-explorer"}}},
    };
    return QByteArray::fromStdString(body.dump());
}

} // namespace fe
