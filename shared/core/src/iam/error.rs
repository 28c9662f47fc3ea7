//! Why a policy document or a task-definition reference could not be read.

use serde_json::Value;

/// Every message says what was expected and what was found, and fits on one line: found text is
/// quoted with escapes and cut short, so a hostile document cannot flood a log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IamError {
    /// Not JSON at all.
    #[error("expected a JSON policy document, found invalid JSON at line {line}, column {column}: {message}")]
    Json {
        line: usize,
        column: usize,
        message: String,
    },
    /// JSON, but not in the IAM policy grammar. `at` is a path such as `Statement[1].Action[0]`.
    #[error("{at}: expected {expected}, found {found}")]
    Grammar {
        at: String,
        expected: &'static str,
        found: String,
    },
    /// A bad `%XX` escape, or escapes that decode to bytes that are not UTF-8.
    #[error("expected a URL-encoded (RFC 3986) policy document, found {found}")]
    UrlEncoding { found: String },
    /// A `valueFrom`, an environment-file ARN, or another reference taken from a task definition.
    #[error("expected {expected}, found {found:?}")]
    Reference {
        expected: &'static str,
        found: String,
    },
}

impl IamError {
    pub(crate) fn from_json(e: &serde_json::Error) -> IamError {
        // serde_json's own message ends with " at line L column C"; keep only the cause.
        let full = e.to_string();
        let message = match full.rfind(" at line ") {
            Some(i) => full.get(..i).unwrap_or(&full).to_owned(),
            None => full,
        };
        IamError::Json {
            line: e.line(),
            column: e.column(),
            message,
        }
    }

    pub(crate) fn grammar(at: &str, expected: &'static str, found: impl Into<String>) -> IamError {
        IamError::Grammar {
            at: at.to_owned(),
            expected,
            found: found.into(),
        }
    }

    pub(crate) fn reference(expected: &'static str, found: &str) -> IamError {
        IamError::Reference {
            expected,
            found: clip(found, 200),
        }
    }
}

/// A JSON value as an error message names it: its type, and a short quoted excerpt.
pub(crate) fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {}", clip(&n.to_string(), 40)),
        Value::String(s) => format!("the string {:?}", clip(s, 60)),
        Value::Array(a) => format!("an array of {} elements", a.len()),
        Value::Object(o) if o.is_empty() => "an empty object".to_owned(),
        Value::Object(o) => {
            let keys: Vec<String> = o
                .keys()
                .take(6)
                .map(|k| format!("{:?}", clip(k, 40)))
                .collect();
            let more = if o.len() > 6 { ", …" } else { "" };
            format!("an object with keys {}{more}", keys.join(", "))
        }
    }
}

/// At most `max` characters of `s`, with an ellipsis when cut.
pub(crate) fn clip(s: &str, max: usize) -> String {
    let mut chars = s.chars();
    let head: String = chars.by_ref().take(max).collect();
    if chars.next().is_some() {
        format!("{head}…")
    } else {
        head
    }
}
