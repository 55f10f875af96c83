//! Generated images with real-format package databases, for the advice tests: a Python service
//! built the naive way on a Debian-like base (dpkg status, `.list` files and apt's
//! `extended_states` as dpkg and apt write them; pip's dist-info), a Node service (npm's
//! `package.json`s and hidden lockfile), and an Alpine-like image (apk's `installed` and
//! `world`). Each states its layers, its history and its config.

use sha2::{Digest as _, Sha256};

use super::{bytes, layer_tar, F};

/// One history entry: `created_by`, a comment, and whether it made no layer.
pub struct Step {
    pub created_by: &'static str,
    pub comment: Option<&'static str>,
    pub empty: bool,
}

/// A layer-making step.
pub fn run(created_by: &'static str) -> Step {
    Step {
        created_by,
        comment: None,
        empty: false,
    }
}

/// A metadata step (ENV, CMD...): no layer.
pub fn meta(created_by: &'static str) -> Step {
    Step {
        created_by,
        comment: None,
        empty: true,
    }
}

/// `docker import`'s history entry: no command, a comment.
pub fn imported() -> Step {
    Step {
        created_by: "",
        comment: Some("Imported from -"),
        empty: false,
    }
}

fn hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

fn append(b: &mut tar::Builder<Vec<u8>>, name: &str, data: &[u8]) {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::Regular);
    h.set_size(data.len() as u64);
    h.set_mode(0o644);
    h.set_mtime(1_700_000_000);
    b.append_data(&mut h, name, data).unwrap();
}

/// A legacy `docker save` archive with the given history (one layer per non-empty step, in
/// order) and config `User`.
pub fn docker_save_with(layers: &[Vec<F>], history: &[Step], user: &str) -> Vec<u8> {
    assert_eq!(
        history.iter().filter(|s| !s.empty).count(),
        layers.len(),
        "one layer per non-empty step"
    );
    let tars: Vec<Vec<u8>> = layers.iter().map(|l| layer_tar(l)).collect();
    let diff_ids: Vec<String> = tars.iter().map(|t| format!("sha256:{}", hex(t))).collect();
    let history: Vec<serde_json::Value> = history
        .iter()
        .map(|s| {
            let mut h = serde_json::json!({ "created": "2026-11-30T10:00:00Z" });
            if !s.created_by.is_empty() {
                h["created_by"] = s.created_by.into();
            }
            if let Some(c) = s.comment {
                h["comment"] = c.into();
            }
            if s.empty {
                h["empty_layer"] = true.into();
            }
            h
        })
        .collect();
    let config = serde_json::to_vec(&serde_json::json!({
        "architecture": "amd64",
        "os": "linux",
        "config": { "Env": ["PATH=/usr/local/bin:/usr/bin:/bin"], "User": user },
        "rootfs": { "type": "layers", "diff_ids": diff_ids },
        "history": history,
    }))
    .unwrap();
    let config_name = format!("{}.json", hex(&config));
    let mut b = tar::Builder::new(Vec::new());
    let mut paths = Vec::new();
    for (i, t) in tars.iter().enumerate() {
        let p = format!(
            "{}/layer.tar",
            hex(format!("{i}{}", diff_ids[i]).as_bytes())
        );
        append(&mut b, &p, t);
        paths.push(p);
    }
    append(&mut b, &config_name, &config);
    let manifest = serde_json::json!([{
        "Config": config_name, "RepoTags": ["advice:latest"], "Layers": paths,
    }]);
    append(
        &mut b,
        "manifest.json",
        &serde_json::to_vec(&manifest).unwrap(),
    );
    b.into_inner().unwrap()
}

/// A dpkg status paragraph as dpkg writes it.
fn paragraph(name: &str, version: &str, extra: &str) -> String {
    format!(
        "Package: {name}\nStatus: install ok installed\nPriority: optional\nSection: misc\n\
         Installed-Size: 100\nMaintainer: Debian Maintainers <pkg@lists.debian.org>\n\
         Architecture: amd64\nVersion: {version}\n{extra}Description: {name}\n \
         A package of the fixture.\n"
    )
}

