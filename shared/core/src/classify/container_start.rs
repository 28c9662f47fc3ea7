//! Creating and starting the container process, and the container runtime itself:
//! `CannotStartContainerError`, `CannotCreateContainerError`, `OCI runtime create failed`,
//! `DockerTimeoutError`, `ContainerRuntimeTimeoutError`, `CannotInspectContainerError`,
//! `CannotStopContainerError`, `ContainerRuntimeError`, `InternalError`.
//!
//! Sources: AWS docs "Amazon ECS stopped task error messages" and "Troubleshoot Amazon ECS task
//! definition invalid CPU or memory errors"; runc/containerd error texts (`exec: "x": executable
//! file not found in $PATH`, `stat /entrypoint.sh: no such file or directory`, `exec format
//! error`, `permission denied`); Docker's `Bind for 0.0.0.0:80 failed: port is already allocated`
//! and devicemapper's `Thin Pool has N free data blocks which is less than minimum required`.

use super::hit::{high, low, medium, Hit};
use super::text::Text;
use crate::taxonomy::Category::*;

/// Causes that can be read from the message itself, whatever wraps it.
pub fn classify(t: &Text, fargate: bool) -> Option<Hit> {
    // Architecture mismatch: "exec format error" (runc/kernel ENOEXEC).
    if t.has("exec format error") {
        return Some(high(ExecFormatError, "The container's binary is built for another CPU architecture than the task (e.g. amd64 image on ARM64)."));
    }
    // Docker: "driver failed programming external connectivity on endpoint …: Bind for
    // 0.0.0.0:80 failed: port is already allocated"; "address already in use".
    if t.any(&[
        "port is already allocated",
        "address already in use",
        "failed programming external connectivity",
        "ports are not available",
        "bind for",
    ]) {
        return Some(high(
            PortConflict,
            "A host port the container maps is already in use on the instance.",
        ));
    }
    // devicemapper: "devmapper: Thin Pool has 4350 free data blocks which is less than minimum
    // required 4454 free data blocks" (stopped task error messages doc).
    if t.any(&["thin pool", "devmapper", "devicemapper"]) {
        return Some(high(
            HostDiskFull,
            "The container instance's Docker storage (devicemapper thin pool) is full.",
        ));
    }
    if t.has("no space left on device") {
        return Some(if fargate {
            high(
                EphemeralStorageFull,
                "The task's ephemeral storage is full.",
            )
        } else {
            high(
                HostDiskFull,
                "The container instance's Docker storage is full.",
            )
        });
    }
    // "error gathering device information while adding custom device "/dev/xvdf": no such file or
    // directory" (stopped task error messages doc).
    if t.any(&[
        "custom device",
        "gathering device information",
        "no such device",
        "error gathering device",
    ]) {
        return Some(high(
            HostDeviceMissing,
            "The task definition maps a device the container instance does not have.",
        ));
    }
    // Mounts fail before exec does: "error mounting … to rootfs", "invalid mount config for type
    // "bind": bind source path does not exist".
    if t.any(&[
        "to rootfs",
        "mounting",
        "mount config",
        "bind source path",
        "error while creating mount source path",
        "failed to mount",
    ]) {
        return Some(high(
            VolumeMountError,
            "A volume or bind mount could not be mounted into the container.",
        ));
    }
    // runc: `exec: "python": executable file not found in $PATH`, `stat /entrypoint.sh: no such
    // file or directory`; a command passed as one string (`exec: "npm start": …`).
    let exec = t.any(&[
        "exec:",
        "starting container process",
        "executable",
        "entrypoint",
        "exec user process",
    ]);
    if t.any(&[
        "executable file not found",
        "not found in $path",
        "command not found",
    ]) || (exec && t.any(&["no such file or directory", "not found"]))
    {
        return Some(high(CommandNotFound, "The container's entrypoint/command does not exist in the image (or the command was given as one string)."));
    }
    if exec && t.has("permission denied") {
        return Some(high(CommandNotExecutable, "The entrypoint/command exists but is not executable (missing execute bit or a noexec mount)."));
    }
    None
}

/// The runtime's own failures, named by their error type.
pub fn classify_runtime(t: &Text) -> Option<Hit> {
    // "DockerTimeoutError: Could not transition to created; timed out after waiting 4m0s",
    // "ContainerRuntimeTimeoutError: Could not transition to running; timed out after waiting 3m0s",
    // "CannotInspectContainerError: Could not transition to inspecting; timed out after waiting 30s".
    if t.any(&[
        "dockertimeouterror",
        "containerruntimetimeouterror",
        "could not transition to",
    ]) {
        return Some(high(ContainerRuntimeTimeout, "The container runtime did not answer in time (slow pulls, a saturated daemon or slow I/O on the host)."));
    }
    if t.has("cannotinspectcontainererror") {
        return Some(if t.any(&["timed out", "timeout", "deadline exceeded"]) {
            high(
                ContainerRuntimeTimeout,
                "The container runtime did not answer an inspect call in time.",
            )
        } else {
            high(
                ContainerRuntimeError,
                "The agent could not inspect the container through the runtime.",
            )
        });
    }
    if t.any(&[
        "cannotstopcontainererror",
        "containerruntimeerror",
        "cannotcreatecontainererror",
        "cannotcreatevolumeerror",
    ]) {
        if t.has("cannotcreatevolumeerror") {
            return Some(high(
                VolumeMountError,
                "A volume for the task could not be created.",
            ));
        }
        if t.any(&["timed out", "timeout", "deadline exceeded"]) {
            return Some(high(
                ContainerRuntimeTimeout,
                "The container runtime did not answer in time.",
            ));
        }
        return Some(high(
            ContainerRuntimeError,
            "The container runtime failed to create or stop the container.",
        ));
    }
    if t.has("cannotstartcontainererror")
        || t.any(&[
            "oci runtime",
            "failed to create shim",
            "starting container process",
        ])
    {
        if t.any(&["timed out", "timeout"]) {
            return Some(medium(
                ContainerRuntimeTimeout,
                "The container could not be started in time by the runtime.",
            ));
        }
        return Some(medium(ContainerStartFailed, "The container could not be started; the runtime's message names no more specific cause."));
    }
    // "InternalError: …" — an unexpected non-runtime agent error (stopped task error messages doc,
    // Fargate platform version 1.4.0 and later).
    if t.has("internalerror") || t.has("internal error") {
        return Some(high(
            InternalError,
            "ECS reported an internal, unexpected error while managing the task.",
        ));
    }
    if t.has("error response from daemon") {
        return Some(low(
            ContainerRuntimeError,
            "The Docker daemon returned an error for the container.",
        ));
    }
    None
}
