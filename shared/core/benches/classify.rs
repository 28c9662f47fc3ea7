//! Throughput of the classifier on real `ECS Task State Change` events from `events/`.
//!
//! The targets (from the performance issue), for a typical 3–5 KB task event:
//! - parse + classify from raw bytes: at least 100,000 events/s;
//! - classify an already parsed event: at least 1,000,000 classifications/s.
//!
//! Every benchmark counts one event per iteration (`Throughput::Elements(1)`), so criterion
//! reports events per second directly. `scripts/bench` runs this and prints a table.
//!
//! `assess` does not build the next steps: they are built when first read (`NextSteps`), which
//! every notification, incident record and `classify --json` does. `classify_render` measures
//! that whole path (assess, next steps, JSON), so the cost moved out of `classify` stays in view.
//! `cpu_time.rs` times the same groups in thread CPU time.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ecs_triage_core::{classify::assess, parse_event, Assessment, EcsEvent};

#[path = "common/events.rs"]
mod events;
use events::EVENTS;

fn parsed(name: &str, bytes: &[u8]) -> EcsEvent {
    let event = parse_event(bytes)
        .unwrap_or_else(|e| panic!("events/{name}: expected a parseable event, found {e}"));
    assert!(
        matches!(assess(&event), Assessment::Classified(_)),
        "events/{name}: expected a stopped task that is classified"
    );
    event
}

fn parse_and_classify(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse_and_classify");
    group.throughput(Throughput::Elements(1));
    for (name, bytes) in EVENTS {
        parsed(name, bytes);
        group.bench_with_input(BenchmarkId::from_parameter(name), bytes, |b, bytes| {
            b.iter(|| {
                let event = parse_event(black_box(bytes)).ok();
                event.map(|e| assess(&e))
            });
        });
    }
    group.finish();
}

fn classify_only(c: &mut Criterion) {
    let mut group = c.benchmark_group("classify");
    group.throughput(Throughput::Elements(1));
    for (name, bytes) in EVENTS {
        let event = parsed(name, bytes);
        group.bench_with_input(BenchmarkId::from_parameter(name), &event, |b, event| {
            b.iter(|| assess(black_box(event)));
        });
    }
    group.finish();
}

fn parse_only(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Elements(1));
    for (name, bytes) in EVENTS {
        parsed(name, bytes);
        group.bench_with_input(BenchmarkId::from_parameter(name), bytes, |b, bytes| {
            b.iter(|| parse_event(black_box(bytes)));
        });
    }
    group.finish();
}

/// `assess`, then what every consumer of a classification does: its next steps built (on first
/// read) and the whole assessment serialised to JSON.
fn classify_render(c: &mut Criterion) {
    let mut group = c.benchmark_group("classify_render");
    group.throughput(Throughput::Elements(1));
    for (name, bytes) in EVENTS {
        let event = parsed(name, bytes);
        let mut out = Vec::with_capacity(8192);
        group.bench_with_input(BenchmarkId::from_parameter(name), &event, |b, event| {
            b.iter(|| {
                out.clear();
                let a = assess(black_box(event));
                serde_json::to_writer(&mut out, &a).expect("an assessment serialises");
                black_box(&out);
            });
        });
    }
    group.finish();
}

criterion_group!(
    benches,
    parse_and_classify,
    classify_only,
    parse_only,
    classify_render
);
criterion_main!(benches);
