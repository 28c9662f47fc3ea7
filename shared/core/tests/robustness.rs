//! Robustness: whatever arrives, the parsers and the classifier never panic, and what they say is
//! safe to print on one line.
//!
//! Events are untrusted input: `stoppedReason` and container reasons carry application text,
//! container names and groups are whatever the task definition author typed, and an operator can
//! paste anything into `ecs-triage classify`. So the generators below put hostile strings (control
//! characters, line and paragraph separators, curly quotes, bidi overrides, case folds that change
//! byte length, up to 10 KB) into every string field, mixed with fragments of real ECS messages so
//! the specific rules, not only the fallback, see them.
//!
//! The default 256 cases per property keep this fast in debug builds; raise them for a long run
//! with `PROPTEST_CASES=20000 cargo test -p ecs-triage-core --release --test robustness`.

use std::path::PathBuf;
use std::sync::OnceLock;

use ecs_triage_core::event::parse_input;
use ecs_triage_core::{assess, parse_event, Assessment, Category};
use proptest::prelude::*;
use proptest::sample::{select, Index};
use serde_json::{json, Map, Value};

// ---------------------------------------------------------------------------------------------
// What every assessment must satisfy.
// ---------------------------------------------------------------------------------------------

/// Control characters (`\n`, `\r`, `\u{85}` among them), and the two Unicode separators that
/// renderers (JavaScript, chat clients, many terminals) also treat as line breaks.
fn breaks_a_line(c: char) -> bool {
    c.is_control() || c == '\u{2028}' || c == '\u{2029}'
}

/// One non-empty line by any renderer's reading.
fn check_single_line(what: &str, s: &str) -> Result<(), TestCaseError> {
    prop_assert!(!s.trim().is_empty(), "{} is empty", what);
    prop_assert!(
        !s.chars().any(breaks_a_line),
        "{} is not a single line free of control characters: {:?}",
        what,
        s
    );
    Ok(())
}

fn check_no_control(what: &str, s: &str) -> Result<(), TestCaseError> {
    prop_assert!(
        !s.chars().any(char::is_control),
        "{} has a control character: {:?}",
        what,
        s
    );
    Ok(())
}

fn check_assessment(a: &Assessment) -> Result<(), TestCaseError> {
    match a {
        Assessment::Classified(c) => {
            let cat: Category = c.category;
            prop_assert_eq!(c.family, cat.family(), "family of {}", cat);
            prop_assert_eq!(c.severity, cat.severity(), "severity of {}", cat);
            prop_assert_eq!(c.expected, cat.expected(), "expected of {}", cat);
            prop_assert_eq!(Category::from_label(cat.label()), Some(cat));
            check_single_line("summary", &c.summary)?;
            for e in &c.evidence {
                check_no_control("evidence field", &e.field)?;
                check_no_control("evidence value", &e.value)?;
                check_no_control("evidence meaning", &e.meaning)?;
            }
            for s in &c.next_steps {
                check_no_control("next-step title", &s.title)?;
                if let Some(cmd) = &s.command {
                    check_no_control("next-step command", cmd)?;
                }
            }
        }
        Assessment::Recovery(r) => check_single_line("recovery summary", &r.summary)?,
        // `classify --json` writes the reason as the `summary`.
        Assessment::Informational { reason, .. } => {
            check_single_line("informational reason", reason)?;
        }
    }
    // The JSON contract of `classify --json` can always be written.
    prop_assert!(serde_json::to_string(a).is_ok());
    Ok(())
}

