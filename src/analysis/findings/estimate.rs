//! One estimate: how much smaller the image could be if every finding were fixed. Each finding
//! claims the files fixing it would remove; the estimate is the union of the claims, **no byte
//! counted twice**. Each finding's share (`savings_bytes`) is what it claims that no larger
//! claim already took, so the biggest lever is credited first and the shares add up to the
//! estimate. An estimate is only ever the sum of files in the image, never a guess.

use std::collections::HashSet;

use serde::Serialize;

use super::{claim_bytes, Finding};
use crate::image::Image;

/// The estimate over every finding.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Estimate {
    /// The image's size (dive's measure, the sum of its layers).
    pub image_size_bytes: u64,
    /// Bytes the findings' fixes would remove, each counted once.
    pub savings_bytes: u64,
    /// The image's size after them.
    pub estimated_size_bytes: u64,
}

impl Estimate {
    /// The estimate the findings' shares add up to.
    pub fn of(image: &Image, findings: &[Finding]) -> Estimate {
        let size = image.size();
        let savings = findings
            .iter()
            .fold(0u64, |a, f| a.saturating_add(f.savings_bytes))
            .min(size);
        Estimate {
            image_size_bytes: size,
            savings_bytes: savings,
            estimated_size_bytes: size - savings,
        }
    }
}

/// Sets each finding's `savings_bytes`: its claim's bytes that no larger claim took first.
pub(super) fn share_out(image: &Image, findings: &mut [Finding]) {
    let mut order: Vec<usize> = (0..findings.len()).collect();
    let bytes: Vec<u64> = findings
        .iter()
        .map(|f| claim_bytes(image, &f.claim))
        .collect();
    // Largest claim first; on a tie, a warning (something to fix) before an info.
    order.sort_by(|&a, &b| {
        bytes[b]
            .cmp(&bytes[a])
            .then(findings[a].severity.cmp(&findings[b].severity))
            .then(a.cmp(&b))
    });
    let mut taken: HashSet<(usize, usize)> = HashSet::new();
    for i in order {
        let f = &mut findings[i];
        f.savings_bytes = f
            .claim
            .iter()
            .filter(|&&c| taken.insert(c))
            .fold(0u64, |a, &(l, e)| {
                a.saturating_add(image.tree.layer(l).entries[e].content_size())
            });
    }
}
