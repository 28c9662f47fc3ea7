//! Wildcard matching of action names and resource ARNs, as IAM does it.
//!
//! Actions ("IAM JSON policy elements: Action"): `service:Action`, case-insensitive, with `*` and
//! `?` wildcards (`ecr:*`, `ecr:Get*`, `*`, `s3:Get?bject`).
//!
//! Resources ("IAM JSON policy elements: Resource"): ARNs, case-sensitive, `*` any run of
//! characters and `?` exactly one. The guide asks authors to keep wildcards within a
//! colon-separated segment but says a trailing `*` "can expand to match beyond the colon
//! boundaries", and `*` spans `/` within a segment; a plain glob over the whole ARN, as here, is
//! how IAM behaves on the patterns people write (`arn:aws:logs:*:*:*`, `arn:aws:s3:::bucket/*`).
//!
//! Policy variables (`${aws:username}`, `${aws:PrincipalTag/team, 'default'}`) in a Resource are
//! filled from the request context, which this crate does not have: a pattern with one is reported
//! as a possible match when it could match with the variable standing for any text. The escapes
//! `${*}`, `${?}` and `${$}` are the literal characters (IAM User Guide, "IAM policy elements:
//! Variables and tags", "Special characters").
//!
//! Matching runs in time proportional to pattern length times subject length, never
//! exponentially, whatever the input.

/// One element of a compiled pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Char(char),
    /// `*`: any run of characters, empty included.
    Many,
    /// `?`: exactly one character.
    One,
    /// A policy variable: some text unknown here, matched as if `*`.
    Variable,
}

/// Whether action pattern `pattern` matches the action name `action`, ignoring ASCII case.
pub(crate) fn action_matches(pattern: &str, action: &str) -> bool {
    let tokens: Vec<Token> = pattern.chars().map(wildcard).collect();
    let subject: Vec<char> = action.chars().collect();
    glob(&tokens, &subject, |a, b| a.eq_ignore_ascii_case(&b))
}

/// How one resource pattern relates to one resource ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ResourceMatch {
    Yes,
    No,
    /// It matches for some values of these policy variables (as written, `${…}` included).
    DependsOn(Vec<String>),
}

/// Whether resource pattern `pattern` matches `resource`. `variables` says whether the document's
/// version makes `${…}` a policy variable (2012-10-17) or literal text.
pub(crate) fn resource_matches(pattern: &str, resource: &str, variables: bool) -> ResourceMatch {
    let (tokens, names) = compile_resource(pattern, variables);
    let subject: Vec<char> = resource.chars().collect();
    if !glob(&tokens, &subject, |a, b| a == b) {
        ResourceMatch::No
    } else if names.is_empty() {
        ResourceMatch::Yes
    } else {
        ResourceMatch::DependsOn(names)
    }
}

fn wildcard(c: char) -> Token {
    match c {
        '*' => Token::Many,
        '?' => Token::One,
        c => Token::Char(c),
    }
}

/// The tokens of a resource pattern, and the policy variables in it.
fn compile_resource(pattern: &str, variables: bool) -> (Vec<Token>, Vec<String>) {
    let mut tokens = Vec::with_capacity(pattern.len());
    let mut names = Vec::new();
    let mut rest = pattern;
    while let Some(c) = rest.chars().next() {
        if variables && rest.starts_with("${") {
            if let Some(end) = rest.find('}') {
                let inner = rest.get(2..end).unwrap_or("");
                match inner {
                    "*" | "?" | "$" => tokens.extend(inner.chars().map(Token::Char)),
                    _ => {
                        tokens.push(Token::Variable);
                        names.push(rest.get(..=end).unwrap_or(rest).to_owned());
                    }
                }
                rest = rest.get(end + 1..).unwrap_or("");
                continue;
            }
        }
        tokens.push(wildcard(c));
        rest = rest.get(c.len_utf8()..).unwrap_or("");
    }
    (tokens, names)
}

