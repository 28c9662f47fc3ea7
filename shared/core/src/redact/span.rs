//! The byte ranges the scanners found, merged and written out as markers.
//!
//! Scanners overlap on purpose (`token=eyJ…` is both a labelled secret and a JWT; a known secret
//! may sit inside a password), so ranges that overlap become one marker. The marker names the
//! kind of the longest finding in the group, which is the one that decided how much text to hide;
//! among findings of the same length the more specific kind wins ([`SecretKind::rank`]).

use std::borrow::Cow;

use super::kind::{Kinds, SecretKind};
use super::Redacted;

const MARKER_OPEN: &str = "[REDACTED:";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    start: usize,
    end: usize,
    kind: SecretKind,
}

/// Findings for one line. Empty until the first finding, so an ordinary line never allocates.
#[derive(Debug, Default)]
pub(crate) struct Spans(Vec<Span>);

impl Spans {
    pub(crate) fn push(&mut self, start: usize, end: usize, kind: SecretKind) {
        if start < end {
            self.0.push(Span { start, end, kind });
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn apply(mut self, line: &str) -> Redacted<'_> {
        // Scanners report ranges that start and end next to ASCII bytes, so these are already
        // character boundaries; widening is the safety net that makes slicing below infallible.
        for span in &mut self.0 {
            span.end = line.ceil_char_boundary(span.end.min(line.len()));
            span.start = line.floor_char_boundary(span.start.min(span.end));
        }
        self.0.retain(|s| s.start < s.end);
        if self.0.is_empty() {
            return Redacted::unchanged(line);
        }
        self.0
            .sort_unstable_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));

        let mut out = String::with_capacity(line.len().saturating_add(24 * self.0.len()));
        let mut count = 0;
        let mut kinds = Kinds::default();
        let mut written = 0;
        let mut spans = self.0.iter().peekable();
        while let Some(first) = spans.next() {
            let mut end = first.end;
            let mut best = *first;
            while let Some(next) = spans.next_if(|s| s.start < end) {
                end = end.max(next.end);
                let longer = (next.end - next.start, next.kind.rank())
                    > (best.end - best.start, best.kind.rank());
                if longer {
                    best = *next;
                }
            }
            out.push_str(line.get(written..first.start).unwrap_or_default());
            out.push_str(MARKER_OPEN);
            out.push_str(best.kind.as_str());
            out.push(']');
            written = end;
            count += 1;
            kinds.insert(best.kind);
        }
        out.push_str(line.get(written..).unwrap_or_default());
        Redacted {
            text: Cow::Owned(out),
            count,
            kinds,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_findings_become_one_marker_named_by_the_longest() {
        let line = "auth AKIAIOSFODNN7EXAMPLE tail";
        let mut spans = Spans::default();
        spans.push(5, 25, SecretKind::AwsAccessKeyId);
        spans.push(0, 25, SecretKind::Authorization);
        let r = spans.apply(line);
        assert_eq!(r.text, "[REDACTED:authorization] tail");
        assert_eq!(r.count, 1);
    }

    #[test]
    fn equal_findings_are_named_by_the_more_specific_kind() {
        let mut spans = Spans::default();
        spans.push(6, 9, SecretKind::Secret);
        spans.push(6, 9, SecretKind::Jwt);
        assert_eq!(spans.apply("token=abc").text, "token=[REDACTED:jwt]");
    }

    #[test]
    fn touching_findings_stay_separate_markers() {
        let mut spans = Spans::default();
        spans.push(0, 2, SecretKind::Password);
        spans.push(2, 4, SecretKind::Known);
        let r = spans.apply("abcd");
        assert_eq!(r.text, "[REDACTED:password][REDACTED:known-secret]");
        assert_eq!(r.count, 2);
    }

    #[test]
    fn ranges_inside_a_character_widen_to_its_boundaries() {
        let mut spans = Spans::default();
        spans.push(1, 2, SecretKind::Secret);
        spans.push(40, 50, SecretKind::Secret);
        assert_eq!(spans.apply("é!").text, "[REDACTED:secret]!");
    }
}
