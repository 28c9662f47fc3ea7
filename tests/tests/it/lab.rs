//! The reference lab (`infra/lab/template.yaml`) deployed into the emulator through
//! CloudFormation, one stack per fault, and ecs-triage diagnosing the stop AWS would report for
//! that fault against the deployed world: the category of the stored incident and the finding
//! that names the fault.
//!
//! Each test creates the stack with `Target=emulator`, which leaves out the resource types moto
//! 5.2.5's CloudFormation cannot create: it skips them with a warning and DescribeStackResources
//! then fails on the stack. They are `AWS::SecretsManager::Secret` (the task definition and the
//! execution role name the ARN the secret would have, which is all the checks read),
//! `AWS::ServiceDiscovery::*` and `AWS::ApplicationAutoScaling::*`. The `port-conflict-ec2`
//! fault cannot be deployed at all: moto's `Fn::Base64` does not evaluate the `Fn::Sub` of the
//! launch template's user data.
//!
//! What moto's CloudFormation drops from the resources it does create, and how the test puts it
//! back through the ECS API, from the stack's own outputs (so the values still come from the
//! template): `AWS::ECS::TaskDefinition` keeps only the family, containers and memory (no
//! execution or task role, CPU, network mode or runtime platform), so the test registers the
//! next revision with the containers moto registered and the rest from the outputs;
//! `AWS::ECS::Service` keeps only the cluster, name, count and task definition, so the test
//! applies the network configuration and load balancer with UpdateService;
//! `AWS::EC2::SubnetRouteTableAssociation` is recorded where DescribeRouteTables does not see it,
//! so the test makes the template's four associations again with AssociateRouteTable.
//! Everything else the checks read (VPC, subnets, route tables and their routes, NAT gateway, S3
//! endpoint, security groups, ECR repository, log group, roles and their policies, target group)
//! is as CloudFormation created it.
//!
//! Two template choices exist for moto and are harmless on AWS: conditions compare parameters
//! directly (moto takes a nested `Fn::Condition` for true), and the execution role's permissions
//! are `AWS::IAM::Policy` resources (moto stores a role's inline `Policies` as a Python repr the
//! IAM check cannot parse). moto also lists each left-out resource in DescribeStackResources
//! with no logical id; the test ignores those rows.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use aws_sdk_cloudformation::types::{Capability, Parameter, StackStatus};
use aws_sdk_ecs::types::{
    AssignPublicIp, AwsVpcConfiguration, Compatibility, CpuArchitecture, LoadBalancer,
    NetworkConfiguration, NetworkMode, OsFamily, RuntimePlatform,
};
use ecs_triage_core::diagnose::{Check, Verdict};
use ecs_triage_core::incident::NotificationKind;
use ecs_triage_core::Category;

use crate::harness::{emulator, now_ms, repo_root, seeded};
use crate::world::{
    push_tag, task_id, Report, StoppedContainer, StoppedTask, Triage, ACCOUNT, REGION, SERVICE,
};

/// The tag the test pushes to the lab's repository, as a build pipeline would.
const PUSHED_TAG: &str = "1.0.0";

/// One deployed lab: the stack's outputs and what the test completed (see the module doc).
struct Lab {
    outputs: HashMap<String, String>,
    /// Logical id → physical id of every resource CloudFormation created.
    resources: HashMap<String, String>,
    /// The revision with the template's roles, CPU and network mode.
    task_definition: String,
    /// The service's deployment, which started the stopped task.
    deployment: String,
}

impl Lab {
    fn output(&self, key: &str) -> &str {
        self.outputs
            .get(key)
            .unwrap_or_else(|| panic!("the stack has no output {key}: {:#?}", self.outputs))
    }

    /// The first private subnet, where the stopped task ran.
    fn subnet(&self) -> String {
        self.output("PrivateSubnets")
            .split(',')
            .next()
            .unwrap_or_default()
            .to_owned()
    }

    /// The execution role's name (the last part of its ARN).
    fn execution_role(&self) -> &str {
        let arn = self.output("ExecutionRoleArn");
        arn.rsplit('/').next().unwrap_or(arn)
    }

