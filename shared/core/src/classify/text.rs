//! Normalised message text and the small matchers the rules are written with.
//!
//! ECS reasons arrive in many hands: lower- or mixed-case error types, curly quotes pasted from the
//! console (`can’t`), doubled spaces, and truncation at about 255 characters. Every rule matches
//! on [`Text`], which is lower-cased, has typographic quotes and dashes folded to ASCII and
//! whitespace runs collapsed, so a rule written once matches all of them.

/// A normalised message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Text(String);

impl Text {
    pub fn new(raw: &str) -> Text {
        if raw.is_ascii() {
            return Text(Self::fold_ascii(raw.as_bytes()));
        }
        let mut out = String::with_capacity(raw.len());
        let mut last_space = true;
        for c in raw.chars() {
            let c = match c {
                '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{201b}' | '\u{2032}' | '`' => '\'',
                '\u{201c}' | '\u{201d}' | '\u{201e}' | '\u{201f}' | '\u{2033}' => '"',
                '\u{2010}'..='\u{2015}' => '-',
                '\u{2026}' => '.',
                c if c.is_whitespace() || c.is_control() => ' ',
                c => c,
            };
            if c == ' ' {
                if last_space {
                    continue;
                }
                last_space = true;
            } else {
                last_space = false;
            }
            if c.is_ascii() {
                out.push(c.to_ascii_lowercase());
            } else {
                out.extend(c.to_lowercase());
            }
        }
        if out.ends_with(' ') {
            out.pop();
        }
        Text(out)
    }

