//! A registry that misbehaves on purpose, written here as a small HTTP/1.1 server on loopback:
//! it redirects to plain HTTP off loopback, names a token service there, redirects a blob to
//! another host, trickles a blob a byte at a time, and sends a blob longer or shorter than its
//! descriptor. Each is one clear error line (exit 2) in bounded time, no request goes where it
//! must not, and credentials reach only the origin they were configured for.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::{IpAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::live::layerlens;
use common::{oci_layout_files, Comp, F};
use layerlens::source::{self, LoadOptions, NoProgress};

const LIMIT: Duration = Duration::from_secs(60);
/// base64 of `user:pass`.
const BASIC: &str = "Basic dXNlcjpwYXNz";

/// One image as a registry serves it: a single uncompressed layer holding 64 KiB.
struct TestImage {
    manifest: Vec<u8>,
    config: Vec<u8>,
    config_digest: String,
    layer: Vec<u8>,
    layer_digest: String,
}

/// Incompressible bytes, so a steady stream of them is really many reads.
fn noise(n: usize) -> Vec<u8> {
    let mut x = 0x1234_5678u32;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

/// The image, its manifest giving the layer's size plus `layer_size_delta` and the config's
/// plus `config_size_delta`.
fn image(layer_size_delta: i64, config_size_delta: i64) -> TestImage {
    let files = oci_layout_files(
        &[vec![F::File("data/blob.bin", noise(64 * 1024))]],
        Comp::None,
    );
    let blob = |digest: &str| {
        let hex = digest.strip_prefix("sha256:").unwrap();
        let path = format!("blobs/sha256/{hex}");
        files.iter().find(|(p, _)| *p == path).unwrap().1.clone()
    };
    let index: serde_json::Value =
        serde_json::from_slice(&files.iter().find(|(p, _)| p == "index.json").unwrap().1).unwrap();
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&blob(index["manifests"][0]["digest"].as_str().unwrap())).unwrap();
    let config_digest = manifest["config"]["digest"].as_str().unwrap().to_string();
    let layer_digest = manifest["layers"][0]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    let (config, layer) = (blob(&config_digest), blob(&layer_digest));
    manifest["layers"][0]["size"] = (layer.len() as i64 + layer_size_delta).into();
    manifest["config"]["size"] = (config.len() as i64 + config_size_delta).into();
    TestImage {
        manifest: serde_json::to_vec(&manifest).unwrap(),
        config,
        config_digest,
        layer,
        layer_digest,
    }
}

/// A request as the fake server saw it.
#[derive(Debug, Clone)]
struct Seen {
    path: String,
    authorization: Option<String>,
}

type Handler = dyn Fn(&Seen, &mut TcpStream) + Send + Sync;

