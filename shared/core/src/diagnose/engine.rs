//! The diagnosis engine: for one classified stop, read the task's world through the ports, run
//! the checks its category needs concurrently within the budget, and refine the answer.
//!
//! Two phases: the task definition and the service first (almost every check needs them), then
//! every planned check at once. Any port that is missing or fails becomes a "could not check"
//! finding; the engine itself never fails.

use std::time::Duration;

use super::analyze;
use super::finding::{Check, Finding, Verdict};
use super::plan::checks_for;
use super::ports::{
    EcsReader, IamReader, ImageReader, LoadBalancerReader, LogReader, NetworkReader, ScalingReader,
};
use super::refine;
use super::run::{run_all, BoxFuture, Budget, Job, Timer};
use super::view::{ServiceView, SimulatedOutcome, TaskDefinitionView};
use crate::classify::{clean, Classification};
use crate::event::time::parse_rfc3339_ms;
use crate::event::{arn, TaskStateChange};
use crate::iam::{self, PolicyDocument, RequiredPermission, TrustDecision};
use crate::image::ImageRef;
use crate::redact::{self, Mark, Redactor};
use crate::taxonomy::Category;

/// The ports the engine may use; any may be absent (a check without its port reports that it
/// could not run).
#[derive(Default, Clone, Copy)]
pub struct Readers<'a> {
    pub ecs: Option<&'a dyn EcsReader>,
    pub logs: Option<&'a dyn LogReader>,
    pub load_balancers: Option<&'a dyn LoadBalancerReader>,
    pub iam: Option<&'a dyn IamReader>,
    pub network: Option<&'a dyn NetworkReader>,
    pub images: Option<&'a dyn ImageReader>,
    pub scaling: Option<&'a dyn ScalingReader>,
}

impl std::fmt::Debug for Readers<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Readers").finish_non_exhaustive()
    }
}

/// Log lines read before `stoppedAt`.
const LOG_LINES: usize = 50;
/// Longest log line kept, in bytes.
const LOG_LINE_BYTES: usize = 500;

/// The outcome: the refined classification and every finding, in check order.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnosis {
    pub classification: Classification,
    pub findings: Vec<Finding>,
    /// The classifier's category, when a finding proved another one.
    pub refined_from: Option<Category>,
}

/// Diagnoses one stopped task.
pub async fn diagnose(
    mut classification: Classification,
    task: &TaskStateChange,
    readers: Readers<'_>,
    budget: Budget,
    timer: &dyn Timer,
) -> Diagnosis {
    let checks = checks_for(classification.category);
    if checks.is_empty() {
        return Diagnosis {
            classification,
            findings: Vec::new(),
            refined_from: None,
        };
    }
    let ctx = Context::new(&classification, task);

    // Phase 1: what most checks need, within half the budget.
    let half = Budget {
        total: budget.total / 2,
        per_check: budget.per_check.min(budget.total / 2),
    };
    let mut base = Base::default();
    let mut findings = Vec::new();
    {
        let (td_slot, svc_slot) = (std::sync::Mutex::new(None), std::sync::Mutex::new(None));
        let mut jobs: Vec<Job<'_>> = Vec::new();
        if let (Some(ecs), Some(arn)) = (readers.ecs, task.task_definition_arn.as_deref()) {
            let slot = &td_slot;
            jobs.push(Job {
                check: Check::TaskDefinition,
                future: Box::pin(async move {
                    match ecs.task_definition(arn).await {
                        Ok(td) => {
                            if let Ok(mut s) = slot.lock() {
                                *s = Some(td);
                            }
                            Vec::new()
                        }
                        Err(e) => vec![Finding::could_not_check(Check::TaskDefinition, e)],
                    }
                }),
            });
        }
        if let (Some(ecs), Some(cluster), Some(service)) =
            (readers.ecs, ctx.cluster.as_deref(), ctx.service.as_deref())
        {
            let slot = &svc_slot;
            jobs.push(Job {
                check: Check::Deployment,
                future: Box::pin(async move {
                    match ecs.service(cluster, service).await {
                        Ok(s) => {
                            if let Ok(mut slot) = slot.lock() {
                                *slot = s;
                            }
                            Vec::new()
                        }
                        Err(e) => vec![Finding::could_not_check(
                            Check::Deployment,
                            format!("service {service}: {e}"),
                        )],
                    }
                }),
            });
        }
        findings.extend(run_all(jobs, half, timer).await);
        base.td = td_slot.into_inner().ok().flatten();
        base.service = svc_slot.into_inner().ok().flatten();
    }

    // Phase 2: every planned check at once, in the rest of the budget.
    let rest = Budget {
        total: budget.total - half.total,
        per_check: budget.per_check.min(budget.total - half.total),
    };
    let category = classification.category;
    let jobs: Vec<Job<'_>> = checks
        .iter()
        .map(|check| job(*check, category, &ctx, &base, readers))
        .collect();
    findings.extend(run_all(jobs, rest, timer).await);

    let refined_from = refine::apply(&mut classification, &findings);
    classification.findings = findings.clone();
    Diagnosis {
        classification,
        findings,
        refined_from,
    }
}

