//! Load benchmark (issue 7, item 5): a storm of `ECS Task State Change` STOPPED events through
//! the real handler (`responder::handler::respond_with`) on the real adapters, 8 invocations at
//! a time, against the local emulator.
//!
//! The events: 1,000 stops of one crash loop (cluster `load-…`, service `orders-api`, task
//! definition revision 41, exit code 1, "Essential container in task exited"), plus 200 stops of
//! other failures: OOM-killed tasks of three other services and image pull failures of two more.
//! Every stop has its own task ARN. They are generated up front and shuffled (a fixed seed,
//! `BENCH_SEED`), so stops arrive out of order, as EventBridge delivers them. Eight workers (tokio
//! tasks) each handle one event at a time, like eight Lambda execution environments, into a
//! fresh table (the emulator table's keys and index, no stream) and a fresh topic with an SQS
//! queue subscribed, which counts the messages. Enrichment is off and no healthy-revision
//! recorder is given: this measures recording and notifying.
//!
//! It prints: events, wall time, events/s, per-event latency (p50, p95, p99, max), errors by
//! type, outcomes, the occurrences stored (items with `sk` beginning `OCC#`), the incidents and
//! their counts, the messages received against what the notification policy allows (thresholds
//! 1, 5, 25, 100, then every 100: 13 for the crash loop of 1,000), and the process's RSS
//! (`VmRSS`, `VmHWM` of /proc/self/status) at the start, after each 10% of the events and at the
//! end.
//!
//! An event whose invocation failed is delivered once more after the run (untimed, as Lambda
//! retries a failed asynchronous invocation), so the checks of the table and the queue tell a
//! failure from a lost or doubled write; the failure still counts.
//!
//! It exits non-zero if an occurrence is missing or stored twice, if an incident's count is not
//! its number of stops, if more messages arrived than the policy allows (or a message was sent
//! that the incident did not record), or if any invocation failed. Timings are printed, never
//! judged. The emulator (moto behind scripts/lib/moto_serial.py) answers one request at a time,
//! so the timings are those of ecs-triage plus moto's serialised handling, not of DynamoDB and
//! SNS.
//!
//! Run: `scripts/bench-load` (builds this in release and runs it; the example starts or reuses
//! the emulator itself through `scripts/emulator start`).
//! Settings: BENCH_CRASHES (default 1000), BENCH_OTHERS (default 200, spread over the other
//! services in fixed proportions), BENCH_CONCURRENCY (default 8), BENCH_SEED (default 7).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_config::{Region, SdkConfig};
use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::types::{AttributeValue, BillingMode, GlobalSecondaryIndex};
use aws_sdk_sns::config::Credentials;
use aws_sdk_sqs::types::QueueAttributeName;
use ecs_triage_aws::client::{config_loader, ClientSettings};
use ecs_triage_aws::{DynamoDbIncidentStore, SnsNotifier};
use ecs_triage_core::event::time::format_rfc3339_ms;
use ecs_triage_core::incident::{Incident, Policy};
use ecs_triage_core::ports::{IncidentStore, PortError};
use ecs_triage_core::respond::{RespondError, Responder};
use responder::handler::{respond_with, HandlerError};
use serde_json::{json, Value};

const ACCOUNT: &str = "123456789012";
const REGION: &str = "us-east-1";

/// How a task stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Failure {
    /// The essential container exited with code 1.
    Crash,
    /// The essential container was OOM-killed (exit 137).
    Oom,
    /// The image tag does not exist: the task never started.
    ImagePull,
}

/// One failing workload and how many of the stops are its own.
struct Workload {
    service: &'static str,
    revision: u32,
    failure: Failure,
    /// Stops of this workload.
    stops: usize,
}