/// Parses through both entry points; whatever parses must assess cleanly.
fn parse_and_check(bytes: &[u8]) -> Result<(), TestCaseError> {
    if let Ok(event) = parse_event(bytes) {
        check_assessment(&assess(&event))?;
    }
    if let Ok((_, events)) = parse_input(bytes) {
        for event in &events {
            check_assessment(&assess(event))?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Hostile strings.
// ---------------------------------------------------------------------------------------------

/// Longest generated string, in bytes.
const MAX_LEN: usize = 10 * 1024;

fn hostile_char() -> impl Strategy<Value = char> {
    prop_oneof![
        8 => prop::char::range(' ', '~'),
        2 => select(vec![
            '\0', '\t', '\n', '\r', '\u{0b}', '\u{0c}', '\u{1b}', '\u{7f}', '\u{85}', '\u{9b}',
        ]),
        2 => select(vec![
            '\u{2018}', '\u{2019}', '\u{201c}', '\u{201d}', '\u{2032}', '`', '\u{2013}',
            '\u{2014}', '\u{2026}', '\u{2028}', '\u{2029}', '\u{200b}', '\u{202e}', '\u{feff}',
            '\u{a0}', '\u{3000}', 'İ', 'ẞ', 'Σ', 'ﬁ', 'é', '日', '🦀',
            '\'', '"', '\\', '$', ';',
        ]),
        1 => any::<char>(),
    ]
}

/// Messages ECS really writes (from `events/` and the rule modules' citations), so generated
/// reasons reach the specific rules and their next steps.
fn fragments() -> Vec<String> {
    static FRAGMENTS: OnceLock<Vec<String>> = OnceLock::new();
    FRAGMENTS
        .get_or_init(|| {
            let mut out: Vec<String> = [
                "Essential container in task exited",
                "Task failed to start",
                "CannotPullContainerError: ",
                "CannotStartContainerError: ",
                "ResourceInitializationError: unable to pull secrets or registry auth: ",
                "execution resource retrieval failed: ",
                "pull image manifest has been retried 5 time(s): ",
                "failed to resolve ref docker.io/library/app:latest: not found",
                "403 Forbidden",
                "toomanyrequests",
                "no space left on device",
                "i/o timeout",
                "context deadline exceeded",
                "AccessDeniedException: User: arn:aws:sts::111122223333:assumed-role/",
                " is not authorized to perform: secretsmanager:GetSecretValue on resource: ",
                "arn:aws:secretsmanager:us-east-1:111122223333:secret:",
                "arn:aws:ssm:us-east-1:111122223333:parameter/",
                "arn:aws:iam::111122223333:role/",
                "OutOfMemoryError: Container killed due to memory usage",
                "exec format error",
                "executable file not found in $PATH",
                "Task failed ELB health checks in (target-group arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/",
                "Task failed container health checks",
                "Scaling activity initiated by (deployment ecs-svc/",
                "Service ",
                "ECS is performing maintenance on the underlying infrastructure hosting the task",
                "Your Spot Task was interrupted.",
                "Host EC2 (instance i-0123456789abcdef0) terminated.",
                "Container instance deregistration forced by user",
                "Timeout waiting for network interface provisioning to complete.",
                "ResourceNotFoundException: The specified log group does not exist.",
                "failed to initialize logging driver",
                "RESOURCE:MEMORY",
                "RESOURCE:FARGATE",
                "AGENT",
                "ATTRIBUTE",
                "ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/",
                "Bind for 0.0.0.0:80 failed: port is already allocated",
                "DockerTimeoutError",
                "CannotInspectContainerError",
                "InternalError",
                "mount.nfs4: Connection timed out",
                "devmapper",
                "Task stopped by user",
                "111122223333.dkr.ecr.us-east-1.amazonaws.com/",
                "docker.io/",
                ":latest",
                "@sha256:",
                ": ",
                "/",
            ]
            .into_iter()
            .map(str::to_owned)
            .collect();
            out.extend(corpus_messages());
            out.sort();
            out.dedup();
            out
        })
        .clone()
}

fn events_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../events")
}

/// The `events/` files, read once.
fn corpus() -> &'static [(String, Vec<u8>)] {
    static CORPUS: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let dir = events_dir();
        let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("expected the events directory {}: {e}", dir.display()))
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .map(|p| {
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                (name, std::fs::read(&p).unwrap())
            })
            .collect();
        files.sort();
        assert!(!files.is_empty(), "expected events in {}", dir.display());
        files
    })
}

/// Every reason and stop reason in the corpus.
fn corpus_messages() -> Vec<String> {
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                for (k, v) in map {
                    if matches!(k.as_str(), "stoppedReason" | "reason") {
                        if let Some(s) = v.as_str() {
                            out.push(s.to_owned());
                        }
                    }
                    walk(v, out);
                }
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for (_, bytes) in corpus() {
        if let Ok(v) = serde_json::from_slice::<Value>(bytes) {
            walk(&v, &mut out);
        }
    }
    out
}

fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::collection::vec(hostile_char(), 0..24).prop_map(String::from_iter),
        select(fragments()),
    ]
}

/// `piece` repeated up to `len` bytes (cut at a character boundary).
fn long(piece: &str, len: usize) -> String {
    if piece.is_empty() {
        return String::new();
    }
    let mut s = piece.repeat(len / piece.len() + 1);
    let mut cut = len.min(s.len());
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    s.truncate(cut);
    s
}

fn hostile_string() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => prop::collection::vec(piece(), 0..4).prop_map(|p| p.concat()),
        1 => (piece(), 1..=MAX_LEN).prop_map(|(p, n)| long(&p, n)),
        1 => Just(String::new()),
    ]
}

