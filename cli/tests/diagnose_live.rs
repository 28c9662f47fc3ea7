//! `ecs-triage diagnose` as an operator runs it: the built binary, configured only through the
//! standard AWS environment (`AWS_ENDPOINT_URL`, `AWS_REGION`, access keys), against the local
//! emulator, on a task seeded through the SDK: an ECR image whose tag does not exist.
//!
//! The emulator is started (or reused) by `scripts/emulator start`, as in the integration tests;
//! when it cannot start, every test fails with the reason.

use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_ecs::config::Credentials;
use aws_sdk_ecs::types::{Compatibility, ContainerDefinition, LaunchType, NetworkMode};
use serde_json::{json, Value};

struct Emulator {
    endpoint: String,
    region: String,
}

fn emulator() -> &'static Emulator {
    static EMULATOR: OnceLock<Result<Emulator, String>> = OnceLock::new();
    let started = EMULATOR.get_or_init(|| {
        let vars = integration_tests::start_emulator()?;
        let get = |k: &str| {
            vars.get(k)
                .cloned()
                .ok_or_else(|| format!("`scripts/emulator start` printed no {k}"))
        };
        Ok(Emulator {
            endpoint: get("AWS_ENDPOINT_URL")?,
            region: get("AWS_REGION")?,
        })
    });
    match started {
        Ok(e) => e,
        Err(why) => panic!("the AWS emulator is not available, so this test cannot run: {why}"),
    }
}

async fn sdk() -> SdkConfig {
    let emu = emulator();
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(&emu.endpoint)
        .region(Region::new(emu.region.clone()))
        .credentials_provider(Credentials::new(
            "testing",
            "testing",
            None,
            None,
            "cli-tests",
        ))
        .load()
        .await
}

fn unique(test: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "cli-{test}-{:x}-{}",
        nanos & 0xff_ffff_ffff,
        std::process::id()
    )
}

/// A task of service `web` whose image tag `missing` is not in its ECR repository
/// (which has `v1`), stopped with the message ECS writes for it. Returns (cluster, task ARN).
async fn task_with_a_missing_tag(test: &str) -> (String, String) {
    let sdk = sdk().await;
    let (ecs, ecr) = (
        aws_sdk_ecs::Client::new(&sdk),
        aws_sdk_ecr::Client::new(&sdk),
    );
    let cluster = unique(test);
    let repo = ecr
        .create_repository()
        .repository_name(format!("team/{cluster}"))
        .send()
        .await
        .expect("CreateRepository")
        .repository
        .and_then(|r| r.repository_uri)
        .expect("a repository URI");
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 7023,
                   "digest": format!("sha256:{}", "a".repeat(64))},
        "layers": []
    });
    ecr.put_image()
        .repository_name(format!("team/{cluster}"))
        .image_manifest(manifest.to_string())
        .image_tag("v1")
        .send()
        .await
        .expect("PutImage");
    ecs.create_cluster()
        .cluster_name(&cluster)
        .send()
        .await
        .expect("CreateCluster");
    // An EC2 cluster of one instance: moto 5.2.5 cannot run an awsvpc task (its ENI lacks
    // `private_dns_name`), and an image check does not need one.
    let instance = aws_sdk_ec2::Client::new(&sdk)
        .run_instances()
        .image_id("ami-12c6146b")
        .min_count(1)
        .max_count(1)
        .send()
        .await
        .expect("RunInstances")
        .instances()
        .first()
        .and_then(|i| i.instance_id())
        .expect("an instance ID")
        .to_owned();
    ecs.register_container_instance()
        .cluster(&cluster)
        .instance_identity_document(
            json!({ "instanceId": instance, "region": emulator().region }).to_string(),
        )
        .send()
        .await
        .expect("RegisterContainerInstance");
    let image = format!("{repo}:missing");
    let td = ecs
        .register_task_definition()
        .family(&cluster)
        .network_mode(NetworkMode::Bridge)
        .requires_compatibilities(Compatibility::Ec2)
        .container_definitions(
            ContainerDefinition::builder()
                .name("app")
                .image(&image)
                .essential(true)
                // moto sums the containers' own cpu and memory to place a task.
                .cpu(256)
                .memory(512)
                .build(),
        )
        .send()
        .await
        .expect("RegisterTaskDefinition")
        .task_definition
        .and_then(|t| t.task_definition_arn)
        .expect("a task definition ARN");
    let task = ecs
        .run_task()
        .cluster(&cluster)
        .task_definition(&td)
        .launch_type(LaunchType::Ec2)
        .group("service:web")
        .started_by("ecs-svc/1234567890123456789")
        .send()
        .await
        .expect("RunTask")
        .tasks()
        .first()
        .and_then(|t| t.task_arn())
        .expect("RunTask placed a task")
        .to_owned();
    // The format of the agent's message for a tag that is not in the repository (AWS knowledge
    // center, "CannotPullContainerError … not found").
    let reason = format!(
        "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to \
         resolve ref {image}: {image}: not found"
    );
    ecs.stop_task()
        .cluster(&cluster)
        .task(&task)
        .reason(reason)
        .send()
        .await
        .expect("StopTask");
    (cluster, task)
}

