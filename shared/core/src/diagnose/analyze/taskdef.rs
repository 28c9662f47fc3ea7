//! The task definition, read the way a senior engineer reads it after a stop: what runs (images,
//! resources, essential flags), what can keep it from starting (host-port clashes, a missing
//! execution role, a command ECS cannot execute), where its logs are, and the settings behind
//! the stop the classifier found (the memory limit of an OOM kill, the health check of an
//! unhealthy container, the stop timeout and the signal path of a SIGKILL).
//!
//! Sources: AWS docs "Amazon ECS task definition parameters" (defaults of `networkMode`,
//! `stopTimeout`, `healthCheck`, `essential`), "Amazon ECS task execution IAM role" (when the
//! execution role is required), "Using the awslogs log driver" (stream name
//! `prefix-name/container-name/ecs-task-id`), "Task CPU and memory" (Fargate sizes).

use std::collections::BTreeMap;

use super::{
    count, host_ports, is_fargate, is_unexplained_launch, join_and, network_mode, parse_cpu_units,
    parse_memory_mib, show_command, td_name,
};
use crate::diagnose::finding::{Check, Finding, Verdict};
use crate::diagnose::view::{ContainerDefinitionView, HealthCheckView, TaskDefinitionView};
use crate::event::{arn, Container, TaskStateChange};
use crate::image::ImageRef;
use crate::taxonomy::Category;

/// The stop timeout when the task definition sets none: 30 s on Fargate and (through the agent's
/// `ECS_CONTAINER_STOP_TIMEOUT`) on EC2.
const DEFAULT_STOP_TIMEOUT_S: i64 = 30;
/// Health-check defaults of the task definition (interval 30 s, timeout 5 s, 3 retries, no start
/// period) and the largest start period ECS accepts.
const HC_INTERVAL_S: i32 = 30;
const HC_TIMEOUT_S: i32 = 5;
const HC_RETRIES: i32 = 3;
const HC_MAX_START_PERIOD_S: i32 = 300;

/// Everything the task definition tells about this stop. `blamed_container` is the container
/// the classifier blamed (the subject's `container`), `category` its answer.
pub fn analyze_task_definition(
    td: &TaskDefinitionView,
    task: &TaskStateChange,
    blamed_container: Option<&str>,
    category: Category,
) -> Vec<Finding> {
    let blamed = blamed_container.and_then(|name| td.containers.iter().find(|c| c.name == name));
    let mut out = vec![overview(td, task)];
    out.extend(revision_mismatch(td, task));
    out.extend(blamed_container.and_then(|name| blamed_flags(td, name, blamed)));
    if category == Category::OomKilled {
        out.push(memory_limit(td, task, blamed));
    }
    out.extend(port_conflicts(td, category));
    out.extend(health_checks(td, blamed, category));
    out.extend(roles(td, task, category));
    out.extend(secrets_and_env_files(td));
    out.extend(logs(td, task, blamed, category));
    out.extend(platform(td, task, category));
    if category == Category::SigkillAfterStopTimeout {
        out.extend(stop_timeout(td, blamed));
    }
    out.extend(command_as_one_string(td, blamed, category));
    out
}

/// `(log group, stream prefix)` of a container that logs with `awslogs` and sets both; the
/// stream of one task is then [`awslogs_stream_name`]`(prefix, container, task_id)`.
pub fn log_stream<'a>(td: &'a TaskDefinitionView, container: &str) -> Option<(&'a str, &'a str)> {
    let log = td
        .containers
        .iter()
        .find(|c| c.name == container)?
        .log
        .as_ref()?;
    if log.driver != "awslogs" {
        return None;
    }
    Some((
        log.option("awslogs-group")?,
        log.option("awslogs-stream-prefix")?,
    ))
}

/// The awslogs stream of one container of one task: `<prefix>/<container>/<task-id>` ("Using the
/// awslogs log driver", `awslogs-stream-prefix`). `task_id` may be the task ARN.
pub fn awslogs_stream_name(prefix: &str, container: &str, task_id: &str) -> String {
    let id = arn::task_id(task_id).unwrap_or(task_id);
    format!("{prefix}/{container}/{id}")
}

/// Where a secret's value comes from (`valueFrom`): a Secrets Manager ARN, else an SSM Parameter
/// Store parameter (by ARN or by name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretStore {
    SecretsManager,
    ParameterStore,
}

impl SecretStore {
    pub fn as_str(self) -> &'static str {
        match self {
            SecretStore::SecretsManager => "Secrets Manager",
            SecretStore::ParameterStore => "SSM Parameter Store",
        }
    }
}

pub fn secret_store(value_from: &str) -> SecretStore {
    if value_from.starts_with("arn:") && value_from.split(':').nth(2) == Some("secretsmanager") {
        SecretStore::SecretsManager
    } else {
        SecretStore::ParameterStore
    }
}

fn event_container<'a>(task: &'a TaskStateChange, name: &str) -> Option<&'a Container> {
    task.containers
        .iter()
        .find(|c| c.name.as_deref() == Some(name))
}

