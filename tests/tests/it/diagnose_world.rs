//! Seeded worlds, end to end: each test builds a broken world in the emulator through the AWS
//! SDK, sends the `ECS Task State Change` event AWS would send for a task that stopped in it
//! through the real responder handler **with enrichment** (the seven SDK readers on the
//! emulator), and checks what came out: the finding that names the breakage, the category of the
//! stored incident, the chat message the topic delivered and the email rendered from the stored
//! incident.
//!
//! What moto 5.2.5 cannot represent, and where the logic is covered instead (with fakes, in
//! `shared/core/tests/engine.rs` and `shared/core/tests/analyze.rs`):
//! - IP targets are always `healthy` (or absent once deregistered), so an unhealthy target and its
//!   reason code never reach the load-balancer check here (`analyze.rs`, `load_balancer`);
//! - IAM `SimulatePrincipalPolicy` is not implemented; the product evaluates the role's own
//!   policies locally anyway, and that is what runs here (`iam_eval.rs`);
//! - `DescribeTasks` has no exit codes, stop codes or `stoppedAt`; the engine takes them from the
//!   event, which these tests build, so nothing here depends on it;
//! - `UpdateService` does not start a new deployment: the service keeps one deployment, still
//!   naming the first revision (see the deployment test for how that world is built);
//! - `CreateService` drops `healthCheckGracePeriodSeconds`, so the grace-period finding reads
//!   0 s (the adapter's mapping is unit-tested in `shared/aws/src/ecs.rs`).
//!
//! Where no finding is a Problem (the diff, the auto scaling maximum: suspects, not proofs), the
//! chat message has no "Checked:" part by design, and the tests assert that it has none.

use aws_sdk_applicationautoscaling::types::{ScalableDimension, ServiceNamespace};
use aws_sdk_ecs::types::{
    Compatibility, ContainerDefinition, NetworkMode, PortMapping, Secret, TransportProtocol,
};
use ecs_triage_aws::client::ClientSettings;
use ecs_triage_core::diagnose::{Check, Verdict};
use ecs_triage_core::incident::NotificationKind;
use ecs_triage_core::respond::Action;
use ecs_triage_core::Category;
use serde_json::json;
use std::time::Duration;

use crate::harness::{closed_port_endpoint, emulator, now_ms, sdk_config_at, seeded};
use crate::world::{
    awslogs, ecr_image, ecr_repository, execution_role, log_stream, network, push_tag, secret_arn,
    service, target_group, task_id, Egress, Network, Report, StoppedContainer, StoppedTask, Triage,
    ACCOUNT, REGION, SERVICE,
};

/// The application container: essential, port 8080, logs to `/ecs/<cluster>` with prefix `web`
/// (its stream is `web/app/<task-id>`).
pub(crate) fn app(
    cluster: &str,
    image: &str,
) -> aws_sdk_ecs::types::builders::ContainerDefinitionBuilder {
    ContainerDefinition::builder()
        .name("app")
        .image(image)
        .essential(true)
        .port_mappings(
            PortMapping::builder()
                .container_port(8080)
                .protocol(TransportProtocol::Tcp)
                .build(),
        )
        .log_configuration(awslogs(&log_group(cluster), "web"))
}

pub(crate) fn log_group(cluster: &str) -> String {
    format!("/ecs/{cluster}")
}

/// The awslogs stream of container `app` of task `task_id`.
pub(crate) fn app_stream(task_id: &str) -> String {
    format!("web/app/{task_id}")
}

/// Registers a Fargate task definition of family `family` (cpu 512, memory 1024) and returns
/// its ARN.
pub(crate) async fn register(
    family: &str,
    app: ContainerDefinition,
    execution_role: &str,
) -> String {
    seeded(
        "RegisterTaskDefinition",
        emulator()
            .ecs()
            .await
            .register_task_definition()
            .family(family)
            .container_definitions(app)
            .network_mode(NetworkMode::Awsvpc)
            .requires_compatibilities(Compatibility::Fargate)
            .cpu("512")
            .memory("1024")
            .execution_role_arn(execution_role)
            .send()
            .await,
    )
    .task_definition
    .and_then(|t| t.task_definition_arn)
    .expect("RegisterTaskDefinition returns the ARN")
}

