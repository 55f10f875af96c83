//! Multi-stage builds: compilers, headers and `-dev` packages in the final image, and every
//! package only they need. For dpkg, apk and rpm the packages that go are the toolchain's and
//! whatever the toolchain alone depends on: the packages the user asked for (or the system
//! requires) keep their own dependencies, through Depends and Recommends, as `apt-get purge
//! --autoremove` would. Without apt's auto-installed marks, only the toolchain packages
//! themselves go. Toolchains installed outside a package manager (Go, Rust, a JDK, node-gyp)
//! go by their folders.

use super::{label::layer_label, Evidence, Finding, FindingKind, Practice, Severity};
use crate::analysis::packages::graph::Graph;
use crate::analysis::packages::Package;
use crate::index::pkgdb::Ecosystem;
use crate::units::{count, human_bytes};

/// Whether a system package is a build tool or headers, by name.
pub(super) fn is_toolchain(eco: Ecosystem, name: &str) -> bool {
    const DPKG: &[&str] = &[
        "build-essential",
        "make",
        "dpkg-dev",
        "binutils",
        "cmake",
        "autoconf",
        "automake",
        "libtool",
        "pkg-config",
        "pkgconf",
        "bison",
        "flex",
        "gfortran",
        "golang",
        "rustc",
        "cargo",
        "maven",
        "gradle",
        "node-gyp",
        "ninja-build",
        "meson",
        "libc-dev-bin",
    ];
    const PREFIXES: &[&str] = &[
        "gcc",
        "g++",
        "cpp",
        "clang",
        "llvm",
        "binutils-",
        "golang-",
        "openjdk-",
        "default-jdk",
        "gfortran-",
        "cython",
    ];
    const APK: &[&str] = &[
        "build-base",
        "gcc",
        "g++",
        "make",
        "musl-dev",
        "binutils",
        "cmake",
        "autoconf",
        "automake",
        "libtool",
        "pkgconf",
        "go",
        "rust",
        "cargo",
        "openjdk",
        "fortify-headers",
        "libc-dev",
    ];
    const RPM: &[&str] = &[
        "gcc",
        "gcc-c++",
        "cpp",
        "make",
        "binutils",
        "cmake",
        "autoconf",
        "automake",
        "libtool",
        "glibc-headers",
        "kernel-headers",
        "pkgconf",
        "golang",
        "rust",
        "cargo",
        "java-devel",
    ];
    match eco {
        // `gcc-12-base` (copyright files every libstdc++ needs) and the runtime libraries
        // are not the toolchain; a JRE is not a JDK.
        Ecosystem::Dpkg if name.ends_with("-base") => false,
        Ecosystem::Dpkg if name.starts_with("openjdk-") => name.contains("-jdk"),
        Ecosystem::Dpkg => {
            DPKG.contains(&name)
                || PREFIXES.iter().any(|p| name.starts_with(p))
                || name.ends_with("-dev")
        }
        Ecosystem::Apk => APK.contains(&name) || name.ends_with("-dev"),
        Ecosystem::Rpm => RPM.contains(&name) || name.ends_with("-devel"),
        // Build back ends a running program never imports.
        Ecosystem::Python => matches!(
            name.to_ascii_lowercase().as_str(),
            "cython"
                | "maturin"
                | "scikit-build"
                | "scikit-build-core"
                | "meson-python"
                | "meson"
                | "ninja"
                | "cmake"
                | "setuptools-rust"
                | "pybind11"
        ),
        Ecosystem::Npm => matches!(name, "node-gyp" | "node-pre-gyp" | "@mapbox/node-pre-gyp"),
    }
}

/// The distribution's packages of language installers (npm, pip): a build tool, unless the
/// image's command runs it (`npm start`).
fn is_installer(name: &str, command: &str) -> bool {
    let tool = match name {
        "npm" => "npm",
        "python3-pip" | "py3-pip" => "pip",
        _ => return false,
    };
    !command
        .split_whitespace()
        .any(|w| w.rsplit('/').next().is_some_and(|w| w.starts_with(tool)))
}

/// The image's entrypoint and command, as one line.
fn runs_with(image: &crate::image::Image) -> String {
    let c = &image.config;
    c.entrypoint
        .iter()
        .chain(&c.cmd)
        .cloned()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Folders of toolchains installed without a package manager.
const FOLDERS: &[&str] = &[
    "usr/include",
    "usr/local/include",
    "usr/local/go",
    "usr/lib/go",
    "usr/local/rustup/toolchains",
    "root/.rustup/toolchains",
    "root/.cache/node-gyp",
    "usr/lib/gcc",
    "usr/libexec/gcc",
];

/// The toolchain in the image: the packages that would go, and the files of toolchain folders
/// no package owns, as (layer, entry, bytes).
pub(super) struct Toolchain<'a> {
    /// Toolchain packages and what only they need, largest first.
    pub packages: Vec<&'a Package>,
    /// The named toolchain packages among them.
    pub roots: Vec<&'a Package>,
    pub loose_files: Vec<(usize, usize, u64)>,
}

