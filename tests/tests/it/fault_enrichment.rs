//! The fault matrix for the responder's enrichment dependencies (issue 7, "The fault matrix":
//! "an enrichment dependency failing → the incident is stored and notified, with a 'could not
//! check' finding naming the dependency and the error"). One test per (dependency, fault); each
//! builds a complete world, sends the readers' requests through the [`FaultProxy`] with the
//! fault on one service only, and runs the real handler (store and notifier on the emulator).
//!
//! A fault for the first call only (throttling, a 5xx, a reset) must be absorbed by the SDK's
//! retry: no "could not check" finding names that dependency then.

use std::time::Duration;

use aws_sdk_applicationautoscaling::types::{ScalableDimension, ServiceNamespace};
use aws_sdk_ecs::types::Secret;
use ecs_triage_aws::client::ClientSettings;
use ecs_triage_core::diagnose::{Finding, Verdict};
use ecs_triage_core::incident::NotificationKind;
use ecs_triage_core::respond::Action;
use serde_json::json;

use crate::diagnose_world::{app, app_stream, container, log_group, register, stopped};
use crate::fault_proxy::{Fault, FaultProxy, Times};
use crate::harness::{emulator, now_ms, sdk_config_at, seeded};
use crate::world::{
    ecr_image, ecr_repository, execution_role, log_stream, network, secret_arn, service,
    target_group, task_id, Egress, Report, StoppedTask, Triage, ACCOUNT, SERVICE,
};

/// Which stop makes the responder call a dependency (diagnose/plan.rs).
#[derive(Debug, Clone, Copy)]
enum Stop {
    /// `elb_health_check_failed`: load balancer, logs, task definition, deployment, capacity.
    ElbHealth,
    /// `secrets_access_denied`: network, IAM, task definition.
    SecretDenied,
    /// `image_pull_not_found`: image, task definition, deployment.
    PullNotFound,
}

/// The readers' client: one retry. Under an injected latency, short timeouts, so it ends in a
/// timeout well inside the checks' budget; otherwise generous ones, because the emulator serves
/// one request at a time and a full test run keeps it busy (a slow answer must not pass for a
/// fault).
fn readers_settings(fault: Fault) -> ClientSettings {
    match fault {
        Fault::Latency(_) => ClientSettings {
            connect_timeout: Duration::from_secs(2),
            attempt_timeout: Duration::from_secs(3),
            operation_timeout: Duration::from_secs(8),
            max_attempts: 2,
        },
        _ => ClientSettings {
            connect_timeout: Duration::from_secs(5),
            attempt_timeout: Duration::from_secs(20),
            operation_timeout: Duration::from_secs(45),
            max_attempts: 2,
        },
    }
}

