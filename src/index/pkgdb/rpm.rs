//! The rpm database in its SQLite form, `rpmdb.sqlite` (Fedora 36+, RHEL 9, Amazon Linux 2023,
//! openSUSE), and the rpm header blobs it holds.
//!
//! The database is opened in memory from the bytes, read-only, with SQLite's defensive mode on
//! and an untrusted schema: `Packages` must be a plain table whose `hnum` and `blob` columns
//! are stored, so a hostile file cannot make reading it run a view or a generated column.
//! Each blob is an rpm header, read by [`header`](parse_header).
//!
//! The older BerkeleyDB (`Packages`) and NDB (`Packages.db`) formats are not read: see
//! [`OLD_FORMATS`].

use std::io::Read;

use rusqlite::config::DbConfig;
use rusqlite::Connection;

mod header;

pub use header::parse_header;

use super::{AllocBudget, PkgDbError};

const SQLITE: &str = "rpmdb.sqlite";

/// Where rpm keeps its SQLite database, relative to the image root.
pub const SQLITE_PATHS: &[&str] = &[
    "var/lib/rpm/rpmdb.sqlite",
    "usr/lib/sysimage/rpm/rpmdb.sqlite",
];

/// rpm databases in the formats layerlens does **not** read: BerkeleyDB `Packages` (RHEL 8
/// and older, CentOS 7/8, Amazon Linux 2) and NDB `Packages.db` (SUSE). When an image holds
/// one of these and no `rpmdb.sqlite`, layerlens says plainly that it cannot tell which rpm
/// package owns which file, rather than guessing.
pub const OLD_FORMATS: &[&str] = &[
    "var/lib/rpm/Packages",
    "var/lib/rpm/Packages.db",
    "usr/lib/sysimage/rpm/Packages",
    "usr/lib/sysimage/rpm/Packages.db",
];

/// One installed rpm package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpmPackage {
    pub name: String,
    /// `[epoch:]version-release`, as `rpm -q --qf '%{EVR}'` prints it.
    pub version: String,
    /// `x86_64`, `noarch`...; empty when the header has none (`gpg-pubkey`).
    pub arch: String,
    /// The installed size in bytes (`LONGSIZE`, else `SIZE`).
    pub size: Option<u64>,
    pub files: Vec<RpmFile>,
    /// `REQUIRENAME`, in order and without repeats, leaving out rpm's own feature markers
    /// (`rpmlib(...)`). Names may be packages, virtual provides or file paths (`/bin/sh`).
    pub requires: Vec<String>,
}

/// One file or directory a package owns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpmFile {
    /// Relative to the image root.
    pub path: String,
    /// The size rpm recorded (0 for directories).
    pub size: u64,
    pub is_dir: bool,
}

/// Reads every package from the bytes of an `rpmdb.sqlite`.
///
/// A file in WAL mode (as rpm leaves it) is read as if checkpointed: layerlens sees the main
/// file only, and rpm checkpoints when it closes the database. Any damage, to the SQLite file
/// or to one header, makes the whole database an error naming the package row.
pub fn parse_sqlite(bytes: &[u8]) -> Result<Vec<RpmPackage>, PkgDbError> {
    const MAGIC: &[u8] = b"SQLite format 3\0";
    // 100 bytes is SQLite's file header; anything shorter cannot be a database.
    if bytes.len() < 100 || !bytes.starts_with(MAGIC) {
        return Err(PkgDbError::malformed(SQLITE, "not a SQLite database"));
    }
    let conn = open(bytes).map_err(|e| {
        PkgDbError::malformed(SQLITE, format!("not a readable SQLite database: {e}"))
    })?;
    check_schema(&conn)?;

    let sqlite_err = |e: rusqlite::Error| {
        PkgDbError::malformed(SQLITE, format!("reading the Packages table failed: {e}"))
    };
    let budget = AllocBudget::for_input(bytes.len());
    let mut stmt = conn
        .prepare("SELECT hnum, blob FROM Packages ORDER BY hnum")
        .map_err(sqlite_err)?;
    let mut rows = stmt.query([]).map_err(sqlite_err)?;
    let mut packages = Vec::new();
    while let Some(row) = rows.next().map_err(sqlite_err)? {
        let hnum: i64 = row.get(0).map_err(sqlite_err)?;
        let blob = row.get_ref(1).map_err(sqlite_err)?.as_blob().map_err(|_| {
            PkgDbError::malformed(SQLITE, format!("package #{hnum}: its header is not a BLOB"))
        })?;
        let pkg = header::read_header(blob, &budget)
            .map_err(|what| PkgDbError::malformed(SQLITE, format!("package #{hnum}: {what}")))?;
        packages.push(pkg);
    }
    Ok(packages)
}

