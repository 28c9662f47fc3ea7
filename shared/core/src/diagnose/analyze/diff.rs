//! What changed between the failing task definition and the last one that ran healthy: the first
//! suspect when a deployment starts failing. Containers are matched by name; environment
//! variables are compared by name only (the views carry no values), secrets by name and source.

use serde::{Deserialize, Serialize};
use std::fmt;

use super::{show_command, td_name};
use crate::diagnose::finding::{Check, Finding, Verdict};
use crate::diagnose::view::{
    ContainerDefinitionView, HealthCheckView, LogConfigView, PortMapping, TaskDefinitionView,
};
use crate::image::ImageRef;

/// What one change is about. The order is the order of suspicion: the summary names the first
/// change by this order, because a new image or command explains a new failure more often than
/// a new port mapping does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Image,
    ContainerAdded,
    ContainerRemoved,
    EntryPoint,
    Command,
    SecretAdded,
    SecretRemoved,
    SecretSource,
    EnvironmentFileAdded,
    EnvironmentFileRemoved,
    EnvironmentAdded,
    EnvironmentRemoved,
    Memory,
    MemoryReservation,
    Cpu,
    TaskMemory,
    TaskCpu,
    HealthCheck,
    PortMappings,
    Essential,
    StopTimeout,
    LogConfiguration,
    ExecutionRole,
    TaskRole,
    CpuArchitecture,
    OsFamily,
    NetworkMode,
    EphemeralStorage,
}

/// One difference. `container` is `None` for task-level changes; `before`/`after` are `None`
/// where the setting was absent (or, for added/removed items, the item's name is in the other).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub container: Option<String>,
    pub kind: ChangeKind,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl Change {
    fn value(v: Option<&str>) -> &str {
        v.unwrap_or("none")
    }

    fn of(&self) -> String {
        self.container
            .as_deref()
            .map(|c| format!(" of {c}"))
            .unwrap_or_default()
    }

    /// The change as a verb phrase ("changed the image of api from a:1 to a:2"); `short` writes
    /// images without their registry, as people name them.
    fn phrase(&self, short: bool) -> String {
        let c = self.container.as_deref().unwrap_or_default();
        let (b, a) = (
            Change::value(self.before.as_deref()),
            Change::value(self.after.as_deref()),
        );
        let changed = |what: &str| format!("changed {what}{} from {b} to {a}", self.of());
        match self.kind {
            ChangeKind::Image => {
                let (b, a) = if short {
                    (short_image(b), short_image(a))
                } else {
                    (b.to_owned(), a.to_owned())
                };
                format!("changed the image{} from {b} to {a}", self.of())
            }
            ChangeKind::ContainerAdded => format!("added container {c} ({a})"),
            ChangeKind::ContainerRemoved => format!("removed container {c} ({b})"),
            ChangeKind::EntryPoint => changed("the entryPoint"),
            ChangeKind::Command => changed("the command"),
            ChangeKind::SecretAdded => format!("added secret {a} to {c}"),
            ChangeKind::SecretRemoved => format!("removed secret {b} from {c}"),
            ChangeKind::SecretSource => {
                let (name, from) = b.split_once(" ← ").unwrap_or((b, b));
                let to = a.split_once(" ← ").map_or(a, |(_, t)| t);
                format!("changed the source of secret {name} of {c} from {from} to {to}")
            }
            ChangeKind::EnvironmentFileAdded => format!("added environment file {a} to {c}"),
            ChangeKind::EnvironmentFileRemoved => format!("removed environment file {b} from {c}"),
            ChangeKind::EnvironmentAdded => format!("added environment variable {a} to {c}"),
            ChangeKind::EnvironmentRemoved => format!("removed environment variable {b} from {c}"),
            ChangeKind::Memory => changed("the hard memory limit"),
            ChangeKind::MemoryReservation => changed("the memory reservation"),
            ChangeKind::Cpu => changed("the cpu"),
            ChangeKind::TaskMemory => changed("the task memory"),
            ChangeKind::TaskCpu => changed("the task cpu"),
            ChangeKind::HealthCheck => changed("the health check"),
            ChangeKind::PortMappings => changed("the port mappings"),
            ChangeKind::Essential => changed("the essential flag"),
            ChangeKind::StopTimeout => changed("the stopTimeout"),
            ChangeKind::LogConfiguration => changed("the log configuration"),
            ChangeKind::ExecutionRole => changed("the execution role"),
            ChangeKind::TaskRole => changed("the task role"),
            ChangeKind::CpuArchitecture => changed("the CPU architecture"),
            ChangeKind::OsFamily => changed("the OS family"),
            ChangeKind::NetworkMode => changed("the network mode"),
            ChangeKind::EphemeralStorage => changed("the ephemeral storage"),
        }
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.phrase(false))
    }
}

