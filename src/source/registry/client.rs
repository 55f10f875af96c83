//! A small distribution-API client over `ureq`: scheme choice (HTTPS, or plain HTTP only for a
//! loopback registry or with `--insecure`), authentication by challenge (anonymous token,
//! Bearer with credentials, Basic), manifests, and blobs as streaming readers.
//!
//! Redirects are followed here, not by ureq: **every hop** (each redirect's target, each
//! token service) is checked by [`Hop::refusal`] before it is connected to, and the
//! `Authorization` header goes only to the origin it was meant for, never across a redirect to
//! another host (a blob redirected to a CDN is fetched there without it). Every network wait is
//! bounded: connecting, the response headers, and the body by the stall timeout
//! ([`StallGuard`]), which measures progress, not total time, so a large blob is never cut
//! short while it keeps arriving.

use std::io::Read;
use std::sync::Mutex;
use std::time::Duration;

use super::auth::{find_credentials, Challenge, Credentials};
use super::hop::{encode_query_value, is_redirect, shown_location, Hop, MAX_REDIRECTS};
use super::reference::Reference;
use super::stall::{seconds, stall_message, StallGuard};
use super::RegistryOptions;
use crate::error::{Error, Result};
use crate::source::digest::{Digest, SizeMismatch};
use crate::source::manifest::MAX_DOCUMENT_BYTES;

/// Every manifest type layerlens reads.
pub const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.index.v1+json, \
     application/vnd.oci.image.manifest.v1+json, \
     application/vnd.docker.distribution.manifest.list.v2+json, \
     application/vnd.docker.distribution.manifest.v2+json";

const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// A connection to one repository of one registry.
pub struct RegistryClient {
    agent: ureq::Agent,
    /// `https://host:port` or `http://host:port`: where the registry answered.
    base: Hop,
    reference: Reference,
    opts: RegistryOptions,
    credentials: Option<Credentials>,
    /// The `Authorization` header value for the registry's own origin, once a challenge has
    /// been met.
    authorization: Mutex<Option<String>>,
}

type Response = ureq::http::Response<ureq::Body>;
/// A response body as it streams, held to the stall timeout.
pub type BlobReader = StallGuard<ureq::BodyReader<'static>>;

fn agent(stall: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        // Followed by `RegistryClient::send`, which checks each hop.
        .max_redirects(0)
        .timeout_connect(Some(CONNECT_TIMEOUT))
        // A read that gets nothing at all for the stall timeout; a trickle is caught by the
        // `StallGuard` around each body.
        .timeout_per_read(Some(stall))
        .timeout_recv_response(Some(stall))
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

/// Why one GET (with its redirects) failed.
enum SendError {
    /// A hop was refused before any connection to it; the message is complete.
    Refused(Error),
    /// ureq failed at `hop`.
    Call { hop: Hop, source: ureq::Error },
}

/// Where the `Authorization` header of a request may go.
struct Auth<'a> {
    value: &'a str,
    origin: &'a Hop,
}