    /// A stop of one task of the lab's service, five seconds ago, that never started; tests set
    /// the containers and the reason.
    fn stopped(&self, t: &Triage) -> StoppedTask {
        StoppedTask {
            cluster: t.cluster.clone(),
            task_id: task_id(&t.cluster),
            task_definition_arn: self.task_definition.clone(),
            started_by: self.deployment.clone(),
            subnet: self.subnet(),
            // In PrivateSubnetA (10.42.32.0/20).
            private_ip: "10.42.33.17".to_owned(),
            containers: Vec::new(),
            stop_code: "TaskFailedToStart".to_owned(),
            stopped_reason: String::new(),
            started_at_ms: None,
            stopped_at_ms: now_ms() - 5_000,
            cpu: self.output("TaskCpu").to_owned(),
            memory: self.output("TaskMemory").to_owned(),
        }
    }
}

fn parameter(key: &str, value: &str) -> Parameter {
    Parameter::builder()
        .parameter_key(key)
        .parameter_value(value)
        .build()
}

/// Deploys the lab with `fault` as stack `t.cluster` (its ECS cluster and ECR repository are
/// named after it too, so the tap and the incident table see its events), pushes the image the
/// service runs, and completes what moto's CloudFormation dropped.
async fn deploy(t: &Triage, fault: &str) -> Lab {
    let emu = emulator();
    let config = emu.sdk_config().await;
    let cfn = aws_sdk_cloudformation::Client::new(&config);
    let path = repo_root().join("infra/lab/template.yaml");
    let template = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading the lab template {}: {e}", path.display()));
    let stack = t.cluster.as_str();
    let image = format!("{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{stack}:{PUSHED_TAG}");
    seeded(
        "CreateStack",
        cfn.create_stack()
            .stack_name(stack)
            .template_body(template)
            .capabilities(Capability::CapabilityIam)
            .parameters(parameter("Fault", fault))
            .parameters(parameter("Target", "emulator"))
            .parameters(parameter("ClusterName", stack))
            .parameters(parameter("ServiceName", SERVICE))
            .parameters(parameter("RepositoryName", stack))
            .parameters(parameter("ImageUri", &image))
            .send()
            .await,
    );
    // moto creates the stack within the request; the wait is what a deploy against AWS needs.
    let deadline = Instant::now() + Duration::from_secs(60);
    let described = loop {
        let stacks = seeded(
            "DescribeStacks",
            cfn.describe_stacks().stack_name(stack).send().await,
        );
        let s = stacks.stacks().first().cloned().expect("the stack exists");
        match s.stack_status() {
            Some(StackStatus::CreateComplete) => break s,
            Some(StackStatus::CreateInProgress) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            other => panic!(
                "stack {stack} ({fault}) is {other:?}, expected CREATE_COMPLETE: {:?}",
                s.stack_status_reason()
            ),
        }
    };
    let outputs: HashMap<String, String> = described
        .outputs()
        .iter()
        .filter_map(|o| Some((o.output_key()?.to_owned(), o.output_value()?.to_owned())))
        .collect();
    let resources: HashMap<String, String> = seeded(
        "DescribeStackResources",
        cfn.describe_stack_resources()
            .stack_name(stack)
            .send()
            .await,
    )
    .stack_resources()
    .iter()
    .filter_map(|r| {
        Some((
            r.logical_resource_id()?.to_owned(),
            r.physical_resource_id()?.to_owned(),
        ))
    })
    .collect();

    push_tag(stack, PUSHED_TAG).await;

    // moto records AWS::EC2::SubnetRouteTableAssociation apart from the route table, so
    // DescribeRouteTables does not find the subnet's table and the subnet looks as if it used the
    // VPC's main table (local route only). The same associations, made through the EC2 API:
    let ec2 = emu.ec2().await;
    for (subnet, table) in [
        ("PublicSubnetA", "PublicRouteTable"),
        ("PublicSubnetB", "PublicRouteTable"),
        ("PrivateSubnetA", "PrivateRouteTable"),
        ("PrivateSubnetB", "PrivateRouteTable"),
    ] {
        let id = |logical: &str| {
            resources
                .get(logical)
                .cloned()
                .unwrap_or_else(|| panic!("the stack has no {logical}: {resources:#?}"))
        };
        seeded(
            "AssociateRouteTable",
            ec2.associate_route_table()
                .subnet_id(id(subnet))
                .route_table_id(id(table))
                .send()
                .await,
        );
    }

    let ecs = emu.ecs().await;
    let out = |key: &str| {
        outputs
            .get(key)
            .cloned()
            .unwrap_or_else(|| panic!("the stack has no output {key}: {outputs:#?}"))
    };
    let registered = seeded(
        "DescribeTaskDefinition",
        ecs.describe_task_definition()
            .task_definition(out("TaskDefinitionArn"))
            .send()
            .await,
    )
    .task_definition
    .expect("the stack's task definition exists");
    let task_definition = seeded(
        "RegisterTaskDefinition",
        ecs.register_task_definition()
            .family(registered.family().unwrap_or_default())
            .set_container_definitions(Some(registered.container_definitions().to_vec()))
            .execution_role_arn(out("ExecutionRoleArn"))
            .task_role_arn(out("TaskRoleArn"))
            .cpu(out("TaskCpu"))
            .memory(out("TaskMemory"))
            .network_mode(NetworkMode::Awsvpc)
            .requires_compatibilities(Compatibility::Fargate)
            .runtime_platform(
                RuntimePlatform::builder()
                    .operating_system_family(OsFamily::Linux)
                    .cpu_architecture(CpuArchitecture::from(out("CpuArchitecture").as_str()))
                    .build(),
            )
            .send()
            .await,
    )
    .task_definition
    .and_then(|d| d.task_definition_arn)
    .expect("RegisterTaskDefinition returns the ARN");
    let subnets: Vec<String> = out("PrivateSubnets")
        .split(',')
        .map(str::to_owned)
        .collect();
    let port: i32 = out("ContainerPort")
        .parse()
        .expect("ContainerPort is a number");
    let service = seeded(
        "UpdateService",
        ecs.update_service()
            .cluster(stack)
            .service(out("ServiceName"))
            .task_definition(&task_definition)
            .network_configuration(
                NetworkConfiguration::builder()
                    .awsvpc_configuration(
                        AwsVpcConfiguration::builder()
                            .set_subnets(Some(subnets))
                            .security_groups(out("ServiceSecurityGroup"))
                            .assign_public_ip(AssignPublicIp::Disabled)
                            .build()
                            .expect("the awsvpc configuration is complete"),
                    )
                    .build(),
            )
            .load_balancers(
                LoadBalancer::builder()
                    .target_group_arn(out("TargetGroupArn"))
                    .container_name("app")
                    .container_port(port)
                    .build(),
            )
            .send()
            .await,
    )
    .service
    .expect("UpdateService returns the service");
    let deployment = service
        .deployments()
        .first()
        .and_then(|d| d.id())
        .expect("the service has a deployment")
        .to_owned();
    Lab {
        outputs,
        resources,
        task_definition,
        deployment,
    }
}

