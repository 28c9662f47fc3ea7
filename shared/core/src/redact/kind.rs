//! What a `[REDACTED:<kind>]` marker hid, and a small copyable set of kinds.

use std::fmt;

/// A kind of secret; [`SecretKind::as_str`] is the name written in the marker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SecretKind {
    /// `AKIA…`, `ASIA…` and the other IAM unique-id prefixes, with 16 upper-case characters.
    AwsAccessKeyId,
    /// The 40-character secret behind `aws_secret_access_key`, `SecretAccessKey` and the like.
    AwsSecretAccessKey,
    /// `aws_session_token`, `X-Amz-Security-Token`, `SessionToken`, and STS token bodies.
    AwsSessionToken,
    /// The credential of an `Authorization:` header; the scheme (`Bearer`, `Basic`) is kept.
    Authorization,
    /// A token after the word `Bearer` outside an `Authorization` header.
    BearerToken,
    /// A JSON Web Token: three (or five) base64url segments, the first starting `eyJ`.
    Jwt,
    /// The password of `scheme://user:password@host`; the user and host are kept.
    UrlPassword,
    /// `Password=…;` or `Pwd=…;` in a `;`-separated connection string.
    ConnectionString,
    /// The value of a `password`, `passwd`, `pwd` or `passphrase` label.
    Password,
    /// The value of a `secret`, `token`, `api_key`, `client_secret`, `private_key` label.
    Secret,
    /// A PEM private key block, `-----BEGIN … PRIVATE KEY-----` to `-----END … -----`.
    PrivateKey,
    /// `ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_` and `github_pat_` tokens.
    GitHubToken,
    /// `xoxb-`, `xoxp-`, `xoxa-`, `xoxr-` and `xoxs-` tokens.
    SlackToken,
    /// The secret path of a `hooks.slack.com` webhook URL.
    SlackWebhook,
    /// `sk_live_`, `rk_live_`, `sk_test_` and `rk_test_` keys.
    StripeKey,
    /// `AIza` followed by 35 characters.
    GoogleApiKey,
    /// An exact occurrence of a value the caller said is secret.
    Known,
}

impl SecretKind {
    pub const ALL: [SecretKind; 17] = [
        SecretKind::AwsAccessKeyId,
        SecretKind::AwsSecretAccessKey,
        SecretKind::AwsSessionToken,
        SecretKind::Authorization,
        SecretKind::BearerToken,
        SecretKind::Jwt,
        SecretKind::UrlPassword,
        SecretKind::ConnectionString,
        SecretKind::Password,
        SecretKind::Secret,
        SecretKind::PrivateKey,
        SecretKind::GitHubToken,
        SecretKind::SlackToken,
        SecretKind::SlackWebhook,
        SecretKind::StripeKey,
        SecretKind::GoogleApiKey,
        SecretKind::Known,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SecretKind::AwsAccessKeyId => "aws-access-key-id",
            SecretKind::AwsSecretAccessKey => "aws-secret-access-key",
            SecretKind::AwsSessionToken => "aws-session-token",
            SecretKind::Authorization => "authorization",
            SecretKind::BearerToken => "bearer-token",
            SecretKind::Jwt => "jwt",
            SecretKind::UrlPassword => "url-password",
            SecretKind::ConnectionString => "connection-string",
            SecretKind::Password => "password",
            SecretKind::Secret => "secret",
            SecretKind::PrivateKey => "private-key",
            SecretKind::GitHubToken => "github-token",
            SecretKind::SlackToken => "slack-token",
            SecretKind::SlackWebhook => "slack-webhook",
            SecretKind::StripeKey => "stripe-key",
            SecretKind::GoogleApiKey => "google-api-key",
            SecretKind::Known => "known-secret",
        }
    }

    /// Which kind names a range when findings of several kinds cover exactly the same text: a
    /// token recognised by its own shape says more than the label it happens to sit behind
    /// (`token=eyJ…` is a JWT, `Authorization: Bearer ghp_…` a GitHub token).
    pub(crate) fn rank(self) -> u8 {
        match self {
            SecretKind::PrivateKey => 16,
            SecretKind::AwsAccessKeyId => 15,
            SecretKind::AwsSecretAccessKey => 14,
            SecretKind::AwsSessionToken => 13,
            SecretKind::GitHubToken => 12,
            SecretKind::SlackToken => 11,
            SecretKind::SlackWebhook => 10,
            SecretKind::StripeKey => 9,
            SecretKind::GoogleApiKey => 8,
            SecretKind::Jwt => 7,
            SecretKind::Authorization => 6,
            SecretKind::BearerToken => 5,
            SecretKind::UrlPassword => 4,
            SecretKind::ConnectionString => 3,
            SecretKind::Password => 2,
            SecretKind::Secret => 1,
            SecretKind::Known => 0,
        }
    }

    fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

impl fmt::Display for SecretKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of [`SecretKind`]s, as small as a `u32` and free to copy.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Kinds(u32);

impl Kinds {
    pub fn insert(&mut self, kind: SecretKind) {
        self.0 |= kind.bit();
    }

    pub fn contains(self, kind: SecretKind) -> bool {
        self.0 & kind.bit() != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// The kinds in the set, in [`SecretKind::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = SecretKind> {
        SecretKind::ALL
            .into_iter()
            .filter(move |kind| self.contains(*kind))
    }

    pub fn union(self, other: Kinds) -> Kinds {
        Kinds(self.0 | other.0)
    }
}

impl FromIterator<SecretKind> for Kinds {
    fn from_iter<I: IntoIterator<Item = SecretKind>>(iter: I) -> Kinds {
        let mut kinds = Kinds::default();
        for kind in iter {
            kinds.insert(kind);
        }
        kinds
    }
}

impl fmt::Debug for Kinds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_own_bit_and_its_own_name() {
        let all: Kinds = SecretKind::ALL.into_iter().collect();
        assert_eq!(all.len(), SecretKind::ALL.len());
        let mut names: Vec<&str> = SecretKind::ALL.iter().map(|k| k.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), SecretKind::ALL.len());
    }

    #[test]
    fn every_kind_has_its_own_rank() {
        let mut ranks: Vec<u8> = SecretKind::ALL.iter().map(|k| k.rank()).collect();
        ranks.sort_unstable();
        ranks.dedup();
        assert_eq!(ranks.len(), SecretKind::ALL.len());
    }

    #[test]
    fn a_set_lists_its_kinds_in_declaration_order() {
        let kinds: Kinds = [SecretKind::Jwt, SecretKind::AwsAccessKeyId]
            .into_iter()
            .collect();
        assert!(kinds.contains(SecretKind::Jwt));
        assert!(!kinds.contains(SecretKind::Password));
        assert_eq!(
            kinds.iter().collect::<Vec<_>>(),
            vec![SecretKind::AwsAccessKeyId, SecretKind::Jwt]
        );
        assert_eq!(format!("{kinds:?}"), "{AwsAccessKeyId, Jwt}");
    }
}