/// What every check may read about the stop.
struct Context {
    region: String,
    account: String,
    cluster: Option<String>,
    service: Option<String>,
    task_id: String,
    container: Option<String>,
    stopped_at_ms: Option<i64>,
    started_at_ms: Option<i64>,
    subnet: Option<String>,
    private_ip: Option<String>,
    task: TaskStateChange,
}

impl Context {
    fn new(c: &Classification, task: &TaskStateChange) -> Context {
        let s = &c.subject;
        let any_arn = task
            .task_arn
            .as_deref()
            .or(task.cluster_arn.as_deref())
            .unwrap_or("");
        Context {
            region: s
                .region
                .clone()
                .or_else(|| arn::region(any_arn).map(str::to_owned))
                .unwrap_or_default(),
            account: s
                .account
                .clone()
                .or_else(|| arn::account(any_arn).map(str::to_owned))
                .unwrap_or_default(),
            cluster: s.cluster.clone(),
            service: s.service.clone(),
            task_id: s.task_id.clone().unwrap_or_default(),
            container: s.container.clone(),
            stopped_at_ms: task.stopped_at.as_deref().and_then(parse_rfc3339_ms),
            started_at_ms: task.started_at.as_deref().and_then(parse_rfc3339_ms),
            subnet: task.eni_detail("subnetId").map(str::to_owned),
            private_ip: task.eni_detail("privateIPv4Address").map(str::to_owned),
            task: task.clone(),
        }
    }

    /// The container the stop is about: the blamed one, else the first essential one.
    fn container<'t>(
        &self,
        td: &'t TaskDefinitionView,
    ) -> Option<&'t super::view::ContainerDefinitionView> {
        self.container
            .as_deref()
            .and_then(|n| td.containers.iter().find(|c| c.name == n))
            .or_else(|| td.containers.iter().find(|c| c.essential))
            .or_else(|| td.containers.first())
    }
}

#[derive(Default)]
struct Base {
    td: Option<TaskDefinitionView>,
    service: Option<ServiceView>,
}

fn no_port(check: Check, what: &str) -> BoxFuture<'static, Vec<Finding>> {
    let f = Finding::could_not_check(check, format!("no {what} reader is configured"));
    Box::pin(async move { vec![f] })
}

fn no_task_definition(check: Check) -> BoxFuture<'static, Vec<Finding>> {
    let f = Finding::could_not_check(check, "the task definition could not be read");
    Box::pin(async move { vec![f] })
}

fn ready(findings: Vec<Finding>) -> BoxFuture<'static, Vec<Finding>> {
    Box::pin(async move { findings })
}

