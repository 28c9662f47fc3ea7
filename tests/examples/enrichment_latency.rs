//! Benchmark (issue 4, item 12): the responder's end-to-end latency with enrichment against the
//! local emulator, with the checks run concurrently (as the engine runs them) and one AWS call
//! at a time, and the ratio of the two.
//!
//! Each iteration is one `ECS Task State Change` of a crash loop after a deployment (app exit 1,
//! category `app_exit_error`: logs, deployment, task definition and image checks), handled by
//! the real handler (`responder::handler::respond_with`) on the real adapters: parse, classify,
//! diagnose (DescribeTaskDefinition ×2, DescribeServices, GetLogEvents, DescribeImages), then
//! TransactWriteItems and, when the policy says so, Publish. A fresh task id per iteration, with
//! its own log stream, so every iteration is a new occurrence.
//!
//! The emulator answers one request at a time (scripts/lib/moto_serial.py) in a few
//! milliseconds, where AWS takes tens of milliseconds per call but serves calls in parallel. So
//! the readers are wrapped: each call first waits `added` milliseconds (standing in for the
//! network round trip and AWS's own time, which overlap when calls are concurrent), and in the
//! sequential mode each call also holds one lock, so no two calls overlap. The figures are
//! printed, never asserted.
//!
//! Run: `scripts/bench-enrichment` (starts the emulator, builds this in release, runs it).
//! Settings: BENCH_ITERATIONS (default 30), BENCH_ADDED_MS (default "0 20 50").

use std::time::{Duration, Instant};

use async_trait::async_trait;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_cloudwatchlogs::types::InputLogEvent;
use aws_sdk_ecs::config::Credentials;
use aws_sdk_ecs::types::{
    Compatibility, ContainerDefinition, LogConfiguration, LogDriver, NetworkMode,
};
use ecs_triage_aws::{AwsReaders, DynamoDbIncidentStore, SnsNotifier, TokioTimer};
use ecs_triage_core::diagnose::engine::Readers;
use ecs_triage_core::diagnose::ports::{
    EcsReader, IamReader, ImageReader, LoadBalancerReader, LogReader, NetworkReader, ScalingReader,
};
use ecs_triage_core::diagnose::run::Budget;
use ecs_triage_core::diagnose::view::{
    ContainerInstanceView, ImageView, LogLine, RolePolicies, ScalableTargetView, SecurityGroupView,
    ServiceView, SubnetView, TargetGroupView, TargetHealthView, TaskDefinitionView,
    VpcEndpointView,
};
use ecs_triage_core::event::time::format_rfc3339_ms;
use ecs_triage_core::event::TaskStateChange;
use ecs_triage_core::incident::Policy;
use ecs_triage_core::ports::PortError;
use ecs_triage_core::respond::Responder;
use responder::handler::{respond_with, Enrichment};
use serde_json::json;
use tokio::sync::Mutex;

const ACCOUNT: &str = "123456789012";

/// The readers with a delay before each call and, when `serial` is set, one call at a time.
struct Paced<'a> {
    inner: Readers<'a>,
    added: Duration,
    serial: Option<&'a Mutex<()>>,
}

impl Paced<'_> {
    async fn pace<T>(&self, call: impl std::future::Future<Output = T>) -> T {
        let _one_at_a_time = match self.serial {
            Some(lock) => Some(lock.lock().await),
            None => None,
        };
        tokio::time::sleep(self.added).await;
        call.await
    }
}

fn absent() -> PortError {
    PortError::Permanent {
        service: "bench",
        operation: "reader",
        message: "not wired in this benchmark".to_owned(),
    }
}

#[async_trait]
impl EcsReader for Paced<'_> {
    async fn task_definition(&self, arn: &str) -> Result<TaskDefinitionView, PortError> {
        let ecs = self.inner.ecs.ok_or_else(absent)?;
        self.pace(ecs.task_definition(arn)).await
    }
    async fn service(
        &self,
        cluster: &str,
        service: &str,
    ) -> Result<Option<ServiceView>, PortError> {
        let ecs = self.inner.ecs.ok_or_else(absent)?;
        self.pace(ecs.service(cluster, service)).await
    }
    async fn task(&self, cluster: &str, task: &str) -> Result<Option<TaskStateChange>, PortError> {
        let ecs = self.inner.ecs.ok_or_else(absent)?;
        self.pace(ecs.task(cluster, task)).await
    }
    async fn stopped_tasks(
        &self,
        cluster: &str,
        service: &str,
        limit: usize,
    ) -> Result<Vec<TaskStateChange>, PortError> {
        let ecs = self.inner.ecs.ok_or_else(absent)?;
        self.pace(ecs.stopped_tasks(cluster, service, limit)).await
    }
    async fn container_instances(
        &self,
        cluster: &str,
    ) -> Result<Vec<ContainerInstanceView>, PortError> {
        let ecs = self.inner.ecs.ok_or_else(absent)?;
        self.pace(ecs.container_instances(cluster)).await
    }
}

