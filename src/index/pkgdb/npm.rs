//! npm's records: a package's `package.json`, and the lockfiles that list what is installed
//! under `node_modules` (`node_modules/.package-lock.json`, the "hidden lockfile" npm 7+
//! writes, and `package-lock.json` versions 2 and 3).
//!
//! Fields of an unexpected type are read as absent (real `package.json` files in the wild
//! hold arrays where objects belong, numbers for versions...); only a document that is not a
//! JSON object, or not JSON at all, is an error. Nothing is read recursively: values layerlens
//! does not keep are skipped by serde_json's iterative skipper, however deep they nest.

use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use super::PkgDbError;

const PACKAGE_JSON: &str = "package.json";
const LOCKFILE: &str = "package-lock.json";

/// What layerlens keeps of a `package.json`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NpmManifest {
    pub name: Option<String>,
    pub version: Option<String>,
    /// The names in `dependencies`, in the file's order; likewise for the others.
    pub dependencies: Vec<String>,
    pub dev_dependencies: Vec<String>,
    pub optional_dependencies: Vec<String>,
    pub peer_dependencies: Vec<String>,
}

/// One installed package from a lockfile's `packages` map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockEntry {
    /// The key as written, relative to the directory holding `node_modules`:
    /// `node_modules/a/node_modules/b`, or a workspace folder (`packages/ui`).
    pub path: String,
    /// Written only when the package's name differs from its folder (aliases, links).
    pub name: Option<String>,
    pub version: Option<String>,
    /// Needed only by devDependencies.
    pub dev: bool,
    /// Needed only by optionalDependencies.
    pub optional: bool,
    /// Needed only by dev dependencies that are optional, or by both kinds.
    pub dev_optional: bool,
    /// A symlink to a folder elsewhere (a workspace), not a package of its own.
    pub link: bool,
}

/// Parses a `package.json`.
pub fn parse_package_json(bytes: &[u8]) -> Result<NpmManifest, PkgDbError> {
    let raw: RawManifest = parse_object(PACKAGE_JSON, bytes)?;
    Ok(NpmManifest {
        name: raw.name.string(),
        version: raw.version.string(),
        dependencies: raw.dependencies.keys(),
        dev_dependencies: raw.dev_dependencies.keys(),
        optional_dependencies: raw.optional_dependencies.keys(),
        peer_dependencies: raw.peer_dependencies.keys(),
    })
}

/// Parses `node_modules/.package-lock.json` or a `package-lock.json` of lockfileVersion 2
/// or 3. The root entry (`""`, the application itself) is left out. A version 1 lockfile
/// (npm 6 and older), which has no `packages` map, is an error saying so.
pub fn parse_lockfile(bytes: &[u8]) -> Result<Vec<LockEntry>, PkgDbError> {
    let raw: RawLockfile = parse_object(LOCKFILE, bytes)?;
    let Some(packages) = raw.packages else {
        let version = match raw.lockfile_version {
            Lenient::Num(v) => v.to_string(),
            _ => "missing".to_string(),
        };
        return Err(PkgDbError::malformed(
            LOCKFILE,
            format!(
                "no 'packages' map (lockfileVersion {version}); only the lockfiles of npm 7 \
                 and newer are read"
            ),
        ));
    };
    Ok(packages
        .0
        .into_iter()
        .filter(|(path, _)| !path.is_empty())
        .map(|(path, p)| LockEntry {
            path,
            name: p.name.string(),
            version: p.version.string(),
            dev: p.dev.is_true(),
            optional: p.optional.is_true(),
            dev_optional: p.dev_optional.is_true(),
            link: p.link.is_true(),
        })
        .collect())
}

