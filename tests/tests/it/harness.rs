//! The local AWS emulator for this test binary, and clients pointed at it.
//!
//! The first test that asks for [`emulator()`] runs `scripts/emulator start` (which starts moto,
//! or reuses the repo's running one, and creates the table, topic and queues idempotently); every
//! other test waits for that and shares the result. If the emulator cannot start, every test
//! fails with the script's reason: these tests never skip.
//!
//! **Lifecycle: the emulator is left running when the tests end.** A Rust test binary has no
//! hook that runs after its last test, and the next run (or a concurrently running test binary,
//! or the demo) reuses the server in about 0.5 s instead of 3. Stop it with
//! `scripts/emulator stop`.
//!
//! **Isolation:** tests run in parallel and never reset the emulator. Each test works in its
//! own namespace ([`namespace`], used as the cluster name, so its messages on the shared topic
//! can be told apart) and on **its own table** ([`Emulator::isolated_store`], created with the
//! emulator table's schema, read from DescribeTable). One shared table is not safe under
//! moto 5.2.5: a cancelled TransactWriteItems restores a deep copy of every table it names taken
//! when the transaction began (`moto/dynamodb/models/__init__.py`, `transact_write_items`), and
//! moto_server handles requests on concurrent threads, so a conflict in one test silently undid
//! other tests' writes to the same table. The per-test tables are left behind; moto keeps them
//! in memory until it stops.
//!
//! Clients get the endpoint, region and dummy credentials set on the config loader, not through
//! the process environment, with the production timeouts and retries
//! ([`ecs_triage_aws::client::config_loader`]).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_config::{Region, SdkConfig};
use aws_sdk_dynamodb::config::Credentials;
use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::types::{
    BillingMode, GlobalSecondaryIndex, StreamSpecification, StreamViewType,
};
use ecs_triage_aws::client::{config_loader, ClientSettings};
use ecs_triage_aws::{DynamoDbIncidentStore, SnsNotifier};
use serde::Deserialize;

/// What `scripts/emulator start` printed: where the emulator is and what it created.
#[derive(Debug, Clone)]
pub struct Emulator {
    pub endpoint: String,
    pub region: String,
    pub table: String,
    pub topic_arn: String,
}

static EMULATOR: OnceLock<Result<Emulator, String>> = OnceLock::new();

/// The running emulator; starts it on first use. Panics (fails the test) if it cannot start.
pub fn emulator() -> &'static Emulator {
    match EMULATOR.get_or_init(start) {
        Ok(emulator) => emulator,
        Err(why) => panic!("the AWS emulator is not available, so this test cannot run: {why}"),
    }
}

pub use integration_tests::repo_root;

fn start() -> Result<Emulator, String> {
    let begun = Instant::now();
    let vars = integration_tests::start_emulator()?;
    let get = |key: &str| {
        vars.get(key).cloned().ok_or_else(|| {
            let mut found: Vec<&String> = vars.keys().collect();
            found.sort();
            format!("expected `{key}=…` in the output of `scripts/emulator start`, found keys {found:?}")
        })
    };
    let emulator = Emulator {
        endpoint: get("AWS_ENDPOINT_URL")?,
        region: get("AWS_REGION")?,
        table: get("TABLE_NAME")?,
        topic_arn: get("TOPIC_ARN")?,
    };
    eprintln!(
        "emulator ready at {} after {:.1?}",
        emulator.endpoint,
        begun.elapsed()
    );
    Ok(emulator)
}

