//! A non-root user: the config's `User` unset, `root` or uid 0.

use super::{Evidence, Finding, FindingKind, Practice, Severity};

pub(super) fn add(ev: &Evidence, out: &mut Vec<Finding>) {
    if runs_as_root(ev.image.config.user.as_deref()) {
        out.push(Finding {
            message: "the image runs as root".to_string(),
            fix: "create a user and switch to it (RUN adduser -D app, then USER app)".to_string(),
            ..Finding::new(FindingKind::RootUser, Severity::Warning, Practice::NonRoot)
        });
    }
}

/// Whether a config `User` means root: unset, empty, `root` or uid 0 (with any group).
pub fn runs_as_root(user: Option<&str>) -> bool {
    let user = user.unwrap_or("").trim();
    let name = user.split(':').next().unwrap_or("");
    name.is_empty() || name == "root" || name == "0"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_is_unset_root_or_uid_0() {
        assert!(runs_as_root(None));
        assert!(runs_as_root(Some("0:0")));
        assert!(runs_as_root(Some("root")));
        assert!(!runs_as_root(Some("app")));
        assert!(!runs_as_root(Some("1000:1000")));
    }
}
