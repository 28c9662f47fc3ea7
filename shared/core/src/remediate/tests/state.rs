//! The healthy-revision rule and the mapping from ECS views to the policy's state.

use super::fixture::{incident, NOW};
use crate::diagnose::view::{
    ContainerDefinitionView, DeploymentView, ServiceView, TaskDefinitionView,
};
use crate::event::TaskStateChange;
use crate::remediate::*;
use crate::taxonomy::Category;

const ARN: &str = "arn:aws:ecs:eu-west-1:111122223333:task-definition/api:7";

fn deployment(
    id: &str,
    status: &str,
    rollout: Option<&str>,
    desired: i64,
    running: i64,
) -> DeploymentView {
    DeploymentView {
        id: id.into(),
        status: status.into(),
        task_definition: ARN.into(),
        rollout_state: rollout.map(Into::into),
        created_at_ms: Some(NOW - 3_600_000),
        desired_count: desired,
        running_count: running,
        ..Default::default()
    }
}

fn service(deployments: Vec<DeploymentView>) -> ServiceView {
    ServiceView {
        name: "api".into(),
        task_definition: Some(ARN.into()),
        desired_count: 2,
        running_count: 2,
        deployments,
        ..Default::default()
    }
}

#[test]
fn task_definition_arns_and_short_forms_parse_to_family_and_revision() {
    let r = task_definition_ref(ARN).unwrap();
    assert_eq!(
        (r.family.as_str(), r.revision, r.arn.as_str()),
        ("api", 7, ARN)
    );
    assert_eq!(
        task_definition_ref("web-app:12").unwrap().family_revision(),
        "web-app:12"
    );
    for bad in [
        "",
        "api",
        "api:0",
        "api:x",
        ":3",
        "arn:aws:ecs:eu-west-1:1:service/prod/api",
        "arn:aws:ecs:eu-west-1:1:task-definition/api",
    ] {
        assert_eq!(task_definition_ref(bad), None, "{bad:?}");
    }
}

#[test]
fn a_completed_deployment_running_its_desired_count_is_healthy() {
    let s = service(vec![
        deployment("ecs-svc/2", "PRIMARY", Some("COMPLETED"), 2, 2),
        deployment("ecs-svc/1", "ACTIVE", Some("COMPLETED"), 0, 0),
    ]);
    let h = healthy_revision(&s, Some("ecs-svc/2"), NOW).unwrap();
    assert_eq!(h.task_definition.family_revision(), "api:7");
    assert_eq!(h.recorded_at_ms, NOW);
}

#[test]
fn nothing_is_recorded_unless_the_service_shows_one_healthy_revision() {
    let cases = [
        // The named deployment is gone, or is not the primary one any more.
        (
            service(vec![deployment("ecs-svc/3", "PRIMARY", None, 2, 2)]),
            Some("ecs-svc/2"),
        ),
        (
            service(vec![deployment(
                "ecs-svc/2",
                "ACTIVE",
                Some("COMPLETED"),
                2,
                2,
            )]),
            Some("ecs-svc/2"),
        ),
        // A rollout that failed or is still going proves nothing.
        (
            service(vec![deployment(
                "ecs-svc/2",
                "PRIMARY",
                Some("FAILED"),
                2,
                2,
            )]),
            Some("ecs-svc/2"),
        ),
        (
            service(vec![deployment(
                "ecs-svc/2",
                "PRIMARY",
                Some("IN_PROGRESS"),
                2,
                2,
            )]),
            None,
        ),
        // Not every desired task runs, or none is desired.
        (
            service(vec![deployment("ecs-svc/2", "PRIMARY", None, 2, 1)]),
            None,
        ),
        (
            service(vec![deployment("ecs-svc/2", "PRIMARY", None, 0, 0)]),
            None,
        ),
        // A steady state with two deployments: which one is healthy is ambiguous.
        (
            service(vec![
                deployment("ecs-svc/2", "PRIMARY", None, 2, 2),
                deployment("ecs-svc/1", "ACTIVE", None, 2, 2),
            ]),
            None,
        ),
        (service(vec![]), None),
    ];
    for (s, id) in cases {
        assert_eq!(
            healthy_revision(&s, id, NOW),
            None,
            "{:?} {id:?}",
            s.deployments
        );
    }
    let mut bad_arn = service(vec![deployment("ecs-svc/2", "PRIMARY", None, 2, 2)]);
    bad_arn.deployments[0].task_definition = "not-an-arn".into();
    assert_eq!(healthy_revision(&bad_arn, None, NOW), None);
}

#[test]
fn a_steady_state_with_one_deployment_records_it() {
    let s = service(vec![deployment("ecs-svc/2", "PRIMARY", None, 2, 2)]);
    assert_eq!(
        healthy_revision(&s, None, NOW)
            .unwrap()
            .task_definition
            .revision,
        7
    );
}

fn facts<'a>(s: &'a ServiceView) -> WorkloadFacts<'a> {
    WorkloadFacts {
        service: s,
        task_definition: None,
        last_healthy: None,
        last_task: None,
        own_deployment_id: None,
        stack_name: Some("ecs-triage"),
        configured_exclusion: false,
    }
}