    /// The common case, byte by byte: ECS and Docker messages are ASCII.
    fn fold_ascii(raw: &[u8]) -> String {
        let mut out = Vec::with_capacity(raw.len());
        let mut last_space = true;
        for &b in raw {
            let b = match b {
                b'`' => b'\'',
                b if b.is_ascii_whitespace() || b.is_ascii_control() => b' ',
                b => b.to_ascii_lowercase(),
            };
            if b == b' ' {
                if last_space {
                    continue;
                }
                last_space = true;
            } else {
                last_space = false;
            }
            out.push(b);
        }
        if out.last() == Some(&b' ') {
            out.pop();
        }
        // Only ASCII bytes were pushed.
        String::from_utf8(out).unwrap_or_default()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether any needle occurs (needles are written lower-case).
    pub fn any(&self, needles: &[&str]) -> bool {
        needles.iter().any(|n| self.0.contains(n))
    }

    pub fn has(&self, needle: &str) -> bool {
        self.0.contains(needle)
    }

    /// Whether `code` (e.g. `403`) occurs as a number of its own, not inside an IP address, an
    /// account id, a digest or a port (`52.46.140.3:443` does not contain the status 403).
    pub fn has_status(&self, code: &str) -> bool {
        let bytes = self.0.as_bytes();
        let mut from = 0;
        while let Some(pos) = self.0.get(from..).and_then(|s| s.find(code)) {
            let start = from + pos;
            let end = start + code.len();
            let before = start.checked_sub(1).and_then(|i| bytes.get(i)).copied();
            let after = bytes.get(end).copied();
            let glued = |b: Option<u8>| {
                b.is_some_and(|b| {
                    b.is_ascii_alphanumeric() || matches!(b, b'.' | b':' | b'/' | b'_' | b'-')
                })
            };
            if !glued(before) && !glued(after) {
                return true;
            }
            from = end;
        }
        false
    }

    /// The text after the first occurrence of `marker`, or `None` when it is absent.
    pub fn after(&self, marker: &str) -> Option<&str> {
        let i = self.0.find(marker)?;
        self.0.get(i + marker.len()..)
    }

    /// The largest `retried N time(s)` count in the message. The ECS agent retries transient
    /// (network) errors up to its limit and reports non-retryable ones (access denied, not found)
    /// after one attempt, so the count tells the two apart when truncation cut the cause off.
    pub fn retry_count(&self) -> Option<u32> {
        let mut best = None;
        let mut rest = self.0.as_str();
        while let Some(i) = rest.find("retried ") {
            rest = rest.get(i + "retried ".len()..).unwrap_or("");
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            if let Ok(n) = digits.parse::<u32>() {
                best = Some(best.map_or(n, |b: u32| b.max(n)));
            }
        }
        best
    }
}

/// Words that mean the request never got an answer: the network path is missing (no route, no
/// NAT, no VPC endpoint, DNS, security group) rather than the request being refused. Taken from
/// the Go HTTP client and AWS SDK for Go error texts the ECS agent passes through (`dial tcp …: i/o
/// timeout`, `RequestCanceled: request context canceled caused by: context deadline exceeded`,
/// `net/http: request canceled while waiting for connection`) and from the Fargate PV 1.4 wording
/// "There is a connection issue between the task and …".
pub const NETWORK: &[&str] = &[
    "i/o timeout",
    "context deadline exceeded",
    "context canceled",
    "request canceled",
    "requestcanceled",
    "connection issue between the task",
    "check your task network configuration",
    "check your network configuration",
    // Newer Fargate wording ends with a prescriptive sentence: "Check your network connection
    // between the task and AWS Systems Manager."
    "network connection",
    "could not reach",
    "unable to reach",
    "cannot reach",
    "timed out",
    "timeout",
    "dial tcp",
    "no such host",
    "connection refused",
    "connection reset",
    "network is unreachable",
    "no route to host",
    "tls handshake",
    "send request failed",
    "requesterror",
    "server misbehaving",
    "temporary failure in name resolution",
];

/// Words of a refusal by IAM or a resource policy (AWS SDK error codes and IAM's "is not
/// authorized to perform" sentence, KMS's "Access to KMS is not allowed").
pub const ACCESS_DENIED: &[&str] = &[
    "accessdenied",
    "access denied",
    "not authorized to perform",
    "is not authorized",
    "unauthorizedoperation",
    "access to kms is not allowed",
    "explicit deny",
    "no identity-based policy allows",
    "forbidden",
    "unrecognizedclientexception",
    "invalidclienttokenid",
    "expiredtoken",
    "security token included in the request is",
    // Newer Fargate wording states the check: "Check that the task execution role has the
    // required permissions", "Check that the role has the permissions to pull images".
    "has the required permissions",
    "has the permissions",
    "has permissions to",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_quotes_and_whitespace() {
        let t = Text::new("The task can\u{2019}t  pull\n the image: \u{201c}X\u{201d}\u{0007}");
        assert_eq!(t.as_str(), "the task can't pull the image: \"x\"");
    }

    #[test]
    fn the_ascii_fast_path_folds_like_the_general_one() {
        for raw in ["  Task  Failed\tELB\r\n`x` ", "A\u{7}B", "", "   "] {
            let general: String = {
                let mut s = Text::new(&format!("{raw}\u{e9}")).0;
                s.truncate(s.len().saturating_sub(2));
                s.trim_end().to_owned()
            };
            assert_eq!(Text::new(raw).0, general, "{raw:?}");
        }
    }

    #[test]
    fn status_codes_are_whole_numbers_only() {
        assert!(Text::new("unexpected status code 403 Forbidden").has_status("403"));
        assert!(Text::new("API error (404): repository not found").has_status("404"));
        assert!(!Text::new("dial tcp 52.46.140.3:443: i/o timeout").has_status("403"));
        assert!(!Text::new("sha256:4031ab").has_status("403"));
        assert!(!Text::new("account 111140322222").has_status("403"));
    }

    #[test]
    fn retry_count_takes_the_largest() {
        let t = Text::new("service call has been retried 5 time(s): ... retried 1 time(s)");
        assert_eq!(t.retry_count(), Some(5));
        assert_eq!(Text::new("no retries").retry_count(), None);
    }
}