fn platform_label(td: &TaskDefinitionView) -> (String, bool) {
    let os = match td.os_family.as_deref() {
        Some(os) if os.to_ascii_uppercase().starts_with("WINDOWS") => "windows",
        _ => "linux",
    };
    let (arch, defaulted) = match td.cpu_architecture.as_deref() {
        Some(a) if a.eq_ignore_ascii_case("ARM64") => ("arm64", false),
        Some(_) => ("amd64", false),
        None => ("amd64", true),
    };
    (format!("{os}/{arch}"), defaulted)
}

pub(crate) fn task_platform(td: &TaskDefinitionView) -> String {
    platform_label(td).0
}

fn memory_text(c: &ContainerDefinitionView) -> String {
    match (c.memory, c.memory_reservation) {
        (Some(h), Some(r)) => format!("memory {h} MiB hard, {r} MiB reserved"),
        (Some(h), None) => format!("memory {h} MiB hard"),
        (None, Some(r)) => format!("memory {r} MiB reserved, no hard limit"),
        (None, None) => "no container memory limit".to_owned(),
    }
}

fn health_check_text(hc: &HealthCheckView) -> String {
    let start = match hc.start_period_s {
        Some(s) if s > 0 => format!("startPeriod {s} s"),
        _ => "no startPeriod".to_owned(),
    };
    format!(
        "`{}` every {} s, timeout {} s, {} retries, {start}",
        show_command(&hc.command),
        hc.interval_s.unwrap_or(HC_INTERVAL_S),
        hc.timeout_s.unwrap_or(HC_TIMEOUT_S),
        hc.retries.unwrap_or(HC_RETRIES),
    )
}

fn overview(td: &TaskDefinitionView, task: &TaskStateChange) -> Finding {
    let name = td_name(td);
    let launch = if is_fargate(td, Some(task)) {
        "Fargate"
    } else {
        "EC2"
    };
    let (platform, defaulted) = platform_label(td);
    let size = match (
        td.cpu.as_deref().and_then(parse_cpu_units),
        td.memory.as_deref().and_then(parse_memory_mib),
    ) {
        (Some(c), Some(m)) => format!("{c} CPU units and {m} MiB"),
        (Some(c), None) => format!("{c} CPU units (no task memory)"),
        (None, Some(m)) => format!("{m} MiB (no task CPU)"),
        (None, None) => "no task-level CPU or memory".to_owned(),
    };
    let names: Vec<String> = td
        .containers
        .iter()
        .map(|c| {
            if c.essential {
                format!("{} (essential)", c.name)
            } else {
                c.name.clone()
            }
        })
        .collect();
    let summary = format!(
        "Task definition {name} ({launch}, {} mode, {platform}) reserves {size} for {}: {}.",
        network_mode(td),
        count(td.containers.len(), "container"),
        join_and(&names)
    );
    let mut details = Vec::new();
    for c in &td.containers {
        let ran = event_container(task, &c.name)
            .and_then(|e| e.image_digest.as_deref())
            .map(|d| format!(" (ran {d})"))
            .unwrap_or_default();
        let cpu = c
            .cpu
            .map(|n| format!("cpu {n}"))
            .unwrap_or_else(|| "no container cpu".to_owned());
        let essential = if c.essential {
            "essential"
        } else {
            "not essential"
        };
        let mut line = format!(
            "{}: image {}{ran}; {cpu}, {}; {essential}",
            c.name,
            c.image,
            memory_text(c)
        );
        if let Some(hc) = &c.health_check {
            line.push_str(&format!("; health check {}", health_check_text(hc)));
        }
        details.push(line);
    }
    if defaulted {
        details.push(format!(
            "runtime platform: none set, so {platform} on Fargate; on EC2 the instance's architecture"
        ));
    }
    details.push(match &td.execution_role_arn {
        Some(r) => format!("execution role: {r}"),
        None => "execution role: none".to_owned(),
    });
    details.push(match &td.task_role_arn {
        Some(r) => format!("task role: {r}"),
        None => "task role: none (the application gets no AWS credentials from ECS)".to_owned(),
    });
    if let Some(gib) = td.ephemeral_storage_gib {
        details.push(format!("ephemeral storage: {gib} GiB"));
    }
    Finding::new(Check::TaskDefinition, Verdict::Info, summary).with_details(details)
}

/// The event says which task definition and which image each container ran; when the view read
/// is another revision, or a container's image differs, every other conclusion here is suspect.
fn revision_mismatch(td: &TaskDefinitionView, task: &TaskStateChange) -> Vec<Finding> {
    let name = td_name(td);
    let mut out = Vec::new();
    if let Some(ran) = task.task_definition_arn.as_deref() {
        if !td.arn.is_empty() && ran != td.arn {
            out.push(Finding::new(
                Check::TaskDefinition,
                Verdict::Warning,
                format!("The task ran {ran}, but the task definition read is {}: the findings below describe the latter.", td.arn),
            ));
        }
    }
    for c in &td.containers {
        let Some(ran) = event_container(task, &c.name).and_then(|e| e.image.as_deref()) else {
            continue;
        };
        if ran != c.image {
            out.push(Finding::new(
                Check::TaskDefinition,
                Verdict::Warning,
                format!(
                    "Container {} ran image {ran}, but task definition {name} names {}.",
                    c.name, c.image
                ),
            ));
        }
    }
    out
}

