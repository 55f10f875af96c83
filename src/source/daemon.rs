//! Images held by a Docker daemon or podman's Docker-compatible API service, through bollard.
//! The endpoint comes from the environment as the engines' own CLIs find it; the API version
//! is negotiated. The export (`GET /images/{name}/get`, a `docker save` tarball) streams
//! through a bounded channel into [`read_archive`] on this thread: **no temp file, no
//! whole-image buffer**, and no total-time limit on the export (only on the small requests
//! before it).

use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::time::Duration;

use bollard::errors::Error as BollardError;
use bollard::Docker;
use futures_util::StreamExt;
use sha2::{Digest as _, Sha256};

use super::archive::{read_archive, ArchiveKind};
use super::manifest::ImageConfig;
use super::platform::Platform;
use super::progress::{Progress, ProgressReader};
use super::LoadOptions;
use crate::error::{Error, Result};
use crate::image::{Image, LayerPreview, SourceKind};

/// Which engine serves the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Docker,
    Podman,
}

impl Engine {
    /// The reference prefix and CLI name.
    pub fn prefix(self) -> &'static str {
        match self {
            Engine::Docker => "docker",
            Engine::Podman => "podman",
        }
    }

    fn kind(self) -> SourceKind {
        match self {
            Engine::Docker => SourceKind::Docker,
            Engine::Podman => SourceKind::Podman,
        }
    }
}

/// Time allowed for the small requests (ping, version, inspect) before the export.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// The export's limit on getting response headers: the daemon may gather a large image
/// before its first byte. The body itself has no limit.
const EXPORT_TIMEOUT: Duration = Duration::from_secs(24 * 3600);
/// Longest pause allowed between two chunks of the export once it has started; the daemon
/// may take long before the first byte, never that long in the middle.
const EXPORT_IDLE: Duration = Duration::from_secs(300);
/// Chunks of the export buffered between the network and the indexer.
const CHANNEL_CHUNKS: usize = 64;

/// Where the Docker daemon is: `DOCKER_HOST`, else the endpoint of the current context
/// (`DOCKER_CONTEXT`, else `currentContext` in `config.json`), else the default socket.
pub fn docker_endpoint(
    env: &dyn Fn(&str) -> Option<String>,
    config_dir: Option<&Path>,
) -> Result<String> {
    if let Some(h) = env("DOCKER_HOST").filter(|h| !h.is_empty()) {
        return Ok(h);
    }
    let context = match env("DOCKER_CONTEXT").filter(|c| !c.is_empty()) {
        Some(c) => Some(c),
        None => config_dir.and_then(|d| current_context(&d.join("config.json"))),
    };
    if let (Some(ctx), Some(dir)) = (context.filter(|c| c != "default"), config_dir) {
        return context_host(dir, &ctx);
    }
    Ok("unix:///var/run/docker.sock".to_string())
}

fn current_context(config: &Path) -> Option<String> {
    let bytes = std::fs::read(config).ok()?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    v.get("currentContext")?.as_str().map(str::to_string)
}

/// A context's Docker endpoint, from `contexts/meta/<sha256 of name>/meta.json`.
fn context_host(config_dir: &Path, context: &str) -> Result<String> {
    let id = hex::encode(Sha256::digest(context.as_bytes()));
    let meta = config_dir
        .join("contexts")
        .join("meta")
        .join(id)
        .join("meta.json");
    let bytes = std::fs::read(&meta).map_err(|e| {
        Error::Daemon(format!(
            "Docker context '{context}' is selected but {} cannot be read ({e}); run `docker \
             context use default` or set DOCKER_HOST",
            meta.display()
        ))
    })?;
    let v: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| Error::json(meta.display().to_string(), e))?;
    v.pointer("/Endpoints/docker/Host")
        .and_then(|h| h.as_str())
        .map(str::to_string)
        .ok_or_else(|| {
            Error::Daemon(format!(
                "Docker context '{context}' ({}) names no Docker endpoint",
                meta.display()
            ))
        })
}

/// Where podman's API service is: `CONTAINER_HOST`, else the rootless socket under
/// `$XDG_RUNTIME_DIR`, else the system socket.
pub fn podman_endpoint(env: &dyn Fn(&str) -> Option<String>) -> String {
    if let Some(h) = env("CONTAINER_HOST").filter(|h| !h.is_empty()) {
        return h;
    }
    if let Some(dir) = env("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()) {
        let sock = PathBuf::from(dir).join("podman").join("podman.sock");
        if sock.exists() {
            return format!("unix://{}", sock.display());
        }
    }
    "unix:///run/podman/podman.sock".to_string()
}