fn container(image: &str, exit_code: Option<i64>, reason: Option<&str>) -> StoppedContainer {
    StoppedContainer {
        name: "app".to_owned(),
        image: image.to_owned(),
        exit_code,
        reason: reason.map(str::to_owned),
    }
}

async fn diagnose(t: &Triage, task: &StoppedTask) -> Report {
    t.run(&task.event(), &emulator().sdk_config().await).await
}

/// The stored incident's and the outcome's category are `want`, and it was announced once.
fn assert_category(r: &Report, want: Category) {
    assert_eq!(
        (r.incident.key.category, r.outcome.category),
        (want, Some(want)),
        "the stored incident's and the outcome's category; the findings:\n{}",
        r.dump()
    );
    assert_eq!(
        r.outcome.notified,
        [NotificationKind::Opened],
        "{:?}",
        r.outcome
    );
}

#[tokio::test]
async fn lab_bad_image_tag_is_named_as_a_tag_missing_from_the_labs_repository() {
    let t = Triage::new("lab-tag").await;
    let lab = deploy(&t, "bad-image-tag").await;
    let image = lab.output("AppImage").to_owned();
    assert!(
        image.ends_with(&format!("/{}:0.0.0-never-pushed", t.cluster)),
        "the fault points the container at a tag never pushed to the lab's repository: {image}"
    );
    let reason = format!(
        "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref {image}: {image}: not found"
    );
    let task = StoppedTask {
        containers: vec![container(&image, None, Some(&reason))],
        stopped_reason: reason,
        ..lab.stopped(&t)
    };

    let r = diagnose(&t, &task).await;

    let missing = r.finding(
        Check::Image,
        Verdict::Problem,
        &[
            &format!("Image {}:0.0.0-never-pushed does not exist", t.cluster),
            &format!("ECR repository {} of account {ACCOUNT}", t.cluster),
        ],
    );
    assert_eq!(
        missing.refines,
        Some(Category::ImagePullNotFound),
        "{missing:#?}"
    );
    assert_category(&r, Category::ImagePullNotFound);
    r.assert_messages_name(missing);
}

