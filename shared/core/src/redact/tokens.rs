//! Secrets recognised by their own shape, wherever they appear: AWS access key ids, GitHub, Slack,
//! Stripe and Google keys, JWTs and STS session tokens.
//!
//! Each shape starts with a fixed prefix at a token boundary, so one pass over the line looks at
//! the first byte of every candidate and only then reads further. A candidate with an unbounded
//! body (a JWT, a Slack token) is only tried where the previous byte cannot belong to that body,
//! so bodies never overlap and the pass stays linear however hostile the line.

use super::kind::SecretKind;
use super::scan::{at, before, is_b64, is_b64url, mixed_case, run_end, starts};
use super::span::Spans;

/// IAM unique-id prefixes of keys and principals (AWS IAM User Guide, "Unique identifiers").
const AWS_ID_PREFIXES: [&[u8]; 8] = [
    b"AKIA", b"ASIA", b"AGPA", b"AIDA", b"AROA", b"ANPA", b"ANVA", b"AIPA",
];

/// The base64 openings of STS session tokens: the current `IQoJb3JpZ2luX2Vj` ("…origin_ec…") and
/// the older `FwoGZXIvYXdz`/`FQoGZXIvYXdz` ("…er/aws…").
const SESSION_TOKEN_PREFIXES: [&[u8]; 3] =
    [b"IQoJb3JpZ2luX2Vj", b"FwoGZXIvYXdzE", b"FQoGZXIvYXdzE"];

/// STS session tokens are several hundred characters; a shorter run is something else.
const MIN_SESSION_TOKEN: usize = 100;

pub(crate) fn scan(line: &str, out: &mut Spans) {
    let b = line.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let prev = before(b, i);
        let found = if prev.is_ascii_alphanumeric() {
            None
        } else {
            match at(b, i) {
                b'A' => aws_key_id(b, i, out).or_else(|| google_api_key(b, i, prev, out)),
                b'g' => github(b, i, prev, out),
                b'x' => slack(b, i, prev, out),
                b's' | b'r' => stripe(b, i, prev, out),
                b'e' => jwt(b, i, prev, out),
                b'I' | b'F' => session_token(b, i, prev, out),
                _ => None,
            }
        };
        i = match found {
            Some(end) if end > i => end,
            _ => i + 1,
        };
    }
}

fn aws_key_id(b: &[u8], i: usize, out: &mut Spans) -> Option<usize> {
    let prefix = b.get(i..i + 4)?;
    if !AWS_ID_PREFIXES.contains(&prefix) {
        return None;
    }
    let end = i + 20;
    let body = b.get(i + 4..end)?;
    if !body
        .iter()
        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        || at(b, end).is_ascii_alphanumeric()
    {
        return None;
    }
    out.push(i, end, SecretKind::AwsAccessKeyId);
    Some(paired_secret_key(b, end, out).unwrap_or(end))
}

/// A 40-character secret right after an access key id (`AKIA…:wJalr…`, `AKIA… wJalr…` in an
/// `aws configure` dump or a CSV of credentials): the key id is label enough.
fn paired_secret_key(b: &[u8], from: usize, out: &mut Spans) -> Option<usize> {
    let sep = |c: u8| {
        matches!(
            c,
            b' ' | b'\t' | b':' | b',' | b'|' | b';' | b'=' | b'"' | b'\''
        )
    };
    let start = run_end(b, from, sep);
    if start == from || start - from > 4 {
        return None;
    }
    let end = run_end(b, start, is_b64);
    let value = b.get(start..end)?;
    if value.len() != 40 || at(b, end) == b'=' || !mixed_case(value) {
        return None;
    }
    out.push(start, end, SecretKind::AwsSecretAccessKey);
    Some(end)
}

fn google_api_key(b: &[u8], i: usize, prev: u8, out: &mut Spans) -> Option<usize> {
    if prev == b'_' || prev == b'-' || !starts(b, i, b"AIza") {
        return None;
    }
    let end = run_end(b, i + 4, is_b64url);
    if end - (i + 4) != 35 {
        return None;
    }
    out.push(i, end, SecretKind::GoogleApiKey);
    Some(end)
}