/// The stop of one task of the service in `t`'s cluster, running `task_definition` in `net`:
/// a task that failed to start five seconds ago; tests set the containers and the reason.
pub(crate) fn stopped(
    t: &Triage,
    task_definition: &str,
    started_by: &str,
    net: &Network,
) -> StoppedTask {
    StoppedTask {
        cluster: t.cluster.clone(),
        task_id: task_id(&t.cluster),
        task_definition_arn: task_definition.to_owned(),
        started_by: started_by.to_owned(),
        subnet: net.subnet.clone(),
        private_ip: net.private_ip.clone(),
        containers: Vec::new(),
        stop_code: "TaskFailedToStart".to_owned(),
        stopped_reason: String::new(),
        started_at_ms: None,
        stopped_at_ms: now_ms() - 5_000,
        cpu: "512".to_owned(),
        memory: "1024".to_owned(),
    }
}

pub(crate) fn container(
    image: &str,
    exit_code: Option<i64>,
    reason: Option<&str>,
) -> StoppedContainer {
    StoppedContainer {
        name: "app".to_owned(),
        image: image.to_owned(),
        exit_code,
        reason: reason.map(str::to_owned),
    }
}

async fn on_emulator(t: &Triage, task: &StoppedTask) -> Report {
    t.run(&task.event(), &emulator().sdk_config().await).await
}

/// The stored incident's category and the outcome's are `want`, recorded and announced once (the
/// message's `category` attribute is checked by [`Report::assert_messages_name`]).
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
    assert_eq!(r.outcome.action, Action::Recorded, "{:?}", r.outcome);
}

#[tokio::test]
async fn an_image_tag_that_was_never_pushed_is_named_and_the_pull_stays_image_pull_not_found() {
    let t = Triage::new("world-tag").await;
    let repo = format!("team/{}", t.cluster);
    // The repository exists, with another tag.
    ecr_repository(&repo, "1.4.2").await;
    let image = ecr_image(&repo, "1.4.3");
    let role = execution_role(&format!("{}-exec", t.cluster), None).await;
    let td = register(&t.cluster, app(&t.cluster, &image).build(), &role).await;
    let net = network(&t.cluster, Egress::Nat, true).await;
    let deployment = service(&t.cluster, &td, 2, Some(&net), None).await;
    let reason = format!(
        "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref {image}: {image}: not found"
    );
    let task = StoppedTask {
        containers: vec![container(&image, None, Some(&reason))],
        stopped_reason: reason,
        ..stopped(&t, &td, &deployment, &net)
    };

    let r = on_emulator(&t, &task).await;

    let missing = r.finding(
        Check::Image,
        Verdict::Problem,
        &[
            &format!("Image {repo}:1.4.3 does not exist"),
            &format!("ECR repository {repo} of account {ACCOUNT} ({REGION})"),
        ],
    );
    assert_eq!(
        missing.refines,
        Some(Category::ImagePullNotFound),
        "{missing:#?}"
    );
    assert_category(&r, Category::ImagePullNotFound);
    // The check confirms the classifier's answer: the summary says so.
    assert!(
        r.incident.last.summary.contains("Confirmed: Image"),
        "{}",
        r.incident.last.summary
    );
    assert_eq!(r.first_problem(), Some(missing), "findings:\n{}", r.dump());
    r.assert_messages_name(missing);
}