/// The crash loop first, then the other failures, which share `others` stops in these
/// proportions (of 200: 100, 45, 5, 30, 20).
fn workloads(crashes: usize, others: usize) -> Vec<Workload> {
    let share = |per_200: usize| others * per_200 / 200;
    let mut w = vec![
        Workload {
            service: "orders-api",
            revision: 41,
            failure: Failure::Crash,
            stops: crashes,
        },
        Workload {
            service: "reconciliation-worker",
            revision: 33,
            failure: Failure::Oom,
            stops: share(100),
        },
        Workload {
            service: "report-builder",
            revision: 12,
            failure: Failure::Oom,
            stops: share(45),
        },
        Workload {
            service: "thumbnailer",
            revision: 7,
            failure: Failure::Oom,
            stops: share(5),
        },
        Workload {
            service: "billing",
            revision: 88,
            failure: Failure::ImagePull,
            stops: share(30),
        },
        Workload {
            service: "search",
            revision: 3,
            failure: Failure::ImagePull,
            stops: share(20),
        },
    ];
    // Rounding leftovers go to the largest of the others.
    let given: usize = w[1..].iter().map(|w| w.stops).sum();
    w[1].stops += others - given;
    w.retain(|w| w.stops > 0);
    w
}

/// The EventBridge event of one stopped Fargate task of `w` (the fields of the samples in
/// `events/`).
fn stop_event(cluster: &str, w: &Workload, task_id: &str, stopped_ms: i64) -> Vec<u8> {
    let arn = |kind: &str, rest: &str| format!("arn:aws:ecs:{REGION}:{ACCOUNT}:{kind}/{rest}");
    let at = format_rfc3339_ms;
    let task_arn = arn("task", &format!("{cluster}/{task_id}"));
    let image = format!(
        "{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{}:1.{}.0",
        w.service, w.revision
    );
    let attachment = "bf506506-46cf-4cb1-b217-60aac4571c63";
    let mut container = json!({
        "containerArn": arn("container", &format!("{cluster}/{task_id}/90461698-2d7f-4b18-919b-6cfe01ee52e8")),
        "lastStatus": "STOPPED",
        "name": w.service,
        "image": image,
        "taskArn": task_arn,
        "networkInterfaces": [{"attachmentId": attachment, "privateIpv4Address": "10.20.154.105"}],
        "cpu": "0"
    });
    let (stop_code, reason, started) = match w.failure {
        Failure::Crash => {
            container["exitCode"] = 1.into();
            (
                "EssentialContainerExited",
                "Essential container in task exited".to_owned(),
                true,
            )
        }
        Failure::Oom => {
            container["exitCode"] = 137.into();
            container["reason"] = "OutOfMemoryError: Container killed due to memory usage".into();
            (
                "EssentialContainerExited",
                "Essential container in task exited".to_owned(),
                true,
            )
        }
        Failure::ImagePull => {
            let pull = format!(
                "CannotPullContainerError: pull image manifest has been retried 5 time(s): \
                 failed to resolve ref {image}: {image}: not found"
            );
            container["reason"] = pull.as_str().into();
            ("TaskFailedToStart", pull, false)
        }
    };
    let created = stopped_ms - 60_000;
    let mut detail = json!({
        "attachments": [{
            "id": attachment, "type": "eni", "status": "DELETED",
            "details": [
                {"name": "subnetId", "value": "subnet-0ad59a867c1f1a3b9"},
                {"name": "networkInterfaceId", "value": "eni-06af8eba30e004e4f"},
                {"name": "privateIPv4Address", "value": "10.20.154.105"}
            ]
        }],
        "availabilityZone": "us-east-1a",
        "capacityProviderName": "FARGATE",
        "clusterArn": arn("cluster", cluster),
        "connectivity": "CONNECTED",
        "connectivityAt": at(created + 4_000),
        "containers": [container],
        "cpu": "512",
        "createdAt": at(created),
        "desiredStatus": "STOPPED",
        "executionStoppedAt": at(stopped_ms - 15_000),
        "group": format!("service:{}", w.service),
        "launchType": "FARGATE",
        "lastStatus": "STOPPED",
        "memory": "1024",
        "platformVersion": "1.4.0",
        "platformFamily": "Linux",
        "startedBy": "ecs-svc/5519283746620193847",
        "stopCode": stop_code,
        "stoppedAt": at(stopped_ms),
        "stoppedReason": reason,
        "stoppingAt": at(stopped_ms - 17_000),
        "taskArn": task_arn,
        "taskDefinitionArn": arn("task-definition", &format!("{}:{}", w.service, w.revision)),
        "updatedAt": at(stopped_ms),
        "version": 5
    });
    if started {
        detail["pullStartedAt"] = at(created + 10_000).into();
        detail["pullStoppedAt"] = at(created + 17_000).into();
        detail["startedAt"] = at(created + 19_000).into();
    }
    json!({
        "version": "0",
        "id": format!("{}-9361-4179-9260-{}", &task_id[..8], &task_id[20..]),
        "detail-type": "ECS Task State Change",
        "source": "aws.ecs",
        "account": ACCOUNT,
        "time": at(stopped_ms),
        "region": REGION,
        "resources": [task_arn],
        "detail": detail
    })
    .to_string()
    .into_bytes()
}

