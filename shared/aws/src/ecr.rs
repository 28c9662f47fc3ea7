//! [`ImageReader`] on Amazon ECR: does the image a task asked for exist, and for which platforms
//! was it built.
//!
//! Platforms are read only from an image *index* (OCI image index or Docker manifest list), whose
//! manifest lists them: BatchGetImage returns it without any layer download. A single-manifest
//! image keeps its platform in the config blob, which would need GetDownloadUrlForLayer and an S3
//! download; its `platforms` stay empty ("the registry did not say").
//!
//! A missing tag or digest and a missing repository are both `Ok(None)`, as the port requires;
//! the two are told apart only in this adapter's debug log.

use async_trait::async_trait;
use aws_sdk_ecr::types::{ImageDetail, ImageIdentifier};
use aws_sdk_ecr::Client;
use ecs_triage_core::diagnose::ports::ImageReader;
use ecs_triage_core::diagnose::view::ImageView;
use ecs_triage_core::ports::PortError;
use serde::Deserialize;
use tracing::debug;

use crate::error::port_error;

const SERVICE: &str = "ecr";

/// The IAM actions this adapter can call (compared with the SAM template's policy by a test).
pub const OPERATIONS: &[&str] = &["ecr:DescribeImages", "ecr:BatchGetImage"];

/// Media types of a manifest that lists other manifests, one per platform.
pub const INDEX_MEDIA_TYPES: &[&str] = &[
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
];

/// Reads image metadata from ECR.
#[derive(Debug, Clone)]
pub struct EcrAdapter {
    client: Client,
}

impl EcrAdapter {
    pub fn new(client: Client) -> Self {
        EcrAdapter { client }
    }

    /// The platforms an image index lists; empty when the index cannot be read (logged).
    async fn platforms_of_index(
        &self,
        registry_id: Option<String>,
        repository: &str,
        digest: &str,
    ) -> Result<Vec<String>, PortError> {
        let out = self
            .client
            .batch_get_image()
            .set_registry_id(registry_id)
            .repository_name(repository)
            .image_ids(ImageIdentifier::builder().image_digest(digest).build())
            .set_accepted_media_types(Some(
                INDEX_MEDIA_TYPES.iter().map(|m| (*m).to_owned()).collect(),
            ))
            .send()
            .await
            .map_err(|e| {
                port_error(
                    SERVICE,
                    "BatchGetImage",
                    &format!("the manifest of image `{digest}` in repository `{repository}`"),
                    &e,
                )
            })?;
        for f in out.failures() {
            debug!(
                repository,
                digest,
                code = f.failure_code().map(|c| c.as_str()).unwrap_or_default(),
                reason = f.failure_reason().unwrap_or_default(),
                "BatchGetImage could not return the index"
            );
        }
        let Some(manifest) = out.images().iter().find_map(|i| i.image_manifest()) else {
            return Ok(Vec::new());
        };
        match index_platforms(manifest) {
            Ok(platforms) => Ok(platforms),
            Err(why) => {
                debug!(repository, digest, %why, "image index is not readable JSON");
                Ok(Vec::new())
            }
        }
    }
}

/// A tag or a digest: digests are `<algorithm>:<hex>`, and tags cannot contain `:`.
fn image_id(tag_or_digest: &str) -> ImageIdentifier {
    if tag_or_digest.contains(':') {
        ImageIdentifier::builder()
            .image_digest(tag_or_digest)
            .build()
    } else {
        ImageIdentifier::builder().image_tag(tag_or_digest).build()
    }
}