/// `null` or a hostile string.
fn opt_string() -> impl Strategy<Value = Value> {
    prop_oneof![
        1 => Just(Value::Null),
        5 => hostile_string().prop_map(Value::String),
    ]
}

/// A hostile string or one of the values the field usually holds.
fn usual_or_hostile(usual: &'static [&'static str]) -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => select(usual).prop_map(Value::from),
        2 => opt_string(),
    ]
}

fn prefixed(prefixes: &'static [&'static str]) -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => (select(prefixes), hostile_string()).prop_map(|(p, s)| Value::from(format!("{p}{s}"))),
        1 => opt_string(),
    ]
}

/// A well-formed ARN of `kind` with hostile parts, or just a hostile string.
fn arn(kind: &'static str) -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => (hostile_string(), hostile_string(), hostile_string()).prop_map(
            move |(region, cluster, id)| {
                Value::from(format!("arn:aws:ecs:{region}:111122223333:{kind}/{cluster}/{id}"))
            }
        ),
        2 => Just(Value::from(format!(
            "arn:aws:ecs:us-east-1:111122223333:{kind}/prod/0123456789abcdef"
        ))),
        1 => opt_string(),
    ]
}

fn task_definition_arn() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => (hostile_string(), any::<u32>()).prop_map(|(family, rev)| {
            let arn = "arn:aws:ecs:us-east-1:111122223333:task-definition";
            Value::from(format!("{arn}/{family}:{rev}"))
        }),
        1 => opt_string(),
    ]
}

/// An exit code as ECS writes it (a number or `null`), as other sources do (a numeric string),
/// or absent.
fn exit_code() -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        2 => Just(None),
        2 => Just(Some(Value::Null)),
        4 => select(vec![0i64, 1, 2, 126, 127, 134, 137, 139, 143, 255, -1])
            .prop_map(|c| Some(Value::from(c))),
        2 => any::<i64>().prop_map(|c| Some(Value::from(c))),
        1 => any::<i64>().prop_map(|c| Some(Value::from(c.to_string()))),
    ]
}

fn container() -> impl Strategy<Value = Value> {
    (
        prop_oneof![
            2 => select(&["app", "web", "envoy", "log_router", "xray-daemon", "datadog-agent"][..])
                .prop_map(Value::from),
            3 => opt_string(),
        ],
        opt_string(),
        opt_string(),
        exit_code(),
        usual_or_hostile(&["STOPPED", "RUNNING", "PENDING"]),
        arn("container"),
    )
        .prop_map(|(name, image, reason, exit, last_status, container_arn)| {
            let mut c = Map::new();
            c.insert("containerArn".into(), container_arn);
            c.insert("name".into(), name);
            c.insert("image".into(), image);
            c.insert("reason".into(), reason);
            c.insert("lastStatus".into(), last_status);
            if let Some(exit) = exit {
                c.insert("exitCode".into(), exit);
            }
            Value::Object(c)
        })
}

/// `resources` as EventBridge writes it: a list of ARN strings, empty when there is none.
fn resources(arn: Value) -> Value {
    match arn {
        Value::String(s) => json!([s]),
        _ => json!([]),
    }
}

fn envelope(detail_type: &str, resources: Value, region: Value, detail: Value) -> Value {
    json!({
        "version": "0",
        "id": "5558d693-6b14-479a-ba51-890c99b6a74b",
        "detail-type": detail_type,
        "source": "aws.ecs",
        "account": "111122223333",
        "time": "2025-04-30T01:43:02Z",
        "region": region,
        "resources": resources,
        "detail": detail,
    })
}

