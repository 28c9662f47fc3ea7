//! Seeding helpers for the seeded-world tests (`diagnose_world`): a task's world built in the
//! emulator through the AWS SDK (cluster, service, task definition, VPC, execution role, ECR
//! image, log stream, scalable target), the `ECS Task State Change` event AWS would send when
//! such a task stops, and one run of the real responder handler with enrichment on it.
//!
//! Everything is named after the test's namespace, so the tests run concurrently on the shared
//! emulator; the incidents go to a table of the test's own and the messages to a tap queue that
//! only receives the test's cluster.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::time::Duration;

use aws_config::SdkConfig;
use aws_sdk_ec2::types::{DomainType, IpPermission, IpRange};
use aws_sdk_ecs::types::{
    AssignPublicIp, AwsVpcConfiguration, LaunchType, LoadBalancer, LogConfiguration, LogDriver,
    NetworkConfiguration,
};
use ecs_triage_aws::dynamodb::DynamoDbIncidentStore;
use ecs_triage_aws::sns::SnsNotifier;
use ecs_triage_aws::{AwsReaders, TokioTimer};
use ecs_triage_core::diagnose::run::Budget;
use ecs_triage_core::diagnose::{Check, Finding, Verdict};
use ecs_triage_core::event::time::format_rfc3339_ms;
use ecs_triage_core::incident::{Incident, NotificationKind, Policy};
use ecs_triage_core::ports::IncidentStore;
use ecs_triage_core::render::email_text;
use ecs_triage_core::render::sanitize::one_line;
use ecs_triage_core::respond::{Outcome, Responder};
use responder::handler::{respond_with, Enrichment};
use serde_json::{json, Value};

use crate::harness::{emulator, namespace, now_ms, seeded, short_name, SnsEnvelope};

/// moto's default account and the emulator's region.
pub const ACCOUNT: &str = "123456789012";
pub const REGION: &str = "us-east-1";
pub const AZ: &str = "us-east-1a";
/// The service every world runs (`group: service:web`).
pub const SERVICE: &str = "web";
/// The AWS managed policy of task execution roles (the emulator loads AWS managed policies).
pub const EXECUTION_POLICY: &str =
    "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy";

/// Generous: the emulator serves one request at a time, and other tests seed meanwhile.
pub fn budget() -> Budget {
    Budget {
        total: Duration::from_secs(20),
        per_check: Duration::from_secs(20),
    }
}

/// 32 hex digits derived from `seed`: a task id unique to the test.
pub fn task_id(seed: &str) -> String {
    let half = |salt: u8| {
        let mut h = DefaultHasher::new();
        (salt, seed).hash(&mut h);
        h.finish()
    };
    format!("{:016x}{:016x}", half(1), half(2))
}

pub fn ecr_image(repository: &str, tag: &str) -> String {
    format!("{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{repository}:{tag}")
}

pub fn secret_arn(name: &str) -> String {
    format!("arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{name}-AbCdEf")
}

pub fn awslogs(group: &str, prefix: &str) -> LogConfiguration {
    LogConfiguration::builder()
        .log_driver(LogDriver::Awslogs)
        .options("awslogs-group", group)
        .options("awslogs-region", REGION)
        .options("awslogs-stream-prefix", prefix)
        .build()
        .expect("log configuration is complete")
}

pub async fn cluster(name: &str) {
    seeded(
        "CreateCluster",
        emulator()
            .ecs()
            .await
            .create_cluster()
            .cluster_name(name)
            .send()
            .await,
    );
}

/// An ECR repository with one image pushed under `tag` (a single Docker manifest).
pub async fn ecr_repository(repository: &str, tag: &str) {
    let ecr = emulator().ecr().await;
    seeded(
        "CreateRepository",
        ecr.create_repository()
            .repository_name(repository)
            .send()
            .await,
    );
    push_tag(repository, tag).await;
}

