// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArray>
#include <QStringList>

#include <memory>

namespace fe {

struct DemoOptions
{
    qint64 count = 5000;                       // alerts to generate
    quint64 seed = 1;                          // same seed + count + endMs → byte-identical output
    qint64 endMs = 0;                          // newest alert is before this; 0 = now (rounded down to the second)
    qint64 spanMs = 7LL * 24 * 3600 * 1000;    // time range covered, ending at endMs
};

// Generates realistic Falco alerts, one JSON line at a time (no trailing newline), exactly as Falco 0.37+
// emits them with json_output and json_include_output_property: syscall rules from the default rule set
// with their real priorities, tags (MITRE ids and mitre_* tactics), output formats and output_fields,
// k8s_audit rules with ka.* fields, Falco's internal "syscall event drop" events, and a share of
// Falcosidekick-forwarded alerts (with uuid). Hosts, containers, pods, namespaces and images vary; rules
// follow a Pareto-like mix; time runs forward with bursts. Pure: no I/O, no globals, deterministic.
class DemoGenerator
{
public:
    explicit DemoGenerator(const DemoOptions &options = {});
    ~DemoGenerator();
    DemoGenerator(const DemoGenerator &) = delete;
    DemoGenerator &operator=(const DemoGenerator &) = delete;

    bool atEnd() const;
    qint64 generated() const;
    const DemoOptions &options() const;

    // The next alert as one line of Falco JSON (no newline); empty when atEnd().
    QByteArray next();

    // The names of the rules in the catalogue, in catalogue order (most frequent first).
    static QStringList ruleNames();

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace fe