impl RegistryClient {
    /// Finds the registry (`/v2/`), picks the scheme and meets its authentication challenge.
    pub fn connect(reference: &Reference, opts: RegistryOptions) -> Result<RegistryClient> {
        let credentials = find_credentials(&reference.registry)?;
        let host = reference.api_host();
        let https = Hop::parse(&format!("https://{host}")).ok_or_else(|| {
            Error::Registry(format!(
                "registry {host} is not a host name layerlens can reach"
            ))
        })?;
        let mut client = RegistryClient {
            agent: agent(opts.stall_timeout),
            base: https.clone(),
            reference: reference.clone(),
            opts,
            credentials,
            authorization: Mutex::new(None),
        };
        let plain_ok = opts.insecure || reference.is_loopback();
        let ping = match client.send(&format!("{}/v2/", https.url), None, None, "/v2/") {
            Ok(r) => r,
            Err(SendError::Call { source: e, .. }) if plain_ok => {
                let http = format!("http://{host}");
                client.base = Hop::parse(&http).unwrap_or(https);
                match client.send(&format!("{http}/v2/"), None, None, "/v2/") {
                    Ok(r) => r,
                    Err(SendError::Call { source: e2, .. }) => {
                        return Err(Error::Registry(format!(
                            "cannot reach registry {host} over HTTPS ({e}) or HTTP ({e2}); is \
                             it running?"
                        )))
                    }
                    Err(e2) => return Err(client.send_error("/v2/", e2)),
                }
            }
            Err(SendError::Call { source: e, .. }) => {
                return Err(Error::Registry(format!(
                    "cannot reach registry {host} over HTTPS: {e}; if it serves plain HTTP, \
                     pass --insecure (allowed without it only on loopback)"
                )))
            }
            Err(e) => return Err(client.send_error("/v2/", e)),
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
                    client.body_snippet(ping.body_mut(), "/v2/")
                )))
            }
        }
        Ok(client)
    }

    /// The registry as the user named it, for messages.
    pub fn registry_name(&self) -> &str {
        &self.reference.registry
    }

    fn registry(&self) -> &str {
        self.registry_name()
    }

    /// One GET and the redirects it leads to, each hop checked before it is connected to;
    /// `auth` is sent only to its own origin.
    fn send(
        &self,
        url: &str,
        accept: Option<&str>,
        auth: Option<Auth<'_>>,
        what: &str,
    ) -> std::result::Result<Response, SendError> {
        let registry = self.registry();
        let mut hop = Hop::parse(url).ok_or_else(|| {
            SendError::Refused(Error::Registry(format!(
                "registry {registry}: '{}' (for {what}) is not an http(s) URL",
                shown_location(url)
            )))
        })?;
        for redirects in 0..=MAX_REDIRECTS {
            if let Some(why) = hop.refusal(self.opts.insecure) {
                return Err(SendError::Refused(Error::Registry(if redirects == 0 {
                    format!("registry {registry}: refused to fetch {what}: {why}")
                } else {
                    format!("registry {registry} redirected {what}; refused: {why}")
                })));
            }
            let mut req = self.agent.get(&hop.url);
            if let Some(a) = accept {
                req = req.header("Accept", a);
            }
            if let Some(auth) = &auth {
                if hop.same_origin(auth.origin) {
                    req = req.header("Authorization", auth.value);
                }
            }
            let resp = match req.call() {
                Ok(r) => r,
                Err(source) => return Err(SendError::Call { hop, source }),
            };
            let status = resp.status().as_u16();
            if !is_redirect(status) {
                return Ok(resp);
            }
            let Some(location) = header(&resp, "location") else {
                return Err(SendError::Refused(Error::Registry(format!(
                    "registry {registry} answered {status} for {what} with no Location to go to"
                ))));
            };
            hop = hop.join(&location).ok_or_else(|| {
                SendError::Refused(Error::Registry(format!(
                    "registry {registry} redirected {what} to '{}', which is not an http(s) \
                     URL; refused",
                    shown_location(&location)
                )))
            })?;
        }
        Err(SendError::Refused(Error::Registry(format!(
            "registry {registry} redirected {what} more than {MAX_REDIRECTS} times; refused"
        ))))
    }

    fn send_error(&self, what: &str, e: SendError) -> Error {
        let (hop, source) = match e {
            SendError::Refused(e) => return e,
            SendError::Call { hop, source } => (hop, source),
        };
        let registry = self.registry();
        let at = if hop.same_origin(&self.base) {
            String::new()
        } else {
            format!(" at {}", hop.host_port())
        };
        match source {
            ureq::Error::Timeout(ureq::Timeout::PerRead | ureq::Timeout::RecvResponse) => {
                Error::Registry(format!(
                    "registry {registry} stalled: no answer for {what}{at} in {}; try again, or \
                     allow a slower registry with --registry-stall-timeout",
                    seconds(self.opts.stall_timeout)
                ))
            }
            e => Error::Registry(format!(
                "registry {registry} stopped answering ({what}{at}): {e}"
            )),
        }
    }

    /// A response body held to the stall timeout; `what` names it in the error.
    fn guard(&self, body: ureq::BodyReader<'static>, what: &str) -> BlobReader {
        StallGuard::new(body, self.opts.stall_timeout, self.registry(), what)
    }

    /// The first bytes of an error body, for messages.
    fn body_snippet(&self, body: &mut ureq::Body, what: &str) -> String {
        let mut bytes = Vec::new();
        let reader = StallGuard::new(
            body.as_reader(),
            self.opts.stall_timeout,
            self.registry(),
            what,
        );
        // What arrived before an error or a stall is still worth showing.
        let _ = reader.take(4096).read_to_end(&mut bytes);
        let text = String::from_utf8_lossy(&bytes);
        let text = text.trim();
        if text.is_empty() {
            String::new()
        } else {
            // Nothing from the registry reaches a terminal raw.
            let shown: String = text
                .chars()
                .take(300)
                .map(|c| {
                    if c.is_control() {
                        c.escape_default().to_string()
                    } else {
                        c.to_string()
                    }
                })
                .collect();
            format!(": {shown}")
        }
    }

    /// Reads a whole document (a manifest, a config, a token), at most
    /// [`MAX_DOCUMENT_BYTES`], and, when its descriptor gives one, exactly `size` bytes.
    fn read_document(&self, resp: Response, what: &str, size: Option<u64>) -> Result<Vec<u8>> {
        let registry = self.registry();
        let mut bytes = Vec::new();
        self.guard(resp.into_body().into_reader(), what)
            .take(MAX_DOCUMENT_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| {
                Error::Registry(
                    stall_message(&e).unwrap_or_else(|| {
                        format!("registry {registry} stopped sending {what}: {e}")
                    }),
                )
            })?;
        let got = bytes.len() as u64;
        if got > MAX_DOCUMENT_BYTES {
            return Err(Error::Registry(format!(
                "{what} from registry {registry} is larger than {MAX_DOCUMENT_BYTES} bytes"
            )));
        }
        let mismatch = match size {
            Some(expected) if got > expected => Some(SizeMismatch::Larger { expected }),
            Some(expected) if got < expected => Some(SizeMismatch::Shorter { at: got, expected }),
            _ => None,
        };
        if let Some(mismatch) = mismatch {
            return Err(Error::BlobSize {
                what: format!("{what} from registry {registry}"),
                mismatch,
            });
        }
        Ok(bytes)
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

    /// Gets a pull token from the challenge's token service. The service is checked like any
    /// hop before anything is sent to it; the credentials (for the registry) go to it, as the
    /// token protocol has them, but never across a redirect to another host.
    fn token(&self, c: &Challenge) -> Result<String> {
        let registry = self.registry();
        let Some(realm) = c.params.get("realm") else {
            return Err(Error::Registry(format!(
                "registry {registry} sent a Bearer challenge with no realm"
            )));
        };
        let Some(service) = Hop::parse(realm) else {
            return Err(Error::Registry(format!(
                "registry {registry} names a token service '{}', which is not an http(s) URL",
                shown_location(realm)
            )));
        };
        if let Some(why) = service.refusal(self.opts.insecure) {
            return Err(Error::Registry(format!(
                "registry {registry} names a token service layerlens will not ask, and no \
                 credentials were sent: {why}"
            )));
        }
        let scope = c
            .params
            .get("scope")
            .cloned()
            .unwrap_or_else(|| format!("repository:{}:pull", self.reference.repository));
        let mut url = format!(
            "{realm}{}scope={}",
            if realm.contains('?') { '&' } else { '?' },
            encode_query_value(&scope)
        );
        if let Some(s) = c.params.get("service") {
            url.push_str(&format!("&service={}", encode_query_value(s)));
        }
        let basic = self.credentials.as_ref().map(Credentials::basic_header);
        let auth = basic.as_deref().map(|value| Auth {
            value,
            origin: &service,
        });
        let what = format!("a token from {}", service.host_port());
        let mut resp = self
            .send(&url, None, auth, &what)
            .map_err(|e| self.send_error(&what, e))?;
        match resp.status().as_u16() {
            200..=299 => {}
            401 | 403 => return Err(self.refused()),
            s => {
                return Err(Error::Registry(format!(
                    "the token service {} answered {s}{}",
                    service.host_port(),
                    self.body_snippet(resp.body_mut(), &what)
                )))
            }
        }
        #[derive(serde::Deserialize)]
        struct TokenAnswer {
            token: Option<String>,
            access_token: Option<String>,
        }
        let body = self.read_document(resp, &what, None)?;
        let a: TokenAnswer = serde_json::from_slice(&body)
            .map_err(|e| Error::json(format!("the token from {}", service.host_port()), e))?;
        a.token.or(a.access_token).ok_or_else(|| {
            Error::Registry(format!(
                "the token service {} answered with no token",
                service.host_port()
            ))
        })
    }

    /// GETs a path of this repository, meeting one new challenge if the registry asks.
    fn get(&self, path: &str, accept: Option<&str>, what: &str) -> Result<Response> {
        let url = format!("{}/v2/{}/{path}", self.base.url, self.reference.repository);
        let send = || {
            let auth = self.lock_auth().clone();
            let auth = auth.as_deref().map(|value| Auth {
                value,
                origin: &self.base,
            });
            self.send(&url, accept, auth, what)
                .map_err(|e| self.send_error(what, e))
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
        let snippet = self.body_snippet(resp.body_mut(), what);
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
        let mut resp = self.get(
            &format!("manifests/{tag_or_digest}"),
            Some(MANIFEST_ACCEPT),
            &what,
        )?;
        if !resp.status().is_success() {
            return Err(self.status_error(&what, &mut resp));
        }
        let claimed = header(&resp, "docker-content-digest");
        let bytes = self.read_document(resp, &what, None)?;
        Ok((bytes, claimed))
    }

    /// Fetches a small blob (the config), holds it to its descriptor's size and verifies its
    /// digest. `kind` is `config`.
    pub fn blob_document(&self, digest: &Digest, kind: &str, size: Option<u64>) -> Result<Vec<u8>> {
        let what = format!("{kind} {digest}");
        let resp = self.blob_response(digest, &what)?;
        let bytes = self.read_document(resp, &what, size)?;
        digest.verify(&Digest::of(&bytes), kind)?;
        Ok(bytes)
    }

    fn blob_response(&self, digest: &Digest, what: &str) -> Result<Response> {
        let mut resp = self.get(&format!("blobs/{digest}"), None, what)?;
        if !resp.status().is_success() {
            return Err(self.status_error(what, &mut resp));
        }
        Ok(resp)
    }

    /// Opens a layer blob as a stream of its bytes as they arrive, held to the stall
    /// timeout: a stall reads as an I/O error whose [`stall_message`] names the registry and
    /// the blob.
    pub fn blob_reader(&self, digest: &Digest) -> Result<BlobReader> {
        let what = format!("layer {digest}");
        let resp = self.blob_response(digest, &what)?;
        Ok(self.guard(resp.into_body().into_reader(), &what))
    }
}
