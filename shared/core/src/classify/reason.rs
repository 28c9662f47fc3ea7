//! The message rules, in the order that keeps the most specific cause first. Used for the task's
//! `stoppedReason` and for each container's `reason`.

use super::hit::{high, Hit};
use super::text::{words, Text};
use super::{container_start, image_pull, resource_init, scheduler};
use crate::taxonomy::Category::*;

words! {
    /// Out of memory, in the container's reason or the runtime's words.
    OOM = any(
        "outofmemoryerror",
        "out of memory",
        "oomkilled",
        "oom-kill",
        "oom killer",
        "oom_kill",
        "killed due to memory usage",
        "memory limit exceeded",
        "exceeded memory limit",
    );
    /// A malformed image reference, which the pull rules classify.
    MALFORMED_REFERENCE = any("failed to normalize image reference", "invalid reference format");
    /// A full disk while the container ran.
    OUT_OF_SPACE = any("device is out of space", "no space left");
}

/// Messages that say only *that* the task stopped, not why: the containers must tell.
pub fn is_generic(t: &Text) -> bool {
    let s = t.as_str().trim_end_matches(['.', ' ']);
    s.is_empty()
        || s.starts_with("essential container in task exited")
        || s == "task failed to start"
        || s == "stopped"
}

/// Classifies a message; `None` when no rule recognises it.
pub fn classify(t: &Text, ctx: scheduler::Context<'_>, fargate: bool) -> Option<Hit> {
    if t.is_empty() {
        return None;
    }
    // "OutOfMemoryError: Container killed due to memory usage" (container `reason`, stopped task
    // error messages doc); the kernel's "oom-kill"/"OOMKilled" in runtime messages.
    if t.any(&OOM) {
        return Some(high(
            OomKilled,
            "The container was killed for exceeding its memory limit.",
        ));
    }
    // A scheduler or platform decision names itself in the message; the error-type rules below
    // would otherwise read e.g. "failed" in it.
    if let Some(hit) = scheduler::classify(t, ctx) {
        return Some(hit);
    }
    // Order matters: an exec format error can be wrapped in any start error; the combined
    // secrets/registry-auth prefix must be split before the pull rules see "registry auth".
    if t.has(&super::container_start::EXEC_FORMAT_ERROR) {
        return container_start::classify(t, fargate);
    }
    if t.has(&super::resource_init::SECRETS_OR_REGISTRY_AUTH) {
        return resource_init::classify(t);
    }
    if image_pull::is_pull(t) || t.any(&MALFORMED_REFERENCE) {
        return Some(image_pull::classify(t));
    }
    // "InternalError: <reason>": the agent's own error type names the category, whatever
    // resource its detail mentions (stopped task error codes doc).
    if t.as_str().starts_with("internalerror") {
        return container_start::classify_runtime(t);
    }
    if let Some(hit) = container_start::classify(t, fargate) {
        return Some(hit);
    }
    if let Some(hit) = resource_init::classify(t) {
        return Some(hit);
    }
    if let Some(hit) = container_start::classify_runtime(t) {
        return Some(hit);
    }
    if t.any(&OUT_OF_SPACE) {
        return Some(high(
            EphemeralStorageFull,
            "The container ran out of disk space while running.",
        ));
    }
    scheduler::placement(t)
}
