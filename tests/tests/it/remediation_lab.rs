//! A world for the remediator's tests: a service that was healthy on revision 1 and crash-loops
//! on revision 2, the real responder recording the crashes in a table with a stream, and the
//! real remediator handler reading that stream, with the real DynamoDB, ECS and SNS adapters.
//!
//! What the emulator cannot show, and how the tests stand in for it: moto runs no service tasks
//! (a service's deployment stays `IN_PROGRESS` with 0 running), so ECS never reports the steady
//! state after which the responder records the last-known-healthy revision. The lab writes that
//! `STATE` item through the same adapter the responder uses (`record_healthy`); the rule that
//! decides which revision is healthy is unit-tested in `shared/core` (`remediate::healthy_revision`).

use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_lambda_events::event::streams::DynamoDbEventResponse;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_ecs::types::{Compatibility, ContainerDefinition, LaunchType, NetworkMode, Tag};
use ecs_triage_aws::dynamodb::DynamoDbIncidentStore;
use ecs_triage_aws::sns::SnsNotifier;
use ecs_triage_aws::{DynamoDbRemediationStore, EcsActionApplier, EcsAdapter};
use ecs_triage_core::incident::{Policy, Workload, WorkloadKind};
use ecs_triage_core::ports::PortError;
use ecs_triage_core::remediate::{
    ActionApplier, Applied, Approved, AuditRecord, EcsWorkloadState, Exclusions, FollowUp,
    HealthyRevision, HealthyRevisionStore, Mode, RemediationConfig, Remediator,
};
use ecs_triage_core::respond::Responder;
use remediator::handler::{handle_batch, HandlerError};
use responder::handler::respond_with;
use serde_json::Value;

use crate::harness::{emulator, namespace, now_ms, seeded, SnsEnvelope};
use crate::stream_tap::StreamTap;
use crate::world::{StoppedContainer, StoppedTask, SERVICE};

/// The remediator's settings in the tests: apply, and no wait for the lab's own fresh
/// deployment (moto dates it at creation); every other value is the default.
pub fn apply() -> RemediationConfig {
    RemediationConfig {
        mode: Mode::Apply,
        foreign_deployment_min_age_ms: 0,
        ..RemediationConfig::default()
    }
}

/// The real ECS applier, counting its calls: "no call to ECS" is then a fact, not a guess.
#[derive(Debug)]
pub struct Counting {
    inner: EcsActionApplier,
    pub calls: AtomicUsize,
}

#[async_trait]
impl ActionApplier for Counting {
    async fn apply(&self, approved: &Approved) -> Result<Applied, PortError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.inner.apply(approved).await
    }
}

/// One service, its table, stream and topic.
#[derive(Debug)]
pub struct Lab {
    pub cluster: String,
    pub table: String,
    pub healthy_td: String,
    pub bad_td: String,
    pub deployment: String,
    pub incidents: DynamoDbIncidentStore,
    pub store: DynamoDbRemediationStore,
    pub ecs: EcsAdapter,
    pub applier: Counting,
    pub notifier: SnsNotifier,
    stream: StreamTap,
    stops: AtomicUsize,
}