/// The base's packages (libc6 is required, base-files essential).
fn base_status() -> String {
    [
        "Package: base-files\nEssential: yes\nStatus: install ok installed\nPriority: required\n\
         Section: admin\nInstalled-Size: 340\nMaintainer: Santiago Vila <sanvila@debian.org>\n\
         Architecture: amd64\nVersion: 12.4+deb12u7\nDescription: Debian base system \
         miscellaneous files\n This package contains the basic filesystem hierarchy.\n"
            .to_string(),
        "Package: libc6\nStatus: install ok installed\nPriority: required\nSection: libs\n\
         Installed-Size: 12991\nMaintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>\n\
         Architecture: amd64\nMulti-Arch: same\nSource: glibc\nVersion: 2.36-9+deb12u9\n\
         Depends: libgcc-s1\nRecommends: libidn2-0 (>= 2.0.5~)\nDescription: GNU C Library: \
         Shared libraries\n Contains the standard libraries.\n"
            .to_string(),
    ]
    .join("\n")
}

/// The packages the naive `apt-get install -y python3 build-essential` adds.
fn installed_status() -> String {
    [
        base_status(),
        paragraph(
            "python3",
            "3.11.2-1+b1",
            "Depends: libpython3.11 (>= 3.11.2)\nRecommends: ca-certificates\n",
        ),
        paragraph(
            "libpython3.11",
            "3.11.2-6+deb12u5",
            "Depends: libc6 (>= 2.36)\n",
        ),
        paragraph(
            "build-essential",
            "12.9",
            "Depends: libc6-dev | libc-dev, gcc-12 (>= 12)\n",
        ),
        paragraph(
            "gcc-12",
            "12.2.0-14+deb12u1",
            "Provides: c-compiler\nDepends: libisl23 (>= 0.15), libc6 (>= 2.36)\n\
             Recommends: libc6-dev (>= 2.23-1~)\n",
        ),
        paragraph("libisl23", "0.25-1.1", "Depends: libc6 (>= 2.14)\n"),
        paragraph(
            "libc6-dev",
            "2.36-9+deb12u9",
            "Provides: libc-dev\nDepends: libc6 (= 2.36-9+deb12u9)\n",
        ),
        paragraph(
            "ca-certificates",
            "20230311",
            "Depends: openssl (>= 1.1.1)\n",
        ),
        paragraph("openssl", "3.0.15-1~deb12u1", "Depends: libc6 (>= 2.34)\n"),
    ]
    .join("\n")
}

const EXTENDED_STATES: &str = "Package: libpython3.11\nArchitecture: amd64\nAuto-Installed: 1\n\n\
Package: gcc-12\nArchitecture: amd64\nAuto-Installed: 1\n\n\
Package: libisl23\nArchitecture: amd64\nAuto-Installed: 1\n\n\
Package: libc6-dev\nArchitecture: amd64\nAuto-Installed: 1\n\n\
Package: ca-certificates\nArchitecture: all\nAuto-Installed: 1\n\n\
Package: openssl\nArchitecture: amd64\nAuto-Installed: 1\n";

fn list(paths: &[&str]) -> Vec<u8> {
    let mut s = String::from("/.\n");
    for p in paths {
        s.push_str(p);
        s.push('\n');
    }
    s.into_bytes()
}

/// Layer 0: the base, `docker import`ed. Usr-merged: `bin` is a symlink to `usr/bin`, and
/// libc6's list names `/lib/x86_64-linux-gnu/libc.so.6` through the `lib` symlink.
pub fn base_layer() -> Vec<F> {
    vec![
        F::Dir("usr/bin"),
        F::Dir("usr/lib/x86_64-linux-gnu"),
        F::Symlink("bin", "usr/bin"),
        F::Symlink("lib", "usr/lib"),
        F::File("usr/bin/sh", bytes(1000, 1)),
        F::File("usr/lib/x86_64-linux-gnu/libc.so.6", bytes(20_000, 2)),
        F::File(
            "etc/os-release",
            b"PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\n\
              VERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\nVERSION_CODENAME=bookworm\nID=debian\n"
                .to_vec(),
        ),
        F::File("usr/share/doc/base-files/copyright", bytes(1500, 3)),
        F::File("usr/share/doc/base-files/changelog.gz", bytes(3000, 4)),
        F::File("usr/share/locale/de/LC_MESSAGES/libc.mo", bytes(7000, 5)),
        F::File("var/lib/dpkg/status", base_status().into_bytes()),
        F::File(
            "var/lib/dpkg/info/base-files.list",
            list(&[
                "/usr/share/doc/base-files/copyright",
                "/usr/share/doc/base-files/changelog.gz",
                "/etc/os-release",
            ]),
        ),
        F::File(
            "var/lib/dpkg/info/libc6:amd64.list",
            list(&[
                "/lib/x86_64-linux-gnu/libc.so.6",
                "/usr/share/locale/de/LC_MESSAGES/libc.mo",
            ]),
        ),
    ]
}