/// A non-essential container's exit does not stop the task ("essential" in the task definition
/// parameters): if the classifier blamed one, another container (or ECS) stopped the task.
fn blamed_flags(
    td: &TaskDefinitionView,
    name: &str,
    blamed: Option<&ContainerDefinitionView>,
) -> Option<Finding> {
    let td_label = td_name(td);
    let Some(c) = blamed else {
        return Some(Finding::new(
            Check::TaskDefinition,
            Verdict::Warning,
            format!("Container {name} is not in task definition {td_label}."),
        ));
    };
    if c.essential {
        return None;
    }
    let essential: Vec<&str> = td
        .containers
        .iter()
        .filter(|c| c.essential)
        .map(|c| c.name.as_str())
        .collect();
    let others = if essential.is_empty() {
        "no container is marked essential".to_owned()
    } else {
        format!("look at the essential {}", join_and(&essential))
    };
    Some(Finding::new(
        Check::TaskDefinition,
        Verdict::Warning,
        format!(
            "Container {name} is not essential in {td_label}, so its exit cannot stop the task by itself: {others}."
        ),
    ))
}

/// The Fargate memory sizes (MiB) allowed with a CPU size ("Task CPU and memory", Linux).
fn fargate_memory_sizes(cpu: i64) -> Vec<i64> {
    let gib = |from: i64, to: i64, step: usize| -> Vec<i64> {
        (from..=to).step_by(step).map(|g| g * 1024).collect()
    };
    match cpu {
        256 => vec![512, 1024, 2048],
        512 => gib(1, 4, 1),
        1024 => gib(2, 8, 1),
        2048 => gib(4, 16, 1),
        4096 => gib(8, 30, 1),
        8192 => gib(16, 60, 4),
        16384 => gib(32, 120, 8),
        _ => Vec::new(),
    }
}

/// The smallest valid Fargate size with at least `cpu` units and `mib` memory.
fn fargate_size_at_least(cpu: i64, mib: i64) -> Option<(i64, i64)> {
    [256, 512, 1024, 2048, 4096, 8192, 16384]
        .into_iter()
        .filter(|c| *c >= cpu)
        .find_map(|c| {
            fargate_memory_sizes(c)
                .into_iter()
                .find(|m| *m >= mib)
                .map(|m| (c, m))
        })
}

/// After an OOM kill: the limit that was hit and what to raise. A container's `memory` is its
/// hard limit; without one the container may use the task's memory; with neither (EC2) only the
/// instance bounds it.
fn memory_limit(
    td: &TaskDefinitionView,
    task: &TaskStateChange,
    blamed: Option<&ContainerDefinitionView>,
) -> Finding {
    let name = td_name(td);
    let fargate = is_fargate(td, Some(task));
    let task_mem = td
        .memory
        .as_deref()
        .or(task.memory.as_deref())
        .and_then(parse_memory_mib);
    let task_cpu = td
        .cpu
        .as_deref()
        .or(task.cpu.as_deref())
        .and_then(parse_cpu_units);
    let who = blamed.map_or("The task".to_owned(), |c| format!("Container {}", c.name));
    let mut details = Vec::new();
    let summary = match (blamed.and_then(|c| c.memory.map(|m| (c, m))), task_mem) {
        (Some((c, hard)), _) => {
            let proposed = hard * 2;
            let task_note = task_mem
                .map(|t| format!(" (task memory {t} MiB)"))
                .unwrap_or_default();
            details.push(format!(
                "Raise `memory` of {} in {name} above {hard} MiB, e.g. to {proposed} MiB, or lower the application's use (heap size, caches, concurrency).",
                c.name
            ));
            if let Some(t) = task_mem {
                let others: i64 = td
                    .containers
                    .iter()
                    .filter(|o| o.name != c.name)
                    .filter_map(|o| o.memory.or(o.memory_reservation))
                    .sum();
                let needed = others + proposed;
                if needed > t {
                    details.push(task_memory_advice(fargate, task_cpu, t, needed));
                }
            }
            format!("{who} was killed at its hard memory limit of {hard} MiB{task_note}.")
        }
        (None, Some(t)) => {
            details.push(task_memory_advice(fargate, task_cpu, t, t * 2));
            match blamed {
                Some(c) => format!(
                    "Container {} has no hard memory limit of its own, so the task memory of {t} MiB (shared with {}) was its limit.",
                    c.name,
                    count(td.containers.len().saturating_sub(1), "other container")
                ),
                None => format!("The task was killed at its memory of {t} MiB ({name})."),
            }
        }
        (None, None) => {
            details.push(
                "Set a hard `memory` limit (and a `memoryReservation`) so one container cannot take the instance's memory, and size the instance for it."
                    .to_owned(),
            );
            format!(
                "{who} had no memory limit in {name}: the kernel OOM killer acted on the container instance's memory."
            )
        }
    };
    Finding::new(Check::TaskDefinition, Verdict::Problem, summary).with_details(details)
}

