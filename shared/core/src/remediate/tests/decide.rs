//! One row per rule of issue 5: the fixture allows a rollback in apply mode, and each row changes
//! one fact and names the decision it must lead to.

use super::fixture::*;
use crate::incident::{IncidentStatus, WorkloadKind};
use crate::remediate::*;
use crate::taxonomy::Category;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Act(ActionKind, bool),
    Skip(&'static str),
}
use Expect::{Act, Skip};

type Case = (&'static str, fn(&mut DecisionInput), Expect);

fn oom(i: &mut DecisionInput) {
    i.incident = incident(Category::OomKilled, 5);
}

fn elb(i: &mut DecisionInput) {
    i.incident = incident(Category::ElbHealthCheckFailed, 5);
}

const CASES: &[Case] = &[
    ("apply mode acts", |_| {}, Act(ActionKind::Rollback, false)),
    (
        "dry run acts, flagged as a dry run",
        |i| i.config.mode = Mode::DryRun,
        Act(ActionKind::Rollback, true),
    ),
    ("off skips", |i| i.config.mode = Mode::Off, Skip("mode_off")),
    (
        "the kill switch skips",
        |i| i.kill_switch = KillSwitch::Engaged,
        Skip("kill_switch"),
    ),
    (
        "the kill switch wins over dry run",
        |i| {
            i.config.mode = Mode::DryRun;
            i.kill_switch = KillSwitch::Engaged;
        },
        Skip("kill_switch"),
    ),
    (
        "a resolved incident skips",
        |i| i.incident.status = IncidentStatus::Resolved,
        Skip("incident_not_open"),
    ),
    (
        "standalone tasks skip",
        |i| i.incident.key.workload.kind = WorkloadKind::Family,
        Skip("not_a_service"),
    ),
    (
        "a deleted service skips",
        |i| i.workload = None,
        Skip("service_not_found"),
    ),
    (
        "the stack's own service skips",
        |i| st(i).exclusion = Some(Exclusion::OwnStack),
        Skip("own_stack"),
    ),
    (
        "an excluded service skips",
        |i| st(i).exclusion = Some(Exclusion::Configured),
        Skip("excluded"),
    ),
    (
        "no opt-in tag skips",
        |i| {
            st(i).tags.remove(REMEDIATE_TAG);
        },
        Skip("not_opted_in"),
    ),
    (
        "an opt-in naming only unknown actions skips",
        |i| st(i).tags = tags("restart, scale-up"),
        Skip("not_opted_in"),
    ),
    (
        "an unknown name beside a known one is ignored",
        |i| st(i).tags = tags("restart, rollback"),
        Act(ActionKind::Rollback, false),
    ),
    (
        "opt-in for memory only and a crash loop skips the rollback",
        |i| st(i).tags = tags("memory"),
        Skip("action_not_opted_in"),
    ),
    (
        "a container health-check failure has no grace-period fix",
        |i| {
            i.incident = incident(Category::ContainerHealthCheckFailed, 5);
            st(i).tags = tags("grace-period");
        },
        Skip("action_not_opted_in"),
    ),
    (
        "a container health-check failure rolls back",
        |i| i.incident = incident(Category::ContainerHealthCheckFailed, 5),
        Act(ActionKind::Rollback, false),
    ),
    (
        "a malformed cap skips",
        |i| {
            st(i).tags.insert(MEMORY_MAX_TAG.into(), "lots".into());
        },
        Skip("invalid_opt_in"),
    ),
    (
        "a Spot interruption is the platform",
        |i| i.incident = incident(Category::SpotInterruption, 50),
        Skip("platform_failure"),
    ),
    (
        "maintenance is the platform",
        |i| i.incident = incident(Category::InfrastructureMaintenance, 50),
        Skip("platform_failure"),
    ),
    (
        "missing capacity is the platform",
        |i| i.incident = incident(Category::InsufficientResources, 50),
        Skip("platform_failure"),
    ),
    (
        "a deployment replacement is expected",
        |i| i.incident = incident(Category::DeploymentReplaced, 50),
        Skip("expected_stop"),
    ),
    (
        "an incident marked expected skips",
        |i| i.incident.expected = true,
        Skip("expected_stop"),
    ),
    (
        "a missing image has no automatic fix",
        |i| i.incident = incident(Category::ImagePullNotFound, 50),
        Skip("no_remedy"),
    ),
    (
        "below the threshold skips",
        |i| i.incident.count = 2,
        Skip("below_threshold"),
    ),
    (
        "at the threshold acts",
        |i| i.incident.count = 3,
        Act(ActionKind::Rollback, false),
    ),
    (
        "an incident without a revision skips",
        |i| i.incident.key.revision = 0,
        Skip("incident_revision_unknown"),
    ),
    (
        "an unknown current task definition skips",
        |i| st(i).current = None,
        Skip("current_revision_unknown"),
    ),
    (
        "a service already moved to another revision skips",
        |i| st(i).current = Some(td("api", 9)),
        Skip("not_current_revision"),
    ),
    (
        "a service now running another family skips",
        |i| st(i).current = Some(td("api-v2", 8)),
        Skip("not_current_revision"),
    ),
    (
        "no last-known-healthy revision skips",
        |i| st(i).last_healthy = None,
        Skip("no_last_healthy"),
    ),
    (
        "a last-known-healthy record without a revision skips",
        |i| {
            if let Some(h) = st(i).last_healthy.as_mut() {
                h.task_definition.revision = 0;
            }
        },
        Skip("no_last_healthy"),
    ),
    (
        "the healthy revision being the current one skips",
        |i| {
            if let Some(h) = st(i).last_healthy.as_mut() {
                h.task_definition = td("api", 8);
            }
        },
        Skip("healthy_is_current"),
    ),
    (
        "a foreign deployment younger than the minimum skips",
        |i| {
            if let Some(d) = st(i).newest_deployment.as_mut() {
                d.created_at_ms = NOW - 5 * MINUTE;
            }
        },
        Skip("foreign_deployment"),
    ),
    (
        "a deployment of unknown origin counts as foreign",
        |i| {
            if let Some(d) = st(i).newest_deployment.as_mut() {
                d.created_at_ms = NOW - MINUTE;
                d.initiator = Initiator::Other(None);
            }
        },
        Skip("foreign_deployment"),
    ),
    (
        "a deployment dated in the future counts as brand new",
        |i| {
            if let Some(d) = st(i).newest_deployment.as_mut() {
                d.created_at_ms = NOW + 5 * MINUTE;
            }
        },
        Skip("foreign_deployment"),
    ),
    (
        "the remediator's own young deployment does not block",
        |i| {
            if let Some(d) = st(i).newest_deployment.as_mut() {
                d.created_at_ms = NOW - MINUTE;
                d.initiator = Initiator::Remediator;
            }
        },
        Act(ActionKind::Rollback, false),
    ),
    (
        "within the cooldown skips",
        |i| {
            i.guard.last_action = Some(LastAction {
                kind: ActionKind::Rollback,
                at_ms: NOW - 10 * MINUTE,
            })
        },
        Skip("cooldown"),
    ),
    (
        "at the end of the cooldown acts",
        |i| {
            i.guard.last_action = Some(LastAction {
                kind: ActionKind::Rollback,
                at_ms: NOW - 30 * MINUTE,
            })
        },
        Act(ActionKind::Rollback, false),
    ),
    (
        "the global hourly cap reached skips",
        |i| i.guard.actions_this_hour = 5,
        Skip("hourly_cap"),
    ),
    (
        "a cap of zero skips",
        |i| {
            i.config.hourly_cap = 0;
        },
        Skip("hourly_cap"),
    ),
    (
        "repeated OOM kills raise memory",
        |i| {
            oom(i);
            st(i).tags = tags("memory");
        },
        Act(ActionKind::Memory, false),
    ),
    (
        "memory at the cap skips",
        |i| {
            oom(i);
            st(i).tags = tags("memory");
            if let Some(m) = st(i).memory.as_mut() {
                m.mib = 4096;
            }
        },
        Skip("memory_at_cap"),
    ),
    (
        "memory without a cap tag skips",
        |i| {
            oom(i);
            st(i).tags = tags("memory");
            st(i).tags.remove(MEMORY_MAX_TAG);
        },
        Skip("no_cap"),
    ),
    (
        "an unknown memory limit skips",
        |i| {
            oom(i);
            st(i).tags = tags("memory");
            st(i).memory = None;
        },
        Skip("memory_limit_unknown"),
    ),
    (
        "OOM kills with both opted in roll back when a healthy revision exists",
        |i| {
            oom(i);
            st(i).tags = tags("memory,rollback");
        },
        Act(ActionKind::Rollback, false),
    ),
    (
        "OOM kills with both opted in raise memory when there is nothing to roll back to",
        |i| {
            oom(i);
            st(i).tags = tags("memory,rollback");
            st(i).last_healthy = None;
        },
        Act(ActionKind::Memory, false),
    ),
    (
        "when no opted-in fix applies, the rollback's reason is given",
        |i| {
            oom(i);
            st(i).tags = tags("memory,rollback");
            st(i).last_healthy = None;
            st(i).memory = None;
        },
        Skip("no_last_healthy"),
    ),
    (
        "early ELB health-check failures raise the grace period",
        |i| {
            elb(i);
            st(i).tags = tags("grace-period");
        },
        Act(ActionKind::GracePeriod, false),
    ),
    (
        "late ELB health-check failures skip",
        |i| {
            elb(i);
            st(i).tags = tags("grace-period");
            st(i).last_task_uptime_ms = Some(20 * MINUTE);
        },
        Skip("not_early_in_life"),
    ),
    (
        "an unknown task run time skips",
        |i| {
            elb(i);
            st(i).tags = tags("grace-period");
            st(i).last_task_uptime_ms = None;
        },
        Skip("task_uptime_unknown"),
    ),
    (
        "a grace period at the cap skips",
        |i| {
            elb(i);
            st(i).tags = tags("grace-period");
            st(i).grace_period_s = Some(600);
        },
        Skip("grace_period_at_cap"),
    ),
    (
        "a grace period without a cap tag skips",
        |i| {
            elb(i);
            st(i).tags = tags("grace-period");
            st(i).tags.remove(GRACE_PERIOD_MAX_TAG);
        },
        Skip("no_cap"),
    ),
];

fn outcome(d: &Decision) -> Expect {
    match d {
        Decision::Act(p) => Act(p.action().kind(), p.is_dry_run()),
        Decision::Skip(r) => Skip(r.code()),
    }
}

#[test]
fn each_rule_leads_to_its_decision() {
    let mut failures = Vec::new();
    for (name, change, expected) in CASES {
        let mut i = input();
        change(&mut i);
        let d = decide(&i);
        if outcome(&d) != *expected {
            failures.push(format!("{name}: expected {expected:?}, got {d:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_skip_reason_reads_as_a_sentence() {
    for (name, change, expected) in CASES {
        let mut i = input();
        change(&mut i);
        if let Decision::Skip(r) = decide(&i) {
            let text = r.to_string();
            let first = text.chars().next().unwrap_or(' ');
            assert!(
                (first.is_uppercase() || text.starts_with("ecs-triage")) && text.ends_with('.'),
                "{name} ({expected:?}): {text}"
            );
            assert!(
                !text.contains("{") && !text.contains("Some("),
                "{name}: {text}"
            );
        }
    }
}

#[test]
fn a_rollback_goes_from_the_current_revision_to_the_last_healthy_one() {
    let Decision::Act(plan) = decide(&input()) else {
        panic!("expected a plan");
    };
    assert_eq!(
        plan.action(),
        &Action::Rollback {
            service: ServiceRef {
                cluster: "prod".into(),
                service: "api".into(),
                region: Some("eu-west-1".into()),
            },
            from: td("api", 8),
            to: td("api", 7),
        }
    );
    assert_eq!(
        plan.action().to_string(),
        "roll back service api in cluster prod from api:8 to api:7"
    );
}

#[test]
fn the_plan_carries_the_guard_claim_for_its_mode() {
    let i = input();
    let Decision::Act(plan) = decide(&i) else {
        panic!("expected a plan");
    };
    let claim = plan.claim();
    assert_eq!(
        claim.keys,
        GuardKeys::new(&i.incident.key.workload, Mode::Apply, NOW)
    );
    assert_eq!(claim.action, ActionKind::Rollback);
    assert_eq!(claim.incident_id, i.incident.id);
    assert_eq!(claim.until_ms, NOW + i.config.cooldown_ms);
    assert_eq!(claim.hourly_cap, 5);
}

#[test]
fn memory_is_raised_by_the_factor_and_never_above_the_cap() {
    for (from, cap, to) in [(1024, 4096, 1536), (3000, 4096, 4096), (4095, 4096, 4096)] {
        let mut i = input();
        oom(&mut i);
        st(&mut i).tags = tags("memory");
        st(&mut i)
            .tags
            .insert(MEMORY_MAX_TAG.into(), cap.to_string());
        st(&mut i).memory = Some(MemoryLimit {
            scope: MemoryScope::Container("web".into()),
            mib: from,
        });
        let Decision::Act(plan) = decide(&i) else {
            panic!("expected a plan for {from} MiB");
        };
        let Action::RaiseMemory {
            from_mib,
            to_mib,
            scope,
            task_definition,
            ..
        } = plan.action()
        else {
            panic!("expected a memory raise: {:?}", plan.action());
        };
        assert_eq!((*from_mib, *to_mib), (from, to));
        assert_eq!(scope, &MemoryScope::Container("web".into()));
        assert_eq!(
            task_definition,
            &td("api", 8),
            "a copy of the failing revision"
        );
    }
}

#[test]
fn a_fargate_task_memory_raise_lands_on_a_fargate_size_or_skips() {
    // (cpu units, from, cap) → Some(new size) or None (a skip naming Fargate)
    for (cpu, from, cap, to) in [
        (256, 512, 4096, Some(1024)),
        (1024, 2048, 8192, Some(3072)),
        (512, 2048, 3500, Some(3072)),
        (256, 2048, 8192, None),
    ] {
        let mut i = input();
        oom(&mut i);
        st(&mut i).tags = tags("memory");
        st(&mut i)
            .tags
            .insert(MEMORY_MAX_TAG.into(), cap.to_string());
        st(&mut i).memory = Some(MemoryLimit {
            scope: MemoryScope::Task,
            mib: from,
        });
        st(&mut i).fargate_cpu_units = Some(cpu);
        match (decide(&i), to) {
            (Decision::Act(plan), Some(to)) => {
                let Action::RaiseMemory { to_mib, .. } = plan.action() else {
                    panic!("expected a memory raise: {:?}", plan.action());
                };
                assert_eq!(*to_mib, to, "{cpu} units from {from}");
            }
            (Decision::Skip(r), None) => {
                assert_eq!(r.code(), "no_fargate_size");
                assert!(r.to_string().contains("Fargate"), "{r}");
            }
            (d, _) => panic!("{cpu} units from {from}: {d:?}"),
        }
    }
}

#[test]
fn the_grace_period_doubles_the_longer_of_period_and_run_time_within_the_cap() {
    // (current grace, task ran for ms, cap) → new grace
    for (grace, ran_ms, cap, to) in [
        (Some(30), 45_000, 600, 90),
        (None, 5_000, 600, 60),
        (Some(200), 45_000, 600, 400),
        (Some(100), 280_000, 300, 300),
    ] {
        let mut i = input();
        elb(&mut i);
        st(&mut i).tags = tags("grace-period");
        st(&mut i)
            .tags
            .insert(GRACE_PERIOD_MAX_TAG.into(), cap.to_string());
        st(&mut i).grace_period_s = grace;
        st(&mut i).last_task_uptime_ms = Some(ran_ms);
        let Decision::Act(plan) = decide(&i) else {
            panic!("expected a plan for {grace:?}");
        };
        let Action::RaiseGracePeriod { from_s, to_s, .. } = plan.action() else {
            panic!("expected a grace period: {:?}", plan.action());
        };
        assert_eq!((*from_s, *to_s), (grace.unwrap_or(0), to));
    }
}

#[test]
fn a_dry_run_plan_settles_into_a_rehearsal_that_cannot_be_applied() {
    let mut i = input();
    i.config.mode = Mode::DryRun;
    let Decision::Act(plan) = decide(&i) else {
        panic!("expected a plan");
    };
    let action = plan.action().clone();
    assert!(plan.is_dry_run());
    assert_eq!(plan.claim().keys.lock.sk, "LOCK#dry-run");
    assert_eq!(plan.settle(GuardOutcome::Acquired), Outcome::DryRun(action));
}

#[test]
fn only_an_apply_plan_with_the_guard_acquired_is_approved() {
    let Decision::Act(plan) = decide(&input()) else {
        panic!("expected a plan");
    };
    let action = plan.action().clone();
    let Outcome::Apply(approved) = plan.clone().settle(GuardOutcome::Acquired) else {
        panic!("expected an approval");
    };
    assert_eq!(approved.action(), &action);
    assert_eq!(
        plan.clone().settle(GuardOutcome::Held(Held::Workload {
            until_ms: Some(NOW)
        })),
        Outcome::Skip(SkipReason::LockedByAnother {
            until_ms: Some(NOW)
        })
    );
    assert_eq!(
        plan.settle(GuardOutcome::Held(Held::Hourly)),
        Outcome::Skip(SkipReason::HourlyCapReached { cap: 5 })
    );
}

#[test]
fn reasons_say_what_was_found() {
    let mut i = input();
    st(&mut i).tags = tags("memory");
    let r = decide(&i).skip_reason().cloned().map(|r| r.to_string());
    assert_eq!(
        r.as_deref(),
        Some("The service opted in to memory only, but app_exit_error can be fixed only by rollback: add it to the ecs-triage:remediate tag to allow it.")
    );

    let mut i = input();
    i.guard.last_action = Some(LastAction {
        kind: ActionKind::Rollback,
        at_ms: NOW - 10 * MINUTE,
    });
    let r = decide(&i).skip_reason().map(ToString::to_string);
    assert_eq!(
        r.as_deref(),
        Some("ecs-triage already took an action (rollback) on this service at 2024-05-01T13:35:00.000Z; it waits until 2024-05-01T14:05:00.000Z before acting again.")
    );

    let mut i = input();
    if let Some(d) = st(&mut i).newest_deployment.as_mut() {
        d.created_at_ms = NOW - 4 * MINUTE;
    }
    let r = decide(&i).skip_reason().map(ToString::to_string);
    assert_eq!(
        r.as_deref(),
        Some("Deployment ecs-svc/1234567890, started by alice 4 min ago, is younger than 10 min: ecs-triage does not fight a deployment in progress.")
    );
}
