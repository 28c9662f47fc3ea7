//! HTTP credentials: the value of an `Authorization` header (RFC 9110 §11.6.2,
//! `credentials = auth-scheme [ 1*SP ( token68 / #auth-param ) ]`) and `Bearer` tokens
//! (RFC 6750) wherever they are logged.
//!
//! The scheme is kept (`Authorization: Bearer [REDACTED:authorization]`) because which scheme a
//! failing client sent is often the diagnosis; everything after it is hidden. Schemes with a
//! single token68 credential (`Bearer`, `Basic`) hide one token; schemes with parameters
//! (`AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`, `Digest`) hide the rest of the
//! header value.

use super::kind::SecretKind;
use super::pairs::{is_placeholder, is_plain_word};
use super::scan::{at, before, find_ci, is_space_or_control, run_end, skip_blanks};
use super::span::Spans;

/// Schemes whose credential is one token68.
const SINGLE_TOKEN_SCHEMES: [&[u8]; 8] = [
    b"bearer",
    b"basic",
    b"token",
    b"jwt",
    b"apikey",
    b"api-key",
    b"negotiate",
    b"ntlm",
];

/// Bearer tokens shorter than this are words (`Bearer realm=`, `Bearer error=`), not credentials.
const MIN_BEARER: usize = 8;

/// Hides the credential in a header value that spans `b[start..end]` (the content of a quoted
/// value, or the rest of the line).
pub(crate) fn header_value(b: &[u8], start: usize, end: usize, out: &mut Spans) {
    let start = skip_blanks(b, start);
    let word_end = run_end(b, start, |c| !is_space_or_control(c)).min(end);
    let Some(word) = b.get(start..word_end) else {
        return;
    };
    let cred_start = skip_blanks(b, word_end).min(end);
    let scheme = word.len() <= 32
        && word.first().is_some_and(u8::is_ascii_alphabetic)
        && word.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
        && cred_start < end;
    if !scheme {
        // A bare credential (`Authorization: 0a1b2c…`), unless it is a word (`Authorization:
        // denied`) or already masked.
        if !word.is_empty() && !is_placeholder(word) && !is_plain_word(word) {
            out.push(start, word_end, SecretKind::Authorization);
        }
        return;
    }
    let single = SINGLE_TOKEN_SCHEMES
        .iter()
        .any(|s| word.eq_ignore_ascii_case(s));
    let mut cred_end = if single {
        run_end(b, cred_start, |c| !is_space_or_control(c)).min(end)
    } else {
        end
    };
    while cred_end > cred_start && is_space_or_control(before(b, cred_end)) {
        cred_end -= 1;
    }
    let Some(cred) = b.get(cred_start..cred_end) else {
        return;
    };
    if !cred.is_empty() && !is_placeholder(cred) {
        out.push(cred_start, cred_end, SecretKind::Authorization);
    }
}

/// `Bearer <token68>` anywhere in the line.
pub(crate) fn scan_bearer(line: &str, out: &mut Spans) {
    let b = line.as_bytes();
    let mut from = 0;
    while let Some(p) = find_ci(b, b"bearer", from) {
        from = p + 6;
        if before(b, p).is_ascii_alphanumeric() || !matches!(at(b, p + 6), b' ' | b'\t') {
            continue;
        }
        let start = skip_blanks(b, p + 6);
        // token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
        let body_end = run_end(b, start, |c| {
            c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
        });
        let end = run_end(b, body_end, |c| c == b'=');
        // The token must end there: `Bearer expires_in=3600` is a parameter, not a token.
        let ends = is_space_or_control(at(b, end))
            || matches!(
                at(b, end),
                b'"' | b'\'' | b',' | b';' | b')' | b']' | b'}' | b'\\'
            );
        let Some(token) = b.get(start..end) else {
            continue;
        };
        if ends && token.len() >= MIN_BEARER && !is_plain_word(token) {
            out.push(start, end, SecretKind::BearerToken);
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
    fn an_authorization_header_keeps_its_scheme() {
        assert_eq!(
            text("> Authorization: Basic YWRtaW46aHVudGVyMg=="),
            "> Authorization: Basic [REDACTED:authorization]"
        );
        assert_eq!(
            text(r#"{"headers":{"authorization":"Bearer abc.def-123"},"status":401}"#),
            r#"{"headers":{"authorization":"Bearer [REDACTED:authorization]"},"status":401}"#
        );
    }

    #[test]
    fn a_signed_aws_request_hides_every_parameter() {
        assert_eq!(
            text("Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240101/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024"),
            "Authorization: AWS4-HMAC-SHA256 [REDACTED:authorization]"
        );
    }

    #[test]
    fn an_authorization_header_without_a_credential_is_left_alone() {
        for line in [
            "Authorization header missing",
            "Authorization: denied",
            "authorization: null",
            "Authorization: Bearer [REDACTED:authorization]",
        ] {
            assert_eq!(text(line), line);
        }
    }

    #[test]
    fn a_bearer_token_is_hidden_outside_headers() {
        assert_eq!(
            text("calling api with Bearer 9f8e7d6c5b4a3f2e1d0c ok"),
            "calling api with Bearer [REDACTED:bearer-token] ok"
        );
    }

    #[test]
    fn bearer_followed_by_a_word_or_a_parameter_is_left_alone() {
        for line in [
            "Bearer authentication failed",
            "token_type=Bearer expires_in=3600",
            r#"WWW-Authenticate: Bearer realm="api", error="invalid_token""#,
            r#"{"token_type":"Bearer","expires_in":3600}"#,
        ] {
            assert_eq!(text(line), line);
        }
    }
}