fn endpoint(engine: Engine) -> Result<String> {
    let env = |k: &str| std::env::var(k).ok();
    match engine {
        Engine::Docker => {
            docker_endpoint(&env, super::registry::auth::docker_config_dir().as_deref())
        }
        Engine::Podman => Ok(podman_endpoint(&env)),
    }
}

fn unreachable(engine: Engine, host: &str, why: impl std::fmt::Display) -> Error {
    let hint = match engine {
        Engine::Docker => "start the daemon, or point DOCKER_HOST at it",
        Engine::Podman => {
            "start it with `podman system service --time=0`, or point CONTAINER_HOST at it"
        }
    };
    Error::Daemon(format!(
        "cannot reach the {} API at {host} ({why}); {hint}",
        engine.prefix()
    ))
}

fn connect(engine: Engine, host: &str) -> Result<Docker> {
    let version = bollard::API_DEFAULT_VERSION;
    let secs = REQUEST_TIMEOUT.as_secs();
    let docker = if host.starts_with("unix://") || host.starts_with('/') {
        Docker::connect_with_unix(host, secs, version)
    } else if let Some(rest) = host.strip_prefix("tcp://") {
        if std::env::var("DOCKER_TLS_VERIFY").is_ok_and(|v| !v.is_empty() && v != "0") {
            return Err(Error::Daemon(format!(
                "{host} needs TLS (DOCKER_TLS_VERIFY is set), which layerlens does not speak \
                 yet; export the image with `docker save` and open the tarball"
            )));
        }
        Docker::connect_with_http(&format!("http://{rest}"), secs, version)
    } else if host.starts_with("http://") {
        Docker::connect_with_http(host, secs, version)
    } else {
        return Err(Error::Daemon(format!(
            "the {} endpoint {host} is neither unix:// nor tcp://; layerlens reaches daemons \
             over those only",
            engine.prefix()
        )));
    };
    docker.map_err(|e| unreachable(engine, host, e))
}

fn status_of(e: &BollardError) -> Option<u16> {
    match e {
        BollardError::DockerResponseServerError { status_code, .. } => Some(*status_code),
        _ => None,
    }
}

/// Reads an image from a daemon (pulling it first with `--pull`).
pub fn read_daemon(
    engine: Engine,
    name: &str,
    reference: &str,
    opts: &LoadOptions,
    progress: &dyn Progress,
) -> Result<Image> {
    let platform = opts.platform.as_ref();
    let host = endpoint(engine)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Daemon(format!("cannot start the async runtime: {e}")))?;
    let docker = connect(engine, &host)?;
    let docker = rt.block_on(async {
        docker
            .negotiate_version()
            .await
            .map_err(|e| unreachable(engine, &host, e))
    })?;
    if opts.pull {
        rt.block_on(pull(&docker, engine, name, platform))?;
    }
    let inspect = rt
        .block_on(docker.inspect_image(name))
        .map_err(|e| match status_of(&e) {
            Some(404) => Error::Daemon(format!(
                "image '{name}' is not in the {} at {host}; pull it first (`{} pull {name}`) or \
             pass --pull",
                match engine {
                    Engine::Docker => "Docker daemon",
                    Engine::Podman => "podman service",
                },
                engine.prefix()
            )),
            _ => unreachable(engine, &host, e),
        })?;
    if let Some(size) = inspect.size.filter(|&s| s > 0) {
        // The export is the layers' tars plus a little metadata: close to the image size.
        progress.total_bytes(size as u64);
    }
    let layer_count = inspect
        .root_fs
        .as_ref()
        .and_then(|r| r.layers.as_ref())
        .map(Vec::len);
    let progress = &WithLayerCount {
        inner: progress,
        total: layer_count,
    };
    let exporter = docker.with_timeout(EXPORT_TIMEOUT);
    let (tx, rx) =
        tokio::sync::mpsc::channel::<std::result::Result<bytes::Bytes, String>>(CHANNEL_CHUNKS);
    let shown = format!("{}://{name}", engine.prefix());
    let (rt, exporter, host) = (&rt, &exporter, &host);
    std::thread::scope(|s| {
        // `tx` moves into the pump, so the reader sees the end when the export ends.
        let pump = s.spawn(move || {
            rt.block_on(async {
                let mut stream = exporter.export_image(name);
                let mut started = false;
                loop {
                    let next = if started {
                        match tokio::time::timeout(EXPORT_IDLE, stream.next()).await {
                            Ok(n) => n,
                            Err(_) => {
                                let why = format!(
                                    "the export from {host} stalled for {}s",
                                    EXPORT_IDLE.as_secs()
                                );
                                let _ = tx.send(Err(why)).await;
                                break;
                            }
                        }
                    } else {
                        stream.next().await
                    };
                    let Some(chunk) = next else { break };
                    started = true;
                    let item = chunk.map_err(|e| match status_of(&e) {
                        Some(404) => format!("the {} has no image '{name}'", engine.prefix()),
                        _ => format!("the export from {host} failed: {e}"),
                    });
                    let stop = item.is_err();
                    // The reader has gone (it finished or failed): stop exporting.
                    if tx.send(item).await.is_err() || stop {
                        break;
                    }
                }
            })
        });
        let reader = ChannelReader {
            rx,
            current: bytes::Bytes::new(),
        };
        let reader = ProgressReader::new(io::BufReader::with_capacity(1 << 20, reader), progress);
        let result = read_archive(
            reader,
            &shown,
            reference,
            ArchiveKind::Docker,
            None,
            opts,
            progress,
        );
        // Joining cannot fail short of a panic in the pump, which holds no logic that panics.
        let _ = pump.join();
        result.map(|mut image| {
            image.source = engine.kind();
            image
        })
    })
}