fn task_memory_advice(fargate: bool, cpu: Option<i64>, current: i64, needed: i64) -> String {
    if fargate {
        let cpu = cpu.unwrap_or(256);
        match fargate_size_at_least(cpu, needed) {
            Some((c, m)) if c == cpu => format!(
                "Raise the task memory from {current} MiB to at least {m} MiB (a valid Fargate size with {cpu} CPU units)."
            ),
            Some((c, m)) => format!(
                "Raise the task memory from {current} MiB to at least {m} MiB; Fargate allows that with cpu {c} (now {cpu})."
            ),
            None => format!(
                "{needed} MiB is more than Fargate offers: lower the application's memory use."
            ),
        }
    } else {
        format!("Raise the task memory from {current} MiB to at least {needed} MiB.")
    }
}

/// Two containers of one task binding the same host port and protocol cannot both start
/// (`Bind for 0.0.0.0:80 failed: port is already allocated`).
fn port_conflicts(td: &TaskDefinitionView, category: Category) -> Vec<Finding> {
    let name = td_name(td);
    let mode = network_mode(td);
    let ports = host_ports(td);
    let mut by_port: BTreeMap<(i32, &str), Vec<&str>> = BTreeMap::new();
    for (port, proto, c) in &ports {
        by_port
            .entry((*port, proto.as_str()))
            .or_default()
            .push(c.name.as_str());
    }
    let mut out = Vec::new();
    for ((port, proto), users) in &by_port {
        if users.len() < 2 {
            continue;
        }
        let mut distinct = users.clone();
        distinct.dedup();
        let who = match distinct.as_slice() {
            [one] => format!("Container {one} maps host port {port}/{proto} twice"),
            [a, b] => format!("Containers {a} and {b} both bind host port {port}/{proto}"),
            many => format!(
                "Containers {} all bind host port {port}/{proto}",
                join_and(many)
            ),
        };
        out.push(
            Finding::new(
                Check::TaskDefinition,
                Verdict::Problem,
                format!("{who} in task definition {name} ({mode} mode), so only one can start."),
            )
            .with_details(vec![
                "Give each its own port, or in bridge mode use hostPort 0 for a dynamic port."
                    .to_owned(),
            ])
            .refining(Category::PortConflict),
        );
    }
    if out.is_empty() && category == Category::PortConflict {
        let fixed: Vec<String> = ports
            .iter()
            .filter(|_| mode == "host" || mode == "bridge")
            .map(|(p, proto, c)| format!("{p}/{proto} ({})", c.name))
            .collect();
        if !fixed.is_empty() {
            out.push(
                Finding::new(
                    Check::TaskDefinition,
                    Verdict::Info,
                    format!(
                        "Task definition {name} binds fixed host {} {} on its instance: another task on that instance holding one of them causes the conflict.",
                        if fixed.len() == 1 { "port" } else { "ports" },
                        join_and(&fixed)
                    ),
                )
                .with_details(vec![
                    "Use dynamic host ports (hostPort 0 in bridge mode, or awsvpc), or place at most one such task per instance (placement constraint distinctInstance).".to_owned(),
                ]),
            );
        }
    }
    out
}

/// For `container_health_check_failed`: a health check whose failures count before the
/// application is up marks a slow starter UNHEALTHY; `startPeriod` is the cure. Without one, the
/// container is UNHEALTHY after about `interval × retries` seconds of not being ready.
fn health_checks(
    td: &TaskDefinitionView,
    blamed: Option<&ContainerDefinitionView>,
    category: Category,
) -> Vec<Finding> {
    if category != Category::ContainerHealthCheckFailed {
        return Vec::new();
    }
    let name = td_name(td);
    let checked: Vec<&ContainerDefinitionView> = match blamed {
        Some(c) if c.health_check.is_some() => vec![c],
        _ => td
            .containers
            .iter()
            .filter(|c| c.health_check.is_some())
            .collect(),
    };
    if checked.is_empty() {
        return vec![Finding::new(
            Check::TaskDefinition,
            Verdict::Warning,
            format!(
                "No container of task definition {name} defines a health check, yet the task failed container health checks: the revision read may not be the one that ran."
            ),
        )];
    }
    let mut out = Vec::new();
    for c in checked {
        let Some(hc) = &c.health_check else { continue };
        let interval = hc.interval_s.unwrap_or(HC_INTERVAL_S);
        let retries = hc.retries.unwrap_or(HC_RETRIES);
        let window = interval.saturating_mul(retries);
        let mut details = vec![format!(
            "health check of {}: {}",
            c.name,
            health_check_text(hc)
        )];
        details.extend(health_command_notes(&hc.command));
        let start = hc.start_period_s.filter(|s| *s > 0);
        let (verdict, summary) = match start {
            Some(s) if s >= window => (
                Verdict::Info,
                format!(
                    "Container {}'s health check gives it a {s} s start period, longer than interval × retries ({interval} s × {retries}): the application reported UNHEALTHY after starting.",
                    c.name
                ),
            ),
            _ => {
                let suggested = (window * 2).clamp(window, HC_MAX_START_PERIOD_S);
                details.push(format!(
                    "Set startPeriod above the application's startup time (e.g. {suggested} s; at most {HC_MAX_START_PERIOD_S} s): failures inside it do not count."
                ));
                let what = match start {
                    Some(s) => format!("a start period of only {s} s"),
                    None => "no start period".to_owned(),
                };
                (
                    Verdict::Warning,
                    format!(
                        "Container {}'s health check has {what}, so it is UNHEALTHY about {window} s (interval {interval} s × {retries} retries) after start if the application is not ready by then.",
                        c.name
                    ),
                )
            }
        };
        out.push(Finding::new(Check::TaskDefinition, verdict, summary).with_details(details));
    }
    out
}

