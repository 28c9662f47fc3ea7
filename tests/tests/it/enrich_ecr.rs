//! `EcrAdapter` against the emulator: a pushed single-manifest image, a two-platform image index
//! (platforms read from the index with BatchGetImage), and a missing tag or repository as None.

use ecs_triage_aws::EcrAdapter;
use ecs_triage_core::diagnose::ports::ImageReader;
use serde_json::json;

use crate::harness::{emulator, namespace, now_ms, seeded};

const REGISTRY: &str = "123456789012";
const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";

fn digest(hex_char: char) -> String {
    format!("sha256:{}", hex_char.to_string().repeat(64))
}

/// A repository named for the test, with `v1` (a single manifest) and `multi` (an OCI index of
/// linux/amd64 and linux/arm64/v8, pushed with an explicit digest). Returns (repository, the
/// index's digest).
async fn repository(test: &str) -> (String, String) {
    let ecr = emulator().ecr().await;
    let repo = format!("team/{}", namespace(test));
    seeded(
        "CreateRepository",
        ecr.create_repository().repository_name(&repo).send().await,
    );
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": DOCKER_MANIFEST,
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 7023, "digest": digest('a')},
        "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 32654, "digest": digest('b')}]
    });
    seeded(
        "PutImage (manifest)",
        ecr.put_image()
            .repository_name(&repo)
            .image_manifest(manifest.to_string())
            .image_tag("v1")
            .send()
            .await,
    );
    let index = json!({
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": [
            {"mediaType": "application/vnd.oci.image.manifest.v1+json", "size": 1, "digest": digest('c'),
             "platform": {"os": "linux", "architecture": "amd64"}},
            {"mediaType": "application/vnd.oci.image.manifest.v1+json", "size": 1, "digest": digest('d'),
             "platform": {"os": "linux", "architecture": "arm64", "variant": "v8"}}
        ]
    });
    // A digest unique to this repository (moto would otherwise pick one of 101 at random).
    let index_digest = format!("sha256:{:0>64x}", u128::try_from(now_ms()).unwrap_or(0));
    seeded(
        "PutImage (index)",
        ecr.put_image()
            .repository_name(&repo)
            .image_manifest(index.to_string())
            .image_manifest_media_type(OCI_INDEX)
            .image_tag("multi")
            .image_digest(&index_digest)
            .send()
            .await,
    );
    (repo, index_digest)
}

#[tokio::test]
async fn a_pushed_image_is_found_by_tag_without_platforms() {
    let (repo, _) = repository("ecr-manifest").await;
    let started = now_ms();
    let adapter = EcrAdapter::new(emulator().ecr().await);

    let image = adapter
        .image(REGISTRY, &repo, "v1")
        .await
        .unwrap()
        .expect("the image exists");

    assert_eq!(image.repository, repo);
    assert!(
        image.digest.starts_with("sha256:") && image.digest.len() == 71,
        "{image:?}"
    );
    assert_eq!(image.tags, ["v1"]);
    assert_eq!(image.manifest_media_type.as_deref(), Some(DOCKER_MANIFEST));
    // Pushed within the last minute (moto keeps whole seconds).
    assert!(
        image
            .pushed_at_ms
            .is_some_and(|t| (started - 60_000..=started + 1_000).contains(&t)),
        "{image:?}"
    );
    // A single manifest: its platform is in the config blob, which the adapter does not fetch.
    assert!(image.platforms.is_empty(), "{image:?}");
}

#[tokio::test]
async fn an_image_index_lists_its_platforms_by_tag_and_by_digest() {
    let (repo, index_digest) = repository("ecr-index").await;
    let adapter = EcrAdapter::new(emulator().ecr().await);

    let by_tag = adapter
        .image(REGISTRY, &repo, "multi")
        .await
        .unwrap()
        .expect("the index exists");
    assert_eq!(by_tag.digest, index_digest);
    assert_eq!(by_tag.tags, ["multi"]);
    assert_eq!(by_tag.manifest_media_type.as_deref(), Some(OCI_INDEX));
    assert_eq!(by_tag.platforms, ["linux/amd64", "linux/arm64/v8"]);

    // The registry ID may be left to the caller's account.
    let by_digest = adapter.image("", &repo, &index_digest).await.unwrap();
    assert_eq!(by_digest, Some(by_tag));
}

#[tokio::test]
async fn a_missing_tag_or_repository_is_none() {
    let (repo, _) = repository("ecr-missing").await;
    let adapter = EcrAdapter::new(emulator().ecr().await);

    assert_eq!(
        adapter.image(REGISTRY, &repo, "no-such-tag").await.unwrap(),
        None
    );
    assert_eq!(
        adapter.image(REGISTRY, &repo, &digest('e')).await.unwrap(),
        None
    );
    assert_eq!(
        adapter
            .image(REGISTRY, &format!("{repo}-gone"), "v1")
            .await
            .unwrap(),
        None
    );
}