#[tokio::test]
async fn an_execution_role_without_get_secret_value_on_the_tasks_secret_is_named() {
    let t = Triage::new("world-secret").await;
    let secret = secret_arn(&format!("{}/db-password", t.cluster));
    let role_name = format!("{}-exec", t.cluster);
    // Trusted by ecs-tasks, ECR and awslogs allowed (the managed policy), and an inline policy
    // that allows SSM parameters, not the secret.
    let role = execution_role(
        &role_name,
        Some(json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Action": "ssm:GetParameters",
                "Resource": format!("arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/web/*")
            }]
        })),
    )
    .await;
    let repo = format!("team/{}", t.cluster);
    ecr_repository(&repo, "2.0.1").await;
    let image = ecr_image(&repo, "2.0.1");
    let td = register(
        &t.cluster,
        app(&t.cluster, &image)
            .secrets(
                Secret::builder()
                    .name("DB_PASSWORD")
                    .value_from(&secret)
                    .build()
                    .expect("secret is complete"),
            )
            .build(),
        &role,
    )
    .await;
    let net = network(&t.cluster, Egress::Nat, true).await;
    let deployment = service(&t.cluster, &td, 2, Some(&net), None).await;
    let reason = format!(
        "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch secret {secret} from secrets manager: operation error Secrets Manager: GetSecretValue, https response error StatusCode: 400, RequestID: d0e7bdd9-e1d9-47e9-bcb3-90c37737dcce, api error AccessDeniedException: User: arn:aws:sts::{ACCOUNT}:assumed-role/{role_name}/{} is not authorized to perform: secretsmanager:GetSecretValue on resource: {secret} because no identity-based policy allows the secretsmanager:GetSecretValue action",
        task_id(&t.cluster)
    );
    let task = StoppedTask {
        containers: vec![container(&image, None, None)],
        stopped_reason: reason,
        ..stopped(&t, &td, &deployment, &net)
    };

    let r = on_emulator(&t, &task).await;

    let denied = r.finding(
        Check::Iam,
        Verdict::Problem,
        &[
            &role_name,
            "may not secretsmanager:GetSecretValue",
            &secret,
            "no statement allows it",
        ],
    );
    assert_eq!(
        denied.refines,
        Some(Category::SecretsAccessDenied),
        "{denied:#?}"
    );
    // Only the secret is missing: the managed policy's ECR and awslogs permissions were read.
    let iam_problems: Vec<&str> = r
        .findings()
        .iter()
        .filter(|f| f.check == Check::Iam && f.verdict == Verdict::Problem)
        .map(|f| f.summary.as_str())
        .collect();
    assert_eq!(iam_problems, [denied.summary.as_str()], "{}", r.dump());
    // The path to Secrets Manager is fine (NAT, open security group), so the network is not
    // blamed.
    r.finding(Check::Network, Verdict::Ok, &["through NAT gateway"]);
    r.finding(
        Check::Network,
        Verdict::Ok,
        &[&format!(
            "Security group {} allows outbound TCP 443 to what the task needs.",
            net.security_group
        )],
    );
    assert_category(&r, Category::SecretsAccessDenied);
    assert_eq!(r.first_problem(), Some(denied), "findings:\n{}", r.dump());
    r.assert_messages_name(denied);
}

#[tokio::test]
async fn a_private_subnet_without_nat_or_endpoints_is_named_as_the_missing_route_to_ecr() {
    let t = Triage::new("world-route").await;
    let repo = format!("team/{}", t.cluster);
    ecr_repository(&repo, "0.9.12").await;
    let image = ecr_image(&repo, "0.9.12");
    let role = execution_role(&format!("{}-exec", t.cluster), None).await;
    let td = register(&t.cluster, app(&t.cluster, &image).build(), &role).await;
    let net = network(&t.cluster, Egress::Nothing, true).await;
    let deployment = service(&t.cluster, &td, 2, Some(&net), None).await;
    let reason = format!(
        "ResourceInitializationError: unable to pull secrets or registry auth: The task cannot pull registry auth from Amazon ECR: There is a connection issue between the task and Amazon ECR. Check your task network configuration. operation error ECR: GetAuthorizationToken, exceeded maximum number of attempts, 3, https response error StatusCode: 0, RequestID: , request send failed, Post \"https://api.ecr.{REGION}.amazonaws.com/\": dial tcp 34.223.26.163:443: i/o timeout"
    );
    let task = StoppedTask {
        containers: vec![container(&image, None, None)],
        stopped_reason: reason,
        ..stopped(&t, &td, &deployment, &net)
    };

    let r = on_emulator(&t, &task).await;

    let no_route = r.finding(
        Check::Network,
        Verdict::Problem,
        &[
            &net.subnet,
            "has no route to the internet and no VPC endpoint for ecr.api, ecr.dkr, s3 and logs",
        ],
    );
    assert_eq!(
        no_route.refines,
        Some(Category::ImagePullNetwork),
        "{no_route:#?}"
    );
    // The route table read is the VPC's main one, with the local route only.
    assert!(
        no_route
            .details
            .iter()
            .any(|d| d.ends_with(": 10.60.0.0/16 → local (active)")),
        "{:#?}",
        no_route.details
    );
    // The image exists and the role may pull it: neither is blamed.
    r.finding(Check::Image, Verdict::Ok, &["exists in ECR"]);
    r.finding(Check::Iam, Verdict::Ok, &["allows the"]);
    assert_category(&r, Category::ImagePullNetwork);
    assert_eq!(r.first_problem(), Some(no_route), "findings:\n{}", r.dump());
    r.assert_messages_name(no_route);
}