/// Common ways a health-check command fails regardless of the application.
fn health_command_notes(command: &[String]) -> Vec<String> {
    let mut notes = Vec::new();
    let text = command.join(" ");
    for tool in ["curl", "wget"] {
        if text
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| w == tool)
        {
            notes.push(format!(
                "The check runs {tool}: the image must contain it (slim and distroless images often do not), else every check fails with exit 127."
            ));
        }
    }
    match command.first().map(String::as_str) {
        Some("CMD") if ["||", "&&", "|", ";"].iter().any(|op| command.iter().any(|a| a == op)) => {
            notes.push(
                "The check uses CMD with shell operators: without a shell they reach the program as arguments; use CMD-SHELL."
                    .to_owned(),
            )
        }
        Some("CMD" | "CMD-SHELL") | None => {}
        Some(_) => notes.push(
            "The check command does not start with CMD or CMD-SHELL as ECS expects.".to_owned(),
        ),
    }
    notes
}

/// The execution role is what ECS itself uses to prepare the task ("Amazon ECS task execution
/// IAM role"): always for secrets and environment files; on Fargate also for ECR pulls and
/// awslogs (on EC2 the container instance role covers those).
fn roles(td: &TaskDefinitionView, task: &TaskStateChange, category: Category) -> Vec<Finding> {
    let name = td_name(td);
    let fargate = is_fargate(td, Some(task));
    let mut out = Vec::new();
    if td.execution_role_arn.is_none() {
        let mut uses: Vec<(String, Category)> = Vec::new();
        let with = |f: &dyn Fn(&ContainerDefinitionView) -> bool| -> Vec<&str> {
            td.containers
                .iter()
                .filter(|c| f(c))
                .map(|c| c.name.as_str())
                .collect()
        };
        let secrets = with(&|c| !c.secrets.is_empty());
        if !secrets.is_empty() {
            uses.push((
                format!("fetch the secrets of {}", join_and(&secrets)),
                Category::SecretsAccessDenied,
            ));
        }
        let env_files = with(&|c| !c.environment_files.is_empty());
        if !env_files.is_empty() {
            uses.push((
                format!("download the environment files of {}", join_and(&env_files)),
                Category::EnvFileError,
            ));
        }
        let ecr = with(&|c| {
            ImageRef::parse(&c.image)
                .ok()
                .and_then(|r| r.ecr().map(|_| ()))
                .is_some()
        });
        let awslogs = with(&|c| c.log.as_ref().is_some_and(|l| l.driver == "awslogs"));
        if fargate && !ecr.is_empty() {
            uses.push((
                format!("pull the ECR images of {}", join_and(&ecr)),
                Category::ImagePullAccessDenied,
            ));
        }
        if fargate && !awslogs.is_empty() {
            uses.push((
                format!("send the awslogs output of {}", join_and(&awslogs)),
                Category::LogDriverAccessDenied,
            ));
        }
        if !uses.is_empty() {
            let refines = missing_role_category(category, &uses);
            let what: Vec<&str> = uses.iter().map(|(w, _)| w.as_str()).collect();
            let mut f = Finding::new(
                Check::TaskDefinition,
                Verdict::Problem,
                format!(
                    "Task definition {name} has no execution role, but ECS needs one to {}.",
                    join_and(&what)
                ),
            )
            .with_details(vec![
                "Set executionRoleArn to a role trusted by ecs-tasks.amazonaws.com with AmazonECSTaskExecutionRolePolicy and read access to the secrets.".to_owned(),
            ]);
            if let Some(c) = refines {
                f = f.refining(c);
            }
            out.push(f);
        } else if !ecr.is_empty() || !awslogs.is_empty() {
            out.push(Finding::new(
                Check::TaskDefinition,
                Verdict::Info,
                format!(
                    "Task definition {name} has no execution role: on EC2 the container instance role pulls ECR images and writes awslogs."
                ),
            ));
        }
    }
    if td.task_role_arn.is_none() && category == Category::AppExitError {
        out.push(Finding::new(
            Check::TaskDefinition,
            Verdict::Info,
            format!(
                "Task definition {name} has no task role: if the application calls AWS APIs it finds no credentials (\"Unable to locate credentials\", NoCredentialProviders)."
            ),
        ));
    }
    out
}