fn task_event() -> impl Strategy<Value = (Value, Value)> {
    let ids = (
        arn("task"),
        arn("cluster"),
        task_definition_arn(),
        prefixed(&["service:", "family:"]),
        prefixed(&["ecs-svc/", ""]),
        opt_string(),
    );
    let stop = (
        usual_or_hostile(&[
            "TaskFailedToStart",
            "EssentialContainerExited",
            "UserInitiated",
            "ServiceSchedulerInitiated",
            "SpotInterruption",
            "TerminationNotice",
        ]),
        opt_string(),
        usual_or_hostile(&["STOPPED", "STOPPED", "DEPROVISIONING", "RUNNING"]),
        usual_or_hostile(&["FARGATE", "EC2", "EXTERNAL"]),
        usual_or_hostile(&["FARGATE", "FARGATE_SPOT"]),
        opt_string(),
    );
    (
        ids,
        stop,
        prop::collection::vec(container(), 0..=6),
        opt_string(),
    )
        .prop_map(|(ids, stop, containers, subnet)| {
            let (task_arn, cluster_arn, task_definition_arn, group, started_by, region) = ids;
            let (stop_code, stopped_reason, last_status, launch_type, capacity_provider, az) = stop;
            let detail = json!({
                "taskArn": task_arn,
                "clusterArn": cluster_arn,
                "taskDefinitionArn": task_definition_arn,
                "group": group,
                "startedBy": started_by,
                "stopCode": stop_code,
                "stoppedReason": stopped_reason,
                "lastStatus": last_status,
                "desiredStatus": "STOPPED",
                "launchType": launch_type,
                "capacityProviderName": capacity_provider,
                "availabilityZone": az,
                "attachments": [{
                    "id": "d7c8c969-c613-4c89-b17e-d7ac40c3107b",
                    "type": "eni",
                    "details": [{"name": "subnetId", "value": subnet}],
                }],
                "containers": containers,
            });
            let resources = resources(task_arn);
            let event = envelope("ECS Task State Change", resources, region, detail.clone());
            (event, detail)
        })
}

fn service_arn() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => (hostile_string(), hostile_string()).prop_map(|(cluster, service)| {
            Value::from(format!("arn:aws:ecs:us-east-1:111122223333:service/{cluster}/{service}"))
        }),
        1 => hostile_string().prop_map(|service| {
            Value::from(format!("arn:aws:ecs:us-east-1:111122223333:service/{service}"))
        }),
        1 => opt_string(),
    ]
}

fn service_action_event() -> impl Strategy<Value = (Value, Value)> {
    (
        usual_or_hostile(&[
            "SERVICE_STEADY_STATE",
            "SERVICE_TASK_PLACEMENT_FAILURE",
            "SERVICE_TASK_START_IMPAIRED",
            "SERVICE_TASK_CONFIGURATION_FAILURE",
            "ECS_OPERATION_THROTTLED",
            "SERVICE_DISCOVERY_OPERATION_THROTTLED",
            "CAPACITY_PROVIDER_STEADY_STATE",
        ]),
        usual_or_hostile(&["INFO", "WARN", "ERROR"]),
        opt_string(),
        arn("cluster"),
        service_arn(),
        opt_string(),
    )
        .prop_map(
            |(event_name, event_type, reason, cluster_arn, service_arn, region)| {
                let detail = json!({
                    "eventType": event_type,
                    "eventName": event_name,
                    "clusterArn": cluster_arn,
                    "reason": reason,
                    "createdAt": "2024-12-02T03:20:41.377Z",
                });
                let event = envelope(
                    "ECS Service Action",
                    resources(service_arn),
                    region,
                    detail.clone(),
                );
                (event, detail)
            },
        )
}

fn deployment_event() -> impl Strategy<Value = (Value, Value)> {
    (
        usual_or_hostile(&[
            "SERVICE_DEPLOYMENT_IN_PROGRESS",
            "SERVICE_DEPLOYMENT_COMPLETED",
            "SERVICE_DEPLOYMENT_FAILED",
        ]),
        usual_or_hostile(&["INFO", "ERROR"]),
        prefixed(&["ecs-svc/"]),
        opt_string(),
        service_arn(),
        opt_string(),
    )
        .prop_map(
            |(event_name, event_type, deployment_id, reason, service_arn, region)| {
                let detail = json!({
                    "eventType": event_type,
                    "eventName": event_name,
                    "deploymentId": deployment_id,
                    "updatedAt": "2025-03-04T14:26:51Z",
                    "reason": reason,
                });
                let event = envelope(
                    "ECS Deployment State Change",
                    resources(service_arn),
                    region,
                    detail.clone(),
                );
                (event, detail)
            },
        )
}

