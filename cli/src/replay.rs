//! `ecs-triage replay --from-queue URL [--max N] [--no-enrich]`
//!
//! Re-drives the events in the responder's failure destination (an SQS queue: Lambda's
//! invocation records and EventBridge's dead letters) through the same pipeline as the function:
//! classification, the checks, the incident store and the notifier, configured from the same
//! variables (`TABLE_NAME`, `TOPIC_ARN`, …; `--table` and `--topic` override). The responder is
//! idempotent (an occurrence is recorded once per task and version, a message is sent once per
//! level), so replaying an event that did get through, or replaying twice, changes nothing.
//!
//! A message is deleted only after its event was handled. A message that holds no event, or an
//! event the responder refuses (`NonRetryable`), stays in the queue to be looked at; an event that
//! fails again (`Retryable`: the dependency is still down) stays for the next replay. A message
//! that stays is made visible again at once, so the next replay need not wait out the queue's
//! visibility timeout; this run does not take it twice.
//!
//! Exit status: 0 when every message was replayed; 1 when any stayed in the queue or the queue
//! could not be read; 2 for bad arguments.

use std::collections::HashSet;
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_config::{Region, SdkConfig};
use ecs_triage_aws::client::config_loader;
use ecs_triage_aws::dynamodb::{DynamoDbIncidentStore, DynamoDbRemediationStore};
use ecs_triage_aws::sns::SnsNotifier;
use ecs_triage_aws::{AwsReaders, SqsFailureQueue, TokioTimer};
use ecs_triage_core::diagnose::run::Budget;
use ecs_triage_core::replay::{original_event, FailureQueue, Origin};
use ecs_triage_core::respond::Responder;
use responder::config::Config;
use responder::handler::{respond_with, Enrichment, HealthyRecorder};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The failure queue's URL (the stack's `ResponderFailureQueueUrl` output).
    #[arg(long)]
    from_queue: String,
    /// The incidents table (otherwise TABLE_NAME).
    #[arg(long)]
    table: Option<String>,
    /// The alerts topic (otherwise TOPIC_ARN).
    #[arg(long)]
    topic: Option<String>,
    /// Stop after this many messages (default: until the queue is empty).
    #[arg(long)]
    max: Option<usize>,
    /// Record and notify without running the checks.
    #[arg(long)]
    no_enrich: bool,
    /// The region (otherwise the standard chain).
    #[arg(long)]
    region: Option<String>,
    /// A named profile of the shared config files.
    #[arg(long)]
    profile: Option<String>,
}

/// What happened to the messages.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub replayed: usize,
    pub kept: usize,
}