/// A world every check can read (image, role, task definition with logs and a secret, NAT
/// network, target group, service, scalable target, log stream), the stop `stop` of one of its
/// tasks, and the responder run on it with the readers behind `proxy`.
async fn run(test: &str, stop: Stop, proxy: &FaultProxy, fault: Fault) -> Report {
    let t = Triage::new(test).await;
    let repo = format!("team/{}", t.cluster);
    ecr_repository(&repo, "3.1.0").await;
    let secret = secret_arn(&format!("{}/db", t.cluster));
    let role_name = format!("{}-exec", t.cluster);
    let role = execution_role(
        &role_name,
        Some(
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Action": "ssm:GetParameters", "Resource": "*"}]}),
        ),
    )
    .await;
    let tag = match stop {
        Stop::PullNotFound => "3.2.0",
        _ => "3.1.0",
    };
    let image = ecr_image(&repo, tag);
    let td = register(
        &t.cluster,
        app(&t.cluster, &image)
            .secrets(
                Secret::builder()
                    .name("DB_PASSWORD")
                    .value_from(&secret)
                    .build()
                    .expect("complete"),
            )
            .build(),
        &role,
    )
    .await;
    let net = network(&t.cluster, Egress::Nat, true).await;
    let tg = target_group(&t.cluster, &net.vpc).await;
    let deployment = service(&t.cluster, &td, 2, Some(&net), Some(&tg)).await;
    seeded(
        "RegisterScalableTarget",
        emulator()
            .autoscaling()
            .await
            .register_scalable_target()
            .service_namespace(ServiceNamespace::Ecs)
            .resource_id(format!("service/{}/{SERVICE}", t.cluster))
            .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
            .min_capacity(2)
            .max_capacity(6)
            .send()
            .await,
    );
    let stopped_at = now_ms() - 5_000;
    let base = stopped(&t, &td, &deployment, &net);
    let task = match stop {
        Stop::ElbHealth => {
            log_stream(
                &log_group(&t.cluster),
                &app_stream(&base.task_id),
                &["GET /health 503"],
                stopped_at - 30_000,
            )
            .await;
            StoppedTask {
                containers: vec![container(&image, Some(137), None)],
                stop_code: "ServiceSchedulerInitiated".to_owned(),
                stopped_reason: format!("Task failed ELB health checks in (target-group {tg})"),
                started_at_ms: Some(stopped_at - 120_000),
                stopped_at_ms: stopped_at,
                ..base
            }
        }
        Stop::SecretDenied => StoppedTask {
            containers: vec![container(&image, None, None)],
            stopped_reason: format!(
                "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch secret {secret} from secrets manager: api error AccessDeniedException: User: arn:aws:sts::{ACCOUNT}:assumed-role/{role_name}/{} is not authorized to perform: secretsmanager:GetSecretValue on resource: {secret}",
                task_id(&t.cluster)
            ),
            ..base
        },
        Stop::PullNotFound => StoppedTask {
            containers: vec![container(&image, None, None)],
            stopped_reason: format!(
                "CannotPullContainerError: pull image manifest has been retried 1 time(s): failed to resolve ref {image}: {image}: not found"
            ),
            ..base
        },
    };
    let readers = sdk_config_at(proxy.endpoint(), &readers_settings(fault)).await;
    let r = t.run(&task.event(), &readers).await;
    // Whatever the checks met, the stop is recorded and announced once.
    assert_eq!(r.outcome.action, Action::Recorded, "{:?}", r.outcome);
    assert_eq!(
        r.outcome.notified,
        [NotificationKind::Opened],
        "{:?}",
        r.outcome
    );
    r
}

/// The "could not check" findings that name `service` (a port error reads "<service> is
/// temporarily unavailable (<Operation>)…" or "<service> refused <Operation>…").
fn naming<'a>(r: &'a Report, service: &str) -> Vec<&'a Finding> {
    let named = |f: &&Finding| {
        let text = format!("{} {}", f.summary, f.details.join(" "));
        text.contains(&format!("{service} is temporarily unavailable"))
            || text.contains(&format!("{service} refused"))
    };
    r.findings()
        .iter()
        .filter(|f| f.verdict == Verdict::CouldNotCheck)
        .filter(named)
        .collect()
}

/// The words the finding's error must carry for `fault`.
fn error_words(fault: Fault) -> &'static [&'static str] {
    match fault {
        // EC2 says RequestLimitExceeded; the others Throttling(Exception).
        Fault::Throttle => &[],
        Fault::ServerError => &["temporarily unavailable"],
        Fault::AccessDenied => &["refused", "not authorized"],
        Fault::Malformed => &[],
        // Either the SDK gives up (temporarily unavailable) or the check runs out of time.
        Fault::Latency(_) => &[],
        Fault::Reset => &["temporarily unavailable"],
    }
}

