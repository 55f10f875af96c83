//! The generated images the waste, report and diff tests share: the classic mistakes and
//! their fixed twin, written as `docker save` tarballs.

use std::path::{Path, PathBuf};

use super::{bytes, docker_save, layerlens, F};

/// The classic mistakes, in a generated image:
/// 0 base file; 1 apt lists + a .deb; 2 pip cache; 3 a 5000-byte file; 4 deletes it;
/// 5 a build directory; 6 deletes the directory; 7 `.git` and the app.
pub fn wasteful() -> Vec<Vec<F>> {
    vec![
        vec![F::Dir("bin"), F::File("bin/sh", bytes(1000, 1))],
        vec![
            F::Dir("var/lib/apt/lists"),
            F::File("var/lib/apt/lists/deb_Packages", bytes(3000, 2)),
            F::File("var/lib/apt/lists/deb_InRelease", bytes(500, 3)),
            F::File("var/cache/apt/archives/curl.deb", bytes(700, 4)),
        ],
        vec![F::File("root/.cache/pip/http/a/b", bytes(1200, 5))],
        vec![F::Dir("data"), F::File("data/big.bin", bytes(5000, 6))],
        vec![F::Whiteout("data/big.bin")],
        vec![
            F::Dir("build"),
            F::File("build/a.o", bytes(800, 7)),
            F::File("build/obj/b.o", bytes(400, 8)),
        ],
        vec![F::Whiteout("build")],
        vec![
            F::Dir("app"),
            F::File("app/.git/HEAD", bytes(23, 9)),
            F::File("app/.git/objects/pack/p.pack", bytes(2000, 10)),
            F::File("app/main.py", bytes(300, 11)),
        ],
    ]
}

pub fn write(dir: &Path, name: &str, layers: &[Vec<F>]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, docker_save(layers)).unwrap();
    p
}

pub fn json(args: &[&str]) -> (i32, serde_json::Value) {
    let (code, out, err) = layerlens(args, None);
    assert!(err.is_empty(), "{err}");
    (code, serde_json::from_str(&out).unwrap())
}

/// The fixed twin of [`wasteful`]: apt cleaned in the same step, no pip cache, nothing
/// written to be deleted later, no `.git`.
pub fn fixed() -> Vec<Vec<F>> {
    vec![
        vec![F::Dir("bin"), F::File("bin/sh", bytes(1000, 1))],
        vec![F::Dir("var/lib/apt/lists")],
        vec![F::Dir("app"), F::File("app/main.py", bytes(320, 12))],
    ]
}
