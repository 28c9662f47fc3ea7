//! Normalised message text and the small matchers the rules are written with.
//!
//! ECS reasons arrive in many hands: lower- or mixed-case error types, curly quotes pasted from the
//! console (`can’t`), doubled spaces, and truncation at about 255 characters. Every rule matches
//! on [`Text`], which is lower-cased, has typographic quotes and dashes folded to ASCII and
//! whitespace runs collapsed, so a rule written once matches all of them.
//!
//! Matching is one pass. A rule asks whether any word of a list occurs in the text; there are
//! about a hundred such lists and one message goes through dozens of them, so asking each word
//! with `str::contains` (a new substring searcher per call) was most of the classifier's time
//! (BENCHMARKS.md). Instead every list is a [`Words`] declared with [`words!`], all of them are
//! compiled once into one Aho-Corasick automaton, and the first question about a text runs that
//! automaton over it once, recording which lists occur (a bit per list). Every later question
//! is one bit test. The answer is exactly `words.iter().any(|w| text.contains(w))`: the walk
//! visits every occurrence of every word (see [`Matcher`]), and the tests compare the two on
//! every list, for every word alone, glued to others and at every boundary of the walk.

use std::cell::OnceCell;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::LazyLock;

use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::dfa::DFA;
use aho_corasick::{Anchored, MatchKind};

/// A normalised message.
#[derive(Debug, Clone, Default)]
pub struct Text {
    s: String,
    /// Which [`Words`] lists occur in `s`: computed by one pass of the automaton on the first
    /// question, and never for the texts no rule asks about (the generic stop reasons).
    found: OnceCell<Bits>,
}

impl Text {
    pub fn new(raw: &str) -> Text {
        let s = if raw.is_ascii() {
            Self::fold_ascii(raw)
        } else {
            Self::fold(raw)
        };
        Text {
            s,
            found: OnceCell::new(),
        }
    }

    fn fold(raw: &str) -> String {
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
        out
    }

    /// The common case, byte by byte: ECS and Docker messages are ASCII.
    fn fold_ascii(text: &str) -> String {
        let raw = text.as_bytes();
        // Most messages have nothing to fold but case: no control or tab, no backquote, no space
        // at either end or next to another. Two branch-free (vectorised) looks find out, and then
        // the (vectorised) lower-casing is the whole job.
        let odd = raw.iter().fold(false, |odd, &b| {
            odd | (b < b' ') | (b == 0x7f) | (b == b'`')
        });
        // `str::contains` has a SIMD path for short needles.
        let double_space = text.contains("  ");
        let trimmed =
            raw.first().is_some_and(|&b| b != b' ') && raw.last().is_some_and(|&b| b != b' ');
        if trimmed && !odd && !double_space {
            return text.to_ascii_lowercase();
        }
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
        &self.s
    }

    pub fn is_empty(&self) -> bool {
        self.s.is_empty()
    }

    /// Whether any word of the list occurs (words are written lower-case); for a
    /// [`Words::status`] list, whether any of its codes occurs as a number of its own.
    pub fn any(&self, words: &'static Words) -> bool {
        // `found` builds the automaton if needed, which numbers the lists: after it, `slot` is
        // set for every registered list.
        if let Some(found) = self.found() {
            if let Some(slot) = words.slot() {
                return found.get(slot);
            }
        }
        // Only if the automaton could not be built or the list was not registered (a debug
        // build stops there): the same answer, word by word.
        words.any_slow(&self.s)
    }

    /// [`Text::any`] for a list of one word, where that reads better.
    pub fn has(&self, word: &'static Words) -> bool {
        self.any(word)
    }

    fn found(&self) -> Option<&Bits> {
        // Every question after the first: no need to look at the automaton.
        if let Some(found) = self.found.get() {
            return Some(found);
        }
        let matcher = MATCHER.as_ref()?;
        Some(self.found.get_or_init(|| matcher.scan(&self.s)))
    }

    /// The text after the first occurrence of `marker`, or `None` when it is absent.
    pub fn after(&self, marker: &str) -> Option<&str> {
        let i = self.s.find(marker)?;
        self.s.get(i + marker.len()..)
    }