/// `orders-api:1.4.2` for `1111….dkr.ecr…/team/orders-api:1.4.2`: the last path segment and the
/// tag (or a shortened digest).
fn short_image(image: &str) -> String {
    let Ok(r) = ImageRef::parse(image) else {
        return image.to_owned();
    };
    let name = r.repository.rsplit('/').next().unwrap_or(&r.repository);
    match (&r.tag, &r.digest) {
        (Some(t), _) => format!("{name}:{t}"),
        (None, Some(d)) => format!("{name}@{}", d.chars().take(19).collect::<String>()),
        (None, None) => name.to_owned(),
    }
}

/// Every difference that matters to diagnosis, task-level first, then per container in the
/// failing definition's order, then removed containers.
pub fn diff_task_definitions(
    failing: &TaskDefinitionView,
    healthy: &TaskDefinitionView,
) -> Vec<Change> {
    let mut out = Vec::new();
    let mut task = |kind, before: &Option<String>, after: &Option<String>| {
        if before != after {
            out.push(Change {
                container: None,
                kind,
                before: before.clone(),
                after: after.clone(),
            });
        }
    };
    task(ChangeKind::TaskCpu, &healthy.cpu, &failing.cpu);
    task(ChangeKind::TaskMemory, &healthy.memory, &failing.memory);
    task(
        ChangeKind::ExecutionRole,
        &healthy.execution_role_arn,
        &failing.execution_role_arn,
    );
    task(
        ChangeKind::TaskRole,
        &healthy.task_role_arn,
        &failing.task_role_arn,
    );
    task(
        ChangeKind::CpuArchitecture,
        &healthy.cpu_architecture,
        &failing.cpu_architecture,
    );
    task(ChangeKind::OsFamily, &healthy.os_family, &failing.os_family);
    task(
        ChangeKind::NetworkMode,
        &healthy.network_mode,
        &failing.network_mode,
    );
    task(
        ChangeKind::EphemeralStorage,
        &healthy.ephemeral_storage_gib.map(|g| format!("{g} GiB")),
        &failing.ephemeral_storage_gib.map(|g| format!("{g} GiB")),
    );
    for c in &failing.containers {
        match healthy.containers.iter().find(|h| h.name == c.name) {
            Some(h) => out.extend(diff_container(h, c)),
            None => out.push(Change {
                container: Some(c.name.clone()),
                kind: ChangeKind::ContainerAdded,
                before: None,
                after: Some(c.image.clone()),
            }),
        }
    }
    for h in &healthy.containers {
        if !failing.containers.iter().any(|c| c.name == h.name) {
            out.push(Change {
                container: Some(h.name.clone()),
                kind: ChangeKind::ContainerRemoved,
                before: Some(h.image.clone()),
                after: None,
            });
        }
    }
    out
}

fn argv(v: &[String]) -> Option<String> {
    (!v.is_empty()).then(|| show_command(v))
}

fn ports(v: &[PortMapping]) -> Option<String> {
    let mut all: Vec<String> = v
        .iter()
        .map(|p| {
            let proto = p.protocol.as_deref().unwrap_or("tcp");
            let cp = p.container_port.map_or("?".to_owned(), |n| n.to_string());
            match p.host_port {
                Some(h) => format!("{cp}/{proto}→host {h}"),
                None => format!("{cp}/{proto}"),
            }
        })
        .collect();
    all.sort();
    (!all.is_empty()).then(|| all.join(", "))
}

fn health(h: &Option<HealthCheckView>) -> Option<String> {
    h.as_ref().map(|h| {
        let n = |v: Option<i32>| v.map_or("default".to_owned(), |v| v.to_string());
        format!(
            "`{}` interval {} timeout {} retries {} startPeriod {}",
            show_command(&h.command),
            n(h.interval_s),
            n(h.timeout_s),
            n(h.retries),
            n(h.start_period_s)
        )
    })
}

fn log(l: &Option<LogConfigView>) -> Option<String> {
    l.as_ref().map(|l| {
        let opts: Vec<String> = l.options.iter().map(|(k, v)| format!("{k}={v}")).collect();
        if opts.is_empty() {
            l.driver.clone()
        } else {
            format!("{} ({})", l.driver, opts.join(", "))
        }
    })
}