/// Without an execution role the preparation step that needs it fails; that proves the stop only
/// when the stop was that step failing (the matching category) or an unexplained launch failure.
fn missing_role_category(category: Category, uses: &[(String, Category)]) -> Option<Category> {
    let related = |c: Category| -> Category {
        match c {
            Category::SecretsNotFound | Category::SecretsFetchNetwork => {
                Category::SecretsAccessDenied
            }
            Category::ImagePullNotFound | Category::ImagePullNetwork => {
                Category::ImagePullAccessDenied
            }
            Category::LogDriverError | Category::LogGroupMissing => Category::LogDriverAccessDenied,
            other => other,
        }
    };
    if let Some((_, c)) = uses.iter().find(|(_, c)| *c == related(category)) {
        return Some(*c);
    }
    is_unexplained_launch(category)
        .then(|| uses.first().map(|(_, c)| *c))
        .flatten()
}

/// Secrets and environment files by name and source only: never a value (the view has none).
fn secrets_and_env_files(td: &TaskDefinitionView) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in &td.containers {
        if c.secrets.is_empty() && c.environment_files.is_empty() {
            continue;
        }
        let mut details = Vec::new();
        let mut kms_note = false;
        for s in &c.secrets {
            let store = secret_store(&s.value_from);
            kms_note |= store == SecretStore::SecretsManager;
            let key = match store {
                SecretStore::SecretsManager => s
                    .value_from
                    .split(':')
                    .nth(7)
                    .filter(|k| !k.is_empty())
                    .map(|k| format!(" (JSON key {k})"))
                    .unwrap_or_default(),
                SecretStore::ParameterStore => String::new(),
            };
            details.push(format!(
                "{} ← {} {}{key}",
                s.name,
                store.as_str(),
                s.value_from
            ));
        }
        for f in &c.environment_files {
            details.push(format!("environment file {f}"));
        }
        if kms_note {
            details.push(
                "A secret encrypted with a customer managed KMS key also needs kms:Decrypt on that key for the execution role."
                    .to_owned(),
            );
        }
        let mut parts = Vec::new();
        if !c.secrets.is_empty() {
            parts.push(count(c.secrets.len(), "secret"));
        }
        if !c.environment_files.is_empty() {
            parts.push(count(c.environment_files.len(), "environment file"));
        }
        out.push(
            Finding::new(
                Check::TaskDefinition,
                Verdict::Info,
                format!("Container {} reads {} at start.", c.name, join_and(&parts)),
            )
            .with_details(details),
        );
    }
    out
}

/// Where a container's output went, for a person to read it.
fn log_destination(task: &TaskStateChange, c: &ContainerDefinitionView) -> Option<String> {
    let log = c.log.as_ref()?;
    Some(match log.driver.as_str() {
        "awslogs" => {
            let group = log.option("awslogs-group").unwrap_or("(no awslogs-group)");
            let task_id = task.task_arn.as_deref().and_then(arn::task_id);
            match (log.option("awslogs-stream-prefix"), task_id) {
                (Some(prefix), Some(id)) => {
                    let stream = awslogs_stream_name(prefix, &c.name, id);
                    format!("CloudWatch Logs group {group}, stream {stream}")
                }
                (Some(prefix), None) => {
                    format!("CloudWatch Logs group {group}, stream {prefix}/{}/<task-id>", c.name)
                }
                (None, _) => {
                    let id = event_container(task, &c.name)
                        .and_then(|e| e.runtime_id.as_deref())
                        .unwrap_or("<docker-container-id>");
                    format!(
                        "CloudWatch Logs group {group}, stream {id} (no awslogs-stream-prefix: the stream is named after the Docker container id)"
                    )
                }
            }
        }
        "awsfirelens" => {
            let output = log.option("Name").unwrap_or("an output the log router configures");
            let target = match output {
                "cloudwatch" | "cloudwatch_logs" => format!(
                    "CloudWatch Logs group {}{}",
                    log.option("log_group_name").unwrap_or("(log_group_name)"),
                    log.option("log_stream_prefix")
                        .map(|p| format!(", streams prefixed {p}"))
                        .unwrap_or_default()
                ),
                "firehose" | "kinesis_firehose" => format!(
                    "Kinesis Data Firehose stream {}",
                    log.option("delivery_stream").unwrap_or("(delivery_stream)")
                ),
                other => format!("the FireLens output {other}"),
            };
            format!(
                "FireLens (the log router container) to {target}; the router's own logs show delivery errors"
            )
        }
        "splunk" => format!(
            "Splunk at {}",
            log.option("splunk-url").unwrap_or("(splunk-url not shown)")
        ),
        "fluentd" => format!(
            "fluentd at {}{}",
            log.option("fluentd-address").unwrap_or("(fluentd-address not shown)"),
            log.option("tag").map(|t| format!(", tag {t}")).unwrap_or_default()
        ),
        "json-file" | "local" | "journald" => format!(
            "the {} driver on the container instance (docker logs on the host; gone with the instance)",
            log.driver
        ),
        other => format!("the {other} log driver's destination, not CloudWatch Logs"),
    })
}

