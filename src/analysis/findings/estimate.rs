//! One estimate: how much smaller the image could be if every finding were fixed. Each finding
//! claims the files fixing it would remove; the estimate is the union of the claims, **no byte
//! counted twice**. Each finding's share (`savings_bytes`) is what it claims that no larger
//! claim already took, so the biggest lever is credited first and the shares add up to the
//! estimate. An estimate is only ever the sum of files in the image, never a guess.

use serde::Serialize;

use super::{claim_bytes, Finding};
use crate::analysis::EntrySet;
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
    let mut taken = EntrySet::new(image);
    for i in order {
        let f = &mut findings[i];
        f.savings_bytes = f
            .claim
            .iter()
            .filter(|&&c| taken.insert(c))
            .fold(0u64, |a, &(l, e)| {
                a.saturating_add(image.tree.layer(l).entry(e).content_size())
            });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::findings::{FindingKind, Practice, Severity};
    use crate::analysis::testing::*;

    #[test]
    fn shares_count_each_file_once_largest_claim_first() {
        let img = image(
            vec![(
                "x",
                vec![file("a", 100, 1), file("b", 50, 2), file("c", 10, 3)],
            )],
            None,
        );
        let claim = |c: Vec<(usize, usize)>, severity| Finding {
            claim: c,
            ..Finding::new(FindingKind::Docs, severity, Practice::SmallBase)
        };
        let mut f = vec![
            claim(vec![(0, 1), (0, 2)], Severity::Info), // b, c: 60
            claim(vec![(0, 0), (0, 1)], Severity::Warning), // a, b: 150
            claim(vec![(0, 2)], Severity::Info),         // c: 10
            claim(vec![(0, 2), (0, 2)], Severity::Warning), // c twice: 10
        ];
        share_out(&img, &mut f);
        let shares: Vec<u64> = f.iter().map(|f| f.savings_bytes).collect();
        // a+b to the largest; c to the next largest; ties go to the warning.
        assert_eq!(shares, [10, 150, 0, 0]);
        let e = Estimate::of(&img, &f);
        assert_eq!((e.savings_bytes, e.estimated_size_bytes), (160, 0));
    }
}
