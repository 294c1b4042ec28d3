//! Exact decimals in and out: parsing amounts without ever passing through `f64`, and writing
//! them as decimal strings.

use std::str::FromStr;

use rust_decimal::Decimal;
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

/// The largest amount of money accepted anywhere (10^18): far above any real figure, and low
/// enough that sums over millions of clients can never overflow `Decimal`.
pub const MONEY_MAX: Decimal = Decimal::from_parts(0xA764_0000, 0x0DE0_B6B3, 0, false, 0);

/// Parses a plain decimal such as `-12.50`, `1e6` or `0.4`. Thousands separators, `NaN`,
/// `inf` and anything that does not fit a `Decimal` are refused with a reason in plain words.
pub fn parse_decimal(text: &str) -> Result<Decimal, String> {
    // The common case first: plain digits, an optional sign and point. Only what fails it is
    // looked at closely, to say why.
    if text
        .bytes()
        .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
        && !text.is_empty()
        && let Ok(d) = Decimal::from_str_exact(text)
    {
        return Ok(d);
    }
    let t = text.trim();
    if t.is_empty() {
        return Err("empty".into());
    }
    let lower = t.to_ascii_lowercase();
    if lower.contains("nan") || lower.contains("inf") {
        return Err(format!("`{t}` is not a number"));
    }
    if t.contains(',') {
        return Err(format!(
            "`{t}` has a thousands separator; write it without `,`"
        ));
    }
    // `_` only between two digits, as TOML writes `5_000_000` (the decimal parser would take
    // `5__000__000_` too).
    let b = t.as_bytes();
    if b.iter().enumerate().any(|(i, &c)| {
        c == b'_'
            && !(i > 0 && b[i - 1].is_ascii_digit() && b.get(i + 1).is_some_and(u8::is_ascii_digit))
    }) {
        return Err(format!(
            "`{t}` has a misplaced `_`; an underscore goes between two digits, as in 5_000_000"
        ));
    }
    let plain = t.strip_prefix('+').unwrap_or(t);
    let parsed = if plain.contains(['e', 'E']) {
        Decimal::from_scientific(plain)
    } else {
        Decimal::from_str_exact(plain)
    };
    parsed.map_err(|e| {
        let msg = e.to_string();
        let negative_exponent = plain
            .to_ascii_lowercase()
            .split_once('e')
            .is_some_and(|(_, x)| x.starts_with('-'));
        if negative_exponent && plain.chars().any(|c| c.is_ascii_digit() && c != '0') {
            format!("`{t}` is too small for a decimal, which holds at most 28 decimal places")
        } else if msg.contains("overflow") || msg.contains("too large") || msg.contains("exceeds") {
            format!("`{t}` is too large")
        } else {
            format!("`{t}` is not a number")
        }
    })
}

/// Money as it leaves the program: exact, with at least two decimal places (`150000` ->
/// `150000.00`), never fewer digits than the value holds. Serialises as a JSON string without
/// building one first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Money(pub Decimal);

impl std::fmt::Display for Money {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = self.0.normalize();
        if d.scale() < 2 {
            d.rescale(2);
        }
        std::fmt::Display::fmt(&d, f)
    }
}

impl serde::Serialize for Money {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Writes money with at least two decimal places; see [`Money`].
pub fn fmt_money(d: Decimal) -> String {
    Money(d).to_string()
}

/// Money for people: `1234567.5` -> `1,234,567.50`.
pub fn fmt_grouped(d: Decimal) -> String {
    let s = fmt_money(d);
    let (sign, digits) = s.strip_prefix('-').map_or(("", s.as_str()), |r| ("-", r));
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{frac}")
    }
}

/// Writes a ratio or score as it is, without trailing zeros (`0.50` -> `0.5`).
pub fn fmt_plain(d: Decimal) -> String {
    d.normalize().to_string()
}

