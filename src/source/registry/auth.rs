//! Registry credentials and challenges. Credentials come from `REGISTRY_AUTH_FILE` (podman's
//! `auth.json`), then Docker's `config.json` (`$DOCKER_CONFIG`, else `~/.docker`): a
//! `credHelpers` entry for the registry, the `credsStore`, then `auths`. Challenges are the
//! `WWW-Authenticate` headers that say how to authenticate (Basic, or Bearer via a token
//! service). **Secrets are never put in error messages.**

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use base64::Engine as _;
use serde::Deserialize;

use super::reference::DOCKER_HUB;
use crate::error::{Error, Result};

/// A user name and password (or token) for one registry, and where they came from.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub password: String,
    /// Shown in errors: the file or helper the credentials came from.
    pub origin: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

impl Credentials {
    /// The value of an `Authorization: Basic` header.
    pub fn basic_header(&self) -> String {
        let raw = format!("{}:{}", self.username, self.password);
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(raw)
        )
    }
}

#[derive(Debug, Default, Deserialize)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default, rename = "identitytoken")]
    identity_token: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct ConfigFile {
    #[serde(default)]
    auths: HashMap<String, AuthEntry>,
    #[serde(default, rename = "credHelpers")]
    cred_helpers: HashMap<String, String>,
    #[serde(default, rename = "credsStore")]
    creds_store: Option<String>,
}

/// The key a registry has in credential stores: Docker Hub keeps its old URL.
fn store_key(registry: &str) -> String {
    if registry == DOCKER_HUB {
        "https://index.docker.io/v1/".to_string()
    } else {
        registry.to_string()
    }
}

/// `https://host:port/v2/` → `host:port`, with Docker Hub's aliases mapped to `docker.io`.
fn normalise_key(key: &str) -> String {
    let k = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    let host = k.split('/').next().unwrap_or(k);
    match host {
        "index.docker.io" | "registry-1.docker.io" => DOCKER_HUB.to_string(),
        h => h.to_string(),
    }
}

/// Where Docker's config file is.
pub fn docker_config_dir() -> Option<PathBuf> {
    match std::env::var_os("DOCKER_CONFIG") {
        Some(d) if !d.is_empty() => Some(PathBuf::from(d)),
        _ => std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".docker")),
    }
}

fn read_config(path: &Path) -> Result<Option<ConfigFile>> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(path.display(), e)),
    };
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| Error::json(path.display().to_string(), e))
}

fn from_entry(e: &AuthEntry, origin: &str) -> Result<Option<Credentials>> {
    if let Some(auth) = e.auth.as_deref().filter(|a| !a.is_empty()) {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(auth.trim())
            .ok()
            .and_then(|d| String::from_utf8(d).ok())
            .ok_or_else(|| Error::Config(format!("an \"auth\" entry in {origin} is not base64")))?;
        let Some((u, p)) = decoded.split_once(':') else {
            return Err(Error::Config(format!(
                "an \"auth\" entry in {origin} is not user:password"
            )));
        };
        return Ok(Some(Credentials {
            username: u.to_string(),
            password: p.to_string(),
            origin: origin.to_string(),
        }));
    }
    if let (Some(u), Some(p)) = (&e.username, &e.password) {
        return Ok(Some(Credentials {
            username: u.clone(),
            password: p.clone(),
            origin: origin.to_string(),
        }));
    }
    if let Some(t) = &e.identity_token {
        // An identity token is a refresh token for the token service.
        return Ok(Some(Credentials {
            username: "<token>".into(),
            password: t.clone(),
            origin: origin.to_string(),
        }));
    }
    Ok(None)
}

fn lookup_auths(file: &ConfigFile, registry: &str, origin: &str) -> Result<Option<Credentials>> {
    for (key, entry) in &file.auths {
        if normalise_key(key) == registry {
            if let Some(c) = from_entry(entry, origin)? {
                return Ok(Some(c));
            }
        }
    }
    Ok(None)
}

/// Asks `docker-credential-<helper> get` for a registry's credentials.
fn from_helper(helper: &str, registry: &str) -> Result<Option<Credentials>> {
    let program = format!("docker-credential-{helper}");
    let mut child = Command::new(&program)
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| {
            Error::Config(format!(
                "the Docker config names credential helper '{helper}' but {program} cannot be \
                 run ({e}); install it or remove it from config.json"
            ))
        })?;
    if let Some(mut stdin) = child.stdin.take() {
        // A helper that exits without reading is reported by its exit status below.
        let _ = stdin.write_all(store_key(registry).as_bytes());
    }
    let out = child
        .wait_with_output()
        .map_err(|e| Error::Config(format!("{program}: {e}")))?;
    if !out.status.success() {
        // "credentials not found": nothing stored for this registry.
        return Ok(None);
    }
    #[derive(Deserialize)]
    struct HelperAnswer {
        #[serde(rename = "Username")]
        username: String,
        #[serde(rename = "Secret")]
        secret: String,
    }
    let a: HelperAnswer = serde_json::from_slice(&out.stdout)
        .map_err(|e| Error::json(format!("the answer of {program}"), e))?;
    Ok(Some(Credentials {
        username: a.username,
        password: a.secret,
        origin: program,
    }))
}

