//! A tiny fake registry on 127.0.0.1 for what the Debian registry will not produce on demand: a
//! layer whose connection drops half-way, a layer whose bytes do not match the digest the
//! manifest names, and Bearer token authentication (a token service beside the registry). It serves one image, answers each request on its own connection
//! (`Connection: close`), and stops when dropped or after a minute, whichever comes first.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sha2::{Digest as _, Sha256};

/// How the layer blob misbehaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fake {
    /// Sends the full Content-Length header, half the bytes, then closes.
    DropMidLayer,
    /// The manifest names a digest the served bytes do not hash to.
    WrongDigest,
    /// Every registry request needs `Authorization: Bearer <token>`; the token comes from
    /// `/token` (named in the 401's `WWW-Authenticate` challenge), which asks for Basic
    /// credentials `user:pass` when `credentials` is set and gives anyone a token otherwise.
    Token { credentials: bool },
    /// The layer is served whole once; every later download of it sends the headers and a
    /// few bytes, then nothing (for 20 s): a stall when a file is read after loading.
    StallAfterFirstLayer,
}

/// The token the fake token service hands out.
pub const FAKE_TOKEN: &str = "fake-token-7f3a";
/// The credentials the fake token service accepts, base64 of `user:pass`.
const FAKE_BASIC: &str = "dXNlcjpwYXNz";

pub struct FakeRegistry {
    pub addr: String,
    /// The digest the manifest names for the layer.
    pub layer_digest: String,
    pub layer_size: usize,
    stop: Arc<AtomicBool>,
}

impl Drop for FakeRegistry {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn sha(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

fn layer() -> (Vec<u8>, Vec<u8>) {
    let mut b = tar::Builder::new(Vec::new());
    // Incompressible content, large enough that half of it is many reads.
    let mut data = vec![0u8; 256 * 1024];
    let mut x = 0x1234_5678u32;
    for byte in &mut data {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        *byte = x as u8;
    }
    let mut h = tar::Header::new_gnu();
    h.set_size(data.len() as u64);
    h.set_mode(0o644);
    b.append_data(&mut h, "data/blob.bin", &data[..]).unwrap();
    let plain = b.into_inner().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&plain).unwrap();
    (plain, gz.finish().unwrap())
}

impl FakeRegistry {
    pub fn start(fault: Fake) -> FakeRegistry {
        let (plain, blob) = layer();
        let config = format!(
            r#"{{"architecture":"amd64","os":"linux","rootfs":{{"type":"layers","diff_ids":["{}"]}},"history":[{{"created_by":"fake layer"}}]}}"#,
            sha(&plain)
        );
        let layer_digest = match fault {
            Fake::WrongDigest => sha(b"not the layer"),
            _ => sha(&blob),
        };
        let manifest = format!(
            r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{}","size":{}}},"layers":[{{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"{}","size":{}}}]}}"#,
            sha(config.as_bytes()),
            config.len(),
            layer_digest,
            blob.len()
        );
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let stop = Arc::new(AtomicBool::new(false));
        let server = Server {
            addr: addr.clone(),
            manifest,
            config_digest: sha(config.as_bytes()),
            config,
            layer_digest: layer_digest.clone(),
            blob: blob.clone(),
            fault,
            layer_fetches: Default::default(),
        };
        let stop_flag = stop.clone();
        std::thread::spawn(move || {
            let server = Arc::new(server);
            let deadline = Instant::now() + Duration::from_secs(60);
            while !stop_flag.load(Ordering::SeqCst) && Instant::now() < deadline {
                match listener.accept() {
                    Ok((conn, _)) => {
                        let s = server.clone();
                        std::thread::spawn(move || s.answer(conn));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        FakeRegistry {
            addr,
            layer_digest,
            layer_size: blob.len(),
            stop,
        }
    }
}

struct Server {
    addr: String,
    manifest: String,
    config: String,
    config_digest: String,
    layer_digest: String,
    blob: Vec<u8>,
    fault: Fake,
    layer_fetches: std::sync::atomic::AtomicUsize,
}

impl Server {
    fn answer(&self, conn: TcpStream) {
        let _ = conn.set_nonblocking(false);
        let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
        let mut reader = BufReader::new(&conn);
        let mut request_line = String::new();
        // A TLS hello (the client tries HTTPS first) is not a request line: just close.
        if reader.read_line(&mut request_line).is_err() || !request_line.starts_with("GET ") {
            return;
        }
        let mut authorization = String::new();
        loop {
            let mut line = String::new();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) if line == "\r\n" => break,
                Ok(_) => {
                    if let Some((k, v)) = line.split_once(':') {
                        if k.eq_ignore_ascii_case("authorization") {
                            authorization = v.trim().to_string();
                        }
                    }
                }
            }
        }
        let path = request_line.split(' ').nth(1).unwrap_or("");
        let mut conn = &conn;
        let respond = |conn: &mut &TcpStream, ctype: &str, body: &[u8], send: usize| {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n\
                 Connection: close\r\n\r\n",
                body.len()
            );
            let _ = conn.write_all(head.as_bytes());
            let _ = conn.write_all(&body[..send]);
            let _ = conn.flush();
        };
        if let Fake::Token { credentials } = self.fault {
            let status = |conn: &mut &TcpStream, head: &str| {
                let _ = conn.write_all(
                    format!("HTTP/1.1 {head}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                        .as_bytes(),
                );
            };
            if path.starts_with("/token?") {
                let basic_ok = authorization == format!("Basic {FAKE_BASIC}");
                if (credentials && !basic_ok) || !path.contains("scope=repository") {
                    status(&mut conn, "401 Unauthorized");
                } else {
                    let body = format!(r#"{{"token":"{FAKE_TOKEN}","expires_in":300}}"#);
                    respond(&mut conn, "application/json", body.as_bytes(), body.len());
                }
                return;
            }
            if authorization != format!("Bearer {FAKE_TOKEN}") {
                let challenge = format!(
                    "401 Unauthorized\r\nWWW-Authenticate: Bearer realm=\"http://{}/token\",\
                     service=\"fake\",scope=\"repository:fake/app:pull\"",
                    self.addr
                );
                status(&mut conn, &challenge);
                return;
            }
        }
        if path == "/v2/" {
            respond(&mut conn, "application/json", b"{}", 2);
        } else if path.contains("/manifests/") {
            let m = self.manifest.as_bytes();
            respond(
                &mut conn,
                "application/vnd.oci.image.manifest.v1+json",
                m,
                m.len(),
            );
        } else if path.ends_with(&format!("/blobs/{}", self.config_digest)) {
            let c = self.config.as_bytes();
            respond(&mut conn, "application/octet-stream", c, c.len());
        } else if path.ends_with(&format!("/blobs/{}", self.layer_digest)) {
            let earlier = self.layer_fetches.fetch_add(1, Ordering::SeqCst);
            let send = match self.fault {
                Fake::DropMidLayer => self.blob.len() / 2,
                Fake::StallAfterFirstLayer if earlier > 0 => 100,
                _ => self.blob.len(),
            };
            respond(&mut conn, "application/octet-stream", &self.blob, send);
            if self.fault == Fake::StallAfterFirstLayer && earlier > 0 {
                std::thread::sleep(Duration::from_secs(20));
            }
        } else {
            let _ = conn.write_all(
                b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
        }
    }
}
