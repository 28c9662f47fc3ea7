//! `Elbv2Adapter` against the emulator: target-group health-check settings and target health.
//!
//! moto reports every registered IP target `healthy`, without reason; the reason code and
//! description are exercised with an instance target whose EC2 instance is stopped, which moto
//! reports as `unused` / `Target.InvalidState`.

use aws_sdk_elasticloadbalancingv2::types::{
    Matcher, ProtocolEnum, TargetDescription, TargetTypeEnum,
};
use ecs_triage_aws::Elbv2Adapter;
use ecs_triage_core::diagnose::ports::LoadBalancerReader;
use ecs_triage_core::diagnose::view::{TargetGroupView, TargetHealthView};

use crate::harness::{emulator, namespace, seeded, short_name};

async fn vpc(cidr: &str) -> String {
    let ec2 = emulator().ec2().await;
    seeded("CreateVpc", ec2.create_vpc().cidr_block(cidr).send().await)
        .vpc
        .and_then(|v| v.vpc_id)
        .expect("a VPC ID")
}

async fn target_group(name: &str, vpc: &str, kind: TargetTypeEnum) -> String {
    let elb = emulator().elbv2().await;
    seeded(
        "CreateTargetGroup",
        elb.create_target_group()
            .name(name)
            .protocol(ProtocolEnum::Http)
            .port(8080)
            .vpc_id(vpc)
            .target_type(kind)
            .health_check_protocol(ProtocolEnum::Http)
            .health_check_port("traffic-port")
            .health_check_path("/health")
            .matcher(Matcher::builder().http_code("200-299").build())
            .health_check_interval_seconds(15)
            .health_check_timeout_seconds(5)
            .healthy_threshold_count(3)
            .unhealthy_threshold_count(2)
            .send()
            .await,
    )
    .target_groups()
    .first()
    .and_then(|t| t.target_group_arn())
    .expect("a target group ARN")
    .to_owned()
}

#[tokio::test]
async fn a_target_group_has_its_health_check_settings_and_ip_targets() {
    let ns = namespace("tg-ip");
    let vpc = vpc("10.30.0.0/16").await;
    let arn = target_group(&short_name("tg", &ns), &vpc, TargetTypeEnum::Ip).await;
    let elb = emulator().elbv2().await;
    seeded(
        "RegisterTargets",
        elb.register_targets()
            .target_group_arn(&arn)
            .targets(
                TargetDescription::builder()
                    .id("10.30.1.10")
                    .port(8080)
                    .build(),
            )
            .targets(
                TargetDescription::builder()
                    .id("10.30.2.20")
                    .port(8080)
                    .build(),
            )
            .send()
            .await,
    );
    let adapter = Elbv2Adapter::new(elb);

    assert_eq!(
        adapter.target_group(&arn).await.unwrap(),
        Some(TargetGroupView {
            arn: arn.clone(),
            protocol: Some("HTTP".to_owned()),
            port: Some(8080),
            target_type: Some("ip".to_owned()),
            health_check_path: Some("/health".to_owned()),
            health_check_port: Some("traffic-port".to_owned()),
            health_check_protocol: Some("HTTP".to_owned()),
            matcher: Some("200-299".to_owned()),
            interval_s: Some(15),
            timeout_s: Some(5),
            healthy_threshold: Some(3),
            unhealthy_threshold: Some(2),
        })
    );

    let mut health = adapter.target_health(&arn).await.unwrap();
    health.sort_by(|a, b| a.id.cmp(&b.id));
    let healthy = |id: &str| TargetHealthView {
        id: id.to_owned(),
        port: Some(8080),
        state: "healthy".to_owned(),
        reason: None,
        description: None,
    };
    assert_eq!(health, [healthy("10.30.1.10"), healthy("10.30.2.20")]);
}

#[tokio::test]
async fn an_unhealthy_target_keeps_its_reason_code_and_description() {
    let ns = namespace("tg-reason");
    let vpc = vpc("10.31.0.0/16").await;
    let arn = target_group(&short_name("tg", &ns), &vpc, TargetTypeEnum::Instance).await;
    let ec2 = emulator().ec2().await;
    let instance = seeded(
        "RunInstances",
        ec2.run_instances()
            .image_id("ami-12c6146b")
            .min_count(1)
            .max_count(1)
            .send()
            .await,
    )
    .instances()
    .first()
    .and_then(|i| i.instance_id())
    .expect("an instance ID")
    .to_owned();
    let elb = emulator().elbv2().await;
    seeded(
        "RegisterTargets",
        elb.register_targets()
            .target_group_arn(&arn)
            .targets(
                TargetDescription::builder()
                    .id(&instance)
                    .port(8080)
                    .build(),
            )
            .send()
            .await,
    );
    seeded(
        "StopInstances",
        ec2.stop_instances().instance_ids(&instance).send().await,
    );

    let health = Elbv2Adapter::new(elb).target_health(&arn).await.unwrap();

    assert_eq!(
        health,
        [TargetHealthView {
            id: instance,
            port: Some(8080),
            state: "unused".to_owned(),
            reason: Some("Target.InvalidState".to_owned()),
            description: Some("Target is in the stopped state".to_owned()),
        }]
    );
}

#[tokio::test]
async fn an_unknown_target_group_is_none() {
    let ns = namespace("tg-missing");
    let missing = format!(
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/{}/0123456789abcdef",
        short_name("tg", &ns)
    );
    let adapter = Elbv2Adapter::new(emulator().elbv2().await);
    assert_eq!(adapter.target_group(&missing).await.unwrap(), None);
}