/// Glob matching with one backtrack point: on a mismatch, the last `*` takes one more character.
/// Correct for `*`/`?` patterns because a later `*` can absorb anything an earlier one could.
fn glob(pattern: &[Token], subject: &[char], eq: impl Fn(char, char) -> bool) -> bool {
    let (mut p, mut s) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while let Some(&c) = subject.get(s) {
        match pattern.get(p) {
            Some(Token::Many | Token::Variable) => {
                star = Some((p, s));
                p += 1;
                continue;
            }
            Some(Token::One) => {
                p += 1;
                s += 1;
                continue;
            }
            Some(Token::Char(want)) if eq(*want, c) => {
                p += 1;
                s += 1;
                continue;
            }
            _ => {}
        }
        match star {
            Some((star_p, star_s)) => {
                p = star_p + 1;
                s = star_s + 1;
                star = Some((star_p, star_s + 1));
            }
            None => return false,
        }
    }
    pattern
        .get(p..)
        .unwrap_or(&[])
        .iter()
        .all(|t| matches!(t, Token::Many | Token::Variable))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_patterns_match_case_insensitively_with_wildcards() {
        let rows = [
            ("ecr:*", "ecr:BatchGetImage", true),
            ("ecr:Get*", "ecr:GetAuthorizationToken", true),
            ("ecr:Get*", "ecr:BatchGetImage", false),
            ("*", "secretsmanager:GetSecretValue", true),
            ("s3:Get?bject", "s3:GetObject", true),
            ("s3:Get?bject", "s3:GetObbject", false),
            ("ECR:batchgetimage", "ecr:BatchGetImage", true),
            ("ecr:BatchGetImage", "ECR:BATCHGETIMAGE", true),
            ("ecr:BatchGetImage", "ecr:BatchGetImages", false),
            ("ecr:BatchGetImage", "ecr:BatchGetImag", false),
            ("logs:*Log*", "logs:CreateLogStream", true),
            ("*:*", "sts:AssumeRole", true),
            ("", "", true),
            ("", "s3:GetObject", false),
            ("**", "", true),
            ("?", "", false),
        ];
        for (pattern, action, expected) in rows {
            assert_eq!(
                action_matches(pattern, action),
                expected,
                "{pattern} vs {action}"
            );
        }
    }

    #[test]
    fn resource_patterns_are_case_sensitive_globs_spanning_colons_and_slashes() {
        use ResourceMatch::{No, Yes};
        let rows = [
            ("*", "arn:aws:ecr:us-east-1:1:repository/app", Yes),
            (
                "arn:aws:ecr:*:*:repository/*",
                "arn:aws:ecr:us-east-1:1:repository/team/app",
                Yes,
            ),
            (
                "arn:aws:logs:*:*:*",
                "arn:aws:logs:us-east-1:1:log-group:/ecs/app:*",
                Yes,
            ),
            (
                "arn:aws:logs:us-east-1:1:log-group:/ecs/*",
                "arn:aws:logs:us-east-1:1:log-group:/ecs/app:*",
                Yes,
            ),
            ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket", No),
            ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b.env", Yes),
            ("arn:aws:s3:::Bucket/*", "arn:aws:s3:::bucket/a.env", No),
            (
                "arn:aws:secretsmanager:*:*:secret:db-??????",
                "arn:aws:secretsmanager:r:1:secret:db-AbCdEf",
                Yes,
            ),
            (
                "arn:aws:secretsmanager:*:*:secret:db-??????",
                "arn:aws:secretsmanager:r:1:secret:db-AbCdE",
                No,
            ),
            ("a*b*c", "aXbYbZc", Yes),
            ("a*b*c", "aXbYbZ", No),
            ("*a", "ba", Yes),
            ("é?", "éü", Yes),
        ];
        for (pattern, resource, expected) in rows {
            assert_eq!(
                resource_matches(pattern, resource, true),
                expected,
                "{pattern} vs {resource}"
            );
        }
    }

    #[test]
    fn a_policy_variable_makes_a_possible_match_depend_on_it() {
        let p = "arn:aws:s3:::home/${aws:username}/*";
        assert_eq!(
            resource_matches(p, "arn:aws:s3:::home/alice/.env", true),
            ResourceMatch::DependsOn(vec!["${aws:username}".into()])
        );
        // Whatever the user name, this is not under home/.
        assert_eq!(
            resource_matches(p, "arn:aws:s3:::other/alice/.env", true),
            ResourceMatch::No
        );
        // Under 2008-10-17 the variable is literal text.
        assert_eq!(
            resource_matches(p, "arn:aws:s3:::home/alice/.env", false),
            ResourceMatch::No
        );
        assert_eq!(
            resource_matches(p, "arn:aws:s3:::home/${aws:username}/.env", false),
            ResourceMatch::Yes
        );
    }

    #[test]
    fn escaped_special_characters_are_literal() {
        assert_eq!(
            resource_matches("arn:aws:s3:::b/${*}", "arn:aws:s3:::b/*", true),
            ResourceMatch::Yes
        );
        assert_eq!(
            resource_matches("arn:aws:s3:::b/${*}", "arn:aws:s3:::b/x", true),
            ResourceMatch::No
        );
        assert_eq!(
            resource_matches("arn:aws:s3:::b/${$}${?}", "arn:aws:s3:::b/$?", true),
            ResourceMatch::Yes
        );
        // An unterminated `${` is plain text.
        assert_eq!(
            resource_matches("arn:aws:s3:::b/${x", "arn:aws:s3:::b/${x", true),
            ResourceMatch::Yes
        );
    }
}
