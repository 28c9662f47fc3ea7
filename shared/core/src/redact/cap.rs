//! Cutting a line to a size and decoding bytes that may not be UTF-8.

use std::borrow::Cow;

/// Cuts `line` to at most `max_bytes` bytes at a character boundary, ending with a marker that
/// says how long the line was (`…[truncated from 123456 bytes]`). When even the marker does not
/// fit, a shorter `…` is used, and below that the line is cut bare. A line that fits comes back
/// borrowed.
///
/// Redact before capping: a secret cut in half may no longer be recognisable.
pub fn cap_line(line: &str, max_bytes: usize) -> Cow<'_, str> {
    if line.len() <= max_bytes {
        return Cow::Borrowed(line);
    }
    let long = format!("…[truncated from {} bytes]", line.len());
    let marker = [long.as_str(), "…", ""]
        .into_iter()
        .find(|m| m.len() <= max_bytes)
        .unwrap_or_default();
    let cut = line.floor_char_boundary(max_bytes - marker.len());
    let kept = line.get(..cut).unwrap_or_default();
    if marker.is_empty() {
        return Cow::Borrowed(kept);
    }
    let mut out = String::with_capacity(cut + marker.len());
    out.push_str(kept);
    out.push_str(marker);
    Cow::Owned(out)
}

/// Decodes log bytes as UTF-8, replacing each invalid sequence with U+FFFD; borrowed when the
/// bytes were valid.
pub fn from_bytes(bytes: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_that_fits_is_returned_as_is() {
        assert!(matches!(cap_line("short", 5), Cow::Borrowed("short")));
    }

    #[test]
    fn a_long_line_is_cut_with_a_marker_within_the_limit() {
        let line = "x".repeat(100);
        let capped = cap_line(&line, 60);
        assert_eq!(capped.len(), 60);
        assert!(capped.ends_with("…[truncated from 100 bytes]"), "{capped}");
    }

    #[test]
    fn the_cut_never_splits_a_character() {
        let line = "é".repeat(100);
        for max in 0..60 {
            let capped = cap_line(&line, max);
            assert!(capped.len() <= max, "{max}: {capped}");
        }
        assert_eq!(cap_line(&line, 5), "é…");
        assert_eq!(cap_line(&line, 4), "…");
        assert_eq!(cap_line(&line, 3), "…");
        assert_eq!(cap_line(&line, 2), "é");
        assert_eq!(cap_line(&line, 1), "");
    }

    #[test]
    fn invalid_utf8_is_replaced_not_rejected() {
        assert_eq!(from_bytes(b"ok \xff\xfe end"), "ok \u{fffd}\u{fffd} end");
        assert!(matches!(from_bytes(b"valid"), Cow::Borrowed("valid")));
    }
}
