//! The analyses of the diagnosis: one pure function per item of the on-call checklist, from the
//! views the enrichment read to [`Finding`]s a person can act on.
//!
//! Every function here is synchronous and total: it reads only its arguments, never panics, and
//! turns what it cannot judge into an `Info` finding rather than a guess. A finding's `refines`
//! is set only when the finding *proves* a taxonomy category for this stop; that is why several
//! analyses take the classifier's current category: the same fact (a subnet without a route) is
//! the cause of an image pull timeout and merely worth fixing after an OOM kill.
//!
//! [`Finding`]: super::Finding

pub mod capacity;
pub mod diff;
pub mod image;
pub mod load_balancer;
pub mod network;
pub mod taskdef;

pub use capacity::analyze_capacity;
pub use diff::{diff_finding, diff_task_definitions, Change, ChangeKind};
pub use image::analyze_image;
pub use load_balancer::{analyze_load_balancer, reason_meaning};
pub use network::{analyze_network, needs_for, Need};
pub use taskdef::{
    analyze_task_definition, awslogs_stream_name, log_stream, secret_store, SecretStore,
};

use super::view::{ContainerDefinitionView, TaskDefinitionView};
use crate::event::TaskStateChange;
use crate::taxonomy::Category;

/// `family:revision`, the name people use for a task definition.
pub(crate) fn td_name(td: &TaskDefinitionView) -> String {
    if !td.family.is_empty() {
        return format!("{}:{}", td.family, td.revision);
    }
    match td.arn.split_once("task-definition/") {
        Some((_, name)) if !name.is_empty() => name.to_owned(),
        _ if !td.arn.is_empty() => td.arn.clone(),
        _ => "the task definition".to_owned(),
    }
}

/// CPU units of a task-level `cpu` (`"256"`, `"1 vCPU"`, `"0.5vcpu"`).
pub(crate) fn parse_cpu_units(s: &str) -> Option<i64> {
    let s = s.trim().to_ascii_lowercase();
    if let Some(v) = s.strip_suffix("vcpu") {
        let v: f64 = v.trim().parse().ok()?;
        return to_units(v * 1024.0);
    }
    s.parse().ok()
}

/// MiB of a task-level `memory` (`"512"`, `"1 GB"`, `"2gb"`).
pub(crate) fn parse_memory_mib(s: &str) -> Option<i64> {
    let s = s.trim().to_ascii_lowercase();
    if let Some(v) = s.strip_suffix("gb") {
        let v: f64 = v.trim().parse().ok()?;
        return to_units(v * 1024.0);
    }
    s.strip_suffix("mb").unwrap_or(&s).trim().parse().ok()
}

fn to_units(v: f64) -> Option<i64> {
    // The values are small (at most 16 384 CPU units, 122 880 MiB), so the cast cannot truncate.
    (0.0..1e12).contains(&v).then_some(v.round() as i64)
}

/// `"a"`, `"a and b"`, `"a, b and c"`.
pub(crate) fn join_and<S: AsRef<str>>(items: &[S]) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_owned(),
        [init @ .., last] => format!(
            "{} and {}",
            init.iter()
                .map(AsRef::as_ref)
                .collect::<Vec<_>>()
                .join(", "),
            last.as_ref()
        ),
    }
}

