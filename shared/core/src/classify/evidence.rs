//! Building evidence entries from untrusted event text.

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
    for (n, c) in value.chars().enumerate() {
        if n == max_chars {
            out.push('…');
            break;
        }
        out.push(if is_unsafe_char(c) { ' ' } else { c });
    }
    out
}

pub fn item(field: impl Into<String>, value: &str, meaning: impl Into<String>) -> Evidence {
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
}