/// Finds credentials for `registry` (`host[:port]` or `docker.io`); `None` means anonymous.
pub fn find_credentials(registry: &str) -> Result<Option<Credentials>> {
    if let Some(path) = std::env::var_os("REGISTRY_AUTH_FILE").filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        if let Some(file) = read_config(&path)? {
            if let Some(c) = lookup_auths(&file, registry, &path.display().to_string())? {
                return Ok(Some(c));
            }
        }
    }
    let Some(dir) = docker_config_dir() else {
        return Ok(None);
    };
    let path = dir.join("config.json");
    let Some(file) = read_config(&path)? else {
        return Ok(None);
    };
    let helper = file
        .cred_helpers
        .iter()
        .find(|(k, _)| normalise_key(k) == registry)
        .map(|(_, h)| h.clone());
    if let Some(h) = helper {
        return from_helper(&h, registry);
    }
    if let Some(store) = file.creds_store.as_deref().filter(|s| !s.is_empty()) {
        if let Some(c) = from_helper(store, registry)? {
            return Ok(Some(c));
        }
    }
    lookup_auths(&file, registry, &path.display().to_string())
}

/// A parsed `WWW-Authenticate` challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// `basic` or `bearer`, lowercased.
    pub scheme: String,
    pub params: HashMap<String, String>,
}

impl Challenge {
    /// Parses `Bearer realm="…",service="…",scope="…"` (quoted values may hold commas).
    pub fn parse(header: &str) -> Option<Challenge> {
        let header = header.trim();
        let (scheme, rest) = header.split_once(' ').unwrap_or((header, ""));
        if scheme.is_empty() {
            return None;
        }
        let mut params = HashMap::new();
        let mut rest = rest.trim_start();
        while !rest.is_empty() {
            let (key, after) = rest.split_once('=')?;
            let key = key
                .trim()
                .trim_start_matches(',')
                .trim()
                .to_ascii_lowercase();
            let after = after.trim_start();
            let (value, remaining) = if let Some(q) = after.strip_prefix('"') {
                let mut value = String::new();
                let mut chars = q.char_indices();
                let mut end = None;
                while let Some((i, c)) = chars.next() {
                    match c {
                        '\\' => {
                            if let Some((_, n)) = chars.next() {
                                value.push(n);
                            }
                        }
                        '"' => {
                            end = Some(i + 1);
                            break;
                        }
                        c => value.push(c),
                    }
                }
                (value, &q[end?..])
            } else {
                let end = after.find(',').unwrap_or(after.len());
                (after[..end].trim().to_string(), &after[end..])
            };
            params.insert(key, value);
            rest = remaining.trim_start().trim_start_matches(',').trim_start();
        }
        Some(Challenge {
            scheme: scheme.to_ascii_lowercase(),
            params,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_challenges() {
        let c = Challenge::parse(
            r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull,push""#,
        )
        .unwrap();
        assert_eq!(c.scheme, "bearer");
        assert_eq!(c.params["realm"], "https://auth.docker.io/token");
        assert_eq!(c.params["service"], "registry.docker.io");
        assert_eq!(c.params["scope"], "repository:library/alpine:pull,push");
        let b = Challenge::parse(r#"Basic realm="layerlens-test""#).unwrap();
        assert_eq!(b.scheme, "basic");
        assert_eq!(b.params["realm"], "layerlens-test");
        assert!(Challenge::parse(r#"Bearer realm="unterminated"#).is_none());
    }

    #[test]
    fn reads_auths_entries() {
        let file: ConfigFile = serde_json::from_str(
            r#"{"auths":{
                "https://index.docker.io/v1/":{"auth":"dXNlcjpwYXNz"},
                "http://127.0.0.1:5001/v2/":{"username":"u2","password":"p:2"}}}"#,
        )
        .unwrap();
        let hub = lookup_auths(&file, DOCKER_HUB, "cfg").unwrap().unwrap();
        assert_eq!(
            (hub.username.as_str(), hub.password.as_str()),
            ("user", "pass")
        );
        assert_eq!(hub.basic_header(), "Basic dXNlcjpwYXNz");
        let local = lookup_auths(&file, "127.0.0.1:5001", "cfg")
            .unwrap()
            .unwrap();
        assert_eq!(local.password, "p:2");
        assert!(lookup_auths(&file, "other.example", "cfg")
            .unwrap()
            .is_none());
        assert!(!format!("{local:?}").contains("p:2"));
        let bad: ConfigFile = serde_json::from_str(r#"{"auths":{"x.io":{"auth":"!!"}}}"#).unwrap();
        assert!(lookup_auths(&bad, "x.io", "cfg").is_err());
    }
}