    /// The largest `retried N time(s)` count in the message. The ECS agent retries transient
    /// (network) errors up to its limit and reports non-retryable ones (access denied, not found)
    /// after one attempt, so the count tells the two apart when truncation cut the cause off.
    pub fn retry_count(&self) -> Option<u32> {
        let mut best = None;
        let mut rest = self.s.as_str();
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

/// Whether the occurrence `start..end` of a status code is glued to a longer token: an IP address,
/// an account id, a digest or a port (`52.46.140.3:443` does not contain the status 403).
fn glued(s: &[u8], start: usize, end: usize) -> bool {
    let glue = |b: Option<&u8>| {
        b.is_some_and(|&b| {
            b.is_ascii_alphanumeric() || matches!(b, b'.' | b':' | b'/' | b'_' | b'-')
        })
    };
    glue(start.checked_sub(1).and_then(|i| s.get(i))) || glue(s.get(end))
}

/// A list of words one rule matches on, declared with [`words!`] so that it is part of the
/// one automaton. Words are lower-case, as [`Text`] is.
#[derive(Debug)]
pub struct Words {
    words: &'static [&'static str],
    /// Codes that count only as numbers of their own (HTTP statuses), see [`glued`].
    status: bool,
    /// This list's position among all lists (its bit), set when the automaton is built;
    /// [`Words::UNSET`] before, or if the list is not registered. A plain atomic rather than a
    /// `OnceLock`: it is read by every question, and this read is one load.
    slot: AtomicU16,
}

impl Words {
    /// Matches when any of `words` occurs anywhere in the text.
    pub const fn any(words: &'static [&'static str]) -> Words {
        Words {
            words,
            status: false,
            slot: AtomicU16::new(Words::UNSET),
        }
    }

    /// Matches when any of `codes` (e.g. `403`) occurs as a number of its own, not inside an IP
    /// address, an account id, a digest or a port.
    pub const fn status(codes: &'static [&'static str]) -> Words {
        Words {
            words: codes,
            status: true,
            slot: AtomicU16::new(Words::UNSET),
        }
    }

    const UNSET: u16 = u16::MAX;

    /// The list's bit. Relaxed is enough: the slots are stored while the automaton is built,
    /// and a `Text` reaches the automaton (through the `LazyLock`, which synchronises) before it
    /// reads a slot.
    fn slot(&self) -> Option<u16> {
        let slot = self.slot.load(Ordering::Relaxed);
        debug_assert!(
            slot != Words::UNSET,
            "{:?} is not registered: declare it with words! in a module listed in text::modules()",
            self.words
        );
        (slot != Words::UNSET).then_some(slot)
    }

    /// The answer without the automaton, word by word (and the reference the tests compare to).
    fn any_slow(&self, s: &str) -> bool {
        if !self.status {
            return self.words.iter().any(|w| s.contains(w));
        }
        self.words.iter().any(|code| {
            s.match_indices(code)
                .any(|(start, _)| !glued(s.as_bytes(), start, start + code.len()))
        })
    }
}

/// Declares the [`Words`] lists of a rule module, and `WORDS`, the module's list of them, which
/// [`modules`] puts into the one automaton (the macro is crate-private, so this is not a
/// doctest):
///
/// ```text
/// words! {
///     /// What the words mean.
///     OOM = any("out of memory", "oomkilled");
///     NOT_FOUND_STATUS = status("404");
/// }
/// ```
macro_rules! words {
    ($($(#[$doc:meta])* $vis:vis $name:ident = $kind:ident($($w:literal),+ $(,)?);)+) => {
        $(
            $(#[$doc])*
            $vis static $name: $crate::classify::text::Words =
                $crate::classify::text::Words::$kind(&[$($w),+]);
        )+
        /// Every word list of this module, for the one automaton (`text::modules`).
        pub(super) static WORDS: &[&$crate::classify::text::Words] = &[$(&$name),+];
    };
}
pub(crate) use words;

/// The modules whose [`words!`] lists make up the automaton. A module that declares lists must be
/// here (a debug build stops at the first question about an unlisted list; a release build
/// answers it word by word).
fn modules() -> [&'static [&'static Words]; 8] {
    [
        WORDS,
        super::reason::WORDS,
        super::scheduler::WORDS,
        super::image_pull::WORDS,
        super::resource_init::WORDS,
        super::container_start::WORDS,
        super::service_event::WORDS,
        super::task_stop::WORDS,
    ]
}

fn registered() -> impl Iterator<Item = &'static Words> {
    modules().into_iter().flatten().copied()
}

/// One bit per registered list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Bits([u64; 4]);

impl Bits {
    const CAPACITY: usize = 4 * 64;

    fn get(&self, slot: u16) -> bool {
        let i = usize::from(slot);
        self.0.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
    }

    fn set(&mut self, slot: usize) {
        if let Some(w) = self.0.get_mut(slot / 64) {
            *w |= 1 << (slot % 64);
        }
    }

    fn contains(&self, other: &Bits) -> bool {
        self.0.iter().zip(other.0).all(|(a, b)| a & b == b)
    }

    fn union(&mut self, other: &Bits) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a |= b;
        }
    }
}