#[tokio::test]
async fn a_security_group_without_egress_is_named_for_a_secrets_timeout() {
    let t = Triage::new("world-sg").await;
    let secret = secret_arn(&format!("{}/warehouse-dsn", t.cluster));
    let role = execution_role(
        &format!("{}-exec", t.cluster),
        Some(json!({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": secret}]
        })),
    )
    .await;
    let repo = format!("team/{}", t.cluster);
    ecr_repository(&repo, "4.2.0").await;
    let image = ecr_image(&repo, "4.2.0");
    let td = register(
        &t.cluster,
        app(&t.cluster, &image)
            .secrets(
                Secret::builder()
                    .name("WAREHOUSE_DSN")
                    .value_from(&secret)
                    .build()
                    .expect("secret is complete"),
            )
            .build(),
        &role,
    )
    .await;
    // The subnet routes to a NAT gateway; the task's security group (from the service's network
    // configuration, where the engine reads it) allows nothing out.
    let net = network(&t.cluster, Egress::Nat, false).await;
    let deployment = service(&t.cluster, &td, 2, Some(&net), None).await;
    let reason = format!(
        "ResourceInitializationError: unable to pull secrets or registry auth: unable to retrieve secret from asm: There is a connection issue between the task and AWS Secrets Manager. Check your task network configuration. failed to fetch secret {secret} from secrets manager: operation error Secrets Manager: GetSecretValue, https response error StatusCode: 0, RequestID: , canceled, context deadline exceeded"
    );
    let task = StoppedTask {
        containers: vec![container(&image, None, None)],
        stopped_reason: reason,
        ..stopped(&t, &td, &deployment, &net)
    };

    let r = on_emulator(&t, &task).await;

    let closed = r.finding(
        Check::Network,
        Verdict::Problem,
        &[
            &format!(
                "Security group {} allows no outbound traffic",
                net.security_group
            ),
            "cannot reach ecr.api, ecr.dkr, s3, logs and secretsmanager",
        ],
    );
    assert_eq!(
        closed.refines,
        Some(Category::SecretsFetchNetwork),
        "{closed:#?}"
    );
    // The route itself is fine: the subnet's default route goes to the NAT gateway.
    let nat = net.nat.as_deref().expect("the world has a NAT gateway");
    r.finding(
        Check::Network,
        Verdict::Ok,
        &[&net.subnet, &format!("through NAT gateway {nat}")],
    );
    r.finding(Check::Iam, Verdict::Ok, &["allows the"]);
    assert_category(&r, Category::SecretsFetchNetwork);
    assert_eq!(r.first_problem(), Some(closed), "findings:\n{}", r.dump());
    r.assert_messages_name(closed);
}

