//! Installed Python distributions: `*.dist-info/RECORD` (the files a wheel installed),
//! `*.dist-info/METADATA` and `*.egg-info/PKG-INFO` (name and version), and
//! `*.egg-info/installed-files.txt` (the files of a legacy `setup.py install`).
//!
//! Paths come back as written, relative to the directory they are relative to (the
//! `site-packages` directory for RECORD, the `.egg-info` directory for installed-files.txt),
//! and may start with `../` (scripts in `bin/`). [`resolve_relative`] places them in the image.
//!
//! **Who asked for a package.** The packaging specification ("Recording installed projects")
//! lets an installer write an empty [`REQUESTED`] file into the `.dist-info` directory of each
//! distribution the user named. What installers do (checked with pip 23.2 and uv 0.13):
//! - [`INSTALLER`] `pip`: REQUESTED only for the names given to `pip install`; a `.dist-info`
//!   without it was installed as a dependency (auto-installed).
//! - [`INSTALLER`] `uv`: `uv pip install` writes REQUESTED into every `.dist-info`, dependencies
//!   included, so it says nothing.
//! - No INSTALLER: Debian's `python3-*` packages ship `.dist-info` directories with neither
//!   file (the dpkg database explains those), and `.egg-info` directories never have them.
//!
//! So "auto-installed" is knowable only when INSTALLER says `pip` and REQUESTED is absent.

pub use super::resolve_relative;
use super::PkgDbError;

/// In `.dist-info`: the files the distribution installed.
pub const RECORD: &str = "RECORD";
/// In `.dist-info`: the core metadata (name, version...).
pub const METADATA: &str = "METADATA";
/// In `.egg-info`: the core metadata.
pub const PKG_INFO: &str = "PKG-INFO";
/// In `.egg-info`: the files a legacy `setup.py install` (through pip) installed.
pub const INSTALLED_FILES: &str = "installed-files.txt";
/// In `.dist-info`: present (and empty) when the user asked for this distribution by name
/// (meaningful only when [`INSTALLER`] says `pip`, see the module doc).
pub const REQUESTED: &str = "REQUESTED";
/// In `.dist-info`: one line naming the tool that installed it (`pip`, `uv`, ...).
pub const INSTALLER: &str = "INSTALLER";

const RECORD_DB: &str = "RECORD";

/// One row of a RECORD file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordEntry {
    /// As written: relative to the `site-packages` directory, may start with `../`.
    pub path: String,
    /// `None` for files with no recorded size (RECORD itself, `.pyc` files pip compiled).
    pub size: Option<u64>,
}

/// Parses a RECORD file: CSV rows of `path,hash,size`, with CSV quoting (a path holding a
/// comma or a quote is written in double quotes, a quote doubled). A size that is not a
/// number, an empty path or an unclosed quote makes the file an error naming the line.
pub fn parse_record(bytes: &[u8]) -> Result<Vec<RecordEntry>, PkgDbError> {
    let text = String::from_utf8_lossy(bytes);
    let mut entries = Vec::new();
    let mut rows = CsvRows {
        rest: &text,
        line: 1,
    };
    while let Some(row) = rows.next_row() {
        let (line, fields) = row?;
        if fields.len() == 1 && fields[0].is_empty() {
            continue; // a blank line
        }
        let path = fields[0].clone();
        if path.is_empty() {
            return Err(PkgDbError::malformed(
                RECORD_DB,
                format!("line {line}: empty path"),
            ));
        }
        let size = match fields.get(2).map(|s| s.trim()) {
            None | Some("") => None,
            Some(s) => Some(s.parse().map_err(|_| {
                PkgDbError::malformed(
                    RECORD_DB,
                    format!("line {line}: size '{}' is not a number", s.escape_debug()),
                )
            })?),
        };
        entries.push(RecordEntry { path, size });
    }
    Ok(entries)
}

/// A CSV reader as Python's `csv` module reads RECORD: `,` separates, `"` quotes, `""` is a
/// quote inside quotes, rows end at `\n` or `\r\n` outside quotes.
struct CsvRows<'a> {
    rest: &'a str,
    line: usize,
}

