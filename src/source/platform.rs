//! Platforms (`os/arch[/variant]`) and choosing one from a multi-platform index.

use crate::error::{Error, Result};

/// A platform as `--platform` names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Platform {
    pub os: String,
    pub arch: String,
    pub variant: Option<String>,
}

impl Platform {
    /// Parses `os/arch[/variant]`.
    pub fn parse(s: &str) -> Result<Platform> {
        let parts: Vec<&str> = s.split('/').collect();
        match parts.as_slice() {
            [os, arch] if !os.is_empty() && !arch.is_empty() => Ok(Platform {
                os: os.to_string(),
                arch: arch.to_string(),
                variant: None,
            }),
            [os, arch, variant] if !os.is_empty() && !arch.is_empty() && !variant.is_empty() => {
                Ok(Platform {
                    os: os.to_string(),
                    arch: arch.to_string(),
                    variant: Some(variant.to_string()),
                })
            }
            _ => Err(Error::Config(format!(
                "--platform '{s}' is not of the form os/arch[/variant] (e.g. linux/arm64)"
            ))),
        }
    }

    /// The platform of the machine layerlens runs on, in OCI's names.
    pub fn host() -> Platform {
        let arch = match std::env::consts::ARCH {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            "x86" => "386",
            "powerpc64" => "ppc64le",
            "arm" => "arm",
            other => other,
        };
        Platform {
            os: "linux".into(),
            arch: arch.into(),
            variant: None,
        }
    }

    /// Whether an index entry's platform satisfies this one. A wanted platform without a
    /// variant accepts any variant; `arm64` treats `v8` and no variant alike.
    pub fn matches(&self, os: &str, arch: &str, variant: Option<&str>) -> bool {
        if self.os != os || self.arch != arch {
            return false;
        }
        let norm = |v: Option<&str>| match (arch, v) {
            ("arm64", Some("v8")) | ("arm64", None) => None,
            (_, v) => v.map(str::to_string),
        };
        match &self.variant {
            None => true,
            Some(v) => norm(Some(v)) == norm(variant),
        }
    }
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.os, self.arch)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_matches() {
        let p = Platform::parse("linux/arm64").unwrap();
        assert!(p.matches("linux", "arm64", Some("v8")));
        assert!(!p.matches("linux", "amd64", None));
        let v7 = Platform::parse("linux/arm/v7").unwrap();
        assert!(v7.matches("linux", "arm", Some("v7")));
        assert!(!v7.matches("linux", "arm", Some("v6")));
        assert_eq!(v7.to_string(), "linux/arm/v7");
        assert!(Platform::parse("linux").is_err());
        assert!(Platform::parse("linux/").is_err());
    }
}
