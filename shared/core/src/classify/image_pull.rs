//! Image pull failures: `CannotPullContainerError` and the registry-auth half of Fargate's
//! `ResourceInitializationError: unable to pull secrets or registry auth`.
//!
//! Sources: AWS docs "Troubleshoot Amazon ECS CannotPullContainer task errors" and "Amazon ECS
//! stopped task error messages"; the Docker/containerd error texts the agent passes through
//! (`manifest unknown`, `failed to resolve ref … not found`, `pull access denied`,
//! `toomanyrequests`, `no matching manifest for linux/arm64/v8 in the manifest list entries`,
//! `image Manifest does not contain descriptor matching platform`).
//! Rules go from the most specific cause to the least, because one message often names several
//! (a `not found` inside a network error, a `403` that is really a rate limit).

use super::hit::{high, low, medium, Hit};
use super::text::{words, Text, ACCESS_DENIED, NETWORK};
use crate::taxonomy::Category::*;

words! {
    /// A message about pulling an image (as opposed to starting or running it).
    PULL = any(
        "cannotpullcontainererror",
        "cannotpullcontainer",
        "pull image manifest",
        "failed to resolve ref",
        "ref pull has been retried",
        "pull access denied",
        "error pulling image",
        "pulling image",
        "pull command failed",
        "registry auth",
        "cannot pull",
        "can't pull",
        "manifest unknown",
        "image manifest",
        "failed to pull",
        "unable to pull image",
        "inspect image has been retried",
        "failed to copy: httpreadseeker",
        "getimageblob",
    );
    /// No variant of the image for the task's platform.
    PLATFORM = any(
        "descriptor matching platform",
        "no matching manifest for",
        "does not match the specified platform",
        "image platform",
    );
    /// The pulled image could not be written.
    DISK_FULL = any(
        "no space left on device",
        "disk quota exceeded",
        "not enough space",
    );
    /// Registry throttling.
    RATE_LIMITED = any(
        "toomanyrequests",
        "too many requests",
        "pull rate limit",
        "rate limit",
        "rate exceeded",
        "throttl",
    );
    /// A malformed image reference.
    MALFORMED = any(
        "invalid reference format",
        "failed to normalize image reference",
        "repository name must",
        "could not parse reference",
        "invalid reference",
    );
    /// The pull never reached the registry.
    NO_PATH = any(
        "connection issue between the task",
        "signal: killed",
        "pull command failed",
        "check your task network configuration",
    );
    WHETHER_IMAGE_EXISTS = any("whether the image exists");
    /// The registry refused the pull (besides IAM's words in `ACCESS_DENIED`).
    REFUSED = any(
        "pull access denied",
        "requested access to the resource is denied",
        "no basic auth credentials",
        "unauthorized",
        "authorization token has expired",
        "has the permissions to pull",
        "denied:",
        "unable to assume",
    );
    /// The image, tag or repository does not exist.
    MISSING = any(
        "manifest unknown",
        "not found",
        "does not exist",
        "no such image",
        "name unknown",
        "whether the image exists",
        "image not found",
    );
    /// A server-side answer of the registry.
    SERVER_ERROR = any(
        "internal server error",
        "service unavailable",
        "bad gateway",
        "gateway timeout",
        "unexpected status",
        "unexpected eof",
        "server error",
    );
    FAILED_TO_RESOLVE_REF = any("failed to resolve ref");
    PULL_IMAGE_MANIFEST = any("pull image manifest");
    pub(super) SIGNAL_KILLED = any("signal: killed");
    // HTTP statuses, as numbers of their own.
    STATUS_429 = status("429");
    STATUS_401 = status("401");
    pub(super) STATUS_403 = status("403");
    pub(super) STATUS_404 = status("404");
    STATUS_5XX = status("500", "502", "503", "504");
}

/// Whether the message is about pulling an image (as opposed to starting or running it).
pub fn is_pull(t: &Text) -> bool {
    t.any(&PULL)
}