#[test]
fn the_state_reads_the_current_revision_grace_period_and_deployment_initiator() {
    let mut s = service(vec![deployment("ecs-svc/2", "PRIMARY", None, 2, 2)]);
    s.health_check_grace_period_s = Some(30);
    let inc = incident(Category::AppExitError, 3);
    let state = workload_state(&facts(&s), &inc);
    assert_eq!(state.current.unwrap().family_revision(), "api:7");
    assert_eq!(state.grace_period_s, Some(30));
    let d = state.newest_deployment.unwrap();
    assert_eq!(d.initiator, Initiator::Other(None));
    assert_eq!(state.exclusion, None);

    let own = WorkloadFacts {
        own_deployment_id: Some("ecs-svc/2"),
        ..facts(&s)
    };
    assert_eq!(
        workload_state(&own, &inc)
            .newest_deployment
            .unwrap()
            .initiator,
        Initiator::Remediator
    );
}

#[test]
fn the_stacks_own_services_and_configured_ones_are_excluded() {
    let mut s = service(vec![]);
    s.tags.insert(STACK_NAME_TAG.into(), "ecs-triage".into());
    let inc = incident(Category::AppExitError, 3);
    assert_eq!(
        workload_state(&facts(&s), &inc).exclusion,
        Some(Exclusion::OwnStack)
    );
    s.tags.insert(STACK_NAME_TAG.into(), "another-stack".into());
    assert_eq!(workload_state(&facts(&s), &inc).exclusion, None);
    let configured = WorkloadFacts {
        configured_exclusion: true,
        ..facts(&s)
    };
    assert_eq!(
        workload_state(&configured, &inc).exclusion,
        Some(Exclusion::Configured)
    );
}

#[test]
fn an_oom_kill_is_judged_on_the_containers_hard_limit_else_the_tasks() {
    let td = TaskDefinitionView {
        memory: Some("1024".into()),
        containers: vec![
            ContainerDefinitionView {
                name: "app".into(),
                memory: Some(512),
                ..Default::default()
            },
            ContainerDefinitionView {
                name: "sidecar".into(),
                ..Default::default()
            },
        ],
        ..Default::default()
    };
    let s = service(vec![]);
    let with = |container: Option<&str>| {
        let mut inc = incident(Category::OomKilled, 3);
        inc.last.subject.container = container.map(Into::into);
        let f = WorkloadFacts {
            task_definition: Some(&td),
            ..facts(&s)
        };
        workload_state(&f, &inc).memory
    };
    assert_eq!(
        with(Some("app")),
        Some(MemoryLimit {
            scope: MemoryScope::Container("app".into()),
            mib: 512
        })
    );
    for c in [Some("sidecar"), None, Some("gone")] {
        assert_eq!(
            with(c),
            Some(MemoryLimit {
                scope: MemoryScope::Task,
                mib: 1024
            }),
            "{c:?}"
        );
    }
}

#[test]
fn the_uptime_is_from_start_to_stop_and_unknown_without_both() {
    let s = service(vec![]);
    let inc = incident(Category::ElbHealthCheckFailed, 3);
    let task = |started: Option<&str>, stopped: Option<&str>| TaskStateChange {
        started_at: started.map(Into::into),
        stopped_at: stopped.map(Into::into),
        ..Default::default()
    };
    let uptime = |t: &TaskStateChange| {
        workload_state(
            &WorkloadFacts {
                last_task: Some(t),
                ..facts(&s)
            },
            &inc,
        )
        .last_task_uptime_ms
    };
    assert_eq!(
        uptime(&task(
            Some("2024-05-01T13:40:00Z"),
            Some("2024-05-01T13:41:30.500Z")
        )),
        Some(90_500)
    );
    assert_eq!(uptime(&task(None, Some("2024-05-01T13:41:30Z"))), None);
    assert_eq!(uptime(&task(Some("2024-05-01T13:41:30Z"), None)), None);
}

#[test]
fn a_fargate_revision_reports_its_cpu_units() {
    let s = service(vec![]);
    let inc = incident(Category::OomKilled, 3);
    let cpu = |compat: &str, cpu: &str| {
        let td = TaskDefinitionView {
            cpu: Some(cpu.into()),
            requires_compatibilities: vec![compat.into()],
            ..Default::default()
        };
        workload_state(
            &WorkloadFacts {
                task_definition: Some(&td),
                ..facts(&s)
            },
            &inc,
        )
        .fargate_cpu_units
    };
    assert_eq!(cpu("FARGATE", "512"), Some(512));
    assert_eq!(cpu("FARGATE", "1 vCPU"), Some(1024));
    assert_eq!(cpu("FARGATE", ".25 vcpu"), Some(256));
    assert_eq!(cpu("EC2", "512"), None);
    assert_eq!(cpu("FARGATE", "lots"), None);
}

#[test]
fn exclusions_parse_cluster_slash_service_and_refuse_anything_else() {
    let e = Exclusions::parse(" prod/api , prod/worker,").unwrap();
    assert!(e.contains("prod", "api") && e.contains("prod", "worker"));
    assert!(!e.contains("staging", "api"));
    assert!(Exclusions::parse("").unwrap().is_empty());
    let err = Exclusions::parse("prod/api,orders").unwrap_err();
    assert!(err.contains("\"orders\""), "{err}");
}