fn diff_container(h: &ContainerDefinitionView, c: &ContainerDefinitionView) -> Vec<Change> {
    let mut out = Vec::new();
    let name = Some(c.name.clone());
    let mut push = |kind, before: Option<String>, after: Option<String>| {
        if before != after {
            out.push(Change {
                container: name.clone(),
                kind,
                before,
                after,
            });
        }
    };
    let num = |v: Option<i64>| v.map(|v| v.to_string());
    push(
        ChangeKind::Image,
        Some(h.image.clone()),
        Some(c.image.clone()),
    );
    push(
        ChangeKind::EntryPoint,
        argv(&h.entry_point),
        argv(&c.entry_point),
    );
    push(ChangeKind::Command, argv(&h.command), argv(&c.command));
    push(
        ChangeKind::Memory,
        num(h.memory).map(|m| format!("{m} MiB")),
        num(c.memory).map(|m| format!("{m} MiB")),
    );
    push(
        ChangeKind::MemoryReservation,
        num(h.memory_reservation).map(|m| format!("{m} MiB")),
        num(c.memory_reservation).map(|m| format!("{m} MiB")),
    );
    push(ChangeKind::Cpu, num(h.cpu), num(c.cpu));
    push(
        ChangeKind::PortMappings,
        ports(&h.port_mappings),
        ports(&c.port_mappings),
    );
    push(
        ChangeKind::HealthCheck,
        health(&h.health_check),
        health(&c.health_check),
    );
    push(
        ChangeKind::Essential,
        Some(h.essential.to_string()),
        Some(c.essential.to_string()),
    );
    push(
        ChangeKind::StopTimeout,
        num(h.stop_timeout).map(|s| format!("{s} s")),
        num(c.stop_timeout).map(|s| format!("{s} s")),
    );
    push(ChangeKind::LogConfiguration, log(&h.log), log(&c.log));
    for e in &c.environment_names {
        if !h.environment_names.contains(e) {
            push(ChangeKind::EnvironmentAdded, None, Some(e.clone()));
        }
    }
    for e in &h.environment_names {
        if !c.environment_names.contains(e) {
            push(ChangeKind::EnvironmentRemoved, Some(e.clone()), None);
        }
    }
    for s in &c.secrets {
        match h.secrets.iter().find(|o| o.name == s.name) {
            None => push(ChangeKind::SecretAdded, None, Some(s.name.clone())),
            Some(o) if o.value_from != s.value_from => push(
                ChangeKind::SecretSource,
                Some(format!("{} ← {}", s.name, o.value_from)),
                Some(format!("{} ← {}", s.name, s.value_from)),
            ),
            Some(_) => {}
        }
    }
    for s in &h.secrets {
        if !c.secrets.iter().any(|o| o.name == s.name) {
            push(ChangeKind::SecretRemoved, Some(s.name.clone()), None);
        }
    }
    for f in &c.environment_files {
        if !h.environment_files.contains(f) {
            push(ChangeKind::EnvironmentFileAdded, None, Some(f.clone()));
        }
    }
    for f in &h.environment_files {
        if !c.environment_files.contains(f) {
            push(ChangeKind::EnvironmentFileRemoved, Some(f.clone()), None);
        }
    }
    out
}

/// A tag that can point at another image tomorrow: none (`latest`) or `latest` itself.
fn mutable_tag(image: &str) -> bool {
    ImageRef::parse(image)
        .map(|r| r.digest.is_none() && r.tag.as_deref().is_none_or(|t| t == "latest"))
        .unwrap_or(false)
}

/// The diff as one finding: the most suspicious change in the summary ("Revision 42 changed the
/// image of api from orders-api:1.4.1 to orders-api:1.4.2 (and 2 more changes)"), every change in
/// the details. Context, not a verdict: a change is a suspect, not a proof.
pub fn diff_finding(failing: &TaskDefinitionView, healthy: &TaskDefinitionView) -> Finding {
    let (f_name, h_name) = (td_name(failing), td_name(healthy));
    let subject = if failing.family == healthy.family && !failing.family.is_empty() {
        format!("Revision {}", failing.revision)
    } else {
        f_name.clone()
    };
    let mutable: Vec<String> = failing
        .containers
        .iter()
        .filter(|c| mutable_tag(&c.image))
        .map(|c| {
            format!(
                "{} uses the mutable image {}: the image may have changed without a new revision; compare the digests the tasks ran.",
                c.name, c.image
            )
        })
        .collect();
    if failing.arn == healthy.arn
        && failing.family == healthy.family
        && failing.revision == healthy.revision
    {
        return Finding::new(
            Check::TaskDefinition,
            Verdict::Info,
            format!("{subject} is also the last revision that ran healthy: the failure did not come with a task-definition change."),
        )
        .with_details(mutable);
    }
    let changes = diff_task_definitions(failing, healthy);
    let Some(first) = changes.iter().min_by_key(|c| c.kind) else {
        return Finding::new(
            Check::TaskDefinition,
            Verdict::Info,
            format!(
                "{subject} changed nothing diagnosis compares (images, commands, environment names, secrets, resources, ports, health checks, roles, platform) since {h_name}, the last healthy revision."
            ),
        )
        .with_details(mutable);
    };
    let more = match changes.len().saturating_sub(1) {
        0 => String::new(),
        1 => " (and 1 more change)".to_owned(),
        n => format!(" (and {n} more changes)"),
    };
    let mut details = vec![format!(
        "compared with {h_name}, the last revision that ran healthy:"
    )];
    details.extend(changes.iter().map(|c| format!("- {c}")));
    details.extend(mutable);
    Finding::new(
        Check::TaskDefinition,
        Verdict::Info,
        format!("{subject} {}{more}.", first.phrase(true)),
    )
    .with_details(details)
}