/// The naive Python service: imported base; `apt-get update` alone; an install with
/// Recommends and a toolchain; `COPY . /app` of a context with `.git`, tests, bytecode, `.env`
/// and data; `pip install -r` after it; a later `rm`; a `chmod -R`; root.
pub fn python_naive() -> (Vec<Vec<F>>, Vec<Step>) {
    let layers = vec![
        base_layer(),
        // 1: apt-get update
        vec![
            F::File("var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4", bytes(9000, 10)),
            F::File("var/lib/apt/lists/lock", Vec::new()),
            F::Dir("var/lib/apt/lists/partial"),
            F::File("var/cache/apt/pkgcache.bin", bytes(3300, 9)),
        ],
        // 2: apt-get install -y python3 build-essential
        vec![
            F::File("usr/bin/python3.11", bytes(6000, 11)),
            F::File("usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0", bytes(8000, 12)),
            F::File("usr/share/doc/python3/changelog.Debian.gz", bytes(2000, 13)),
            F::File("usr/share/doc/python3/copyright", bytes(900, 14)),
            F::File("usr/share/man/man1/python3.11.1.gz", bytes(1100, 15)),
            F::File("usr/bin/x86_64-linux-gnu-gcc-12", bytes(30_000, 16)),
            F::File("usr/lib/gcc/x86_64-linux-gnu/12/cc1", bytes(50_000, 17)),
            F::File("usr/lib/x86_64-linux-gnu/libisl.so.23", bytes(4000, 18)),
            F::File("usr/include/stdio.h", bytes(3000, 19)),
            F::File("usr/share/build-essential/list", bytes(100, 20)),
            F::File("etc/ssl/certs/ca-certificates.crt", bytes(2500, 21)),
            F::File("usr/bin/openssl", bytes(1200, 22)),
            F::File("var/lib/dpkg/status", installed_status().into_bytes()),
            F::File("var/lib/apt/extended_states", EXTENDED_STATES.as_bytes().to_vec()),
            F::File(
                "var/lib/dpkg/info/python3.list",
                list(&["/usr/bin/python3.11", "/usr/share/doc/python3/changelog.Debian.gz", "/usr/share/doc/python3/copyright", "/usr/share/man/man1/python3.11.1.gz"]),
            ),
            F::File("var/lib/dpkg/info/libpython3.11:amd64.list", list(&["/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0"])),
            F::File("var/lib/dpkg/info/build-essential.list", list(&["/usr/share/build-essential/list"])),
            F::File("var/lib/dpkg/info/gcc-12.list", list(&["/usr/bin/x86_64-linux-gnu-gcc-12", "/usr/lib/gcc/x86_64-linux-gnu/12/cc1"])),
            F::File("var/lib/dpkg/info/libisl23:amd64.list", list(&["/usr/lib/x86_64-linux-gnu/libisl.so.23"])),
            F::File("var/lib/dpkg/info/libc6-dev:amd64.list", list(&["/usr/include/stdio.h"])),
            F::File("var/lib/dpkg/info/ca-certificates.list", list(&["/etc/ssl/certs/ca-certificates.crt"])),
            F::File("var/lib/dpkg/info/openssl.list", list(&["/bin/openssl"])),
            F::File("var/cache/apt/archives/gcc-12_12.2.0-14_amd64.deb", bytes(25_000, 23)),
            F::File("var/cache/apt/archives/lock", Vec::new()),
            F::File("var/cache/apt/pkgcache.bin", bytes(3400, 8)),
            F::Dir("var/cache/apt/archives/partial"),
        ],
        // 3: COPY . /app
        vec![
            F::Dir("app"),
            F::File("app/server.py", bytes(1200, 30)),
            F::File("app/requirements.txt", b"flask==3.0.0\n".to_vec()),
            F::File("app/.git/HEAD", b"ref: refs/heads/main\n".to_vec()),
            F::File("app/.git/objects/pack/pack-1.pack", bytes(5000, 31)),
            F::File("app/tests/test_server.py", bytes(700, 32)),
            F::File("app/__pycache__/server.cpython-311.pyc", bytes(900, 33)),
            F::File("app/.env", b"API_KEY=not-a-real-key\n".to_vec()),
            F::File("app/data/raw/events.csv", bytes(40_000, 34)),
        ],
        // 4: pip install -r /app/requirements.txt
        vec![
            F::File("usr/local/lib/python3.11/dist-packages/flask/__init__.py", bytes(3000, 40)),
            F::File("usr/local/lib/python3.11/dist-packages/flask-3.0.0.dist-info/METADATA", b"Metadata-Version: 2.1\nName: Flask\nVersion: 3.0.0\nSummary: A simple framework\n\nFlask is a lightweight WSGI web application framework.\n".to_vec()),
            F::File("usr/local/lib/python3.11/dist-packages/flask-3.0.0.dist-info/INSTALLER", b"pip\n".to_vec()),
            F::File("usr/local/lib/python3.11/dist-packages/flask-3.0.0.dist-info/REQUESTED", Vec::new()),
            F::File("usr/local/lib/python3.11/dist-packages/flask-3.0.0.dist-info/RECORD", b"../../../bin/flask,sha256=abc,220\nflask/__init__.py,sha256=def,3000\nflask-3.0.0.dist-info/INSTALLER,sha256=ghi,4\nflask-3.0.0.dist-info/METADATA,sha256=jkl,131\nflask-3.0.0.dist-info/RECORD,,\nflask-3.0.0.dist-info/REQUESTED,sha256=mno,0\n".to_vec()),
            F::File("usr/local/bin/flask", bytes(220, 41)),
            F::File("usr/local/lib/python3.11/dist-packages/werkzeug/serving.py", bytes(5000, 42)),
            F::File("usr/local/lib/python3.11/dist-packages/werkzeug-3.0.1.dist-info/INSTALLER", b"pip\n".to_vec()),
            F::File("usr/local/lib/python3.11/dist-packages/werkzeug-3.0.1.dist-info/RECORD", b"werkzeug/serving.py,sha256=x,5000\nwerkzeug-3.0.1.dist-info/RECORD,,\nwerkzeug-3.0.1.dist-info/INSTALLER,sha256=y,4\n".to_vec()),
            F::File("root/.cache/pip/http-v2/a/b/c", bytes(6000, 43)),
        ],
        // 5: rm -rf /app/data
        vec![F::Whiteout("app/data")],
        // 6: chmod -R 755 /app (the same bytes again)
        vec![
            F::Dir("app"),
            F::File("app/server.py", bytes(1200, 30)),
            F::File("app/requirements.txt", b"flask==3.0.0\n".to_vec()),
            F::File("app/.env", b"API_KEY=not-a-real-key\n".to_vec()),
        ],
    ];
    let history = vec![
        imported(),
        meta("/bin/sh -c #(nop)  ENV PYTHONUNBUFFERED=1"),
        run("/bin/sh -c apt-get update"),
        run("/bin/sh -c apt-get install -y python3 build-essential"),
        run("/bin/sh -c #(nop) COPY dir:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef in /app "),
        run("/bin/sh -c pip install --break-system-packages -r /app/requirements.txt"),
        run("/bin/sh -c rm -rf /app/data"),
        run("/bin/sh -c chmod -R 755 /app"),
        meta("/bin/sh -c #(nop)  CMD [\"python3\" \"/app/server.py\"]"),
    ];
    (layers, history)
}

