//! Which log lines are error lines, and what kind of error they show.
//!
//! The kinds are checked from the most specific to the most generic, and the first that matches
//! wins: a line often carries several (`Exception in thread "main" java.lang.OutOfMemoryError`,
//! `panic: open /etc/app.yaml: no such file or directory`, `Error: connect ECONNREFUSED`), and the
//! specific one names the cause while the generic one only names the crash. Matching ignores ASCII
//! case except where case is the signal: `ERROR` and `FATAL` as level words, `TypeError:` and
//! `IOException` as exception class names, `Error:` opening a Node.js crash.

use std::fmt;

use super::scan::{at, before, find, find_ci, run_end, skip_blanks, starts, starts_ci};

/// The kind of error a log line shows, most specific first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mark {
    /// `OutOfMemoryError`, `Killed process`, `oom-kill`, `JavaScript heap out of memory`,
    /// `Cannot allocate memory`, `MemoryError`.
    OutOfMemory,
    /// `exec format error`: an image built for another CPU architecture.
    ExecFormat,
    /// `permission denied`, `EACCES`, `operation not permitted`, `AccessDenied`.
    PermissionDenied,
    /// A missing command, file or module: `command not found`, `No such file or directory`,
    /// `ModuleNotFoundError`, `Cannot find module`.
    NotFound,
    /// `ECONNREFUSED`, `connection refused`.
    ConnectionRefused,
    /// `timed out`, `ETIMEDOUT`, `context deadline exceeded`, `i/o timeout`.
    Timeout,
    /// Rust `panicked at`, Go `panic:` and `goroutine 1 [running]`, segmentation faults.
    Panic,
    /// Java `Exception in thread` and `Caused by:`, Python `Traceback (most recent call last)`,
    /// Node `Error:` at the start of a line, `TypeError:`, `Unhandled …`.
    Exception,
    /// `FATAL`, `fatal error`, `level=fatal`, `"level":"fatal"`, `CRITICAL`.
    Fatal,
    /// `ERROR`, `level=error`, `"level":"error"`, `[error]`.
    Error,
}

impl Mark {
    pub fn as_str(self) -> &'static str {
        match self {
            Mark::OutOfMemory => "out-of-memory",
            Mark::ExecFormat => "exec-format",
            Mark::PermissionDenied => "permission-denied",
            Mark::NotFound => "not-found",
            Mark::ConnectionRefused => "connection-refused",
            Mark::Timeout => "timeout",
            Mark::Panic => "panic",
            Mark::Exception => "exception",
            Mark::Fatal => "fatal",
            Mark::Error => "error",
        }
    }
}