/// A name no other test (in this run or an earlier one) uses, e.g. `it-record-18c2f…-3`.
pub fn namespace(test: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros())
        .unwrap_or(0);
    format!(
        "it-{test}-{now:x}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// SDK configuration for `endpoint` with `settings`, the emulator's region and dummy
/// credentials, set explicitly on the loader.
pub async fn sdk_config_at(endpoint: &str, settings: &ClientSettings) -> SdkConfig {
    let region = EMULATOR
        .get()
        .and_then(|e| e.as_ref().ok())
        .map_or_else(|| "us-east-1".to_owned(), |e| e.region.clone());
    config_loader(settings)
        .endpoint_url(endpoint)
        .region(Region::new(region))
        .credentials_provider(Credentials::new(
            "testing",
            "testing",
            None,
            None,
            "ecs-triage-integration-tests",
        ))
        .load()
        .await
}

/// Client settings for the emulator. It serves one request at a time (scripts/lib/
/// moto_serial.py), so while other tests seed large worlds a request can wait in line far longer
/// than AWS would take; the production timeouts would then retry non-idempotent requests
/// (CreateTable, Publish). The tests of timeouts themselves set their own settings.
pub fn emulator_settings() -> ClientSettings {
    ClientSettings {
        attempt_timeout: Duration::from_secs(30),
        operation_timeout: Duration::from_secs(90),
        ..ClientSettings::default()
    }
}

/// One test's tap: its cluster, its queue's URL and its topic's ARN (see [`Emulator::tap`]).
struct Tap {
    cluster: String,
    queue_url: String,
    topic_arn: String,
}

/// Per-test taps, by cluster.
static TAPS: std::sync::Mutex<Vec<Tap>> = std::sync::Mutex::new(Vec::new());

fn tap_of<T>(cluster: &str, field: impl Fn(&Tap) -> T) -> T {
    TAPS.lock()
        .expect("taps lock")
        .iter()
        .find(|t| t.cluster == cluster)
        .map(field)
        .unwrap_or_else(|| {
            panic!("no tap for {cluster}: call emulator().tap(cluster) before publishing")
        })
}

impl Emulator {
    /// SDK configuration for the emulator (see [`emulator_settings`]).
    pub async fn sdk_config(&self) -> SdkConfig {
        sdk_config_at(&self.endpoint, &emulator_settings()).await
    }

    /// Gives this test a topic of its own and a queue subscribed to it (with a filter policy on
    /// the `cluster` message attribute too), so concurrent tests never see (or hide) each
    /// other's messages. Publish through [`Emulator::notifier_for`]; [`Emulator::drain_tap`]
    /// reads the queue.
    ///
    /// A topic per test, not one shared topic with a subscription per test: moto 5.2.5 fans a
    /// publish out to the first page (100) of a topic's subscriptions only
    /// (`moto/sns/models.py`, `Topic.publish` ignores `list_subscriptions_by_topic`'s next
    /// token), so on a long-lived emulator the 101st test's tap silently got nothing.
    pub async fn tap(&self, cluster: &str) {
        let sns = aws_sdk_sns::Client::new(&self.sdk_config().await);
        let topic_name = short_name("topic", cluster);
        let topic_arn = sns
            .create_topic()
            .name(&topic_name)
            .send()
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "CreateTopic {topic_name} failed: {}",
                    DisplayErrorContext(&e)
                )
            })
            .topic_arn
            .unwrap_or_else(|| panic!("CreateTopic {topic_name} returned no ARN"));
        let sqs = self.sqs().await;
        let name = short_name("tap", cluster);
        let url = sqs
            .create_queue()
            .queue_name(&name)
            .send()
            .await
            .unwrap_or_else(|e| panic!("CreateQueue {name} failed: {}", DisplayErrorContext(&e)))
            .queue_url
            .unwrap_or_else(|| panic!("CreateQueue {name} returned no URL"));
        let arn = sqs
            .get_queue_attributes()
            .queue_url(&url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
            .send()
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "GetQueueAttributes {name} failed: {}",
                    DisplayErrorContext(&e)
                )
            })
            .attributes
            .and_then(|a| {
                a.get(&aws_sdk_sqs::types::QueueAttributeName::QueueArn)
                    .cloned()
            })
            .unwrap_or_else(|| panic!("GetQueueAttributes {name} returned no QueueArn"));
        let filter = serde_json::json!({ "cluster": [cluster] }).to_string();
        sns.subscribe()
            .topic_arn(&topic_arn)
            .protocol("sqs")
            .endpoint(&arn)
            .attributes("FilterPolicy", filter)
            .send()
            .await
            .unwrap_or_else(|e| panic!("Subscribe {name} failed: {}", DisplayErrorContext(&e)));
        TAPS.lock().expect("taps lock").push(Tap {
            cluster: cluster.to_owned(),
            queue_url: url,
            topic_arn,
        });
    }

    /// The topic [`Emulator::tap`] made for `cluster`.
    pub fn topic_for(&self, cluster: &str) -> String {
        tap_of(cluster, |t| t.topic_arn.clone())
    }

    pub async fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::new(&self.sdk_config().await)
    }

    pub async fn sqs(&self) -> aws_sdk_sqs::Client {
        aws_sdk_sqs::Client::new(&self.sdk_config().await)
    }

    pub async fn ecs(&self) -> aws_sdk_ecs::Client {
        aws_sdk_ecs::Client::new(&self.sdk_config().await)
    }

    pub async fn logs(&self) -> aws_sdk_cloudwatchlogs::Client {
        aws_sdk_cloudwatchlogs::Client::new(&self.sdk_config().await)
    }

    pub async fn elbv2(&self) -> aws_sdk_elasticloadbalancingv2::Client {
        aws_sdk_elasticloadbalancingv2::Client::new(&self.sdk_config().await)
    }

    pub async fn iam(&self) -> aws_sdk_iam::Client {
        aws_sdk_iam::Client::new(&self.sdk_config().await)
    }

    pub async fn ec2(&self) -> aws_sdk_ec2::Client {
        aws_sdk_ec2::Client::new(&self.sdk_config().await)
    }

    pub async fn ecr(&self) -> aws_sdk_ecr::Client {
        aws_sdk_ecr::Client::new(&self.sdk_config().await)
    }

    pub async fn autoscaling(&self) -> aws_sdk_applicationautoscaling::Client {
        aws_sdk_applicationautoscaling::Client::new(&self.sdk_config().await)
    }

    /// The adapter under test, on a new table of its own with the emulator table's key schema
    /// and indexes (see the module doc for why not the shared table).
    pub async fn isolated_store(&self, test: &str) -> DynamoDbIncidentStore {
        let name = self.isolated_table(test, false).await;
        DynamoDbIncidentStore::new(self.dynamodb().await, name)
    }

    /// A new table with the emulator table's keys and indexes, and with the table's stream
    /// (NEW_AND_OLD_IMAGES, as the stack configures it) when `stream` is set. Returns its name.
    pub async fn isolated_table(&self, test: &str, stream: bool) -> String {
        let ddb = self.dynamodb().await;
        let template = ddb
            .describe_table()
            .table_name(&self.table)
            .send()
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "DescribeTable {} failed: {}",
                    self.table,
                    DisplayErrorContext(&e)
                )
            })
            .table
            .unwrap_or_else(|| panic!("DescribeTable {} returned no table", self.table));
        let indexes = template
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
        let name = namespace(test);
        ddb.create_table()
            .table_name(&name)
            .set_key_schema(Some(template.key_schema().to_vec()))
            .set_attribute_definitions(Some(template.attribute_definitions().to_vec()))
            .set_global_secondary_indexes(Some(indexes))
            .billing_mode(BillingMode::PayPerRequest)
            .set_stream_specification(stream.then(|| {
                StreamSpecification::builder()
                    .stream_enabled(true)
                    .stream_view_type(StreamViewType::NewAndOldImages)
                    .build()
                    .expect("the stream specification is complete")
            }))
            .send()
            .await
            .unwrap_or_else(|e| panic!("CreateTable {name} failed: {}", DisplayErrorContext(&e)));
        name
    }

    /// The adapter under test, on the emulator's topic.
    /// A notifier on the topic [`Emulator::tap`] made for `cluster`.
    pub async fn notifier_for(&self, cluster: &str) -> SnsNotifier {
        SnsNotifier::new(
            aws_sdk_sns::Client::new(&self.sdk_config().await),
            self.topic_for(cluster),
        )
    }

    /// Receives (and deletes) the SNS envelopes published for `cluster` from the queue that
    /// [`Emulator::tap`] subscribed for it, until `want` arrived or `within` passed.
    pub async fn drain_tap(
        &self,
        cluster: &str,
        want: usize,
        within: Duration,
    ) -> Vec<SnsEnvelope> {
        let url = tap_of(cluster, |t| t.queue_url.clone());
        let sqs = self.sqs().await;
        let deadline = Instant::now() + within;
        let mut mine = Vec::new();
        while mine.len() < want && Instant::now() < deadline {
            let out = sqs
                .receive_message()
                .queue_url(&url)
                .max_number_of_messages(10)
                .wait_time_seconds(1)
                .send()
                .await
                .unwrap_or_else(|e| {
                    panic!(
                        "ReceiveMessage on {url} failed: {}",
                        DisplayErrorContext(&e)
                    )
                });
            for message in out.messages() {
                let body = message.body().unwrap_or_default();
                let envelope: SnsEnvelope = serde_json::from_str(body)
                    .unwrap_or_else(|e| panic!("not an SNS envelope ({e}): {body}"));
                sqs.delete_message()
                    .queue_url(&url)
                    .receipt_handle(message.receipt_handle().unwrap_or_default())
                    .send()
                    .await
                    .expect("DeleteMessage on the tap queue");
                mine.push(envelope);
            }
        }
        mine
    }
}