async fn always(test: &str, service: &str, stop: Stop, fault: Fault) {
    let proxy = FaultProxy::start(&emulator().endpoint).await;
    proxy.inject(service, None, fault, Times::Always);
    let r = run(test, stop, &proxy, fault).await;
    assert!(
        proxy.calls(service, None) > 0,
        "the stop made no {service} call"
    );
    let mut named = naming(&r, service);
    if matches!(fault, Fault::Latency(_)) {
        // A check that calls a slow dependency several times runs out of its budget before the
        // SDK gives up: then the check's own finding says so (the invocation still finishes).
        named.extend(r.findings().iter().filter(|f| {
            f.verdict == Verdict::CouldNotCheck && f.summary.contains("timed out after")
        }));
    }
    if fault == Fault::Throttle {
        assert!(
            named.iter().any(|f| {
                let text = format!("{} {}", f.summary, f.details.join(" "));
                text.contains("Throttling") || text.contains("RequestLimitExceeded")
            }),
            "{service} throttled: no finding says so:\n{}",
            r.dump()
        );
    }
    assert!(
        !named.is_empty(),
        "no 'could not check' finding names {service} under {fault:?}; the findings:\n{}",
        r.dump()
    );
    for w in error_words(fault) {
        assert!(
            named
                .iter()
                .any(|f| format!("{} {}", f.summary, f.details.join(" ")).contains(w)),
            "{service} under {fault:?}: no finding says {w:?}:\n{}",
            r.dump()
        );
    }
}

async fn first_call_only(test: &str, service: &str, stop: Stop, fault: Fault) {
    let proxy = FaultProxy::start(&emulator().endpoint).await;
    proxy.inject(service, None, fault, Times::First(1));
    let r = run(test, stop, &proxy, fault).await;
    assert!(
        proxy.calls(service, None) >= 2,
        "the SDK retried the {service} call ({} calls)",
        proxy.calls(service, None)
    );
    let named = naming(&r, service);
    assert!(
        named.is_empty(),
        "a retried {fault:?} on {service} still failed a check:\n{}",
        r.dump()
    );
}

const LATE: Duration = Duration::from_secs(4);

/// One test per (dependency, fault): `always` for the six faults, `first` for the three the
/// SDK retries.
macro_rules! matrix {
    ($($name:ident: $service:literal, $stop:expr;)*) => {
        $(
            mod $name {
                use super::*;

                #[tokio::test]
                async fn throttled_always() {
                    always(concat!("f-", stringify!($name), "-thr"), $service, $stop, Fault::Throttle).await;
                }
                #[tokio::test]
                async fn server_error_always() {
                    always(concat!("f-", stringify!($name), "-5xx"), $service, $stop, Fault::ServerError).await;
                }
                #[tokio::test]
                async fn access_denied() {
                    always(concat!("f-", stringify!($name), "-ad"), $service, $stop, Fault::AccessDenied).await;
                }
                #[tokio::test]
                async fn malformed_body() {
                    always(concat!("f-", stringify!($name), "-mal"), $service, $stop, Fault::Malformed).await;
                }
                #[tokio::test]
                async fn latency_beyond_the_timeouts() {
                    always(concat!("f-", stringify!($name), "-lat"), $service, $stop, Fault::Latency(LATE)).await;
                }
                #[tokio::test]
                async fn connection_reset() {
                    always(concat!("f-", stringify!($name), "-rst"), $service, $stop, Fault::Reset).await;
                }
                #[tokio::test]
                async fn throttled_once_is_retried() {
                    first_call_only(concat!("f-", stringify!($name), "-thr1"), $service, $stop, Fault::Throttle).await;
                }
                #[tokio::test]
                async fn server_error_once_is_retried() {
                    first_call_only(concat!("f-", stringify!($name), "-5xx1"), $service, $stop, Fault::ServerError).await;
                }
                #[tokio::test]
                async fn reset_once_is_retried() {
                    first_call_only(concat!("f-", stringify!($name), "-rst1"), $service, $stop, Fault::Reset).await;
                }
            }
        )*
    };
}

matrix! {
    ecs: "ecs", Stop::ElbHealth;
    logs: "logs", Stop::ElbHealth;
    elbv2: "elasticloadbalancing", Stop::ElbHealth;
    autoscaling: "application-autoscaling", Stop::ElbHealth;
    iam: "iam", Stop::SecretDenied;
    ec2: "ec2", Stop::SecretDenied;
    ecr: "ecr", Stop::PullNotFound;
}