/// Streams the export of an image (a `docker save` tarball) again, for reading one file's
/// bytes back out of it: a thread owns the runtime and feeds the returned reader through a
/// bounded channel, and stops when the reader is dropped.
pub fn export_stream(engine: Engine, name: &str) -> Result<Box<dyn Read + Send>> {
    let host = endpoint(engine)?;
    let docker = connect(engine, &host)?.with_timeout(EXPORT_TIMEOUT);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Daemon(format!("cannot start the async runtime: {e}")))?;
    let docker = rt.block_on(async {
        docker
            .negotiate_version()
            .await
            .map_err(|e| unreachable(engine, &host, e))
    })?;
    let (tx, rx) =
        tokio::sync::mpsc::channel::<std::result::Result<bytes::Bytes, String>>(CHANNEL_CHUNKS);
    let name = name.to_string();
    std::thread::spawn(move || {
        rt.block_on(async {
            let mut stream = docker.export_image(&name);
            while let Some(chunk) = stream.next().await {
                let item = chunk.map_err(|e| format!("the export from {host} failed: {e}"));
                let stop = item.is_err();
                if tx.send(item).await.is_err() || stop {
                    break;
                }
            }
        })
    });
    Ok(Box::new(ChannelReader {
        rx,
        current: bytes::Bytes::new(),
    }))
}

async fn pull(
    docker: &Docker,
    engine: Engine,
    name: &str,
    platform: Option<&Platform>,
) -> Result<()> {
    let options = bollard::query_parameters::CreateImageOptions {
        from_image: Some(name.to_string()),
        platform: platform.map(|p| p.to_string()).unwrap_or_default(),
        ..Default::default()
    };
    let mut stream = docker.create_image(Some(options), None, None);
    while let Some(item) = stream.next().await {
        let info = item
            .map_err(|e| Error::Daemon(format!("`{} pull {name}` failed: {e}", engine.prefix())))?;
        if let Some(detail) = info.error_detail.and_then(|d| d.message) {
            return Err(Error::Daemon(format!(
                "`{} pull {name}` failed: {detail}",
                engine.prefix()
            )));
        }
    }
    Ok(())
}

/// Tells the layer count the daemon gave to a [`Progress`] (the archive scan cannot know it).
struct WithLayerCount<'a> {
    inner: &'a dyn Progress,
    total: Option<usize>,
}