impl Lab {
    /// Service `web` of a new cluster, created on revision 1 with `tags`, then updated to
    /// revision 2 (the bad deploy).
    pub async fn new(test: &str, tags: &[(&str, &str)]) -> Lab {
        let emu = emulator();
        let cluster = namespace(test);
        let table = emu.isolated_table(test, true).await;
        let ecs = emu.ecs().await;
        seeded(
            "CreateCluster",
            ecs.create_cluster().cluster_name(&cluster).send().await,
        );
        let register = |image: &'static str| {
            let ecs = ecs.clone();
            let family = cluster.clone();
            async move {
                seeded(
                    "RegisterTaskDefinition",
                    ecs.register_task_definition()
                        .family(family)
                        .network_mode(NetworkMode::Awsvpc)
                        .requires_compatibilities(Compatibility::Fargate)
                        .cpu("256")
                        .memory("512")
                        .container_definitions(
                            ContainerDefinition::builder()
                                .name("app")
                                .image(image)
                                .essential(true)
                                .build(),
                        )
                        .send()
                        .await,
                )
                .task_definition
                .and_then(|t| t.task_definition_arn)
                .expect("a task definition ARN")
            }
        };
        let healthy_td = register("registry.example/orders:1.4.1").await;
        let bad_td = register("registry.example/orders:1.4.2").await;
        let tags: Vec<Tag> = tags
            .iter()
            .map(|(k, v)| Tag::builder().key(*k).value(*v).build())
            .collect();
        let created = seeded(
            "CreateService",
            ecs.create_service()
                .cluster(&cluster)
                .service_name(SERVICE)
                .task_definition(&healthy_td)
                .desired_count(2)
                .launch_type(LaunchType::Fargate)
                .set_tags((!tags.is_empty()).then_some(tags))
                .send()
                .await,
        );
        let deployment = created
            .service()
            .and_then(|s| s.deployments().first())
            .and_then(|d| d.id())
            .expect("CreateService returns the deployment")
            .to_owned();
        seeded(
            "UpdateService",
            ecs.update_service()
                .cluster(&cluster)
                .service(SERVICE)
                .task_definition(&bad_td)
                .send()
                .await,
        );
        emu.tap(&cluster).await;
        let sdk = emu.sdk_config().await;
        let ddb = aws_sdk_dynamodb::Client::new(&sdk);
        Lab {
            incidents: DynamoDbIncidentStore::new(ddb.clone(), table.clone()),
            store: DynamoDbRemediationStore::new(ddb, table.clone()),
            ecs: EcsAdapter::new(ecs.clone()),
            applier: Counting {
                inner: EcsActionApplier::new(ecs),
                calls: AtomicUsize::new(0),
            },
            notifier: emu.notifier_for(&cluster).await,
            stream: StreamTap::open(&table).await,
            cluster,
            table,
            healthy_td,
            bad_td,
            deployment,
            stops: AtomicUsize::new(0),
        }
    }

    pub fn workload(&self) -> Workload {
        Workload {
            cluster: self.cluster.clone(),
            kind: WorkloadKind::Service,
            name: SERVICE.to_owned(),
        }
    }

    /// What the responder records when the service reaches a steady state on revision 1.
    pub async fn record_healthy(&self, td: &str, at_ms: i64) {
        let revision = ecs_triage_core::remediate::task_definition_ref(td).expect("an ARN");
        self.store
            .record_healthy(
                &self.workload(),
                &HealthyRevision {
                    task_definition: revision,
                    recorded_at_ms: at_ms,
                },
            )
            .await
            .expect("the STATE item is written");
    }

    /// `n` tasks of `td` stop, each through the real responder (no enrichment): `kind` picks the
    /// stop.
    pub async fn stops(&self, n: usize, td: &str, kind: Stop) {
        let policy = Policy::default();
        let responder = Responder {
            store: &self.incidents,
            notifier: &self.notifier,
            policy: &policy,
        };
        for _ in 0..n {
            let i = self.stops.fetch_add(1, Ordering::SeqCst);
            let now = now_ms();
            let task = kind.task(self, td, i, now);
            respond_with(&task.event(), &responder, None, None, now)
                .await
                .unwrap_or_else(|e| panic!("the responder failed: {e}"));
        }
    }

    /// The stream records written since the last call.
    pub async fn batch(&mut self) -> Value {
        self.stream.next_batch().await
    }

    /// The remediator handler on `batch`, over this lab's adapters, with `config`.
    pub async fn remediate(
        &self,
        batch: &Value,
        config: &RemediationConfig,
    ) -> DynamoDbEventResponse {
        let ports = Ports {
            store: &self.store,
            ecs: &self.ecs,
            applier: &self.applier,
            notifier: &self.notifier,
        };
        ports.run(batch, config).await
    }

    /// [`Lab::remediate`], returning the handler's error instead of failing the test.
    pub async fn try_remediate(
        &self,
        batch: &Value,
        config: &RemediationConfig,
    ) -> Result<DynamoDbEventResponse, HandlerError> {
        let ports = Ports {
            store: &self.store,
            ecs: &self.ecs,
            applier: &self.applier,
            notifier: &self.notifier,
        };
        ports.try_run(batch, config).await
    }

    /// The same, on adapters and clients built from scratch, as a new execution environment
    /// (a cold start) would: whatever holds across invocations must be in the table.
    pub async fn remediate_in_a_new_process(
        &self,
        batch: &Value,
        config: &RemediationConfig,
    ) -> DynamoDbEventResponse {
        let sdk = emulator().sdk_config().await;
        self.remediate_via(&sdk, batch, config).await
    }

    /// The same, with every client built from `sdk` (the emulator, or a fault proxy in front of
    /// it). The ECS changes it makes are counted in [`Lab::calls`].
    pub async fn remediate_via(
        &self,
        sdk: &SdkConfig,
        batch: &Value,
        config: &RemediationConfig,
    ) -> DynamoDbEventResponse {
        let ecs = aws_sdk_ecs::Client::new(sdk);
        let store = DynamoDbRemediationStore::new(aws_sdk_dynamodb::Client::new(sdk), &self.table);
        let reader = EcsAdapter::new(ecs.clone());
        let applier = Counting {
            inner: EcsActionApplier::new(ecs),
            calls: AtomicUsize::new(0),
        };
        let notifier = SnsNotifier::new(
            aws_sdk_sns::Client::new(sdk),
            self.notifier.topic_arn().to_owned(),
        );
        let ports = Ports {
            store: &store,
            ecs: &reader,
            applier: &applier,
            notifier: &notifier,
        };
        let out = ports.run(batch, config).await;
        self.applier
            .calls
            .fetch_add(applier.calls.load(Ordering::SeqCst), Ordering::SeqCst);
        out
    }

    /// Every audit record of the service, oldest first, with the follow-up attribute.
    pub async fn audits(&self) -> Vec<(AuditRecord, Option<FollowUp>)> {
        let ddb = emulator().dynamodb().await;
        let out = seeded(
            "Query",
            ddb.query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk AND begins_with(sk, :act)")
                .expression_attribute_values(
                    ":pk",
                    AttributeValue::S(self.workload().partition_key()),
                )
                .expression_attribute_values(":act", AttributeValue::S("ACT#".into()))
                .consistent_read(true)
                .send()
                .await,
        );
        out.items()
            .iter()
            .map(|item| {
                let doc = item.get("doc").and_then(|v| v.as_s().ok()).expect("doc");
                let record: AuditRecord = serde_json::from_str(doc).expect("an audit record");
                let follow_up = item
                    .get("follow_up")
                    .and_then(|v| v.as_s().ok())
                    .map(|f| serde_json::from_str(f).expect("a follow-up"));
                (record, follow_up)
            })
            .collect()
    }

    /// `(outcome, reason code)` of every audit, oldest first.
    pub async fn decisions(&self) -> Vec<(String, Option<String>)> {
        self.audits()
            .await
            .into_iter()
            .map(|(a, _)| {
                let outcome = serde_json::to_value(a.outcome).expect("serializes");
                (
                    outcome.as_str().unwrap_or_default().to_owned(),
                    a.reason_code,
                )
            })
            .collect()
    }

    /// The task definition the service runs now.
    pub async fn service_td(&self) -> String {
        let out = seeded(
            "DescribeServices",
            emulator()
                .ecs()
                .await
                .describe_services()
                .cluster(&self.cluster)
                .services(SERVICE)
                .send()
                .await,
        );
        out.services()
            .first()
            .and_then(|s| s.task_definition())
            .expect("the service exists")
            .to_owned()
    }

    /// The announcements published so far (waits up to `within` for `want`).
    pub async fn announcements(&self, want: usize, within_s: u64) -> Vec<SnsEnvelope> {
        emulator()
            .drain_tap(
                &self.cluster,
                want,
                std::time::Duration::from_secs(within_s),
            )
            .await
            .into_iter()
            .filter(|m| m.message_attributes.contains_key("remediation"))
            .collect()
    }

    pub fn calls(&self) -> usize {
        self.applier.calls.load(Ordering::SeqCst)
    }
}

