//! The squarified treemap layout (Bruls, Huizing and van Wijk, 2000), as a loop: rows of
//! rectangles are laid along the shorter side of the space left, and a row grows while that
//! makes its worst aspect ratio better. **Areas are proportional to sizes and the rectangles
//! tile the given one exactly**; no recursion, so callers can nest layouts to any depth with a
//! work list of their own.

/// A rectangle in the SVG's user units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    pub fn area(&self) -> f64 {
        self.w * self.h
    }

    /// The rectangle less `top` at the top and `pad` on every side (never negative).
    pub fn inset(&self, top: f64, pad: f64) -> Rect {
        Rect {
            x: self.x + pad,
            y: self.y + top + pad,
            w: (self.w - 2.0 * pad).max(0.0),
            h: (self.h - top - 2.0 * pad).max(0.0),
        }
    }
}

/// One rectangle per size, in the order given, tiling `r`. `sizes` should be largest first
/// (the layout's squareness depends on it, its correctness does not); zero sizes get empty
/// rectangles.
pub fn squarify(sizes: &[u64], r: Rect) -> Vec<Rect> {
    let total: f64 = sizes.iter().map(|&s| s as f64).sum();
    let empty = Rect {
        w: 0.0,
        h: 0.0,
        ..r
    };
    if total <= 0.0 || r.area() <= 0.0 {
        return vec![empty; sizes.len()];
    }
    let scale = r.area() / total;
    let areas: Vec<f64> = sizes.iter().map(|&s| s as f64 * scale).collect();
    let mut out = Vec::with_capacity(sizes.len());
    let mut free = r;
    let mut i = 0;
    while i < areas.len() {
        let side = free.w.min(free.h);
        let (mut j, mut sum, mut big, mut small) = (i + 1, areas[i], areas[i], areas[i]);
        let mut ratio = worst(big, small, sum, side);
        while j < areas.len() {
            let (b2, s2, sum2) = (big.max(areas[j]), small.min(areas[j]), sum + areas[j]);
            let r2 = worst(b2, s2, sum2, side);
            if r2 > ratio {
                break;
            }
            (big, small, sum, ratio) = (b2, s2, sum2, r2);
            j += 1;
        }
        let last = j == areas.len();
        place(&areas[i..j], sum, &mut free, last, &mut out);
        i = j;
    }
    out
}

/// The worst aspect ratio of a row of areas (largest `big`, smallest `small`, total `sum`)
/// laid along a side of length `side`.
fn worst(big: f64, small: f64, sum: f64, side: f64) -> f64 {
    if sum <= 0.0 || side <= 0.0 || small <= 0.0 {
        return f64::INFINITY;
    }
    let (s2, w2) = (sum * sum, side * side);
    (w2 * big / s2).max(s2 / (w2 * small))
}

/// Lays one row along the shorter side of `free` and takes it off `free`. The last row takes
/// all that is left, so rounding never leaves a gap.
fn place(row: &[f64], sum: f64, free: &mut Rect, last: bool, out: &mut Vec<Rect>) {
    let vertical = free.w >= free.h;
    let side = if vertical { free.h } else { free.w };
    let mut thickness = if side > 0.0 { sum / side } else { 0.0 };
    if last {
        thickness = if vertical { free.w } else { free.h };
    }
    let mut at = 0.0;
    for (k, &a) in row.iter().enumerate() {
        let mut len = if sum > 0.0 { side * a / sum } else { 0.0 };
        if k + 1 == row.len() {
            len = (side - at).max(0.0);
        }
        out.push(if vertical {
            Rect {
                x: free.x,
                y: free.y + at,
                w: thickness,
                h: len,
            }
        } else {
            Rect {
                x: free.x + at,
                y: free.y,
                w: len,
                h: thickness,
            }
        });
        at += len;
    }
    if vertical {
        free.x += thickness;
        free.w = (free.w - thickness).max(0.0);
    } else {
        free.y += thickness;
        free.h = (free.h - thickness).max(0.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const R: Rect = Rect {
        x: 10.0,
        y: 20.0,
        w: 600.0,
        h: 400.0,
    };

    #[test]
    fn areas_are_proportional_and_tile_the_rectangle() {
        let sizes = [6, 6, 4, 3, 2, 2, 1];
        let rects = squarify(&sizes, R);
        let total: u64 = sizes.iter().sum();
        for (s, r) in sizes.iter().zip(&rects) {
            let want = R.area() * *s as f64 / total as f64;
            assert!((r.area() - want).abs() < 1e-6, "{r:?} for {s}");
            assert!(r.x >= R.x - 1e-9 && r.x + r.w <= R.x + R.w + 1e-9);
            assert!(r.y >= R.y - 1e-9 && r.y + r.h <= R.y + R.h + 1e-9);
        }
        // No two rectangles overlap.
        for (i, a) in rects.iter().enumerate() {
            for b in &rects[i + 1..] {
                let ox = (a.x + a.w).min(b.x + b.w) - a.x.max(b.x);
                let oy = (a.y + a.h).min(b.y + b.h) - a.y.max(b.y);
                assert!(ox <= 1e-9 || oy <= 1e-9, "{a:?} overlaps {b:?}");
            }
        }
        // The classic example's first row: two squares-ish of 6 along the short side.
        assert!((rects[0].w - rects[1].w).abs() < 1e-9);
        assert!(rects[0].w / rects[0].h < 2.0 && rects[0].h / rects[0].w < 2.0);
    }

    #[test]
    fn zeros_and_degenerate_rectangles() {
        assert_eq!(squarify(&[], R), []);
        let r = squarify(&[0, 0], R);
        assert!(r.iter().all(|r| r.area() == 0.0));
        let r = squarify(&[5, 0], R);
        assert!((r[0].area() - R.area()).abs() < 1e-6 && r[1].area() == 0.0);
        let flat = Rect { h: 0.0, ..R };
        assert!(squarify(&[1, 2], flat).iter().all(|r| r.area() == 0.0));
        // Many items stay within bounds.
        let many: Vec<u64> = (1..=5000).rev().collect();
        let rects = squarify(&many, R);
        let sum: f64 = rects.iter().map(Rect::area).sum();
        assert!((sum - R.area()).abs() < 1e-3);
    }
}