/// The job for one check.
fn job<'a>(
    check: Check,
    category: Category,
    ctx: &'a Context,
    base: &'a Base,
    r: Readers<'a>,
) -> Job<'a> {
    let future: BoxFuture<'a, Vec<Finding>> = match check {
        Check::TaskDefinition => match &base.td {
            Some(td) => ready(analyze::taskdef::analyze_task_definition(
                td,
                &ctx.task,
                ctx.container.as_deref(),
                category,
            )),
            None => no_task_definition(check),
        },
        Check::Logs => match (&base.td, r.logs) {
            (None, _) => no_task_definition(check),
            (_, None) => no_port(check, "CloudWatch Logs"),
            (Some(td), Some(logs)) => Box::pin(logs_check(td, ctx, logs, category)),
        },
        Check::Deployment => match (&base.service, &base.td, r.ecs) {
            (Some(service), Some(td), Some(ecs)) => Box::pin(deployment_check(service, td, ecs)),
            (None, _, _) if ctx.service.is_none() => ready(vec![Finding::new(
                check,
                Verdict::Info,
                "standalone task: no service deployment to compare with",
            )]),
            (None, _, _) => ready(Vec::new()), // phase 1 already said why
            (_, None, _) => no_task_definition(check),
            (_, _, None) => no_port(check, "ECS"),
        },
        Check::Image => match (&base.td, r.images) {
            (None, _) => no_task_definition(check),
            (_, None) => no_port(check, "ECR"),
            (Some(td), Some(images)) => Box::pin(image_check(td, ctx, images, category)),
        },
        Check::Iam => match (&base.td, r.iam) {
            (None, _) => no_task_definition(check),
            (_, None) => no_port(check, "IAM"),
            (Some(td), Some(iam)) => Box::pin(iam_check(td, ctx, iam, category)),
        },
        Check::Network => match (&base.td, r.network) {
            (None, _) => no_task_definition(check),
            (_, None) => no_port(check, "EC2"),
            (Some(td), Some(net)) => {
                Box::pin(network_check(td, base.service.as_ref(), ctx, net, category))
            }
        },
        Check::LoadBalancer => match r.load_balancers {
            None => no_port(check, "Elastic Load Balancing"),
            Some(lb) => Box::pin(load_balancer_check(base.service.as_ref(), ctx, lb)),
        },
        Check::Capacity => Box::pin(capacity_check(base, ctx, r, category)),
    };
    Job { check, future }
}

async fn logs_check(
    td: &TaskDefinitionView,
    ctx: &Context,
    logs: &dyn LogReader,
    category: Category,
) -> Vec<Finding> {
    let Some(container) = ctx.container(td) else {
        return vec![Finding::could_not_check(
            Check::Logs,
            "the task definition has no containers",
        )];
    };
    let Some((group, prefix)) = analyze::taskdef::log_stream(td, &container.name) else {
        // Other drivers: the task-definition analysis says where the logs are.
        return Vec::new();
    };
    let stream = analyze::taskdef::awslogs_stream_name(prefix, &container.name, &ctx.task_id);
    let lines = match logs
        .tail(group, &stream, ctx.stopped_at_ms, LOG_LINES)
        .await
    {
        Ok(lines) => lines,
        Err(e) => {
            return vec![Finding::could_not_check(
                Check::Logs,
                format!("{group} {stream}: {e}"),
            )]
        }
    };
    let mut redactor = Redactor::new();
    let mut details = Vec::with_capacity(lines.len());
    let mut marks: Vec<Mark> = Vec::new();
    for line in &lines {
        let text = redactor.redact(&line.message).into_text();
        let capped = redact::cap_line(&text, LOG_LINE_BYTES);
        let mark = redact::mark(&capped);
        let tag = mark
            .map(|m| format!("[{}] ", m.as_str()))
            .unwrap_or_default();
        details.push(crate::classify::clean(
            &format!("{tag}{capped}"),
            LOG_LINE_BYTES + 40,
        ));
        marks.extend(mark);
    }
    let where_ = format!("{group} / {stream}");
    if lines.is_empty() {
        return vec![Finding::new(
            Check::Logs,
            Verdict::Info,
            format!(
                "{where_} has no lines before the stop: the container exited before writing any"
            ),
        )];
    }
    // What the container printed can prove what its exit code could not (DESIGN: exit 1 +
    // `exec format error` in the log is an architecture mismatch).
    let app = matches!(
        category,
        Category::AppExitError
            | Category::ContainerStartFailed
            | Category::Unknown
            | Category::CommandNotFound
    );
    let errors = marks.len();
    let mut finding = if app && marks.contains(&Mark::ExecFormat) {
        Finding::new(Check::Logs, Verdict::Problem, format!("The log of {} shows `exec format error`: the image is built for another CPU architecture than the task.", container.name)).refining(Category::ExecFormatError)
    } else if matches!(category, Category::AppExitError | Category::Unknown)
        && marks.contains(&Mark::OutOfMemory)
    {
        Finding::new(
            Check::Logs,
            Verdict::Problem,
            format!(
                "The log of {} shows the process running out of memory.",
                container.name
            ),
        )
        .refining(Category::OomKilled)
    } else {
        Finding::new(
            Check::Logs,
            Verdict::Info,
            format!(
                "The last {} lines of {where_} ({errors} marked as errors).",
                lines.len()
            ),
        )
    };
    finding.details = details;
    vec![finding]
}

