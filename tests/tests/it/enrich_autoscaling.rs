//! `AutoScalingAdapter` against the emulator: the scalable target of an ECS service's desired
//! count, and None for a service without one.

use aws_sdk_applicationautoscaling::types::{ScalableDimension, ServiceNamespace, SuspendedState};
use aws_sdk_ecs::types::ContainerDefinition;
use ecs_triage_aws::AutoScalingAdapter;
use ecs_triage_core::diagnose::ports::ScalingReader;
use ecs_triage_core::diagnose::view::ScalableTargetView;

use crate::harness::{emulator, namespace, seeded};

/// A cluster with services `web` and `worker` (the emulator checks that a scalable target's
/// service exists).
async fn cluster(test: &str) -> String {
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
            .container_definitions(
                ContainerDefinition::builder()
                    .name("app")
                    .image("nginx")
                    .memory(128)
                    .build(),
            )
            .send()
            .await,
    )
    .task_definition
    .and_then(|t| t.task_definition_arn)
    .expect("a task definition ARN");
    for service in ["web", "worker"] {
        seeded(
            "CreateService",
            ecs.create_service()
                .cluster(&cluster)
                .service_name(service)
                .task_definition(&td)
                .desired_count(2)
                .send()
                .await,
        );
    }
    cluster
}

#[tokio::test]
async fn a_services_scalable_target_has_its_limits_and_suspension() {
    let cluster = cluster("scaling").await;
    let aas = emulator().autoscaling().await;
    let register = |service: &str, min, max, suspended: Option<SuspendedState>| {
        aas.register_scalable_target()
            .service_namespace(ServiceNamespace::Ecs)
            .resource_id(format!("service/{cluster}/{service}"))
            .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
            .min_capacity(min)
            .max_capacity(max)
            .set_suspended_state(suspended)
            .send()
    };
    seeded(
        "RegisterScalableTarget web",
        register("web", 2, 6, None).await,
    );
    seeded(
        "RegisterScalableTarget worker",
        register(
            "worker",
            0,
            3,
            Some(
                SuspendedState::builder()
                    .dynamic_scaling_in_suspended(true)
                    .build(),
            ),
        )
        .await,
    );
    let adapter = AutoScalingAdapter::new(aas.clone());

    assert_eq!(
        adapter.scalable_target(&cluster, "web").await.unwrap(),
        Some(ScalableTargetView {
            min: 2,
            max: 6,
            suspended: false
        })
    );
    assert_eq!(
        adapter.scalable_target(&cluster, "worker").await.unwrap(),
        Some(ScalableTargetView {
            min: 0,
            max: 3,
            suspended: true
        })
    );
}

#[tokio::test]
async fn a_service_without_a_scalable_target_is_none() {
    let cluster = cluster("no-scaling").await;
    let adapter = AutoScalingAdapter::new(emulator().autoscaling().await);
    assert_eq!(
        adapter.scalable_target(&cluster, "web").await.unwrap(),
        None
    );
}
