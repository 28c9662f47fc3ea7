//! Any log bytes through the redactor, line by line as a stream: never a panic, nothing lost
//! but what it marks, and a line with no marker comes back as it was.
#![no_main]

use ecs_triage_core::redact::{cap_line, from_bytes, mark, redact, Redactor};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = from_bytes(data);
    let mut stream = Redactor::new();
    for line in text.lines() {
        let alone = redact(line);
        if !alone.changed() {
            assert_eq!(alone.text, line);
        }
        let _ = stream.redact(line);
        let _ = mark(line);
        let capped = cap_line(line, 200);
        assert!(capped.len() <= 200 + 4, "cap_line kept {} bytes", capped.len());
    }
});
