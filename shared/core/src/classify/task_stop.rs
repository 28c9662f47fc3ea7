//! Classifying a stopped task, layer by layer: the stop code, then the stop reason, then the
//! containers' own reasons, then exit codes read in context.

use super::containers::{self, is_stop_signal};
use super::evidence::item;
use super::hit::{high, low, medium, Hit};
use super::model::{Classification, Evidence, NextSteps};
use super::next_steps::{Hints, Ids, Pending};
use super::text::{words, Text};
use super::{reason, scheduler, subject};
use crate::event::{Container, Envelope, StopCode, TaskStateChange};
use crate::taxonomy::Category::{self, *};

words! {
    /// Memory pressure named anywhere.
    MEMORY = any("memory", "oom");
}

pub fn classify(envelope: &Envelope, task: &TaskStateChange) -> Classification {
    let mut subject = subject::of_task(envelope, task);
    // The stop code, the stop reason and one entry per container, at most: never reallocated.
    let mut evidence: Vec<Evidence> = Vec::with_capacity(2 + task.containers.len());
    let stopped_reason = task.stopped_reason.as_deref().unwrap_or("");
    let text = Text::new(stopped_reason);
    let fargate = task
        .launch_type
        .as_deref()
        .is_some_and(|l| l.eq_ignore_ascii_case("FARGATE"))
        || task
            .capacity_provider_name
            .as_deref()
            .is_some_and(|c| c.to_ascii_uppercase().starts_with("FARGATE"));
    let ctx = scheduler::Context {
        started_by: task.started_by.as_deref(),
    };
    let culprit = containers::culprit(&task.containers);

    if let Some(code) = &task.stop_code {
        evidence.push(item("stopCode", code.as_str(), stop_code_meaning(code)));
    }
    let mut message: Option<&str> = (!stopped_reason.is_empty()).then_some(stopped_reason);

    let by_stop_code = matches!(
        task.stop_code,
        Some(StopCode::UserInitiated | StopCode::SpotInterruption)
    );
    let hit = match task.stop_code {
        // A person or automation called StopTask; the reason is whatever they wrote.
        Some(StopCode::UserInitiated) => Some(high(
            UserStopped,
            "A person or automation stopped the task (StopTask).",
        )),
        Some(StopCode::SpotInterruption) => Some(high(
            SpotInterruption,
            "Spot capacity was reclaimed by AWS.",
        )),
        _ => None,
    };
    let hit = hit.or_else(|| {
        if reason::is_generic(&text) {
            return None;
        }
        reason::classify(&text, ctx, fargate)
    });
    if !stopped_reason.is_empty() {
        let meaning = match hit {
            _ if by_stop_code => "The text recorded with the stop.",
            Some(h) => h.meaning,
            None => "The stop reason ECS recorded; it does not say why, the containers do.",
        };
        evidence.push(item("stoppedReason", stopped_reason, meaning));
    }

    // An expected stop (deployment, scale-in, user) whose application container still had to be
    // SIGKILLed: the stop was fine, the shutdown was not. This is the only shape in which the
    // kill after stopTimeout appears in stop data (a scheduler or user reason plus exit 137).
    let killed = hit
        .filter(|h| h.category.expected())
        .and_then(|_| killed_after_stop(task, &text));
    let (hit, culprit) = match killed {
        Some(c) => (
            Some(high(
                SigkillAfterStopTimeout,
                "The task was stopped normally, but the container ignored SIGTERM and was SIGKILLed (137) after stopTimeout.",
            )),
            Some(c),
        ),
        None => (hit, culprit),
    };
    let decided_by_containers = hit.is_none() || killed.is_some();
    let hit = match hit {
        Some(h) => h,
        None => {
            let from_containers = culprit.and_then(|c| {
                let c_reason = c.reason.as_deref().filter(|r| !r.trim().is_empty());
                let h = c_reason.and_then(|r| reason::classify(&Text::new(r), ctx, fargate));
                if h.is_some() {
                    message = c_reason;
                }
                h.or_else(|| exit_code_hit(c, task, &text))
            });
            from_containers.unwrap_or_else(|| fallback(task, &text))
        }
    };

    for c in &task.containers {
        let blamed = decided_by_containers && culprit.is_some_and(|k| std::ptr::eq(k, c));
        if let Some(e) = container_evidence(c, blamed, task) {
            evidence.push(e);
        }
    }
    if let Some(c) = culprit {
        subject.container = c.name.clone();
        subject.exit_code = c.exit_code;
    }

    let summary = summary(hit, culprit, decided_by_containers, &subject);
    let hints = Hints {
        message,
        image: culprit
            .or(task.containers.first())
            .and_then(|c| c.image.as_deref()),
        subnet_id: task.eni_detail("subnetId"),
    };
    // Built on first read (model::NextSteps): only what they are made from is kept here.
    let next_steps = NextSteps::pending(Pending::new(hit.category, Ids::of(&subject), hints));
    Classification {
        category: hit.category,
        family: hit.category.family(),
        severity: hit.category.severity(),
        expected: hit.category.expected(),
        confidence: hit.confidence,
        summary,
        evidence,
        next_steps,
        findings: Vec::new(),
        subject,
    }
}