async fn deployment_check(
    service: &ServiceView,
    failing: &TaskDefinitionView,
    ecs: &dyn EcsReader,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for d in &service.deployments {
        out.push(Finding::new(
            Check::Deployment,
            Verdict::Info,
            format!(
                "Deployment {} ({}, rollout {}): {}; {} running of {} desired, {} failed tasks.",
                d.id,
                d.status,
                d.rollout_state.as_deref().unwrap_or("unknown"),
                d.task_definition,
                d.running_count,
                d.desired_count,
                d.failed_tasks
            ),
        ));
    }
    // The last healthy revision: a completed deployment of another task definition.
    let healthy = service
        .deployments
        .iter()
        .filter(|d| {
            d.rollout_state.as_deref() == Some("COMPLETED") && d.task_definition != failing.arn
        })
        .max_by_key(|d| d.updated_at_ms.unwrap_or(0));
    if let Some(d) = healthy {
        match ecs.task_definition(&d.task_definition).await {
            Ok(td) => out.push(analyze::diff::diff_finding(failing, &td)),
            Err(e) => out.push(Finding::could_not_check(
                Check::Deployment,
                format!("previous revision {}: {e}", d.task_definition),
            )),
        }
    }
    out
}

async fn image_check(
    td: &TaskDefinitionView,
    ctx: &Context,
    images: &dyn ImageReader,
    category: Category,
) -> Vec<Finding> {
    let Some(container) = ctx.container(td) else {
        return Vec::new();
    };
    let image = container.image.as_str();
    let found = match ImageRef::parse(image) {
        Ok(r) => match r.ecr() {
            Some((account, _)) => {
                let id = r
                    .digest
                    .clone()
                    .or_else(|| r.tag.clone())
                    .unwrap_or_else(|| "latest".to_owned());
                match images.image(account, &r.repository, &id).await {
                    Ok(found) => found,
                    Err(e) => {
                        return vec![Finding::could_not_check(
                            Check::Image,
                            format!("{image}: {e}"),
                        )]
                    }
                }
            }
            None => None,
        },
        Err(_) => None,
    };
    analyze::image::analyze_image(image, found.as_ref(), td, category)
}

/// What a failed permission proves, for the category's own resource only (a missing logs
/// permission does not explain a pull failure).
fn permission_proves(action: &str, category: Category) -> Option<Category> {
    use Category::*;
    let service = action.split(':').next().unwrap_or("");
    match (service, category.family().as_str(), category) {
        ("ecr", _, ImagePullNetwork | ImagePullAccessDenied | ImagePullNotFound) => {
            Some(ImagePullAccessDenied)
        }
        (
            "logs",
            _,
            LogDriverNetwork | LogDriverAccessDenied | LogGroupMissing | LogDriverError,
        ) => Some(LogDriverAccessDenied),
        (
            "secretsmanager" | "ssm" | "kms",
            _,
            SecretsFetchNetwork | SecretsAccessDenied | SecretsNotFound,
        ) => Some(SecretsAccessDenied),
        ("s3", _, EnvFileNetwork | EnvFileError) => Some(EnvFileError),
        _ => None,
    }
}