/// One finding on where the logs are: the blamed container's (else the first essential one's)
/// in the summary, every container's in the details; a Warning when that container has no log
/// configuration.
fn logs(
    td: &TaskDefinitionView,
    task: &TaskStateChange,
    blamed: Option<&ContainerDefinitionView>,
    category: Category,
) -> Vec<Finding> {
    let main = blamed
        .or_else(|| td.containers.iter().find(|c| c.essential))
        .or_else(|| td.containers.first());
    let Some(main) = main else { return Vec::new() };
    let details: Vec<String> = td
        .containers
        .iter()
        .map(|c| match log_destination(task, c) {
            Some(d) => format!("{}: {d}", c.name),
            None => format!("{}: no log configuration", c.name),
        })
        .collect();
    let mut out = Vec::new();
    match (log_destination(task, main), main.log.as_ref()) {
        (Some(dest), Some(log)) => {
            let mut details = details;
            let task_id = task.task_arn.as_deref().and_then(arn::task_id);
            if let (Some((group, prefix)), Some(id)) = (log_stream(td, &main.name), task_id) {
                let region = log
                    .option("awslogs-region")
                    .or_else(|| arn::region(&td.arn))
                    .map(|r| format!(" --region {r}"))
                    .unwrap_or_default();
                details.push(format!(
                    "aws logs get-log-events --log-group-name '{group}' --log-stream-name '{}'{region} --limit 100",
                    awslogs_stream_name(prefix, &main.name, id)
                ));
            }
            let create_group = log.option("awslogs-create-group") == Some("true");
            if log.driver == "awslogs" && category == Category::LogGroupMissing && !create_group {
                details.push(format!(
                    "Create the group (aws logs create-log-group --log-group-name '{}') or set awslogs-create-group to true and allow logs:CreateLogGroup.",
                    log.option("awslogs-group").unwrap_or("<group>")
                ));
            }
            if log.driver == "awslogs" && create_group {
                details.push(
                    "awslogs-create-group is true: the execution role also needs logs:CreateLogGroup."
                        .to_owned(),
                );
            }
            let verdict = Verdict::Info;
            let summary = if log.driver == "awslogs" {
                format!("Logs of {} are in {dest}.", main.name)
            } else {
                format!("Logs of {} are not in CloudWatch Logs: they go to {dest}.", main.name)
            };
            out.push(Finding::new(Check::Logs, verdict, summary).with_details(details));
        }
        _ => out.push(
            Finding::new(
                Check::Logs,
                Verdict::Warning,
                format!(
                    "Container {} of {} has no log configuration: on Fargate its output is discarded, on EC2 it stays in Docker's default driver on the instance.",
                    main.name,
                    td_name(td)
                ),
            )
            .with_details(details),
        ),
    }
    out
}

/// For architecture-related stops: the platform the image must support.
fn platform(td: &TaskDefinitionView, task: &TaskStateChange, category: Category) -> Vec<Finding> {
    if !matches!(
        category,
        Category::ExecFormatError | Category::ImagePullPlatformMismatch
    ) {
        return Vec::new();
    }
    let (platform, defaulted) = platform_label(td);
    let name = td_name(td);
    let summary = if is_fargate(td, Some(task)) {
        let how = if defaulted {
            "no runtimePlatform, so Fargate's default".to_owned()
        } else {
            format!(
                "cpuArchitecture {}",
                td.cpu_architecture.as_deref().unwrap_or_default()
            )
        };
        format!("Task definition {name} runs on {platform} ({how}): every image must have a {platform} variant.")
    } else {
        format!(
            "Task definition {name} runs on EC2, whose container instance decides the architecture: the image must match it ({platform} unless the instances are Graviton)."
        )
    };
    vec![Finding::new(Check::TaskDefinition, Verdict::Info, summary).with_details(vec![
        "Build for the task's platform (docker buildx build --platform linux/amd64,linux/arm64) or set runtimePlatform.cpuArchitecture to the image's.".to_owned(),
    ])]
}