#[tokio::test]
async fn lab_missing_secret_permission_is_named_on_the_execution_role() {
    let t = Triage::new("lab-secret").await;
    let lab = deploy(&t, "missing-secret-permission").await;
    let (role, secret) = (lab.execution_role(), lab.output("SecretArn"));
    let reason = format!(
        "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch secret {secret} from secrets manager: operation error Secrets Manager: GetSecretValue, https response error StatusCode: 400, RequestID: d0e7bdd9-e1d9-47e9-bcb3-90c37737dcce, api error AccessDeniedException: User: arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{} is not authorized to perform: secretsmanager:GetSecretValue on resource: {secret} because no identity-based policy allows the secretsmanager:GetSecretValue action",
        task_id(&t.cluster)
    );
    let task = StoppedTask {
        containers: vec![container(lab.output("AppImage"), None, None)],
        stopped_reason: reason,
        ..lab.stopped(&t)
    };

    let r = diagnose(&t, &task).await;

    let denied = r.finding(
        Check::Iam,
        Verdict::Problem,
        &[
            role,
            "may not secretsmanager:GetSecretValue",
            secret,
            "no statement allows it",
        ],
    );
    assert_eq!(
        denied.refines,
        Some(Category::SecretsAccessDenied),
        "{denied:#?}"
    );
    // The template's own network is sound: the private subnet routes through its NAT gateway,
    // and the service's security group allows HTTPS out.
    let nat = lab
        .resources
        .get("NatGateway")
        .expect("the stack created a NAT gateway");
    r.finding(
        Check::Network,
        Verdict::Ok,
        &[&lab.subnet(), &format!("through NAT gateway {nat}")],
    );
    r.finding(
        Check::Network,
        Verdict::Ok,
        &[&format!(
            "Security group {} allows outbound TCP 443",
            lab.output("ServiceSecurityGroup")
        )],
    );
    assert_category(&r, Category::SecretsAccessDenied);
    assert_eq!(r.first_problem(), Some(denied), "findings:\n{}", r.dump());
    r.assert_messages_name(denied);
}