#[async_trait]
impl LogReader for Paced<'_> {
    async fn tail(
        &self,
        group: &str,
        stream: &str,
        until_ms: Option<i64>,
        limit: usize,
    ) -> Result<Vec<LogLine>, PortError> {
        let logs = self.inner.logs.ok_or_else(absent)?;
        self.pace(logs.tail(group, stream, until_ms, limit)).await
    }
}

#[async_trait]
impl LoadBalancerReader for Paced<'_> {
    async fn target_group(&self, arn: &str) -> Result<Option<TargetGroupView>, PortError> {
        let lb = self.inner.load_balancers.ok_or_else(absent)?;
        self.pace(lb.target_group(arn)).await
    }
    async fn target_health(&self, arn: &str) -> Result<Vec<TargetHealthView>, PortError> {
        let lb = self.inner.load_balancers.ok_or_else(absent)?;
        self.pace(lb.target_health(arn)).await
    }
}

#[async_trait]
impl IamReader for Paced<'_> {
    async fn role_policies(&self, role_name: &str) -> Result<RolePolicies, PortError> {
        let iam = self.inner.iam.ok_or_else(absent)?;
        self.pace(iam.role_policies(role_name)).await
    }
}

#[async_trait]
impl NetworkReader for Paced<'_> {
    async fn subnet(&self, subnet_id: &str) -> Result<Option<SubnetView>, PortError> {
        let net = self.inner.network.ok_or_else(absent)?;
        self.pace(net.subnet(subnet_id)).await
    }
    async fn vpc_endpoints(&self, vpc_id: &str) -> Result<Vec<VpcEndpointView>, PortError> {
        let net = self.inner.network.ok_or_else(absent)?;
        self.pace(net.vpc_endpoints(vpc_id)).await
    }
    async fn security_groups(&self, ids: &[String]) -> Result<Vec<SecurityGroupView>, PortError> {
        let net = self.inner.network.ok_or_else(absent)?;
        self.pace(net.security_groups(ids)).await
    }
}

#[async_trait]
impl ImageReader for Paced<'_> {
    async fn image(
        &self,
        registry_id: &str,
        repository: &str,
        tag_or_digest: &str,
    ) -> Result<Option<ImageView>, PortError> {
        let images = self.inner.images.ok_or_else(absent)?;
        self.pace(images.image(registry_id, repository, tag_or_digest))
            .await
    }
}

#[async_trait]
impl ScalingReader for Paced<'_> {
    async fn scalable_target(
        &self,
        cluster: &str,
        service: &str,
    ) -> Result<Option<ScalableTargetView>, PortError> {
        let scaling = self.inner.scaling.ok_or_else(absent)?;
        self.pace(scaling.scalable_target(cluster, service)).await
    }
}

struct World {
    cluster: String,
    image: String,
    failing_td: String,
    log_group: String,
}

fn check<T, E: std::fmt::Debug>(what: &str, r: Result<T, E>) -> T {
    r.unwrap_or_else(|e| panic!("seeding the world: {what} failed: {e:?}"))
}