async fn iam_check(
    td: &TaskDefinitionView,
    ctx: &Context,
    iam_reader: &dyn IamReader,
    category: Category,
) -> Vec<Finding> {
    let Some(role_arn) = td.execution_role_arn.as_deref() else {
        return vec![Finding::new(
            Check::Iam,
            Verdict::Warning,
            format!(
                "{} has no execution role: ECR images, awslogs and secrets need one.",
                td.family
            ),
        )];
    };
    let role = role_arn.rsplit('/').next().unwrap_or(role_arn);
    let policies = match iam_reader.role_policies(role).await {
        Ok(p) => p,
        Err(e) => {
            return vec![Finding::could_not_check(
                Check::Iam,
                format!("role {role}: {e}"),
            )]
        }
    };
    let mut out = Vec::new();
    match PolicyDocument::parse_url_encoded(&policies.trust_policy) {
        Ok(trust) => {
            if let TrustDecision::NotTrusted { .. } =
                iam::trusts_service(&trust, iam::ECS_TASKS_SERVICE)
            {
                out.push(Finding::new(
                    Check::Iam,
                    Verdict::Problem,
                    format!(
                        "{role} does not trust {}: ECS cannot assume it.",
                        iam::ECS_TASKS_SERVICE
                    ),
                ));
            }
        }
        Err(e) => out.push(Finding::could_not_check(
            Check::Iam,
            format!("trust policy of {role}: {e}"),
        )),
    }
    let mut docs = Vec::new();
    for (name, doc) in &policies.permission_policies {
        match PolicyDocument::parse_url_encoded(doc) {
            Ok(d) => docs.push((name.clone(), d)),
            Err(e) => out.push(Finding::could_not_check(
                Check::Iam,
                format!("policy {name} of {role}: {e}"),
            )),
        }
    }
    let required = required_permissions(td, ctx);
    // IAM's own simulator first: it also weighs the permissions boundary. Where the caller may
    // not use it (or the emulator lacks it), the role's policies are evaluated locally.
    let pairs: Vec<(String, String)> = required
        .iter()
        .map(|r| (r.action.clone(), r.resource.clone()))
        .collect();
    let simulated = if pairs.is_empty() {
        None
    } else {
        match iam_reader.simulate(role_arn, &pairs).await {
            Ok(s) => s,
            Err(e) => {
                out.push(Finding::new(
                    Check::Iam,
                    Verdict::Info,
                    format!("IAM's policy simulator could not be used ({e}); the role's own policies were evaluated locally, without its permissions boundary or SCPs."),
                ));
                None
            }
        }
    };
    let verdicts = iam::check(&docs, &required);
    let mut allowed = 0usize;
    for v in &verdicts {
        let by_simulator = simulated.as_deref().and_then(|results| {
            results.iter().find(|d| {
                d.action.eq_ignore_ascii_case(&v.required.action)
                    && d.resource == v.required.resource
            })
        });
        if let Some(d) = by_simulator {
            if d.outcome == SimulatedOutcome::Allowed {
                allowed += 1;
                continue;
            }
            let how = match d.outcome {
                SimulatedOutcome::ExplicitDeny => "an explicit deny",
                _ => "no statement allows it",
            };
            let mut sentence = format!(
                "{} may not {} on {}: IAM's policy simulator says {how}",
                clean(role, 128),
                clean(&v.required.action, 128),
                clean(&v.required.resource, 300)
            );
            if v.is_allowed() {
                sentence.push_str(
                    " (the role's own policies allow it: its permissions boundary does not)",
                );
            }
            sentence.push('.');
            let f = Finding::new(Check::Iam, Verdict::Problem, sentence);
            out.push(match permission_proves(&v.required.action, category) {
                Some(c) => f.refining(c),
                None => f,
            });
            continue;
        }
        if v.is_allowed() {
            allowed += 1;
            continue;
        }
        let sentence = v.sentence(role);
        let conditional = matches!(v.decision, iam::Decision::DependsOnCondition { .. });
        let finding = if conditional {
            Finding::new(Check::Iam, Verdict::Warning, sentence)
        } else {
            let f = Finding::new(Check::Iam, Verdict::Problem, sentence);
            match permission_proves(&v.required.action, category) {
                Some(c) => f.refining(c),
                None => f,
            }
        };
        out.push(finding);
    }
    if allowed == verdicts.len() && !verdicts.is_empty() {
        let how = if simulated.is_some() {
            "IAM's policy simulator: its policies and permissions boundary; SCPs not seen"
        } else {
            "its own policies; SCPs and boundaries not seen"
        };
        out.push(Finding::new(
            Check::Iam,
            Verdict::Ok,
            format!("{role} allows the {allowed} permissions this task needs ({how})."),
        ));
    }
    out
}

