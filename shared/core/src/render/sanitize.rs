//! Making untrusted text (stop reasons, log lines, names from events) safe for each medium.

use crate::classify::is_unsafe_char;

/// One line: control characters and line breaks become spaces, runs of spaces collapse, and the
/// result is cut to `max` characters with an ellipsis.
pub fn one_line(s: &str, max: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max * 2));
    let mut n = 0;
    let mut last_space = false;
    for c in s.chars() {
        let c = if is_unsafe_char(c) || c.is_whitespace() {
            ' '
        } else {
            c
        };
        if c == ' ' && (last_space || n == 0) {
            continue;
        }
        last_space = c == ' ';
        if n + 1 > max {
            // The ellipsis takes the last character's place: the result is at most `max` long.
            out.pop();
            out.truncate(out.trim_end().len());
            out.push('…');
            return out;
        }
        out.push(c);
        n += 1;
    }
    out.truncate(out.trim_end().len());
    out
}

/// An SNS subject: printable ASCII only, one line, fewer than 100 characters (SNS: "must be
/// ASCII text that begins with a letter, number, or punctuation mark; must not include line
/// breaks or control characters; and must be less than 100 characters long").
pub fn sns_subject(s: &str) -> String {
    const MAX: usize = 99;
    let ascii: String = one_line(s, 400)
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else if c == '…' {
                '.'
            } else {
                '?'
            }
        })
        .collect();
    let trimmed = ascii
        .trim_start_matches(|c: char| !c.is_ascii_alphanumeric() && !c.is_ascii_punctuation())
        .trim();
    let mut out: String = trimmed.chars().take(MAX).collect();
    if trimmed.chars().count() > MAX {
        out.truncate(MAX - 3);
        out.push_str("...");
    }
    if out.is_empty() {
        out.push_str("ecs-triage notification");
    }
    out
}

/// Text for chat markdown: one line, and every character that markdown or Slack/Teams markup
/// reads (`*_~`[]()<>#|!\\` and `@` mentions) escaped or neutralised, so a stop reason cannot
/// format, link or mention.
pub fn chat(s: &str, max: usize) -> String {
    let line = one_line(s, max);
    let mut out = String::with_capacity(line.len() + 8);
    for c in line.chars() {
        match c {
            '*' | '_' | '~' | '`' | '[' | ']' | '(' | ')' | '#' | '|' | '!' | '\\' | '>' | '<' => {
                out.push('\\');
                out.push(c);
            }
            '@' => out.push_str("@\u{200b}"),
            c => out.push(c),
        }
    }
    out
}

/// Multi-line plain text for email bodies: keeps line breaks of the renderer, but each value
/// inserted is passed through [`one_line`] by the renderer first. Here: only strips any control
/// characters other than `\n`.
pub fn plain_block(s: &str) -> String {
    s.chars()
        .filter(|c| *c == '\n' || !c.is_control())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_flattens_and_cuts() {
        assert_eq!(one_line("a\r\nb\t\u{7}c", 10), "a b c");
        assert_eq!(one_line("abcdefghij", 5), "abcd…");
        assert_eq!(one_line("  lead", 10), "lead");
        assert_eq!(one_line("x\u{202e}y", 10), "x y");
    }

    #[test]
    fn subject_is_ascii_one_line_under_100() {
        let s = sns_subject(&format!("\nSubject: évil\r\n{}", "x".repeat(300)));
        assert!(s.len() < 100 && s.is_ascii() && !s.contains('\n'), "{s}");
        assert!(s.starts_with("Subject: ?vil"));
        assert_eq!(sns_subject(""), "ecs-triage notification");
    }

    #[test]
    fn chat_escapes_markup_and_mentions() {
        assert_eq!(
            chat("**x** [a](b) @here", 100),
            "\\*\\*x\\*\\* \\[a\\]\\(b\\) @\u{200b}here"
        );
    }
}