#[tokio::test]
async fn an_exec_format_error_in_the_log_turns_exit_1_into_exec_format_error() {
    let t = Triage::new("world-exec").await;
    let repo = format!("team/{}", t.cluster);
    ecr_repository(&repo, "0.8.0").await;
    let image = ecr_image(&repo, "0.8.0");
    let role = execution_role(&format!("{}-exec", t.cluster), None).await;
    let td = register(&t.cluster, app(&t.cluster, &image).build(), &role).await;
    let net = network(&t.cluster, Egress::Nat, true).await;
    let deployment = service(&t.cluster, &td, 2, Some(&net), None).await;
    let stopped_at = now_ms() - 5_000;
    let id = task_id(&t.cluster);
    log_stream(
        &log_group(&t.cluster),
        &app_stream(&id),
        &[
            "entrypoint: starting /usr/local/bin/resizer",
            "exec /usr/local/bin/resizer: exec format error",
        ],
        stopped_at - 3_000,
    )
    .await;
    let task = StoppedTask {
        containers: vec![container(&image, Some(1), None)],
        stop_code: "EssentialContainerExited".to_owned(),
        stopped_reason: "Essential container in task exited".to_owned(),
        started_at_ms: Some(stopped_at - 17_000),
        stopped_at_ms: stopped_at,
        ..stopped(&t, &td, &deployment, &net)
    };

    let r = on_emulator(&t, &task).await;

    let exec = r.finding(
        Check::Logs,
        Verdict::Problem,
        &[
            "The log of app shows `exec format error`",
            "another CPU architecture",
        ],
    );
    assert_eq!(exec.refines, Some(Category::ExecFormatError), "{exec:#?}");
    assert!(
        exec.details
            .iter()
            .any(|d| d == "[exec-format] exec /usr/local/bin/resizer: exec format error"),
        "the log tail should carry the marked line: {:#?}",
        exec.details
    );
    assert_category(&r, Category::ExecFormatError);
    let proof = r
        .incident
        .last
        .evidence
        .iter()
        .find(|e| e.field == "check:logs")
        .unwrap_or_else(|| panic!("no check:logs evidence: {:#?}", r.incident.last.evidence));
    assert_eq!(
        proof.meaning, "Proves exec_format_error rather than app_exit_error.",
        "{proof:#?}"
    );
    assert_eq!(r.first_problem(), Some(exec), "findings:\n{}", r.dump());
    r.assert_messages_name(exec);
}

#[tokio::test]
async fn an_oom_kill_names_the_containers_memory_limit() {
    let t = Triage::new("world-oom").await;
    let repo = format!("team/{}", t.cluster);
    ecr_repository(&repo, "5.2.1").await;
    let image = ecr_image(&repo, "5.2.1");
    let role = execution_role(&format!("{}-exec", t.cluster), None).await;
    let td = register(
        &t.cluster,
        app(&t.cluster, &image)
            .memory(512)
            .memory_reservation(256)
            .build(),
        &role,
    )
    .await;
    let net = network(&t.cluster, Egress::Nat, true).await;
    let deployment = service(&t.cluster, &td, 2, Some(&net), None).await;
    let stopped_at = now_ms() - 5_000;
    log_stream(
        &log_group(&t.cluster),
        &app_stream(&task_id(&t.cluster)),
        &[
            "reconciling batch 118 (41 203 rows)",
            "reconciling batch 119 (98 877 rows)",
        ],
        stopped_at - 2_000,
    )
    .await;
    let task = StoppedTask {
        containers: vec![container(
            &image,
            Some(137),
            Some("OutOfMemoryError: Container killed due to memory usage"),
        )],
        stop_code: "EssentialContainerExited".to_owned(),
        stopped_reason: "Essential container in task exited".to_owned(),
        started_at_ms: Some(stopped_at - 600_000),
        stopped_at_ms: stopped_at,
        ..stopped(&t, &td, &deployment, &net)
    };

    let r = on_emulator(&t, &task).await;

    let limit = r.finding(
        Check::TaskDefinition,
        Verdict::Problem,
        &["Container app was killed at its hard memory limit of 512 MiB (task memory 1024 MiB)"],
    );
    assert!(
        limit.details.iter().any(|d| d.contains("e.g. to 1024 MiB")),
        "{:#?}",
        limit.details
    );
    // The log tail was read from the container's own stream.
    r.finding(
        Check::Logs,
        Verdict::Info,
        &[&format!(
            "{} / {}",
            log_group(&t.cluster),
            app_stream(&task_id(&t.cluster))
        )],
    );
    assert_category(&r, Category::OomKilled);
    assert_eq!(r.first_problem(), Some(limit), "findings:\n{}", r.dump());
    r.assert_messages_name(limit);
}

