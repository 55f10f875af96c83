//! A small distribution-API client over `ureq`: scheme choice (HTTPS, or plain HTTP only for a
//! loopback registry or with `--insecure`), authentication by challenge (anonymous token,
//! Bearer with credentials, Basic), manifests, and blobs as streaming readers. Every network
//! wait is bounded (connect and per-read timeouts), so a silent registry is an error, not a
//! hang; a large blob is never cut short by a total-time limit.

use std::io::Read;
use std::sync::Mutex;
use std::time::Duration;

use super::auth::{find_credentials, Challenge, Credentials};
use super::reference::Reference;
use crate::error::{Error, Result};
use crate::source::digest::Digest;
use crate::source::manifest::MAX_DOCUMENT_BYTES;

/// Every manifest type layerlens reads.
pub const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.index.v1+json, \
     application/vnd.oci.image.manifest.v1+json, \
     application/vnd.docker.distribution.manifest.list.v2+json, \
     application/vnd.docker.distribution.manifest.v2+json";

/// How long one read may wait for bytes before the registry counts as gone.
const READ_TIMEOUT: Duration = Duration::from_secs(60);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// A connection to one repository of one registry.
pub struct RegistryClient {
    agent: ureq::Agent,
    /// `https://host:port` or `http://host:port`.
    base: String,
    reference: Reference,
    credentials: Option<Credentials>,
    /// The `Authorization` header value in use, once a challenge has been met.
    authorization: Mutex<Option<String>>,
}