/// splitmix64: a fixed, seeded order without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = usize::try_from(self.next() % (i as u64 + 1)).unwrap_or(0);
            items.swap(i, j);
        }
    }
}

/// `VmRSS` and `VmHWM` of this process, in KiB.
fn memory_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// User + system CPU time of this process so far (clock ticks of 10 ms, as Linux reports them).
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (in parentheses, which may hold spaces): utime is the 12th,
    // stime the 13th.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<u64> = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|v| v.parse().ok())
        .collect();
    Duration::from_millis(fields.iter().sum::<u64>() * 10)
}

struct Planned {
    workload: usize,
    task_id: String,
    payload: Vec<u8>,
}

/// What one invocation gave.
struct Handled {
    index: usize,
    latency: Duration,
    result: Result<Done, String>,
}

struct Done {
    action: &'static str,
    incident_id: Option<String>,
}

struct Shared {
    events: Vec<Planned>,
    next: AtomicUsize,
    done: AtomicUsize,
    store: DynamoDbIncidentStore,
    notifier: SnsNotifier,
    policy: Policy,
    /// (events done, VmRSS, VmHWM)
    samples: Mutex<Vec<(usize, u64, u64)>>,
}

fn port_kind(e: &PortError) -> String {
    let (kind, service, operation, message) = match e {
        PortError::Transient {
            service,
            operation,
            message,
        } => ("transient", *service, *operation, message.as_str()),
        PortError::Permanent {
            service,
            operation,
            message,
        } => ("permanent", *service, *operation, message.as_str()),
        PortError::Corrupt {
            service, message, ..
        } => ("corrupt", *service, "read", message.as_str()),
    };
    let throttled = if message.to_ascii_lowercase().contains("throttl") {
        " (throttling)"
    } else {
        ""
    };
    format!("{kind} {service}:{operation}{throttled}")
}

/// A stable name for an error's type: the Lambda `errorType` and what failed.
fn error_key(e: &HandlerError) -> String {
    let what = match e {
        HandlerError::BadEvent(_) => "bad event".to_owned(),
        HandlerError::Failed(RespondError::Store(p)) => format!("store: {}", port_kind(p)),
        HandlerError::Failed(RespondError::Notify(p)) => format!("notify: {}", port_kind(p)),
        HandlerError::Failed(RespondError::HealthyRevision(p)) => {
            format!("healthy revision: {}", port_kind(p))
        }
        HandlerError::Failed(RespondError::Contention { .. }) => "contention".to_owned(),
    };
    format!("{} / {what}", e.error_type())
}