fn stop_code_meaning(code: &StopCode) -> &'static str {
    match code {
        StopCode::TaskFailedToStart => "The task never reached RUNNING.",
        StopCode::EssentialContainerExited => "An essential container exited on its own.",
        StopCode::UserInitiated => "Someone called StopTask.",
        StopCode::ServiceSchedulerInitiated => "The service scheduler stopped the task.",
        StopCode::SpotInterruption => "Spot capacity was reclaimed.",
        StopCode::TerminationNotice => "The host received a termination notice.",
        StopCode::Other(_) => "A stop code this version does not know; the reason decides.",
    }
}

/// The application container (not a sidecar) that exited 137 without any memory evidence.
fn killed_after_stop<'a>(task: &'a TaskStateChange, stopped: &Text) -> Option<&'a Container> {
    if oom_evidence(task, stopped) {
        return None;
    }
    task.containers.iter().find(|c| {
        c.exit_code == Some(137) && !c.name.as_deref().is_some_and(containers::is_sidecar)
    })
}

/// Whether ECS itself asked the task to stop before its containers exited.
fn stop_requested(task: &TaskStateChange) -> bool {
    matches!(
        task.stop_code,
        Some(
            StopCode::ServiceSchedulerInitiated
                | StopCode::UserInitiated
                | StopCode::TerminationNotice
                | StopCode::SpotInterruption
        )
    )
}

/// Memory pressure named anywhere in the task: a container reason or the stop reason.
fn oom_evidence(task: &TaskStateChange, stopped: &Text) -> bool {
    let says_memory = |t: &Text| t.any(&MEMORY);
    says_memory(stopped)
        || task.containers.iter().any(|c| {
            c.reason
                .as_deref()
                .is_some_and(|r| says_memory(&Text::new(r)))
        })
}

fn is_service_task(task: &TaskStateChange) -> bool {
    task.service_name().is_some()
        || task
            .started_by
            .as_deref()
            .is_some_and(|s| s.starts_with("ecs-svc/"))
}

/// Exit codes in context (POSIX shells and Docker: 126 cannot execute, 127 not found, 128+N killed
/// by signal N: 134 SIGABRT, 137 SIGKILL, 139 SIGSEGV, 143 SIGTERM).
fn exit_code_hit(c: &Container, task: &TaskStateChange, stopped: &Text) -> Option<Hit> {
    let code = c.exit_code?;
    Some(match code {
        0 if is_service_task(task) => medium(
            AppExitError,
            "The essential container exited 0 on a service task: the process finished, but a service's containers must keep running.",
        ),
        0 => high(CompletedSuccessfully, "The essential container exited 0: the task finished its work."),
        137 if oom_evidence(task, stopped) => high(OomKilled, "The container was SIGKILLed (137) with memory pressure recorded: out of memory."),
        137 if stop_requested(task) => high(
            SigkillAfterStopTimeout,
            "The container was SIGKILLed (137) after ECS asked it to stop: it did not exit within stopTimeout after SIGTERM.",
        ),
        137 => low(
            OomKilled,
            "The container was SIGKILLed (137) on its own, without a stop request; no OOM record was given, but the kernel OOM killer is the usual sender.",
        ),
        139 => high(Segfault, "The process crashed with a segmentation fault (SIGSEGV, exit 139)."),
        126 => high(CommandNotExecutable, "Exit 126: the command was found but could not be executed (permissions or wrong file type)."),
        127 => high(CommandNotFound, "Exit 127: the command was not found in the image."),
        143 if stop_requested(task) => medium(
            AppExitError,
            "The container exited on SIGTERM (143) after a stop request.",
        ),
        143 => medium(AppExitError, "The container was terminated by SIGTERM (143) that ECS did not send."),
        134 => medium(AppExitError, "The process aborted (SIGABRT, exit 134): an assertion, a panic with abort, or a runtime abort."),
        _ => medium(AppExitError, "The essential container exited with a non-zero code: the application failed."),
    })
}