/// A decimal rounded for reading, half away from zero, `places` decimals after multiplying it
/// by `10^shift`, without sign on zero (`-0.001` at two places is `0.00`). Works on the
/// decimal's digits, so no value is too large.
fn fixed(d: Decimal, shift: u32, places: u32) -> String {
    let (m, s) = (d.mantissa(), d.scale());
    let up = shift + places;
    // `m < 2^96` and `up <= 8` here, so the product fits an `i128`; `10^s <= 10^28` fits too.
    let n = if s <= up {
        m * 10i128.pow(up - s)
    } else {
        let div = 10i128.pow(s - up);
        let (q, r) = (m / div, m % div);
        if 2 * r.abs() >= div {
            q + m.signum()
        } else {
            q
        }
    };
    let digits = n.unsigned_abs().to_string();
    let places = places as usize;
    let digits = format!("{digits:0>width$}", width = places + 1);
    let (int, frac) = digits.split_at(digits.len() - places);
    let sign = if n < 0 { "-" } else { "" };
    if places == 0 {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac}")
    }
}

/// A share as a percent for reading, one decimal: `0.456` -> `45.6%`, `0.45` -> `45.0%`,
/// `1.42105263` -> `142.1%`. Reason texts use it; exact values stay in the JSON fields.
pub fn fmt_pct(d: Decimal) -> String {
    format!("{}%", fixed(d, 2, 1))
}

/// A ratio for reading, two decimals: `2.666...` -> `2.67`, `1.5` -> `1.50`.
pub fn fmt_ratio(d: Decimal) -> String {
    fixed(d, 0, 2)
}

/// Money for reading, two decimals: `1539000` -> `1539000.00`, `1.005` -> `1.01`. Unlike
/// [`fmt_money`], which writes the exact amount for machines, this rounds.
pub fn fmt_amount(d: Decimal) -> String {
    fixed(d, 0, 2)
}

/// A figure whose kind is not known (a script's named number) for reading: exact when it has
/// at most eight decimals (`0.6`, `0.59999999`, `1539000`), else rounded to eight and marked
/// `~` (`~0.33333333`), so a rounded figure never passes for the exact one. Eight places keep
/// a figure just past its threshold visibly past it, where a percent to one place may not.
pub fn fmt_figure(d: Decimal) -> String {
    let n = d.normalize();
    if n.scale() <= 8 {
        n.to_string()
    } else {
        format!("~{}", fixed(d, 0, 8))
    }
}

/// A number as written in a TOML file. Integers and strings are exact at once; a TOML float is
/// kept here only until its literal text is read back from the file (see
/// [`crate::policy::source::SourceFile::decimal`]), so `0.1` means exactly one tenth.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TomlNumber {
    Exact(Decimal),
    Float(f64),
}