/// What goes with the toolchain, across ecosystems.
pub(super) fn removable<'a>(ev: &'a Evidence) -> Toolchain<'a> {
    let mut packages: Vec<&Package> = Vec::new();
    let mut roots: Vec<&Package> = Vec::new();
    for eco in [Ecosystem::Dpkg, Ecosystem::Apk, Ecosystem::Rpm] {
        let g = Graph::new(ev.packages, eco);
        let runs = runs_with(ev.image);
        let tool: Vec<bool> = g
            .packages
            .iter()
            .map(|p| is_toolchain(eco, &p.name) || is_installer(&p.name, &runs))
            .collect();
        if !tool.iter().any(|&t| t) {
            continue;
        }
        let marks_known = g.packages.iter().all(|p| p.auto.is_some());
        // What stays: everything the user asked for, or the system requires, and its needs.
        let keep_roots = (0..g.packages.len()).filter(|&i| {
            let p = g.packages[i];
            !tool[i] && (!marks_known || p.auto == Some(false) || p.relations.required)
        });
        let kept = g.closure(keep_roots, true, &|i| tool[i]);
        let goes = g.closure((0..g.packages.len()).filter(|&i| tool[i]), true, &|i| {
            kept[i]
        });
        for (i, p) in g.packages.iter().enumerate() {
            if goes[i] && !kept[i] {
                packages.push(p);
                if tool[i] {
                    roots.push(p);
                }
            }
        }
    }
    for p in &ev.packages.packages {
        if matches!(p.ecosystem, Ecosystem::Python | Ecosystem::Npm)
            && is_toolchain(p.ecosystem, &p.name)
        {
            packages.push(p);
            roots.push(p);
        }
    }
    packages.sort_by_key(|p| std::cmp::Reverse(p.size_bytes));
    // What the user asked for by name first (npm, build-essential), then the largest.
    roots.sort_by_key(|p| (p.auto != Some(false), std::cmp::Reverse(p.size_bytes)));
    let tree = &ev.image.tree;
    let mut loose_files = Vec::new();
    for dir in FOLDERS {
        let Some(n) = tree.find(dir.as_bytes()) else {
            continue;
        };
        ev.view.files_below(tree, n, &mut |node, l, e, entry| {
            // Files a package owns go (or stay) with it.
            let unowned = ev.packages.owner_of(node).is_none();
            if unowned
                && !(ev.excludes && (ev.excluded)(&crate::index::path::escape(&tree.path(node))))
            {
                loose_files.push((l, e, entry.size));
            }
        });
    }
    Toolchain {
        packages,
        roots,
        loose_files,
    }
}

pub(super) fn add(ev: &Evidence, out: &mut Vec<Finding>) {
    let t = removable(ev);
    let base = ev.base.layers;
    // The base image's toolchain is the base finding's (a slimmer base has none).
    let pkgs: Vec<&Package> = t
        .packages
        .iter()
        .copied()
        .filter(|p| p.layer.is_none_or(|l| l >= base))
        .collect();
    let loose: Vec<(usize, usize, u64)> = t
        .loose_files
        .iter()
        .copied()
        .filter(|f| f.0 >= base)
        .collect();
    let total = pkgs
        .iter()
        .map(|p| p.size_bytes)
        .chain(loose.iter().map(|f| f.2))
        .fold(0u64, u64::saturating_add);
    if total == 0 {
        return;
    }
    let roots: Vec<&Package> = t
        .roots
        .iter()
        .copied()
        .filter(|p| p.layer.is_none_or(|l| l >= base))
        .collect();
    let layer = roots
        .first()
        .and_then(|p| p.layer)
        .or_else(|| loose.first().map(|f| f.0));
    let names: Vec<&str> = roots.iter().take(5).map(|p| p.name.as_str()).collect();
    let named = match roots.len() {
        0 => String::new(),
        n if n <= 5 => names.join(", "),
        n => format!("{} and {} more", names.join(", "), n - 5),
    };
    let deps = pkgs.len() - roots.len().min(pkgs.len());
    let what = match (named.is_empty(), deps) {
        (true, _) => "compilers and headers outside any package".to_string(),
        (false, 0) => named,
        (false, d) => format!(
            "{named}, with {} that only they need",
            count(d, "package", "packages")
        ),
    };
    let who = layer.map_or_else(|| "the image".to_string(), |l| layer_label(ev.image, l));
    out.push(Finding {
        layer,
        path: None,
        size_bytes: total,
        message: format!(
            "{who} installs a build toolchain that the running program does not need: {what} \
             ({})",
            human_bytes(total)
        ),
        fix: "build in a separate stage (FROM ... AS build) and COPY --from=build only what \
              runs (a virtualenv, node_modules, a binary) into a stage without compilers and \
              headers"
            .to_string(),
        claim: pkgs
            .iter()
            .flat_map(|p| p.instances())
            .chain(loose.iter().map(|f| (f.0, f.1)))
            .collect(),
        ..Finding::new(
            FindingKind::Toolchain,
            Severity::Warning,
            Practice::MultiStage,
        )
    });
}

#[cfg(test)]
mod tests {
    use super::is_toolchain;
    use crate::index::pkgdb::Ecosystem::{Apk, Dpkg, Python, Rpm};

    #[test]
    fn toolchains_by_name_but_not_their_runtime_libraries() {
        for name in [
            "gcc-12",
            "g++-12",
            "cpp-12",
            "libc6-dev",
            "build-essential",
            "openjdk-17-jdk",
        ] {
            assert!(is_toolchain(Dpkg, name), "{name}");
        }
        for name in [
            "libgcc-s1",
            "gcc-12-base",
            "libstdc++6",
            "openjdk-17-jre",
            "libc6",
            "python3",
        ] {
            assert!(!is_toolchain(Dpkg, name), "{name}");
        }
        assert!(is_toolchain(Apk, "build-base") && !is_toolchain(Apk, "libgcc"));
        assert!(is_toolchain(Rpm, "glibc-devel") && !is_toolchain(Rpm, "glibc"));
        assert!(is_toolchain(Python, "Cython") && !is_toolchain(Python, "numpy"));
        assert!(super::is_installer("npm", "node src/server.js"));
        assert!(!super::is_installer("npm", "npm start"));
        assert!(!super::is_installer("npm", "/usr/bin/npm run serve"));
        assert!(super::is_installer("python3-pip", "gunicorn app:app"));
    }
}
