//! Number formatting the way dive's Go code prints it, for byte-identical CI output:
//! Go's `%v` for floats and go-humanize's `Bytes` / `ParseBytes`.

/// Go's `fmt` `%v` for a float64: shortest representation, exponent form when the decimal
/// exponent is below -4 or at least 21.
pub fn go_float(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    if v == 0.0 {
        return if v.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    // Rust's `{:e}` gives the shortest round-trip digits: "2.743555277021775e-1".
    let sci = format!("{v:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    let sign = if negative { "-" } else { "" };
    if !(-4..21).contains(&exp) {
        let (first, rest) = digits.split_at(1);
        let frac = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{first}{frac}e{esign}{:02}", exp.abs());
    }
    let point = exp + 1; // digits before the decimal point
    let s = if point <= 0 {
        format!("0.{}{}", "0".repeat((-point) as usize), digits)
    } else if point as usize >= digits.len() {
        format!("{}{}", digits, "0".repeat(point as usize - digits.len()))
    } else {
        let (a, b) = digits.split_at(point as usize);
        format!("{a}.{b}")
    };
    format!("{sign}{s}")
}

/// go-humanize's `Bytes`: SI units, one decimal below 10 ("5.2 MB", "15 MB", "999 B").
pub fn humanize_bytes(n: u64) -> String {
    const UNITS: [&str; 7] = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];
    if n < 10 {
        return format!("{n} B");
    }
    let e = ((n as f64).ln() / 1000f64.ln()).floor();
    let suffix = UNITS[e as usize];
    let val = ((n as f64) / 1000f64.powf(e) * 10.0 + 0.5).floor() / 10.0;
    if val < 10.0 {
        format!("{val:.1} {suffix}")
    } else {
        format!("{val:.0} {suffix}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_like_go() {
        assert_eq!(go_float(0.2743555277021775), "0.2743555277021775");
        assert_eq!(go_float(1.0), "1");
        assert_eq!(go_float(0.1), "0.1");
        assert_eq!(go_float(1.2), "1.2");
        assert_eq!(go_float(0.00001), "1e-05");
        assert_eq!(go_float(0.0001), "0.0001");
        assert_eq!(go_float(123456.0), "123456");
        assert_eq!(go_float(1e21), "1e+21");
        assert_eq!(go_float(f64::NAN), "NaN");
    }

    #[test]
    fn bytes_like_humanize() {
        assert_eq!(humanize_bytes(5242880), "5.2 MB");
        assert_eq!(humanize_bytes(9), "9 B");
        assert_eq!(humanize_bytes(999), "999 B");
        assert_eq!(humanize_bytes(1000), "1.0 kB");
        assert_eq!(humanize_bytes(15_000_000), "15 MB");
    }
}