/// `"1 container"`, `"2 containers"`.
pub(crate) fn count(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Words that mark an argument as a credential: `--password=…`, `DB_TOKEN=…`.
const SECRET_WORDS: &[&str] = &[
    "pass",
    "pwd",
    "secret",
    "token",
    "key",
    "credential",
    "auth",
];

fn secret_word(s: &str) -> bool {
    let s = s.to_ascii_lowercase();
    SECRET_WORDS.iter().any(|w| s.contains(w))
}

/// A command (entryPoint/command/health check) as one line for a person, with what looks like a
/// credential masked: the value of `name=value` when the name says secret, the argument after a
/// `--password`-like flag, and the password of a `scheme://user:password@host` URL. Commands in
/// task definitions are readable by anyone with `ecs:DescribeTaskDefinition`, but findings travel
/// further (mail, chat), so this errs on the side of masking.
pub(crate) fn show_command(argv: &[String]) -> String {
    let mut out = Vec::with_capacity(argv.len());
    let mut mask_next = false;
    for arg in argv {
        if mask_next {
            out.push("***".to_owned());
            mask_next = false;
            continue;
        }
        out.push(mask_arg(arg));
        mask_next = arg.starts_with('-') && !arg.contains('=') && secret_word(arg);
    }
    out.join(" ")
}

fn mask_arg(arg: &str) -> String {
    let masked_url = mask_url_password(arg);
    // Mask every `name=value` word whose name says secret, also inside a `sh -c` script.
    masked_url
        .split(' ')
        .map(|word| match word.split_once('=') {
            Some((name, value)) if !value.is_empty() && secret_word(name) => format!("{name}=***"),
            _ => word.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn mask_url_password(s: &str) -> String {
    let Some((scheme, rest)) = s.split_once("://") else {
        return s.to_owned();
    };
    let Some((userinfo, host)) = rest.split_once('@') else {
        return s.to_owned();
    };
    match userinfo.split_once(':') {
        Some((user, _)) if !userinfo.contains('/') => format!("{scheme}://{user}:***@{host}"),
        _ => s.to_owned(),
    }
}

/// Whether the task runs on Fargate: its launch type or capacity provider says so, else the task
/// definition requires it.
pub(crate) fn is_fargate(td: &TaskDefinitionView, task: Option<&TaskStateChange>) -> bool {
    if let Some(t) = task {
        if let Some(lt) = t.launch_type.as_deref() {
            return lt.eq_ignore_ascii_case("FARGATE");
        }
        if let Some(cp) = t.capacity_provider_name.as_deref() {
            if cp.to_ascii_uppercase().starts_with("FARGATE") {
                return true;
            }
        }
    }
    td.requires_compatibilities
        .iter()
        .any(|c| c.eq_ignore_ascii_case("FARGATE"))
}

/// The network mode in effect: the task definition's, else `awsvpc` on Fargate and `bridge` on
/// EC2 (the defaults of "Task definition parameters: networkMode").
pub(crate) fn network_mode(td: &TaskDefinitionView) -> String {
    match td.network_mode.as_deref() {
        Some(m) if !m.is_empty() => m.to_ascii_lowercase(),
        _ if is_fargate(td, None) => "awsvpc".to_owned(),
        _ => "bridge".to_owned(),
    }
}

/// The host ports a task binds on its host, with protocol, per container: every mapping in
/// `host` and `awsvpc` mode (the host port is the container port), only non-zero host ports in
/// `bridge` mode (0 or none is a dynamic port).
pub(crate) fn host_ports(td: &TaskDefinitionView) -> Vec<(i32, String, &ContainerDefinitionView)> {
    let mode = network_mode(td);
    let mut out = Vec::new();
    for c in &td.containers {
        for pm in &c.port_mappings {
            let port = match mode.as_str() {
                "host" | "awsvpc" => pm.host_port.filter(|p| *p > 0).or(pm.container_port),
                "bridge" => pm.host_port.filter(|p| *p > 0),
                _ => None,
            };
            if let Some(port) = port.filter(|p| *p > 0) {
                let proto = pm.protocol.as_deref().unwrap_or("tcp").to_ascii_lowercase();
                out.push((port, proto, c));
            }
        }
    }
    out
}

/// The CPU units and MiB one task of the definition reserves: the task-level values, else the
/// sum of the containers' (`memory`, else `memoryReservation`).
pub(crate) fn task_needs(td: &TaskDefinitionView) -> (Option<i64>, Option<i64>) {
    let cpu = td.cpu.as_deref().and_then(parse_cpu_units).or_else(|| {
        let sum: i64 = td.containers.iter().filter_map(|c| c.cpu).sum();
        (sum > 0).then_some(sum)
    });
    let memory = td.memory.as_deref().and_then(parse_memory_mib).or_else(|| {
        let sum: i64 = td
            .containers
            .iter()
            .filter_map(|c| c.memory.or(c.memory_reservation))
            .sum();
        (sum > 0).then_some(sum)
    });
    (cpu, memory)
}

/// Stops where the task never got to run its application: the failure happened while ECS was
/// preparing it (pulling, fetching secrets, starting the log driver) or placing it, and the
/// classifier could not say exactly why. Configuration that makes such a start impossible is
/// then the cause; after a task that ran, the same configuration cannot be.
pub(crate) fn is_unexplained_launch(category: Category) -> bool {
    matches!(
        category,
        Category::TaskFailedToStartUnspecified
            | Category::ContainerStartFailed
            | Category::DeploymentFailed
            | Category::Unknown
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_task_sizes_in_both_notations() {
        assert_eq!(parse_cpu_units("256"), Some(256));
        assert_eq!(parse_cpu_units("1 vCPU"), Some(1024));
        assert_eq!(parse_cpu_units(".5 vcpu"), Some(512));
        assert_eq!(parse_memory_mib("512"), Some(512));
        assert_eq!(parse_memory_mib("2 GB"), Some(2048));
        assert_eq!(parse_memory_mib("0.5GB"), Some(512));
        assert_eq!(parse_memory_mib("lots"), None);
    }

    #[test]
    fn masks_credentials_in_commands() {
        let argv: Vec<String> = [
            "app",
            "--password",
            "hunter2",
            "--db-token=abc",
            "postgres://u:pw@db/x",
            "--port=8080",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        assert_eq!(
            show_command(&argv),
            "app --password *** --db-token=*** postgres://u:***@db/x --port=8080"
        );
    }

    #[test]
    fn joins_lists_like_a_sentence() {
        assert_eq!(join_and::<&str>(&[]), "");
        assert_eq!(join_and(&["a"]), "a");
        assert_eq!(join_and(&["a", "b", "c"]), "a, b and c");
    }
}
