//! What a task needs before its containers can start: secrets and SSM parameters, the awslogs log
//! stream, environment files from S3, volumes, and the task ENI. On Fargate these surface as
//! `ResourceInitializationError: …`; on EC2 mostly as `CannotStartContainerError: … failed to
//! initialize logging driver` and similar.
//!
//! Sources: AWS docs "Troubleshoot Amazon ECS ResourceInitializationError errors", "Amazon ECS
//! stopped task error messages", "Pass Secrets Manager secrets / Systems Manager parameters" and
//! "Troubleshooting Amazon EFS volumes"; AWS re:Post knowledge-center articles on
//! "unable to pull secrets or registry auth" and "failed to validate logger args".

use super::hit::{high, low, medium, Hit};
use super::image_pull;
use super::text::{words, Text, ACCESS_DENIED, NETWORK};
use crate::taxonomy::Category::*;

words! {
    pub(super) SECRETS_OR_REGISTRY_AUTH = any("unable to pull secrets or registry auth");
    /// `environmentFiles` from S3.
    ENV_FILE = any(
        "env file",
        "envfile",
        "environment file",
        "environmentfiles",
        "failed to download env",
    );
    /// A volume of any kind.
    VOLUME = any(
        "efs",
        "nfs",
        "mount",
        "volume",
        "fsx",
        "ebs",
        "bind source path",
    );
    ENI_PROVISIONING = any("network interface provisioning");
    /// The awsvpc plugin's ENI setup.
    ENI_SETUP = any(
        "failed to configure eni",
        "setup regular eni",
        "eni attachment",
        "network interface",
        "netplugin",
        "failed to setup network",
    );
    /// ENI words of a placement failure instead (`scheduler::placement`).
    ENI_PLACEMENT = any(
        "create network interface",
        "attach network interface",
        "unused device index",
        "unable to place",
    );
    /// The awslogs driver or a log router.
    LOGGING = any(
        "failed to validate logger args",
        "logging driver",
        "log group",
        "log stream",
        "cloudwatch log",
        "awslogs",
        "logs:createlogstream",
        "logs:createloggroup",
        "firelens",
        "log router",
    );
    /// Secrets Manager, SSM parameters, KMS.
    SECRET = any(
        "secret",
        "from asm",
        " ssm",
        "ssm:",
        "parameter store",
        "systems manager",
        "getparameters",
        "kms",
    );
    /// ECR-specific words: the registry-auth half of the combined prefix.
    REGISTRY = any(
        "registry auth",
        "amazon ecr",
        "ecr:",
        "api.ecr",
        "dkr.ecr",
        "ecr registry",
        "pull command failed",
    );
    KMS_DECRYPT = any("kms:decrypt");
    /// A secret, parameter or JSON key that does not exist.
    SECRET_MISSING = any(
        "resourcenotfoundexception",
        "can't find the specified secret",
        "parameternotfound",
        "invalidparameters",
        "invalid parameters",
        "invalid ssm parameter",
        "invalid parameter",
        "did not contain json key",
        "whether the secret exists",
        "whether the parameter exists",
        "json key",
        "marked for deletion",
        "not found",
        "does not exist",
        "validationexception",
        "invalid arn",
        "invalidrequestexception",
    );
    /// The agent's credentials endpoint, not egress.
    CREDENTIALS_ENDPOINT = any(
        "credentialsendpointerror",
        "failed to load credentials",
        "169.254.170.2",
        "nocredentialproviders",
    );
    LOG_GROUP_MISSING = any(
        "log group does not exist",
        "resourcenotfoundexception",
        "log group not found",
        "loggroup does not exist",
    );
    /// Other log driver failures.
    LOG_DRIVER = any(
        "nocredentialproviders",
        "credential",
        "failed to initialize logging driver",
        "failed to validate logger args",
        "firelens",
        "log router",
    );
}

/// Tries each resource the agent prepares; `None` when the message is about none of them.
pub fn classify(t: &Text) -> Option<Hit> {
    // The bit answers whether the prefix occurs; only then is it looked for in the text.
    if t.has(&SECRETS_OR_REGISTRY_AUTH) {
        if let Some(rest) = t.after("unable to pull secrets or registry auth") {
            return Some(secrets_or_registry(&Text::new(rest), t));
        }
    }
    if is_logging(t) {
        return Some(logging(t));
    }
    if t.any(&ENV_FILE) {
        return Some(env_files(t));
    }
    if is_secret(t) {
        return Some(secrets(t));
    }
    if t.any(&VOLUME) {
        return Some(high(
            VolumeMountError,
            "A volume (EFS, EBS, FSx or bind mount) could not be set up for the task.",
        ));
    }
    // "Timeout waiting for network interface provisioning to complete." (stopped task error
    // messages doc); ENI setup failures of the awsvpc plugin.
    if t.has(&ENI_PROVISIONING) {
        return Some(high(
            EniProvisioningTimeout,
            "The task's elastic network interface (awsvpc) was not attached in time.",
        ));
    }
    if t.any(&ENI_SETUP) && !t.any(&ENI_PLACEMENT) {
        return Some(medium(
            EniProvisioningTimeout,
            "The task's elastic network interface (awsvpc) could not be set up.",
        ));
    }
    None
}

fn is_logging(t: &Text) -> bool {
    t.any(&LOGGING)
}

