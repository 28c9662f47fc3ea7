//! Properties over arbitrary inputs: `decide` never panics, and whatever it decides keeps the
//! promises the maintainers check from the audit (issue 5, "How it will be checked"): never
//! without opt-in, never twice in a cooldown, never to an unhealthy revision, never past a cap.

use proptest::prelude::*;
use proptest::sample::select;
use std::collections::BTreeMap;

use super::fixture::{incident, input, td, MINUTE, NOW};
use crate::incident::{IncidentStatus, WorkloadKind};
use crate::remediate::*;
use crate::taxonomy::Category;

/// Mostly `usual` (so that many cases get far enough to act), sometimes anything.
fn mostly<T: Clone + std::fmt::Debug + 'static>(
    usual: impl Strategy<Value = T> + 'static,
    anything: impl Strategy<Value = T> + 'static,
) -> BoxedStrategy<T> {
    prop_oneof![9 => usual, 1 => anything].boxed()
}

/// Names from the usual to the hostile: shell metacharacters, quotes, newlines, anything.
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        select(vec!["api", "web", "", "a b", "x'y", "$(reboot)", "l1\nl2"]).prop_map(String::from),
        any::<String>(),
    ]
}

fn opt_in_value() -> impl Strategy<Value = String> {
    mostly(
        proptest::sample::subsequence(vec!["rollback", "memory", "grace-period", "restart"], 1..=4)
            .prop_map(|names| names.join(",")),
        any::<String>(),
    )
}

fn cap_value() -> impl Strategy<Value = String> {
    mostly(
        (1u32..5000).prop_map(|n| n.to_string()),
        prop_oneof![Just("0".to_owned()), Just("x".to_owned()), any::<String>()],
    )
}

fn tags() -> impl Strategy<Value = BTreeMap<String, String>> {
    (
        proptest::option::weighted(0.95, opt_in_value()),
        proptest::option::weighted(0.8, cap_value()),
        proptest::option::weighted(0.8, cap_value()),
    )
        .prop_map(|(r, m, g)| {
            let mut t = BTreeMap::new();
            for (k, v) in [
                (REMEDIATE_TAG, r),
                (MEMORY_MAX_TAG, m),
                (GRACE_PERIOD_MAX_TAG, g),
            ] {
                if let Some(v) = v {
                    t.insert(k.to_owned(), v);
                }
            }
            t
        })
}

/// Revisions around the incident's (8), in its family or another.
fn td_of() -> impl Strategy<Value = TaskDefinitionRef> {
    (
        mostly(Just("api"), select(vec!["web", ""])),
        mostly(select(vec![7u32, 8, 9]), 0u32..4),
    )
        .prop_map(|(f, r)| td(f, r))
}

fn time() -> impl Strategy<Value = i64> {
    mostly((-120i64..120).prop_map(|m| NOW + m * MINUTE), any::<i64>())
}

fn state() -> impl Strategy<Value = WorkloadState> {
    (
        tags(),
        proptest::option::weighted(0.9, mostly(Just(td("api", 8)), td_of())),
        proptest::option::weighted(0.8, (mostly(Just(td("api", 7)), td_of()), time())),
        proptest::option::of((time(), proptest::option::of(proptest::option::of(name())))),
        proptest::option::weighted(
            0.05,
            select(vec![Exclusion::OwnStack, Exclusion::Configured]),
        ),
        proptest::option::weighted(
            0.9,
            (
                proptest::option::of(name()),
                mostly(1u32..5000, any::<u32>()),
            ),
        ),
        proptest::option::of(mostly(0u32..700, any::<u32>())),
        proptest::option::weighted(0.9, mostly(0i64..600_000, any::<i64>())),
    )
        .prop_map(
            |(tags, current, healthy, deployment, exclusion, memory, grace, uptime)| {
                WorkloadState {
                    tags,
                    current,
                    last_healthy: healthy.map(|(task_definition, recorded_at_ms)| {
                        HealthyRevision {
                            task_definition,
                            recorded_at_ms,
                        }
                    }),
                    newest_deployment: deployment.map(|(created_at_ms, by)| DeploymentInfo {
                        id: "d".into(),
                        created_at_ms,
                        initiator: by.map_or(Initiator::Remediator, Initiator::Other),
                    }),
                    exclusion,
                    memory: memory.map(|(container, mib)| MemoryLimit {
                        scope: container.map_or(MemoryScope::Task, MemoryScope::Container),
                        mib,
                    }),
                    fargate_cpu_units: None,
                    grace_period_s: grace,
                    last_task_uptime_ms: uptime,
                }
            },
        )
}