fn github(b: &[u8], i: usize, prev: u8, out: &mut Spans) -> Option<usize> {
    if prev == b'_' {
        return None;
    }
    // Fine-grained personal access tokens: `github_pat_` + 22 + `_` + 59 characters.
    if starts(b, i, b"github_pat_") {
        let end = run_end(b, i + 11, |c| c.is_ascii_alphanumeric() || c == b'_');
        return (end - (i + 11) >= 20).then(|| {
            out.push(i, end, SecretKind::GitHubToken);
            end
        });
    }
    // Classic tokens: `gh` + one of p/o/u/s/r + `_` + 36 alphanumerics.
    let kind = at(b, i + 2);
    if !(starts(b, i, b"gh") && matches!(kind, b'p' | b'o' | b'u' | b's' | b'r'))
        || at(b, i + 3) != b'_'
    {
        return None;
    }
    let end = run_end(b, i + 4, |c| c.is_ascii_alphanumeric());
    if end - (i + 4) < 30 || at(b, end) == b'_' {
        return None;
    }
    out.push(i, end, SecretKind::GitHubToken);
    Some(end)
}

fn slack(b: &[u8], i: usize, prev: u8, out: &mut Spans) -> Option<usize> {
    if prev == b'-'
        || !starts(b, i, b"xox")
        || !matches!(at(b, i + 3), b'b' | b'p' | b'a' | b'r' | b's')
        || at(b, i + 4) != b'-'
    {
        return None;
    }
    let end = run_end(b, i + 5, |c| c.is_ascii_alphanumeric() || c == b'-');
    if end - (i + 5) < 10 {
        return None;
    }
    out.push(i, end, SecretKind::SlackToken);
    Some(end)
}

fn stripe(b: &[u8], i: usize, prev: u8, out: &mut Spans) -> Option<usize> {
    let prefixed = [b"sk_live_", b"rk_live_", b"sk_test_", b"rk_test_"]
        .iter()
        .any(|p| starts(b, i, *p));
    if prev == b'_' || !prefixed {
        return None;
    }
    let end = run_end(b, i + 8, |c| c.is_ascii_alphanumeric());
    if end - (i + 8) < 10 {
        return None;
    }
    out.push(i, end, SecretKind::StripeKey);
    Some(end)
}

/// `eyJ` is base64url for `{"`, the opening of the JSON header; a JWT is header, payload and
/// signature joined by dots (RFC 7519), and a JWE has five segments. An unsigned JWT (`alg: none`)
/// ends with an empty signature after the second dot.
fn jwt(b: &[u8], i: usize, prev: u8, out: &mut Spans) -> Option<usize> {
    if prev == b'_' || prev == b'-' || prev == b'.' || !starts(b, i, b"eyJ") {
        return None;
    }
    let header_end = run_end(b, i, is_b64url);
    if header_end - i < 10 || at(b, header_end) != b'.' {
        return None;
    }
    let payload_end = run_end(b, header_end + 1, is_b64url);
    if payload_end - (header_end + 1) < 2 || at(b, payload_end) != b'.' {
        return None;
    }
    let mut end = run_end(b, payload_end + 1, is_b64url);
    while at(b, end) == b'.' && is_b64url(at(b, end + 1)) {
        end = run_end(b, end + 1, is_b64url);
    }
    out.push(i, end, SecretKind::Jwt);
    Some(end)
}

fn session_token(b: &[u8], i: usize, prev: u8, out: &mut Spans) -> Option<usize> {
    // `%` is in the body's alphabet because query strings carry tokens URL-encoded (`%2F`, `%3D`).
    let body = |c: u8| is_b64(c) || c == b'=' || c == b'%';
    if body(prev) || !SESSION_TOKEN_PREFIXES.iter().any(|p| starts(b, i, p)) {
        return None;
    }
    let end = run_end(b, i, body);
    if end - i < MIN_SESSION_TOKEN {
        return None;
    }
    out.push(i, end, SecretKind::AwsSessionToken);
    Some(end)
}