type Response = ureq::http::Response<ureq::Body>;

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_connect(Some(CONNECT_TIMEOUT))
        .timeout_per_read(Some(READ_TIMEOUT))
        .timeout_recv_response(Some(READ_TIMEOUT))
        .user_agent(concat!("layerlens/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

fn header(r: &Response, name: &str) -> Option<String> {
    r.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// The first bytes of an error body, for messages.
fn body_snippet(r: &mut Response) -> String {
    let text = r
        .body_mut()
        .with_config()
        .limit(4096)
        .read_to_string()
        .unwrap_or_default();
    let text = text.trim();
    if text.is_empty() {
        String::new()
    } else {
        format!(": {}", text.chars().take(300).collect::<String>())
    }
}

impl RegistryClient {
    /// Finds the registry (`/v2/`), picks the scheme and meets its authentication challenge.
    pub fn connect(reference: &Reference, insecure: bool) -> Result<RegistryClient> {
        let credentials = find_credentials(&reference.registry)?;
        let agent = agent();
        let host = reference.api_host();
        let plain_ok = insecure || reference.is_loopback();
        let https = format!("https://{host}");
        let (base, ping) = match agent.get(format!("{https}/v2/")).call() {
            Ok(r) => (https, r),
            Err(e) if plain_ok => {
                let http = format!("http://{host}");
                match agent.get(format!("{http}/v2/")).call() {
                    Ok(r) => (http, r),
                    Err(e2) => {
                        return Err(Error::Registry(format!(
                            "cannot reach registry {host} over HTTPS ({e}) or HTTP ({e2}); is \
                             it running?"
                        )))
                    }
                }
            }
            Err(e) => {
                return Err(Error::Registry(format!(
                    "cannot reach registry {host} over HTTPS: {e}; if it serves plain HTTP, \
                     pass --insecure (allowed without it only on loopback)"
                )))
            }
        };
        let client = RegistryClient {
            agent,
            base,
            reference: reference.clone(),
            credentials,
            authorization: Mutex::new(None),
        };
        let mut ping = ping;
        match ping.status().as_u16() {
            200..=299 => {}
            401 => {
                let challenge = header(&ping, "www-authenticate");
                client.authenticate(challenge.as_deref())?;
            }
            s => {
                return Err(Error::Registry(format!(
                    "{host} does not look like a registry: /v2/ answered {s}{}",
                    body_snippet(&mut ping)
                )))
            }
        }
        Ok(client)
    }

    fn host(&self) -> &str {
        self.reference.api_host()
    }

    fn refused(&self) -> Error {
        match &self.credentials {
            Some(c) => Error::Registry(format!(
                "registry {} refused the credentials for user '{}' (from {}); check them with \
                 `docker login {}`",
                self.reference.registry, c.username, c.origin, self.reference.registry
            )),
            None => Error::Registry(format!(
                "registry {} requires credentials and none are configured for it; run \
                 `docker login {}` or name an auth file with REGISTRY_AUTH_FILE",
                self.reference.registry, self.reference.registry
            )),
        }
    }

    /// Meets a challenge: sets the `Authorization` header the next requests send.
    fn authenticate(&self, challenge: Option<&str>) -> Result<()> {
        let Some(c) = challenge.and_then(Challenge::parse) else {
            return Err(self.refused());
        };
        let value = match c.scheme.as_str() {
            "basic" => match &self.credentials {
                Some(cred) => cred.basic_header(),
                None => return Err(self.refused()),
            },
            "bearer" => format!("Bearer {}", self.token(&c)?),
            other => {
                return Err(Error::Registry(format!(
                    "registry {} asks for '{other}' authentication, which layerlens does not \
                     speak (it speaks Basic and Bearer)",
                    self.reference.registry
                )))
            }
        };
        *self.lock_auth() = Some(value);
        Ok(())
    }

    fn lock_auth(&self) -> std::sync::MutexGuard<'_, Option<String>> {
        self.authorization
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Gets a pull token from the challenge's token service.
    fn token(&self, c: &Challenge) -> Result<String> {
        let Some(realm) = c.params.get("realm") else {
            return Err(Error::Registry(format!(
                "registry {} sent a Bearer challenge with no realm",
                self.reference.registry
            )));
        };
        let scope = c
            .params
            .get("scope")
            .cloned()
            .unwrap_or_else(|| format!("repository:{}:pull", self.reference.repository));
        let mut req = self.agent.get(realm).query("scope", &scope);
        if let Some(service) = c.params.get("service") {
            req = req.query("service", service);
        }
        if let Some(cred) = &self.credentials {
            req = req.header("Authorization", &cred.basic_header());
        }
        let mut resp = req
            .call()
            .map_err(|e| Error::Registry(format!("cannot reach the token service {realm}: {e}")))?;
        match resp.status().as_u16() {
            200..=299 => {}
            401 | 403 => return Err(self.refused()),
            s => {
                return Err(Error::Registry(format!(
                    "the token service {realm} answered {s}{}",
                    body_snippet(&mut resp)
                )))
            }
        }
        #[derive(serde::Deserialize)]
        struct TokenAnswer {
            token: Option<String>,
            access_token: Option<String>,
        }
        let body = resp
            .body_mut()
            .with_config()
            .limit(1 << 20)
            .read_to_vec()
            .map_err(|e| Error::Registry(format!("reading a token from {realm}: {e}")))?;
        let a: TokenAnswer = serde_json::from_slice(&body)
            .map_err(|e| Error::json(format!("the token from {realm}"), e))?;
        a.token.or(a.access_token).ok_or_else(|| {
            Error::Registry(format!("the token service {realm} answered with no token"))
        })
    }

    /// GETs a path of this repository, meeting one new challenge if the registry asks.
    fn get(&self, path: &str, accept: Option<&str>) -> Result<Response> {
        let url = format!("{}/v2/{}/{path}", self.base, self.reference.repository);
        let send = || {
            let mut req = self.agent.get(&url);
            if let Some(a) = accept {
                req = req.header("Accept", a);
            }
            if let Some(auth) = self.lock_auth().clone() {
                req = req.header("Authorization", &auth);
            }
            req.call().map_err(|e| {
                Error::Registry(format!(
                    "registry {} stopped answering ({path}): {e}",
                    self.host()
                ))
            })
        };
        let resp = send()?;
        if resp.status().as_u16() != 401 {
            return Ok(resp);
        }
        let had_auth = self.lock_auth().is_some();
        let challenge = header(&resp, "www-authenticate");
        // A Basic challenge after Basic credentials were sent is a refusal.
        if had_auth && challenge.as_deref().is_some_and(|c| c.starts_with("Basic")) {
            return Err(self.refused());
        }
        self.authenticate(challenge.as_deref())?;
        let resp = send()?;
        if resp.status().as_u16() == 401 {
            return Err(self.refused());
        }
        Ok(resp)
    }

    fn status_error(&self, what: &str, resp: &mut Response) -> Error {
        let s = resp.status().as_u16();
        let snippet = body_snippet(resp);
        match s {
            404 => Error::Registry(format!(
                "registry {} has no {what} in repository {}{snippet}",
                self.reference.registry, self.reference.repository
            )),
            403 => Error::Registry(format!(
                "registry {} denies access to {what} in {}{snippet}; check your credentials",
                self.reference.registry, self.reference.repository
            )),
            _ => Error::Registry(format!(
                "registry {} answered {s} for {what}{snippet}",
                self.reference.registry
            )),
        }
    }

    /// Fetches a manifest or index by tag or digest: its bytes and the digest the registry
    /// gave in `Docker-Content-Digest` (if any).
    pub fn manifest(&self, tag_or_digest: &str) -> Result<(Vec<u8>, Option<String>)> {
        let what = format!("manifest {tag_or_digest}");
        let mut resp = self.get(&format!("manifests/{tag_or_digest}"), Some(MANIFEST_ACCEPT))?;
        if !resp.status().is_success() {
            return Err(self.status_error(&what, &mut resp));
        }
        let claimed = header(&resp, "docker-content-digest");
        let bytes = read_document(&mut resp, &what)?;
        Ok((bytes, claimed))
    }

    /// Fetches a small blob (the config) and verifies its digest.
    pub fn blob_document(&self, digest: &Digest, what: &str) -> Result<Vec<u8>> {
        let what = format!("{what} {digest}");
        let mut resp = self.blob_response(digest, &what)?;
        let bytes = read_document(&mut resp, &what)?;
        digest.verify(
            &Digest::of(&bytes),
            what.split(' ').next().unwrap_or("blob"),
        )?;
        Ok(bytes)
    }

    fn blob_response(&self, digest: &Digest, what: &str) -> Result<Response> {
        let mut resp = self.get(&format!("blobs/{digest}"), None)?;
        if !resp.status().is_success() {
            return Err(self.status_error(what, &mut resp));
        }
        Ok(resp)
    }

    /// Opens a blob as a stream of its bytes as they arrive.
    pub fn blob_reader(&self, digest: &Digest) -> Result<impl Read + Send + 'static> {
        let resp = self.blob_response(digest, &format!("layer {digest}"))?;
        Ok(resp.into_body().into_reader())
    }
}

fn read_document(resp: &mut Response, what: &str) -> Result<Vec<u8>> {
    resp.body_mut()
        .with_config()
        .limit(MAX_DOCUMENT_BYTES)
        .read_to_vec()
        .map_err(|e| Error::Registry(format!("reading {what}: {e}")))
}
