//! Credentials in URLs: the password of `scheme://user:password@host` (RFC 3986 §3.2.1, and every
//! database driver's connection URL: `postgres://`, `mysql://`, `mongodb+srv://`, `redis://`,
//! `amqp://`), and Slack incoming-webhook URLs, whose path is the secret.

use super::kind::SecretKind;
use super::pairs::is_placeholder;
use super::scan::{at, before, find, find_ci, is_space_or_control, run_end, starts_ci};
use super::span::Spans;

/// Longest scheme looked for before `://`.
const MAX_SCHEME: usize = 32;

pub(crate) fn scan(line: &str, out: &mut Spans) {
    let b = line.as_bytes();
    let mut from = 0;
    while let Some(p) = find(b, b"://", from) {
        let authority_start = p + 3;
        // The authority ends at the path, query or fragment, or wherever the URL itself ends.
        let authority_end = run_end(b, authority_start, |c| {
            !is_space_or_control(c)
                && !matches!(
                    c,
                    b'/' | b'?' | b'#' | b'"' | b'\'' | b'<' | b'>' | b'\\' | b'`'
                )
        });
        from = authority_end.max(authority_start);
        if !has_scheme(b, p) {
            continue;
        }
        let Some(authority) = b.get(authority_start..authority_end) else {
            continue;
        };
        // The last `@` ends the user info: a password may contain an unencoded `@`, a host never.
        let Some(at_sign) = authority.iter().rposition(|c| *c == b'@') else {
            continue;
        };
        let Some(colon) = authority.iter().take(at_sign).position(|c| *c == b':') else {
            continue;
        };
        let start = authority_start + colon + 1;
        let end = authority_start + at_sign;
        if b.get(start..end).is_some_and(|pw| !is_placeholder(pw)) {
            out.push(start, end, SecretKind::UrlPassword);
        }
    }
}

fn has_scheme(b: &[u8], colon: usize) -> bool {
    let is_scheme_char = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.');
    let mut s = colon;
    while s > 0 && colon - s < MAX_SCHEME && is_scheme_char(before(b, s)) {
        s -= 1;
    }
    s < colon && at(b, s).is_ascii_alphabetic()
}

/// `https://hooks.slack.com/services/T…/B…/…` (and `/workflows/`, `/triggers/`): anyone with the
/// URL can post to the channel, so everything after the path prefix is hidden.
pub(crate) fn scan_slack_webhooks(line: &str, out: &mut Spans) {
    let b = line.as_bytes();
    let mut from = 0;
    while let Some(p) = find_ci(b, b"hooks.slack.com/", from) {
        from = p + 16;
        let Some(kind_len) = [&b"services/"[..], b"workflows/", b"triggers/"]
            .iter()
            .find(|k| starts_ci(b, from, k))
            .map(|k| k.len())
        else {
            continue;
        };
        let start = from + kind_len;
        let end = run_end(b, start, |c| {
            c.is_ascii_alphanumeric() || matches!(c, b'/' | b'_' | b'-')
        });
        if end - start >= 8 {
            out.push(start, end, SecretKind::SlackWebhook);
            from = end;
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::redact::redact;

    fn text(line: &str) -> String {
        redact(line).text.into_owned()
    }

    #[test]
    fn a_url_password_is_hidden_and_the_user_and_host_kept() {
        let cases = [
            (
                "postgres://app:s3cr3t@db.internal:5432/app",
                "postgres://app:[REDACTED:url-password]@db.internal:5432/app",
            ),
            (
                "mongodb+srv://admin:p@ss@cluster0.example.net/db",
                "mongodb+srv://admin:[REDACTED:url-password]@cluster0.example.net/db",
            ),
            (
                "redis://:hunter22@cache:6379/0",
                "redis://:[REDACTED:url-password]@cache:6379/0",
            ),
            (
                "jdbc:mysql://root:toor@10.0.0.5:3306/shop",
                "jdbc:mysql://root:[REDACTED:url-password]@10.0.0.5:3306/shop",
            ),
        ];
        for (line, want) in cases {
            assert_eq!(text(line), want);
        }
    }

    #[test]
    fn urls_without_a_password_are_left_alone() {
        for line in [
            "https://example.com:8443/path?email=a@b.com",
            "ssh://git@github.com/org/repo.git",
            "https://user@example.com/",
            "https://user:@example.com/",
            "://:x@y",
            "http://169.254.170.2/v4/0123456789abcdef0123456789abcdef-1234567890",
        ] {
            assert_eq!(text(line), line);
        }
    }

    #[test]
    fn a_slack_webhook_keeps_only_its_host_and_kind() {
        assert_eq!(
            text("posting to https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"),
            "posting to https://hooks.slack.com/services/[REDACTED:slack-webhook]"
        );
    }

    #[test]
    fn many_schemes_in_a_row_stay_linear() {
        let line = "a://".repeat(100_000) + &"x:y@".repeat(100_000);
        let _ = text(&line);
    }
}