impl fmt::Display for Mark {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Phrases matched ignoring ASCII case (written lower-case), with the kind each one shows.
const NEEDLES: &[(&[u8], Mark)] = &[
    // The JVM (`java.lang.OutOfMemoryError: Java heap space`), the Linux OOM killer (`Out of
    // memory: Killed process 1234 (java)`, `oom-kill:constraint=…`), V8 (`FATAL ERROR: …
    // JavaScript heap out of memory`), errno `ENOMEM`, Python `MemoryError`, C++ `bad_alloc`.
    (b"outofmemory", Mark::OutOfMemory),
    (b"out of memory", Mark::OutOfMemory),
    (b"killed process", Mark::OutOfMemory),
    (b"oom-kill", Mark::OutOfMemory),
    (b"oom_kill", Mark::OutOfMemory),
    (b"oomkill", Mark::OutOfMemory),
    (b"cannot allocate memory", Mark::OutOfMemory),
    (b"memoryerror", Mark::OutOfMemory),
    (b"bad_alloc", Mark::OutOfMemory),
    (b"java heap space", Mark::OutOfMemory),
    (b"gc overhead limit exceeded", Mark::OutOfMemory),
    // `exec /app/server: exec format error`: the kernel's `ENOEXEC` as runc reports it.
    (b"exec format error", Mark::ExecFormat),
    (b"permission denied", Mark::PermissionDenied),
    (b"eacces", Mark::PermissionDenied),
    (b"operation not permitted", Mark::PermissionDenied),
    (b"accessdenied", Mark::PermissionDenied),
    (b"access denied", Mark::PermissionDenied),
    (b"not authorized to perform", Mark::PermissionDenied),
    // Shells (`bash: node: command not found`), runc (`exec: "node": executable file not found
    // in $PATH`), errno `ENOENT`, Python, Node and the JVM.
    (b"command not found", Mark::NotFound),
    (b"executable file not found", Mark::NotFound),
    (b"no such file or directory", Mark::NotFound),
    (b"enoent", Mark::NotFound),
    (b"modulenotfounderror", Mark::NotFound),
    (b"no module named", Mark::NotFound),
    (b"cannot find module", Mark::NotFound),
    (b"classnotfoundexception", Mark::NotFound),
    (b"noclassdeffounderror", Mark::NotFound),
    (b"could not find or load main class", Mark::NotFound),
    (b"econnrefused", Mark::ConnectionRefused),
    (b"connection refused", Mark::ConnectionRefused),
    (b"timed out", Mark::Timeout),
    (b"etimedout", Mark::Timeout),
    (b"deadline exceeded", Mark::Timeout),
    (b"i/o timeout", Mark::Timeout),
    (b"timeouterror", Mark::Timeout),
    (b"timeoutexception", Mark::Timeout),
    (b"panicked at", Mark::Panic),
    (b"panic:", Mark::Panic),
    (b"segmentation fault", Mark::Panic),
    (b"sigsegv", Mark::Panic),
    (b"exception in thread", Mark::Exception),
    (b"caused by:", Mark::Exception),
    (b"traceback (most recent call last)", Mark::Exception),
    (b"unhandled", Mark::Exception),
    (b"uncaught", Mark::Exception),
    // Go's runtime (`fatal error: concurrent map writes`), git and Postgres (`fatal:`,
    // `FATAL:`), CPython (`Fatal Python error:`), nginx's `[crit]`, `[alert]` and `[emerg]`.
    (b"fatal error", Mark::Fatal),
    (b"fatal:", Mark::Fatal),
    (b"fatal python error", Mark::Fatal),
    (b"[crit]", Mark::Fatal),
    (b"[alert]", Mark::Fatal),
    (b"[emerg]", Mark::Fatal),
    // nginx and Apache (`[error]`, `[core:error]`).
    (b"[error]", Mark::Error),
    (b":error]", Mark::Error),
];

const _: () = assert!(
    NEEDLES.len() <= 64,
    "NEEDLES_BY_FIRST_BYTE holds a u64 bit per needle"
);

/// For each lower-case first byte, a bit per needle that starts with it: one pass over the line
/// tries at each position only the few needles that can start there.
const NEEDLES_BY_FIRST_BYTE: [u64; 256] = needles_by_first_byte();

// A `u8` always indexes a 256-element array in bounds, and const fns cannot use `get`.
#[allow(clippy::indexing_slicing)]
const fn needles_by_first_byte() -> [u64; 256] {
    let mut table = [0u64; 256];
    let mut rest = NEEDLES;
    let mut bit = 0;
    while let Some(((needle, _), tail)) = rest.split_first() {
        if let Some(first) = needle.first() {
            table[*first as usize] |= 1 << bit;
        }
        rest = tail;
        bit += 1;
    }
    table
}

/// Classifies one log line; `None` when it does not look like an error line.
pub fn mark(line: &str) -> Option<Mark> {
    let b = line.as_bytes();
    let mut best = at_line_edges(line);
    for i in 0..b.len() {
        if best == Some(Mark::OutOfMemory) {
            break;
        }
        best = min(best, mark_at(b, i, best));
    }
    // Phrases in two parts, tried only when they would change the answer.
    if best.is_none_or(|m| m > Mark::OutOfMemory) && rust_allocation_failed(b) {
        best = Some(Mark::OutOfMemory);
    }
    if best.is_none_or(|m| m > Mark::Panic) && go_goroutine_dump(b) {
        best = Some(Mark::Panic);
    }
    best
}

fn min(a: Option<Mark>, b: Option<Mark>) -> Option<Mark> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The most specific kind shown by something that starts at `b[i]`, if more specific than `best`.
fn mark_at(b: &[u8], i: usize, best: Option<Mark>) -> Option<Mark> {
    let raw = at(b, i);
    let mut found = None;
    let better = |m: Mark, found: Option<Mark>| min(best, found).is_none_or(|f| m < f);
    let mut bits = NEEDLES_BY_FIRST_BYTE
        .get(usize::from(raw.to_ascii_lowercase()))
        .copied()
        .unwrap_or(0);
    while bits != 0 {
        let k = bits.trailing_zeros() as usize;
        bits &= bits - 1;
        if let Some((needle, kind)) = NEEDLES.get(k) {
            if better(*kind, found) && starts_ci(b, i, needle) {
                found = Some(*kind);
            }
        }
    }
    let word = match raw {
        b'E' if word_at(b, i, b"EPERM") => Some(Mark::PermissionDenied),
        b'E' if exception_class_at(b, i) => Some(Mark::Exception),
        b'E' if word_at(b, i, b"ERROR") => Some(Mark::Error),
        b'F' if word_at(b, i, b"FATAL") => Some(Mark::Fatal),
        b'C' if word_at(b, i, b"CRITICAL") => Some(Mark::Fatal),
        b'l' | b'L' | b's' | b'S' => level_at(b, i),
        _ => None,
    };
    match word {
        Some(m) if better(m, found) => Some(m),
        _ => found,
    }
}

/// What only the start or the end of a line shows: Node's `Error:` opening a crash, a tool's
/// `error:` or `Error connecting…`, and dash/busybox's `sh: 1: node: not found`.
fn at_line_edges(line: &str) -> Option<Mark> {
    let trimmed = line.trim();
    let b = trimmed.as_bytes();
    let tail_start = b.len().saturating_sub(11);
    if b.len() >= 11
        && b.get(tail_start..)
            .is_some_and(|t| t.eq_ignore_ascii_case(b": not found"))
    {
        Some(Mark::NotFound)
    } else if trimmed.starts_with("Error:") {
        Some(Mark::Exception)
    } else if starts_ci(b, 0, b"error") && matches!(at(b, 5), b':' | b' ' | b'[' | b'(' | b'\t') {
        Some(Mark::Error)
    } else {
        None
    }
}

/// Rust's default allocation error handler: `memory allocation of 1048576 bytes failed`.
fn rust_allocation_failed(b: &[u8]) -> bool {
    find_ci(b, b"memory allocation of", 0).is_some_and(|p| find_ci(b, b"failed", p).is_some())
}

/// `goroutine 1 [running]:`, the first line of a Go panic's stack dump.
fn go_goroutine_dump(b: &[u8]) -> bool {
    find(b, b"goroutine ", 0).is_some_and(|p| find(b, b" [running]", p).is_some())
}

fn is_word_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// A level word at `b[i]`, bounded by anything but a letter, digit or `_` (`[ERROR]`, `ERROR:`,
/// `"ERROR"`), so `NO_ERROR` and `ERRORS` do not count. Case-sensitive: "error" in prose is not.
fn word_at(b: &[u8], i: usize, word: &[u8]) -> bool {
    starts(b, i, word) && !is_word_byte(before(b, i)) && !is_word_byte(at(b, i + word.len()))
}

/// The end of a class name at `b[i]`: `Exception` not followed by more identifier
/// (`java.io.IOException`, Python's bare `Exception:`, but not `handleException(`), or `Error`
/// after a letter and followed by `:` or the end of the line (`TypeError: x`,
/// `java.lang.StackOverflowError`, but not `hasError=false`).
fn exception_class_at(b: &[u8], i: usize) -> bool {
    if starts(b, i, b"Exception") {
        let next = at(b, i + 9);
        return !(is_word_byte(next) || next == b'(');
    }
    if starts(b, i, b"Error") && before(b, i).is_ascii_alphabetic() {
        let rest = b.get(i + 5..).unwrap_or_default();
        return rest.first() == Some(&b':') || rest.iter().all(u8::is_ascii_whitespace);
    }
    false
}

/// A structured level field at `b[i]`: `level=error` (logfmt), `"level":"error"` (JSON),
/// `"levelname": "ERROR"` (python-json-logger), `severity=critical`, `lvl=eror` (log15), and
/// pino/bunyan's numeric `"level":50` (error) and `60` (fatal).
fn level_at(b: &[u8], i: usize) -> Option<Mark> {
    let key = [&b"level"[..], b"lvl", b"severity"]
        .into_iter()
        .find(|k| starts_ci(b, i, k))?;
    let mut q = i + key.len();
    if starts_ci(b, q, b"name") {
        q += 4;
    }
    if matches!(at(b, q), b'"' | b'\'') {
        q += 1;
    }
    q = skip_blanks(b, q);
    if !matches!(at(b, q), b'=' | b':') {
        return None;
    }
    q = skip_blanks(b, q + 1);
    if matches!(at(b, q), b'"' | b'\'') {
        q += 1;
    }
    let value = b.get(q..run_end(b, q, |c| c.is_ascii_alphanumeric()))?;
    let is = |w: &[u8]| value.eq_ignore_ascii_case(w);
    let numeric = key == b"level";
    if is(b"panic") || is(b"dpanic") {
        Some(Mark::Panic)
    } else if ["fatal", "critical", "crit", "emerg", "emergency", "alert"]
        .iter()
        .any(|w| is(w.as_bytes()))
        || (numeric && value == b"60")
    {
        Some(Mark::Fatal)
    } else if is(b"error") || is(b"err") || is(b"eror") || (numeric && value == b"50") {
        Some(Mark::Error)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_is_recognised_from_a_real_message() {
        let cases = [
            ("thread 'main' panicked at src/main.rs:12:5:", Mark::Panic),
            (
                "panic: runtime error: invalid memory address or nil pointer dereference",
                Mark::Panic,
            ),
            ("goroutine 1 [running]:", Mark::Panic),
            (
                r#"Exception in thread "main" java.lang.IllegalStateException: boom"#,
                Mark::Exception,
            ),
            (
                "Caused by: java.lang.IllegalArgumentException: bad",
                Mark::Exception,
            ),
            ("Traceback (most recent call last):", Mark::Exception),
            (
                "Error: listen EADDRINUSE: address already in use :::3000",
                Mark::Exception,
            ),
            (
                "TypeError: Cannot read properties of undefined (reading 'x')",
                Mark::Exception,
            ),
            (
                "[UnhandledPromiseRejection: This error originated either by throwing]",
                Mark::Exception,
            ),
            (
                r#"Exception in thread "main" java.lang.OutOfMemoryError: Java heap space"#,
                Mark::OutOfMemory,
            ),
            (
                "Out of memory: Killed process 1234 (java) total-vm:4GB",
                Mark::OutOfMemory,
            ),
            (
                "kernel: oom-kill:constraint=CONSTRAINT_MEMCG",
                Mark::OutOfMemory,
            ),
            (
                "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory",
                Mark::OutOfMemory,
            ),
            ("fork: Cannot allocate memory", Mark::OutOfMemory),
            ("MemoryError", Mark::OutOfMemory),
            (
                "memory allocation of 1048576 bytes failed",
                Mark::OutOfMemory,
            ),
            (
                "exec /usr/local/bin/app: exec format error",
                Mark::ExecFormat,
            ),
            ("sh: 1: node: not found", Mark::NotFound),
            ("bash: gunicorn: command not found", Mark::NotFound),
            (
                "exec /docker-entrypoint.sh: no such file or directory",
                Mark::NotFound,
            ),
            (
                "ModuleNotFoundError: No module named 'flask'",
                Mark::NotFound,
            ),
            ("Error: Cannot find module 'express'", Mark::NotFound),
            ("open /data/db: permission denied", Mark::PermissionDenied),
            (
                "PermissionError: [Errno 13] Permission denied: '/var/log/app.log'",
                Mark::PermissionDenied,
            ),
            (
                "Error: connect ECONNREFUSED 127.0.0.1:5432",
                Mark::ConnectionRefused,
            ),
            (
                "dial tcp 10.0.1.5:6379: connect: connection refused",
                Mark::ConnectionRefused,
            ),
            ("context deadline exceeded", Mark::Timeout),
            (
                "requests.exceptions.ReadTimeout: Read timed out. (read timeout=10)",
                Mark::Timeout,
            ),
            (
                "2024-05-01 12:00:00 FATAL [main] shutting down",
                Mark::Fatal,
            ),
            (
                "fatal error: all goroutines are asleep - deadlock!",
                Mark::Fatal,
            ),
            (
                "time=2024-05-01T12:00:00Z level=fatal msg=\"cannot start\"",
                Mark::Fatal,
            ),
            (r#"{"level":"fatal","msg":"bye"}"#, Mark::Fatal),
            (
                "2024-05-01 12:00:00,123 CRITICAL app: disk full",
                Mark::Fatal,
            ),
            (r#"{"level":60,"msg":"bye"}"#, Mark::Fatal),
            (
                "2024-05-01 12:00:00 ERROR [main] c.e.App - request failed",
                Mark::Error,
            ),
            (
                "time=2024-05-01T12:00:00Z level=error msg=\"request failed\"",
                Mark::Error,
            ),
            (r#"{"level":"error","msg":"request failed"}"#, Mark::Error),
            (
                r#"{"levelname": "ERROR", "message": "request failed"}"#,
                Mark::Error,
            ),
            (
                "2024/05/01 12:00:00 [error] 7#7: *1 upstream prematurely closed",
                Mark::Error,
            ),
            ("error: could not read config", Mark::Error),
        ];
        for (line, want) in cases {
            assert_eq!(mark(line), Some(want), "{line}");
        }
    }

    #[test]
    fn ordinary_lines_are_not_error_lines() {
        for line in [
            "",
            "server listening on :8080",
            "level=info msg=\"no errors found\"",
            r#"{"level":"info","msg":"password reset email sent"}"#,
            "INFO  NO_ERROR returned by handler",
            "GET /health 200 1ms",
            "retrying without exception handling",
            "hasError=false took=3ms",
        ] {
            assert_eq!(mark(line), None, "{line}");
        }
    }

    #[test]
    fn the_cause_wins_over_the_crash() {
        assert_eq!(
            mark("panic: open /etc/app.yaml: no such file or directory"),
            Some(Mark::NotFound)
        );
        assert_eq!(
            mark("ERROR panic: dial tcp: connection refused"),
            Some(Mark::ConnectionRefused)
        );
        assert_eq!(
            mark("ERROR java.lang.NullPointerException: null"),
            Some(Mark::Exception)
        );
    }

    #[test]
    fn huge_and_hostile_lines_are_classified_without_panicking() {
        let line = "\u{0}\u{7f}é".repeat(50_000) + "level=" + &"x".repeat(10);
        assert_eq!(mark(&line), None);
        assert_eq!(mark("level="), None);
        assert_eq!(mark("Error"), None);
    }
}