pub fn classify(t: &Text) -> Hit {
    // "image Manifest does not contain descriptor matching platform 'linux/arm64/v8'" (containerd),
    // "no matching manifest for linux/arm64/v8 in the manifest list entries" (Docker),
    // "image with reference … was found but does not match the specified platform" (Docker 20+).
    if t.any(&PLATFORM) {
        return high(
            ImagePullPlatformMismatch,
            "The image has no variant for the task's CPU architecture/OS.",
        );
    }
    // "write /var/lib/docker/tmp/GetImageBlob…: no space left on device" (CannotPullContainer doc,
    // "Filesystem space").
    if t.any(&DISK_FULL) {
        return high(
            ImagePullDiskFull,
            "The image could not be written: the instance's Docker volume or the task's ephemeral storage is full.",
        );
    }
    // Docker Hub: "429 Too Many Requests - Server message: toomanyrequests: You have reached your
    // pull rate limit" (CannotPullContainer doc, "Docker Hub rate limiting"); ECR throttling.
    if t.any(&RATE_LIMITED) || t.any(&STATUS_429) {
        return high(
            ImagePullRateLimited,
            "The registry throttled the pull (rate limit).",
        );
    }
    // Malformed references never reach the registry: "invalid reference format",
    // "failed to normalize image reference", "repository name must be lowercase".
    if t.any(&MALFORMED) {
        return high(
            ImagePullNotFound,
            "The image reference in the task definition is malformed.",
        );
    }
    // The Fargate wording names the cause first: "The task cannot pull registry auth from Amazon
    // ECR: There is a connection issue between the task and Amazon ECR", and
    // "pull command failed: : signal: killed" (the agent killed a pull that made no progress: no
    // route to the registry; AWS re:Post "signal: killed" articles).
    // "pull command failed: panic: runtime error: invalid memory address or nil pointer
    // dereference" is documented as the task not reaching S3 for the layers (CannotPull doc); any
    // failure of the agent's pull command carries no registry answer.
    if t.any(&NO_PATH) {
        return high(ImagePullNetwork, "The task has no network path to the registry (no route, NAT, public IP or VPC endpoint).");
    }
    // Fargate's newer wording states the check to make: "The task can't pull the image. Check
    // whether the image exists." precedes the daemon's ambiguous "pull access denied".
    if t.has(&WHETHER_IMAGE_EXISTS) {
        return high(
            ImagePullNotFound,
            "The image (repository, tag or digest) does not exist in the registry.",
        );
    }
    // "Check that the role has the permissions to pull images from the registry" (Fargate), IAM
    // "not authorized to perform: ecr:GetAuthorizationToken", registry 401/403, Docker's
    // "pull access denied for X, repository does not exist or may require 'docker login'".
    let registry_refused =
        t.any(&ACCESS_DENIED) || t.any(&REFUSED) || t.any(&STATUS_401) || t.any(&STATUS_403);
    if registry_refused {
        return high(
            ImagePullAccessDenied,
            "The registry refused the pull: the execution role (or registry credentials) lacks permission for this repository.",
        );
    }
    // "manifest for X not found: manifest unknown: Requested image not found",
    // "failed to resolve ref …: not found", "API error (404): repository … not found",
    // "Check whether the image exists" (Fargate wording).
    let missing = t.any(&MISSING) || t.any(&STATUS_404);
    if missing && !t.any(&NETWORK) {
        return high(
            ImagePullNotFound,
            "The image (repository, tag or digest) does not exist in the registry.",
        );
    }
    if t.any(&NETWORK) {
        return high(ImagePullNetwork, "The pull timed out or could not connect: the task has no network path to the registry.");
    }
    if missing {
        return medium(
            ImagePullNotFound,
            "The image (repository, tag or digest) was not found in the registry.",
        );
    }
    // "httpReaderSeeker: failed open: unexpected status code …: 500 Internal Server Error",
    // 502/503, "unexpected EOF" mid-layer.
    if t.any(&SERVER_ERROR) || t.any(&STATUS_5XX) {
        return high(
            ImagePullRegistryError,
            "The registry answered with an unexpected error (server side).",
        );
    }
    // Truncated before the cause (ECS cuts stoppedReason at ~255 characters). "failed to resolve
    // ref" without a network word is nearly always a missing tag; a long retry series is a network
    // symptom (see Text::retry_count).
    if t.has(&FAILED_TO_RESOLVE_REF) || t.has(&PULL_IMAGE_MANIFEST) {
        return medium(ImagePullNotFound, "The image reference could not be resolved (the message was cut before the cause; a missing tag is the usual one).");
    }
    if t.retry_count().is_some_and(|n| n >= 3) {
        return low(ImagePullNetwork, "The pull was retried several times before failing, the pattern of a missing network path (the cause was cut off).");
    }
    low(
        ImagePullRegistryError,
        "The image could not be pulled; the registry's answer was not recognised.",
    )
}

/// The registry-auth half of `unable to pull secrets or registry auth`: fetching an ECR
/// authorization token with the execution role.
pub fn classify_registry_auth(t: &Text) -> Hit {
    if t.any(&ACCESS_DENIED) {
        return high(
            ImagePullAccessDenied,
            "The execution role may not get an ECR authorization token or pull from this repository.",
        );
    }
    if t.any(&NETWORK) || t.has(&SIGNAL_KILLED) {
        return high(ImagePullNetwork, "The task cannot reach Amazon ECR to fetch registry auth (no route, NAT, public IP or VPC endpoint).");
    }
    classify(t)
}
