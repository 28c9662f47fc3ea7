//! The ECS applier against the emulator: what each approved action changes in the service and
//! its task definitions.

use aws_sdk_ecs::types::{
    Compatibility, ContainerDefinition, KeyValuePair, LaunchType, NetworkMode, Tag,
};
use ecs_triage_aws::EcsActionApplier;
use ecs_triage_core::remediate::{
    task_definition_ref, Action, ActionApplier, Approved, MemoryScope, ServiceRef,
};

use crate::harness::{emulator, namespace, seeded};

/// A cluster with service `web` on a Fargate revision (256 CPU, 512 MiB; container `app` with
/// a 256 MiB hard limit, an environment value and a tag). Returns (cluster, task definition
/// ARN).
async fn service(test: &str) -> (String, String) {
    let ecs = emulator().ecs().await;
    let cluster = namespace(test);
    seeded(
        "CreateCluster",
        ecs.create_cluster().cluster_name(&cluster).send().await,
    );
    let td = seeded(
        "RegisterTaskDefinition",
        ecs.register_task_definition()
            .family(&cluster)
            .network_mode(NetworkMode::Awsvpc)
            .requires_compatibilities(Compatibility::Fargate)
            .cpu("256")
            .memory("512")
            .container_definitions(
                ContainerDefinition::builder()
                    .name("app")
                    .image("registry.example/orders:1.4.2")
                    .memory(256)
                    .essential(true)
                    .environment(
                        KeyValuePair::builder()
                            .name("DB_PASSWORD")
                            .value("hunter2-not-a-real-one")
                            .build(),
                    )
                    .build(),
            )
            .tags(Tag::builder().key("team").value("payments").build())
            .send()
            .await,
    )
    .task_definition
    .and_then(|t| t.task_definition_arn)
    .expect("an ARN");
    seeded(
        "CreateService",
        ecs.create_service()
            .cluster(&cluster)
            .service_name("web")
            .task_definition(&td)
            .desired_count(1)
            .launch_type(LaunchType::Fargate)
            .send()
            .await,
    );
    (cluster, td)
}

fn at(cluster: &str) -> ServiceRef {
    ServiceRef {
        cluster: cluster.into(),
        service: "web".into(),
        region: None,
    }
}

async fn described(cluster: &str) -> aws_sdk_ecs::types::Service {
    seeded(
        "DescribeServices",
        emulator()
            .ecs()
            .await
            .describe_services()
            .cluster(cluster)
            .services("web")
            .send()
            .await,
    )
    .services()
    .first()
    .cloned()
    .expect("the service")
}

async fn task_definition(arn: &str) -> aws_sdk_ecs::types::TaskDefinition {
    seeded(
        "DescribeTaskDefinition",
        emulator()
            .ecs()
            .await
            .describe_task_definition()
            .task_definition(arn)
            .send()
            .await,
    )
    .task_definition
    .expect("the task definition")
}

async fn applier() -> EcsActionApplier {
    EcsActionApplier::new(emulator().ecs().await)
}

#[tokio::test]
async fn a_container_memory_raise_registers_a_copy_and_deploys_it() {
    let (cluster, td) = service("apply-mem").await;
    let from = task_definition_ref(&td).expect("an ARN");
    let action = Action::RaiseMemory {
        service: at(&cluster),
        task_definition: from.clone(),
        scope: MemoryScope::Container("app".into()),
        from_mib: 256,
        to_mib: 384,
    };
    let applied = applier()
        .await
        .apply(&Approved::for_tests(action))
        .await
        .expect("applied");

    let new_arn = applied.task_definition_arn.expect("a new revision");
    let new = task_definition_ref(&new_arn).expect("an ARN");
    assert_eq!(new.family, from.family);
    assert_eq!(new.revision, from.revision + 1);
    let copy = task_definition(&new_arn).await;
    let app = copy.container_definitions().first().expect("the container");
    assert_eq!(app.memory(), Some(384), "the hard limit is raised");
    assert_eq!(copy.memory(), Some("512"), "the task size is kept");
    assert_eq!(copy.cpu(), Some("256"));
    assert_eq!(
        app.environment().first().and_then(|e| e.value()),
        Some("hunter2-not-a-real-one"),
        "the copy keeps the environment as it was"
    );
    assert_eq!(
        described(&cluster).await.task_definition(),
        Some(new_arn.as_str())
    );
}

#[tokio::test]
async fn a_task_memory_raise_changes_the_task_size() {
    let (cluster, td) = service("apply-task-mem").await;
    let action = Action::RaiseMemory {
        service: at(&cluster),
        task_definition: task_definition_ref(&td).expect("an ARN"),
        scope: MemoryScope::Task,
        from_mib: 512,
        to_mib: 1024,
    };
    let applied = applier()
        .await
        .apply(&Approved::for_tests(action))
        .await
        .expect("applied");
    let copy = task_definition(&applied.task_definition_arn.expect("new")).await;
    assert_eq!(copy.memory(), Some("1024"));
    assert_eq!(
        copy.container_definitions()
            .first()
            .and_then(|c| c.memory()),
        Some(256),
        "the container keeps its own limit"
    );
}

#[tokio::test]
async fn a_raise_for_a_container_that_is_not_there_changes_nothing() {
    let (cluster, td) = service("apply-mem-missing").await;
    let action = Action::RaiseMemory {
        service: at(&cluster),
        task_definition: task_definition_ref(&td).expect("an ARN"),
        scope: MemoryScope::Container("sidecar".into()),
        from_mib: 256,
        to_mib: 384,
    };
    let err = applier()
        .await
        .apply(&Approved::for_tests(action))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("\"sidecar\""), "{err}");
    assert_eq!(
        described(&cluster).await.task_definition(),
        Some(td.as_str())
    );
}

#[tokio::test]
async fn a_grace_period_raise_updates_the_service_setting() {
    let (cluster, td) = service("apply-grace").await;
    let action = Action::RaiseGracePeriod {
        service: at(&cluster),
        from_s: 0,
        to_s: 120,
    };
    let applied = applier()
        .await
        .apply(&Approved::for_tests(action))
        .await
        .expect("applied");
    assert_eq!(
        applied.deployment_id, None,
        "a setting starts no deployment of ours"
    );
    let s = described(&cluster).await;
    assert_eq!(s.health_check_grace_period_seconds(), Some(120));
    assert_eq!(s.task_definition(), Some(td.as_str()), "same revision");
}

#[tokio::test]
async fn a_service_that_is_gone_is_a_clear_error() {
    let (cluster, td) = service("apply-gone").await;
    let action = Action::Rollback {
        service: ServiceRef {
            service: "not-there".into(),
            ..at(&cluster)
        },
        from: task_definition_ref(&td).expect("an ARN"),
        to: task_definition_ref(&td).expect("an ARN"),
    };
    let err = applier()
        .await
        .apply(&Approved::for_tests(action))
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("UpdateService") && msg.contains("not-there"),
        "{msg}"
    );
}
