//! How layerlens writes sizes and shares for people: **one rule for every output of ours**
//! (summary, text, JSON messages, JUnit, GitHub, diff, the UI). dive's own outputs (`--ci`
//! text, `--json` keys) keep dive's go-humanize formatting, in `report::gofmt`.
//!
//! The rule: decimal (SI) units like docker's, three significant digits, rounded to the
//! nearest (half up): `950 B`, `1.98 MB`, `19.8 MB`, `198 MB`, `1.00 GB`. Below 1000 the exact
//! byte count. Where two different byte counts would print the same, the outputs that compare
//! them (budgets) print the exact bytes beside.

/// Bytes as people read them: `1.98 MB` for 1,982,256.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 6] = ["kB", "MB", "GB", "TB", "PB", "EB"];
    if n < 1000 {
        return format!("{n} B");
    }
    let n = u128::from(n);
    let mut e = 0;
    let mut divisor: u128 = 1000;
    while n / divisor >= 1000 && e + 1 < UNITS.len() {
        divisor *= 1000;
        e += 1;
    }
    let round = |decimals: u32| (n * 10u128.pow(decimals) + divisor / 2) / divisor;
    // Three significant digits: 2, 1 or 0 decimals for 1-9, 10-99 and 100-999 units.
    let mut decimals = match n / divisor {
        0..=9 => 2,
        10..=99 => 1,
        _ => 0,
    };
    let mut q = round(decimals);
    if q >= 1000 {
        // 9.996 rounds to 10.00 and 99.96 to 100.0: one decimal fewer; 999.6 kB is 1.00 MB.
        if decimals > 0 {
            decimals -= 1;
            q = round(decimals);
        } else if e + 1 < UNITS.len() {
            return format!("1.00 {}", UNITS[e + 1]);
        }
    }
    fixed(q, decimals, UNITS[e])
}

fn fixed(q: u128, decimals: u32, unit: &str) -> String {
    if decimals == 0 {
        return format!("{q} {unit}");
    }
    let p = 10u128.pow(decimals);
    format!(
        "{}.{:0width$} {unit}",
        q / p,
        q % p,
        width = decimals as usize
    )
}

/// A share as a whole percentage, rounded to the nearest: `75 %`. Shares under 1 % that are not
/// zero print as `<1 %`, so a non-zero share never reads as nothing.
pub fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "0 %".to_string();
    }
    let p = (u128::from(part) * 100 + u128::from(whole) / 2) / u128::from(whole);
    if p == 0 && part > 0 {
        "<1 %".to_string()
    } else {
        format!("{p} %")
    }
}

/// dive's efficiency score (a ratio) as our outputs show it: a percentage with two decimals,
/// `96.47 %` (dive's own CI text keeps its four).
pub fn efficiency(ratio: f64) -> String {
    format!("{:.2} %", ratio * 100.0)
}

/// `1 file`, `3 files`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// Sizes as users write them in configs, read as go-humanize's `ParseBytes` reads them (dive
/// reads `highestWastedBytes` so): `20MB` = 20e6, `20MiB` = 20×2^20, plain numbers are bytes.
pub fn parse_bytes(s: &str) -> Option<u64> {
    let s = s.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let num: f64 = num.replace(',', "").parse().ok()?;
    let unit = unit.trim().to_ascii_lowercase();
    let mult: f64 = match unit.as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "ki" | "kib" => 1024.0,
        "m" | "mb" => 1e6,
        "mi" | "mib" => 1024f64.powi(2),
        "g" | "gb" => 1e9,
        "gi" | "gib" => 1024f64.powi(3),
        "t" | "tb" => 1e12,
        "ti" | "tib" => 1024f64.powi(4),
        "p" | "pb" => 1e15,
        "pi" | "pib" => 1024f64.powi(5),
        _ => return None,
    };
    let v = num * mult;
    (v.is_finite() && (0.0..1.8e19).contains(&v)).then_some(v as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_significant_digits_rounded_to_nearest() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(1000), "1.00 kB");
        assert_eq!(human_bytes(1_982_256), "1.98 MB");
        assert_eq!(human_bytes(1_048_576), "1.05 MB");
        assert_eq!(human_bytes(1_995_000), "2.00 MB");
        assert_eq!(human_bytes(1_994_999), "1.99 MB");
        assert_eq!(human_bytes(9_996_000), "10.0 MB");
        assert_eq!(human_bytes(19_849_000), "19.8 MB");
        assert_eq!(human_bytes(99_960_000), "100 MB");
        assert_eq!(human_bytes(198_400_000), "198 MB");
        assert_eq!(human_bytes(999_499), "999 kB");
        assert_eq!(human_bytes(999_500), "1.00 MB");
        assert_eq!(human_bytes(1_600_000_000), "1.60 GB");
        assert_eq!(human_bytes(u64::MAX), "18.4 EB");
    }

    #[test]
    fn percentages_and_counts() {
        assert_eq!(percent(3, 4), "75 %");
        assert_eq!(percent(1, 1000), "<1 %");
        assert_eq!(percent(0, 1000), "0 %");
        assert_eq!(percent(5, 0), "0 %");
        assert_eq!(count(1, "file", "files"), "1 file");
        assert_eq!(count(2, "file", "files"), "2 files");
        assert_eq!(parse_bytes("20MB"), Some(20_000_000));
        assert_eq!(parse_bytes("20MiB"), Some(20 * 1024 * 1024));
        assert_eq!(parse_bytes("1.5 GB"), Some(1_500_000_000));
        assert_eq!(parse_bytes("42"), Some(42));
        assert_eq!(parse_bytes("lots"), None);
    }
}
