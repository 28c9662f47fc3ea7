//! Container image references (`[registry/]repository[:tag][@digest]`), as Docker's reference
//! grammar defines them: the first path component is a registry only if it contains a `.` or a
//! `:` or is `localhost`; otherwise the image is on Docker Hub.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// `None` for Docker Hub.
    pub registry: Option<String>,
    pub repository: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected an image reference like registry/repository:tag, found {found:?}: {why}")]
pub struct ImageRefError {
    pub found: String,
    pub why: &'static str,
}

impl ImageRef {
    pub fn parse(s: &str) -> Result<ImageRef, ImageRefError> {
        let err = |why| ImageRefError {
            found: s.chars().take(200).collect(),
            why,
        };
        let s = s.trim();
        if s.is_empty() {
            return Err(err("it is empty"));
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(err("it contains whitespace"));
        }
        let (name, digest) = match s.split_once('@') {
            Some((n, d)) => (n, Some(d.to_owned())),
            None => (s, None),
        };
        let (registry, path) = match name.split_once('/') {
            Some((first, rest))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (Some(first.to_owned()), rest)
            }
            _ => (None, name),
        };
        // A tag is after the last ':' of the path (the registry's port was split off above).
        let (repository, tag) = match path.rsplit_once(':') {
            Some((r, t)) if !t.contains('/') => (r, Some(t.to_owned())),
            _ => (path, None),
        };
        if repository.is_empty() {
            return Err(err("the repository is empty"));
        }
        if tag.as_deref() == Some("") {
            return Err(err("the tag is empty"));
        }
        Ok(ImageRef {
            registry,
            repository: repository.to_owned(),
            tag,
            digest,
        })
    }

    /// `(account, region)` when the registry is Amazon ECR
    /// (`<account>.dkr.ecr.<region>.amazonaws.com[.cn]`, FIPS variants included).
    pub fn ecr(&self) -> Option<(&str, &str)> {
        let reg = self.registry.as_deref()?;
        let (account, rest) = reg.split_once(".dkr.ecr")?;
        let rest = rest.strip_prefix("-fips").unwrap_or(rest);
        let region = rest.strip_prefix('.')?.split('.').next()?;
        (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) && !region.is_empty())
            .then_some((account, region))
    }

    pub fn is_docker_hub(&self) -> bool {
        matches!(
            self.registry.as_deref(),
            None | Some("docker.io" | "registry-1.docker.io" | "index.docker.io")
        )
    }
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(r) = &self.registry {
            write!(f, "{r}/")?;
        }
        f.write_str(&self.repository)?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ecr_hub_and_ported_registries() {
        let r =
            ImageRef::parse("111122223333.dkr.ecr.us-east-1.amazonaws.com/team/api:1.2").unwrap();
        assert_eq!(r.repository, "team/api");
        assert_eq!(r.tag.as_deref(), Some("1.2"));
        assert_eq!(r.ecr(), Some(("111122223333", "us-east-1")));
        let r = ImageRef::parse("nginx").unwrap();
        assert!(r.is_docker_hub());
        assert_eq!(r.tag, None);
        let r = ImageRef::parse("localhost:5000/app@sha256:abc").unwrap();
        assert_eq!(r.registry.as_deref(), Some("localhost:5000"));
        assert_eq!(r.digest.as_deref(), Some("sha256:abc"));
        assert_eq!(r.to_string(), "localhost:5000/app@sha256:abc");
    }

    #[test]
    fn rejects_what_is_not_a_reference() {
        for s in ["", "a b", "reg.io/", "app:"] {
            assert!(ImageRef::parse(s).is_err(), "{s}");
        }
    }
}
