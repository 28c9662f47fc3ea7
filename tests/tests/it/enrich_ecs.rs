//! `EcsAdapter` against the emulator: task definitions (names, never values), services with their
//! deployment, network and tags, stopped tasks, and container-instance capacity.
//!
//! moto 5.2.5 cannot start an `awsvpc` task (RunTask fails with HTTP 500, `'NetworkInterface'
//! object has no attribute 'private_dns_name'`), so the task tests run `bridge` tasks on a
//! registered container instance. Its DescribeTasks has no `stoppedAt`, `stopCode`, `createdAt`
//! or `version`, so the newest-first order of `stopped_tasks` is covered by the adapter's unit
//! tests, and its ListTasks ignores `serviceName`, so each test has a cluster of its own.

use std::collections::BTreeMap;

use aws_sdk_ecs::types::{
    AssignPublicIp, AwsVpcConfiguration, Compatibility, ContainerDefinition, CpuArchitecture,
    EnvironmentFile, EnvironmentFileType, EphemeralStorage, HealthCheck, KeyValuePair, LaunchType,
    LoadBalancer, LogConfiguration, LogDriver, NetworkConfiguration, NetworkMode, OsFamily,
    PortMapping as SdkPortMapping, RuntimePlatform, Secret, Tag, TransportProtocol,
};
use ecs_triage_aws::EcsAdapter;
use ecs_triage_core::diagnose::ports::EcsReader;
use ecs_triage_core::diagnose::view::{
    ContainerDefinitionView, HealthCheckView, LogConfigView, PortMapping, SecretRef,
    TaskDefinitionView,
};
use ecs_triage_core::ports::PortError;

use crate::harness::{emulator, namespace, seeded, short_name};

const SECRET_VALUE: &str = "hunter2-never-in-a-view";
const SPLUNK_TOKEN: &str = "00000000-splunk-token-never-in-a-view";
const EXECUTION_ROLE: &str = "arn:aws:iam::123456789012:role/web-execution";
const TASK_ROLE: &str = "arn:aws:iam::123456789012:role/web-task";
const PARAMETER: &str = "arn:aws:ssm:us-east-1:123456789012:parameter/web/api-key";
const ENV_FILE: &str = "arn:aws:s3:::web-config/web.env";

fn log_configuration(driver: LogDriver, options: &[(&str, &str)]) -> LogConfiguration {
    let mut b = LogConfiguration::builder().log_driver(driver);
    for (k, v) in options {
        b = b.options(*k, *v);
    }
    b.build().expect("log configuration is complete")
}

/// An app container with awslogs, secrets, environment values and a health check, and a
/// non-essential sidecar logging to Splunk with a token.
fn containers(family: &str) -> Vec<ContainerDefinition> {
    let app = ContainerDefinition::builder()
        .name("app")
        .image("123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.4.2")
        .memory(512)
        .memory_reservation(256)
        .entry_point("/bin/sh")
        .command("-c")
        .command("exec /app/server")
        .environment(
            KeyValuePair::builder()
                .name("DB_PASSWORD")
                .value(SECRET_VALUE)
                .build(),
        )
        .environment(KeyValuePair::builder().name("PORT").value("8080").build())
        .secrets(
            Secret::builder()
                .name("API_KEY")
                .value_from(PARAMETER)
                .build()
                .expect("secret is complete"),
        )
        .environment_files(
            EnvironmentFile::builder()
                .value(ENV_FILE)
                .r#type(EnvironmentFileType::S3)
                .build()
                .expect("environment file is complete"),
        )
        .port_mappings(
            SdkPortMapping::builder()
                .container_port(8080)
                .host_port(8080)
                .protocol(TransportProtocol::Tcp)
                .build(),
        )
        .health_check(
            HealthCheck::builder()
                .command("CMD-SHELL")
                .command("curl -f http://localhost:8080/health || exit 1")
                .interval(10)
                .timeout(5)
                .retries(3)
                .start_period(30)
                .build()
                .expect("health check is complete"),
        )
        .log_configuration(log_configuration(
            LogDriver::Awslogs,
            &[
                ("awslogs-group", &format!("/ecs/{family}")),
                ("awslogs-region", "us-east-1"),
                ("awslogs-stream-prefix", "web"),
            ],
        ))
        .stop_timeout(20)
        .build();
    let sidecar = ContainerDefinition::builder()
        .name("splunk-forwarder")
        .image("public.ecr.aws/example/forwarder:2")
        .cpu(128)
        .essential(false)
        .log_configuration(log_configuration(
            LogDriver::Splunk,
            &[
                ("splunk-token", SPLUNK_TOKEN),
                ("splunk-url", "https://splunk.example.com:8088"),
            ],
        ))
        .build();
    vec![app, sidecar]
}

