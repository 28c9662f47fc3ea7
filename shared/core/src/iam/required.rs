//! What a task's execution role must be allowed to do, from what the task definition uses.
//!
//! The source is the ECS Developer Guide page "Amazon ECS task execution IAM role" and the pages
//! it links for each feature; each builder cites its section. Inputs are plain strings so callers
//! need no other module: region and account come from the task ARN, the repository from the image
//! reference, the rest from the container definition.
//!
//! Only the execution role's identity policies are in view. Some features also need a
//! resource-side grant that no builder here can express: a cross-account ECR repository needs a
//! repository policy, a customer managed KMS key its key policy (see [`RequiredPermission::for_kms_key`]).

use serde::{Deserialize, Serialize};

use super::error::IamError;

/// One action the role must be allowed on one resource, and why the task needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequiredPermission {
    pub action: String,
    pub resource: String,
    pub why: String,
}

impl RequiredPermission {
    fn new(action: &str, resource: impl Into<String>, why: impl Into<String>) -> Self {
        RequiredPermission {
            action: action.to_owned(),
            resource: resource.into(),
            why: why.into(),
        }
    }

    /// Pulling an image from a private Amazon ECR repository ("Amazon ECS task execution IAM
    /// role", first use case; the pull actions of the AmazonECSTaskExecutionRolePolicy managed
    /// policy it points to). `GetAuthorizationToken` has no resource
    /// type, so it is checked on `*`. `account` is the registry's account (from the image URI
    /// `<account>.dkr.ecr.<region>.amazonaws.com/<repository>`), which for a cross-account pull
    /// differs from the task's.
    /// A `:tag` or `@digest` left on `repository` is dropped: repository names contain neither.
    pub fn for_ecr_image(region: &str, account: &str, repository: &str) -> Vec<Self> {
        let repository = repository.split([':', '@']).next().unwrap_or(repository);
        let repo_arn = format!(
            "arn:{}:ecr:{region}:{account}:repository/{repository}",
            partition(region)
        );
        vec![
            Self::new(
                "ecr:GetAuthorizationToken",
                "*",
                format!("to authenticate to Amazon ECR before pulling from {repository}"),
            ),
            Self::new(
                "ecr:BatchGetImage",
                repo_arn.clone(),
                format!("to read the image manifest in {repository}"),
            ),
            Self::new(
                "ecr:GetDownloadUrlForLayer",
                repo_arn,
                format!("to download the image layers from {repository}"),
            ),
        ]
    }

    /// Sending container logs with the `awslogs` log driver ("Amazon ECS task execution IAM
    /// role", use cases, and "Send Amazon ECS logs to CloudWatch"):
    /// `logs:CreateLogStream` and `logs:PutLogEvents`, plus `logs:CreateLogGroup` when the
    /// container sets `awslogs-create-group` to `true`. The resource is the group's ARN in the
    /// form CloudWatch Logs returns and policies use, `…:log-group:<group>:*` (the streams in it).
    pub fn for_awslogs(region: &str, account: &str, group: &str, create_group: bool) -> Vec<Self> {
        let group_arn = format!(
            "arn:{}:logs:{region}:{account}:log-group:{group}:*",
            partition(region)
        );
        let mut out = Vec::with_capacity(3);
        if create_group {
            out.push(Self::new(
                "logs:CreateLogGroup",
                group_arn.clone(),
                format!("to create the log group {group} (awslogs-create-group is true)"),
            ));
        }
        out.push(Self::new(
            "logs:CreateLogStream",
            group_arn.clone(),
            format!("to create the task's log stream in {group} (awslogs log driver)"),
        ));
        out.push(Self::new(
            "logs:PutLogEvents",
            group_arn,
            format!("to send container logs to {group} (awslogs log driver)"),
        ));
        out
    }

