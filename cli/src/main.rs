//! `ecs-triage`: the operator's command line on the same engine as the Lambda functions.

mod classify;
mod diagnose;
mod input;
mod render;
mod replay;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "ecs-triage",
    version,
    about = "Why did my ECS task stop, and what do I do now?"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Classify stopped tasks and ECS service events from files or standard input.
    Classify(classify::Args),
    /// Diagnose stopped tasks live: read them from ECS and run the checks their category needs
    /// (logs, task definition and deployment diff, load balancer, IAM, network, image, capacity).
    Diagnose(diagnose::Args),
    /// Re-drive the events in the responder's failure queue (SQS) through the same pipeline,
    /// deleting each message only once its event was handled.
    Replay(replay::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Classify(args) => classify::run(&args),
        Command::Diagnose(args) => diagnose::run(&args),
        Command::Replay(args) => replay::run(&args),
    }
}