#[tokio::test]
async fn a_deployment_that_changed_the_image_tag_is_named_by_the_diff() {
    let t = Triage::new("world-diff").await;
    let repo = format!("team/{}", t.cluster);
    ecr_repository(&repo, "1.4.1").await;
    push_tag(&repo, "1.4.2").await;
    let (before, after) = (ecr_image(&repo, "1.4.1"), ecr_image(&repo, "1.4.2"));
    let role = execution_role(&format!("{}-exec", t.cluster), None).await;
    let healthy = register(&t.cluster, app(&t.cluster, &before).build(), &role).await;
    let failing = register(&t.cluster, app(&t.cluster, &after).build(), &role).await;
    let net = network(&t.cluster, Egress::Nat, true).await;
    // The last healthy revision is a COMPLETED deployment of another task definition. moto
    // completes a deployment only when it runs its desired count, which it never does unless it
    // is 0, and UpdateService starts no new deployment: so the service is created on revision 1
    // with no task (its deployment COMPLETED), then moved to revision 2. Its one deployment
    // still names revision 1, as the ACTIVE, completed deployment of AWS would.
    let deployment = service(&t.cluster, &healthy, 0, Some(&net), None).await;
    seeded(
        "UpdateService",
        emulator()
            .ecs()
            .await
            .update_service()
            .cluster(&t.cluster)
            .service(SERVICE)
            .task_definition(&failing)
            .desired_count(2)
            .send()
            .await,
    );
    let stopped_at = now_ms() - 5_000;
    log_stream(
        &log_group(&t.cluster),
        &app_stream(&task_id(&t.cluster)),
        &[
            "listening on :8080",
            "panic: config key PAYMENTS_URL is not set",
        ],
        stopped_at - 2_000,
    )
    .await;
    let task = StoppedTask {
        containers: vec![container(&after, Some(1), None)],
        stop_code: "EssentialContainerExited".to_owned(),
        stopped_reason: "Essential container in task exited".to_owned(),
        started_at_ms: Some(stopped_at - 60_000),
        stopped_at_ms: stopped_at,
        ..stopped(&t, &failing, &deployment, &net)
    };

    let r = on_emulator(&t, &task).await;

    let name = t.cluster.as_str();
    let diff = r.finding(
        Check::TaskDefinition,
        Verdict::Info,
        &[&format!(
            "Revision 2 changed the image of app from {name}:1.4.1 to {name}:1.4.2."
        )],
    );
    assert!(
        diff.details
            .iter()
            .any(|d| d == &format!("compared with {name}:1, the last revision that ran healthy:")),
        "{:#?}",
        diff.details
    );
    assert!(
        diff.details
            .iter()
            .any(|d| d == &format!("- changed the image of app from {before} to {after}")),
        "{:#?}",
        diff.details
    );
    r.finding(
        Check::Deployment,
        Verdict::Info,
        &[&deployment, "rollout COMPLETED", &healthy],
    );
    // The application's own error is context, not a verdict: exit 1 stays app_exit_error.
    r.finding(Check::Logs, Verdict::Info, &["marked as errors"]);
    assert_category(&r, Category::AppExitError);
    // Nothing here is a Problem (a change is a suspect, not a proof), so the chat message has no
    // "Checked:" part; the email lists the diff.
    assert_eq!(r.first_problem(), None, "findings:\n{}", r.dump());
    r.assert_messages_name(diff);
}