impl Progress for WithLayerCount<'_> {
    fn total_bytes(&self, bytes: u64) {
        self.inner.total_bytes(bytes);
    }
    fn advance(&self, bytes: u64) {
        self.inner.advance(bytes);
    }
    fn layer_done(&self, done: usize, total: Option<usize>) {
        self.inner.layer_done(done, total.or(self.total));
    }
    fn layers_known(&self, config: &ImageConfig, layers: &[LayerPreview]) {
        self.inner.layers_known(config, layers);
    }
    fn layer_indexed(&self, index: usize, size: u64) {
        self.inner.layer_indexed(index, size);
    }
}

/// A blocking reader over the export's chunks, fed by the runtime thread.
struct ChannelReader {
    rx: tokio::sync::mpsc::Receiver<std::result::Result<bytes::Bytes, String>>,
    current: bytes::Bytes,
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.current.is_empty() {
            match self.rx.blocking_recv() {
                Some(Ok(b)) => self.current = b,
                Some(Err(e)) => return Err(io::Error::other(e)),
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current[..n]);
        let _ = self.current.split_to(n);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k: &str| pairs.iter().find(|(p, _)| p == k).map(|(_, v)| v.clone())
    }

    #[test]
    fn docker_host_then_context_then_default_socket() {
        let dir = tempfile::tempdir().unwrap();
        let none = env_of(&[]);
        assert_eq!(
            docker_endpoint(&none, Some(dir.path())).unwrap(),
            "unix:///var/run/docker.sock"
        );
        let with_host = env_of(&[("DOCKER_HOST", "tcp://10.0.0.1:2375")]);
        assert_eq!(
            docker_endpoint(&with_host, Some(dir.path())).unwrap(),
            "tcp://10.0.0.1:2375"
        );
        // A context named in config.json, its endpoint in contexts/meta/<sha256>/meta.json.
        std::fs::write(
            dir.path().join("config.json"),
            r#"{"currentContext":"remote"}"#,
        )
        .unwrap();
        let id = hex::encode(Sha256::digest(b"remote"));
        let meta = dir.path().join("contexts/meta").join(id);
        std::fs::create_dir_all(&meta).unwrap();
        std::fs::write(
            meta.join("meta.json"),
            r#"{"Name":"remote","Endpoints":{"docker":{"Host":"unix:///srv/docker.sock"}}}"#,
        )
        .unwrap();
        assert_eq!(
            docker_endpoint(&none, Some(dir.path())).unwrap(),
            "unix:///srv/docker.sock"
        );
        let missing = env_of(&[("DOCKER_CONTEXT", "gone")]);
        let err = docker_endpoint(&missing, Some(dir.path())).unwrap_err();
        assert!(err.to_string().contains("Docker context 'gone'"), "{err}");
        let default = env_of(&[("DOCKER_CONTEXT", "default")]);
        assert_eq!(
            docker_endpoint(&default, Some(dir.path())).unwrap(),
            "unix:///var/run/docker.sock"
        );
    }

    #[test]
    fn podman_socket_order() {
        assert_eq!(
            podman_endpoint(&env_of(&[("CONTAINER_HOST", "unix:///x.sock")])),
            "unix:///x.sock"
        );
        let dir = tempfile::tempdir().unwrap();
        let xdg = dir.path().to_str().unwrap();
        assert_eq!(
            podman_endpoint(&env_of(&[("XDG_RUNTIME_DIR", xdg)])),
            "unix:///run/podman/podman.sock"
        );
        std::fs::create_dir_all(dir.path().join("podman")).unwrap();
        std::fs::write(dir.path().join("podman/podman.sock"), b"").unwrap();
        assert_eq!(
            podman_endpoint(&env_of(&[("XDG_RUNTIME_DIR", xdg)])),
            format!("unix://{xdg}/podman/podman.sock")
        );
    }

    #[test]
    fn channel_reader_reassembles_chunks_and_reports_failure() {
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        tx.blocking_send(Ok(bytes::Bytes::from_static(b"hel")))
            .unwrap();
        tx.blocking_send(Ok(bytes::Bytes::from_static(b"lo")))
            .unwrap();
        tx.blocking_send(Err("daemon went away".into())).unwrap();
        drop(tx);
        let mut r = ChannelReader {
            rx,
            current: bytes::Bytes::new(),
        };
        let mut five = [0u8; 5];
        r.read_exact(&mut five).unwrap();
        assert_eq!(&five, b"hello");
        let err = r.read(&mut five).unwrap_err();
        assert_eq!(err.to_string(), "daemon went away");
    }
}