async fn worker(shared: Arc<Shared>) -> Vec<Handled> {
    let responder = Responder {
        store: &shared.store,
        notifier: &shared.notifier,
        policy: &shared.policy,
    };
    let total = shared.events.len();
    let tenth = total.div_ceil(10).max(1);
    let mut handled = Vec::new();
    loop {
        let index = shared.next.fetch_add(1, Ordering::Relaxed);
        let Some(event) = shared.events.get(index) else {
            break;
        };
        let now = now_ms();
        let started = Instant::now();
        let out = respond_with(&event.payload, &responder, None, None, now).await;
        let latency = started.elapsed();
        let result = match out {
            Ok(o) => Ok(Done {
                action: o.action.as_str(),
                incident_id: o.incident_id,
            }),
            Err(e) => Err(format!("{}\t{e}", error_key(&e))),
        };
        handled.push(Handled {
            index,
            latency,
            result,
        });
        let done = shared.done.fetch_add(1, Ordering::Relaxed) + 1;
        if done.is_multiple_of(tenth) && done < total {
            let (rss, hwm) = memory_kib();
            shared
                .samples
                .lock()
                .expect("samples lock")
                .push((done, rss, hwm));
        }
    }
    handled
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted
        .get(rank.saturating_sub(1).min(sorted.len().saturating_sub(1)))
        .map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0)
}

fn must<T, E: std::error::Error + 'static>(what: &str, r: Result<T, E>) -> T {
    r.unwrap_or_else(|e| {
        panic!(
            "setting up the run: {what} failed: {}",
            DisplayErrorContext(&e)
        )
    })
}

/// A new table with the keys and index of the emulator's table (`template`), without a stream
/// (moto deep-copies a streamed table's history on every transaction; see BENCHMARKS.md).
async fn fresh_table(ddb: &aws_sdk_dynamodb::Client, template: &str, name: &str) {
    let t = must(
        "DescribeTable",
        ddb.describe_table().table_name(template).send().await,
    )
    .table
    .expect("DescribeTable returns the table");
    let indexes = t
        .global_secondary_indexes()
        .iter()
        .map(|g| {
            GlobalSecondaryIndex::builder()
                .set_index_name(g.index_name().map(str::to_owned))
                .set_key_schema(Some(g.key_schema().to_vec()))
                .set_projection(g.projection().cloned())
                .build()
                .expect("the template's index is complete")
        })
        .collect();
    must(
        "CreateTable",
        ddb.create_table()
            .table_name(name)
            .set_key_schema(Some(t.key_schema().to_vec()))
            .set_attribute_definitions(Some(t.attribute_definitions().to_vec()))
            .set_global_secondary_indexes(Some(indexes))
            .billing_mode(BillingMode::PayPerRequest)
            .send()
            .await,
    );
}

/// A topic and an SQS queue subscribed to it; returns (topic ARN, queue URL).
async fn tap(sns: &aws_sdk_sns::Client, sqs: &aws_sdk_sqs::Client, name: &str) -> (String, String) {
    let topic = must("CreateTopic", sns.create_topic().name(name).send().await)
        .topic_arn
        .expect("CreateTopic returns an ARN");
    let url = must(
        "CreateQueue",
        sqs.create_queue().queue_name(name).send().await,
    )
    .queue_url
    .expect("CreateQueue returns a URL");
    let arn = must(
        "GetQueueAttributes",
        sqs.get_queue_attributes()
            .queue_url(&url)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await,
    )
    .attributes
    .and_then(|a| a.get(&QueueAttributeName::QueueArn).cloned())
    .expect("GetQueueAttributes returns the queue's ARN");
    must(
        "Subscribe",
        sns.subscribe()
            .topic_arn(&topic)
            .protocol("sqs")
            .endpoint(arn)
            .send()
            .await,
    );
    (topic, url)
}

