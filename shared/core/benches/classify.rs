//! Throughput of the classifier on real `ECS Task State Change` events from `events/`.
//!
//! The targets (from the performance issue), for a typical 3–5 KB task event:
//! - parse + classify from raw bytes: at least 100,000 events/s;
//! - classify an already parsed event: at least 1,000,000 classifications/s.
//!
//! Every benchmark counts one event per iteration (`Throughput::Elements(1)`), so criterion
//! reports events per second directly. `scripts/bench` runs this and prints a table.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ecs_triage_core::{classify::assess, parse_event, Assessment, EcsEvent};

/// `(name, raw event)`: an OOM kill read from the container reason (3.6 KB), an image pull of a
/// missing tag read from the stop reason (3.7 KB), and an app exit with a sidecar SIGKILLed
/// afterwards, which ranks containers (5.2 KB, the largest task event in `events/`).
const EVENTS: [(&str, &[u8]); 3] = [
    (
        "oom",
        include_bytes!("../../../events/task-stopped-oom.json"),
    ),
    (
        "image-tag-not-found",
        include_bytes!("../../../events/task-stopped-image-tag-not-found.json"),
    ),
    (
        "app-exit-1-sidecar-137",
        include_bytes!("../../../events/task-stopped-app-exit-1-sidecar-137.json"),
    ),
];

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

criterion_group!(benches, parse_and_classify, classify_only, parse_only);
criterion_main!(benches);