#[tokio::test]
async fn a_task_definition_keeps_variable_names_and_secret_references_but_no_values_or_tokens() {
    let emu = emulator();
    let family = namespace("td-view");
    let ecs = emu.ecs().await;
    let registered = seeded(
        "RegisterTaskDefinition",
        ecs.register_task_definition()
            .family(&family)
            .set_container_definitions(Some(containers(&family)))
            .network_mode(NetworkMode::Awsvpc)
            .requires_compatibilities(Compatibility::Fargate)
            .cpu("256")
            .memory("1024")
            .runtime_platform(
                RuntimePlatform::builder()
                    .cpu_architecture(CpuArchitecture::Arm64)
                    .operating_system_family(OsFamily::Linux)
                    .build(),
            )
            .execution_role_arn(EXECUTION_ROLE)
            .task_role_arn(TASK_ROLE)
            .ephemeral_storage(EphemeralStorage::builder().size_in_gib(30).build())
            .send()
            .await,
    );
    let arn = registered
        .task_definition()
        .and_then(|t| t.task_definition_arn())
        .expect("RegisterTaskDefinition returns the ARN")
        .to_owned();

    let view = EcsAdapter::new(ecs).task_definition(&arn).await.unwrap();

    let expected = TaskDefinitionView {
        arn: arn.clone(),
        family: family.clone(),
        revision: 1,
        cpu: Some("256".to_owned()),
        memory: Some("1024".to_owned()),
        network_mode: Some("awsvpc".to_owned()),
        requires_compatibilities: vec!["FARGATE".to_owned()],
        cpu_architecture: Some("ARM64".to_owned()),
        os_family: Some("LINUX".to_owned()),
        execution_role_arn: Some(EXECUTION_ROLE.to_owned()),
        task_role_arn: Some(TASK_ROLE.to_owned()),
        ephemeral_storage_gib: Some(30),
        containers: vec![
            ContainerDefinitionView {
                name: "app".to_owned(),
                image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.4.2".to_owned(),
                cpu: None,
                memory: Some(512),
                memory_reservation: Some(256),
                essential: true,
                entry_point: vec!["/bin/sh".to_owned()],
                command: vec!["-c".to_owned(), "exec /app/server".to_owned()],
                environment_names: vec!["DB_PASSWORD".to_owned(), "PORT".to_owned()],
                secrets: vec![SecretRef {
                    name: "API_KEY".to_owned(),
                    value_from: PARAMETER.to_owned(),
                }],
                environment_files: vec![ENV_FILE.to_owned()],
                port_mappings: vec![PortMapping {
                    container_port: Some(8080),
                    host_port: Some(8080),
                    protocol: Some("tcp".to_owned()),
                }],
                health_check: Some(HealthCheckView {
                    command: vec![
                        "CMD-SHELL".to_owned(),
                        "curl -f http://localhost:8080/health || exit 1".to_owned(),
                    ],
                    interval_s: Some(10),
                    timeout_s: Some(5),
                    retries: Some(3),
                    start_period_s: Some(30),
                }),
                log: Some(LogConfigView {
                    driver: "awslogs".to_owned(),
                    options: BTreeMap::from([
                        ("awslogs-group".to_owned(), format!("/ecs/{family}")),
                        ("awslogs-region".to_owned(), "us-east-1".to_owned()),
                        ("awslogs-stream-prefix".to_owned(), "web".to_owned()),
                    ]),
                }),
                stop_timeout: Some(20),
            },
            ContainerDefinitionView {
                name: "splunk-forwarder".to_owned(),
                image: "public.ecr.aws/example/forwarder:2".to_owned(),
                cpu: Some(128),
                essential: false,
                log: Some(LogConfigView {
                    driver: "splunk".to_owned(),
                    options: BTreeMap::from([(
                        "splunk-url".to_owned(),
                        "https://splunk.example.com:8088".to_owned(),
                    )]),
                }),
                ..ContainerDefinitionView::default()
            },
        ],
    };
    assert_eq!(view, expected);

    // Not in any rendering of the view: Debug (logs) or JSON (stored incidents).
    let debug = format!("{view:?} {view:#?}");
    let json = serde_json::to_string(&view).unwrap();
    for secret in [SECRET_VALUE, SPLUNK_TOKEN, "splunk-token"] {
        assert!(
            !debug.contains(secret),
            "{secret} leaked into Debug: {debug}"
        );
        assert!(!json.contains(secret), "{secret} leaked into JSON: {json}");
    }
}