#[async_trait]
impl ImageReader for EcrAdapter {
    async fn image(
        &self,
        registry_id: &str,
        repository: &str,
        tag_or_digest: &str,
    ) -> Result<Option<ImageView>, PortError> {
        debug!(
            registry = registry_id,
            repository,
            image = tag_or_digest,
            "describing image"
        );
        let registry = (!registry_id.is_empty()).then(|| registry_id.to_owned());
        // One image ID asks for one image: a single page.
        let out = self
            .client
            .describe_images()
            .set_registry_id(registry.clone())
            .repository_name(repository)
            .image_ids(image_id(tag_or_digest))
            .send()
            .await;
        let detail = match out {
            Ok(out) => match out.image_details.unwrap_or_default().into_iter().next() {
                Some(d) => d,
                None => return Ok(None),
            },
            Err(e) => {
                let service_error = e.as_service_error();
                if service_error.is_some_and(|s| s.is_image_not_found_exception()) {
                    debug!(
                        repository,
                        image = tag_or_digest,
                        "image not found in the repository"
                    );
                    return Ok(None);
                }
                if service_error.is_some_and(|s| s.is_repository_not_found_exception()) {
                    debug!(registry = registry_id, repository, "repository not found");
                    return Ok(None);
                }
                return Err(port_error(
                    SERVICE,
                    "DescribeImages",
                    &format!("image `{tag_or_digest}` in repository `{repository}`"),
                    &e,
                ));
            }
        };
        let mut view = image_view(&detail);
        let is_index = view
            .manifest_media_type
            .as_deref()
            .is_some_and(|m| INDEX_MEDIA_TYPES.contains(&m));
        if is_index && !view.digest.is_empty() {
            view.platforms = self
                .platforms_of_index(registry, repository, &view.digest)
                .await?;
        }
        debug!(
            repository,
            digest = %view.digest,
            media_type = view.manifest_media_type.as_deref().unwrap_or_default(),
            platforms = view.platforms.len(),
            "image described"
        );
        Ok(Some(view))
    }
}

pub(crate) fn image_view(d: &ImageDetail) -> ImageView {
    ImageView {
        repository: d.repository_name().unwrap_or_default().to_owned(),
        digest: d.image_digest().unwrap_or_default().to_owned(),
        tags: d.image_tags().to_vec(),
        pushed_at_ms: d.image_pushed_at().and_then(|t| t.to_millis().ok()),
        manifest_media_type: d.image_manifest_media_type().map(str::to_owned),
        platforms: Vec::new(),
    }
}

#[derive(Deserialize)]
struct Index {
    #[serde(default)]
    manifests: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    platform: Option<Platform>,
}

#[derive(Deserialize)]
struct Platform {
    #[serde(default)]
    os: String,
    #[serde(default)]
    architecture: String,
    variant: Option<String>,
}

/// `os/architecture[/variant]` of each manifest of an index, in index order, without duplicates.
/// Entries for `unknown/unknown` are build attestations (BuildKit's `attestation-manifest`), not
/// images a task can run, and are left out.
pub(crate) fn index_platforms(manifest: &str) -> Result<Vec<String>, serde_json::Error> {
    let index: Index = serde_json::from_str(manifest)?;
    let mut platforms: Vec<String> = Vec::new();
    for p in index.manifests.into_iter().filter_map(|m| m.platform) {
        if p.os == "unknown" && p.architecture == "unknown" {
            continue;
        }
        let mut name = format!("{}/{}", p.os, p.architecture);
        if let Some(v) = p.variant.filter(|v| !v.is_empty()) {
            name.push('/');
            name.push_str(&v);
        }
        if !platforms.contains(&name) {
            platforms.push(name);
        }
    }
    Ok(platforms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_platforms_keep_variants_and_drop_attestations() {
        let manifest = r#"{
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [
                {"digest": "sha256:a", "platform": {"os": "linux", "architecture": "amd64"}},
                {"digest": "sha256:b", "platform": {"os": "linux", "architecture": "arm64", "variant": "v8"}},
                {"digest": "sha256:c", "platform": {"os": "unknown", "architecture": "unknown"},
                 "annotations": {"vnd.docker.reference.type": "attestation-manifest"}},
                {"digest": "sha256:d"}
            ]
        }"#;
        assert_eq!(
            index_platforms(manifest).unwrap(),
            ["linux/amd64", "linux/arm64/v8"]
        );
        assert!(index_platforms("not json").is_err());
    }

    #[test]
    fn digests_and_tags_are_told_apart() {
        assert_eq!(image_id("sha256:abc").image_digest(), Some("sha256:abc"));
        assert_eq!(image_id("v1.2.3").image_tag(), Some("v1.2.3"));
    }
}