/// When neither the reason nor the containers tell: what the stop code and generic reason allow.
fn fallback(task: &TaskStateChange, stopped: &Text) -> Hit {
    if containers::none_ran(&task.containers)
        && (task.stop_code == Some(StopCode::TaskFailedToStart) || reason::is_generic(stopped))
    {
        return medium(
            TaskFailedToStartUnspecified,
            "No container ran (no exit codes) and ECS gave no further detail.",
        );
    }
    if let Some(hit) = scheduler::placement(stopped) {
        return hit;
    }
    match task.stop_code {
        Some(StopCode::TerminationNotice) => medium(SpotInterruption, "The host received a termination notice (Spot reclaim)."),
        Some(StopCode::TaskFailedToStart) => medium(TaskFailedToStartUnspecified, "The task failed to start and ECS gave no further detail."),
        _ if stopped.as_str().starts_with("essential container in task exited") => low(
            AppExitError,
            "An essential container exited; the event carries no exit code or reason to say why.",
        ),
        Some(StopCode::EssentialContainerExited) => low(AppExitError, "An essential container exited; no exit code or reason says why."),
        _ => low(Unknown, "No rule recognised this stop; the raw reason and exit codes are reported unchanged."),
    }
}

fn container_evidence(c: &Container, blamed: bool, task: &TaskStateChange) -> Option<Evidence> {
    let name = c.name.as_deref().unwrap_or("?");
    let reason = c.reason.as_deref().filter(|r| !r.trim().is_empty());
    // `containers[<name>].<f>`, written into one String.
    let field = |f: &str| {
        let mut out = String::with_capacity(name.len() + 24);
        out.push_str("containers[");
        super::evidence::push_clean(&mut out, name, 64);
        out.push_str("].");
        out.push_str(f);
        out
    };
    if let Some(r) = reason {
        let meaning = if blamed {
            "The reason ECS recorded for the container blamed for the stop."
        } else {
            "The reason ECS recorded for this container."
        };
        return Some(item(field("reason"), r, meaning));
    }
    match c.exit_code {
        Some(code) => {
            let meaning: std::borrow::Cow<'static, str> = match (blamed, code) {
                (true, _) => "The exit code of the container blamed for the stop.".into(),
                (false, code) if is_stop_signal(code) => format!(
                    "Exit {code} ({}): stopped by ECS after the task began stopping, not the cause.",
                    if code == 137 { "SIGKILL after stopTimeout" } else { "SIGTERM" }
                )
                .into(),
                (false, 0) => "Exited cleanly.".into(),
                (false, _) => "Exit code of this container.".into(),
            };
            // Digits and a sign: `clean` would return them unchanged.
            Some(Evidence {
                field: field("exitCode").into(),
                value: code.to_string(),
                meaning,
            })
        }
        None if task.containers.len() <= 8 => Some(item(
            field("exitCode"),
            "null",
            "No exit code: the container never ran (not a success).",
        )),
        None => None,
    }
}

/// One sentence: the workload, what the category means, and the container (with its exit code
/// only when the exit code decided: after a scheduler stop, 137 is the kill, not the cause).
fn summary(
    hit: Hit,
    culprit: Option<&Container>,
    decided_by_containers: bool,
    subject: &super::model::Subject,
) -> String {
    use std::fmt::Write;
    let container = culprit
        .and_then(|c| c.name.as_deref())
        .filter(|_| matters(hit.category));
    // "Service <name>: … the application failed (container app, exit 1).", in one String.
    let mut out = String::with_capacity(192);
    subject::push_summary_prefix(&mut out, subject);
    out.push_str(hit.meaning.trim_end_matches('.'));
    if let Some(n) = container {
        out.push_str(" (container ");
        super::evidence::push_clean(&mut out, n, 64);
        match culprit.and_then(|c| c.exit_code) {
            Some(code) if decided_by_containers => {
                // Writing to a String cannot fail.
                let _ = write!(out, ", exit {code}");
            }
            _ => {}
        }
        out.push(')');
    }
    out.push('.');
    out
}

/// Categories where naming the container helps the reader.
fn matters(c: Category) -> bool {
    !matches!(
        c.family(),
        crate::taxonomy::Family::Scheduler
            | crate::taxonomy::Family::User
            | crate::taxonomy::Family::AwsManaged
            | crate::taxonomy::Family::Capacity
    )
}
