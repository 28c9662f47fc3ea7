//! `ecs-triage classify [FILE|-]… [--jsonl] [--json]`
//!
//! All inputs are read and classified before anything is printed, so a bad input yields exit
//! status 2, one message on stderr naming the problem, and nothing on stdout.

use std::io::Write;
use std::process::ExitCode;

use crate::input::{self, display_name, InputError};
use crate::render::{self, Report};
use ecs_triage_core::classify::assess;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files holding an EventBridge event, a task `detail` object, or `aws ecs describe-tasks`
    /// output; `-` (or nothing) reads standard input.
    files: Vec<String>,
    /// Read one event per line (JSON Lines).
    #[arg(long)]
    jsonl: bool,
    /// Print one JSON object per event (one per line) instead of the human report.
    #[arg(long)]
    json: bool,
}

pub fn run(args: &Args) -> ExitCode {
    match collect(args) {
        Ok(events) => {
            let out = if args.json {
                render::json_lines(&events)
            } else {
                render::human(&events)
            };
            let mut stdout = std::io::stdout().lock();
            // A closed pipe (`| head`) is not an error worth a message.
            let _ = stdout
                .write_all(out.as_bytes())
                .and_then(|()| stdout.flush());
            ExitCode::SUCCESS
        }
        Err(InputError(msg)) => {
            eprintln!("ecs-triage classify: {msg}");
            ExitCode::from(2)
        }
    }
}

fn collect(args: &Args) -> Result<Vec<Report>, InputError> {
    let stdin_only = ["-".to_owned()];
    let files: &[String] = if args.files.is_empty() {
        &stdin_only
    } else {
        &args.files
    };
    let mut located = Vec::new();
    for path in files {
        let bytes = input::read_source(path)?;
        let name = display_name(path);
        located.extend(if args.jsonl {
            input::parse_lines(name, &bytes)?
        } else {
            input::parse_document(name, &bytes)?
        });
    }
    Ok(located
        .into_iter()
        .map(|l| Report {
            assessment: assess(&l.event),
            origin: l.origin,
            refined_from: None,
        })
        .collect())
}