fn config() -> impl Strategy<Value = RemediationConfig> {
    (
        mostly(select(vec![Mode::DryRun, Mode::Apply]), Just(Mode::Off)),
        mostly((0i64..60).prop_map(|m| m * MINUTE), any::<i64>()),
        mostly(1u32..10, any::<u32>()),
        mostly(1u64..4, 0u64..10),
        mostly((0i64..30).prop_map(|m| m * MINUTE), any::<i64>()),
        101u32..=1000,
        mostly((1i64..10).prop_map(|m| m * MINUTE), any::<i64>()),
        any::<u32>(),
    )
        .prop_map(
            |(mode, cooldown_ms, hourly_cap, threshold, min_age, factor, early, ttl)| {
                RemediationConfig {
                    mode,
                    cooldown_ms,
                    hourly_cap,
                    failure_threshold: threshold,
                    foreign_deployment_min_age_ms: min_age,
                    memory_factor: MemoryFactor::from_percent(factor).unwrap_or_default(),
                    grace_period_early_ms: early,
                    audit_ttl_days: ttl,
                }
            },
        )
}

prop_compose! {
    fn decision_input()(
        category in mostly(
            select(vec![
                Category::AppExitError,
                Category::OomKilled,
                Category::ElbHealthCheckFailed,
                Category::ContainerHealthCheckFailed,
            ]),
            select(Category::ALL.to_vec()),
        ),
        count in mostly(3u64..50, 0u64..10),
        revision in mostly(Just(8u32), 0u32..10),
        open in proptest::bool::weighted(0.95),
        service in proptest::bool::weighted(0.95),
        expected in proptest::bool::weighted(0.05),
        cluster in name(),
        svc in name(),
        region in proptest::option::of(name()),
        workload in proptest::option::weighted(0.95, state()),
        last_action in proptest::option::weighted(0.3, (select(ActionKind::ALL.to_vec()), time())),
        actions_this_hour in mostly(0u32..3, any::<u32>()),
        config in config(),
        engaged in proptest::bool::weighted(0.05),
        now_ms in mostly(Just(NOW), any::<i64>()),
    ) -> DecisionInput {
        let mut i = input();
        i.incident = incident(category, count);
        i.incident.key.revision = revision;
        i.incident.key.workload.cluster = cluster;
        i.incident.key.workload.name = svc;
        i.incident.key.workload.kind = if service { WorkloadKind::Service } else { WorkloadKind::Family };
        i.incident.status = if open { IncidentStatus::Open } else { IncidentStatus::Resolved };
        i.incident.expected = expected;
        i.incident.last.subject.region = region;
        i.workload = workload;
        i.guard = GuardState {
            last_action: last_action.map(|(kind, at_ms)| LastAction { kind, at_ms }),
            actions_this_hour,
            own_deployment_id: None,
            open: None,
        };
        i.config = config;
        i.kill_switch = if engaged { KillSwitch::Engaged } else { KillSwitch::Released };
        i.now_ms = now_ms;
        i
    }
}

fn check(i: &DecisionInput) -> Result<(), TestCaseError> {
    let decision = decide(i);
    let outcome = match decision.clone() {
        Decision::Skip(reason) => {
            prop_assert!(!reason.to_string().is_empty());
            reason.into()
        }
        Decision::Act(plan) => {
            check_plan(i, &plan)?;
            plan.settle(GuardOutcome::Acquired)
        }
    };
    let audit = AuditRecord::new(i, &outcome);
    prop_assert!(serde_json::to_string(&audit).is_ok());
    for command in [&audit.apply_command, &audit.undo_command]
        .into_iter()
        .flatten()
    {
        prop_assert!(
            !command.chars().any(char::is_control),
            "a command breaks its line: {:?}",
            command
        );
    }
    Ok(())
}