/// The JSON body SNS delivers to an SQS subscriber when raw delivery is off.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SnsEnvelope {
    #[serde(rename = "Type")]
    pub kind: String,
    pub message_id: String,
    pub topic_arn: String,
    #[serde(default)]
    pub subject: Option<String>,
    pub message: String,
    #[serde(default)]
    pub message_attributes: HashMap<String, EnvelopeAttribute>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EnvelopeAttribute {
    #[serde(rename = "Type")]
    pub kind: String,
    pub value: String,
}

impl SnsEnvelope {
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.message_attributes.get(name).map(|a| a.value.as_str())
    }
}

/// The value of an SDK call that builds a test's world; a failure fails the test with the SDK's
/// whole error chain and what the call was for.
pub fn seeded<T, E: std::error::Error + 'static>(what: &str, result: Result<T, E>) -> T {
    result.unwrap_or_else(|e| {
        panic!(
            "seeding the emulator failed ({what}): {}",
            DisplayErrorContext(&e)
        )
    })
}

/// A short name unique to `namespace`, for resources whose names are limited (target groups:
/// 32 characters), e.g. `tg-9f0c2b1d4e5a6f70`.
pub fn short_name(prefix: &str, namespace: &str) -> String {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let mut h = DefaultHasher::new();
    namespace.hash(&mut h);
    format!("{prefix}-{:016x}", h.finish())
}

/// Milliseconds since the epoch, now. CloudWatch Logs (and the emulator) drop events older than
/// 14 days, so log tests write events around the present.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// A loopback port nothing listens on: connections to it are refused at once.
pub fn closed_port_endpoint() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let port = listener.local_addr().expect("local address").port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}
