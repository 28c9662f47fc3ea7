//! Handler overhead without AWS round trips: the responder's per-event CPU work, timed with the
//! in-memory fakes of `ecs-triage-core` (feature `test-util`) in place of DynamoDB and SNS.
//!
//! ```sh
//! AWS_LAMBDA_LOG_FORMAT=JSON cargo run --release -p responder --example overhead -- [EVENTS] >/dev/null
//! ```
//!
//! The events are a crash-loop mix built from the samples in `events/` (app exit 1, OOM,
//! SIGSEGV, image tag not found, container health check): two thirds are new occurrences (a
//! fresh task id and event id), one third re-deliveries of an earlier event (duplicates). Four
//! layers are timed, each on a fresh store, one event at a time:
//!
//! - `responder_handle`: `Responder::handle` on an already parsed event (classify, the incident
//!   policy, the store and notifier calls against the fakes);
//! - `handler_respond`: `handler::respond` from the raw bytes (parse, the above, the log line);
//! - `lambda_invocation`: what the runtime does per invocation besides HTTP, with `ENRICH=false`:
//!   the payload deserialised into `Box<RawValue>`, `handler::handle` (the above plus the EMF
//!   metrics line), and the `Outcome` serialised as the response body;
//! - `lambda_invocation_enrich`: the same with the enrichment on (the default) but no readers
//!   (`Readers::default()`): the diagnosis engine's own work, without the seven AWS readers'
//!   calls and without parsing their answers.
//!
//! The log and EMF lines go to stdout (send it to /dev/null); the figures go to stderr, one
//! line per layer: `overhead <layer> n=<n> p50_us=.. p99_us=.. mean_us=.. max_us=.. cpu_us=..`.
//! The percentiles are wall-clock time per event after a warm-up of a tenth of the events;
//! `cpu_us` is the thread's CPU time over the whole layer divided by the number of events,
//! which other jobs on a busy machine do not inflate.
//! The fakes are a `Mutex<HashMap>` that clone what they return, so they cost a little, not
//! nothing: the figures are an upper bound on the handler's own work.

use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use ecs_triage_core::diagnose::engine::Readers;
use ecs_triage_core::diagnose::run::Budget;
use ecs_triage_core::fakes::{InMemoryStore, RecordingNotifier};
use ecs_triage_core::incident::Policy;
use ecs_triage_core::parse_event;
use ecs_triage_core::respond::Responder;
use lambda_runtime::LambdaEvent;
use serde_json::value::RawValue;

use responder::handler::{self, Enrichment, TokioTimer};

/// (sample file, weight): a crash loop first, and other failing tasks around it.
const MIX: [(&str, u32); 5] = [
    ("task-stopped-app-crash-exit-1.json", 4),
    ("task-stopped-oom.json", 1),
    ("task-stopped-segfault-exit-139.json", 1),
    ("task-stopped-image-tag-not-found.json", 1),
    ("task-stopped-container-health-check.json", 1),
];

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse().expect("the argument is the number of events"))
        .unwrap_or(6000);
    // As main.rs: JSON lines when AWS_LAMBDA_LOG_FORMAT=JSON.
    lambda_runtime::tracing::init_default_subscriber();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");

    let events = mix(n);
    let warmup = (n / 10).max(1);
    eprintln!(
        "overhead: {} events ({} new occurrences, {} duplicates), {} B on average; first {} of each layer not counted (warm-up)",
        events.len(),
        events.iter().filter(|e| !e.duplicate).count(),
        events.iter().filter(|e| e.duplicate).count(),
        events.iter().map(|e| e.bytes.len()).sum::<usize>() / events.len().max(1),
        warmup
    );

    // 1. Responder::handle on parsed events.
    {
        let parsed: Vec<_> = events
            .iter()
            .map(|e| parse_event(&e.bytes).expect("sample parses"))
            .collect();
        let world = World::default();
        let responder = world.responder();
        let cpu0 = thread_cpu_ns();
        let times = rt.block_on(async {
            let mut times = Vec::with_capacity(parsed.len());
            for event in &parsed {
                let now = now_ms();
                let t = Instant::now();
                let out = responder.handle(event, now).await;
                times.push(t.elapsed());
                out.expect("handled");
            }
            times
        });
        let cpu = cpu0.zip(thread_cpu_ns()).map(|(a, b)| b - a);
        report(
            "responder_handle",
            &times[warmup..],
            cpu,
            parsed.len(),
            &world,
        );
    }

    // 2. handler::respond from bytes.
    {
        let world = World::default();
        let responder = world.responder();
        let cpu0 = thread_cpu_ns();
        let times = rt.block_on(async {
            let mut times = Vec::with_capacity(events.len());
            for e in &events {
                let now = now_ms();
                let t = Instant::now();
                let out = handler::respond(&e.bytes, &responder, now).await;
                times.push(t.elapsed());
                out.expect("handled");
            }
            times
        });
        let cpu = cpu0.zip(thread_cpu_ns()).map(|(a, b)| b - a);
        report(
            "handler_respond",
            &times[warmup..],
            cpu,
            events.len(),
            &world,
        );
    }

    // 3. One invocation as the runtime makes it, minus HTTP; 4. the same with the enrichment.
    let timer = TokioTimer;
    let enrichment = Enrichment {
        readers: Readers::default(),
        // As main.rs with the default ENRICH_BUDGET_MS: 3 s in all and per check.
        budget: Budget {
            total: std::time::Duration::from_millis(3000),
            per_check: std::time::Duration::from_millis(3000),
        },
        timer: &timer,
    };
    for (layer, enrich) in [
        ("lambda_invocation", None),
        ("lambda_invocation_enrich", Some(&enrichment)),
    ] {
        let world = World::default();
        let responder = world.responder();
        let cpu0 = thread_cpu_ns();
        let times = rt.block_on(async {
            let mut times = Vec::with_capacity(events.len());
            for e in &events {
                let t = Instant::now();
                let now = now_ms();
                let payload: Box<RawValue> =
                    serde_json::from_slice(&e.bytes).expect("payload is JSON");
                let mut context = lambda_runtime::Context::default();
                // The function's timeout, 30 s ahead, as the Lambda-Runtime-Deadline-Ms header.
                context.deadline = u64::try_from(now + 30_000).unwrap_or(0);
                let event = LambdaEvent::new(payload, context);
                let out = handler::handle(event, &responder, enrich, None, now)
                    .await
                    .expect("handled");
                let body = serde_json::to_vec(&out).expect("outcome serialises");
                times.push(t.elapsed());
                std::hint::black_box(body);
            }
            times
        });
        let cpu = cpu0.zip(thread_cpu_ns()).map(|(a, b)| b - a);
        report(layer, &times[warmup..], cpu, events.len(), &world);
    }
}

