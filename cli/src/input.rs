//! Reading the inputs of `classify`: files or standard input, whole documents or JSON Lines.

use ecs_triage_core::event::{parse_input, EcsEvent};
use std::io::Read;

/// One event with where it came from (`file`, `file:line`, `file#task-index`).
#[derive(Debug)]
pub struct Located {
    pub origin: String,
    pub event: EcsEvent,
}

/// Why an input could not be read, naming the input.
#[derive(Debug)]
pub struct InputError(pub String);

/// Inputs larger than this are refused rather than read into memory.
const MAX_INPUT_BYTES: u64 = 256 * 1024 * 1024;

pub fn read_source(path: &str) -> Result<Vec<u8>, InputError> {
    let mut buf = Vec::new();
    let res = if path == "-" {
        std::io::stdin()
            .lock()
            .take(MAX_INPUT_BYTES + 1)
            .read_to_end(&mut buf)
    } else {
        std::fs::File::open(path).and_then(|f| f.take(MAX_INPUT_BYTES + 1).read_to_end(&mut buf))
    };
    res.map_err(|e| InputError(format!("{}: cannot read: {e}", display_name(path))))?;
    if buf.len() as u64 > MAX_INPUT_BYTES {
        return Err(InputError(format!(
            "{}: larger than {MAX_INPUT_BYTES} bytes",
            display_name(path)
        )));
    }
    Ok(buf)
}

pub fn display_name(path: &str) -> &str {
    if path == "-" {
        "<stdin>"
    } else {
        path
    }
}

/// Parses a whole document (an event, a bare detail, or describe-tasks output).
pub fn parse_document(name: &str, bytes: &[u8]) -> Result<Vec<Located>, InputError> {
    let (_, events) = parse_input(bytes).map_err(|e| InputError(format!("{name}: {e}")))?;
    let many = events.len() > 1;
    Ok(events
        .into_iter()
        .enumerate()
        .map(|(i, event)| Located {
            origin: if many {
                format!("{name}#{i}")
            } else {
                name.to_owned()
            },
            event,
        })
        .collect())
}

/// Parses JSON Lines: one document per non-blank line; errors name the line.
pub fn parse_lines(name: &str, bytes: &[u8]) -> Result<Vec<Located>, InputError> {
    let mut out = Vec::new();
    for (i, line) in bytes.split(|b| *b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let origin = format!("{name}:{}", i + 1);
        let (_, events) = parse_input(line).map_err(|e| InputError(format!("{origin}: {e}")))?;
        let many = events.len() > 1;
        out.extend(events.into_iter().enumerate().map(|(j, event)| Located {
            origin: if many {
                format!("{origin}#{j}")
            } else {
                origin.clone()
            },
            event,
        }));
    }
    Ok(out)
}