/// `(starts, ends)` of the [`LANES`] windows of a text of `n` bytes, for words whose prefixes
/// are up to `overlap + 1` bytes long: all of the same length, the first starting at 0, the last
/// ending at `n`, and each starting `overlap` bytes or more before the end of the one before.
fn lanes(n: usize, overlap: usize) -> ([usize; LANES], [usize; LANES]) {
    let len = (n + (LANES - 1) * overlap).div_ceil(LANES).min(n);
    let mut ends = [n; LANES];
    for (j, end) in ends.iter_mut().enumerate().take(LANES - 1) {
        *end = n.min(len + j * len.saturating_sub(overlap));
    }
    (ends.map(|e| e - len), ends)
}

/// Every word of every list in one automaton.
///
/// The automaton holds only the first [`PREFIX`] bytes of each word, and a prefix that occurs is
/// checked against the whole words that begin with it. Measured on this machine (BENCHMARKS.md):
/// with 16-byte prefixes the automaton has 340 patterns instead of 350 words, takes 760 KB
/// instead of 1.1 MB and 1.4 ms to build instead of 2.1 ms (once per process, on the first
/// classification), and classifying the 231-byte pull error costs slightly fewer instructions
/// (15.6k against 15.9k). 8-byte prefixes cost more (16.8k): too many words share one, such as
/// `failed t`.
struct Matcher {
    automaton: DFA,
    start: StateID,
    /// Per pattern of the automaton (a prefix): the words that begin with it.
    by_prefix: Vec<Vec<usize>>,
    words: Vec<Word>,
}

/// Bytes of each word the automaton holds.
const PREFIX: usize = 16;

/// Windows of a long text walked side by side (see [`Matcher::scan`]).
const LANES: usize = 4;

/// One distinct word: its text, the lists it belongs to, whether it is a status code.
struct Word {
    text: &'static [u8],
    lists: Bits,
    status: bool,
}

/// `None` only if the automaton cannot be built (it is built from the constant lists, and the
/// tests build it): then every question is answered word by word.
static MATCHER: LazyLock<Option<Matcher>> = LazyLock::new(Matcher::build);

impl Matcher {
    fn build() -> Option<Matcher> {
        let mut words: Vec<Word> = Vec::new();
        let mut index = std::collections::HashMap::new();
        for (slot, list) in registered().enumerate() {
            if slot >= Bits::CAPACITY {
                return None;
            }
            list.slot.store(slot as u16, Ordering::Relaxed);
            for &w in list.words {
                if w.is_empty() {
                    return None;
                }
                // One entry per distinct word (and kind): "not found" is in several lists.
                let i = *index.entry((w, list.status)).or_insert_with(|| {
                    words.push(Word {
                        text: w.as_bytes(),
                        lists: Bits::default(),
                        status: list.status,
                    });
                    words.len() - 1
                });
                if let Some(word) = words.get_mut(i) {
                    word.lists.set(slot);
                }
            }
        }
        let mut prefixes: Vec<&'static [u8]> = Vec::new();
        let mut by_prefix: Vec<Vec<usize>> = Vec::new();
        let mut prefix_index = std::collections::HashMap::new();
        for (i, word) in words.iter().enumerate() {
            let prefix = word.text.get(..PREFIX).unwrap_or(word.text);
            let p = *prefix_index.entry(prefix).or_insert_with(|| {
                prefixes.push(prefix);
                by_prefix.push(Vec::new());
                by_prefix.len() - 1
            });
            if let Some(list) = by_prefix.get_mut(p) {
                list.push(i);
            }
        }
        // With standard semantics, a state of the automaton lists every prefix that ends there,
        // including those that end inside a longer one: walking the whole text and reading each
        // state's prefixes finds every occurrence of every prefix, hence (after the check of the
        // rest) of every word, which is what `contains` per word answers. A DFA is the fastest
        // kind to walk: one table load per byte.
        let automaton = DFA::builder()
            .match_kind(MatchKind::Standard)
            .build(&prefixes)
            .ok()?;
        let start = automaton.start_state(Anchored::No).ok()?;
        Some(Matcher {
            automaton,
            start,
            by_prefix,
            words,
        })
    }

