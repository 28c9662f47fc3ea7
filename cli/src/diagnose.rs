//! `ecs-triage diagnose --cluster C (--task T… | --service S [--limit N]) [--json]`
//!
//! The responder's engine, live, from an operator's terminal: the task is read with
//! `DescribeTasks` (ECS keeps stopped tasks for about an hour), classified like an event, and the
//! checks its category needs run against the account, concurrently, within `--budget-ms`.
//! Credentials, region and endpoint come from the AWS SDK's standard chain (environment,
//! `AWS_PROFILE` and the shared config files including SSO, `credential_process`, container and
//! instance roles); `AWS_ENDPOINT_URL` points every client at another endpoint (the emulator).
//!
//! Exit status: 0 when every task asked for was diagnosed (whatever the diagnosis says); 1 when a
//! task or a service's stopped tasks could not be read (not found, access denied, unreachable),
//! with the reason on stderr and nothing on stdout; 2 for bad arguments.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use aws_config::{Region, SdkConfig};
use ecs_triage_aws::client::{config_loader, ClientSettings};
use ecs_triage_aws::{AwsReaders, TokioTimer};
use ecs_triage_core::classify::assess;
use ecs_triage_core::diagnose::engine::diagnose;
use ecs_triage_core::diagnose::ports::EcsReader;
use ecs_triage_core::diagnose::run::Budget;
use ecs_triage_core::event::{arn, EcsEvent, Envelope, TaskStateChange};
use ecs_triage_core::event::{SOURCE_ECS, TASK_STATE_CHANGE};
use ecs_triage_core::Assessment;

use crate::render::{self, Report};

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["task", "service"])))]
pub struct Args {
    /// The cluster's name or ARN.
    #[arg(long)]
    cluster: String,
    /// A task's ID or ARN (repeatable).
    #[arg(long)]
    task: Vec<String>,
    /// A service's name: diagnose its most recently stopped tasks.
    #[arg(long)]
    service: Option<String>,
    /// How many stopped tasks of the service to diagnose, newest first.
    #[arg(long, default_value_t = 3, requires = "service")]
    limit: usize,
    /// Print one JSON object per task (one per line) instead of the human report.
    #[arg(long)]
    json: bool,
    /// Time allowed for all the checks of one task, in milliseconds. A check still running at
    /// the end becomes a "could not check … timed out" finding.
    #[arg(long, default_value_t = 15_000)]
    budget_ms: u64,
    /// The region (otherwise the standard chain: AWS_REGION, the profile, IMDS).
    #[arg(long)]
    region: Option<String>,
    /// A named profile of the shared config files (otherwise AWS_PROFILE or `default`).
    #[arg(long)]
    profile: Option<String>,
}

/// Why the tasks could not be read: the message for stderr.
#[derive(Debug)]
pub struct LookupError(pub String);

pub fn run(args: &Args) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("ecs-triage diagnose: could not start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        let sdk = sdk_config(args).await;
        reports(args, &sdk).await
    });
    match result {
        Ok(reports) => {
            let out = if args.json {
                render::json_lines(&reports)
            } else {
                render::human(&reports)
            };
            let mut stdout = std::io::stdout().lock();
            // A closed pipe (`| head`) is not an error worth a message.
            let _ = stdout
                .write_all(out.as_bytes())
                .and_then(|()| stdout.flush());
            ExitCode::SUCCESS
        }
        Err(LookupError(msg)) => {
            eprintln!("ecs-triage diagnose: {msg}");
            ExitCode::FAILURE
        }
    }
}

/// A terminal can wait longer than a Lambda: 5 s per attempt, 20 s per operation.
fn settings() -> ClientSettings {
    ClientSettings {
        attempt_timeout: Duration::from_secs(5),
        operation_timeout: Duration::from_secs(20),
        ..ClientSettings::default()
    }
}

async fn sdk_config(args: &Args) -> SdkConfig {
    let mut loader = config_loader(&settings());
    if let Some(region) = &args.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(profile) = &args.profile {
        loader = loader.profile_name(profile);
    }
    loader.load().await
}

/// Reads the tasks asked for, then diagnoses each (tasks one after the other, the checks of
/// one task concurrently).
pub async fn reports(args: &Args, sdk: &SdkConfig) -> Result<Vec<Report>, LookupError> {
    let aws = AwsReaders::new(sdk);
    let tasks = tasks(args, &aws.ecs).await?;
    let budget = Budget {
        total: Duration::from_millis(args.budget_ms),
        per_check: Duration::from_millis(args.budget_ms),
    };
    let mut out = Vec::with_capacity(tasks.len());
    for task in tasks {
        out.push(diagnose_one(task, &aws, budget).await);
    }
    Ok(out)
}

async fn tasks(args: &Args, ecs: &dyn EcsReader) -> Result<Vec<TaskStateChange>, LookupError> {
    let cluster = &args.cluster;
    if let Some(service) = &args.service {
        let found = ecs
            .stopped_tasks(cluster, service, args.limit)
            .await
            .map_err(|e| {
                LookupError(format!(
                    "could not list the stopped tasks of service {service} in cluster {cluster}: {e}"
                ))
            })?;
        if found.is_empty() && args.limit > 0 {
            return Err(LookupError(format!(
                "service {service} in cluster {cluster} has no stopped tasks to diagnose \
                 (ECS keeps a stopped task for about an hour; incidents in ecs-triage's table \
                 keep the older ones)"
            )));
        }
        return Ok(found);
    }
    let mut found = Vec::with_capacity(args.task.len());
    for id in &args.task {
        match ecs.task(cluster, id).await {
            Ok(Some(task)) => found.push(task),
            Ok(None) => {
                return Err(LookupError(format!(
                    "task {id} was not found in cluster {cluster} (ECS keeps a stopped task \
                     for about an hour)"
                )))
            }
            Err(e) => {
                return Err(LookupError(format!(
                    "could not read task {id} in cluster {cluster}: {e}"
                )))
            }
        }
    }
    Ok(found)
}

async fn diagnose_one(task: TaskStateChange, aws: &AwsReaders, budget: Budget) -> Report {
    let origin = task.task_arn.clone().unwrap_or_default();
    // A described task is an event detail without its envelope: the region and account it
    // would carry are those of the task's ARN.
    let envelope = Envelope {
        detail_type: Some(TASK_STATE_CHANGE.to_owned()),
        source: Some(SOURCE_ECS.to_owned()),
        region: arn::region(&origin).map(str::to_owned),
        account: arn::account(&origin).map(str::to_owned),
        resources: vec![origin.clone()],
        ..Envelope::default()
    };
    let event = EcsEvent::TaskStateChange {
        envelope,
        detail: Box::new(task),
    };
    let assessment = assess(&event);
    match (assessment, &event) {
        (Assessment::Classified(c), EcsEvent::TaskStateChange { detail, .. }) => {
            let d = diagnose(c, detail, aws.readers(), budget, &TokioTimer).await;
            Report {
                origin,
                assessment: Assessment::Classified(d.classification),
                refined_from: d.refined_from,
            }
        }
        (assessment, _) => Report {
            origin,
            assessment,
            refined_from: None,
        },
    }
}
