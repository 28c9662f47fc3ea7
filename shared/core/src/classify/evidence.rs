//! Building evidence entries from untrusted event text.

use std::borrow::Cow;

use super::model::Evidence;

/// Longest value kept in evidence; the full text stays in the event.
const MAX_VALUE_CHARS: usize = 400;

/// Characters that must never reach a one-line field: controls (including CR/LF/ESC), the Unicode
/// line and paragraph separators, bidirectional overrides (which reorder what a reader sees) and
/// zero-width characters (which hide text).
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}'
        )
}

/// A value made safe to show on one line: unsafe characters become spaces, and long text is cut
/// at a character boundary with an ellipsis.
pub fn clean(value: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(value.len().min(max_chars * 4));
    push_clean(&mut out, value, max_chars);
    out
}

/// Appends [`clean`]`(value, max_chars)` to `out`, so that a sentence quoting a value is built in
/// one `String`.
pub fn push_clean(out: &mut String, value: &str, max_chars: usize) {
    // The usual value is short printable ASCII: nothing to replace and nothing to cut (a byte is
    // a character), so it is copied as it is. `fold` rather than `all`: no early exit, so the
    // check is vectorised.
    if value.len() <= max_chars
        && value
            .bytes()
            .fold(true, |ok, b| ok & (0x20..0x7f).contains(&b))
    {
        out.push_str(value);
        return;
    }
    for (n, c) in value.chars().enumerate() {
        if n == max_chars {
            out.push('…');
            break;
        }
        out.push(if is_unsafe_char(c) { ' ' } else { c });
    }
}

pub fn item(
    field: impl Into<Cow<'static, str>>,
    value: &str,
    meaning: impl Into<Cow<'static, str>>,
) -> Evidence {
    Evidence {
        field: field.into(),
        value: clean(value, MAX_VALUE_CHARS),
        meaning: meaning.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_and_length_are_tamed() {
        assert_eq!(clean("a\nb\u{7}c", 10), "a b c");
        assert_eq!(clean("a\u{2028}b\u{202e}c", 10), "a b c");
        assert_eq!(clean("ééééé", 3), "ééé…");
    }

    /// The ASCII fast path gives what the character loop gives.
    #[test]
    fn the_fast_path_cleans_like_the_loop() {
        let by_loop = |v: &str, max: usize| -> String {
            let mut out = String::new();
            for (n, c) in v.chars().enumerate() {
                if n == max {
                    out.push('…');
                    break;
                }
                out.push(if is_unsafe_char(c) { ' ' } else { c });
            }
            out
        };
        for v in [
            "",
            "abc",
            "abcd",
            "a\tb",
            "a\u{7f}b",
            "~ !",
            "x".repeat(400).as_str(),
        ] {
            for max in [0, 1, 3, 4, 5, 400, 401] {
                assert_eq!(clean(v, max), by_loop(v, max), "{v:?} {max}");
            }
        }
    }
}