#[derive(Default)]
struct World {
    store: InMemoryStore,
    notifier: RecordingNotifier,
    policy: Policy,
}

impl World {
    fn responder(&self) -> Responder<'_> {
        Responder {
            store: &self.store,
            notifier: &self.notifier,
            policy: &self.policy,
        }
    }
}

struct Event {
    bytes: Vec<u8>,
    duplicate: bool,
}

/// `n` events: two of every three a new occurrence, the third a re-delivery of an earlier one.
fn mix(n: usize) -> Vec<Event> {
    let samples: Vec<(String, String, String)> = MIX
        .iter()
        .flat_map(|(file, weight)| {
            let text = String::from_utf8(sample(file)).expect("UTF-8");
            let v: serde_json::Value = serde_json::from_str(&text).expect("JSON");
            let task_arn = v["detail"]["taskArn"].as_str().expect("taskArn").to_owned();
            let task_id = task_arn.rsplit('/').next().expect("task id").to_owned();
            let event_id = v["id"].as_str().expect("id").to_owned();
            std::iter::repeat_n((text, task_id, event_id), *weight as usize)
        })
        .collect();
    let mut rng = 0x2545_f491_4f6c_dd1d_u64; // xorshift64*, fixed seed: the same mix every run
    let mut next = move || {
        rng ^= rng >> 12;
        rng ^= rng << 25;
        rng ^= rng >> 27;
        rng.wrapping_mul(0x2545_f491_4f6c_dd1d)
    };
    let mut out: Vec<Event> = Vec::with_capacity(n);
    let mut fresh: Vec<usize> = Vec::new();
    for i in 0..n {
        if i % 3 == 2 && !fresh.is_empty() {
            // A duplicate of one of the last 20 new occurrences, as EventBridge re-delivers.
            let recent = &fresh[fresh.len().saturating_sub(20)..];
            let j = recent[(next() % recent.len() as u64) as usize];
            let bytes = out[j].bytes.clone();
            out.push(Event {
                bytes,
                duplicate: true,
            });
        } else {
            let (text, task_id, event_id) = &samples[(next() % samples.len() as u64) as usize];
            let r = next();
            let new_task = format!("{:016x}{:016x}", i as u64, r);
            let new_event = format!(
                "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
                i as u32,
                (r >> 48) & 0xffff,
                (r >> 36) & 0xfff,
                (r >> 24) & 0xfff,
                r & 0xffff_ffff_ffff
            );
            let bytes = text
                .replace(task_id.as_str(), &new_task)
                .replace(event_id.as_str(), &new_event)
                .into_bytes();
            fresh.push(out.len());
            out.push(Event {
                bytes,
                duplicate: false,
            });
        }
    }
    out
}

fn sample(name: &str) -> Vec<u8> {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "..", "..", "events", name]
        .iter()
        .collect();
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// CPU time this thread has used, in nanoseconds (`/proc/thread-self/schedstat`, Linux), or
/// `None` where that file is missing. Other jobs on the machine do not inflate it as they
/// inflate wall-clock time.
fn thread_cpu_ns() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn report(layer: &str, times: &[Duration], cpu_ns: Option<u64>, events: usize, world: &World) {
    let mut us: Vec<f64> = times.iter().map(|d| d.as_secs_f64() * 1e6).collect();
    us.sort_by(f64::total_cmp);
    let pct = |p: f64| us[((p / 100.0 * us.len() as f64).ceil() as usize).clamp(1, us.len()) - 1];
    let mean = us.iter().sum::<f64>() / us.len() as f64;
    eprintln!(
        "overhead {layer} n={} p50_us={:.1} p99_us={:.1} mean_us={:.1} max_us={:.1} cpu_us={} incidents={} notifications={}",
        us.len(),
        pct(50.0),
        pct(99.0),
        mean,
        us[us.len() - 1],
        cpu_ns.map_or("na".to_owned(), |ns| format!("{:.1}", ns as f64 / 1e3 / events as f64)),
        world.store.incidents().len(),
        world.notifier.sent().len()
    );
}