/// Cluster `bench-…` with service `web` deployed from revision 1 (image :v1) and then revision
/// 2 (image :v2), both images in ECR, awslogs to a log group of its own.
async fn seed(sdk: &SdkConfig, ns: &str) -> World {
    let (ecs, ecr, logs) = (
        aws_sdk_ecs::Client::new(sdk),
        aws_sdk_ecr::Client::new(sdk),
        aws_sdk_cloudwatchlogs::Client::new(sdk),
    );
    let repo = check(
        "CreateRepository",
        ecr.create_repository()
            .repository_name(format!("bench/{ns}"))
            .send()
            .await,
    )
    .repository
    .and_then(|r| r.repository_uri)
    .expect("a repository URI");
    for (tag, hex) in [("v1", 'a'), ("v2", 'b')] {
        let manifest = json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 7023,
                       "digest": format!("sha256:{}", hex.to_string().repeat(64))},
            "layers": []
        });
        check(
            "PutImage",
            ecr.put_image()
                .repository_name(format!("bench/{ns}"))
                .image_manifest(manifest.to_string())
                .image_tag(tag)
                .send()
                .await,
        );
    }
    let log_group = format!("/ecs/{ns}");
    check(
        "CreateLogGroup",
        logs.create_log_group()
            .log_group_name(&log_group)
            .send()
            .await,
    );
    check(
        "CreateCluster",
        ecs.create_cluster().cluster_name(ns).send().await,
    );
    let mut tds = Vec::new();
    for tag in ["v1", "v2"] {
        let app = ContainerDefinition::builder()
            .name("app")
            .image(format!("{repo}:{tag}"))
            .essential(true)
            .cpu(256)
            .memory(512)
            .log_configuration(
                LogConfiguration::builder()
                    .log_driver(LogDriver::Awslogs)
                    .options("awslogs-group", &log_group)
                    .options("awslogs-region", "us-east-1")
                    .options("awslogs-stream-prefix", "web")
                    .build()
                    .expect("a log configuration"),
            )
            .build();
        tds.push(
            check(
                "RegisterTaskDefinition",
                ecs.register_task_definition()
                    .family(ns)
                    .network_mode(NetworkMode::Bridge)
                    .requires_compatibilities(Compatibility::Ec2)
                    .container_definitions(app)
                    .send()
                    .await,
            )
            .task_definition
            .and_then(|t| t.task_definition_arn)
            .expect("a task definition ARN"),
        );
    }
    check(
        "CreateService",
        ecs.create_service()
            .cluster(ns)
            .service_name("web")
            .task_definition(&tds[0])
            .desired_count(0)
            .send()
            .await,
    );
    check(
        "UpdateService",
        ecs.update_service()
            .cluster(ns)
            .service("web")
            .task_definition(&tds[1])
            .send()
            .await,
    );
    World {
        cluster: ns.to_owned(),
        image: format!("{repo}:v2"),
        failing_td: tds[1].clone(),
        log_group,
    }
}

/// The crash of task `task_id`, and its log stream with a stack trace in its last lines.
async fn crash(sdk: &SdkConfig, w: &World, task_id: &str, at_ms: i64) -> Vec<u8> {
    let logs = aws_sdk_cloudwatchlogs::Client::new(sdk);
    let stream = format!("web/app/{task_id}");
    check(
        "CreateLogStream",
        logs.create_log_stream()
            .log_group_name(&w.log_group)
            .log_stream_name(&stream)
            .send()
            .await,
    );
    let lines = [
        "starting orders-api 2.0.0",
        "connecting to postgres://orders@db.internal:5432/orders",
        "Traceback (most recent call last):",
        "  File \"/app/main.py\", line 12, in <module>",
        "KeyError: 'DATABASE_URL'",
    ];
    let events: Vec<InputLogEvent> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            InputLogEvent::builder()
                .timestamp(at_ms - 5_000 + i64::try_from(i).unwrap_or(0) * 100)
                .message(*l)
                .build()
                .expect("a log event")
        })
        .collect();
    check(
        "PutLogEvents",
        logs.put_log_events()
            .log_group_name(&w.log_group)
            .log_stream_name(&stream)
            .set_log_events(Some(events))
            .send()
            .await,
    );
    let arn = |kind: &str, rest: &str| format!("arn:aws:ecs:us-east-1:{ACCOUNT}:{kind}/{rest}");
    let time = format_rfc3339_ms;
    json!({
        "version": "0", "id": task_id, "detail-type": "ECS Task State Change", "source": "aws.ecs",
        "account": ACCOUNT, "time": time(at_ms), "region": "us-east-1",
        "resources": [arn("task", &format!("{}/{task_id}", w.cluster))],
        "detail": {
            "clusterArn": arn("cluster", &w.cluster),
            "taskArn": arn("task", &format!("{}/{task_id}", w.cluster)),
            "taskDefinitionArn": w.failing_td,
            "group": "service:web", "startedBy": "ecs-svc/1234567890123456789",
            "launchType": "EC2", "lastStatus": "STOPPED", "desiredStatus": "STOPPED",
            "stopCode": "EssentialContainerExited",
            "stoppedReason": "Essential container in task exited",
            "createdAt": time(at_ms - 20_000), "startedAt": time(at_ms - 10_000),
            "stoppingAt": time(at_ms - 1_000), "stoppedAt": time(at_ms),
            "containers": [{"name": "app", "lastStatus": "STOPPED", "exitCode": 1,
                            "image": w.image}],
            "version": 4
        }
    })
    .to_string()
    .into_bytes()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = (p * (sorted.len().saturating_sub(1)) as f64).round() as usize;
    sorted.get(rank).copied().unwrap_or(f64::NAN)
}