/// A fake HTTP server: counts connections, records requests, answers each with `handler` on
/// its own thread (`Connection: close`), and stops when dropped.
struct Server {
    port: u16,
    connections: Arc<AtomicUsize>,
    seen: Arc<Mutex<Vec<Seen>>>,
    stop: Arc<AtomicBool>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

impl Server {
    fn start(
        bind: &str,
        handler: impl Fn(&Seen, &mut TcpStream) + Send + Sync + 'static,
    ) -> Server {
        let listener = TcpListener::bind(bind).unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let connections = Arc::new(AtomicUsize::new(0));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let handler: Arc<Handler> = Arc::new(handler);
        let (c, s, st) = (connections.clone(), seen.clone(), stop.clone());
        std::thread::spawn(move || {
            let deadline = Instant::now() + LIMIT;
            while !st.load(Ordering::SeqCst) && Instant::now() < deadline {
                match listener.accept() {
                    Ok((conn, _)) => {
                        c.fetch_add(1, Ordering::SeqCst);
                        let (s, h, st) = (s.clone(), handler.clone(), st.clone());
                        std::thread::spawn(move || answer(conn, &s, &*h, &st));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Server {
            port,
            connections,
            seen,
            stop,
        }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

fn answer(mut conn: TcpStream, seen: &Mutex<Vec<Seen>>, handler: &Handler, stop: &AtomicBool) {
    let _ = conn.set_nonblocking(false);
    let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut line = String::new();
    // A TLS hello (the client tries HTTPS first on a loopback registry) is no request line.
    if reader.read_line(&mut line).is_err() || !line.starts_with("GET ") {
        return;
    }
    let path = line.split(' ').nth(1).unwrap_or("").to_string();
    let mut authorization = None;
    loop {
        let mut h = String::new();
        match reader.read_line(&mut h) {
            Ok(0) | Err(_) => return,
            Ok(_) if h == "\r\n" => break,
            Ok(_) => {
                if let Some((k, v)) = h.split_once(':') {
                    if k.eq_ignore_ascii_case("authorization") {
                        authorization = Some(v.trim().to_string());
                    }
                }
            }
        }
    }
    let request = Seen {
        path,
        authorization,
    };
    seen.lock().unwrap().push(request.clone());
    if !stop.load(Ordering::SeqCst) {
        handler(&request, &mut conn);
    }
}

fn respond(conn: &mut TcpStream, status: &str, headers: &[(&str, &str)], body: &[u8]) {
    let mut head = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = conn.write_all(head.as_bytes());
    let _ = conn.write_all(body);
    let _ = conn.flush();
}

fn redirect(conn: &mut TcpStream, location: &str) {
    respond(
        conn,
        "307 Temporary Redirect",
        &[("Location", location)],
        b"",
    );
}

/// The ordinary answers of a registry serving `img` as `fake/app:1`.
fn serve_image(img: &TestImage, path: &str, conn: &mut TcpStream) {
    let body: &[u8] = if path == "/v2/" {
        b"{}"
    } else if path == "/v2/fake/app/manifests/1" {
        &img.manifest
    } else if path.ends_with(&img.config_digest) {
        &img.config
    } else if path.ends_with(&img.layer_digest) {
        &img.layer
    } else {
        return respond(conn, "404 Not Found", &[], b"");
    };
    respond(conn, "200 OK", &[], body);
}

/// An address of this machine that is not loopback (the one it would reach 192.0.2.1 from),
/// so a server there sees what a host off loopback would be sent. `None` when there is none.
fn outside_ip() -> Option<IpAddr> {
    let s = UdpSocket::bind("0.0.0.0:0").ok()?;
    s.connect("192.0.2.1:9").ok()?;
    let ip = s.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

/// A host off loopback and a server there (on every interface) that must never be reached;
/// without such an interface, TEST-NET's 192.0.2.1 with a server that nothing can reach.
fn off_loopback() -> (String, Server) {
    let trap = Server::start("0.0.0.0:0", |_, conn| respond(conn, "200 OK", &[], b"{}"));
    let host = match outside_ip() {
        Some(ip) => format!("{ip}:{}", trap.port),
        None => format!("192.0.2.1:{}", trap.port),
    };
    (host, trap)
}

/// A temporary auth file with `user:pass` for `registry`, and a Docker config with nothing.
struct AuthFile {
    dir: tempfile::TempDir,
}

impl AuthFile {
    fn for_registry(registry: &str) -> AuthFile {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("auth.json"),
            format!(r#"{{"auths":{{"{registry}":{{"auth":"dXNlcjpwYXNz"}}}}}}"#),
        )
        .unwrap();
        AuthFile { dir }
    }

    fn env(&self) -> Vec<(String, String)> {
        let d = self.dir.path();
        vec![
            (
                "REGISTRY_AUTH_FILE".into(),
                d.join("auth.json").display().to_string(),
            ),
            ("DOCKER_CONFIG".into(), d.display().to_string()),
        ]
    }
}

fn run(args: &[&str], env: &[(String, String)]) -> common::live::Outcome {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    layerlens(args, &env, LIMIT)
}

fn no_credentials() -> (tempfile::TempDir, Vec<(String, String)>) {
    let empty = tempfile::tempdir().unwrap();
    let env = vec![
        ("REGISTRY_AUTH_FILE".into(), String::new()),
        ("DOCKER_CONFIG".into(), empty.path().display().to_string()),
    ];
    (empty, env)
}

fn load_err(reference: &str, opts: &LoadOptions) -> String {
    match source::load(reference, None, opts, &NoProgress) {
        Ok(_) => panic!("{reference} loaded but should have failed"),
        Err(e) => e.to_string(),
    }
}

const PLAIN_HTTP: &str = "is plain HTTP and not on loopback (plain HTTP is allowed only to \
                          localhost, 127.0.0.0/8 and ::1, or with --insecure)";

#[test]
fn a_redirect_to_plain_http_off_loopback_is_refused_before_connecting() {
    let img = Arc::new(image(0, 0));
    let (outside, trap) = off_loopback();
    let layer = img.layer_digest.clone();
    let target = format!("http://{outside}/v2/fake/app/blobs/{layer}");
    let i = img.clone();
    let reg = Server::start("127.0.0.1:0", move |req, conn| {
        if req.path.ends_with(&i.layer_digest) {
            redirect(conn, &target);
        } else {
            serve_image(&i, &req.path, conn);
        }
    });
    let (_empty, env) = no_credentials();
    let out = run(
        &[&format!("registry://127.0.0.1:{}/fake/app:1", reg.port)],
        &env,
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_eq!(
        out.stderr,
        format!(
            "layerlens: error: registry 127.0.0.1:{} redirected layer {layer}; refused: \
             {outside} {PLAIN_HTTP}\n",
            reg.port
        )
    );
    assert_eq!(trap.connections.load(Ordering::SeqCst), 0);
    assert!(out.elapsed < Duration::from_secs(10), "{:?}", out.elapsed);

    // The manifest too, to TEST-NET (nothing is connected to, so this is fast), and a
    // redirect that never ends.
    let i = img.clone();
    let reg = Server::start("127.0.0.1:0", move |req, conn| {
        if req.path.contains("/manifests/") {
            redirect(conn, "http://192.0.2.1:5000/v2/fake/app/manifests/1");
        } else {
            serve_image(&i, &req.path, conn);
        }
    });
    let start = Instant::now();
    let err = load_err(
        &format!("registry://127.0.0.1:{}/fake/app:1", reg.port),
        &LoadOptions::default(),
    );
    assert_eq!(
        err,
        format!(
            "registry 127.0.0.1:{} redirected manifest 1; refused: 192.0.2.1:5000 {PLAIN_HTTP}",
            reg.port
        )
    );
    assert!(start.elapsed() < Duration::from_secs(5));
    let loops = Server::start("127.0.0.1:0", move |req, conn| {
        if req.path.contains("/manifests/") {
            redirect(conn, &req.path);
        } else {
            serve_image(&img, &req.path, conn);
        }
    });
    let err = load_err(
        &format!("registry://127.0.0.1:{}/fake/app:1", loops.port),
        &LoadOptions::default(),
    );
    assert_eq!(
        err,
        format!(
            "registry 127.0.0.1:{} redirected manifest 1 more than 10 times; refused",
            loops.port
        )
    );
    // The first request and ten redirects, then no more.
    let manifests = loops
        .seen()
        .iter()
        .filter(|s| s.path.contains("/manifests/"))
        .count();
    assert_eq!(manifests, 11);
}

#[test]
fn a_token_service_on_plain_http_off_loopback_is_sent_no_credentials() {
    let (outside, trap) = off_loopback();
    let challenge = format!(
        r#"Bearer realm="http://{outside}/token",service="fake",scope="repository:fake/app:pull""#
    );
    let reg = Server::start("127.0.0.1:0", move |_, conn| {
        respond(
            conn,
            "401 Unauthorized",
            &[("WWW-Authenticate", &challenge)],
            b"",
        );
    });
    let registry = format!("127.0.0.1:{}", reg.port);
    let auth = AuthFile::for_registry(&registry);
    let out = run(&[&format!("registry://{registry}/fake/app:1")], &auth.env());
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_eq!(
        out.stderr,
        format!(
            "layerlens: error: registry {registry} names a token service layerlens will not \
             ask, and no credentials were sent: {outside} {PLAIN_HTTP}\n"
        )
    );
    assert_eq!(trap.connections.load(Ordering::SeqCst), 0);
    let seen = reg.seen();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert!(seen.iter().all(|s| s.authorization.is_none()), "{seen:?}");
    assert!(out.elapsed < Duration::from_secs(10), "{:?}", out.elapsed);
}

#[test]
fn credentials_stay_with_their_origin_across_redirects() {
    let img = Arc::new(image(0, 0));
    // A "CDN" on another loopback port: it serves the layer to anyone.
    let i = img.clone();
    let cdn = Server::start("127.0.0.1:0", move |req, conn| {
        if req.path == format!("/cdn/{}", i.layer_digest) {
            respond(conn, "200 OK", &[], &i.layer);
        } else {
            respond(conn, "404 Not Found", &[], b"");
        }
    });
    let cdn_url = format!("http://127.0.0.1:{}/cdn/{}", cdn.port, img.layer_digest);
    // The registry wants Basic credentials; it sends the layer to the CDN and the config to
    // another of its own paths (which wants the credentials too).
    let i = img.clone();
    let reg = Server::start("127.0.0.1:0", move |req, conn| {
        if req.authorization.as_deref() != Some(BASIC) {
            let challenge = [("WWW-Authenticate", r#"Basic realm="fake""#)];
            return respond(conn, "401 Unauthorized", &challenge, b"");
        }
        if req.path.ends_with(&i.layer_digest) {
            redirect(conn, &cdn_url);
        } else if req.path.starts_with("/v2/fake/app/blobs/") {
            redirect(conn, &format!("/moved/{}", i.config_digest));
        } else if req.path.starts_with("/moved/") {
            respond(conn, "200 OK", &[], &i.config);
        } else {
            serve_image(&i, &req.path, conn);
        }
    });
    let registry = format!("127.0.0.1:{}", reg.port);
    let auth = AuthFile::for_registry(&registry);
    let out = run(
        &["--json", "-", &format!("registry://{registry}/fake/app:1")],
        &auth.env(),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["layer"][0]["blobDigest"], img.layer_digest.as_str());
    assert_eq!(json["image"]["sizeBytes"], 64 * 1024);
    // The CDN (127.0.0.1 too, but another port: another origin) got the layer request
    // without the credentials.
    let cdn_seen = cdn.seen();
    assert_eq!(cdn_seen.len(), 1, "{cdn_seen:?}");
    assert_eq!(cdn_seen[0].authorization, None);
    // The registry's own redirect kept them.
    let moved: Vec<_> = reg
        .seen()
        .into_iter()
        .filter(|s| s.path.starts_with("/moved/"))
        .collect();
    assert_eq!(moved.len(), 1, "{moved:?}");
    assert_eq!(moved[0].authorization.as_deref(), Some(BASIC));
}

/// Sends the headers of `body`, then its bytes `chunk` at a time, `pause` apart.
fn trickle(conn: &mut TcpStream, body: &[u8], chunk: usize, pause: Duration) {
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    if conn.write_all(head.as_bytes()).is_err() {
        return;
    }
    for part in body.chunks(chunk) {
        if conn.write_all(part).and_then(|()| conn.flush()).is_err() {
            return;
        }
        std::thread::sleep(pause);
    }
}

#[test]
fn a_trickling_registry_stalls_and_a_slow_steady_one_does_not() {
    let img = Arc::new(image(0, 0));
    let i = img.clone();
    // One byte a second: each read gets something, so only progress can tell.
    let reg = Server::start("127.0.0.1:0", move |req, conn| {
        if req.path.ends_with(&i.layer_digest) {
            trickle(conn, &i.layer, 1, Duration::from_secs(1));
        } else {
            serve_image(&i, &req.path, conn);
        }
    });
    let (_empty, env) = no_credentials();
    let out = run(
        &[
            "--registry-stall-timeout",
            "2",
            &format!("registry://127.0.0.1:{}/fake/app:1", reg.port),
        ],
        &env,
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    let want = format!(
        "layerlens: error: registry 127.0.0.1:{} stalled sending layer {}: less than 1024 \
         bytes arrived in 2 s (after ",
        reg.port, img.layer_digest
    );
    assert!(out.stderr.starts_with(&want), "{}", out.stderr);
    assert!(
        out.stderr.ends_with(
            " bytes); try again, or allow a slower registry with --registry-stall-timeout\n"
        ),
        "{}",
        out.stderr
    );
    assert_eq!(out.stderr.lines().count(), 1);
    assert!(out.elapsed < Duration::from_secs(10), "{:?}", out.elapsed);

    // The manifest, trickled; and a registry that sends no answer at all.
    let opts = LoadOptions {
        registry_stall_timeout: Some(Duration::from_secs(1)),
        ..LoadOptions::default()
    };
    let i = img.clone();
    let slow = Server::start("127.0.0.1:0", move |req, conn| {
        if req.path.contains("/manifests/") {
            trickle(conn, &i.manifest, 1, Duration::from_millis(400));
        } else {
            serve_image(&i, &req.path, conn);
        }
    });
    let err = load_err(
        &format!("registry://127.0.0.1:{}/fake/app:1", slow.port),
        &opts,
    );
    assert!(
        err.starts_with(&format!(
            "registry 127.0.0.1:{} stalled sending manifest 1: less than 1024 bytes arrived \
             in 1 s",
            slow.port
        )),
        "{err}"
    );
    let i = img.clone();
    let silent = Server::start("127.0.0.1:0", move |req, conn| {
        if req.path.ends_with(&i.config_digest) {
            std::thread::sleep(Duration::from_secs(5));
        } else {
            serve_image(&i, &req.path, conn);
        }
    });
    let start = Instant::now();
    let err = load_err(
        &format!("registry://127.0.0.1:{}/fake/app:1", silent.port),
        &opts,
    );
    assert_eq!(
        err,
        format!(
            "registry 127.0.0.1:{} stalled: no answer for config {} in 1 s; try again, or \
             allow a slower registry with --registry-stall-timeout",
            silent.port, img.config_digest
        )
    );
    assert!(
        start.elapsed() < Duration::from_secs(4),
        "{:?}",
        start.elapsed()
    );

    // 8 KiB every 300 ms: the layer takes over twice the stall timeout, and loads.
    let i = img.clone();
    let steady = Server::start("127.0.0.1:0", move |req, conn| {
        if req.path.ends_with(&i.layer_digest) {
            trickle(conn, &i.layer, 8 * 1024, Duration::from_millis(300));
        } else {
            serve_image(&i, &req.path, conn);
        }
    });
    let start = Instant::now();
    let image = source::load(
        &format!("registry://127.0.0.1:{}/fake/app:1", steady.port),
        None,
        &opts,
        &NoProgress,
    )
    .unwrap();
    assert!(
        start.elapsed() > Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(image.layers[0].blob_digest.as_str(), img.layer_digest);
}

#[test]
fn blobs_longer_or_shorter_than_their_descriptor() {
    // Longer: the manifest says 100 bytes less than the registry sends.
    let img = Arc::new(image(-100, 0));
    let declared = img.layer.len() - 100;
    let i = img.clone();
    let reg = Server::start("127.0.0.1:0", move |req, conn| {
        serve_image(&i, &req.path, conn)
    });
    let (_empty, env) = no_credentials();
    let out = run(
        &[&format!("registry://127.0.0.1:{}/fake/app:1", reg.port)],
        &env,
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_eq!(
        out.stderr,
        format!(
            "layerlens: error: layer blob {} from registry 127.0.0.1:{} is larger than its \
             descriptor's {declared} bytes\n",
            img.layer_digest, reg.port
        )
    );

    // Shorter: the manifest says 100 bytes more; the registry ends cleanly where it ends.
    let img = Arc::new(image(100, 0));
    let i = img.clone();
    let reg = Server::start("127.0.0.1:0", move |req, conn| {
        serve_image(&i, &req.path, conn)
    });
    let err = load_err(
        &format!("registry://127.0.0.1:{}/fake/app:1", reg.port),
        &LoadOptions::default(),
    );
    assert_eq!(
        err,
        format!(
            "layer blob {} from registry 127.0.0.1:{} ended at byte {} of its descriptor's {}",
            img.layer_digest,
            reg.port,
            img.layer.len(),
            img.layer.len() + 100
        )
    );

    // The config, one byte longer than its descriptor.
    let img = Arc::new(image(0, -1));
    let i = img.clone();
    let reg = Server::start("127.0.0.1:0", move |req, conn| {
        serve_image(&i, &req.path, conn)
    });
    let err = load_err(
        &format!("registry://127.0.0.1:{}/fake/app:1", reg.port),
        &LoadOptions::default(),
    );
    assert_eq!(
        err,
        format!(
            "config {} from registry 127.0.0.1:{} is larger than its descriptor's {} bytes",
            img.config_digest,
            reg.port,
            img.config.len() - 1
        )
    );
}
