//! The dependency graph of one ecosystem's installed packages (dpkg, apk, rpm), for the
//! questions the findings ask: what does a set of packages need, and what do the packages the
//! user asked for need. A dependency names a package or something one provides; every installed
//! alternative of a group counts, so a closure never misses a package that may be needed.

use std::collections::HashMap;

use super::{Package, Packages};
use crate::index::pkgdb::Ecosystem;

/// One ecosystem's packages and who provides each name.
pub struct Graph<'a> {
    pub packages: Vec<&'a Package>,
    providers: HashMap<&'a str, Vec<usize>>,
}

impl<'a> Graph<'a> {
    pub fn new(all: &'a Packages, ecosystem: Ecosystem) -> Graph<'a> {
        let packages: Vec<&Package> = all
            .packages
            .iter()
            .filter(|p| p.ecosystem == ecosystem)
            .collect();
        let mut providers: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, p) in packages.iter().enumerate() {
            providers.entry(p.name.as_str()).or_default().push(i);
            for v in &p.relations.provides {
                providers.entry(v.as_str()).or_default().push(i);
            }
        }
        Graph {
            packages,
            providers,
        }
    }

    /// Every package reachable from `roots` through Depends (and Recommends when asked),
    /// never entering a package `blocked` says.
    pub fn closure(
        &self,
        roots: impl IntoIterator<Item = usize>,
        recommends: bool,
        blocked: &dyn Fn(usize) -> bool,
    ) -> Vec<bool> {
        let mut seen = vec![false; self.packages.len()];
        let mut stack: Vec<usize> = roots.into_iter().filter(|&r| !blocked(r)).collect();
        while let Some(i) = stack.pop() {
            if std::mem::replace(&mut seen[i], true) {
                continue;
            }
            let rel = &self.packages[i].relations;
            let groups = rel
                .depends
                .iter()
                .chain(rel.recommends.iter().filter(|_| recommends));
            for alt in groups.flatten() {
                for &j in self.providers.get(alt.as_str()).into_iter().flatten() {
                    if !seen[j] && !blocked(j) {
                        stack.push(j);
                    }
                }
            }
        }
        seen
    }
}