    /// A `secrets[].valueFrom` (or `repositoryCredentials.credentialsParameter`) of a container
    /// definition ("Amazon ECS task execution IAM role", sections "Secrets Manager or Systems
    /// Manager permissions" and "Private registry authentication permissions"):
    ///
    /// - a Secrets Manager ARN needs `secretsmanager:GetSecretValue` on the secret. ECS accepts
    ///   `arn:…:secret:<name>:<json-key>:<version-stage>:<version-id>` to pick a key or a version
    ///   ("Pass Secrets Manager secrets through Amazon ECS environment variables"); the suffix is
    ///   dropped to get the secret's ARN. Secret names cannot contain `:`.
    /// - a Systems Manager parameter, as an ARN or as a bare name, needs `ssm:GetParameters` on
    ///   the parameter's ARN. A bare name refers to the task's region and account (`region`,
    ///   `account`); a name with a leading `/` keeps its path (`/prod/db` →
    ///   `parameter/prod/db`). Parameter names cannot contain `:` either, so a `:<version>` or
    ///   `:<label>` selector is dropped.
    ///
    /// A secret ARN given without the six random characters Secrets Manager appends is checked
    /// as given; a policy granting `secret:<name>-??????` will then not match it.
    pub fn for_secret(
        value_from: &str,
        region: &str,
        account: &str,
    ) -> Result<Vec<Self>, IamError> {
        const EXPECTED: &str =
            "a Secrets Manager secret ARN, an SSM parameter ARN or a parameter name in valueFrom";
        let value_from = value_from.trim();
        if value_from.starts_with("arn:") {
            let parts: Vec<&str> = value_from.split(':').collect();
            return match parts.as_slice() {
                ["arn", partition, "secretsmanager", region, account, "secret", name, ..]
                    if !name.is_empty() =>
                {
                    let arn =
                        format!("arn:{partition}:secretsmanager:{region}:{account}:secret:{name}");
                    Ok(vec![Self::new(
                        "secretsmanager:GetSecretValue",
                        arn,
                        format!("to read the secret {name} the task definition references"),
                    )])
                }
                ["arn", partition, "ssm", region, account, resource, ..] => {
                    match resource
                        .strip_prefix("parameter/")
                        .filter(|n| !n.is_empty())
                    {
                        Some(name) => {
                            Ok(vec![Self::ssm_parameter(partition, region, account, name)])
                        }
                        None => Err(IamError::reference(EXPECTED, value_from)),
                    }
                }
                _ => Err(IamError::reference(EXPECTED, value_from)),
            };
        }
        let name = value_from.split(':').next().unwrap_or("");
        let name = name.strip_prefix('/').unwrap_or(name);
        if name.is_empty() {
            return Err(IamError::reference(EXPECTED, value_from));
        }
        if region.is_empty() || account.is_empty() {
            return Err(IamError::reference(
                "the task's region and account to qualify a bare parameter name",
                value_from,
            ));
        }
        Ok(vec![Self::ssm_parameter(
            partition(region),
            region,
            account,
            name,
        )])
    }

    fn ssm_parameter(partition: &str, region: &str, account: &str, name: &str) -> Self {
        Self::new(
            "ssm:GetParameters",
            format!("arn:{partition}:ssm:{region}:{account}:parameter/{name}"),
            format!("to read the parameter {name} the task definition references"),
        )
    }

    /// An `environmentFiles[]` entry of type `s3` ("Amazon ECS task execution IAM role", "Amazon
    /// S3 file storage permissions"): `s3:GetObject` on the object and `s3:GetBucketLocation` on
    /// its bucket.
    pub fn for_env_file(s3_arn: &str) -> Result<Vec<Self>, IamError> {
        const EXPECTED: &str = "an S3 object ARN such as arn:aws:s3:::bucket/app.env";
        let s3_arn = s3_arn.trim();
        let mut parts = s3_arn.splitn(6, ':');
        let object = match (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) {
            (Some("arn"), Some(partition), Some("s3"), Some(""), Some(""), Some(path)) => {
                match path.split_once('/') {
                    Some((bucket, key)) if !bucket.is_empty() && !key.is_empty() => {
                        Some((partition, bucket))
                    }
                    _ => None,
                }
            }
            _ => None,
        };
        let Some((partition, bucket)) = object else {
            return Err(IamError::reference(EXPECTED, s3_arn));
        };
        Ok(vec![
            Self::new(
                "s3:GetObject",
                s3_arn,
                "to read the environment file the task definition references",
            ),
            Self::new(
                "s3:GetBucketLocation",
                format!("arn:{partition}:s3:::{bucket}"),
                format!("to locate the bucket {bucket} of the environment file"),
            ),
        ])
    }

