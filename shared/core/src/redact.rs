//! Secret redaction for log excerpts and other untrusted text, and the small line tools that go
//! with it: which lines are error lines ([`mark`]), and how to cut and decode them safely
//! ([`cap_line`], [`from_bytes`]).
//!
//! A stopped task's last log lines are the best evidence of why it stopped, and also the text most
//! likely to hold a secret: a connection string printed at start-up, an `Authorization` header in
//! a request dump, an environment listing after a crash. Every excerpt that leaves this process
//! (a notification, an incident record, the CLI's output) goes through [`redact`] first.
//!
//! Redaction is a set of hand-written scanners over bytes, each linear in the line's length, that
//! report byte ranges to hide; overlapping findings merge and each merged range becomes one
//! `[REDACTED:<kind>]` marker. A line with nothing to hide comes back borrowed, unchanged and
//! unallocated. The scanners err on the side of hiding: a value behind a password label is hidden
//! even when it looks like a word, while a bare token is hidden only when its shape is specific
//! (an AWS key id prefix, `ghp_`, `eyJ…` with three segments), so ARNs, digests, request ids and
//! task ids pass through untouched.
//!
//! Redact first, cap second: a secret cut in half by [`cap_line`] may no longer be recognisable.

mod auth;
mod cap;
mod kind;
mod mark;
mod pairs;
mod pem;
mod scan;
mod span;
mod tokens;
mod url;

use std::borrow::Cow;
use std::fmt;

pub use cap::{cap_line, from_bytes};
pub use kind::{Kinds, SecretKind};
pub use mark::{mark, Mark};

use span::Spans;

/// The result of redacting one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redacted<'a> {
    /// The line with each secret replaced by `[REDACTED:<kind>]`; borrowed when nothing changed.
    pub text: Cow<'a, str>,
    /// How many markers were written.
    pub count: usize,
    /// The kinds the markers name.
    pub kinds: Kinds,
}

impl<'a> Redacted<'a> {
    fn unchanged(line: &'a str) -> Redacted<'a> {
        Redacted {
            text: Cow::Borrowed(line),
            count: 0,
            kinds: Kinds::default(),
        }
    }

    /// Whether anything was replaced.
    pub fn changed(&self) -> bool {
        self.count > 0
    }

    pub fn into_text(self) -> Cow<'a, str> {
        self.text
    }
}

impl fmt::Display for Redacted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Replaces the secrets in one log line.
///
/// A PEM private key that spans several lines is hidden from its `-----BEGIN` line to the end of
/// that line only; use a [`Redactor`] over consecutive lines to hide the rest of the block.
pub fn redact(line: &str) -> Redacted<'_> {
    let mut block = None;
    run(line, &[], &mut block)
}

/// [`redact`], and also every exact occurrence of a known secret value (a task's own secret values,
/// when a caller has them). Values shorter than [`MIN_KNOWN_SECRET_CHARS`] characters are ignored:
/// replacing every `admin` or `1234` in a log would shred the text and protect nothing.
pub fn redact_known<'a>(line: &'a str, secrets: &[&str]) -> Redacted<'a> {
    let mut block = None;
    run(line, secrets, &mut block)
}

/// Known secret values shorter than this (in characters) are not searched for.
pub const MIN_KNOWN_SECRET_CHARS: usize = 6;

/// Lines of key material a [`Redactor`] hides after a `-----BEGIN … PRIVATE KEY-----` line without
/// seeing `-----END`, before it decides the block was cut short. A PEM 8192-bit RSA key is about
/// 100 lines of 64 characters.
pub const MAX_PRIVATE_KEY_LINES: u32 = 256;

/// Redacts consecutive lines of one log stream, carrying what one line cannot show on its own:
/// whether the previous lines opened a private key block that has not ended yet.
///
/// Inside a block, a line is hidden whole while it looks like key material (base64, PEM headers
/// such as `Proc-Type:`, blank lines) until the `-----END` marker. A line that does not look like
/// key material (`Traceback (most recent call last):`) ends the block early, so a key whose end was
/// never logged does not swallow the rest of the log; [`MAX_PRIVATE_KEY_LINES`] bounds it too.
#[derive(Clone, Default)]
pub struct Redactor<'k> {
    known: &'k [&'k str],
    /// `Some(lines hidden so far)` while inside a private key block.
    block: Option<u32>,
}

impl<'k> Redactor<'k> {
    pub fn new() -> Redactor<'static> {
        Redactor {
            known: &[],
            block: None,
        }
    }

    /// A redactor that also hides these known secret values (see [`redact_known`]).
    pub fn with_known(secrets: &'k [&'k str]) -> Redactor<'k> {
        Redactor {
            known: secrets,
            block: None,
        }
    }

    /// Redacts the next line of the stream.
    pub fn redact<'a>(&mut self, line: &'a str) -> Redacted<'a> {
        run(line, self.known, &mut self.block)
    }

    /// Whether the lines so far opened a private key block that has not ended.
    pub fn in_private_key(&self) -> bool {
        self.block.is_some()
    }
}

// Hand-written so that the known secret values never reach a log through `{:?}`.
impl fmt::Debug for Redactor<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redactor")
            .field("known_secrets", &self.known.len())
            .field("in_private_key", &self.block.is_some())
            .finish()
    }
}

fn run<'a>(line: &'a str, known: &[&str], block: &mut Option<u32>) -> Redacted<'a> {
    let mut spans = Spans::default();
    if let Some(lines) = *block {
        match pem::end_of_block(line) {
            Some(end) => {
                spans.push(0, end, SecretKind::PrivateKey);
                *block = None;
            }
            None if lines < MAX_PRIVATE_KEY_LINES && pem::is_key_material(line) => {
                *block = Some(lines.saturating_add(1));
                spans.push(0, line.len(), SecretKind::PrivateKey);
                return spans.apply(line);
            }
            None => *block = None,
        }
    }
    tokens::scan(line, &mut spans);
    pairs::scan(line, &mut spans);
    url::scan(line, &mut spans);
    url::scan_slack_webhooks(line, &mut spans);
    auth::scan_bearer(line, &mut spans);
    if pem::scan(line, &mut spans) {
        *block = Some(0);
    }
    for secret in known {
        if secret.chars().count() < MIN_KNOWN_SECRET_CHARS {
            continue;
        }
        for (at, found) in line.match_indices(secret) {
            spans.push(at, at.saturating_add(found.len()), SecretKind::Known);
        }
    }
    if spans.is_empty() {
        return Redacted::unchanged(line);
    }
    spans.apply(line)
}

#[cfg(test)]
mod tests;