impl<'de> Deserialize<'de> for TomlNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = TomlNumber;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a number, or a decimal in quotes such as \"0.40\"")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<TomlNumber, E> {
                Ok(TomlNumber::Exact(Decimal::from(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<TomlNumber, E> {
                Ok(TomlNumber::Exact(Decimal::from(v)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<TomlNumber, E> {
                if v.is_finite() {
                    Ok(TomlNumber::Float(v))
                } else {
                    Err(E::custom("`nan` and `inf` are not amounts; write a number"))
                }
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<TomlNumber, E> {
                parse_decimal(v).map(TomlNumber::Exact).map_err(E::custom)
            }
        }
        deserializer.deserialize_any(V)
    }
}

impl TomlNumber {
    /// The exact value, given the literal text the number was written as in its file; an
    /// error when it is too large (or too precise) for a decimal.
    pub fn exact(self, literal: &str) -> Result<Decimal, String> {
        match self {
            TomlNumber::Exact(d) => Ok(d),
            TomlNumber::Float(f) => parse_decimal(&literal.replace('_', ""))
                .or_else(|_| Decimal::from_str(&f.to_string()).map_err(|_| String::new()))
                .map_err(|_| {
                    if f.abs() < 1.0 {
                        format!(
                            "`{literal}` is too small for a decimal, which holds at most 28 decimal places"
                        )
                    } else {
                        format!("`{literal}` is too large for a decimal; the largest is about 7.9e28")
                    }
                }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exact_decimals_and_refuses_the_rest() {
        assert_eq!(parse_decimal("0.40").unwrap().to_string(), "0.40");
        assert_eq!(parse_decimal("1e3").unwrap(), Decimal::from(1000));
        assert_eq!(parse_decimal("+5").unwrap(), Decimal::from(5));
        assert!(parse_decimal("NaN").unwrap_err().contains("not a number"));
        assert!(parse_decimal("inf").is_err());
        assert!(parse_decimal("1,000").unwrap_err().contains("thousands"));
        assert!(parse_decimal("abc").is_err());
        assert!(parse_decimal("1e40").is_err());
        assert!(parse_decimal("1e-30").unwrap_err().contains("too small"));
        assert_eq!(
            parse_decimal("1e-28").unwrap().to_string(),
            "0.0000000000000000000000000001"
        );
        assert!(
            parse_decimal("5__000__000_")
                .unwrap_err()
                .contains("misplaced `_`")
        );
        assert_eq!(
            parse_decimal("5_000_000").unwrap(),
            Decimal::from(5_000_000)
        );
        assert!(
            parse_decimal("99999999999999999999999999999999")
                .unwrap_err()
                .contains("too large")
        );
    }

    fn dec(s: &str) -> Decimal {
        parse_decimal(s).unwrap()
    }

    #[test]
    fn shares_ratios_and_money_are_rounded_for_reading() {
        assert_eq!(fmt_pct(dec("0.456")), "45.6%");
        assert_eq!(fmt_pct(dec("0.45")), "45.0%");
        assert_eq!(fmt_pct(dec("1.42105263008310249464936579")), "142.1%");
        assert_eq!(fmt_pct(dec("0.00049")), "0.0%");
        assert_eq!(fmt_pct(dec("0.00051")), "0.1%");
        assert_eq!(fmt_pct(dec("-0.1205")), "-12.1%");
        assert_eq!(fmt_pct(dec("-0.0001")), "0.0%");
        assert_eq!(fmt_pct(Decimal::from(3)), "300.0%");
        assert_eq!(fmt_pct(Decimal::MAX), "7922816251426433759354395033500.0%");
        assert_eq!(fmt_ratio(dec("2.6666666666666666666666666667")), "2.67");
        assert_eq!(fmt_ratio(dec("1.5")), "1.50");
        assert_eq!(fmt_ratio(dec("0.005")), "0.01");
        assert_eq!(fmt_ratio(dec("-0.005")), "-0.01");
        assert_eq!(fmt_amount(Decimal::from(1539000)), "1539000.00");
        assert_eq!(fmt_amount(dec("1.005")), "1.01");
        assert_eq!(fmt_amount(dec("0.004")), "0.00");
        assert_eq!(fmt_figure(dec("0.60")), "0.6");
        assert_eq!(fmt_figure(dec("1539000.00")), "1539000");
        assert_eq!(fmt_figure(dec("0.59999999")), "0.59999999");
        assert_eq!(fmt_figure(dec("0.599999999")), "~0.60000000");
        assert_eq!(
            fmt_figure(dec("0.1000000105263157894736842105")),
            "~0.10000001"
        );
    }

    #[test]
    fn money_has_two_places_at_least() {
        assert_eq!(fmt_money(Decimal::from(150000)), "150000.00");
        assert_eq!(fmt_money(parse_decimal("1.005").unwrap()), "1.005");
        assert_eq!(fmt_money(parse_decimal("2.500").unwrap()), "2.50");
        assert_eq!(MONEY_MAX, Decimal::from(1_000_000_000_000_000_000_i64));
    }
}