pub async fn push_tag(repository: &str, tag: &str) {
    let digest = |c: char| format!("sha256:{}", c.to_string().repeat(64));
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 7023, "digest": digest('a')},
        "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 32654, "digest": digest('b')}]
    });
    seeded(
        "PutImage",
        emulator()
            .ecr()
            .await
            .put_image()
            .repository_name(repository)
            .image_manifest(manifest.to_string())
            .image_tag(tag)
            .send()
            .await,
    );
}

/// A task execution role trusted by `ecs-tasks.amazonaws.com`, with the AWS managed
/// `AmazonECSTaskExecutionRolePolicy` (ECR pulls, awslogs) and `inline` as an inline policy.
/// Returns its ARN.
pub async fn execution_role(name: &str, inline: Option<Value>) -> String {
    let iam = emulator().iam().await;
    let trust = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": "ecs-tasks.amazonaws.com"},
            "Action": "sts:AssumeRole"
        }]
    });
    let arn = seeded(
        "CreateRole",
        iam.create_role()
            .role_name(name)
            .assume_role_policy_document(trust.to_string())
            .send()
            .await,
    )
    .role
    .map(|r| r.arn)
    .expect("CreateRole returns the role");
    seeded(
        "AttachRolePolicy",
        iam.attach_role_policy()
            .role_name(name)
            .policy_arn(EXECUTION_POLICY)
            .send()
            .await,
    );
    if let Some(document) = inline {
        seeded(
            "PutRolePolicy",
            iam.put_role_policy()
                .role_name(name)
                .policy_name("task-extras")
                .policy_document(document.to_string())
                .send()
                .await,
        );
    }
    arn
}

/// How the task's subnet reaches the internet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Egress {
    /// A default route to a NAT gateway in a public subnet.
    Nat,
    /// The VPC's main route table: the `local` route only, and no VPC endpoints.
    Nothing,
}

/// A VPC with the task's (private) subnet and a security group for the task.
#[derive(Debug, Clone)]
pub struct Network {
    pub vpc: String,
    pub subnet: String,
    pub security_group: String,
    /// An address of the task's subnet, for the event's ENI attachment.
    pub private_ip: String,
    /// The NAT gateway the subnet routes to, with [`Egress::Nat`].
    pub nat: Option<String>,
}

/// The task's network. `sg_egress: false` revokes the security group's default allow-all
/// egress rule.
pub async fn network(ns: &str, egress: Egress, sg_egress: bool) -> Network {
    let ec2 = emulator().ec2().await;
    let vpc = seeded(
        "CreateVpc",
        ec2.create_vpc().cidr_block("10.60.0.0/16").send().await,
    )
    .vpc
    .and_then(|v| v.vpc_id)
    .expect("a VPC ID");
    let subnet_in = |cidr: &'static str| {
        let (ec2, vpc) = (ec2.clone(), vpc.clone());
        async move {
            seeded(
                "CreateSubnet",
                ec2.create_subnet()
                    .vpc_id(vpc)
                    .cidr_block(cidr)
                    .availability_zone(AZ)
                    .send()
                    .await,
            )
            .subnet
            .and_then(|s| s.subnet_id)
            .expect("a subnet ID")
        }
    };
    let subnet = subnet_in("10.60.1.0/24").await;
    let nat = match egress {
        Egress::Nothing => None,
        Egress::Nat => Some(nat_for(&ec2, &vpc, &subnet, subnet_in("10.60.0.0/24").await).await),
    };
    let security_group = seeded(
        "CreateSecurityGroup",
        ec2.create_security_group()
            .group_name(format!("{ns}-tasks"))
            .description("tasks")
            .vpc_id(&vpc)
            .send()
            .await,
    )
    .group_id
    .expect("a security group ID");
    if !sg_egress {
        // A new group allows all egress; take that rule away.
        seeded(
            "RevokeSecurityGroupEgress",
            ec2.revoke_security_group_egress()
                .group_id(&security_group)
                .ip_permissions(
                    IpPermission::builder()
                        .ip_protocol("-1")
                        .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
                        .build(),
                )
                .send()
                .await,
        );
    }
    Network {
        vpc,
        subnet,
        security_group,
        private_ip: "10.60.1.57".to_owned(),
        nat,
    }
}

