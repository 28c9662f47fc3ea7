//! Which container caused the stop, and what its exit code means in context.
//!
//! The event does not say which containers are essential, nor in which order they exited. When
//! the essential container exits, ECS stops the others: they exit 143 (SIGTERM) or 137 (SIGKILL
//! after `stopTimeout`), or 0 if they shut down cleanly. So the container to blame is the one with
//! a reason of its own, else a non-zero exit that is not a stop signal, and a known sidecar only
//! when nothing else explains the stop.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind};

use crate::event::Container;

/// Names of sidecars that run beside applications (AWS App Mesh/Service Connect Envoy, X-Ray, the
/// ADOT/CloudWatch agents, FireLens/Fluent Bit, Datadog). Lower-cased substrings.
const SIDECARS: &[&str] = &[
    "envoy",
    "xray",
    "x-ray",
    "otel",
    "adot",
    "collector",
    "cloudwatch-agent",
    "cwagent",
    "firelens",
    "fluent",
    "log_router",
    "log-router",
    "logrouter",
    "datadog",
    "dd-agent",
    "newrelic",
    "ecs-service-connect",
    "appmesh",
    "proxy",
    "istio",
    "linkerd",
];

/// Whether `name` contains one of [`SIDECARS`], ASCII case ignored.
pub fn is_sidecar(name: &str) -> bool {
    match SIDECAR_NAMES.as_ref() {
        Some(names) => names.is_match(name),
        None => SIDECARS.iter().any(|s| {
            name.as_bytes()
                .windows(s.len())
                .any(|w| w.eq_ignore_ascii_case(s.as_bytes()))
        }),
    }
}

/// [`SIDECARS`] in one automaton: ranking the containers asks this of every container, and
/// comparing each name window by window with 21 words was the largest single cost of `assess`
/// for a task with sidecars. `ascii_case_insensitive` folds exactly what `eq_ignore_ascii_case`
/// folds. `None` (never, in practice: the words are constant) falls back to the windows.
/// A DFA without prefilter: names are a few bytes long, too short for a prefilter to pay off.
static SIDECAR_NAMES: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .kind(Some(AhoCorasickKind::DFA))
        .prefilter(false)
        .build(SIDECARS)
        .ok()
});

/// Exit codes that a container gets when ECS stops it: SIGTERM (143) and SIGKILL (137).
pub fn is_stop_signal(code: i64) -> bool {
    code == 137 || code == 143
}

/// Ranks a container as the cause of the stop; lower is more likely. A container's own reason
/// first; then a failing exit (non-zero, not a stop signal), an application's before a sidecar's,
/// because a crashed essential sidecar makes ECS SIGTERM the application (143); then clean exits
/// (a finished batch job); then stop signals; never-ran containers last.
fn rank(c: &Container) -> u8 {
    let sidecar = u8::from(c.name.as_deref().is_some_and(is_sidecar));
    let has_reason = c.reason.as_deref().is_some_and(|r| !r.trim().is_empty());
    match (has_reason, c.exit_code) {
        (true, _) => sidecar,
        (false, Some(code)) if code != 0 && !is_stop_signal(code) => 2 + sidecar,
        (false, Some(0)) if sidecar == 0 => 4,
        (false, Some(_)) if sidecar == 0 => 5,
        (false, Some(_)) => 6,
        (false, None) => 7 + sidecar,
    }
}

/// The container most likely to have caused the stop, if any container says anything.
pub fn culprit(containers: &[Container]) -> Option<&Container> {
    containers
        .iter()
        .filter(|c| {
            c.exit_code.is_some() || c.reason.as_deref().is_some_and(|r| !r.trim().is_empty())
        })
        .min_by_key(|c| rank(c))
}

/// Whether no container ran: containers are listed but none has an exit code.
pub fn none_ran(containers: &[Container]) -> bool {
    !containers.is_empty() && containers.iter().all(|c| c.exit_code.is_none())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(name: &str, exit: Option<i64>, reason: Option<&str>) -> Container {
        Container {
            name: Some(name.into()),
            exit_code: exit,
            reason: reason.map(Into::into),
            ..Container::default()
        }
    }

    #[test]
    fn app_exit_beats_sidecar_killed_afterwards() {
        let cs = [
            c("envoy", Some(137), None),
            c("app", Some(1), None),
            c("xray-daemon", Some(143), None),
        ];
        assert_eq!(culprit(&cs).and_then(|c| c.name.as_deref()), Some("app"));
    }

    #[test]
    fn reason_beats_exit_code() {
        let cs = [
            c("app", Some(1), None),
            c(
                "worker",
                Some(137),
                Some("OutOfMemoryError: Container killed due to memory usage"),
            ),
        ];
        assert_eq!(culprit(&cs).and_then(|c| c.name.as_deref()), Some("worker"));
    }

    #[test]
    fn clean_exit_beats_stop_signal_for_batch_jobs() {
        let cs = [c("job", Some(0), None), c("log-router", Some(137), None)];
        assert_eq!(culprit(&cs).and_then(|c| c.name.as_deref()), Some("job"));
    }

    #[test]
    fn a_sidecar_is_blamed_when_it_is_the_only_one_that_failed() {
        let cs = [c("app", Some(143), None), c("envoy", Some(1), None)];
        assert_eq!(culprit(&cs).and_then(|c| c.name.as_deref()), Some("envoy"));
        let cs = [c("app", None, None), c("envoy", Some(139), None)];
        assert_eq!(culprit(&cs).and_then(|c| c.name.as_deref()), Some("envoy"));
    }

    #[test]
    fn sidecar_names_match_like_a_case_insensitive_search() {
        assert!(SIDECAR_NAMES.is_some());
        for (name, sidecar) in [
            ("envoy", true),
            ("AWS-Envoy-Proxy", true),
            ("app", false),
            ("aws-otel-collector", true),
            ("XRAY-daemon", true),
            ("log_Router", true),
            ("web", false),
            ("", false),
            ("Énvoy", false),
            ("datadog-agent", true),
        ] {
            assert_eq!(is_sidecar(name), sidecar, "{name}");
            let windows = SIDECARS.iter().any(|s| {
                name.as_bytes()
                    .windows(s.len())
                    .any(|w| w.eq_ignore_ascii_case(s.as_bytes()))
            });
            assert_eq!(is_sidecar(name), windows, "{name}");
        }
    }

    #[test]
    fn null_exit_codes_mean_nothing_ran() {
        assert!(none_ran(&[c("app", None, None)]));
        assert!(!none_ran(&[]));
        assert!(!none_ran(&[c("app", Some(0), None)]));
    }
}
