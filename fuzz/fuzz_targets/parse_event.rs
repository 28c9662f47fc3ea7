//! Any bytes into the event parser: an error, never a panic; an error message is one line.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = ecs_triage_core::parse_event(data) {
        let msg = e.to_string();
        assert!(!msg.contains('\n'), "a multi-line error: {msg:?}");
    }
});