#[cfg(test)]
mod tests {
    use crate::redact::redact;

    fn text(line: &str) -> String {
        redact(line).text.into_owned()
    }

    #[test]
    fn an_access_key_id_is_hidden_wherever_it_stands() {
        assert_eq!(
            text("key=AKIAIOSFODNN7EXAMPLE."),
            "key=[REDACTED:aws-access-key-id]."
        );
        assert_eq!(
            text("X-Amz-Credential=ASIAY34FZKBOKMUTVV7A%2F20240101"),
            "X-Amz-Credential=[REDACTED:aws-access-key-id]%2F20240101"
        );
    }

    #[test]
    fn an_access_key_id_inside_a_longer_word_is_left_alone() {
        for line in [
            "XAKIAIOSFODNN7EXAMPLE",
            "AKIAIOSFODNN7EXAMPLEX",
            "AKIAIOSFODNN7exampl",
            "AKIA",
        ] {
            assert_eq!(text(line), line);
        }
    }

    #[test]
    fn a_secret_key_right_after_a_key_id_is_hidden_too() {
        assert_eq!(
            text("creds AKIAIOSFODNN7EXAMPLE:wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY ok"),
            "creds [REDACTED:aws-access-key-id]:[REDACTED:aws-secret-access-key] ok"
        );
    }

    #[test]
    fn a_git_sha_after_a_key_id_is_not_a_secret_key() {
        assert_eq!(
            text("AKIAIOSFODNN7EXAMPLE 3f4e5d6c7b8a9f0e1d2c3b4a5968778695a4b3c2"),
            "[REDACTED:aws-access-key-id] 3f4e5d6c7b8a9f0e1d2c3b4a5968778695a4b3c2"
        );
    }

    #[test]
    fn vendor_tokens_are_hidden_by_their_prefix() {
        let cases = [
            ("ghp_0123456789abcdefghijABCDEFGHIJ012345", "github-token"),
            (
                "github_pat_11ABCDEFG0123456789abc_0123456789abcdefghijABCDEFGHIJ0123456789abcdefghijAB",
                "github-token",
            ),
            ("xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOp", "slack-token"),
            ("sk_live_51H8abcDEFghiJKLmnoPQR", "stripe-key"),
            ("AIzaSyA-1234567890abcdefghijklmnopqrstu", "google-api-key"),
        ];
        for (token, kind) in cases {
            assert_eq!(
                text(&format!("using {token} now")),
                format!("using [REDACTED:{kind}] now"),
                "{token}"
            );
        }
    }

    #[test]
    fn a_jwt_needs_three_segments() {
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlLXZhbHVl";
        assert_eq!(text(&format!("t {jwt} x")), "t [REDACTED:jwt] x");
        assert_eq!(
            text("payload eyJmb28iOiJiYXIifQ== ok"),
            "payload eyJmb28iOiJiYXIifQ== ok"
        );
        assert_eq!(
            text("eyJhbGciOiJIUzI1NiJ9.only"),
            "eyJhbGciOiJIUzI1NiJ9.only"
        );
    }

    #[test]
    fn an_sts_session_token_is_hidden_by_its_opening() {
        let token = format!("IQoJb3JpZ2luX2VjEJr{}", "A".repeat(120));
        assert_eq!(
            text(&format!("token {token}")),
            "token [REDACTED:aws-session-token]"
        );
        assert_eq!(text("IQoJb3JpZ2luX2Vj short"), "IQoJb3JpZ2luX2Vj short");
    }

    #[test]
    fn runs_of_prefixes_stay_linear_and_do_not_panic() {
        let line = "eyJ-".repeat(50_000)
            + &"AKIA".repeat(50_000)
            + &"xoxb-".repeat(50_000)
            + &"AIza-".repeat(50_000);
        assert_eq!(text(&line), line);
        let token_like = "IQoJb3JpZ2luX2Vj+".repeat(10_000);
        assert_eq!(text(&token_like), "[REDACTED:aws-session-token]");
    }
}