#[tokio::test]
async fn lab_no_egress_is_named_as_the_private_subnets_missing_route_to_ecr() {
    let t = Triage::new("lab-egress").await;
    let lab = deploy(&t, "no-egress").await;
    assert!(
        !lab.resources.contains_key("NatGateway") && !lab.resources.contains_key("S3Endpoint"),
        "no-egress deploys neither the NAT gateway nor the S3 endpoint: {:#?}",
        lab.resources
    );
    let reason = format!(
        "ResourceInitializationError: unable to pull secrets or registry auth: The task cannot pull registry auth from Amazon ECR: There is a connection issue between the task and Amazon ECR. Check your task network configuration. operation error ECR: GetAuthorizationToken, exceeded maximum number of attempts, 3, https response error StatusCode: 0, RequestID: , request send failed, Post \"https://api.ecr.{REGION}.amazonaws.com/\": dial tcp 34.223.26.163:443: i/o timeout"
    );
    let task = StoppedTask {
        containers: vec![container(lab.output("AppImage"), None, None)],
        stopped_reason: reason,
        ..lab.stopped(&t)
    };

    let r = diagnose(&t, &task).await;

    let no_route = r.finding(
        Check::Network,
        Verdict::Problem,
        &[
            &lab.subnet(),
            "has no route to the internet and no VPC endpoint for ecr.api, ecr.dkr, s3, logs and secretsmanager",
        ],
    );
    assert_eq!(
        no_route.refines,
        Some(Category::ImagePullNetwork),
        "{no_route:#?}"
    );
    // The image was pushed and the execution role may pull it: neither is blamed.
    r.finding(Check::Image, Verdict::Ok, &["exists in ECR"]);
    r.finding(Check::Iam, Verdict::Ok, &["allows the"]);
    assert_category(&r, Category::ImagePullNetwork);
    assert_eq!(r.first_problem(), Some(no_route), "findings:\n{}", r.dump());
    r.assert_messages_name(no_route);
}

#[tokio::test]
async fn lab_oom_names_the_task_memory_the_container_was_killed_at() {
    let t = Triage::new("lab-oom").await;
    let lab = deploy(&t, "oom").await;
    let stopped_at = now_ms() - 5_000;
    let task = StoppedTask {
        containers: vec![container(
            lab.output("AppImage"),
            Some(137),
            Some("OutOfMemoryError: Container killed due to memory usage"),
        )],
        stop_code: "EssentialContainerExited".to_owned(),
        stopped_reason: "Essential container in task exited".to_owned(),
        started_at_ms: Some(stopped_at - 40_000),
        stopped_at_ms: stopped_at,
        ..lab.stopped(&t)
    };

    let r = diagnose(&t, &task).await;

    let limit = r.finding(
        Check::TaskDefinition,
        Verdict::Problem,
        &["Container app has no hard memory limit of its own, so the task memory of 512 MiB"],
    );
    assert_category(&r, Category::OomKilled);
    assert_eq!(r.first_problem(), Some(limit), "findings:\n{}", r.dump());
    r.assert_messages_name(limit);
}

#[tokio::test]
async fn lab_missing_log_group_is_named_with_the_group_to_create() {
    let t = Triage::new("lab-logs").await;
    let lab = deploy(&t, "missing-log-group").await;
    let group = lab.output("LogGroupName").to_owned();
    assert!(
        !lab.resources.contains_key("AppLogGroup"),
        "missing-log-group deploys no log group: {:#?}",
        lab.resources
    );
    let reason = "ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: failed to create Cloudwatch log stream: operation error CloudWatch Logs: CreateLogStream, https response error StatusCode: 400, RequestID: 5583a12e-eadc-4d04-a16b-298c1a33b113, ResourceNotFoundException: The specified log group does not exist. : exit status 1";
    let task = StoppedTask {
        containers: vec![container(lab.output("AppImage"), None, None)],
        stopped_reason: reason.to_owned(),
        ..lab.stopped(&t)
    };

    let r = diagnose(&t, &task).await;

    let logs = r.finding(
        Check::Logs,
        Verdict::Info,
        &[&format!("Logs of app are in CloudWatch Logs group {group}")],
    );
    assert!(
        logs.details.iter().any(|d| d.contains(&format!(
            "aws logs create-log-group --log-group-name '{group}'"
        ))),
        "{:#?}",
        logs.details
    );
    // The role may write to the group: the permission is not what failed.
    r.finding(Check::Iam, Verdict::Ok, &["allows the"]);
    assert_category(&r, Category::LogGroupMissing);
    r.assert_messages_name(logs);
}