#[tokio::test]
async fn an_unknown_task_definition_is_a_permanent_error_naming_it() {
    let emu = emulator();
    let missing = format!("{}:9", namespace("td-missing"));
    let err = EcsAdapter::new(emu.ecs().await)
        .task_definition(&missing)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            PortError::Permanent {
                operation: "DescribeTaskDefinition",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains(&missing), "{err}");
}

#[tokio::test]
async fn a_service_has_its_deployment_target_groups_network_and_tags() {
    let emu = emulator();
    let cluster = namespace("svc-view");
    let (ecs, ec2, elb) = (emu.ecs().await, emu.ec2().await, emu.elbv2().await);
    let vpc = seeded(
        "CreateVpc",
        ec2.create_vpc().cidr_block("10.20.0.0/16").send().await,
    )
    .vpc
    .and_then(|v| v.vpc_id)
    .expect("a VPC ID");
    let subnet = seeded(
        "CreateSubnet",
        ec2.create_subnet()
            .vpc_id(&vpc)
            .cidr_block("10.20.1.0/24")
            .send()
            .await,
    )
    .subnet
    .and_then(|s| s.subnet_id)
    .expect("a subnet ID");
    let sg = seeded(
        "CreateSecurityGroup",
        ec2.create_security_group()
            .group_name(&cluster)
            .description("web tasks")
            .vpc_id(&vpc)
            .send()
            .await,
    )
    .group_id
    .expect("a security group ID");
    let tg = seeded(
        "CreateTargetGroup",
        elb.create_target_group()
            .name(short_name("tg", &cluster))
            .protocol(aws_sdk_elasticloadbalancingv2::types::ProtocolEnum::Http)
            .port(8080)
            .vpc_id(&vpc)
            .target_type(aws_sdk_elasticloadbalancingv2::types::TargetTypeEnum::Ip)
            .send()
            .await,
    )
    .target_groups()
    .first()
    .and_then(|t| t.target_group_arn())
    .expect("a target group ARN")
    .to_owned();
    seeded(
        "CreateCluster",
        ecs.create_cluster().cluster_name(&cluster).send().await,
    );
    let td = seeded(
        "RegisterTaskDefinition",
        ecs.register_task_definition()
            .family(&cluster)
            .set_container_definitions(Some(containers(&cluster)))
            .network_mode(NetworkMode::Awsvpc)
            .requires_compatibilities(Compatibility::Fargate)
            .cpu("256")
            .memory("1024")
            .send()
            .await,
    )
    .task_definition
    .and_then(|t| t.task_definition_arn)
    .expect("a task definition ARN");
    seeded(
        "CreateService",
        ecs.create_service()
            .cluster(&cluster)
            .service_name("web")
            .task_definition(&td)
            .desired_count(2)
            .launch_type(LaunchType::Fargate)
            .load_balancers(
                LoadBalancer::builder()
                    .target_group_arn(&tg)
                    .container_name("app")
                    .container_port(8080)
                    .build(),
            )
            .network_configuration(
                NetworkConfiguration::builder()
                    .awsvpc_configuration(
                        AwsVpcConfiguration::builder()
                            .subnets(&subnet)
                            .security_groups(&sg)
                            .assign_public_ip(AssignPublicIp::Enabled)
                            .build()
                            .expect("awsvpc configuration is complete"),
                    )
                    .build(),
            )
            .tags(
                Tag::builder()
                    .key("ecs-triage:remediate")
                    .value("rollback")
                    .build(),
            )
            .tags(Tag::builder().key("team").value("payments").build())
            .send()
            .await,
    );

    let adapter = EcsAdapter::new(ecs);
    let view = adapter
        .service(&cluster, "web")
        .await
        .unwrap()
        .expect("the service exists");

    assert_eq!(
        view.arn,
        format!("arn:aws:ecs:us-east-1:123456789012:service/{cluster}/web")
    );
    assert_eq!(view.name, "web");
    assert_eq!(view.task_definition.as_deref(), Some(td.as_str()));
    assert_eq!((view.desired_count, view.running_count), (2, 0));
    assert_eq!(view.launch_type.as_deref(), Some("FARGATE"));
    assert_eq!(view.target_group_arns, [tg]);
    assert_eq!(view.subnets, [subnet]);
    assert_eq!(view.security_groups, [sg]);
    assert_eq!(view.assign_public_ip, Some(true));
    assert_eq!(
        view.tags,
        BTreeMap::from([
            ("ecs-triage:remediate".to_owned(), "rollback".to_owned()),
            ("team".to_owned(), "payments".to_owned()),
        ])
    );
    let [deployment] = view.deployments.as_slice() else {
        panic!("expected one deployment, found {:?}", view.deployments);
    };
    assert!(deployment.id.starts_with("ecs-svc/"), "{deployment:?}");
    assert_eq!(deployment.status, "PRIMARY");
    assert_eq!(deployment.task_definition, td);
    // moto: nothing runs, so the rollout is in progress.
    assert_eq!(deployment.rollout_state.as_deref(), Some("IN_PROGRESS"));
    assert!(
        deployment
            .rollout_state_reason
            .as_deref()
            .is_some_and(|r| r.contains(&deployment.id)),
        "{deployment:?}"
    );
    assert_eq!(
        (
            deployment.desired_count,
            deployment.running_count,
            deployment.failed_tasks
        ),
        (2, 0, 0)
    );
    assert!(
        deployment.created_at_ms.is_some_and(|t| t > 0),
        "{deployment:?}"
    );
    assert!(
        deployment.updated_at_ms >= deployment.created_at_ms,
        "{deployment:?}"
    );

    assert_eq!(
        adapter.service(&cluster, "no-such-service").await.unwrap(),
        None
    );
}

