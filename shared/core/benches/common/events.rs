//! The events both benchmark programs time (`classify.rs` with criterion, `cpu_time.rs` in thread
//! CPU time), kept in one place so the two always measure the same inputs.

/// `(name, raw event)`: an OOM kill read from the container reason (3.6 KB), an image pull of a
/// missing tag read from the stop reason (3.7 KB), and an app exit with a sidecar SIGKILLed
/// afterwards, which ranks containers (5.2 KB, the largest task event in `events/`).
pub const EVENTS: [(&str, &[u8]); 3] = [
    (
        "oom",
        include_bytes!("../../../../events/task-stopped-oom.json"),
    ),
    (
        "image-tag-not-found",
        include_bytes!("../../../../events/task-stopped-image-tag-not-found.json"),
    ),
    (
        "app-exit-1-sidecar-137",
        include_bytes!("../../../../events/task-stopped-app-exit-1-sidecar-137.json"),
    ),
];