fn parse_object<'a, T: Deserialize<'a>>(
    db: &'static str,
    bytes: &'a [u8],
) -> Result<T, PkgDbError> {
    // serde would read a struct from a JSON array too; npm would not.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(PkgDbError::malformed(db, "not a JSON object"));
    }
    serde_json::from_slice(bytes).map_err(|e| {
        let what = match e.classify() {
            serde_json::error::Category::Data => format!("unexpected content: {e}"),
            _ => format!("not valid JSON: {e}"),
        };
        PkgDbError::malformed(db, what)
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawManifest {
    name: Lenient,
    version: Lenient,
    dependencies: Lenient,
    #[serde(rename = "devDependencies")]
    dev_dependencies: Lenient,
    #[serde(rename = "optionalDependencies")]
    optional_dependencies: Lenient,
    #[serde(rename = "peerDependencies")]
    peer_dependencies: Lenient,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawLockfile {
    #[serde(rename = "lockfileVersion")]
    lockfile_version: Lenient,
    packages: Option<Packages>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawLockPackage {
    name: Lenient,
    version: Lenient,
    dev: Lenient,
    optional: Lenient,
    #[serde(rename = "devOptional")]
    dev_optional: Lenient,
    link: Lenient,
}

/// The `packages` map, in the file's order.
struct Packages(Vec<(String, RawLockPackage)>);

impl<'de> Deserialize<'de> for Packages {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Packages;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of packages")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Packages, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, RawLockPackage>()? {
                    out.push((k, v));
                }
                Ok(Packages(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// A field read leniently: the JSON types layerlens uses are kept, every other type is read
/// as [`Lenient::Other`], arrays and values inside objects skipped without being kept.
#[derive(Default)]
enum Lenient {
    Str(String),
    Bool(bool),
    Num(u64),
    /// An object's keys, in the file's order.
    Keys(Vec<String>),
    #[default]
    Other,
}

impl Lenient {
    fn string(self) -> Option<String> {
        match self {
            Lenient::Str(s) => Some(s),
            _ => None,
        }
    }

    fn is_true(&self) -> bool {
        matches!(self, Lenient::Bool(true))
    }

    fn keys(self) -> Vec<String> {
        match self {
            Lenient::Keys(k) => k,
            _ => Vec::new(),
        }
    }
}

impl<'de> Deserialize<'de> for Lenient {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Lenient;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Lenient, E> {
                Ok(Lenient::Str(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Lenient, E> {
                Ok(Lenient::Bool(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Lenient, E> {
                Ok(Lenient::Num(v))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Lenient, E> {
                Ok(Lenient::Other)
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Lenient, E> {
                Ok(Lenient::Other)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Lenient, E> {
                Ok(Lenient::Other)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Lenient, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Lenient::Other)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Lenient, A::Error> {
                let mut keys = Vec::new();
                while let Some((k, IgnoredAny)) = map.next_entry::<String, IgnoredAny>()? {
                    keys.push(k);
                }
                Ok(Lenient::Keys(keys))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::pkgdb::fuzz;

    // Real files from `npm init -y && npm install express && npm install -D typescript`
    // (npm 11, lockfileVersion 3); the lockfiles trimmed to six of their packages.
    const HIDDEN_LOCKFILE: &[u8] =
        include_bytes!("../../../tests/fixtures/pkgdb/npm-hidden-lockfile.json");
    const PACKAGE_LOCK: &[u8] =
        include_bytes!("../../../tests/fixtures/pkgdb/npm-package-lock.json");
    const EXPRESS: &[u8] = include_bytes!("../../../tests/fixtures/pkgdb/npm-express-package.json");
    const TYPESCRIPT: &[u8] =
        include_bytes!("../../../tests/fixtures/pkgdb/npm-typescript-package.json");

    #[test]
    fn reads_real_package_json_files() {
        let express = parse_package_json(EXPRESS).unwrap();
        assert_eq!(express.name.as_deref(), Some("express"));
        assert_eq!(express.version.as_deref(), Some("5.3.0"));
        assert_eq!(express.dependencies.len(), 28);
        assert_eq!(express.dependencies[0], "accepts");
        assert!(express.dependencies.contains(&"body-parser".to_string()));
        assert_eq!(express.dev_dependencies.len(), 16);
        assert!(express.optional_dependencies.is_empty());

        let ts = parse_package_json(TYPESCRIPT).unwrap();
        assert_eq!(ts.name.as_deref(), Some("typescript"));
        assert_eq!(ts.version.as_deref(), Some("7.0.2"));
        assert!(ts.dependencies.is_empty());
        assert_eq!(ts.optional_dependencies.len(), 20);
        assert_eq!(
            ts.optional_dependencies[0],
            "@typescript/typescript-win32-x64"
        );
    }

    #[test]
    fn reads_peer_dependencies_and_tolerates_odd_types() {
        let json = r#"{"name": "plugin", "version": 3, "peerDependencies": {"react": "^18"},
                       "dependencies": ["left-pad"], "devDependencies": null, "x": [[[{}]]]}"#;
        let m = parse_package_json(json.as_bytes()).unwrap();
        assert_eq!(m.name.as_deref(), Some("plugin"));
        assert_eq!(m.version, None, "a number is not a version");
        assert_eq!(m.peer_dependencies, ["react"]);
        assert!(m.dependencies.is_empty() && m.dev_dependencies.is_empty());
    }

    #[test]
    fn not_an_object_is_an_error() {
        let e = parse_package_json(b"[1, 2]").unwrap_err();
        assert_eq!(e.to_string(), "package.json: not a JSON object");
        let e = parse_package_json(b"").unwrap_err();
        assert_eq!(e.to_string(), "package.json: not a JSON object");
        let e = parse_package_json(b"{\"name\": \"x\",").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("package.json: not valid JSON: EOF"),
            "{e}"
        );
    }

    #[test]
    fn deep_nesting_is_skipped_without_recursion() {
        // 100,000 levels would overflow a recursive reader's stack; skipped values are skipped
        // by serde_json's iterative skipper, whichever key holds them.
        let open = "[{\"k\":".repeat(50_000);
        let close = "}]".repeat(50_000);
        let json = format!(
            "{{\"name\": {open}1{close}, \"dependencies\": {{\"a\": {open}1{close}}}, \
             \"x\": {open}1{close}, \"version\": \"1.0.0\"}}"
        );
        let m = parse_package_json(json.as_bytes()).unwrap();
        assert_eq!(m.name, None);
        assert_eq!(m.dependencies, ["a"]);
        assert_eq!(m.version.as_deref(), Some("1.0.0"));
    }

    #[test]
    fn reads_a_real_hidden_lockfile() {
        let entries = parse_lockfile(HIDDEN_LOCKFILE).unwrap();
        let paths: Vec<_> = entries.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "node_modules/@typescript/typescript-linux-x64",
                "node_modules/accepts",
                "node_modules/debug",
                "node_modules/express",
                "node_modules/ms",
                "node_modules/typescript"
            ]
        );
        let native = &entries[0];
        assert_eq!(native.version.as_deref(), Some("7.0.2"));
        assert!(native.dev && native.optional && !native.dev_optional);
        let express = &entries[3];
        assert_eq!(express.version.as_deref(), Some("5.3.0"));
        assert!(!express.dev && !express.optional);
        assert!(entries[5].dev);
        assert!(entries.iter().all(|e| e.name.is_none() && !e.link));
    }

    #[test]
    fn the_root_entry_of_package_lock_is_skipped() {
        let entries = parse_lockfile(PACKAGE_LOCK).unwrap();
        assert_eq!(entries.len(), 6);
        assert!(entries.iter().all(|e| e.path.starts_with("node_modules/")));
    }

    #[test]
    fn reads_nested_aliased_linked_and_dev_optional_entries() {
        let json = r#"{"lockfileVersion": 2, "packages": {
            "": {"name": "app"},
            "node_modules/a/node_modules/b": {"version": "1.0.0", "devOptional": true},
            "node_modules/lodash-es5": {"name": "lodash", "version": "4.17.21"},
            "node_modules/ui": {"resolved": "packages/ui", "link": true},
            "packages/ui": {"name": "ui", "version": "0.0.1"}
        }}"#;
        let entries = parse_lockfile(json.as_bytes()).unwrap();
        assert_eq!(entries.len(), 4);
        assert_eq!(entries[0].path, "node_modules/a/node_modules/b");
        assert!(entries[0].dev_optional && !entries[0].dev);
        assert_eq!(entries[1].name.as_deref(), Some("lodash"));
        assert!(entries[2].link && entries[2].version.is_none());
        assert_eq!(entries[3].path, "packages/ui");
    }

    #[test]
    fn old_and_broken_lockfiles_are_errors() {
        let v1 = br#"{"name": "app", "lockfileVersion": 1, "dependencies": {}}"#;
        let e = parse_lockfile(v1).unwrap_err();
        assert_eq!(
            e.to_string(),
            "package-lock.json: no 'packages' map (lockfileVersion 1); only the lockfiles of \
             npm 7 and newer are read"
        );
        let e = parse_lockfile(br#"{"packages": []}"#).unwrap_err();
        assert!(
            e.to_string().contains("expected an object of packages"),
            "{e}"
        );
        let e = parse_lockfile(br#"{"packages": {"node_modules/a": 5}}"#).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("package-lock.json: unexpected content: invalid type"),
            "{e}"
        );
    }

    #[test]
    fn random_and_damaged_input_never_panics() {
        let mut errors = 0;
        for input in fuzz::inputs(HIDDEN_LOCKFILE, b"{}[]\":,truefalsenull01 \n", 3000) {
            match parse_lockfile(&input) {
                Ok(entries) => assert!(entries.iter().all(|e| !e.path.is_empty())),
                Err(e) => {
                    errors += 1;
                    assert_eq!(e.database(), "package-lock.json");
                }
            }
            if let Err(e) = parse_package_json(&input) {
                assert_eq!(e.database(), "package.json");
            }
        }
        for input in fuzz::inputs(EXPRESS, b"{}[]\":,truefalsenull01 \n", 1000) {
            let _ = parse_package_json(&input);
        }
        assert!(errors > 1000, "damage must be noticed, got {errors} errors");
    }
}
