//! Any event the parser accepts through the classifier: an assessment, never a panic, and its
//! JSON form serializes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(event) = ecs_triage_core::parse_event(data) {
        let a = ecs_triage_core::assess(&event);
        serde_json::to_string(&a).expect("an assessment serializes");
    }
});
