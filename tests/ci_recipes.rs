//! The CI recipes of `assets/ci/` run as written: the commands of the GitHub workflow's and the
//! GitLab job's layerlens step (read from their YAML) and the plain shell recipe, against real
//! images with the built binary, checking exit codes and the JUnit report the CI would upload.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::live::{docker_cli, docker_up};
use common::testdata;

fn asset(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/ci")
        .join(name)
}

fn yaml(name: &str) -> yaml_serde::Value {
    yaml_serde::from_str(&std::fs::read_to_string(asset(name)).unwrap()).unwrap()
}

/// A checkout as the recipes expect it: the script copied to `ci/layerlens-ci.sh`.
fn checkout() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("ci")).unwrap();
    std::fs::copy(
        asset("layerlens-ci.sh"),
        dir.path().join("ci/layerlens-ci.sh"),
    )
    .unwrap();
    dir
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs a recipe's shell line in `dir`, with `env` set and layerlens first on PATH.
fn sh(dir: &Path, line: &str, env: &[(String, String)]) -> Run {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_layerlens")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("bash")
        .args(["-c", line])
        .current_dir(dir)
        .env_remove("CI")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env("NO_COLOR", "1")
        .env("PATH", path)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn string_map(v: &yaml_serde::Value) -> Vec<(String, String)> {
    v.as_mapping()
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    (
                        k.as_str().unwrap().to_string(),
                        v.as_str().unwrap().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `env` with `LAYERLENS_IMAGE` pointed at a real image instead of the CI's.
fn with_image(mut env: Vec<(String, String)>, image: &Path) -> Vec<(String, String)> {
    let slot = env
        .iter_mut()
        .find(|(k, _)| k == "LAYERLENS_IMAGE")
        .expect("the recipe names its image in LAYERLENS_IMAGE");
    slot.1 = image.display().to_string();
    env
}

fn junit(dir: &Path, path: &str) -> String {
    std::fs::read_to_string(dir.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn the_github_workflow_annotates_and_writes_the_junit_it_uploads() {
    let wf = yaml("github-actions.yml");
    let steps = wf["jobs"]["image"]["steps"].as_sequence().unwrap();
    let check = steps
        .iter()
        .find(|s| s["name"] == "Check the image")
        .unwrap();
    let upload = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/upload-artifact"))
        })
        .unwrap();
    assert_eq!(
        upload["if"], "always()",
        "the report is uploaded when the check fails"
    );
    let uploaded = upload["with"]["path"].as_str().unwrap();
    let run = check["run"].as_str().unwrap();
    let env = string_map(&check["env"]);

    for (image, code, failures) in [("classic.docker.tar", 1, 2), ("tiny.docker.tar", 0, 0)] {
        let dir = checkout();
        let summary = dir.path().join("summary.md");
        let mut env = with_image(env.clone(), &testdata(image));
        env.push(("GITHUB_STEP_SUMMARY".into(), summary.display().to_string()));
        let r = sh(dir.path(), run, &env);
        assert_eq!(r.code, code, "{image}: {}", r.stderr);
        let xml = junit(dir.path(), uploaded);
        assert!(
            xml.contains(&format!("failures=\"{failures}\"")),
            "{image}: {xml}"
        );
        let summary = std::fs::read_to_string(&summary).unwrap();
        assert!(summary.contains("layerlens"), "{summary}");
        if code == 1 {
            assert!(
                r.stdout.contains(
                    "::error title=layerlens rules lowestEfficiency::lowestEfficiency: image \
                     efficiency is too low (efficiency=0.6839485312125025 < threshold=0.9)\n"
                ),
                "{}",
                r.stdout
            );
            let verdict = format!(
                "layerlens-ci: {} failed a rule or budget; JUnit report in \
                 layerlens-reports/junit.xml\n",
                testdata(image).display()
            );
            assert!(r.stderr.ends_with(&verdict), "{}", r.stderr);
        }
    }
}

#[test]
fn the_gitlab_job_writes_its_junit_report() {
    let ci = yaml("gitlab-ci.yml");
    let job = &ci["layerlens"];
    let report = job["artifacts"]["reports"]["junit"].as_str().unwrap();
    assert_eq!(job["artifacts"]["when"], "always");
    let env = string_map(&job["variables"]);
    let dir = checkout();
    let env = with_image(env, &testdata("classic.docker.tar"));
    // `script:` as GitLab runs it: each line in turn, stopping at the first that fails.
    let lines: Vec<&str> = job["script"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    let r = sh(dir.path(), &lines.join(" && "), &env);
    assert_eq!(r.code, 1, "{}", r.stderr);
    // dive's CI text on the job log.
    assert!(
        r.stdout
            .contains("Result:FAIL [Total:3] [Passed:0] [Failed:2] [Warn:0] [Skipped:1]"),
        "{}",
        r.stdout
    );
    let xml = junit(dir.path(), report);
    assert!(
        xml.contains(
            "<testcase classname=\"layerlens.rules\" name=\"lowestEfficiency\">\n      <failure"
        ),
        "{xml}"
    );
}

#[test]
fn the_script_says_what_went_wrong_and_leaves_no_report_on_error() {
    let dir = checkout();
    let r = sh(dir.path(), "bash ci/layerlens-ci.sh missing.tar", &[]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .starts_with("layerlens: error: missing.tar: no such file or directory"),
        "{}",
        r.stderr
    );
    assert!(r
        .stderr
        .ends_with("layerlens-ci: layerlens could not check missing.tar (exit 2)\n"));
    assert!(!dir.path().join("layerlens-reports/junit.xml").exists());
    let r = sh(dir.path(), "bash ci/layerlens-ci.sh", &[]);
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (
            2,
            "layerlens-ci: name the image: LAYERLENS_IMAGE=... or the first argument\n"
        )
    );
}

#[test]
fn the_shell_recipe_builds_saves_and_checks_a_real_image() {
    if !docker_up() {
        if common::live::services_required() {
            panic!("the Docker daemon is not reachable but LAYERLENS_SERVICES=1");
        }
        common::skip("the Docker daemon is not reachable");
        return;
    }
    common::live::docker_load("tiny.docker.tar");
    let dir = tempfile::tempdir().unwrap();
    let ctx = dir.path().join("context");
    std::fs::create_dir(&ctx).unwrap();
    std::fs::write(
        ctx.join("Dockerfile"),
        "FROM tiny:latest\nRUN echo checked > /ci.txt\n",
    )
    .unwrap();
    let tag = "layerlens-ci-recipe:1";
    let r = sh(
        dir.path(),
        &format!("bash {} {tag} context", asset("shell.sh").display()),
        &[
            ("DOCKER".into(), docker_cli()),
            ("DOCKER_BUILDKIT".into(), "0".into()),
        ],
    );
    let _ = Command::new(docker_cli()).args(["rmi", tag]).output();
    // tiny with one more layer still passes dive's default rules.
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("Result:PASS"), "{}", r.stdout);
    let xml = junit(dir.path(), "layerlens-reports/junit.xml");
    assert!(xml.contains("failures=\"0\""), "{xml}");
}
