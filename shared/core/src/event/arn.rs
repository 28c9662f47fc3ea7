//! Pieces of ECS ARNs. ARNs in events are trusted to be well formed only as far as parsing them
//! does not fail: every function returns `None` instead of panicking on something else.
//!
//! Formats (ECS "Amazon Resource Names" documentation):
//! `arn:aws:ecs:<region>:<account>:cluster/<cluster>`,
//! `arn:aws:ecs:<region>:<account>:task/<cluster>/<task-id>` (old format: `task/<task-id>`),
//! `arn:aws:ecs:<region>:<account>:task-definition/<family>:<revision>`,
//! `arn:aws:ecs:<region>:<account>:service/<cluster>/<service>` (old format: `service/<service>`).

/// The `n`th `:`-separated field of `s` (`s.split(':').nth(n)`), found byte by byte: the
/// classifier reads three or four fields of every event's ARNs, and `split` builds a searcher
/// each time.
fn field(s: &str, n: usize) -> Option<&str> {
    let mut start = 0;
    let mut seen = 0;
    for (i, b) in s.bytes().enumerate() {
        if b == b':' {
            if seen == n {
                return s.get(start..i);
            }
            seen += 1;
            start = i + 1;
        }
    }
    (seen == n).then(|| s.get(start..)).flatten()
}

/// What follows the last `sep` (all of `s` without one): `s.rsplit(sep).next()`, byte by byte,
/// because `rsplit` sets up a searcher that costs more than these short scans from the end.
fn last_part(s: &str, sep: u8) -> &str {
    match s.bytes().rposition(|b| b == sep) {
        Some(i) => s.get(i + 1..).unwrap_or_default(),
        None => s,
    }
}

/// The resource part after `<type>/`, for an ARN of the given resource type.
fn resource<'a>(arn: &'a str, kind: &str) -> Option<&'a str> {
    // `arn:<partition>:<service>:<region>:<account>:<resource>`: the resource starts after the
    // fifth colon and may hold colons of its own.
    if !arn.starts_with("arn:") {
        return None;
    }
    let fifth = arn
        .bytes()
        .enumerate()
        .filter(|&(_, b)| b == b':')
        .nth(4)
        .map(|(i, _)| i)?;
    let rest = arn.get(fifth + 1..)?;
    rest.strip_prefix(kind)?.strip_prefix('/')
}

/// Region of any ARN (`arn:aws:ecs:us-east-1:…` → `us-east-1`).
pub fn region(arn: &str) -> Option<&str> {
    let r = field(arn, 3)?;
    (!r.is_empty()).then_some(r)
}

/// Account id of any ARN.
pub fn account(arn: &str) -> Option<&str> {
    let a = field(arn, 4)?;
    (!a.is_empty()).then_some(a)
}

/// Cluster name from a cluster ARN; a bare name is returned as is.
pub fn cluster_name(arn_or_name: &str) -> Option<&str> {
    if !arn_or_name.starts_with("arn:") {
        return (!arn_or_name.is_empty()).then_some(arn_or_name);
    }
    resource(arn_or_name, "cluster").filter(|s| !s.is_empty())
}

/// Task id (the last path segment of a task ARN, either format); a bare id is returned as is.
pub fn task_id(arn_or_id: &str) -> Option<&str> {
    if !arn_or_id.starts_with("arn:") {
        return (!arn_or_id.is_empty()).then_some(arn_or_id);
    }
    Some(last_part(resource(arn_or_id, "task")?, b'/')).filter(|s| !s.is_empty())
}

/// `(family, revision)` of a task-definition ARN or a `family:revision` string.
pub fn task_definition_parts(arn_or_ref: &str) -> Option<(&str, u32)> {
    let body = if arn_or_ref.starts_with("arn:") {
        resource(arn_or_ref, "task-definition")?
    } else {
        arn_or_ref
    };
    let colon = body.bytes().rposition(|b| b == b':')?;
    let (family, rev) = (body.get(..colon)?, body.get(colon + 1..)?);
    let rev = rev.parse().ok()?;
    (!family.is_empty()).then_some((family, rev))
}

/// Service name from a service ARN (either format); a bare name is returned as is.
pub fn service_name(arn_or_name: &str) -> Option<&str> {
    if !arn_or_name.starts_with("arn:") {
        return (!arn_or_name.is_empty()).then_some(arn_or_name);
    }
    Some(last_part(resource(arn_or_name, "service")?, b'/')).filter(|s| !s.is_empty())
}

/// Cluster name from a new-format service ARN (`service/<cluster>/<service>`).
pub fn service_cluster(arn: &str) -> Option<&str> {
    let (cluster, _) = resource(arn, "service")?.split_once('/')?;
    (!cluster.is_empty()).then_some(cluster)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_new_and_old_formats() {
        let task = "arn:aws:ecs:us-east-1:111122223333:task/prod/0123456789abcdef0123456789abcdef";
        assert_eq!(task_id(task), Some("0123456789abcdef0123456789abcdef"));
        assert_eq!(task_id("arn:aws:ecs:us-east-1:1:task/abc"), Some("abc"));
        assert_eq!(
            cluster_name("arn:aws:ecs:us-east-1:1:cluster/prod"),
            Some("prod")
        );
        assert_eq!(
            task_definition_parts("arn:aws:ecs:us-east-1:1:task-definition/web:42"),
            Some(("web", 42))
        );
        assert_eq!(task_definition_parts("web:7"), Some(("web", 7)));
        assert_eq!(
            service_name("arn:aws:ecs:us-east-1:1:service/prod/api"),
            Some("api")
        );
        assert_eq!(
            service_cluster("arn:aws:ecs:us-east-1:1:service/prod/api"),
            Some("prod")
        );
        assert_eq!(
            service_name("arn:aws:ecs:us-east-1:1:service/api"),
            Some("api")
        );
        assert_eq!(region(task), Some("us-east-1"));
        assert_eq!(account(task), Some("111122223333"));
    }

    #[test]
    fn last_parts_are_those_of_rsplit() {
        for s in ["", "/", "a", "a/", "/a", "a/b/c", "é/ü"] {
            assert_eq!(Some(last_part(s, b'/')), s.rsplit('/').next(), "{s:?}");
        }
    }

    #[test]
    fn fields_are_those_of_split() {
        for s in [
            "",
            ":",
            "a",
            "a:",
            ":a",
            "a:b:c:d:e:f:g",
            "arn:aws:ecs:::x",
            "é:ü::",
        ] {
            for n in 0..8 {
                assert_eq!(field(s, n), s.split(':').nth(n), "{s:?} {n}");
            }
        }
    }

    #[test]
    fn garbage_is_none_not_panic() {
        for s in [
            "",
            "arn:",
            "arn:aws",
            "arn:aws:ecs:r:a:cluster",
            "arn:aws:ecs:r:a:task/",
            "arn:aws:ecs:r:a:task-definition/web:x",
            "task-definition/:1",
            ":",
        ] {
            let _ = (
                cluster_name(s),
                task_id(s),
                task_definition_parts(s),
                service_name(s),
            );
        }
        assert_eq!(
            task_definition_parts("arn:aws:ecs:r:a:task-definition/web:x"),
            None
        );
        assert_eq!(cluster_name("arn:aws:ecs:r:a:cluster/"), None);
    }
}
