//! PEM private key blocks (RFC 7468): `-----BEGIN <label>-----`, base64, `-----END <label>-----`,
//! where the label contains `PRIVATE KEY` (`RSA PRIVATE KEY`, `EC PRIVATE KEY`, `ENCRYPTED
//! PRIVATE KEY`, `OPENSSH PRIVATE KEY`, `PGP PRIVATE KEY BLOCK`). Certificates and public keys are
//! not secrets and are left alone.
//!
//! A key logged from a JSON field sits on one line with `\n` escapes; a key printed as text spans
//! many lines, and the [`Redactor`](super::Redactor) carries the open block from line to line with
//! [`end_of_block`] and [`is_key_material`].

use super::kind::SecretKind;
use super::scan::{find, is_b64, run_end};
use super::span::Spans;

const BEGIN: &[u8] = b"-----BEGIN";
const END: &[u8] = b"-----END";
const DASHES: &[u8] = b"-----";
/// Longest label looked for between `-----BEGIN ` and `-----`.
const MAX_LABEL: usize = 64;

/// Hides every private key block in the line; answers whether the last one is still open at the
/// end of the line.
pub(crate) fn scan(line: &str, out: &mut Spans) -> bool {
    let b = line.as_bytes();
    let mut from = 0;
    while let Some(begin) = find(b, BEGIN, from) {
        let label_start = begin + BEGIN.len();
        let Some(label_end) = find(b, DASHES, label_start) else {
            return false;
        };
        from = label_end;
        let private = b
            .get(label_start..label_end)
            .is_some_and(|l| l.len() <= MAX_LABEL && find(l, b"PRIVATE KEY", 0).is_some());
        if !private {
            continue;
        }
        match find(b, END, label_end + DASHES.len()) {
            Some(end) => {
                let end = end_of_marker(b, end);
                out.push(begin, end, SecretKind::PrivateKey);
                from = end;
            }
            None => {
                out.push(begin, b.len(), SecretKind::PrivateKey);
                return true;
            }
        }
    }
    false
}

/// Where `-----END <label>-----` ends, the label being upper-case words.
fn end_of_marker(b: &[u8], end: usize) -> usize {
    let label_end = run_end(b, end + END.len(), |c| {
        c.is_ascii_uppercase() || c.is_ascii_digit() || c == b' '
    })
    .min(end + END.len() + MAX_LABEL);
    run_end(b, label_end, |c| c == b'-').min(label_end + DASHES.len())
}

/// Inside an open block: where the line's `-----END …-----` marker ends, if it has one.
pub(crate) fn end_of_block(line: &str) -> Option<usize> {
    let b = line.as_bytes();
    find(b, END, 0).map(|end| end_of_marker(b, end))
}

/// Inside an open block: whether the line is more of the key. Key lines are base64 (64 characters
/// in PEM, 70 in OpenSSH), possibly behind a log prefix or inside a log driver's JSON; encrypted
/// keys add `Proc-Type:` and `DEK-Info:` headers and a blank line; the last line may be short.
/// A line of prose ends the block early.
pub(crate) fn is_key_material(line: &str) -> bool {
    let trimmed = line.trim();
    if trimmed.is_empty()
        || ["Proc-Type:", "DEK-Info:", "Comment:", "Version:"]
            .iter()
            .any(|h| trimmed.starts_with(h))
    {
        return true;
    }
    let b = trimmed.as_bytes();
    let short_unbroken = b.len() <= 100 && !b.iter().any(u8::is_ascii_whitespace);
    short_unbroken || longest_base64_run(b) >= 40
}

fn longest_base64_run(b: &[u8]) -> usize {
    let mut longest = 0;
    let mut i = 0;
    while i < b.len() {
        let end = run_end(b, i, |c| is_b64(c) || c == b'=');
        longest = longest.max(end - i);
        i = end + 1;
    }
    longest
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::redact::{redact, Redactor};

    #[test]
    fn a_key_on_one_line_is_hidden_from_begin_to_end() {
        let line = r#"{"pem":"-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7\n-----END RSA PRIVATE KEY-----\n","id":"k1"}"#;
        assert_eq!(
            redact(line).text,
            r#"{"pem":"[REDACTED:private-key]\n","id":"k1"}"#
        );
    }

    #[test]
    fn a_key_behind_a_label_is_hidden_with_the_whole_value() {
        let line = r#"{"private_key":"-----BEGIN PRIVATE KEY-----\nMIIEvQIBADAN\n-----END PRIVATE KEY-----\n","id":"k1"}"#;
        assert_eq!(
            redact(line).text,
            r#"{"private_key":"[REDACTED:secret]","id":"k1"}"#
        );
    }

    #[test]
    fn certificates_and_public_keys_are_not_hidden() {
        for line in [
            "-----BEGIN CERTIFICATE-----MIIBszCCAVmgAwIBAgIU-----END CERTIFICATE-----",
            "-----BEGIN PUBLIC KEY-----",
            "-----BEGIN",
        ] {
            assert_eq!(redact(line).text, line);
        }
    }

    #[test]
    fn a_redactor_hides_a_key_across_lines_and_stops_at_its_end() {
        let lines = [
            "key: -----BEGIN OPENSSH PRIVATE KEY-----",
            "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW",
            "QyNTUxOQAAACDh",
            "-----END OPENSSH PRIVATE KEY----- loaded",
            "server listening on :8080",
        ];
        let mut r = Redactor::new();
        let out: Vec<String> = lines
            .iter()
            .map(|l| r.redact(l).text.into_owned())
            .collect();
        assert_eq!(
            out,
            [
                "key: [REDACTED:private-key]",
                "[REDACTED:private-key]",
                "[REDACTED:private-key]",
                "[REDACTED:private-key] loaded",
                "server listening on :8080",
            ]
        );
        assert!(!r.in_private_key());
    }

    #[test]
    fn prose_ends_a_key_block_that_never_ended() {
        let mut r = Redactor::new();
        let _ = r.redact("-----BEGIN PRIVATE KEY-----");
        assert!(r.in_private_key());
        let line = "Traceback (most recent call last):";
        assert_eq!(r.redact(line).text, line);
        assert!(!r.in_private_key());
    }

    #[test]
    fn key_material_is_recognised_behind_a_log_prefix() {
        assert!(is_key_material(
            "2024-05-01T10:00:00Z MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7"
        ));
        assert!(is_key_material("Proc-Type: 4,ENCRYPTED"));
        assert!(is_key_material(""));
        assert!(!is_key_material("ERROR failed to start the server"));
    }
}
