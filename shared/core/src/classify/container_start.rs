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
use super::text::{words, Text};
use crate::taxonomy::Category::*;

words! {
    pub(super) EXEC_FORMAT_ERROR = any("exec format error");
    /// A host port already taken.
    PORT_IN_USE = any(
        "port is already allocated",
        "address already in use",
        "failed programming external connectivity",
        "ports are not available",
        "bind for",
    );
    THIN_POOL = any("thin pool", "devmapper", "devicemapper");
    NO_SPACE_LEFT_ON_DEVICE = any("no space left on device");
    /// A device the instance does not have.
    DEVICE = any(
        "custom device",
        "gathering device information",
        "no such device",
        "error gathering device",
    );
    /// A mount into the container.
    MOUNT = any(
        "to rootfs",
        "mounting",
        "mount config",
        "bind source path",
        "error while creating mount source path",
        "failed to mount",
    );
    /// Words of the exec of the entrypoint.
    EXEC = any(
        "exec:",
        "starting container process",
        "executable",
        "entrypoint",
        "exec user process",
    );
    COMMAND_NOT_FOUND = any(
        "executable file not found",
        "not found in $path",
        "command not found",
    );
    NO_SUCH_FILE = any("no such file or directory", "not found");
    PERMISSION_DENIED = any("permission denied");
    /// The runtime's timeout error types.
    RUNTIME_TIMEOUT = any(
        "dockertimeouterror",
        "containerruntimetimeouterror",
        "could not transition to",
    );
    CANNOT_INSPECT = any("cannotinspectcontainererror");
    TIMED_OUT = any("timed out", "timeout", "deadline exceeded");
    /// The runtime's other error types.
    RUNTIME_ERROR = any(
        "cannotstopcontainererror",
        "containerruntimeerror",
        "cannotcreatecontainererror",
        "cannotcreatevolumeerror",
    );
    CANNOT_CREATE_VOLUME = any("cannotcreatevolumeerror");
    CANNOT_START = any("cannotstartcontainererror");
    OCI_START = any(
        "oci runtime",
        "failed to create shim",
        "starting container process",
    );
    TIMEOUT = any("timed out", "timeout");
    INTERNAL_ERROR = any("internalerror", "internal error");
    DAEMON_ERROR = any("error response from daemon");
}

/// Causes that can be read from the message itself, whatever wraps it.
pub fn classify(t: &Text, fargate: bool) -> Option<Hit> {
    // Architecture mismatch: "exec format error" (runc/kernel ENOEXEC).
    if t.has(&EXEC_FORMAT_ERROR) {
        return Some(high(ExecFormatError, "The container's binary is built for another CPU architecture than the task (e.g. amd64 image on ARM64)."));
    }
    // Docker: "driver failed programming external connectivity on endpoint …: Bind for
    // 0.0.0.0:80 failed: port is already allocated"; "address already in use".
    if t.any(&PORT_IN_USE) {
        return Some(high(
            PortConflict,
            "A host port the container maps is already in use on the instance.",
        ));
    }
    // devicemapper: "devmapper: Thin Pool has 4350 free data blocks which is less than minimum
    // required 4454 free data blocks" (stopped task error messages doc).
    if t.any(&THIN_POOL) {
        return Some(high(
            HostDiskFull,
            "The container instance's Docker storage (devicemapper thin pool) is full.",
        ));
    }
    if t.has(&NO_SPACE_LEFT_ON_DEVICE) {
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
    if t.any(&DEVICE) {
        return Some(high(
            HostDeviceMissing,
            "The task definition maps a device the container instance does not have.",
        ));
    }
    // Mounts fail before exec does: "error mounting … to rootfs", "invalid mount config for type
    // "bind": bind source path does not exist".
    if t.any(&MOUNT) {
        return Some(high(
            VolumeMountError,
            "A volume or bind mount could not be mounted into the container.",
        ));
    }
    // runc: `exec: "python": executable file not found in $PATH`, `stat /entrypoint.sh: no such
    // file or directory`; a command passed as one string (`exec: "npm start": …`).
    let exec = t.any(&EXEC);
    if t.any(&COMMAND_NOT_FOUND) || (exec && t.any(&NO_SUCH_FILE)) {
        return Some(high(CommandNotFound, "The container's entrypoint/command does not exist in the image (or the command was given as one string)."));
    }
    if exec && t.has(&PERMISSION_DENIED) {
        return Some(high(CommandNotExecutable, "The entrypoint/command exists but is not executable (missing execute bit or a noexec mount)."));
    }
    None
}

/// The runtime's own failures, named by their error type.
pub fn classify_runtime(t: &Text) -> Option<Hit> {
    // "DockerTimeoutError: Could not transition to created; timed out after waiting 4m0s",
    // "ContainerRuntimeTimeoutError: Could not transition to running; timed out after waiting 3m0s",
    // "CannotInspectContainerError: Could not transition to inspecting; timed out after waiting 30s".
    if t.any(&RUNTIME_TIMEOUT) {
        return Some(high(ContainerRuntimeTimeout, "The container runtime did not answer in time (slow pulls, a saturated daemon or slow I/O on the host)."));
    }
    if t.has(&CANNOT_INSPECT) {
        return Some(if t.any(&TIMED_OUT) {
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
    if t.any(&RUNTIME_ERROR) {
        if t.has(&CANNOT_CREATE_VOLUME) {
            return Some(high(
                VolumeMountError,
                "A volume for the task could not be created.",
            ));
        }
        if t.any(&TIMED_OUT) {
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
    if t.has(&CANNOT_START) || t.any(&OCI_START) {
        if t.any(&TIMEOUT) {
            return Some(medium(
                ContainerRuntimeTimeout,
                "The container could not be started in time by the runtime.",
            ));
        }
        return Some(medium(ContainerStartFailed, "The container could not be started; the runtime's message names no more specific cause."));
    }
    // "InternalError: …" — an unexpected non-runtime agent error (stopped task error messages doc,
    // Fargate platform version 1.4.0 and later).
    if t.any(&INTERNAL_ERROR) {
        return Some(high(
            InternalError,
            "ECS reported an internal, unexpected error while managing the task.",
        ));
    }
    if t.has(&DAEMON_ERROR) {
        return Some(low(
            ContainerRuntimeError,
            "The Docker daemon returned an error for the container.",
        ));
    }
    None
}