#[tokio::test]
async fn a_service_at_its_auto_scaling_maximum_is_named_after_an_elb_health_check_failure() {
    let t = Triage::new("world-scaling").await;
    let repo = format!("team/{}", t.cluster);
    ecr_repository(&repo, "2.7.9").await;
    let image = ecr_image(&repo, "2.7.9");
    let role = execution_role(&format!("{}-exec", t.cluster), None).await;
    let td = register(&t.cluster, app(&t.cluster, &image).build(), &role).await;
    let net = network(&t.cluster, Egress::Nat, true).await;
    let tg = target_group(&t.cluster, &net.vpc).await;
    let deployment = service(&t.cluster, &td, 4, Some(&net), Some(&tg)).await;
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
            .max_capacity(4)
            .send()
            .await,
    );
    let stopped_at = now_ms() - 5_000;
    log_stream(
        &log_group(&t.cluster),
        &app_stream(&task_id(&t.cluster)),
        &["GET /health 200 1840ms", "GET /health 200 5210ms"],
        stopped_at - 30_000,
    )
    .await;
    let task = StoppedTask {
        containers: vec![container(&image, Some(137), None)],
        stop_code: "ServiceSchedulerInitiated".to_owned(),
        stopped_reason: format!("Task failed ELB health checks in (target-group {tg})"),
        started_at_ms: Some(stopped_at - 360_000),
        stopped_at_ms: stopped_at,
        ..stopped(&t, &td, &deployment, &net)
    };

    let r = on_emulator(&t, &task).await;

    let at_max = r.finding(
        Check::Capacity,
        Verdict::Warning,
        &[&format!(
            "Service {SERVICE} wants 4 tasks, the auto scaling maximum (min 2, max 4): it cannot scale out further under load."
        )],
    );
    // The target group was read; its IP targets cannot be unhealthy in moto, and ECS deregisters
    // a stopped task's target, so the task's own health is not seen here (covered in analyze.rs).
    // moto also drops the service's healthCheckGracePeriodSeconds (the grace-period finding says
    // 0 s); the adapter's mapping of it is unit-tested in shared/aws/src/ecs.rs.
    r.finding(
        Check::LoadBalancer,
        Verdict::Info,
        &["checks HTTP /health on the traffic port every 15 s"],
    );
    r.finding(
        Check::LoadBalancer,
        Verdict::Info,
        &[&net.private_ip, "is registered in", "any more"],
    );
    assert_category(&r, Category::ElbHealthCheckFailed);
    // The limit explains a saturated service but does not prove the stop: a Warning, so the chat
    // message has no "Checked:" part; the email lists it.
    assert_eq!(r.first_problem(), None, "findings:\n{}", r.dump());
    r.assert_messages_name(at_max);
}

#[tokio::test]
async fn when_every_enrichment_api_fails_the_incident_is_still_stored_and_notified() {
    let t = Triage::new("world-down").await;
    // The readers' endpoint refuses connections; store and notifier still use the emulator.
    let broken = sdk_config_at(
        &closed_port_endpoint(),
        &ClientSettings {
            connect_timeout: Duration::from_millis(500),
            attempt_timeout: Duration::from_secs(1),
            operation_timeout: Duration::from_secs(2),
            max_attempts: 1,
        },
    )
    .await;
    let image = ecr_image("team/orders-api", "1.4.2");
    let td = format!("arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/orders-api:42");
    let net = Network {
        vpc: "vpc-0123456789abcdef0".to_owned(),
        subnet: "subnet-0123456789abcdef0".to_owned(),
        security_group: "sg-0123456789abcdef0".to_owned(),
        private_ip: "10.1.2.3".to_owned(),
        nat: None,
    };
    let stopped_at = now_ms() - 5_000;
    let task = StoppedTask {
        containers: vec![container(&image, Some(1), None)],
        stop_code: "EssentialContainerExited".to_owned(),
        stopped_reason: "Essential container in task exited".to_owned(),
        started_at_ms: Some(stopped_at - 60_000),
        stopped_at_ms: stopped_at,
        ..stopped(&t, &td, "ecs-svc/5519283746620193847", &net)
    };

    let r = t.run(&task.event(), &broken).await;

    assert!(!r.findings().is_empty(), "no findings at all");
    assert!(
        r.findings()
            .iter()
            .all(|f| f.verdict == Verdict::CouldNotCheck),
        "every check should say it could not check; the findings:\n{}",
        r.dump()
    );
    let td_failed = r.finding(
        Check::TaskDefinition,
        Verdict::CouldNotCheck,
        &["could not check task definition:", "DescribeTaskDefinition"],
    );
    r.finding(
        Check::Deployment,
        Verdict::CouldNotCheck,
        &[
            "could not check deployment: service web:",
            "DescribeServices",
        ],
    );
    for check in [Check::Logs, Check::Image] {
        r.finding(
            check,
            Verdict::CouldNotCheck,
            &["the task definition could not be read"],
        );
    }
    // The answer is the classifier's, unrefined.
    assert_category(&r, Category::AppExitError);
    r.assert_messages_name(td_failed);
}
