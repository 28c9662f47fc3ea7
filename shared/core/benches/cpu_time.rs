//! The classifier benchmarks timed in **thread CPU time**, best of N rounds.
//!
//! Why not only criterion: this machine is shared with other builds (2 vCPUs, load average often
//! above 2), and criterion's wall-clock means then measure the neighbours as much as the code.
//! The CPU time this thread itself was given (`/proc/thread-self/schedstat`, first field, in ns)
//! leaves out the time other jobs held the core; cache and frequency effects of sharing remain,
//! which is why the best of several rounds is reported rather than their mean. Reading
//! schedstat needs no `unsafe` (the workspace forbids it) and no extra dependency.
//!
//! schedstat is only brought up to date at scheduler ticks and switches, so each round is sized
//! to run for about 0.3 s: a few ms of resolution is then under 2%.
//!
//! Run by `scripts/bench` after criterion, or alone:
//! `cargo bench -p ecs-triage-core --bench cpu_time [-- ROUNDS [PREFIX]]` (PREFIX: e.g. `classify/`).
//! Same groups and events as `benches/classify.rs`; never a pass/fail test, only figures.

use std::hint::black_box;
use std::time::Instant;

use ecs_triage_core::{classify::assess, parse_event, Assessment, EcsEvent};

#[path = "common/events.rs"]
mod events;
use events::EVENTS;

/// Nanoseconds of CPU time this thread has run for.
fn thread_cpu_ns() -> u64 {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat")
        .expect("/proc/thread-self/schedstat (Linux) is readable");
    s.split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .expect("schedstat starts with the run time in ns")
}

/// Best (lowest) CPU time and wall time per call of `f` over `rounds` rounds.
fn measure(rounds: usize, mut f: impl FnMut()) -> (f64, f64) {
    // Size a round to about 0.3 s of work, after a warm-up. `CPU_TIME_CALLS=N` fixes the calls
    // per round (and the warm-up) instead, so that `perf stat` counts can be divided by them.
    let fixed: Option<u64> = std::env::var("CPU_TIME_CALLS")
        .ok()
        .and_then(|n| n.parse().ok());
    let t = Instant::now();
    let mut warm = 0u64;
    while fixed.map_or(t.elapsed().as_millis() < 100, |n| warm < n) {
        f();
        warm += 1;
    }
    let per_round = fixed.unwrap_or((warm * 3).max(1000));
    let (mut best_cpu, mut best_wall) = (f64::MAX, f64::MAX);
    for _ in 0..rounds {
        let c0 = thread_cpu_ns();
        let w0 = Instant::now();
        for _ in 0..per_round {
            f();
        }
        let wall = w0.elapsed().as_nanos() as f64 / per_round as f64;
        let cpu = (thread_cpu_ns() - c0) as f64 / per_round as f64;
        best_cpu = best_cpu.min(cpu);
        best_wall = best_wall.min(wall);
    }
    (best_cpu, best_wall)
}

fn parsed(bytes: &[u8]) -> EcsEvent {
    let event = parse_event(bytes).expect("a parseable event");
    assert!(matches!(assess(&event), Assessment::Classified(_)));
    event
}

fn main() {
    // `cargo bench` passes `--bench`; the figures take positional arguments only.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let rounds: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(9);
    let filter = args.get(1).cloned().unwrap_or_default();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "thread CPU time, best of {rounds} rounds; load average at start: {}",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!(
        "{:<45} {:>10} {:>12} {:>10}",
        "benchmark", "cpu (ns)", "events/s", "wall (ns)"
    );
    let report = |id: String, f: &mut dyn FnMut()| {
        if !id.starts_with(&filter) {
            return;
        }
        let (cpu, wall) = measure(rounds, f);
        println!("{id:<45} {cpu:>10.0} {:>12.0} {wall:>10.0}", 1e9 / cpu);
    };
    for (name, bytes) in EVENTS {
        report(format!("parse_and_classify/{name}"), &mut || {
            let event = parse_event(black_box(bytes)).ok();
            black_box(event.map(|e| assess(&e)));
        });
    }
    for (name, bytes) in EVENTS {
        let event = parsed(bytes);
        report(format!("classify/{name}"), &mut || {
            black_box(assess(black_box(&event)));
        });
    }
    for (name, bytes) in EVENTS {
        report(format!("parse/{name}"), &mut || {
            black_box(parse_event(black_box(bytes)).ok());
        });
    }
    for (name, bytes) in EVENTS {
        let event = parsed(bytes);
        let mut out = Vec::with_capacity(8192);
        report(format!("classify_render/{name}"), &mut || {
            out.clear();
            let a = assess(black_box(&event));
            serde_json::to_writer(&mut out, &a).expect("an assessment serialises");
            black_box(&out);
        });
    }
}
