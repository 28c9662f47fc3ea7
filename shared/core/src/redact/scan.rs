//! Byte-level helpers the scanners share. Every read goes through [`at`], which answers `0` past
//! the end, so a scanner can look ahead without bounds checks and never panics; `0` is a control
//! byte, which every scanner treats as the end of whatever it was reading.

/// The byte at `i`, or `0` past the end.
#[inline]
pub(crate) fn at(b: &[u8], i: usize) -> u8 {
    b.get(i).copied().unwrap_or(0)
}

/// The byte before `i`, or `0` at the start.
#[inline]
pub(crate) fn before(b: &[u8], i: usize) -> u8 {
    match i.checked_sub(1) {
        Some(j) => at(b, j),
        None => 0,
    }
}

/// Whether `b[i..]` starts with `needle`, ignoring ASCII case (`needle` is written lower-case).
#[inline]
pub(crate) fn starts_ci(b: &[u8], i: usize, needle: &[u8]) -> bool {
    i.checked_add(needle.len())
        .and_then(|end| b.get(i..end))
        .is_some_and(|s| s.eq_ignore_ascii_case(needle))
}

/// Whether `b[i..]` starts with `needle` exactly.
#[inline]
pub(crate) fn starts(b: &[u8], i: usize, needle: &[u8]) -> bool {
    b.get(i..).is_some_and(|s| s.starts_with(needle))
}

/// The first index at or after `from` where `needle` occurs, ignoring ASCII case (`needle` is
/// written lower-case).
pub(crate) fn find_ci(b: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    let (&first, rest) = needle.split_first()?;
    let mut i = from;
    loop {
        let p = i + b
            .get(i..)?
            .iter()
            .position(|c| c.to_ascii_lowercase() == first)?;
        if b.get(p + 1..p + needle.len())
            .is_some_and(|s| s.eq_ignore_ascii_case(rest))
        {
            return Some(p);
        }
        i = p + 1;
    }
}

/// The first index at or after `from` where `needle` occurs.
pub(crate) fn find(b: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    let (&first, rest) = needle.split_first()?;
    let mut i = from;
    loop {
        let p = i + b.get(i..)?.iter().position(|c| *c == first)?;
        if b.get(p + 1..p + needle.len()) == Some(rest) {
            return Some(p);
        }
        i = p + 1;
    }
}

/// The end of the run of bytes satisfying `pred` that starts at `i`.
#[inline]
pub(crate) fn run_end(b: &[u8], mut i: usize, pred: impl Fn(u8) -> bool) -> usize {
    while i < b.len() && pred(at(b, i)) {
        i += 1;
    }
    i
}

/// Spaces and tabs from `i`.
#[inline]
pub(crate) fn skip_blanks(b: &[u8], i: usize) -> usize {
    run_end(b, i, |c| c == b' ' || c == b'\t')
}

/// Whitespace or a control byte (including the `0` that [`at`] answers past the end).
#[inline]
pub(crate) fn is_space_or_control(c: u8) -> bool {
    c <= b' ' || c == 0x7f
}

/// `[A-Za-z0-9_-]`: the alphabet of base64url and of most token bodies.
#[inline]
pub(crate) fn is_b64url(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

/// `[A-Za-z0-9+/]`: the alphabet of standard base64, without padding.
#[inline]
pub(crate) fn is_b64(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'+' || c == b'/'
}

/// Whether a value has both upper- and lower-case letters: random secrets nearly always do, while
/// hex digests, git SHAs and task ids never do.
pub(crate) fn mixed_case(v: &[u8]) -> bool {
    v.iter().any(u8::is_ascii_uppercase) && v.iter().any(u8::is_ascii_lowercase)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_past_the_end_answer_zero() {
        assert_eq!(at(b"ab", 5), 0);
        assert_eq!(before(b"ab", 0), 0);
        assert_eq!(before(b"ab", 1), b'a');
    }

    #[test]
    fn case_insensitive_search_finds_mixed_case_text() {
        assert_eq!(find_ci(b"xx Bearer y", b"bearer", 0), Some(3));
        assert_eq!(find_ci(b"xx Bearer y", b"bearer", 4), None);
        assert_eq!(find_ci(b"ab", b"abc", 0), None);
        assert_eq!(find_ci(b"ab", b"", 0), None);
    }

    #[test]
    fn exact_search_respects_its_starting_point() {
        assert_eq!(find(b"a://b://", b"://", 0), Some(1));
        assert_eq!(find(b"a://b://", b"://", 2), Some(5));
        assert_eq!(find(b"a://", b"://", 10), None);
    }
}