    /// Walks the automaton over `s` once, recording the lists of every word that occurs.
    ///
    /// The walk is written out rather than taken from `find_overlapping_iter`, which resumes its
    /// search after each match and was several times slower on these messages. Each step of a
    /// walk waits for the table load of the step before, so a long text is cut into [`LANES`]
    /// windows walked side by side, which lets the processor overlap their loads. Window `j`
    /// records the prefixes that end in `(ends[j - 1], ends[j]]` and starts `PREFIX - 1` bytes
    /// or more before `ends[j - 1]`, so each of them starts inside it: every occurrence is
    /// found once, by the window where it ends.
    fn scan(&self, s: &str) -> Bits {
        let bytes = s.as_bytes();
        let mut found = Bits::default();
        let overlap = self.automaton.max_pattern_len().saturating_sub(1);
        let n = bytes.len();
        let (starts, ends) = lanes(n, overlap);
        let window = |j: usize| bytes.get(*starts.get(j)?..*ends.get(j)?);
        match (window(0), window(1), window(2), window(3)) {
            (Some(w0), Some(w1), Some(w2), Some(w3)) if n >= LANES * (overlap + 16) => {
                let [e0, e1, e2, _] = ends;
                let dfa = &self.automaton;
                let mut sid = [self.start; LANES];
                let lanes = w0.iter().zip(w1).zip(w2).zip(w3);
                for (i, (((&b0, &b1), &b2), &b3)) in lanes.enumerate() {
                    let [s0, s1, s2, s3] = sid;
                    sid = [
                        dfa.next_state(Anchored::No, s0, b0),
                        dfa.next_state(Anchored::No, s1, b1),
                        dfa.next_state(Anchored::No, s2, b2),
                        dfa.next_state(Anchored::No, s3, b3),
                    ];
                    let [s0, s1, s2, s3] = sid;
                    let [o0, o1, o2, o3] = starts;
                    if dfa.is_special(s0) {
                        self.record(s0, o0 + i + 1, bytes, &mut found);
                    }
                    if dfa.is_special(s1) && o1 + i + 1 > e0 {
                        self.record(s1, o1 + i + 1, bytes, &mut found);
                    }
                    if dfa.is_special(s2) && o2 + i + 1 > e1 {
                        self.record(s2, o2 + i + 1, bytes, &mut found);
                    }
                    if dfa.is_special(s3) && o3 + i + 1 > e2 {
                        self.record(s3, o3 + i + 1, bytes, &mut found);
                    }
                }
            }
            _ => self.walk(self.start, bytes, 0, bytes, &mut found),
        }
        found
    }

    /// Walks `part` (which starts at `offset` in `whole`) from state `sid`.
    fn walk(&self, mut sid: StateID, part: &[u8], offset: usize, whole: &[u8], found: &mut Bits) {
        let dfa = &self.automaton;
        for (i, &b) in part.iter().enumerate() {
            sid = dfa.next_state(Anchored::No, sid, b);
            if dfa.is_special(sid) {
                self.record(sid, offset + i + 1, whole, found);
            }
        }
    }