/// What the execution role must allow for this task definition.
fn required_permissions(td: &TaskDefinitionView, ctx: &Context) -> Vec<RequiredPermission> {
    let mut out = Vec::new();
    for c in &td.containers {
        if let Ok(img) = ImageRef::parse(&c.image) {
            if let Some((account, region)) = img.ecr() {
                out.extend(RequiredPermission::for_ecr_image(
                    region,
                    account,
                    &img.repository,
                ));
            }
        }
        if let Some(log) = c.log.as_ref().filter(|l| l.driver == "awslogs") {
            if let Some(group) = log.option("awslogs-group") {
                let region = log.option("awslogs-region").unwrap_or(&ctx.region);
                let create = log
                    .option("awslogs-create-group")
                    .is_some_and(|v| v.eq_ignore_ascii_case("true"));
                out.extend(RequiredPermission::for_awslogs(
                    region,
                    &ctx.account,
                    group,
                    create,
                ));
            }
        }
        for s in &c.secrets {
            out.extend(
                RequiredPermission::for_secret(&s.value_from, &ctx.region, &ctx.account)
                    .unwrap_or_default(),
            );
        }
        for f in &c.environment_files {
            out.extend(RequiredPermission::for_env_file(f).unwrap_or_default());
        }
    }
    out.sort_by(|a, b| (&a.action, &a.resource).cmp(&(&b.action, &b.resource)));
    out.dedup_by(|a, b| a.action == b.action && a.resource == b.resource);
    out
}

async fn network_check(
    td: &TaskDefinitionView,
    service: Option<&ServiceView>,
    ctx: &Context,
    net: &dyn NetworkReader,
    category: Category,
) -> Vec<Finding> {
    let mut subnet_ids: Vec<String> = ctx.subnet.iter().cloned().collect();
    if subnet_ids.is_empty() {
        subnet_ids.extend(service.map(|s| s.subnets.clone()).unwrap_or_default());
    }
    if subnet_ids.is_empty() {
        return vec![Finding::new(Check::Network, Verdict::Info, "no awsvpc subnet is known for this task (bridge or host networking): the instance's own network applies")];
    }
    let mut out = Vec::new();
    let mut subnets = Vec::new();
    for id in &subnet_ids {
        match net.subnet(id).await {
            Ok(Some(s)) => subnets.push(s),
            Ok(None) => out.push(Finding::could_not_check(
                Check::Network,
                format!("subnet {id} was not found"),
            )),
            Err(e) => out.push(Finding::could_not_check(
                Check::Network,
                format!("subnet {id}: {e}"),
            )),
        }
    }
    let mut endpoints = Vec::new();
    let mut vpcs: Vec<&str> = subnets.iter().map(|s| s.vpc_id.as_str()).collect();
    vpcs.dedup();
    for vpc in vpcs {
        match net.vpc_endpoints(vpc).await {
            Ok(e) => endpoints.extend(e),
            Err(e) => out.push(Finding::could_not_check(
                Check::Network,
                format!("VPC endpoints of {vpc}: {e}"),
            )),
        }
    }
    let sg_ids = service
        .map(|s| s.security_groups.clone())
        .unwrap_or_default();
    let sgs = if sg_ids.is_empty() {
        Vec::new()
    } else {
        match net.security_groups(&sg_ids).await {
            Ok(s) => s,
            Err(e) => {
                out.push(Finding::could_not_check(
                    Check::Network,
                    format!("security groups: {e}"),
                ));
                Vec::new()
            }
        }
    };
    let needs = analyze::network::needs_for(td, &ctx.region);
    let public_ip = service.and_then(|s| s.assign_public_ip);
    out.extend(analyze::network::analyze_network(
        &subnets, &endpoints, &sgs, &needs, public_ip, category,
    ));
    out
}

