//! `layerlens build ARGS...`: runs `docker build ARGS...` (its output shown on stderr) and
//! names the image it built, as `dive build` does. The image ID comes from `--iidfile`, so
//! no tag is needed and no output is parsed.

use std::process::Command;

use crate::error::{Error, Result};

/// Runs `docker build` and returns the reference of the built image (`docker://<id>`).
/// `LAYERLENS_DOCKER` names the docker client (default `docker` on `PATH`).
pub fn docker_build(args: &[String]) -> Result<String> {
    let program = std::env::var("LAYERLENS_DOCKER").unwrap_or_else(|_| "docker".to_string());
    let dir = tempfile::tempdir().map_err(|e| Error::io("a temporary directory", e))?;
    let iid = dir.path().join("iid");
    let status = Command::new(&program)
        .arg("build")
        .arg("--iidfile")
        .arg(&iid)
        .args(args)
        // Build output goes to stderr: stdout is for the report (`--json -`).
        .stdout(std::process::Stdio::from(std::io::stderr()))
        .status()
        .map_err(|e| {
            Error::Daemon(format!(
                "cannot run `{program} build` ({e}); install the docker CLI or set \
                 LAYERLENS_DOCKER"
            ))
        })?;
    if !status.success() {
        return Err(Error::Daemon(format!(
            "`{program} build` failed ({status}); see its output above"
        )));
    }
    let id = std::fs::read_to_string(&iid).map_err(|e| Error::io(iid.display(), e))?;
    let id = id.trim();
    if id.is_empty() {
        return Err(Error::Daemon(format!(
            "`{program} build` succeeded but wrote no image ID"
        )));
    }
    Ok(format!("docker://{id}"))
}