    /// A customer managed KMS key that encrypts a secret or a SecureString parameter ("Amazon ECS
    /// task execution IAM role", "Secrets Manager or Systems Manager permissions": `kms:Decrypt`
    /// only when the key is a custom one, not the default key). The key's ARN is not in the task definition: the caller
    /// learns it from the secret or parameter.
    pub fn for_kms_key(key_arn: &str) -> Vec<Self> {
        vec![Self::new(
            "kms:Decrypt",
            key_arn.trim(),
            "to decrypt a secret or parameter encrypted with a customer managed KMS key",
        )]
    }
}

/// The ARN partition of a region: `aws`, or the China, GovCloud and ISO partitions ("Identify
/// AWS resources with Amazon Resource Names (ARNs)", "partition").
pub fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("us-isob-") {
        "aws-iso-b"
    } else if region.starts_with("us-iso-") {
        "aws-iso"
    } else if region.starts_with("eu-isoe-") {
        "aws-iso-e"
    } else if region.starts_with("us-isof-") {
        "aws-iso-f"
    } else {
        "aws"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(v: &[RequiredPermission]) -> Vec<(&str, &str)> {
        v.iter()
            .map(|p| (p.action.as_str(), p.resource.as_str()))
            .collect()
    }

    #[test]
    fn an_ecr_image_needs_a_token_and_two_reads_on_its_repository() {
        let got = RequiredPermission::for_ecr_image("eu-west-1", "111122223333", "team/app");
        assert_eq!(
            got,
            RequiredPermission::for_ecr_image("eu-west-1", "111122223333", "team/app:v1@sha256:ab")
        );
        assert_eq!(
            pairs(&got),
            vec![
                ("ecr:GetAuthorizationToken", "*"),
                (
                    "ecr:BatchGetImage",
                    "arn:aws:ecr:eu-west-1:111122223333:repository/team/app"
                ),
                (
                    "ecr:GetDownloadUrlForLayer",
                    "arn:aws:ecr:eu-west-1:111122223333:repository/team/app"
                ),
            ]
        );
    }

    #[test]
    fn china_and_govcloud_regions_use_their_partition() {
        let got = RequiredPermission::for_ecr_image("cn-north-1", "1", "app");
        assert_eq!(
            got[1].resource,
            "arn:aws-cn:ecr:cn-north-1:1:repository/app"
        );
        let got = RequiredPermission::for_awslogs("us-gov-west-1", "1", "g", false);
        assert_eq!(
            got[0].resource,
            "arn:aws-us-gov:logs:us-gov-west-1:1:log-group:g:*"
        );
        assert_eq!(partition("us-isob-east-1"), "aws-iso-b");
        assert_eq!(partition("us-iso-east-1"), "aws-iso");
        assert_eq!(partition("us-east-1"), "aws");
    }

    #[test]
    fn awslogs_needs_stream_and_events_and_the_group_only_when_creating_it() {
        let arn = "arn:aws:logs:us-east-1:1:log-group:/ecs/app:*";
        assert_eq!(
            pairs(&RequiredPermission::for_awslogs(
                "us-east-1",
                "1",
                "/ecs/app",
                false
            )),
            vec![("logs:CreateLogStream", arn), ("logs:PutLogEvents", arn)]
        );
        assert_eq!(
            pairs(&RequiredPermission::for_awslogs(
                "us-east-1",
                "1",
                "/ecs/app",
                true
            )),
            vec![
                ("logs:CreateLogGroup", arn),
                ("logs:CreateLogStream", arn),
                ("logs:PutLogEvents", arn)
            ]
        );
    }

    #[test]
    fn secret_references_resolve_to_the_resource_iam_checks() {
        let rows = [
            (
                "a Secrets Manager ARN is checked as is",
                "arn:aws:secretsmanager:us-east-1:1:secret:db-AbCdEf",
                (
                    "secretsmanager:GetSecretValue",
                    "arn:aws:secretsmanager:us-east-1:1:secret:db-AbCdEf",
                ),
            ),
            (
                "a JSON-key suffix is dropped",
                "arn:aws:secretsmanager:us-east-1:1:secret:db-AbCdEf:password::",
                (
                    "secretsmanager:GetSecretValue",
                    "arn:aws:secretsmanager:us-east-1:1:secret:db-AbCdEf",
                ),
            ),
            (
                "a version-stage suffix is dropped",
                "arn:aws:secretsmanager:us-east-1:1:secret:db-AbCdEf::AWSPREVIOUS:",
                (
                    "secretsmanager:GetSecretValue",
                    "arn:aws:secretsmanager:us-east-1:1:secret:db-AbCdEf",
                ),
            ),
            (
                "an SSM ARN is checked as is",
                "arn:aws:ssm:us-east-1:1:parameter/prod/db",
                (
                    "ssm:GetParameters",
                    "arn:aws:ssm:us-east-1:1:parameter/prod/db",
                ),
            ),
            (
                "a bare name is in the task's region and account",
                "db_password",
                (
                    "ssm:GetParameters",
                    "arn:aws:ssm:eu-west-1:2:parameter/db_password",
                ),
            ),
            (
                "a bare path keeps it without doubling the slash",
                "/prod/db",
                (
                    "ssm:GetParameters",
                    "arn:aws:ssm:eu-west-1:2:parameter/prod/db",
                ),
            ),
            (
                "a version selector is dropped",
                "/prod/db:3",
                (
                    "ssm:GetParameters",
                    "arn:aws:ssm:eu-west-1:2:parameter/prod/db",
                ),
            ),
        ];
        for (sentence, value_from, expected) in rows {
            let got = RequiredPermission::for_secret(value_from, "eu-west-1", "2").unwrap();
            assert_eq!(pairs(&got), vec![expected], "{sentence}");
        }
    }

    #[test]
    fn unusable_secret_references_say_what_was_expected() {
        for value_from in [
            "",
            "arn:aws:s3:::b/k",
            "arn:aws:secretsmanager:r:1:secret",
            "arn:aws:ssm:r:1:document/x",
            "arn:",
        ] {
            let err = RequiredPermission::for_secret(value_from, "r", "1")
                .unwrap_err()
                .to_string();
            assert!(
                err.starts_with("expected a Secrets Manager secret ARN"),
                "{value_from}: {err}"
            );
        }
        let err = RequiredPermission::for_secret("db", "", "")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "expected the task's region and account to qualify a bare parameter name, found \"db\""
        );
    }

    #[test]
    fn an_env_file_needs_the_object_and_its_bucket_location() {
        let got = RequiredPermission::for_env_file("arn:aws:s3:::my-bucket/env/app.env").unwrap();
        assert_eq!(
            pairs(&got),
            vec![
                ("s3:GetObject", "arn:aws:s3:::my-bucket/env/app.env"),
                ("s3:GetBucketLocation", "arn:aws:s3:::my-bucket"),
            ]
        );
        for bad in [
            "arn:aws:s3:::my-bucket",
            "arn:aws:s3:::/k",
            "s3://b/k",
            "arn:aws:s3:us-east-1::b/k",
        ] {
            let err = RequiredPermission::for_env_file(bad)
                .unwrap_err()
                .to_string();
            assert!(err.starts_with("expected an S3 object ARN"), "{bad}: {err}");
        }
    }
}