/// An internet gateway attached to `vpc`; returns its ID.
pub async fn internet_gateway(ec2: &aws_sdk_ec2::Client, vpc: &str) -> String {
    let igw = seeded(
        "CreateInternetGateway",
        ec2.create_internet_gateway().send().await,
    )
    .internet_gateway
    .and_then(|g| g.internet_gateway_id)
    .expect("an internet gateway ID");
    seeded(
        "AttachInternetGateway",
        ec2.attach_internet_gateway()
            .internet_gateway_id(&igw)
            .vpc_id(vpc)
            .send()
            .await,
    );
    igw
}

/// A public subnet with an internet gateway and a NAT gateway, and a route table of the task's
/// subnet whose default route goes to the NAT gateway. Returns the NAT gateway's ID.
async fn nat_for(ec2: &aws_sdk_ec2::Client, vpc: &str, private: &str, public: String) -> String {
    // A NAT gateway reaches the internet through the VPC's internet gateway.
    internet_gateway(ec2, vpc).await;
    let allocation = seeded(
        "AllocateAddress",
        ec2.allocate_address().domain(DomainType::Vpc).send().await,
    )
    .allocation_id
    .expect("an allocation ID");
    let nat = seeded(
        "CreateNatGateway",
        ec2.create_nat_gateway()
            .subnet_id(&public)
            .allocation_id(allocation)
            .send()
            .await,
    )
    .nat_gateway
    .and_then(|n| n.nat_gateway_id)
    .expect("a NAT gateway ID");
    let table = seeded(
        "CreateRouteTable",
        ec2.create_route_table().vpc_id(vpc).send().await,
    )
    .route_table
    .and_then(|t| t.route_table_id)
    .expect("a route table ID");
    seeded(
        "CreateRoute",
        ec2.create_route()
            .route_table_id(&table)
            .destination_cidr_block("0.0.0.0/0")
            .nat_gateway_id(&nat)
            .send()
            .await,
    );
    seeded(
        "AssociateRouteTable",
        ec2.associate_route_table()
            .route_table_id(&table)
            .subnet_id(private)
            .send()
            .await,
    );
    nat
}

/// Service [`SERVICE`] of `cluster` on Fargate, in `net` without a public IP when given, behind
/// `target_group` (container `app`, port 8080) when given. Returns its primary deployment's ID,
/// the `startedBy` of its tasks.
pub async fn service(
    cluster: &str,
    task_definition: &str,
    desired: i32,
    net: Option<&Network>,
    target_group: Option<&str>,
) -> String {
    let ecs = emulator().ecs().await;
    let mut create = ecs
        .create_service()
        .cluster(cluster)
        .service_name(SERVICE)
        .task_definition(task_definition)
        .desired_count(desired)
        .launch_type(LaunchType::Fargate);
    if let Some(net) = net {
        create = create.network_configuration(
            NetworkConfiguration::builder()
                .awsvpc_configuration(
                    AwsVpcConfiguration::builder()
                        .subnets(&net.subnet)
                        .security_groups(&net.security_group)
                        .assign_public_ip(AssignPublicIp::Disabled)
                        .build()
                        .expect("awsvpc configuration is complete"),
                )
                .build(),
        );
    }
    if let Some(tg) = target_group {
        create = create
            .load_balancers(
                LoadBalancer::builder()
                    .target_group_arn(tg)
                    .container_name("app")
                    .container_port(8080)
                    .build(),
            )
            .health_check_grace_period_seconds(60);
    }
    seeded("CreateService", create.send().await)
        .service
        .and_then(|s| s.deployments.unwrap_or_default().into_iter().next())
        .and_then(|d| d.id)
        .expect("CreateService returns the service with its deployment")
}