#[tokio::test]
async fn a_service_in_an_unknown_cluster_is_a_permanent_error() {
    let emu = emulator();
    let cluster = namespace("svc-no-cluster");
    let err = EcsAdapter::new(emu.ecs().await)
        .service(&cluster, "web")
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            PortError::Permanent {
                operation: "DescribeServices",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("ClusterNotFoundException"),
        "{err}"
    );
}

/// A cluster with one registered EC2 container instance and a `bridge` task definition (cpu 256,
/// memory 128, host port 8080 when `host_port`). Returns (container instance ARN, EC2 instance
/// ID, task definition ARN).
async fn ec2_cluster(cluster: &str, host_port: bool) -> (String, String, String) {
    let emu = emulator();
    let (ecs, ec2) = (emu.ecs().await, emu.ec2().await);
    seeded(
        "CreateCluster",
        ecs.create_cluster().cluster_name(cluster).send().await,
    );
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
    let document = serde_json::json!({ "instanceId": instance, "region": "us-east-1" }).to_string();
    let container_instance = seeded(
        "RegisterContainerInstance",
        ecs.register_container_instance()
            .cluster(cluster)
            .instance_identity_document(document)
            .send()
            .await,
    )
    .container_instance
    .and_then(|c| c.container_instance_arn)
    .expect("a container instance ARN");
    let mut app = ContainerDefinition::builder()
        .name("app")
        .image("nginx:1.27")
        .cpu(256)
        .memory(128)
        .environment(
            KeyValuePair::builder()
                .name("DB_PASSWORD")
                .value(SECRET_VALUE)
                .build(),
        );
    if host_port {
        app = app.port_mappings(
            SdkPortMapping::builder()
                .container_port(80)
                .host_port(8080)
                .protocol(TransportProtocol::Tcp)
                .build(),
        );
    }
    let td = seeded(
        "RegisterTaskDefinition",
        ecs.register_task_definition()
            .family(cluster)
            .network_mode(NetworkMode::Bridge)
            .container_definitions(app.build())
            .send()
            .await,
    )
    .task_definition
    .and_then(|t| t.task_definition_arn)
    .expect("a task definition ARN");
    (container_instance, instance, td)
}

/// Runs one task of service `web` and returns its ARN.
async fn run_web_task(cluster: &str, td: &str) -> String {
    let ecs = emulator().ecs().await;
    seeded(
        "RunTask",
        ecs.run_task()
            .cluster(cluster)
            .task_definition(td)
            .launch_type(LaunchType::Ec2)
            .group("service:web")
            .started_by("ecs-svc/1234567890")
            .send()
            .await,
    )
    .tasks()
    .first()
    .and_then(|t| t.task_arn())
    .expect("RunTask placed a task")
    .to_owned()
}

async fn stop_task(cluster: &str, task: &str, reason: &str) {
    let ecs = emulator().ecs().await;
    seeded(
        "StopTask",
        ecs.stop_task()
            .cluster(cluster)
            .task(task)
            .reason(reason)
            .send()
            .await,
    );
}