/// Opens the bytes as an in-memory, read-only database.
fn open(bytes: &[u8]) -> rusqlite::Result<Connection> {
    let mut conn = Connection::open_in_memory()?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_TRUSTED_SCHEMA, false)?;
    // Bytes 18 and 19 are the write and read versions: 2 means WAL, which an in-memory
    // database cannot open. 1 (rollback journal) reads the same pages.
    let wal = bytes[18] == 2 || bytes[19] == 2;
    let versions: &[u8] = if wal { &[1, 1] } else { &bytes[18..20] };
    let reader = bytes[..18].chain(versions).chain(&bytes[20..]);
    conn.deserialize_read_exact("main", reader, bytes.len(), true)?;
    // Read through SQLite's own page buffers, never pointers into the image's bytes: a
    // malformed page could otherwise be read a few bytes past the end (sqlite3_deserialize's
    // documentation). 0 is the default; this keeps it so.
    conn.execute_batch(
        "PRAGMA mmap_size = 0; PRAGMA query_only = ON; PRAGMA cell_size_check = ON;",
    )?;
    Ok(conn)
}

/// `Packages` must be a plain table with stored `hnum` and `blob` columns.
fn check_schema(conn: &Connection) -> Result<(), PkgDbError> {
    let err = |e: rusqlite::Error| {
        PkgDbError::malformed(SQLITE, format!("not a readable SQLite database: {e}"))
    };
    let mut stmt = conn
        .prepare("SELECT type, sql FROM sqlite_schema WHERE name = 'Packages'")
        .map_err(err)?;
    let found: Option<(String, Option<String>)> = stmt
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .map_err(err)?
        .next()
        .transpose()
        .map_err(err)?;
    let plain_table = match &found {
        None => {
            return Err(PkgDbError::malformed(
                SQLITE,
                "no Packages table: this SQLite database is not an rpm database",
            ))
        }
        Some((ty, sql)) => {
            ty == "table"
                && sql.as_deref().is_some_and(|s| {
                    s.trim_start()
                        .to_ascii_uppercase()
                        .starts_with("CREATE TABLE")
                })
        }
    };
    if !plain_table {
        return Err(PkgDbError::malformed(
            SQLITE,
            "Packages is not a plain table (a view or virtual table is not read)",
        ));
    }
    let mut stmt = conn
        .prepare("PRAGMA table_xinfo('Packages')")
        .map_err(err)?;
    let columns: Vec<(String, i64)> = stmt
        .query_map([], |row| Ok((row.get(1)?, row.get(6)?)))
        .map_err(err)?
        .collect::<Result<_, _>>()
        .map_err(err)?;
    for wanted in ["hnum", "blob"] {
        // hidden 0 is an ordinary stored column; 2 and 3 are generated ones.
        if !columns
            .iter()
            .any(|(name, hidden)| name.eq_ignore_ascii_case(wanted) && *hidden == 0)
        {
            return Err(PkgDbError::malformed(
                SQLITE,
                format!("the Packages table has no stored '{wanted}' column"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::pkgdb::fuzz;

    /// Made with Debian's rpm 4.18: two packages built from the spec files beside it and
    /// installed into an empty root (see tests/fixtures/pkgdb/README.md).
    pub(super) const RPMDB: &[u8] = include_bytes!("../../../tests/fixtures/pkgdb/rpmdb.sqlite");

    pub(super) fn file(path: &str, size: u64, is_dir: bool) -> RpmFile {
        RpmFile {
            path: path.into(),
            size,
            is_dir,
        }
    }

    #[test]
    fn reads_a_real_rpmdb() {
        assert_eq!(RPMDB[18], 2, "the fixture is in WAL mode, as rpm leaves it");
        let pkgs = parse_sqlite(RPMDB).unwrap();
        assert_eq!(pkgs.len(), 2);

        let data = &pkgs[0];
        assert_eq!(data.name, "greeting-data");
        assert_eq!(data.version, "1.0-3");
        assert_eq!(data.arch, "noarch");
        assert_eq!(data.size, Some(20));
        assert_eq!(
            data.files,
            [
                file("usr/share/greeting", 0, true),
                file("usr/share/greeting/all greetings.txt", 20, false),
            ]
        );
        assert!(
            data.requires.is_empty(),
            "only rpmlib() markers: {:?}",
            data.requires
        );

        let hello = &pkgs[1];
        assert_eq!(hello.name, "hello-layer");
        assert_eq!(hello.version, "2:1.2.3-4");
        assert_eq!(hello.arch, "x86_64");
        assert_eq!(hello.size, Some(63));
        assert_eq!(
            hello.files,
            [
                file("usr/bin/hello-layer", 34, false),
                file("usr/share/hello-layer", 0, true),
                file("usr/share/hello-layer/README", 29, false),
            ]
        );
        assert_eq!(hello.requires, ["/bin/sh", "greeting-data"]);
    }

    #[test]
    fn truncated_and_random_bytes_are_errors() {
        let e = parse_sqlite(&RPMDB[..50]).unwrap_err();
        assert_eq!(e.to_string(), "rpmdb.sqlite: not a SQLite database");
        for cut in [RPMDB.len() / 2, RPMDB.len() - 4096, 4096] {
            let e = parse_sqlite(&RPMDB[..cut]).unwrap_err();
            assert!(e.to_string().starts_with("rpmdb.sqlite: "), "{e}");
        }
        let mut rng = fuzz::Rng::new(3);
        let noise: Vec<u8> = (0..8192).map(|_| rng.next() as u8).collect();
        let e = parse_sqlite(&noise).unwrap_err();
        assert_eq!(e.to_string(), "rpmdb.sqlite: not a SQLite database");
        let mut fake = b"SQLite format 3\0".to_vec();
        fake.extend_from_slice(&noise);
        let e = parse_sqlite(&fake).unwrap_err();
        assert!(
            e.to_string().contains("not a readable SQLite database"),
            "{e}"
        );
    }

    /// A database made by SQLite itself, serialised to bytes.
    fn sqlite_bytes(sql: &str) -> Vec<u8> {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(sql).unwrap();
        conn.serialize("main").unwrap().to_vec()
    }

    #[test]
    fn a_hostile_schema_is_refused_not_run() {
        // A view that would never end if it were read.
        let endless = sqlite_bytes(
            "CREATE VIEW Packages AS WITH RECURSIVE c(x) AS \
             (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x AS hnum, zeroblob(9) AS blob FROM c;",
        );
        let e = parse_sqlite(&endless).unwrap_err();
        assert!(
            e.to_string().contains("Packages is not a plain table"),
            "{e}"
        );

        let generated = sqlite_bytes(
            "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, \
             blob BLOB GENERATED ALWAYS AS (zeroblob(hnum)) VIRTUAL); \
             INSERT INTO Packages (hnum) VALUES (1000000000);",
        );
        let e = parse_sqlite(&generated).unwrap_err();
        assert_eq!(
            e.to_string(),
            "rpmdb.sqlite: the Packages table has no stored 'blob' column"
        );

        let other = sqlite_bytes("CREATE TABLE t (x);");
        let e = parse_sqlite(&other).unwrap_err();
        assert!(e.to_string().contains("no Packages table"), "{e}");

        let text_blob = sqlite_bytes(
            "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob BLOB); \
                          INSERT INTO Packages VALUES (7, 'text');",
        );
        let e = parse_sqlite(&text_blob).unwrap_err();
        assert_eq!(
            e.to_string(),
            "rpmdb.sqlite: package #7: its header is not a BLOB"
        );
    }

    #[test]
    fn damaged_databases_never_panic() {
        let mut rng = fuzz::Rng::new(11);
        let mut read = 0;
        for _ in 0..150 {
            let mut db = RPMDB.to_vec();
            for _ in 0..1 + rng.below(20) {
                let at = rng.below(db.len());
                db[at] = rng.next() as u8;
            }
            if parse_sqlite(&db).is_ok() {
                read += 1;
            }
        }
        // Most single-byte damage lands in unused space or index pages the parser never reads.
        assert!(read > 0);
    }
}
