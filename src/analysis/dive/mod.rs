//! dive 0.13.1's efficiency figures, reproduced exactly (quirks included) so that `.dive-ci`
//! thresholds mean the same thing here.
//!
//! dive builds one tree per layer from the cleaned tar names (whiteouts keep their `.wh.`
//! names, opaque markers are dropped, missing parents become empty nodes), then visits each
//! layer's leaves children-first in bytewise order. A whiteout is sized by looking its path up
//! in the stack of the layers below; a path that is not there ends that layer's walk. dive
//! re-stacks the trees for every whiteout; here the stack is kept incrementally, which gives the
//! same tree at each step.
//!
//! Two implementations give the same figures. [`merged_walk`] runs dive's pass over the merged
//! tree's node ids, with no tree of its own and no path strings: the one every real image
//! takes. [`reference`] builds dive's trees by name, as dive does; it runs for the images the
//! node ids cannot describe (a path component named `.wh.…`, `.` or `..`, or a whiteout of an
//! empty name), and the tests check one against the other.

mod merged_walk;
mod reference;

use crate::image::Image;
use crate::index::MergedTree;

/// One path's record in dive's efficiency pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiveFileRecord {
    /// dive's path: `/`-prefixed, `.wh.` stripped from the last component.
    pub path: String,
    /// How many layers touched the path (a whiteout counts).
    pub count: usize,
    /// Sum of the sizes every layer gave it (dive's "wasted space").
    pub cumulative_size: i64,
    /// Smallest size any layer gave it (-1 when the walk aborted at it).
    pub min_size: i64,
}

/// dive's image-level figures.
#[derive(Debug, Clone, PartialEq)]
pub struct DiveAnalysis {
    /// `efficiencyScore`: sum of minimum sizes over sum of cumulative sizes.
    pub efficiency: f64,
    /// `inefficientBytes` / wastedBytes: cumulative size of every path touched twice or more.
    pub wasted_bytes: u64,
    /// Sum of all layers' sizes.
    pub size_bytes: u64,
    /// Sum of the sizes of every layer but the first.
    pub user_size_bytes: u64,
    /// wasted_bytes / user_size_bytes (NaN for a one-layer image, as in dive).
    pub user_wasted_percent: f64,
    /// Paths touched twice or more, largest cumulative size first (ties by path).
    pub inefficient: Vec<DiveFileRecord>,
}

/// One path's tally in dive's pass.
#[derive(Debug, Clone, Copy)]
struct Tally {
    /// At most the number of layers (u32: a million tallies are a million times 24 bytes).
    count: u32,
    /// dive's "cumulative size".
    cum: i64,
    /// -1 until a size is added (it stays -1 where a layer's walk aborted at the path).
    min: i64,
}

impl Tally {
    const NEW: Tally = Tally {
        count: 0,
        cum: 0,
        min: -1,
    };

    /// Adds one layer's size; true when this makes the path inefficient (touched twice).
    fn add(&mut self, size: i64) -> bool {
        self.cum += size;
        if self.min < 0 || size < self.min {
            self.min = size;
        }
        self.count += 1;
        self.count == 2
    }
}

/// Runs dive's efficiency pass over an image.
pub fn analyze(image: &Image) -> DiveAnalysis {
    run(image, None)
}

/// dive's efficiency pass with the paths `excluded` says (given without the leading `/`) left
/// out of every figure but the sizes: the `exclude:` setting applied to dive's rules, which
/// dive itself cannot do (dive #347). With nothing excluded this is [`analyze`].
pub fn analyze_excluding(image: &Image, excluded: &dyn Fn(&str) -> bool) -> DiveAnalysis {
    run(image, Some(excluded))
}

fn run(image: &Image, excluded: Option<&dyn Fn(&str) -> bool>) -> DiveAnalysis {
    let (min_sum, cum_sum, inefficient) = if merged_walk::applies(&image.tree) {
        merged_walk::tally(&image.tree, excluded)
    } else {
        reference::tally(&image.tree, excluded)
    };
    figures(image, min_sum, cum_sum, inefficient)
}

/// dive's fileList for each layer: every node of the layer's tree, children first, with the
/// entry it carries (`None` for a parent directory the layer does not list).
pub fn layer_file_lists(tree: &MergedTree) -> Vec<Vec<Option<(usize, usize)>>> {
    if merged_walk::applies(tree) {
        merged_walk::layer_file_lists(tree)
    } else {
        reference::layer_file_lists(tree)
    }
}

/// The image's figures from the sums of every path's minimum and cumulative sizes and the
/// inefficient paths, in the order they became inefficient.
fn figures(
    image: &Image,
    min_sum: i64,
    cum_sum: i64,
    mut inefficient: Vec<DiveFileRecord>,
) -> DiveAnalysis {
    let efficiency = if cum_sum == 0 {
        1.0
    } else {
        min_sum as f64 / cum_sum as f64
    };
    // dive: `sort.Sort` by cumulative size (ascending, unstable), then read from the end.
    // Ties come out where Go's pdqsort leaves them, reversed; gosort ports it exactly.
    super::gosort::sort(&mut inefficient, |a, b| {
        a.cumulative_size < b.cumulative_size
    });
    inefficient.reverse();
    let wasted_bytes: u64 = inefficient.iter().map(|r| r.cumulative_size as u64).sum();
    let size_bytes: u64 = image.layers.iter().map(|l| l.size).sum();
    let user_size_bytes: u64 = image.layers.iter().skip(1).map(|l| l.size).sum();
    DiveAnalysis {
        efficiency,
        wasted_bytes,
        size_bytes,
        user_size_bytes,
        user_wasted_percent: wasted_bytes as f64 / user_size_bytes as f64,
        inefficient,
    }
}