/// The naive Node service: imported base, `COPY . /app` with a host `node_modules`, `npm
/// install` with devDependencies and npm's cache, root.
pub fn node_naive() -> (Vec<Vec<F>>, Vec<Step>) {
    let pkg = |name: &str, version: &str| {
        format!("{{\"name\": \"{name}\", \"version\": \"{version}\", \"main\": \"index.js\"}}")
            .into_bytes()
    };
    let lock = br#"{
  "name": "svc",
  "version": "1.0.0",
  "lockfileVersion": 3,
  "requires": true,
  "packages": {
    "node_modules/express": { "version": "4.21.2", "resolved": "https://registry.npmjs.org/express/-/express-4.21.2.tgz", "license": "MIT" },
    "node_modules/typescript": { "version": "5.7.2", "dev": true, "license": "Apache-2.0", "bin": { "tsc": "bin/tsc" } },
    "node_modules/typescript/node_modules/tslib": { "version": "2.8.1", "dev": true }
  }
}"#;
    let layers = vec![
        vec![
            F::File("usr/bin/node", bytes(9000, 50)),
            F::File("etc/os-release", b"ID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n".to_vec()),
        ],
        // 1: COPY . /app (package.json, the source, and the host's node_modules)
        vec![
            F::File("app/package.json", br#"{"name": "svc", "version": "1.0.0", "dependencies": {"express": "^4.21.2"}, "devDependencies": {"typescript": "^5.7.2"}}"#.to_vec()),
            F::File("app/server.js", bytes(800, 51)),
            F::File("app/node_modules/left-pad/package.json", pkg("left-pad", "1.3.0")),
            F::File("app/node_modules/left-pad/index.js", bytes(600, 52)),
        ],
        // 2: npm install
        vec![
            F::File("app/node_modules/.package-lock.json", lock.to_vec()),
            F::File("app/node_modules/express/package.json", pkg("express", "4.21.2")),
            F::File("app/node_modules/express/index.js", bytes(4000, 53)),
            F::File("app/node_modules/typescript/package.json", pkg("typescript", "5.7.2")),
            F::File("app/node_modules/typescript/lib/tsc.js", bytes(30_000, 54)),
            F::File("app/node_modules/typescript/node_modules/tslib/package.json", pkg("tslib", "2.8.1")),
            F::File("app/node_modules/typescript/node_modules/tslib/tslib.js", bytes(2000, 55)),
            F::File("root/.npm/_cacache/content-v2/sha512/ab/cd", bytes(7000, 56)),
        ],
        // 3: git clone of a vendored tool, .git left behind
        vec![
            F::File("opt/tool/run.sh", bytes(300, 57)),
            F::File("opt/tool/.git/HEAD", b"ref: refs/heads/main\n".to_vec()),
            F::File("opt/tool/.git/objects/pack/pack-2.pack", bytes(2700, 58)),
        ],
    ];
    let history = vec![
        imported(),
        run("COPY . /app # buildkit"),
        run("RUN /bin/sh -c npm install # buildkit"),
        run("RUN /bin/sh -c git clone https://example.com/tool.git /opt/tool # buildkit"),
    ];
    (layers, history)
}