/// The adapters one remediator runs on.
struct Ports<'a> {
    store: &'a DynamoDbRemediationStore,
    ecs: &'a EcsAdapter,
    applier: &'a Counting,
    notifier: &'a SnsNotifier,
}

impl Ports<'_> {
    async fn run(&self, batch: &Value, config: &RemediationConfig) -> DynamoDbEventResponse {
        self.try_run(batch, config)
            .await
            .unwrap_or_else(|e| panic!("the remediator failed the whole batch: {e}"))
    }

    async fn try_run(
        &self,
        batch: &Value,
        config: &RemediationConfig,
    ) -> Result<DynamoDbEventResponse, HandlerError> {
        let exclusions = Exclusions::default();
        let workloads = EcsWorkloadState {
            ecs: self.ecs,
            healthy: self.store,
            stack_name: Some("ecs-triage"),
            exclusions: &exclusions,
        };
        let r = Remediator {
            config,
            kill_switch: self.store,
            workloads: &workloads,
            guard: self.store,
            audit: self.store,
            applier: self.applier,
            notifier: self.notifier,
        };
        handle_batch(batch, &r, now_ms).await
    }
}

/// How a lab task stops.
#[derive(Debug, Clone, Copy)]
pub enum Stop {
    /// The essential container exits with 1 after 40 s: `app_exit_error`.
    Crash,
    /// Fargate Spot reclaims the task: `spot_interruption`, a platform failure.
    Spot,
}

impl Stop {
    fn task(self, lab: &Lab, td: &str, i: usize, now: i64) -> StoppedTask {
        let (code, reason, exit) = match self {
            Stop::Crash => (
                "EssentialContainerExited",
                "Essential container in task exited",
                Some(1),
            ),
            Stop::Spot => (
                "SpotInterruption",
                "Your Spot Task was interrupted.",
                Some(143),
            ),
        };
        StoppedTask {
            cluster: lab.cluster.clone(),
            task_id: format!("{:032x}", (now as u128) << 16 | i as u128),
            task_definition_arn: td.to_owned(),
            started_by: lab.deployment.clone(),
            subnet: "subnet-0a1b2c3d".into(),
            private_ip: "10.0.1.17".into(),
            containers: vec![StoppedContainer {
                name: "app".into(),
                image: "registry.example/orders:1.4.2".into(),
                exit_code: exit,
                reason: None,
            }],
            stop_code: code.into(),
            stopped_reason: reason.into(),
            started_at_ms: Some(now - 40_000),
            stopped_at_ms: now,
            cpu: "256".into(),
            memory: "512".into(),
        }
    }
}
