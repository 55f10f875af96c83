//! `layerlens build ARGS...`: runs `docker build ARGS...` (its output shown on stderr) and
//! names the image it built, as `dive build` does: by its first tag (`-t`), so reports and the
//! UI show the name the user chose, else by the ID docker wrote to `--iidfile` (no output is
//! parsed).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::{Error, Result};

/// The Dockerfile a `docker build ARGS` reads, and the stage it builds: `-f`/`--file` (relative
/// to the working directory, as docker reads it), else `Dockerfile` in the context (the last
/// argument); `None` for a context docker reads from stdin or a URL.
pub fn dockerfile_of(args: &[String]) -> Option<(PathBuf, Option<String>)> {
    let mut file = None;
    let mut target = None;
    let mut it = args.iter().peekable();
    while let Some(a) = it.next() {
        let value = |flag: &str, it: &mut std::iter::Peekable<std::slice::Iter<String>>| {
            a.strip_prefix(&format!("{flag}="))
                .map(str::to_string)
                .or_else(|| (a == flag).then(|| it.next().cloned()).flatten())
        };
        if let Some(v) = value("-f", &mut it).or_else(|| value("--file", &mut it)) {
            file = Some(v);
        } else if let Some(v) = value("--target", &mut it) {
            target = Some(v);
        }
    }
    let context = args.last().filter(|c| !c.starts_with('-'))?;
    let remote = context.contains("://") || context.starts_with("git@") || context == "-";
    match file {
        Some(f) if f != "-" => Some((PathBuf::from(f), target)),
        Some(_) => None,
        None if remote => None,
        None => Some((Path::new(context).join("Dockerfile"), target)),
    }
}

/// The first tag a `docker build ARGS` gives the image (`-t NAME`, `--tag=NAME`...).
pub fn tag_of(args: &[String]) -> Option<String> {
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let tag = match a.as_str() {
            "-t" | "--tag" => it.next().cloned(),
            _ => a
                .strip_prefix("--tag=")
                .or_else(|| a.strip_prefix("-t=").or_else(|| a.strip_prefix("-t")))
                .map(str::to_string),
        };
        if let Some(t) = tag.filter(|t| !t.is_empty()) {
            return Some(t);
        }
    }
    None
}

/// Runs `docker build` and returns the reference of the built image: `docker://<first tag>`,
/// else `docker://<id>`.
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
    Ok(format!(
        "docker://{}",
        tag_of(args).as_deref().unwrap_or(id)
    ))
}

#[cfg(test)]
mod tests {
    use super::dockerfile_of;
    use std::path::PathBuf;

    fn of(args: &[&str]) -> Option<(PathBuf, Option<String>)> {
        dockerfile_of(&args.iter().map(|a| a.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn the_tag_a_build_gives() {
        let tag =
            |args: &[&str]| super::tag_of(&args.iter().map(|a| a.to_string()).collect::<Vec<_>>());
        assert_eq!(
            tag(&["-t", "app:dev", "-t", "app:2", "."]),
            Some("app:dev".into())
        );
        assert_eq!(
            tag(&["--tag=reg:5000/app", "."]),
            Some("reg:5000/app".into())
        );
        assert_eq!(tag(&["-tapp:1", "."]), Some("app:1".into()));
        assert_eq!(tag(&["--target", "t", "."]), None);
        assert_eq!(tag(&["-q", "."]), None);
    }

    #[test]
    fn the_dockerfile_a_build_reads() {
        assert_eq!(
            of(&["-t", "app", "."]),
            Some((PathBuf::from("./Dockerfile"), None))
        );
        assert_eq!(
            of(&["-f", "ci/Dockerfile.prod", "--target=runtime", "ctx"]),
            Some((
                PathBuf::from("ci/Dockerfile.prod"),
                Some("runtime".to_string())
            ))
        );
        assert_eq!(
            of(&["--file=x.df", "--target", "b", "."]),
            Some((PathBuf::from("x.df"), Some("b".to_string())))
        );
        assert_eq!(of(&["-"]), None);
        assert_eq!(of(&["https://example.com/repo.git"]), None);
    }
}