/// An Alpine-like image: apk's database with a toolchain asked for by name.
pub fn alpine() -> (Vec<Vec<F>>, Vec<Step>) {
    let installed = "C:Q1abc=\nP:musl\nV:1.2.5-r0\nA:x86_64\nS:400000\nI:650000\nT:the musl c library\n\
U:https://musl.libc.org/\nL:MIT\no:musl\nm:Natanael Copa <ncopa@alpinelinux.org>\nt:1700000000\n\
c:abc\np:so:libc.musl-x86_64.so.1=1\nF:lib\nR:ld-musl-x86_64.so.1\na:0:0:755\nZ:Q1def=\n\n\
C:Q1ghi=\nP:gcc\nV:13.2.1_git20231014-r0\nA:x86_64\nS:30000000\nI:100000000\nT:The GNU Compiler Collection\n\
U:https://gcc.gnu.org\nL:GPL-3.0-or-later\no:gcc\nD:binutils so:libc.musl-x86_64.so.1\nF:usr/bin\nR:gcc\n\
F:usr/libexec/gcc/x86_64-alpine-linux-musl/13.2.1\nR:cc1\n\n\
C:Q1jkl=\nP:binutils\nV:2.41-r0\nA:x86_64\nS:5000000\nI:9000000\nT:Tools necessary to build programs\n\
D:so:libc.musl-x86_64.so.1\nF:usr/bin\nR:ld\n\n";
    let layers = vec![
        vec![
            F::File("lib/ld-musl-x86_64.so.1", bytes(6000, 60)),
            F::File("lib/apk/db/installed", installed.split("C:Q1ghi").next().unwrap().as_bytes().to_vec()),
            F::File("etc/apk/world", b"musl\n".to_vec()),
            F::File("etc/os-release", b"NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME=\"Alpine Linux v3.19\"\n".to_vec()),
        ],
        vec![
            F::File("usr/bin/gcc", bytes(9000, 61)),
            F::File("usr/libexec/gcc/x86_64-alpine-linux-musl/13.2.1/cc1", bytes(40_000, 62)),
            F::File("usr/bin/ld", bytes(3000, 63)),
            F::File("lib/apk/db/installed", installed.as_bytes().to_vec()),
            F::File("etc/apk/world", b"gcc\nmusl\n".to_vec()),
            F::File("var/cache/apk/APKINDEX.66df3e21.tar.gz", bytes(8000, 64)),
        ],
    ];
    let history = vec![imported(), run("/bin/sh -c apk add gcc")];
    (layers, history)
}

/// [`python_naive`] written as a `docker save` archive `py.tar` in `dir`.
pub fn write_python_naive(dir: &std::path::Path) -> std::path::PathBuf {
    let (layers, history) = python_naive();
    let path = dir.join("py.tar");
    std::fs::write(&path, docker_save_with(&layers, &history, "")).unwrap();
    path
}
