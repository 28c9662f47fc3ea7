//! The image: does the tag or digest exist in ECR, and does it have a variant for the task's
//! platform; for other registries, what usually goes wrong with them.
//!
//! Sources: AWS docs "Troubleshoot Amazon ECS CannotPullContainer task errors" (image not found,
//! platform, Docker Hub rate limiting), "Private registry authentication for tasks"
//! (`repositoryCredentials`), ECR "Pull through cache rules"; Docker Hub's documented pull limits
//! for anonymous users (per source IP, so a NAT gateway shares one allowance).

use super::is_unexplained_launch;
use super::taskdef::task_platform;
use crate::diagnose::finding::{Check, Finding, Verdict};
use crate::diagnose::view::{ImageView, TaskDefinitionView};
use crate::event::{arn, time};
use crate::image::ImageRef;
use crate::taxonomy::{Category, Family};

/// `image_ref` is the image the task asked for; `found` what ECR returned for it (`None`: the
/// lookup succeeded and found no such tag/digest or repository; pass it only for ECR images);
/// `category` the classifier's.
pub fn analyze_image(
    image_ref: &str,
    found: Option<&ImageView>,
    td: &TaskDefinitionView,
    category: Category,
) -> Vec<Finding> {
    let r = match ImageRef::parse(image_ref) {
        Ok(r) => r,
        Err(e) => {
            let f = Finding::new(
                Check::Image,
                Verdict::Problem,
                format!("The image reference {image_ref:?} is malformed: {}.", e.why),
            );
            return vec![if pull_stop(category) {
                f.refining(Category::ImagePullNotFound)
            } else {
                f
            }];
        }
    };
    match r.ecr() {
        Some((account, region)) => ecr(&r, account, region, found, td, category),
        None if r.is_docker_hub() => vec![docker_hub(&r, category)],
        None => vec![other_registry(&r)],
    }
}

/// Whether a missing image explains the stop: the stop happened while pulling (any image pull
/// category) or during a launch the classifier could not explain. After a task that ran, the
/// image existed at pull time and has been deleted since (a lifecycle policy, a cleanup).
fn pull_stop(category: Category) -> bool {
    category.family() == Family::ImagePull
        || category == Category::ImagePullNetwork
        || is_unexplained_launch(category)
}

/// `linux/arm64/v8` → (`linux`, `arm64`).
fn os_arch(platform: &str) -> (&str, &str) {
    let mut parts = platform.split('/');
    (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    )
}

fn ecr(
    r: &ImageRef,
    account: &str,
    region: &str,
    found: Option<&ImageView>,
    td: &TaskDefinitionView,
    category: Category,
) -> Vec<Finding> {
    let at = match (&r.digest, &r.tag) {
        (Some(d), _) => format!("{}@{d}", r.repository),
        (None, Some(t)) => format!("{}:{t}", r.repository),
        (None, None) => format!("{}:latest", r.repository),
    };
    let mut out = Vec::new();
    if let Some(task_region) = arn::region(&td.arn).filter(|tr| *tr != region) {
        out.push(Finding::new(
            Check::Image,
            Verdict::Info,
            format!(
                "Image {at} is in ECR of {region}, not the task's region {task_region}: the pull crosses regions (VPC endpoints of {task_region} do not serve it)."
            ),
        ));
    }
    let Some(image) = found else {
        let f = Finding::new(
            Check::Image,
            if pull_stop(category) { Verdict::Problem } else { Verdict::Warning },
            if pull_stop(category) {
                format!(
                    "Image {at} does not exist in ECR repository {} of account {account} ({region}).",
                    r.repository
                )
            } else {
                format!(
                    "Image {at} no longer exists in ECR repository {} of account {account} ({region}): the next task will fail to pull it (a lifecycle policy may have expired it).",
                    r.repository
                )
            },
        )
        .with_details(vec![format!(
            "aws ecr describe-images --registry-id {account} --region {region} --repository-name {} --query 'sort_by(imageDetails,&imagePushedAt)[-5:].[imageTags,imageDigest]'",
            r.repository
        )]);
        out.push(if pull_stop(category) {
            f.refining(Category::ImagePullNotFound)
        } else {
            f
        });
        return out;
    };
    let pushed = image
        .pushed_at_ms
        .map(|ms| format!(", pushed {}", time::format_rfc3339_ms(ms)))
        .unwrap_or_default();
    out.push(Finding::new(
        Check::Image,
        Verdict::Ok,
        format!("Image {at} exists in ECR ({}{pushed}).", image.digest),
    ));
    out.extend(platform(&at, image, td, category));
    out
}

fn platform(
    at: &str,
    image: &ImageView,
    td: &TaskDefinitionView,
    category: Category,
) -> Option<Finding> {
    let task = task_platform(td);
    let (task_os, task_arch) = os_arch(&task);
    let platforms = image.platforms.join(", ");
    if image.platforms.is_empty() {
        return matches!(
            category,
            Category::ImagePullPlatformMismatch | Category::ExecFormatError
        )
        .then(|| {
            Finding::new(
                Check::Image,
                Verdict::Info,
                format!(
                    "ECR does not list the platforms of {at} (a single-platform image): check its architecture against the task's {task}."
                ),
            )
            .with_details(vec![format!(
                "docker buildx imagetools inspect <registry>/{at}, or docker image inspect --format '{{{{.Os}}}}/{{{{.Architecture}}}}'"
            )])
        });
    }
    let matches = image
        .platforms
        .iter()
        .any(|p| os_arch(p) == (task_os, task_arch));
    if matches {
        return Some(Finding::new(
            Check::Image,
            Verdict::Ok,
            format!("Image {at} has a {task} variant ({platforms})."),
        ));
    }
    // An image that ran and crashed with exec format error: its only platform is another
    // architecture (a mislabelled or emulated build) rather than a missing index entry.
    let refines = if image.platforms.len() == 1
        && matches!(category, Category::AppExitError | Category::ExecFormatError)
    {
        Category::ExecFormatError
    } else {
        Category::ImagePullPlatformMismatch
    };
    Some(
        Finding::new(
            Check::Image,
            Verdict::Problem,
            format!("Image {at} is built for {platforms}, not for the task's {task}."),
        )
        .with_details(vec![
            "Build for the task's platform (docker buildx build --platform linux/amd64,linux/arm64 --push …) or set runtimePlatform.cpuArchitecture to the image's.".to_owned(),
        ])
        .refining(refines),
    )
}

fn docker_hub(r: &ImageRef, category: Category) -> Finding {
    let verdict = if category == Category::ImagePullRateLimited {
        Verdict::Warning
    } else {
        Verdict::Info
    };
    Finding::new(
        Check::Image,
        verdict,
        format!(
            "Image {r} comes from Docker Hub, which limits pulls per source IP (anonymous pulls share the NAT gateway's address)."
        ),
    )
    .with_details(vec![
        "Authenticate the pull with repositoryCredentials (a Secrets Manager secret with a Docker Hub token), or pull through an ECR pull-through cache rule, or copy the image to ECR.".to_owned(),
    ])
}

fn other_registry(r: &ImageRef) -> Finding {
    let registry = r.registry.as_deref().unwrap_or_default();
    Finding::new(
        Check::Image,
        Verdict::Info,
        format!("Image {r} comes from {registry}: a private repository there needs repositoryCredentials."),
    )
    .with_details(vec![
        "repositoryCredentials.credentialsParameter names a Secrets Manager secret ({\"username\",\"password\"}) that the execution role may read; the task also needs a route to the internet.".to_owned(),
    ])
}