fn check_plan(i: &DecisionInput, plan: &Plan) -> Result<(), TestCaseError> {
    let action = plan.action();
    let state = i.workload.as_ref();
    prop_assert!(state.is_some(), "acted on a service not found");
    let Some(state) = state else { return Ok(()) };
    let opt_in = OptIn::from_tags(&state.tags);
    prop_assert!(
        opt_in.as_ref().is_ok_and(|o| o.allows(action.kind())),
        "acted without opt-in: {:?} with {:?}",
        action,
        state.tags
    );
    prop_assert!(i.config.mode != Mode::Off && !i.kill_switch.is_engaged());
    prop_assert_eq!(plan.is_dry_run(), i.config.mode == Mode::DryRun);
    prop_assert_eq!(i.incident.status, IncidentStatus::Open);
    prop_assert!(i.incident.count >= i.config.failure_threshold);
    prop_assert!(remedies(i.incident.key.category).is_ok_and(|r| r.contains(&action.kind())));
    prop_assert!(state.exclusion.is_none());
    if let Some(last) = i.guard.last_action {
        prop_assert!(
            i.now_ms >= last.at_ms.saturating_add(i.config.cooldown_ms.max(0)),
            "acted within the cooldown"
        );
    }
    prop_assert!(i.guard.actions_this_hour < i.config.hourly_cap);
    let current = state.current.as_ref();
    prop_assert!(current.is_some_and(|c| c.revision == i.incident.key.revision));
    match action {
        Action::Rollback { from, to, .. } => {
            prop_assert!(
                !from.same_revision(to),
                "rolled back to the current revision"
            );
            prop_assert_eq!(
                Some(to),
                state.last_healthy.as_ref().map(|h| &h.task_definition),
                "rolled back to a revision not recorded healthy"
            );
            prop_assert!(to.revision > 0);
        }
        Action::RaiseMemory {
            from_mib, to_mib, ..
        } => {
            let cap = opt_in.ok().and_then(|o| o.memory_max_mib);
            prop_assert!(from_mib < to_mib && Some(*to_mib) <= cap);
        }
        Action::RaiseGracePeriod { from_s, to_s, .. } => {
            let cap = opt_in.ok().and_then(|o| o.grace_period_max_s);
            prop_assert!(from_s < to_s && Some(*to_s) <= cap);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn decide_is_total_and_keeps_its_promises(i in decision_input()) {
        check(&i)?;
    }
}

/// The properties above are only as good as the inputs that reach an action: with a fixed seed,
/// the generator must produce every action, in both modes, and most reasons to skip.
#[test]
fn the_generator_reaches_every_action_and_most_reasons() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    use std::collections::BTreeSet;

    let mut runner = TestRunner::deterministic();
    let strategy = decision_input();
    let mut acted = BTreeSet::new();
    let mut skipped = BTreeSet::new();
    let mut n = 0;
    for _ in 0..3000 {
        let Ok(tree) = strategy.new_tree(&mut runner) else {
            continue;
        };
        match decide(&tree.current()) {
            Decision::Act(p) => {
                n += 1;
                acted.insert((p.action().kind(), p.is_dry_run()));
            }
            Decision::Skip(r) => {
                skipped.insert(r.code());
            }
        }
    }
    // About one input in ten acts (all rules passed), so each run checks many actions.
    assert!(n >= 150, "only {n} of 3000 inputs acted");
    for kind in ActionKind::ALL {
        for dry_run in [false, true] {
            assert!(
                acted.contains(&(kind, dry_run)),
                "never {kind} (dry run {dry_run})"
            );
        }
    }
    assert!(
        skipped.len() >= 20,
        "only {} reasons: {skipped:?}",
        skipped.len()
    );
}