/// After a SIGKILL at the stop timeout: how long the container had, and whether its command is
/// one that keeps SIGTERM from the application.
fn stop_timeout(td: &TaskDefinitionView, blamed: Option<&ContainerDefinitionView>) -> Vec<Finding> {
    let Some(c) = blamed.or_else(|| td.containers.iter().find(|c| c.essential)) else {
        return Vec::new();
    };
    let timeout = match c.stop_timeout {
        Some(s) => format!("{s} s (its stopTimeout)"),
        None => format!("{DEFAULT_STOP_TIMEOUT_S} s (the default; no stopTimeout set)"),
    };
    let mut out = vec![Finding::new(
        Check::TaskDefinition,
        Verdict::Info,
        format!("Container {} had {timeout} to exit after SIGTERM before ECS sent SIGKILL.", c.name),
    )
    .with_details(vec![
        "The application must exit on SIGTERM: the entrypoint should `exec` the process (so it is PID 1 and receives the signal) or run it under an init such as tini (or linuxParameters.initProcessEnabled).".to_owned(),
        "If it needs longer to drain, raise stopTimeout (at most 120 s on Fargate; on EC2 the agent's ECS_CONTAINER_STOP_TIMEOUT sets the default).".to_owned(),
    ])];
    let argv: Vec<String> = c.entry_point.iter().chain(&c.command).cloned().collect();
    if argv.is_empty() {
        out.push(Finding::new(
            Check::TaskDefinition,
            Verdict::Info,
            format!(
                "Container {} runs the image's own ENTRYPOINT/CMD: if that is a shell script, it must end with `exec \"$@\"` or the application never sees SIGTERM.",
                c.name
            ),
        ));
    } else if let Some(f) = signal_blocker(&c.name, &argv) {
        out.push(f);
    }
    out
}

const SHELLS: &[&str] = &["sh", "bash", "ash", "dash", "zsh", "ksh"];

fn base_name(s: &str) -> &str {
    s.rsplit('/').next().unwrap_or(s)
}

/// Shell form (`["sh","-c","…"]`): the shell is PID 1, receives SIGTERM and does not forward it,
/// unless the script `exec`s the application. `npm`/`yarn` as PID 1 do not forward it reliably
/// either.
fn signal_blocker(container: &str, argv: &[String]) -> Option<Finding> {
    let first = base_name(argv.first()?);
    let shown = show_command(argv);
    if SHELLS.contains(&first) {
        let flag = argv.get(1)?;
        let is_c = flag.starts_with('-') && !flag.starts_with("--") && flag.contains('c');
        let script = argv.get(2).map(|s| s.trim_start()).unwrap_or_default();
        if is_c && !script.starts_with("exec ") {
            return Some(
                Finding::new(
                    Check::TaskDefinition,
                    Verdict::Warning,
                    format!(
                        "Container {container} runs its command through `{first} {flag}`, so the shell is PID 1 and does not forward SIGTERM to the application: the likely reason it was killed."
                    ),
                )
                .with_details(vec![
                    format!("command: {shown}"),
                    "Start the script with `exec` (e.g. `exec java -jar app.jar`), or use the exec form [\"java\",\"-jar\",\"app.jar\"].".to_owned(),
                ]),
            );
        }
    }
    if matches!(first, "npm" | "yarn" | "pnpm") {
        return Some(
            Finding::new(
                Check::TaskDefinition,
                Verdict::Warning,
                format!(
                    "Container {container} runs under {first}, which does not reliably forward SIGTERM to the application: the likely reason it was killed."
                ),
            )
            .with_details(vec![
                format!("command: {shown}"),
                "Run the application directly (e.g. [\"node\",\"server.js\"]) or under tini.".to_owned(),
            ]),
        );
    }
    None
}

/// A command written as one string (`["npm run start"]`) is looked up as one executable whose name
/// contains spaces ("executable file not found in $PATH").
fn command_as_one_string(
    td: &TaskDefinitionView,
    blamed: Option<&ContainerDefinitionView>,
    category: Category,
) -> Vec<Finding> {
    let containers: Vec<&ContainerDefinitionView> = match blamed {
        Some(c) => vec![c],
        None => td.containers.iter().collect(),
    };
    let mut out = Vec::new();
    for c in containers {
        let (field, argv) = if c.entry_point.is_empty() {
            ("command", &c.command)
        } else {
            ("entryPoint", &c.entry_point)
        };
        let [only] = argv.as_slice() else { continue };
        let only = only.trim();
        if !only.contains(' ') || SHELLS.contains(&base_name(only)) {
            continue;
        }
        let proves =
            matches!(category, Category::CommandNotFound) || is_unexplained_launch(category);
        let split: Vec<String> = only
            .split_whitespace()
            .map(|w| format!("\"{w}\""))
            .collect();
        let mut f = Finding::new(
            Check::TaskDefinition,
            if proves { Verdict::Problem } else { Verdict::Warning },
            format!(
                "Container {}'s {field} is one string `{}`: Docker looks for an executable with that whole name.",
                c.name,
                show_command(argv)
            ),
        )
        .with_details(vec![format!(
            "Split it into one array element per word: [{}] (unless the image's ENTRYPOINT is a shell).",
            show_command(&split).replace(' ', ",")
        )]);
        if proves {
            f = f.refining(Category::CommandNotFound);
        }
        out.push(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fargate_sizes_step_up_cpu_when_memory_needs_it() {
        assert_eq!(fargate_size_at_least(256, 1500), Some((256, 2048)));
        assert_eq!(fargate_size_at_least(256, 4096), Some((512, 4096)));
        assert_eq!(fargate_size_at_least(8192, 17000), Some((8192, 20480)));
        assert_eq!(fargate_size_at_least(256, 200_000), None);
    }
}