#[tokio::test]
async fn a_stopped_task_is_mapped_field_by_field() {
    let cluster = namespace("task-view");
    let (container_instance, _, td) = ec2_cluster(&cluster, false).await;
    let task = run_web_task(&cluster, &td).await;
    stop_task(&cluster, &task, "Essential container in task exited").await;

    let adapter = EcsAdapter::new(emulator().ecs().await);
    let t = adapter
        .task(&cluster, &task)
        .await
        .unwrap()
        .expect("the task exists");

    assert_eq!(t.task_arn.as_deref(), Some(task.as_str()));
    assert_eq!(
        t.cluster_arn,
        Some(format!(
            "arn:aws:ecs:us-east-1:123456789012:cluster/{cluster}"
        ))
    );
    assert_eq!(t.task_definition_arn.as_deref(), Some(td.as_str()));
    assert_eq!(
        t.container_instance_arn.as_deref(),
        Some(container_instance.as_str())
    );
    assert_eq!(t.group.as_deref(), Some("service:web"));
    assert_eq!(t.service_name(), Some("web"));
    assert_eq!(t.launch_type.as_deref(), Some("EC2"));
    assert_eq!(t.desired_status.as_deref(), Some("STOPPED"));
    assert_eq!(t.last_status.as_deref(), Some("STOPPED"));
    assert_eq!(
        t.stopped_reason.as_deref(),
        Some("Essential container in task exited")
    );
    assert_eq!(t.started_by.as_deref(), Some("ecs-svc/1234567890"));
    let [c] = t.containers.as_slice() else {
        panic!("expected one container, found {:?}", t.containers);
    };
    assert_eq!(c.name.as_deref(), Some("app"));
    assert_eq!(c.image.as_deref(), Some("nginx:1.27"));
    assert_eq!(c.cpu.as_deref(), Some("256"));
    assert_eq!(c.memory.as_deref(), Some("128"));
    assert!(c.container_arn.is_some(), "{c:?}");
    // What moto does not report (DESIGN.md "Local and test"; its exitCode is a constant 0).
    assert_eq!(
        (t.stop_code.as_ref(), t.stopped_at.as_deref(), t.version),
        (None, None, None)
    );
    // No environment values in the task either: the event model has no field for them.
    assert!(!format!("{t:?}").contains(SECRET_VALUE));

    let unknown = format!("arn:aws:ecs:us-east-1:123456789012:task/{cluster}/0123456789abcdef");
    assert_eq!(adapter.task(&cluster, &unknown).await.unwrap(), None);
}

#[tokio::test]
async fn stopped_tasks_are_the_services_stopped_ones_up_to_the_limit() {
    let cluster = namespace("stopped");
    let (_, _, td) = ec2_cluster(&cluster, false).await;
    let first = run_web_task(&cluster, &td).await;
    let second = run_web_task(&cluster, &td).await;
    let running = run_web_task(&cluster, &td).await;
    stop_task(&cluster, &first, "Task failed ELB health checks").await;
    stop_task(&cluster, &second, "Essential container in task exited").await;

    let adapter = EcsAdapter::new(emulator().ecs().await);
    let stopped = adapter.stopped_tasks(&cluster, "web", 10).await.unwrap();
    let mut arns: Vec<&str> = stopped
        .iter()
        .filter_map(|t| t.task_arn.as_deref())
        .collect();
    arns.sort_unstable();
    let mut want = vec![first.as_str(), second.as_str()];
    want.sort_unstable();
    assert_eq!(arns, want, "the running task {running} is not listed");
    assert!(
        stopped
            .iter()
            .all(|t| t.last_status.as_deref() == Some("STOPPED")),
        "{stopped:?}"
    );

    assert_eq!(
        adapter
            .stopped_tasks(&cluster, "web", 1)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(adapter
        .stopped_tasks(&cluster, "web", 0)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn container_instances_report_remaining_capacity_and_taken_ports() {
    let cluster = namespace("capacity");
    let (container_instance, instance, td) = ec2_cluster(&cluster, true).await;
    run_web_task(&cluster, &td).await;

    let views = EcsAdapter::new(emulator().ecs().await)
        .container_instances(&cluster)
        .await
        .unwrap();

    let [ci] = views.as_slice() else {
        panic!("expected one container instance, found {views:?}");
    };
    assert_eq!(ci.arn, container_instance);
    assert_eq!(ci.ec2_instance_id.as_deref(), Some(instance.as_str()));
    assert_eq!(ci.status, "ACTIVE");
    assert!(ci.agent_connected);
    // moto registers 4096 CPU units and 7482 MiB; the task took 256 and 128.
    assert_eq!(ci.remaining_cpu, Some(4096 - 256));
    assert_eq!(ci.remaining_memory, Some(7482 - 128));
    let mut ports = ci.remaining_ports.clone();
    ports.sort_unstable();
    assert_eq!(ports, [22, 2375, 2376, 8080, 51678, 51679]);
    assert_eq!(ci.running_tasks, 1);
}