pub fn run(args: &Args) -> ExitCode {
    let config = match Config::from_lookup(|name| match name {
        "TABLE_NAME" if args.table.is_some() => args.table.clone(),
        "TOPIC_ARN" if args.topic.is_some() => args.topic.clone(),
        other => std::env::var(other).ok(),
    }) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("ecs-triage replay: {e} (or pass --table / --topic)");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("ecs-triage replay: could not start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        let mut loader = config_loader(&config.client);
        if let Some(r) = &args.region {
            loader = loader.region(Region::new(r.clone()));
        }
        if let Some(p) = &args.profile {
            loader = loader.profile_name(p);
        }
        let sdk = loader.load().await;
        let queue = SqsFailureQueue::new(aws_sdk_sqs::Client::new(&sdk), &args.from_queue);
        replay_queue(&queue, &sdk, &config, args, &mut std::io::stdout()).await
    });
    match result {
        Ok(t) if t.kept == 0 => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("ecs-triage replay: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Reads the queue until it is empty (or `--max`), handling each message as the function would.
/// One line per message goes to `out`.
pub async fn replay_queue(
    queue: &dyn FailureQueue,
    sdk: &SdkConfig,
    config: &Config,
    args: &Args,
    out: &mut dyn std::io::Write,
) -> Result<Tally, String> {
    let store = DynamoDbIncidentStore::new(
        aws_sdk_dynamodb::Client::new(sdk),
        config.table_name.clone(),
    );
    let healthy_store = DynamoDbRemediationStore::new(
        aws_sdk_dynamodb::Client::new(sdk),
        config.table_name.clone(),
    );
    let notifier = SnsNotifier::new(aws_sdk_sns::Client::new(sdk), config.topic_arn.clone());
    let responder = Responder {
        store: &store,
        notifier: &notifier,
        policy: &config.policy,
    };
    let readers = AwsReaders::new(sdk);
    let timer = TokioTimer;
    let enrichment = (!args.no_enrich && config.enrich).then(|| Enrichment {
        readers: readers.readers(),
        budget: Budget {
            total: config.enrich_budget,
            per_check: config.enrich_budget,
        },
        timer: &timer,
    });
    let healthy = HealthyRecorder {
        ecs: &readers.ecs,
        store: &healthy_store,
    };

    let mut tally = Tally::default();
    let mut seen: HashSet<String> = HashSet::new();
    let limit = args.max.unwrap_or(usize::MAX);
    while tally.replayed + tally.kept < limit {
        let batch = queue
            .receive(limit - tally.replayed - tally.kept)
            .await
            .map_err(|e| e.to_string())?;
        // A kept message is released at once, so it comes back in a later receive: seeing only
        // those again means the queue holds nothing new. Receiving hid them again; release them
        // once more so the next replay finds them.
        let (fresh, again): (Vec<_>, Vec<_>) =
            batch.into_iter().partition(|m| seen.insert(m.id.clone()));
        for m in &again {
            // Best effort: if it fails, the message only waits out its visibility timeout.
            let _ = queue.release(m).await;
        }
        if fresh.is_empty() {
            break;
        }
        for m in fresh {
            let kept_before = tally.kept;
            let line = match original_event(&m.body) {
                Err(e) => {
                    tally.kept += 1;
                    format!("kept {}: {e}", m.id)
                }
                Ok(original) => {
                    let failed_with = match &original.origin {
                        Origin::Invocation { error: Some(e), .. } => {
                            format!(" (it had failed with {e})")
                        }
                        _ => String::new(),
                    };
                    match respond_with(
                        original.event.as_bytes(),
                        &responder,
                        enrichment.as_ref(),
                        Some(&healthy),
                        now_ms(),
                    )
                    .await
                    {
                        Ok(outcome) => match queue.delete(&m).await {
                            Ok(()) => {
                                tally.replayed += 1;
                                format!(
                                    "replayed {}: {}{}{}{failed_with}",
                                    m.id,
                                    outcome.action.as_str(),
                                    outcome
                                        .category
                                        .map(|c| format!(" {}", c.label()))
                                        .unwrap_or_default(),
                                    outcome
                                        .incident_id
                                        .map(|i| format!(" {i}"))
                                        .unwrap_or_default()
                                )
                            }
                            Err(e) => {
                                // Handled but still queued: the next replay is a no-op for it.
                                tally.kept += 1;
                                format!("kept {}: handled, but not deleted: {e}", m.id)
                            }
                        },
                        Err(e) => {
                            tally.kept += 1;
                            format!("kept {}: {} {e}", m.id, e.error_type())
                        }
                    }
                }
            };
            writeln!(out, "{line}").map_err(|e| format!("could not write the report: {e}"))?;
            if tally.kept > kept_before {
                // Visible again at once, for the next replay; this run has seen it.
                if let Err(e) = queue.release(&m).await {
                    writeln!(
                        out,
                        "  (it stays hidden until the queue's visibility timeout: {e})"
                    )
                    .map_err(|e| format!("could not write the report: {e}"))?;
                }
            }
        }
    }
    writeln!(
        out,
        "{} replayed, {} kept in {}",
        tally.replayed, tally.kept, args.from_queue
    )
    .map_err(|e| format!("could not write the report: {e}"))?;
    Ok(tally)
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_millis()
        .try_into()
        .unwrap_or(i64::MAX)
}