    /// Records the lists of the words that begin with the prefixes that end at `end` in state
    /// `sid` (a special state: a match, or the dead state, which an unanchored walk never
    /// reaches and which has no prefixes).
    #[inline]
    fn record(&self, sid: StateID, end: usize, whole: &[u8], found: &mut Bits) {
        let dfa = &self.automaton;
        if !dfa.is_match(sid) {
            return;
        }
        for k in 0..dfa.match_len(sid) {
            let prefix = dfa.match_pattern(sid, k);
            let start = end - dfa.pattern_len(prefix);
            // The prefix matched already: only the rest of each word is compared.
            let Some(candidates) = self.by_prefix.get(prefix.as_usize()) else {
                continue;
            };
            for word in candidates.iter().filter_map(|&w| self.words.get(w)) {
                if found.contains(&word.lists) {
                    // Nothing this word could add.
                    continue;
                }
                let stop = start + word.text.len();
                if whole.get(end..stop) != word.text.get(end - start..) {
                    continue;
                }
                if word.status && glued(whole, start, stop) {
                    continue;
                }
                found.union(&word.lists);
            }
        }
    }
}

words! {
    /// Words that mean the request never got an answer: the network path is missing (no route, no
    /// NAT, no VPC endpoint, DNS, security group) rather than the request being refused. Taken from
    /// the Go HTTP client and AWS SDK for Go error texts the ECS agent passes through (`dial tcp …: i/o
    /// timeout`, `RequestCanceled: request context canceled caused by: context deadline exceeded`,
    /// `net/http: request canceled while waiting for connection`) and from the Fargate PV 1.4 wording
    /// "There is a connection issue between the task and …".
    pub(super) NETWORK = any(
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
    );

    /// Words of a refusal by IAM or a resource policy (AWS SDK error codes and IAM's "is not
    /// authorized to perform" sentence, KMS's "Access to KMS is not allowed").
    pub(super) ACCESS_DENIED = any(
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
    );
}

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
        for raw in [
            "  Task  Failed\tELB\r\n`x` ",
            "A\u{7}B",
            "",
            "   ",
            " ",
            "a ",
            " a",
            "a\u{7f}",
            // Nothing to fold but case: the branch-free fast path.
            "Task failed ELB health checks in (target-group arn:aws:x)",
            "CannotPullContainerError: pull image manifest: 403 Forbidden",
            "x",
        ] {
            let general: String = {
                let mut s = Text::new(&format!("{raw}\u{e9}")).s;
                s.truncate(s.len().saturating_sub(2));
                s.trim_end().to_owned()
            };
            assert_eq!(Text::new(raw).s, general, "{raw:?}");
        }
    }

    #[test]
    fn status_codes_are_whole_numbers_only() {
        use super::super::image_pull::{STATUS_403, STATUS_404};
        assert!(Text::new("unexpected status code 403 Forbidden").any(&STATUS_403));
        assert!(Text::new("API error (404): repository not found").any(&STATUS_404));
        assert!(!Text::new("dial tcp 52.46.140.3:443: i/o timeout").any(&STATUS_403));
        assert!(!Text::new("sha256:4031ab").any(&STATUS_403));
        assert!(!Text::new("account 111140322222").any(&STATUS_403));
        assert!(Text::new("403").any(&STATUS_403));
        assert!(Text::new("x 4403 403)").any(&STATUS_403));
        assert!(!Text::new("40404").any(&STATUS_404));
        assert!(Text::new("40404 (404)").any(&STATUS_404));
    }

    #[test]
    fn retry_count_takes_the_largest() {
        let t = Text::new("service call has been retried 5 time(s): ... retried 1 time(s)");
        assert_eq!(t.retry_count(), Some(5));
        assert_eq!(Text::new("no retries").retry_count(), None);
    }

    #[test]
    fn the_automaton_is_built_and_every_module_with_lists_is_registered() {
        assert!(MATCHER.is_some(), "the automaton could not be built");
        let sources = [
            include_str!("container_start.rs"),
            include_str!("containers.rs"),
            include_str!("evidence.rs"),
            include_str!("extract.rs"),
            include_str!("hit.rs"),
            include_str!("image_pull.rs"),
            include_str!("mod.rs"),
            include_str!("model.rs"),
            include_str!("next_steps.rs"),
            include_str!("reason.rs"),
            include_str!("resource_init.rs"),
            include_str!("scheduler.rs"),
            include_str!("service_event.rs"),
            include_str!("subject.rs"),
            include_str!("task_stop.rs"),
            include_str!("text.rs"),
        ];
        let declared = sources
            .iter()
            .map(|s| s.lines().filter(|l| l.starts_with("words! {")).count())
            .sum::<usize>();
        assert_eq!(
            declared,
            modules().len(),
            "a module with words! is missing from modules()"
        );
        for w in registered() {
            assert!(w.slot().is_some());
        }
    }

    #[test]
    fn the_windows_of_a_long_text_cover_it() {
        for overlap in [0, 7, 15, 45] {
            for n in LANES * (overlap + 16)..600 {
                let (starts, ends) = lanes(n, overlap);
                assert_eq!(starts[0], 0);
                assert_eq!(ends[LANES - 1], n);
                for j in 0..LANES {
                    assert_eq!(ends[j] - starts[j], ends[0], "{n} {overlap}");
                }
                for j in 1..LANES {
                    assert!(starts[j] + overlap <= ends[j - 1], "{n} {overlap} {j}");
                    assert!(ends[j - 1] <= ends[j]);
                }
            }
        }
    }

    /// Every word of every list, alone, glued to digits and punctuation, and in pairs that overlap
    /// or abut, plus the reasons of every sample event: the automaton's answer for each list is
    /// the word-by-word one.
    #[test]
    fn one_pass_answers_exactly_as_contains_per_word() {
        let words: Vec<&str> = registered().flat_map(|w| w.words.iter().copied()).collect();
        let mut texts: Vec<String> = Vec::new();
        for w in &words {
            for (a, b) in [
                ("", ""),
                ("x ", " y"),
                ("1", "1"),
                (".", ":"),
                ("(", ")"),
                ("/", "-"),
            ] {
                texts.push(format!("{a}{w}{b}"));
            }
            // A word cut short must not match.
            texts.push(w.get(..w.len() - 1).unwrap_or_default().to_owned());
        }
        // Pairs, deterministic pseudo-random: glued, spaced, and overlapping by a few bytes.
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for _ in 0..8_000 {
            let (a, b) = (words[next(words.len())], words[next(words.len())]);
            let cut = next(4).min(a.len());
            texts.push(match next(3) {
                0 => format!("{a}{b}"),
                1 => format!("{a} {b}"),
                _ => format!("{}{b}", &a[..a.len() - cut]),
            });
        }
        // Long texts, walked in two halves: every word at every offset around the middle (where
        // the second walk starts and where it starts recording), and runs of many words.
        let filler = |n: usize| "z".repeat(n);
        let overlap = MATCHER
            .as_ref()
            .map_or(0, |m| m.automaton.max_pattern_len() - 1);
        for w in &words {
            for len in [231] {
                let (starts, ends) = lanes(len, overlap);
                let prefix = w.len().min(overlap + 1);
                let mut at = Vec::new();
                // The word or its prefix ending just before, at and after the end of a window;
                // starting just before, at and after the start of one.
                for e in ends.iter().take(LANES - 1) {
                    at.extend((e - 1..=e + 1).filter_map(|e: usize| e.checked_sub(w.len())));
                    at.extend((e - 1..=e + 1).filter_map(|e: usize| e.checked_sub(prefix)));
                }
                for s in starts.iter().skip(1) {
                    at.extend(s - 1..=s + 1);
                }
                for start in at {
                    let tail = len.saturating_sub(start + w.len());
                    texts.push(format!("{}{w}{}", filler(start), filler(tail)));
                }
            }
        }
        for _ in 0..2_000 {
            let count = 5 + next(20);
            let mut t = String::new();
            for _ in 0..count {
                t.push_str(words[next(words.len())]);
                t.push_str([" ", "", ": ", "1", "/"][next(5)]);
            }
            texts.push(t);
        }
        let events = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../events");
        for entry in std::fs::read_dir(events).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "json") {
                let json: serde_json::Value =
                    serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
                collect_strings(&json, &mut texts);
            }
        }
        let mut checked = 0;
        for raw in &texts {
            let t = Text::new(raw);
            for list in registered() {
                assert_eq!(
                    t.any(list),
                    list.any_slow(t.as_str()),
                    "{:?} in {:?}",
                    list.words,
                    t.as_str()
                );
                checked += 1;
            }
        }
        assert!(checked > 1_000_000, "{checked}");
    }

    fn collect_strings(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::String(s) => out.push(s.clone()),
            serde_json::Value::Array(a) => a.iter().for_each(|v| collect_strings(v, out)),
            serde_json::Value::Object(o) => o.values().for_each(|v| collect_strings(v, out)),
            _ => {}
        }
    }
}