/// Go's `os.FileMode` for a tar header's mode and type flag, as `archive/tar` computes it.
pub fn go_file_mode(mode: u32, type_flag: u8) -> u32 {
    const DIR: u32 = 1 << 31;
    const SYMLINK: u32 = 1 << 27;
    const DEVICE: u32 = 1 << 26;
    const NAMED_PIPE: u32 = 1 << 25;
    const SOCKET: u32 = 1 << 24;
    const SETUID: u32 = 1 << 23;
    const SETGID: u32 = 1 << 22;
    const CHAR_DEVICE: u32 = 1 << 21;
    const STICKY: u32 = 1 << 20;
    let mut m = mode & 0o777;
    if mode & 0o4000 != 0 {
        m |= SETUID;
    }
    if mode & 0o2000 != 0 {
        m |= SETGID;
    }
    if mode & 0o1000 != 0 {
        m |= STICKY;
    }
    match mode & 0o170000 {
        0o040000 => m |= DIR,
        0o010000 => m |= NAMED_PIPE,
        0o120000 => m |= SYMLINK,
        0o060000 => m |= DEVICE,
        0o020000 => m |= DEVICE | CHAR_DEVICE,
        0o140000 => m |= SOCKET,
        _ => {}
    }
    match type_flag {
        b'2' => m |= SYMLINK,
        b'3' => m |= DEVICE | CHAR_DEVICE,
        b'4' => m |= DEVICE,
        b'5' => m |= DIR,
        b'6' => m |= NAMED_PIPE,
        _ => {}
    }
    m
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::analysis::testing::{arb_layers, file, image, whiteout};
    use crate::index::OwnedEntry;

    /// Names that sort before `.wh.` (`-`, `+`), after it, and between (`.a`).
    const NAMES: [&str; 6] = ["a", "b", "-x", "+y", ".a", "z~"];

    fn layers() -> impl Strategy<Value = Vec<Vec<OwnedEntry>>> {
        use crate::index::EntryKind::*;
        arb_layers(&NAMES, 4, &[File, Dir, Whiteout, Opaque], 12, 5)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

        /// The walk over node ids gives dive's figures, records in order, and file lists,
        /// exactly as the trees built by name do.
        #[test]
        fn merged_walk_is_the_reference(layers in layers()) {
            let img = image(layers.into_iter().map(|l| ("RUN x", l)).collect(), None);
            prop_assert!(merged_walk::applies(&img.tree));
            let excluded = |p: &str| p.starts_with('a');
            for ex in [None, Some(&excluded as &dyn Fn(&str) -> bool)] {
                prop_assert_eq!(
                    merged_walk::tally(&img.tree, ex),
                    reference::tally(&img.tree, ex)
                );
            }
            prop_assert_eq!(
                merged_walk::layer_file_lists(&img.tree),
                reference::layer_file_lists(&img.tree)
            );
        }
    }

    #[test]
    fn odd_names_take_the_reference() {
        let plain = image(vec![("RUN x", vec![file("etc/a", 1, 1)])], None);
        assert!(merged_walk::applies(&plain.tree));
        for odd in [
            vec![file(".wh.etc/a", 1, 1)],
            vec![file("etc/.wh.x/a", 1, 1)],
            vec![whiteout("etc/")],
            vec![whiteout("etc/.")],
            vec![whiteout("etc/..")],
        ] {
            let img = image(vec![("RUN x", odd.clone())], None);
            assert!(!merged_walk::applies(&img.tree), "{odd:?}");
        }
    }

    /// A whiteout leaf sorts by its `.wh.` name among its siblings, and where one gap opens
    /// several subtrees at once the outer whiteouts come first: layer 1's tree, children
    /// first, is `/-x/.wh.a /-x/k /-x /.wh.b /.wh.c /b/.wh.k /b` (`-` < `.` < `b`).
    #[test]
    fn whiteouts_take_their_place_in_the_walk() {
        let img = image(
            vec![
                (
                    "RUN base",
                    vec![file("-x/a", 5, 1), file("b/k", 7, 2), file("c", 3, 3)],
                ),
                (
                    "RUN del",
                    vec![
                        whiteout("c"),
                        whiteout("-x/a"),
                        whiteout("b/k"),
                        whiteout("b"),
                        file("-x/k", 1, 4),
                    ],
                ),
            ],
            None,
        );
        let lists = merged_walk::layer_file_lists(&img.tree);
        assert_eq!(
            lists[1],
            vec![
                Some((1, 1)),
                Some((1, 4)),
                None,
                Some((1, 3)),
                Some((1, 0)),
                Some((1, 2)),
                None
            ]
        );
        assert_eq!(lists, reference::layer_file_lists(&img.tree));
    }
}