/// An `ip` target group (HTTP 8080, health check `/health`) in `vpc`.
pub async fn target_group(ns: &str, vpc: &str) -> String {
    use aws_sdk_elasticloadbalancingv2::types::{ProtocolEnum, TargetTypeEnum};
    seeded(
        "CreateTargetGroup",
        emulator()
            .elbv2()
            .await
            .create_target_group()
            .name(short_name("tg", ns))
            .protocol(ProtocolEnum::Http)
            .port(8080)
            .vpc_id(vpc)
            .target_type(TargetTypeEnum::Ip)
            .health_check_path("/health")
            .health_check_interval_seconds(15)
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

/// A log group with one stream holding `lines`, one second apart, the last at `last_ms`.
pub async fn log_stream(group: &str, stream: &str, lines: &[&str], last_ms: i64) {
    use aws_sdk_cloudwatchlogs::types::InputLogEvent;
    let logs = emulator().logs().await;
    seeded(
        "CreateLogGroup",
        logs.create_log_group().log_group_name(group).send().await,
    );
    seeded(
        "CreateLogStream",
        logs.create_log_stream()
            .log_group_name(group)
            .log_stream_name(stream)
            .send()
            .await,
    );
    let first = last_ms - 1000 * i64::try_from(lines.len().saturating_sub(1)).unwrap_or(0);
    let events = lines
        .iter()
        .zip(0..)
        .map(|(line, i)| {
            InputLogEvent::builder()
                .timestamp(first + i * 1000)
                .message(*line)
                .build()
                .expect("log event is complete")
        })
        .collect();
    seeded(
        "PutLogEvents",
        logs.put_log_events()
            .log_group_name(group)
            .log_stream_name(stream)
            .set_log_events(Some(events))
            .send()
            .await,
    );
}

/// One container of the stopped task, as the event reports it.
#[derive(Debug, Clone)]
pub struct StoppedContainer {
    pub name: String,
    pub image: String,
    /// `None`: the container never ran.
    pub exit_code: Option<i64>,
    pub reason: Option<String>,
}

/// A stopped Fargate task of service [`SERVICE`], for [`StoppedTask::event`].
#[derive(Debug, Clone)]
pub struct StoppedTask {
    pub cluster: String,
    pub task_id: String,
    pub task_definition_arn: String,
    /// The service deployment that started the task.
    pub started_by: String,
    /// The task's awsvpc subnet and address (the ENI attachment).
    pub subnet: String,
    pub private_ip: String,
    pub containers: Vec<StoppedContainer>,
    pub stop_code: String,
    pub stopped_reason: String,
    /// `None`: the task never started (it failed while ECS prepared it).
    pub started_at_ms: Option<i64>,
    pub stopped_at_ms: i64,
    pub cpu: String,
    pub memory: String,
}

impl StoppedTask {
    pub fn task_arn(&self) -> String {
        format!(
            "arn:aws:ecs:{REGION}:{ACCOUNT}:task/{}/{}",
            self.cluster, self.task_id
        )
    }

    /// The EventBridge event AWS delivers for this stop: the full envelope, with the fields of
    /// the samples in `events/`.
    pub fn event(&self) -> Vec<u8> {
        let task_arn = self.task_arn();
        let attachment = "5a0d7f3e-9c1b-4e2a-8f6d-2b7c9e1a4d3f";
        let at = |ms: i64| format_rfc3339_ms(ms);
        let containers: Vec<Value> = self
            .containers
            .iter()
            .map(|c| {
                let mut v = json!({
                    "containerArn": format!("arn:aws:ecs:{REGION}:{ACCOUNT}:container/{}/{}/{}", self.cluster, self.task_id, task_id(&c.name)),
                    "lastStatus": "STOPPED",
                    "name": c.name,
                    "image": c.image,
                    "taskArn": task_arn,
                    "networkInterfaces": [{"attachmentId": attachment, "privateIpv4Address": self.private_ip}],
                    "cpu": "0"
                });
                if let Some(code) = c.exit_code {
                    v["exitCode"] = code.into();
                }
                if let Some(reason) = &c.reason {
                    v["reason"] = reason.as_str().into();
                }
                v
            })
            .collect();
        let stopped = self.stopped_at_ms;
        let created = self.started_at_ms.unwrap_or(stopped) - 20_000;
        let mut detail = json!({
            "attachments": [{
                "id": attachment,
                "type": "eni",
                "status": "DELETED",
                "details": [
                    {"name": "subnetId", "value": self.subnet},
                    {"name": "networkInterfaceId", "value": "eni-0a1b2c3d4e5f60718"},
                    {"name": "privateIPv4Address", "value": self.private_ip}
                ]
            }],
            "availabilityZone": AZ,
            "capacityProviderName": "FARGATE",
            "clusterArn": format!("arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/{}", self.cluster),
            "connectivity": "CONNECTED",
            "connectivityAt": at(created + 4_000),
            "containers": containers,
            "cpu": self.cpu,
            "createdAt": at(created),
            "desiredStatus": "STOPPED",
            "executionStoppedAt": at(stopped - 10_000),
            "group": format!("service:{SERVICE}"),
            "launchType": "FARGATE",
            "lastStatus": "STOPPED",
            "memory": self.memory,
            "platformVersion": "1.4.0",
            "platformFamily": "Linux",
            "startedBy": self.started_by,
            "stopCode": self.stop_code,
            "stoppedAt": at(stopped),
            "stoppedReason": self.stopped_reason,
            "stoppingAt": at(stopped - 12_000),
            "taskArn": task_arn,
            "taskDefinitionArn": self.task_definition_arn,
            "updatedAt": at(stopped),
            "version": 4
        });
        if let Some(started) = self.started_at_ms {
            detail["pullStartedAt"] = at(created + 5_000).into();
            detail["pullStoppedAt"] = at(created + 15_000).into();
            detail["startedAt"] = at(started).into();
        }
        json!({
            "version": "0",
            "id": format!("{}-e1c2-4d3b-9a8f-{}", &self.task_id[..8], &self.task_id[20..]),
            "detail-type": "ECS Task State Change",
            "source": "aws.ecs",
            "account": ACCOUNT,
            "time": at(stopped),
            "region": REGION,
            "resources": [task_arn],
            "detail": detail
        })
        .to_string()
        .into_bytes()
    }
}

/// What one run of the responder left behind: the outcome, the stored incident, the message the
/// tap received (its chat JSON) and the email text rendered from the stored incident.
#[derive(Debug)]
pub struct Report {
    pub outcome: Outcome,
    pub incident: Incident,
    pub message: SnsEnvelope,
    pub chat: Value,
    pub email: String,
}

impl Report {
    /// The findings as stored with the incident.
    pub fn findings(&self) -> &[Finding] {
        &self.incident.last.findings
    }

    /// Every finding, one per line, for assertion messages.
    pub fn dump(&self) -> String {
        self.findings()
            .iter()
            .map(|f| format!("[{}] {}: {}", f.verdict.as_str(), f.check, f.summary))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The one finding of `check` with `verdict` whose summary contains every one of `words`;
    /// fails the test, listing every finding, when there is none.
    pub fn finding(&self, check: Check, verdict: Verdict, words: &[&str]) -> &Finding {
        self.findings()
            .iter()
            .find(|f| {
                f.check == check
                    && f.verdict == verdict
                    && words.iter().all(|w| f.summary.contains(w))
            })
            .unwrap_or_else(|| {
                panic!(
                    "expected a [{}] {check} finding containing {words:?}; the findings are:\n{}",
                    verdict.as_str(),
                    self.dump()
                )
            })
    }

    /// The first finding with verdict Problem: the one the chat message names.
    pub fn first_problem(&self) -> Option<&Finding> {
        self.findings()
            .iter()
            .find(|f| f.verdict == Verdict::Problem)
    }

    /// The chat message's `content.description`.
    pub fn description(&self) -> &str {
        self.chat["content"]["description"].as_str().unwrap_or("")
    }

    /// The email's "WHAT WE CHECKED" section (up to the next section).
    pub fn what_we_checked(&self) -> &str {
        let Some(start) = self.email.find("WHAT WE CHECKED\n") else {
            panic!("no WHAT WE CHECKED section in the email:\n{}", self.email);
        };
        let rest = &self.email[start..];
        let end = rest.find("\nWHERE\n").unwrap_or(rest.len());
        &rest[..end]
    }

    /// Asserts what every world's messages must say: the category attribute is the stored
    /// incident's, the chat description names the first Problem finding once (or, without one,
    /// says nothing checked), and the email's "WHAT WE CHECKED" lists `finding`.
    pub fn assert_messages_name(&self, finding: &Finding) {
        let category = self.incident.key.category.label();
        assert_eq!(
            self.message.attribute("category"),
            Some(category),
            "the message's category attribute; the envelope: {:#?}",
            self.message
        );
        let description = self.description();
        match self.first_problem() {
            Some(first) => {
                // The first problem leads the "What we checked" list (problems sort first).
                let listed = ecs_triage_core::render::checked_line(first);
                assert!(
                    description.contains(&format!("*What we checked*{listed}")),
                    "the chat description should list the first problem ({}) first; it is: {description}",
                    first.summary
                );
            }
            None => assert!(
                !description.contains("Checked:"),
                "no finding is a problem, yet the chat description says: {description}"
            ),
        }
        let line = format!(
            "  - [{}] {}: {}",
            finding.verdict.as_str(),
            finding.check,
            one_line(&finding.summary, 600)
        );
        let checked = self.what_we_checked();
        assert!(
            checked.contains(&line),
            "the email's WHAT WE CHECKED should list `{line}`; it is:\n{checked}"
        );
    }
}

/// The responder's dependencies for one test: its own table, the emulator's topic, and a tap
/// queue for its cluster.
pub struct Triage {
    pub cluster: String,
    store: DynamoDbIncidentStore,
    notifier: SnsNotifier,
    policy: Policy,
}

impl Triage {
    /// A namespace for `test`, used as the cluster name (created), the tap and the table.
    pub async fn new(test: &str) -> Triage {
        let emu = emulator();
        let cluster_name = namespace(test);
        cluster(&cluster_name).await;
        emu.tap(&cluster_name).await;
        Triage {
            store: emu.isolated_store(test).await,
            notifier: emu.notifier_for(&cluster_name).await,
            policy: Policy::default(),
            cluster: cluster_name,
        }
    }

    /// Runs `event` through the responder handler with enrichment whose readers use `readers`
    /// (the emulator's SDK configuration, or a broken one), then reads back what it stored and
    /// sent.
    pub async fn run(&self, event: &[u8], readers: &SdkConfig) -> Report {
        let aws = AwsReaders::new(readers);
        let timer = TokioTimer;
        let enrichment = Enrichment {
            readers: aws.readers(),
            budget: budget(),
            timer: &timer,
        };
        let responder = Responder {
            store: &self.store,
            notifier: &self.notifier,
            policy: &self.policy,
        };
        let now = now_ms();
        let outcome = respond_with(event, &responder, Some(&enrichment), None, now)
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "the responder failed ({}): {e}\nthe event: {}",
                    e.error_type(),
                    String::from_utf8_lossy(event)
                )
            });
        let mut incidents = self
            .store
            .recent_incidents(&self.cluster, 10)
            .await
            .unwrap_or_else(|e| {
                panic!("reading back the incidents of {} failed: {e}", self.cluster)
            });
        assert_eq!(
            incidents.len(),
            1,
            "expected one incident stored for {}, found {incidents:#?}",
            self.cluster
        );
        let incident = incidents.remove(0);
        assert_eq!(
            outcome.incident_id.as_deref(),
            Some(incident.id.as_str()),
            "the outcome names another incident than the one stored: {outcome:?}"
        );
        // Ask for two, so a second message would be seen.
        let mut messages = emulator()
            .drain_tap(&self.cluster, 2, Duration::from_secs(3))
            .await;
        assert_eq!(
            messages.len(),
            1,
            "expected exactly one message for {}, found {messages:#?}",
            self.cluster
        );
        let message = messages.remove(0);
        let chat: Value = serde_json::from_str(&message.message).unwrap_or_else(|e| {
            panic!(
                "the tap should receive the chat JSON ({e}); it received: {}",
                message.message
            )
        });
        let email = email_text(&incident, NotificationKind::Opened, now);
        Report {
            outcome,
            incident,
            message,
            chat,
            email,
        }
    }
}