impl CsvRows<'_> {
    /// The next row and the line it starts on.
    fn next_row(&mut self) -> Option<Result<(usize, Vec<String>), PkgDbError>> {
        if self.rest.is_empty() {
            return None;
        }
        let start = self.line;
        let mut fields = Vec::new();
        let mut field = String::new();
        let mut chars = self.rest.char_indices().peekable();
        let mut quoted = false;
        let mut end = self.rest.len();
        while let Some((i, c)) = chars.next() {
            if quoted {
                match c {
                    '"' if chars.peek().map(|&(_, n)| n) == Some('"') => {
                        chars.next();
                        field.push('"');
                    }
                    '"' => quoted = false,
                    '\n' => {
                        self.line += 1;
                        field.push(c);
                    }
                    _ => field.push(c),
                }
                continue;
            }
            match c {
                '"' if field.is_empty() => quoted = true,
                ',' => fields.push(std::mem::take(&mut field)),
                '\n' => {
                    end = i + 1;
                    break;
                }
                '\r' if chars.peek().map(|&(_, n)| n) == Some('\n') => {}
                _ => field.push(c),
            }
        }
        if quoted {
            self.rest = "";
            return Some(Err(PkgDbError::malformed(
                RECORD_DB,
                format!("line {start}: a quoted field has no closing quote"),
            )));
        }
        fields.push(field);
        self.rest = &self.rest[end..];
        self.line += 1;
        Some(Ok((start, fields)))
    }
}

/// Reads `Name` and `Version` from the headers of a METADATA or PKG-INFO file (up to the first
/// blank line). `None` when either is missing or empty. The name is as written (`Flask`,
/// `MarkupSafe`); compare names after PEP 503 normalisation.
pub fn parse_metadata(bytes: &[u8]) -> Option<(String, String)> {
    let text = String::from_utf8_lossy(bytes);
    let mut name = None;
    let mut version = None;
    for line in super::lines(&text) {
        if line.trim().is_empty() {
            break;
        }
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        if key.eq_ignore_ascii_case("name") && name.is_none() {
            name = Some(value.to_string());
        } else if key.eq_ignore_ascii_case("version") && version.is_none() {
            version = Some(value.to_string());
        }
    }
    Some((name?, version?))
}

/// Parses `installed-files.txt`: one path per line, relative to the `.egg-info` directory.
pub fn parse_installed_files(bytes: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes);
    super::lines(&text)
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect()
}

