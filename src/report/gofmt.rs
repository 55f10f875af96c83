//! Number formatting the way dive's Go code prints it, for byte-identical output: Go's `%v`
//! and `%2.4f` for floats, encoding/json's float64, and go-humanize's `Bytes`.

/// Go's `fmt` `%v` for a float64: the shortest digits that read back as the same value, in
/// exponent form (`1e-05`, `1e+06`, exponent of two digits at least) when the decimal exponent
/// is below -4 or at least 6 (strconv's `%g` with shortest precision uses 6), `+Inf`, `NaN`.
pub fn go_float(v: f64) -> String {
    if let Some(special) = special(v) {
        return special.into();
    }
    let (sign, digits, exp) = shortest(v);
    if digits == "0" {
        return format!("{sign}0");
    }
    if !(-4..6).contains(&exp) {
        return format!("{sign}{}", exponent_form(&digits, exp, 2));
    }
    format!("{sign}{}", plain_form(&digits, exp))
}

/// How Go's encoding/json writes a float64 (dive's `efficiencyScore`): the shortest digits,
/// plain decimal (`1`, `0.000001`, `100000000000000000000`) when 1e-6 <= |v| < 1e21 or v is 0,
/// else exponent form with one exponent digit at least (`1e-7`, `1.5e-10`, `1e+21`).
/// `None` for NaN and the infinities, which JSON cannot hold (Go's encoder fails on them).
pub fn go_json_float(v: f64) -> Option<String> {
    if !v.is_finite() {
        return None;
    }
    let (sign, digits, exp) = shortest(v);
    if digits == "0" {
        return Some(format!("{sign}0"));
    }
    let abs = v.abs();
    if !(1e-6..1e21).contains(&abs) {
        return Some(format!("{sign}{}", exponent_form(&digits, exp, 1)));
    }
    Some(format!("{sign}{}", plain_form(&digits, exp)))
}

/// Go's `%2.4f` (dive's percentages): four decimals, correctly rounded; `+Inf`, `-Inf`, `NaN`
/// (Rust would write `inf`).
pub fn go_fixed4(v: f64) -> String {
    match special(v) {
        Some(s) => s.into(),
        None => format!("{v:.4}"),
    }
}

fn special(v: f64) -> Option<&'static str> {
    if v.is_nan() {
        Some("NaN")
    } else if v == f64::INFINITY {
        Some("+Inf")
    } else if v == f64::NEG_INFINITY {
        Some("-Inf")
    } else {
        None
    }
}

/// The sign, the shortest round-trip digits (no point, `0` for zero) and the decimal
/// exponent of the first digit.
fn shortest(v: f64) -> (&'static str, String, i32) {
    let sign = if v.is_sign_negative() { "-" } else { "" };
    // Rust's `{:e}` gives the shortest round-trip digits: "2.743555277021775e-1".
    let sci = format!("{:e}", v.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let digits = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    (sign, digits, exp.parse().unwrap_or(0))
}

/// `d.ddde±XX` with at least `min_exp_digits` exponent digits.
fn exponent_form(digits: &str, exp: i32, min_exp_digits: usize) -> String {
    let (first, rest) = digits.split_at(1);
    let frac = if rest.is_empty() {
        String::new()
    } else {
        format!(".{rest}")
    };
    let esign = if exp < 0 { '-' } else { '+' };
    format!(
        "{first}{frac}e{esign}{:0width$}",
        exp.abs(),
        width = min_exp_digits
    )
}

/// The digits with the decimal point placed for exponent `exp`, no exponent.
fn plain_form(digits: &str, exp: i32) -> String {
    let point = exp + 1; // digits before the decimal point
    if point <= 0 {
        format!("0.{}{}", "0".repeat((-point) as usize), digits)
    } else if point as usize >= digits.len() {
        format!("{}{}", digits, "0".repeat(point as usize - digits.len()))
    } else {
        let (a, b) = digits.split_at(point as usize);
        format!("{a}.{b}")
    }
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
        // strconv's %g with the shortest precision switches at an exponent of 6, not 21.
        assert_eq!(go_float(1e6), "1e+06");
        assert_eq!(go_float(123456789.0), "1.23456789e+08");
        assert_eq!(go_float(1e20), "1e+20");
        assert_eq!(go_float(100000.0), "100000");
        assert_eq!(go_float(0.0), "0");
        assert_eq!(go_float(-0.1), "-0.1");
        assert_eq!(go_float(1.6666663888889353e-07), "1.6666663888889353e-07");
        assert_eq!(go_float(f64::INFINITY), "+Inf");
    }

    #[test]
    fn json_numbers_like_go() {
        let j = |v: f64| go_json_float(v).unwrap();
        assert_eq!(j(1.0), "1");
        assert_eq!(j(0.0), "0");
        assert_eq!(j(0.9), "0.9");
        assert_eq!(j(0.6839485312125025), "0.6839485312125025");
        assert_eq!(j(1e-6), "0.000001");
        assert_eq!(j(1e-7), "1e-7");
        assert_eq!(j(1.6666663888889353e-07), "1.6666663888889353e-7");
        assert_eq!(j(1.5e-10), "1.5e-10");
        assert_eq!(j(1e20), "100000000000000000000");
        assert_eq!(j(1e21), "1e+21");
        assert_eq!(j(1.2), "1.2");
        assert_eq!(j(-0.1), "-0.1");
        assert_eq!(go_json_float(f64::NAN), None);
        assert_eq!(go_json_float(f64::INFINITY), None);
    }

    #[test]
    fn percentages_like_go() {
        assert_eq!(go_fixed4(f64::INFINITY), "+Inf");
        assert_eq!(go_fixed4(f64::NAN), "NaN");
        assert_eq!(go_fixed4(68.39485312125025), "68.3949");
        assert_eq!(go_fixed4(0.09375), "0.0938");
        assert_eq!(go_fixed4(-10.0), "-10.0000");
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