/// Runs the binary with a clean environment: only the standard AWS variables, and a HOME with
/// no `~/.aws`, so nothing but the environment configures it.
fn ecs_triage(endpoint: &str, args: &[&str]) -> Output {
    let home = std::env::temp_dir().join("ecs-triage-cli-tests-home");
    let _ = std::fs::create_dir_all(&home);
    Command::new(env!("CARGO_BIN_EXE_ecs-triage"))
        .args(args)
        .env_clear()
        .env("HOME", &home)
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_REGION", &emulator().region)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .expect("the ecs-triage binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn a_task_with_a_missing_image_tag_is_diagnosed_from_the_environment_alone() {
    let (cluster, task) = task_with_a_missing_tag("json").await;
    let id = task.rsplit('/').next().unwrap_or(&task).to_owned();
    let out = ecs_triage(
        &emulator().endpoint,
        &["diagnose", "--cluster", &cluster, "--task", &id, "--json"],
    );
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "exit {}: {stderr}", out.status);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "one JSON line per task: {stdout}");
    let v: Value = serde_json::from_str(lines[0]).expect("a JSON object");
    assert_eq!(v["kind"], "classified", "{v:#}");
    assert_eq!(v["category"], "image_pull_not_found", "{v:#}");
    assert_eq!(v["input"], task.as_str(), "{v:#}");
    assert_eq!(v["subject"]["cluster"], cluster.as_str(), "{v:#}");
    let findings = v["findings"].as_array().expect("findings");
    let image = findings
        .iter()
        .find(|f| f["check"] == "image" && f["verdict"] == "problem")
        .unwrap_or_else(|| panic!("no image problem among {findings:#?}"));
    let summary = image["summary"].as_str().unwrap_or_default();
    assert!(summary.contains("missing"), "{summary}");
    // The task definition was read too (the image check needs it), and nothing failed to run.
    assert!(
        !findings.iter().any(|f| f["verdict"] == "could_not_check"),
        "every check could run against the emulator: {findings:#?}"
    );
}

#[tokio::test]
async fn a_services_stopped_tasks_get_the_human_report_with_what_was_checked() {
    let (cluster, task) = task_with_a_missing_tag("human").await;
    let out = ecs_triage(
        &emulator().endpoint,
        &["diagnose", "--cluster", &cluster, "--service", "web"],
    );
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "exit {}: {stderr}", out.status);
    assert!(
        stdout.starts_with(&format!("{task}: image_pull_not_found")),
        "{stdout}"
    );
    assert!(stdout.contains("What we checked:"), "{stdout}");
    assert!(stdout.contains("[problem] image:"), "{stdout}");
    assert!(stdout.contains("Next steps:"), "{stdout}");
}

#[tokio::test]
async fn an_unknown_task_exits_1_naming_it_with_nothing_on_stdout() {
    let (cluster, _) = task_with_a_missing_tag("unknown").await;
    let out = ecs_triage(
        &emulator().endpoint,
        &[
            "diagnose",
            "--cluster",
            &cluster,
            "--task",
            "0123456789abcdef0123456789abcdef",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("task 0123456789abcdef0123456789abcdef was not found in cluster"),
        "{stderr}"
    );
}

#[tokio::test]
async fn an_unreachable_endpoint_exits_1_with_the_reason() {
    // A port nothing listens on: the connection is refused at once, on every retry.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| format!("http://{a}"))
        .expect("a free port");
    let out = ecs_triage(
        &closed,
        &[
            "diagnose",
            "--cluster",
            "prod",
            "--task",
            "0123456789abcdef",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("could not read task 0123456789abcdef in cluster prod"),
        "{stderr}"
    );
}