/// Reads the installer's name from an INSTALLER file (`pip`, `uv`...).
pub fn parse_installer(bytes: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(bytes);
    let first = text.lines().next()?.trim();
    (!first.is_empty()).then(|| first.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::pkgdb::fuzz;

    /// flask-3.1.3.dist-info/RECORD as pip 23.2 wrote it in a venv.
    const FLASK_RECORD: &[u8] = include_bytes!("../../../tests/fixtures/pkgdb/flask-3.1.3.RECORD");

    /// The header of blinker-1.9.0.dist-info/METADATA (the description after it is cut).
    const BLINKER_METADATA: &str = "\
Metadata-Version: 2.3
Name: blinker
Version: 1.9.0
Summary: Fast, simple object-to-object and broadcast signaling
Author: Jason Kirtland
Maintainer-email: Pallets Ecosystem <contact@palletsprojects.com>
Requires-Python: >=3.9
Description-Content-Type: text/markdown
Classifier: Development Status :: 5 - Production/Stable
Classifier: License :: OSI Approved :: MIT License
Classifier: Programming Language :: Python
Classifier: Typing :: Typed
Project-URL: Chat, https://discord.gg/pallets
Project-URL: Documentation, https://blinker.readthedocs.io
Project-URL: Source, https://github.com/pallets-eco/blinker/

# Blinker

Version: 0.0 (a line of the description, after the headers)
";

    #[test]
    fn reads_a_real_record() {
        let entries = parse_record(FLASK_RECORD).unwrap();
        assert_eq!(entries.len(), 58);
        assert_eq!(entries[0].path, "../../../bin/flask");
        assert_eq!(entries[0].size, Some(216));
        let record = entries
            .iter()
            .find(|e| e.path == "flask-3.1.3.dist-info/RECORD")
            .unwrap();
        assert_eq!(record.size, None);
        let requested = entries
            .iter()
            .find(|e| e.path == "flask-3.1.3.dist-info/REQUESTED")
            .unwrap();
        assert_eq!(requested.size, Some(0));
        let pyc = entries
            .iter()
            .filter(|e| e.path.ends_with(".pyc"))
            .collect::<Vec<_>>();
        assert!(!pyc.is_empty() && pyc.iter().all(|e| e.size.is_none()));
        let app = entries.iter().find(|e| e.path == "flask/app.py").unwrap();
        assert!(app.size.unwrap() > 10_000);
    }

    #[test]
    fn handles_csv_quoting() {
        let record = "\"odd,name.py\",sha256=x,12\r\n\"say \"\"hi\"\".txt\",,3\n\"two\nlines\",,\n\nplain,,\n";
        let entries = parse_record(record.as_bytes()).unwrap();
        let paths: Vec<_> = entries.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            ["odd,name.py", "say \"hi\".txt", "two\nlines", "plain"]
        );
        assert_eq!(entries[0].size, Some(12));
        assert_eq!(entries[1].size, Some(3));
    }

    #[test]
    fn malformed_records_say_where() {
        let e = parse_record(b"a.py,,1\nb.py,,1\nc.py,sha256=x,abc\n").unwrap_err();
        assert_eq!(e.to_string(), "RECORD: line 3: size 'abc' is not a number");
        let e = parse_record(b"a.py,,1\n\"b.py,,1\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "RECORD: line 2: a quoted field has no closing quote"
        );
        let e = parse_record(b"a.py,,1\n,sha256=x,4\n").unwrap_err();
        assert_eq!(e.to_string(), "RECORD: line 2: empty path");
    }

    #[test]
    fn reads_metadata_headers_only() {
        assert_eq!(
            parse_metadata(BLINKER_METADATA.as_bytes()),
            Some(("blinker".to_string(), "1.9.0".to_string()))
        );
        // The head of python3-jwt's PyJWT-2.6.0.egg-info/PKG-INFO on Debian bookworm.
        let pkg_info = "Metadata-Version: 2.1\nName: PyJWT\nVersion: 2.6.0\n\
                        Summary: JSON Web Token implementation in Python\n\
                        Home-page: https://github.com/jpadilla/pyjwt\n";
        assert_eq!(
            parse_metadata(pkg_info.as_bytes()),
            Some(("PyJWT".to_string(), "2.6.0".to_string()))
        );
        assert_eq!(parse_metadata(b"Name: x\n\nVersion: 1\n"), None);
        assert_eq!(parse_metadata(b"Version: 1\n"), None);
    }

    #[test]
    fn reads_installed_files_and_resolves_them() {
        // eggdemo-0.1-py3.11.egg-info/installed-files.txt, written by pip 22.3 running a
        // legacy `setup.py install` into a venv.
        let text = "../../../../bin/eggdemo-run\n../eggdemo/__init__.py\n\
                    ../eggdemo/__pycache__/__init__.cpython-311.pyc\nPKG-INFO\nSOURCES.txt\n\
                    dependency_links.txt\ntop_level.txt\n";
        let files = parse_installed_files(text.as_bytes());
        assert_eq!(files.len(), 7);
        let egg = "opt/venv/lib/python3.11/site-packages/eggdemo-0.1-py3.11.egg-info";
        let placed: Vec<_> = files
            .iter()
            .filter_map(|f| resolve_relative(egg, f))
            .collect();
        assert_eq!(placed[0], "opt/venv/bin/eggdemo-run");
        assert_eq!(
            placed[1],
            "opt/venv/lib/python3.11/site-packages/eggdemo/__init__.py"
        );
        assert_eq!(placed[3], format!("{egg}/PKG-INFO"));
    }

    #[test]
    fn resolves_record_paths() {
        let site = "usr/local/lib/python3.12/site-packages";
        assert_eq!(
            resolve_relative(site, "../../../bin/flask").as_deref(),
            Some("usr/local/bin/flask")
        );
        assert_eq!(
            resolve_relative(site, "flask/app.py").unwrap(),
            format!("{site}/flask/app.py")
        );
        assert_eq!(
            resolve_relative(site, "/etc/x.conf").as_deref(),
            Some("etc/x.conf")
        );
        assert_eq!(resolve_relative(site, "../../../../../../etc/passwd"), None);
    }

    #[test]
    fn reads_installer() {
        assert_eq!(parse_installer(b"pip\n").as_deref(), Some("pip"));
        assert_eq!(parse_installer(b"uv"), Some("uv".to_string()));
        assert_eq!(parse_installer(b"\n"), None);
    }

    #[test]
    fn random_and_damaged_input_never_panics() {
        let mut errors = 0;
        for input in fuzz::inputs(FLASK_RECORD, b"\",,\r\n\n0123456789abc/.", 3000) {
            match parse_record(&input) {
                Ok(entries) => assert!(entries.iter().all(|e| !e.path.is_empty())),
                Err(e) => {
                    errors += 1;
                    assert_eq!(e.database(), "RECORD");
                }
            }
            if let Some((name, version)) = parse_metadata(&input) {
                assert!(!name.is_empty() && !version.is_empty());
            }
            for rel in parse_installed_files(&input) {
                if let Some(p) = resolve_relative("usr/lib/python3/dist-packages", &rel) {
                    fuzz::assert_clean_path(&p);
                }
            }
        }
        assert!(errors > 100, "garbage must be refused, got {errors} errors");
    }
}
