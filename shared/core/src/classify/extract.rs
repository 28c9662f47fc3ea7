//! Identifiers quoted inside messages: the target group of an ELB health-check stop, the role an
//! AccessDenied names, the secret that could not be read. They make the next steps exact.

/// ARN-shaped tokens in a message, in order (trailing punctuation trimmed).
pub fn arns(msg: &str) -> impl Iterator<Item = &str> {
    msg.split(|c: char| {
        c.is_whitespace() || matches!(c, '(' | ')' | '"' | '\'' | ',' | '[' | ']' | '<' | '>')
    })
    .filter(|w| w.starts_with("arn:aws"))
    .map(|w| w.trim_end_matches(['.', ':', ';']))
}

pub fn target_group_arn(msg: &str) -> Option<&str> {
    arns(msg).find(|a| a.contains(":targetgroup/"))
}

pub fn secret_or_parameter_arn(msg: &str) -> Option<&str> {
    arns(msg).find(|a| {
        a.contains(":secretsmanager:") || a.contains(":parameter/") || a.contains(":ssm:")
    })
}

/// The role in `arn:aws:sts::<acct>:assumed-role/<role>/<session>` or `…:role/<role>`.
pub fn role_name(msg: &str) -> Option<&str> {
    arns(msg).find_map(|a| {
        if let Some(rest) = a.split_once(":assumed-role/").map(|(_, r)| r) {
            return rest.split('/').next().filter(|s| !s.is_empty());
        }
        a.split_once(":role/")
            .map(|(_, r)| r.rsplit('/').next().unwrap_or(r))
            .filter(|s| !s.is_empty())
    })
}

/// The deployment id in `(deployment ecs-svc/123…)`.
pub fn deployment_id(msg: &str) -> Option<&str> {
    msg.split(|c: char| c.is_whitespace() || c == '(' || c == ')')
        .find(|w| w.starts_with("ecs-svc/"))
        .map(|w| w.trim_end_matches(['.', ',']))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_quoted_identifiers() {
        let elb = "Task failed ELB health checks in (target-group arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/web/0123456789abcdef)";
        assert_eq!(
            target_group_arn(elb),
            Some("arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/web/0123456789abcdef")
        );
        let denied = "AccessDeniedException: User: arn:aws:sts::111122223333:assumed-role/ecsTaskExecutionRole/8f2 is not authorized to perform: secretsmanager:GetSecretValue on resource: arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf because";
        assert_eq!(role_name(denied), Some("ecsTaskExecutionRole"));
        assert_eq!(
            secret_or_parameter_arn(denied),
            Some("arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf")
        );
        assert_eq!(
            deployment_id("Scaling activity initiated by (deployment ecs-svc/123)"),
            Some("ecs-svc/123")
        );
    }
}
