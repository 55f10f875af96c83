//! Docker-style image references (`registry.example:5000/team/app:1`, `app@sha256:…`), with
//! Docker Hub's short names normalised (`alpine` → `docker.io/library/alpine:latest`).

use std::fmt;

use crate::error::{Error, Result};
use crate::source::digest::Digest;

/// Docker Hub's name in references and credential stores.
pub const DOCKER_HUB: &str = "docker.io";

/// A parsed image reference. At least one of `tag` and `digest` is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// `host[:port]`, `docker.io` for Docker Hub.
    pub registry: String,
    /// The repository path, `library/alpine` for Docker Hub's official images.
    pub repository: String,
    pub tag: Option<String>,
    pub digest: Option<Digest>,
}

fn valid_component(c: &str) -> bool {
    let bytes = c.as_bytes();
    !c.is_empty()
        && bytes[0].is_ascii_alphanumeric()
        && bytes[bytes.len() - 1].is_ascii_alphanumeric()
        && c.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
}

fn valid_tag(t: &str) -> bool {
    !t.is_empty()
        && t.len() <= 128
        && !t.starts_with(['.', '-'])
        && t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
}

fn valid_host(h: &str) -> bool {
    !h.is_empty()
        && h.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
}

impl Reference {
    /// Parses a reference as `docker pull` would.
    pub fn parse(s: &str) -> Result<Reference> {
        let bad = |why: &str| {
            Error::Source(format!(
                "'{s}' is not an image reference ({why}); write it as \
                 [REGISTRY[:PORT]/]REPOSITORY[:TAG][@sha256:DIGEST]"
            ))
        };
        let (name, digest) = match s.split_once('@') {
            Some((n, d)) => (n, Some(Digest::parse(d).map_err(|_| bad("bad digest"))?)),
            None => (s, None),
        };
        let last_slash = name.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match name[last_slash..].rfind(':') {
            Some(i) => {
                let t = &name[last_slash + i + 1..];
                if !valid_tag(t) {
                    return Err(bad("bad tag"));
                }
                (&name[..last_slash + i], Some(t.to_string()))
            }
            None => (name, None),
        };
        let (registry, repository) = match name.split_once('/') {
            Some((first, rest))
                if first.contains(['.', ':']) || first == "localhost" || first.contains('[') =>
            {
                if !valid_host(first) {
                    return Err(bad("bad registry host"));
                }
                (first.to_string(), rest.to_string())
            }
            _ => (DOCKER_HUB.to_string(), name.to_string()),
        };
        let registry = match registry.as_str() {
            "index.docker.io" | "registry-1.docker.io" => DOCKER_HUB.to_string(),
            _ => registry,
        };
        let repository = if registry == DOCKER_HUB && !repository.contains('/') {
            format!("library/{repository}")
        } else {
            repository
        };
        if !repository.split('/').all(valid_component) {
            return Err(bad(
                "repository names are lowercase letters, digits and . _ - /",
            ));
        }
        let tag = match (&tag, &digest) {
            (None, None) => Some("latest".to_string()),
            _ => tag,
        };
        Ok(Reference {
            registry,
            repository,
            tag,
            digest,
        })
    }

    /// The host layerlens talks to (Docker Hub's API lives on another name).
    pub fn api_host(&self) -> &str {
        if self.registry == DOCKER_HUB {
            "registry-1.docker.io"
        } else {
            &self.registry
        }
    }

    /// What names the manifest in `/v2/<repo>/manifests/<it>`: the digest when there is one.
    pub fn manifest_ref(&self) -> String {
        match (&self.digest, &self.tag) {
            (Some(d), _) => d.to_string(),
            (None, Some(t)) => t.clone(),
            (None, None) => "latest".to_string(),
        }
    }

    /// Whether the registry is on this machine (plain HTTP is allowed there).
    pub fn is_loopback(&self) -> bool {
        let host = match self.registry.rsplit_once(':') {
            Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
            _ => self.registry.as_str(),
        };
        is_loopback_host(host)
    }
}

/// Whether a host name (no port; an IPv6 address with or without brackets) is this machine:
/// `localhost`, `127.0.0.0/8` or `::1`. A name that merely resolves to loopback does not count.
pub fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

    #[test]
    fn normalises_docker_hub_names() {
        let r = Reference::parse("alpine").unwrap();
        assert_eq!(r.to_string(), "docker.io/library/alpine:latest");
        assert_eq!(r.api_host(), "registry-1.docker.io");
        let r = Reference::parse("index.docker.io/grafana/grafana:11.0").unwrap();
        assert_eq!(r.to_string(), "docker.io/grafana/grafana:11.0");
        assert!(!r.is_loopback());
    }

    #[test]
    fn registries_ports_tags_and_digests() {
        let r = Reference::parse("registry.example:5000/team/app:1.2").unwrap();
        assert_eq!(r.registry, "registry.example:5000");
        assert_eq!(r.repository, "team/app");
        assert_eq!(r.tag.as_deref(), Some("1.2"));
        assert_eq!(r.manifest_ref(), "1.2");
        let r = Reference::parse(&format!("127.0.0.1:5000/app@{D}")).unwrap();
        assert_eq!(r.tag, None);
        assert_eq!(r.manifest_ref(), D);
        assert!(r.is_loopback());
        assert!(Reference::parse("localhost/app").unwrap().is_loopback());
        assert!(Reference::parse("[::1]:5000/app").unwrap().is_loopback());
        assert!(Reference::parse("127.1.2.3:5000/app")
            .unwrap()
            .is_loopback());
        assert!(!Reference::parse("192.0.2.1:5000/app")
            .unwrap()
            .is_loopback());
        assert!(!Reference::parse("localhost.example/app")
            .unwrap()
            .is_loopback());
        let r = Reference::parse(&format!("app:v1@{D}")).unwrap();
        assert_eq!(r.to_string(), format!("docker.io/library/app:v1@{D}"));
        assert_eq!(r.manifest_ref(), D);
    }

    #[test]
    fn rejects_what_docker_rejects() {
        assert!(Reference::parse("Upper/case").is_err());
        assert!(Reference::parse("app:bad tag").is_err());
        assert!(Reference::parse("app@sha256:short").is_err());
        assert!(Reference::parse("").is_err());
        assert!(Reference::parse("a//b").is_err());
        let e = Reference::parse("app:").unwrap_err().to_string();
        assert!(e.contains("bad tag"), "{e}");
    }
}