fn is_secret(t: &Text) -> bool {
    t.any(&SECRET)
}

/// `unable to pull secrets or registry auth: <rest>`: the rest says which of the two failed.
fn secrets_or_registry(rest: &Text, whole: &Text) -> Hit {
    // Only ECR-specific words: "The task cannot pull secrets from AWS Systems Manager" also says
    // "cannot pull".
    let registry = rest.any(&REGISTRY);
    if registry {
        return image_pull::classify_registry_auth(rest);
    }
    if is_secret(rest) {
        return secrets(rest);
    }
    // Truncated right after the prefix: the retry count still tells network from refusal.
    if whole.retry_count().is_some_and(|n| n >= 3) {
        return low(SecretsFetchNetwork, "Secrets or registry auth could not be fetched after several retries, the pattern of a missing network path (the cause was cut off).");
    }
    low(SecretsAccessDenied, "Secrets or registry auth could not be fetched with the execution role (the cause was cut off).")
}

/// Secrets Manager secrets and SSM parameters referenced by the task definition.
fn secrets(t: &Text) -> Hit {
    // "AccessDeniedException: User: …/ecsTaskExecutionRole/… is not authorized to perform:
    // secretsmanager:GetSecretValue", "AccessDeniedException: Access to KMS is not allowed".
    if t.any(&ACCESS_DENIED) || t.has(&KMS_DECRYPT) {
        return high(SecretsAccessDenied, "The execution role may not read the secret or parameter (or decrypt it with its KMS key).");
    }
    // "ResourceNotFoundException: Secrets Manager can't find the specified secret",
    // "ParameterNotFound", "InvalidParameters: Invalid parameters: [...]", the agent's own
    // "invalid ssm parameters: <names>" (GetParameters' InvalidParameters list), "retrieved secret from
    // Secrets Manager did not contain json key …", a secret "marked for deletion".
    // "The task can't retrieve the secret with ARN '…' from AWS Secrets Manager. Check whether the
    // secret exists in the specified Region." (resource-not-found doc).
    if t.any(&SECRET_MISSING) {
        return high(
            SecretsNotFound,
            "A secret, parameter or JSON key referenced by the task definition does not exist.",
        );
    }
    if t.any(&NETWORK) {
        return high(SecretsFetchNetwork, "The task cannot reach Secrets Manager / Systems Manager (no route, NAT or VPC endpoint).");
    }
    if t.retry_count().is_some_and(|n| n >= 3) {
        return medium(SecretsFetchNetwork, "Fetching secrets was retried several times before failing, the pattern of a missing network path (the cause was cut off).");
    }
    low(
        SecretsAccessDenied,
        "Secrets could not be fetched with the execution role (the cause was cut off).",
    )
}

/// The awslogs driver and other log routers.
fn logging(t: &Text) -> Hit {
    // "failed to initialize logging driver: CredentialsEndpointError: failed to load credentials
    // caused by: RequestError: send request failed … 169.254.170.2:80: connect: connection
    // refused": the agent's credentials endpoint, not egress (taxonomy: log_driver_error). Checked
    // before the network words it contains.
    if t.any(&CREDENTIALS_ENDPOINT) {
        return high(
            LogDriverError,
            "The log driver could not get credentials from the ECS agent's credentials endpoint.",
        );
    }
    if t.any(&ACCESS_DENIED) {
        return high(LogDriverAccessDenied, "The execution role may not create the log stream or group (logs:CreateLogStream / logs:CreateLogGroup).");
    }
    // "The task cannot find the Amazon CloudWatch log group defined in the task definition. There
    // is a connection issue between the task and Amazon CloudWatch." — despite naming the log
    // group, AWS documents this as a network problem (ResourceInitializationError doc).
    if t.any(&NETWORK) || t.has(&image_pull::SIGNAL_KILLED) {
        return high(
            LogDriverNetwork,
            "The task cannot reach CloudWatch Logs (no route, NAT or logs VPC endpoint).",
        );
    }
    // "ResourceNotFoundException: The specified log group does not exist."
    if t.any(&LOG_GROUP_MISSING) {
        return high(
            LogGroupMissing,
            "The awslogs log group does not exist and awslogs-create-group is not set.",
        );
    }
    // "failed to initialize logging driver: NoCredentialProviders: no valid providers in chain".
    if t.any(&LOG_DRIVER) {
        return high(
            LogDriverError,
            "The log driver failed to initialise (credentials or configuration).",
        );
    }
    medium(LogDriverError, "The log driver failed to initialise.")
}

/// `environmentFiles` downloaded from S3 by the agent.
fn env_files(t: &Text) -> Hit {
    // "failed to download env files: file download command: non empty error stream: service call
    // has been retried 5 time(s): RequestCanceled: request context canceled caused by: context
    // deadline exceeded" (ResourceInitializationError doc).
    if t.any(&NETWORK) && !t.any(&ACCESS_DENIED) {
        return high(EnvFileNetwork, "The task cannot reach Amazon S3 to download its environment files (no route, NAT or S3 gateway endpoint).");
    }
    // "AccessDenied: Access Denied status code: 403", "NoSuchKey", "NoSuchBucket".
    high(EnvFileError, "An environment file could not be downloaded from S3: the object is missing or the execution role may not read it.")
}
