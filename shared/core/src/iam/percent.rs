//! Percent-decoding of the policy documents IAM returns.
//!
//! GetRolePolicy, GetPolicyVersion and GetRole (`AssumeRolePolicyDocument`) return documents
//! "URL-encoded compliant with RFC 3986" (IAM API Reference, GetRolePolicy). Real responses encode
//! every byte outside the unreserved set, spaces included (`%7B%0A%20%20%22Version%22%3A…`, the
//! Get-IAMRolePolicy example in the AWS Tools for PowerShell reference), so a literal `+` arrives
//! as `%2B`. The same pages suggest decoding with `java.net.URLDecoder`, which reads `+` as a
//! space; doing likewise costs nothing on IAM's output and also reads form-encoded documents.

use super::error::{clip, IamError};

/// Decodes `%XX` escapes and `+`, then checks the bytes are UTF-8.
pub fn decode(text: &str) -> Result<String, IamError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'%' => {
                let hi = bytes.get(i + 1).copied().and_then(hex);
                let lo = bytes.get(i + 2).copied().and_then(hex);
                let (Some(hi), Some(lo)) = (hi, lo) else {
                    // `i` is at an ASCII byte, so a char boundary.
                    let escape: String = text.get(i..).unwrap_or("").chars().take(3).collect();
                    return Err(IamError::UrlEncoding {
                        found: format!("{:?} at byte {i}, not a %XX hex escape", clip(&escape, 3)),
                    });
                };
                out.push((hi << 4) | lo);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|e| IamError::UrlEncoding {
        found: format!(
            "escapes that decode to bytes that are not UTF-8 (after {} valid bytes)",
            e.utf8_error().valid_up_to()
        ),
    })
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_plus_and_plain_bytes_decode() {
        let rows = [
            ("%7B%22a%22%3A1%7D", "{\"a\":1}"),
            ("%7b%22a%22%3a1%7d", "{\"a\":1}"),
            ("a+b%20c%2Bd", "a b c+d"),
            ("caf%C3%A9", "café"),
            ("déjà", "déjà"),
            ("", ""),
        ];
        for (encoded, decoded) in rows {
            assert_eq!(decode(encoded).as_deref(), Ok(decoded), "{encoded}");
        }
    }

    #[test]
    fn a_broken_escape_is_named_with_its_offset() {
        for (encoded, needle) in [
            ("%7B%G1", "\"%G1\" at byte 3"),
            ("abc%", "\"%\" at byte 3"),
            ("abc%4", "\"%4\" at byte 3"),
        ] {
            let err = decode(encoded).unwrap_err().to_string();
            assert!(err.contains(needle), "{encoded}: {err}");
            assert!(err.starts_with("expected a URL-encoded"), "{err}");
        }
    }

    #[test]
    fn escapes_that_are_not_utf8_are_an_error() {
        let err = decode("ok%FF%FE").unwrap_err().to_string();
        assert!(err.contains("not UTF-8 (after 2 valid bytes)"), "{err}");
    }
}