/// Latency beyond the budget (issue 7: "the invocation still finishes within its deadline
/// (computed from the Lambda context), with partial findings"): ECS answers only after 30 s,
/// the invocation has 6 s. The handler keeps 2 s back for recording and notifying, so the checks
/// get 4 s; they end as "timed out" findings and the incident is stored and announced before the
/// deadline. (A deadline is the property under test here, not a speed figure.)
#[tokio::test]
async fn a_dependency_slower_than_the_deadline_leaves_partial_findings_within_it() {
    use responder::handler::{handle, Enrichment, TokioTimer};

    let proxy = FaultProxy::start(&emulator().endpoint).await;
    proxy.inject(
        "ecs",
        None,
        Fault::Latency(Duration::from_secs(30)),
        Times::Always,
    );
    let emu = emulator();
    let cluster = crate::harness::namespace("f-deadline");
    emu.tap(&cluster).await;
    let store = emu.isolated_store("f-deadline").await;
    let notifier = emu.notifier_for(&cluster).await;
    let policy = ecs_triage_core::incident::Policy::default();
    let responder = ecs_triage_core::respond::Responder {
        store: &store,
        notifier: &notifier,
        policy: &policy,
    };
    let slow = sdk_config_at(
        proxy.endpoint(),
        &ClientSettings {
            attempt_timeout: Duration::from_secs(60),
            operation_timeout: Duration::from_secs(120),
            ..ClientSettings::default()
        },
    )
    .await;
    let readers = ecs_triage_aws::AwsReaders::new(&slow);
    let timer = TokioTimer;
    let enrichment = Enrichment {
        readers: readers.readers(),
        budget: ecs_triage_core::diagnose::run::Budget {
            total: Duration::from_secs(20),
            per_check: Duration::from_secs(20),
        },
        timer: &timer,
    };
    let stopped_at = now_ms() - 5_000;
    let task = StoppedTask {
        cluster: cluster.clone(),
        task_id: task_id(&cluster),
        task_definition_arn: format!("arn:aws:ecs:us-east-1:{ACCOUNT}:task-definition/{cluster}:1"),
        started_by: "ecs-svc/1".to_owned(),
        subnet: "subnet-0123456789abcdef0".to_owned(),
        private_ip: "10.0.1.9".to_owned(),
        containers: vec![container("registry.example/app:1", Some(1), None)],
        stop_code: "EssentialContainerExited".to_owned(),
        stopped_reason: "Essential container in task exited".to_owned(),
        started_at_ms: Some(stopped_at - 60_000),
        stopped_at_ms: stopped_at,
        cpu: "256".to_owned(),
        memory: "512".to_owned(),
    };
    let payload =
        serde_json::value::RawValue::from_string(String::from_utf8(task.event()).expect("UTF-8"))
            .expect("JSON");
    let now = now_ms();
    let deadline = now + 6_000;
    let mut context = lambda_runtime::Context::default();
    context.deadline = u64::try_from(deadline).expect("positive");
    let outcome = handle(
        lambda_runtime::LambdaEvent::new(payload, context),
        &responder,
        Some(&enrichment),
        None,
        now,
    )
    .await
    .expect("recorded despite the slow dependency");

    assert!(now_ms() < deadline, "finished after the deadline");
    assert_eq!(outcome.action, Action::Recorded);
    assert_eq!(outcome.notified, [NotificationKind::Opened]);
    let incident = ecs_triage_core::ports::IncidentStore::recent_incidents(&store, &cluster, 1)
        .await
        .expect("readable")
        .pop()
        .expect("stored");
    let findings = &incident.last.findings;
    assert!(
        findings
            .iter()
            .any(|f| f.verdict == Verdict::CouldNotCheck && f.summary.contains("timed out after")),
        "{findings:#?}"
    );
}