/// Parses a generated well-formed event and its bare detail; both must parse.
fn parse_generated(event: &Value, detail: &Value) -> Result<Vec<Assessment>, TestCaseError> {
    let bytes = serde_json::to_vec(event).unwrap();
    let parsed = parse_event(&bytes);
    prop_assert!(
        parsed.is_ok(),
        "a well-formed event did not parse: {:?}",
        parsed.err()
    );
    let mut out = vec![assess(&parsed.unwrap())];
    // An eventName that is not a string cannot say which kind a bare detail is.
    if detail.get("eventName").is_some_and(|n| !n.is_string()) {
        return Ok(out);
    }
    let bare = parse_input(&serde_json::to_vec(detail).unwrap());
    prop_assert!(
        bare.is_ok(),
        "a well-formed bare detail did not parse: {:?}",
        bare.err()
    );
    out.extend(bare.unwrap().1.iter().map(assess));
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// JSON-shaped noise: the right keys with the wrong kinds of values.
// ---------------------------------------------------------------------------------------------

const KEYS: &[&str] = &[
    "taskArn",
    "clusterArn",
    "taskDefinitionArn",
    "containers",
    "name",
    "image",
    "exitCode",
    "reason",
    "stopCode",
    "stoppedReason",
    "lastStatus",
    "group",
    "startedBy",
    "launchType",
    "createdAt",
    "stoppedAt",
    "version",
    "cpu",
    "memory",
    "attachments",
    "details",
    "value",
    "type",
    "ephemeralStorage",
    "sizeInGiB",
    "networkBindings",
    "hostPort",
    "eventName",
    "eventType",
    "deploymentId",
    "desiredCount",
    "tasks",
    "detail",
    "detail-type",
    "source",
    "resources",
    "region",
];

fn json_noise() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        select(vec![
            0.0,
            -0.5,
            1e13,
            -1e13,
            1.0e13 + 1.0,
            9.0e15,
            1e300,
            137.0
        ])
        .prop_map(Value::from),
        hostile_string().prop_map(Value::String),
        select(vec![
            "aws.ecs",
            "ECS Task State Change",
            "ECS Service Action",
            "ECS Deployment State Change",
            "STOPPED",
            "2024-02-29T12:34:56.789Z",
            "137"
        ])
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 48, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![4 => select(KEYS).prop_map(str::to_owned), 1 => hostile_string()],
                    inner
                ),
                0..8
            )
            .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// An `aws.ecs` envelope whose detail is noise.
fn noisy_event() -> impl Strategy<Value = Value> {
    (
        select(
            &[
                "ECS Task State Change",
                "ECS Service Action",
                "ECS Deployment State Change",
                "ECS Container Instance State Change",
            ][..],
        ),
        json_noise(),
        json_noise(),
    )
        .prop_map(|(detail_type, detail, resources)| {
            json!({
                "detail-type": detail_type,
                "source": "aws.ecs",
                "resources": resources,
                "detail": detail,
            })
        })
}

/// A real event with bytes overwritten and possibly truncated.
fn mutated_real_event() -> impl Strategy<Value = Vec<u8>> {
    (
        any::<Index>(),
        prop::collection::vec((any::<Index>(), any::<u8>()), 0..8),
        prop::option::of(any::<Index>()),
    )
        .prop_map(|(which, edits, cut)| {
            let files = corpus();
            let mut bytes = files[which.index(files.len())].1.clone();
            for (at, b) in edits {
                let i = at.index(bytes.len());
                bytes[i] = b;
            }
            if let Some(cut) = cut {
                bytes.truncate(cut.index(bytes.len() + 1));
            }
            bytes
        })
}

// ---------------------------------------------------------------------------------------------
// The properties.
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::default())]

    #[test]
    fn arbitrary_bytes_never_panic_the_parsers(
        bytes in prop::collection::vec(any::<u8>(), 0..512)
    ) {
        parse_and_check(&bytes)?;
    }

    #[test]
    fn arbitrary_text_never_panics_the_parsers(text in hostile_string()) {
        parse_and_check(text.as_bytes())?;
        parse_and_check(format!("{{\"stoppedReason\": {text:?}}}").as_bytes())?;
    }

    #[test]
    fn mutated_real_events_never_panic(bytes in mutated_real_event()) {
        parse_and_check(&bytes)?;
    }

    #[test]
    fn json_noise_never_panics_and_what_parses_is_clean(
        event in noisy_event(),
        bare in json_noise()
    ) {
        parse_and_check(&serde_json::to_vec(&event).unwrap())?;
        parse_and_check(&serde_json::to_vec(&bare).unwrap())?;
        parse_and_check(&serde_json::to_vec(&json!({ "tasks": [bare] })).unwrap())?;
    }

    #[test]
    fn hostile_task_events_are_classified_into_clean_single_line_output(
        (event, detail) in task_event()
    ) {
        for a in parse_generated(&event, &detail)? {
            check_assessment(&a)?;
        }
    }

    #[test]
    fn hostile_service_actions_are_assessed_into_clean_single_line_output(
        (event, detail) in service_action_event()
    ) {
        for a in parse_generated(&event, &detail)? {
            check_assessment(&a)?;
        }
    }

    #[test]
    fn hostile_deployment_events_are_assessed_into_clean_single_line_output(
        (event, detail) in deployment_event()
    ) {
        for a in parse_generated(&event, &detail)? {
            check_assessment(&a)?;
        }
    }
}