/// Every item of `table` whose sort key begins with `prefix`.
async fn scan_prefix(
    ddb: &aws_sdk_dynamodb::Client,
    table: &str,
    prefix: &str,
) -> Vec<HashMap<String, AttributeValue>> {
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let page = must(
            "Scan",
            ddb.scan()
                .table_name(table)
                .filter_expression("begins_with(sk, :p)")
                .expression_attribute_values(":p", AttributeValue::S(prefix.to_owned()))
                .set_exclusive_start_key(start)
                .consistent_read(true)
                .send()
                .await,
        );
        items.extend(page.items.unwrap_or_default());
        match page.last_evaluated_key {
            Some(k) if !k.is_empty() => start = Some(k),
            _ => break,
        }
    }
    items
}

/// Receives and deletes every message on the queue; stops after two empty receives in a row
/// (moto delivers to SQS while it handles the Publish, so nothing is still in flight). Returns
/// the number of messages per incident id (the chat JSON's `metadata.threadId`).
async fn drain(sqs: &aws_sdk_sqs::Client, url: &str) -> BTreeMap<String, usize> {
    let mut per_incident = BTreeMap::new();
    let mut empty = 0;
    while empty < 2 {
        let out = must(
            "ReceiveMessage",
            sqs.receive_message()
                .queue_url(url)
                .max_number_of_messages(10)
                .wait_time_seconds(1)
                .send()
                .await,
        );
        if out.messages().is_empty() {
            empty += 1;
            continue;
        }
        empty = 0;
        for m in out.messages() {
            let envelope: Value = serde_json::from_str(m.body().unwrap_or_default())
                .expect("an SNS envelope on the queue");
            let chat: Value = serde_json::from_str(envelope["Message"].as_str().unwrap_or("{}"))
                .expect("the chat JSON in the envelope");
            let thread = chat["metadata"]["threadId"]
                .as_str()
                .unwrap_or("<no threadId>")
                .to_owned();
            *per_incident.entry(thread).or_insert(0) += 1;
            must(
                "DeleteMessage",
                sqs.delete_message()
                    .queue_url(url)
                    .receipt_handle(m.receipt_handle().unwrap_or_default())
                    .send()
                    .await,
            );
        }
    }
    per_incident
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

#[tokio::main]
async fn main() {
    let crashes = env_usize("BENCH_CRASHES", 1000);
    let others = env_usize("BENCH_OTHERS", 200);
    let concurrency = env_usize("BENCH_CONCURRENCY", 8).max(1);
    let seed = u64::try_from(env_usize("BENCH_SEED", 7)).unwrap_or(7);

    let env = integration_tests::start_emulator()
        .unwrap_or_else(|why| panic!("the AWS emulator is not available: {why}"));
    let get = |k: &str| {
        env.get(k)
            .cloned()
            .unwrap_or_else(|| panic!("`scripts/emulator start` printed no {k}"))
    };
    let sdk_with = |settings: ClientSettings| {
        config_loader(&settings)
            .endpoint_url(get("AWS_ENDPOINT_URL"))
            .region(Region::new(get("AWS_REGION")))
            .credentials_provider(Credentials::new(
                "testing",
                "testing",
                None,
                None,
                "bench-load",
            ))
            .load()
    };
    // The responder's clients get the production timeouts and retries (what the Lambda runs
    // with). Setting up and reading back get generous ones, as the integration tests do: the
    // emulator serves one request at a time, and a CreateTable retried after a timeout fails
    // with "already exists".
    let sdk: SdkConfig = sdk_with(ClientSettings::default()).await;
    let setup_sdk: SdkConfig = sdk_with(ClientSettings {
        attempt_timeout: Duration::from_secs(30),
        operation_timeout: Duration::from_secs(90),
        ..ClientSettings::default()
    })
    .await;
    let (ddb, sns, sqs) = (
        aws_sdk_dynamodb::Client::new(&setup_sdk),
        aws_sdk_sns::Client::new(&setup_sdk),
        aws_sdk_sqs::Client::new(&setup_sdk),
    );

    let tag = u32::try_from(now_ms() & 0xffff_ffff).unwrap_or(0);
    let run = format!("load-{tag:08x}");
    fresh_table(&ddb, &get("TABLE_NAME"), &run).await;
    let (topic, queue) = tap(&sns, &sqs, &run).await;

    let plan = workloads(crashes, others);
    let base = now_ms() - 3_600_000;
    let mut events = Vec::new();
    for (w, workload) in plan.iter().enumerate() {
        for _ in 0..workload.stops {
            let n = events.len();
            let task_id = format!("{tag:08x}{n:024x}");
            // Stopped one second apart in generation order; the shuffle delivers them out of
            // order.
            let stopped = base + i64::try_from(n).unwrap_or(0) * 1_000;
            let payload = stop_event(&run, workload, &task_id, stopped);
            events.push(Planned {
                workload: w,
                task_id,
                payload,
            });
        }
    }
    Rng(seed).shuffle(&mut events);
    let total = events.len();

    let shared = Arc::new(Shared {
        events,
        next: AtomicUsize::new(0),
        done: AtomicUsize::new(0),
        store: DynamoDbIncidentStore::new(aws_sdk_dynamodb::Client::new(&sdk), run.clone()),
        notifier: SnsNotifier::new(aws_sdk_sns::Client::new(&sdk), topic.clone()),
        policy: Policy::default(),
        samples: Mutex::new(Vec::new()),
    });
    let (rss0, hwm0) = memory_kib();
    shared
        .samples
        .lock()
        .expect("samples lock")
        .push((0, rss0, hwm0));
    eprintln!(
        "load: {total} events ({crashes} crash loop, {} others) over {concurrency} workers, \
         table and topic {run}, load average {}",
        total - crashes.min(total),
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );

    let cpu0 = cpu_time();
    let began = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|_| tokio::spawn(worker(Arc::clone(&shared))))
        .collect();
    let mut handled = Vec::with_capacity(total);
    for w in workers {
        handled.extend(w.await.expect("a worker panicked"));
    }
    let wall = began.elapsed();
    let cpu = cpu_time().saturating_sub(cpu0);
    let (rss_end, hwm_end) = memory_kib();
    shared
        .samples
        .lock()
        .expect("samples lock")
        .push((total, rss_end, hwm_end));

    // Lambda retries a failed asynchronous invocation: deliver each failed event once more (one
    // at a time, untimed), so the checks below tell a lost or doubled write from a failure.
    let redelivery = Responder {
        store: &shared.store,
        notifier: &shared.notifier,
        policy: &shared.policy,
    };
    let mut redelivered: BTreeMap<String, usize> = BTreeMap::new();
    for h in handled.iter().filter(|h| h.result.is_err()) {
        let again = respond_with(
            &shared.events[h.index].payload,
            &redelivery,
            None,
            None,
            now_ms(),
        )
        .await;
        let what = match again {
            Ok(o) => o.action.as_str().to_owned(),
            Err(e) => format!("failed again: {}", error_key(&e)),
        };
        *redelivered.entry(what).or_insert(0) += 1;
    }

    // What the run left behind.
    let occurrences = scan_prefix(&ddb, &run, "OCC#").await;
    let incidents: Vec<Incident> = DynamoDbIncidentStore::new(ddb.clone(), run.clone())
        .recent_incidents(&run, 100)
        .await
        .unwrap_or_else(|e| panic!("reading the incidents back failed: {e}"));
    let messages = drain(&sqs, &queue).await;

    let mut failures: Vec<String> = Vec::new();

    // Timing.
    let mut latencies: Vec<Duration> = handled.iter().map(|h| h.latency).collect();
    latencies.sort();
    println!("## Load: {total} events, {concurrency} concurrent invocations");
    println!();
    println!("| figure | value |");
    println!("| --- | ---: |");
    println!("| events | {total} |");
    println!("| wall time | {:.2} s |", wall.as_secs_f64());
    println!(
        "| events/s | {:.1} |",
        total as f64 / wall.as_secs_f64().max(f64::EPSILON)
    );
    for (name, p) in [("p50", 0.50), ("p95", 0.95), ("p99", 0.99)] {
        println!("| latency {name} | {:.1} ms |", percentile(&latencies, p));
    }
    println!(
        "| latency max | {:.1} ms |",
        latencies
            .last()
            .map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0)
    );
    println!(
        "| this process's CPU (user+sys) | {:.2} s ({:.2} ms/event) |",
        cpu.as_secs_f64(),
        cpu.as_secs_f64() * 1000.0 / total.max(1) as f64
    );

    // Outcomes and errors.
    let mut actions: BTreeMap<&str, usize> = BTreeMap::new();
    let mut errors: BTreeMap<String, (usize, String)> = BTreeMap::new();
    let mut incident_of: Vec<HashSet<String>> = vec![HashSet::new(); plan.len()];
    for h in &handled {
        match &h.result {
            Ok(done) => {
                *actions.entry(done.action).or_insert(0) += 1;
                if let Some(id) = &done.incident_id {
                    incident_of[shared.events[h.index].workload].insert(id.clone());
                }
            }
            Err(e) => {
                let (key, message) = e.split_once('\t').unwrap_or((e.as_str(), ""));
                let entry = errors
                    .entry(key.to_owned())
                    .or_insert((0, message.to_owned()));
                entry.0 += 1;
            }
        }
    }
    println!();
    println!(
        "outcomes: {}",
        actions
            .iter()
            .map(|(a, n)| format!("{a} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if errors.is_empty() {
        println!("errors: none");
    } else {
        println!("errors:");
        for (key, (n, example)) in &errors {
            println!("  {n} × {key}: e.g. {example}");
        }
        failures.push(format!(
            "{} invocations failed",
            errors.values().map(|e| e.0).sum::<usize>()
        ));
    }
    if !redelivered.is_empty() {
        println!(
            "failed events delivered again (as Lambda retries them): {}",
            redelivered
                .iter()
                .map(|(a, n)| format!("{a} {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    // A first attempt may answer `duplicate`: the SDK retried a TransactWriteItems that timed
    // out on the client but had been applied. That is the idempotence doing its job; the table
    // below is what says whether a stop was counted once.
    let first_duplicates = actions.get("duplicate").copied().unwrap_or(0);
    if first_duplicates > 0 {
        println!(
            "({first_duplicates} first attempts answered duplicate: a transaction retried by the \
             SDK after a timeout had already been applied)"
        );
    }

    // Occurrences: every task once.
    let mut stored: HashMap<String, usize> = HashMap::new();
    for item in &occurrences {
        if let Some(AttributeValue::S(sk)) = item.get("sk") {
            let task = sk.strip_prefix("OCC#").unwrap_or(sk).to_owned();
            *stored.entry(task).or_insert(0) += 1;
        }
    }
    let missing = shared
        .events
        .iter()
        .filter(|e| !stored.contains_key(&e.task_id))
        .count();
    let twice = stored.values().filter(|n| **n > 1).count();
    let expected_tasks: HashSet<&str> = shared.events.iter().map(|e| e.task_id.as_str()).collect();
    let unknown = stored
        .keys()
        .filter(|t| !expected_tasks.contains(t.as_str()))
        .count();
    println!(
        "occurrences stored: {} items for {total} stops ({missing} missing, {twice} stored more \
         than once, {unknown} of unknown tasks)",
        occurrences.len()
    );
    if missing > 0 || twice > 0 || unknown > 0 || occurrences.len() != total {
        failures.push(format!(
            "occurrences: {} items for {total} stops, {missing} missing, {twice} duplicated, \
             {unknown} unknown",
            occurrences.len()
        ));
    }

    // Incidents and messages.
    println!();
    println!(
        "| incident (service, revision, category) | stops | stored count | messages | \
         policy's levels (most allowed) | recorded as sent | level announced |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    let by_id: HashMap<&str, &Incident> = incidents.iter().map(|i| (i.id.as_str(), i)).collect();
    let (mut all_messages, mut all_allowed) = (0usize, 0u64);
    for (w, workload) in plan.iter().enumerate() {
        let ids = &incident_of[w];
        let id = match ids.len() {
            1 => ids.iter().next().cloned().unwrap_or_default(),
            _ => {
                failures.push(format!(
                    "the stops of {} went to {} incidents: {ids:?}",
                    workload.service,
                    ids.len()
                ));
                continue;
            }
        };
        let Some(inc) = by_id.get(id.as_str()) else {
            failures.push(format!("incident {id} is not in the table"));
            continue;
        };
        let got = messages.get(&id).copied().unwrap_or(0);
        let allowed = shared.policy.level(workload.stops as u64);
        all_messages += got;
        all_allowed += u64::from(allowed);
        println!(
            "| {}, {}, {} | {} | {} | {got} | {allowed} | {} | {} |",
            workload.service,
            workload.revision,
            inc.key.category.label(),
            workload.stops,
            inc.count,
            inc.notifications_sent,
            inc.notified_level
        );
        if inc.count != workload.stops as u64 {
            failures.push(format!(
                "{id}: count {} for {} stops",
                inc.count, workload.stops
            ));
        }
        if got as u64 > u64::from(allowed) {
            failures.push(format!("{id}: {got} messages, the policy allows {allowed}"));
        }
        if got != inc.notifications_sent as usize {
            failures.push(format!(
                "{id}: {got} messages received, {} recorded as sent",
                inc.notifications_sent
            ));
        }
    }
    let known: HashSet<String> = incident_of.iter().flatten().cloned().collect();
    let stray: usize = messages
        .iter()
        .filter(|(id, _)| !known.contains(*id))
        .map(|(_, n)| *n)
        .sum();
    if incidents.len() != plan.len() {
        failures.push(format!(
            "{} incidents stored for {} failing workloads",
            incidents.len(),
            plan.len()
        ));
    }
    if stray > 0 {
        failures.push(format!("{stray} messages of no incident of this run"));
    }
    println!(
        "messages: {all_messages} received, the policy allows at most {all_allowed} ({} stray)",
        stray
    );

    // Memory.
    println!();
    println!("| events done | VmRSS (MiB) | VmHWM (MiB) |");
    println!("| ---: | ---: | ---: |");
    let mut samples = shared.samples.lock().expect("samples lock").clone();
    samples.sort_unstable();
    for (done, rss, hwm) in &samples {
        println!("| {done} | {:.1} | {:.1} |", mib(*rss), mib(*hwm));
    }
    let rss_values: Vec<u64> = samples.iter().skip(1).map(|s| s.1).collect();
    if let (Some(lo), Some(hi)) = (rss_values.iter().min(), rss_values.iter().max()) {
        println!(
            "VmRSS during the run: {:.1}–{:.1} MiB (start {:.1} MiB, end {:.1} MiB)",
            mib(*lo),
            mib(*hi),
            mib(rss0),
            mib(rss_end)
        );
    }

    // Leave nothing behind in the long-lived emulator.
    let _ = ddb.delete_table().table_name(&run).send().await;
    let _ = sns.delete_topic().topic_arn(&topic).send().await;
    let _ = sqs.delete_queue().queue_url(&queue).send().await;

    println!();
    if failures.is_empty() {
        println!("exactness: OK (every occurrence stored once, counts exact, messages within the policy, no errors)");
    } else {
        println!("exactness: FAILED");
        for f in &failures {
            println!("  - {f}");
        }
        std::process::exit(1);
    }
}