async fn load_balancer_check(
    service: Option<&ServiceView>,
    ctx: &Context,
    lb: &dyn LoadBalancerReader,
) -> Vec<Finding> {
    let Some(service) = service else {
        return vec![Finding::could_not_check(
            Check::LoadBalancer,
            "the service (and so its target groups) could not be read",
        )];
    };
    let mut out = Vec::new();
    let mut groups = Vec::new();
    let mut health = Vec::new();
    for arn in &service.target_group_arns {
        match lb.target_group(arn).await {
            Ok(Some(tg)) => groups.push(tg),
            Ok(None) => out.push(Finding::could_not_check(
                Check::LoadBalancer,
                format!("target group {arn} was not found"),
            )),
            Err(e) => out.push(Finding::could_not_check(
                Check::LoadBalancer,
                format!("{arn}: {e}"),
            )),
        }
        match lb.target_health(arn).await {
            Ok(h) => health.push((arn.clone(), h)),
            Err(e) => out.push(Finding::could_not_check(
                Check::LoadBalancer,
                format!("health of {arn}: {e}"),
            )),
        }
    }
    let ips: Vec<String> = ctx.private_ip.iter().cloned().collect();
    out.extend(analyze::load_balancer::analyze_load_balancer(
        &groups,
        &health,
        Some(service),
        &ips,
        ctx.started_at_ms,
        ctx.stopped_at_ms,
    ));
    out
}

async fn capacity_check(
    base: &Base,
    ctx: &Context,
    r: Readers<'_>,
    category: Category,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let target = match (r.scaling, ctx.cluster.as_deref(), ctx.service.as_deref()) {
        (Some(s), Some(c), Some(svc)) => match s.scalable_target(c, svc).await {
            Ok(t) => t,
            Err(e) => {
                out.push(Finding::could_not_check(
                    Check::Capacity,
                    format!("auto scaling of {svc}: {e}"),
                ));
                None
            }
        },
        _ => None,
    };
    let ec2 = ctx
        .task
        .launch_type
        .as_deref()
        .is_some_and(|l| l.eq_ignore_ascii_case("EC2"))
        || base
            .service
            .as_ref()
            .and_then(|s| s.launch_type.as_deref())
            .is_some_and(|l| l.eq_ignore_ascii_case("EC2"));
    let instances = match (ec2, r.ecs, ctx.cluster.as_deref()) {
        (true, Some(ecs), Some(cluster)) => match ecs.container_instances(cluster).await {
            Ok(i) => i,
            Err(e) => {
                out.push(Finding::could_not_check(
                    Check::Capacity,
                    format!("container instances of {cluster}: {e}"),
                ));
                Vec::new()
            }
        },
        _ => Vec::new(),
    };
    out.extend(analyze::capacity::analyze_capacity(
        base.service.as_ref(),
        target.as_ref(),
        &instances,
        base.td.as_ref(),
        category,
    ));
    out
}

/// A timer for tests and tools without a runtime timer: never fires (checks then run to the end).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoDeadline;

impl Timer for NoDeadline {
    fn sleep(&self, _: Duration) -> BoxFuture<'static, ()> {
        Box::pin(std::future::pending())
    }
}