#[tokio::main]
async fn main() {
    let env = integration_tests::start_emulator()
        .unwrap_or_else(|why| panic!("the AWS emulator is not available: {why}"));
    let get = |k: &str| {
        env.get(k)
            .cloned()
            .unwrap_or_else(|| panic!("`scripts/emulator start` printed no {k}"))
    };
    let sdk = aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(get("AWS_ENDPOINT_URL"))
        .region(Region::new(get("AWS_REGION")))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "bench"))
        .load()
        .await;
    let iterations: usize = std::env::var("BENCH_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);
    let added: Vec<u64> = std::env::var("BENCH_ADDED_MS")
        .unwrap_or_else(|_| "0 20 50".to_owned())
        .split_whitespace()
        .filter_map(|v| v.parse().ok())
        .collect();

    let started = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let ns = format!("bench-{:x}", started & 0xffff_ffff);
    let world = seed(&sdk, &ns).await;
    let store = DynamoDbIncidentStore::new(aws_sdk_dynamodb::Client::new(&sdk), get("TABLE_NAME"));
    let notifier = SnsNotifier::new(aws_sdk_sns::Client::new(&sdk), get("TOPIC_ARN"));
    // Every stop notified would add a Publish to some iterations only: the default policy
    // (first, 5, 25, 100 …) is kept, as in production.
    let policy = Policy::default();
    let responder = Responder {
        store: &store,
        notifier: &notifier,
        policy: &policy,
    };
    let aws = AwsReaders::new(&sdk);
    let lock = Mutex::new(());

    println!("| added per call | mode | p50 (ms) | p99 (ms) | mean (ms) |");
    println!("| ---: | --- | ---: | ---: | ---: |");
    let mut ratios = Vec::new();
    let mut n = 0u64;
    for &ms in &added {
        let mut p50 = [0.0f64; 2];
        for (mode, serial) in [("concurrent", None), ("sequential", Some(&lock))] {
            let paced = Paced {
                inner: aws.readers(),
                added: Duration::from_millis(ms),
                serial,
            };
            let enrichment = Enrichment {
                readers: Readers {
                    ecs: Some(&paced),
                    logs: Some(&paced),
                    load_balancers: Some(&paced),
                    iam: Some(&paced),
                    network: Some(&paced),
                    images: Some(&paced),
                    scaling: Some(&paced),
                },
                budget: Budget {
                    total: Duration::from_secs(30),
                    per_check: Duration::from_secs(30),
                },
                timer: &TokioTimer,
            };
            let mut times = Vec::with_capacity(iterations);
            for _ in 0..iterations {
                n += 1;
                let task_id = format!("{:032x}", u128::from(n) << 64 | started);
                let now = i64::try_from(started).unwrap_or(0) + i64::try_from(n).unwrap_or(0);
                let event = crash(&sdk, &world, &task_id, now - 60_000).await;
                let t = Instant::now();
                let out = respond_with(&event, &responder, Some(&enrichment), None, now).await;
                times.push(t.elapsed().as_secs_f64() * 1000.0);
                if let Err(e) = out {
                    panic!("the responder failed: {e}");
                }
            }
            times.sort_by(f64::total_cmp);
            let mean = times.iter().sum::<f64>() / times.len().max(1) as f64;
            let (a, b) = (percentile(&times, 0.5), percentile(&times, 0.99));
            p50[usize::from(serial.is_some())] = a;
            println!("| {ms} ms | {mode} | {a:.1} | {b:.1} | {mean:.1} |");
        }
        ratios.push((ms, p50[1] / p50[0]));
    }
    println!();
    for (ms, r) in ratios {
        println!("sequential / concurrent (p50), {ms} ms added per call: {r:.2}x");
    }
    println!("({iterations} events per row; world {ns})");
}
