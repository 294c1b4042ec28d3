//! A structure-aware companion of `policy_toml`: the standard `policy.toml` with one to four of
//! its number literals (weights, band edges, points, thresholds, limits, ceilings, factors,
//! months, ...) replaced by numbers the input picks: the largest decimal, tiny and huge
//! exponents, negatives, long digit strings, as TOML numbers or strings. Byte-level mutation of
//! a whole TOML file rarely keeps it valid enough to reach these checks and the engine.
//! `Policy::load` must never panic; when the policy loads, the fixed clients are decided under
//! the four contexts of `contexts()`. With `CREDIT_POLICY_FUZZ_SHOW=1` the edits of each input
//! are printed, to turn a crash into a test.

#![no_main]

use std::ops::Range;
use std::path::PathBuf;
use std::sync::OnceLock;

use credit_policy::policy::Policy;
use credit_policy_fuzz::{decide_fixed, standard_copy};
use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;

const STANDARD_TOML: &str = include_str!("../../policies/standard/policy.toml");

fn folder() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| standard_copy("policy_numbers"))
}

/// Byte ranges of the number literals written after `= ` in the standard policy.
fn literals() -> &'static [Range<usize>] {
    static SPANS: OnceLock<Vec<Range<usize>>> = OnceLock::new();
    SPANS.get_or_init(|| {
        let b = STANDARD_TOML.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i + 2 < b.len() {
            if &b[i..i + 2] == b"= " {
                let start = i + 2;
                let mut end = start;
                while end < b.len() && b"0123456789.-+eE_".contains(&b[end]) {
                    end += 1;
                }
                if end > start && (b[start].is_ascii_digit() || b[start] == b'-') {
                    out.push(start..end);
                }
                i = end.max(i + 1);
            } else {
                i += 1;
            }
        }
        assert!(out.len() > 100, "the standard policy has its numbers");
        out
    })
}

fn digits(u: &mut Unstructured, most: usize) -> Result<String> {
    let n = u.int_in_range(1..=most)?;
    let mut s = String::with_capacity(n);
    for _ in 0..n {
        s.push(char::from(b'0' + u.int_in_range(0..=9)?));
    }
    Ok(s)
}

/// A number literal chosen by the input.
fn literal(u: &mut Unstructured) -> Result<String> {
    let sign = if u.arbitrary()? { "-" } else { "" };
    let body = match u.int_in_range(0..=9)? {
        0 => "79228162514264337593543950335".to_string(),
        1 => "0.0000000000000000000000000001".to_string(),
        2 => format!("{}e{}", digits(u, 3)?, u.int_in_range(-45i32..=45)?),
        3 => digits(u, 30)?,
        4 => format!("{}.{}", digits(u, 15)?, digits(u, 15)?),
        5 => u.arbitrary::<i64>()?.unsigned_abs().to_string(),
        6 => "0".to_string(),
        7 => format!("1{}", "0".repeat(u.int_in_range(1..=30)?)),
        8 => format!("0.{}1", "0".repeat(u.int_in_range(1..=30)?)),
        _ => u.int_in_range(0u32..=200)?.to_string(),
    };
    let n = format!("{sign}{body}");
    // Beyond i64 or with an exponent a TOML number is a float or an error: quote it half the time.
    Ok(if u.arbitrary()? {
        format!("\"{n}\"")
    } else {
        n
    })
}

fn mutate(u: &mut Unstructured) -> Result<String> {
    let spans = literals();
    let mut edits: Vec<(Range<usize>, String)> = Vec::new();
    for _ in 0..u.int_in_range(1..=4)? {
        let at = spans[u.choose_index(spans.len())?].clone();
        if edits.iter().all(|(r, _)| r.start != at.start) {
            edits.push((at, literal(u)?));
        }
    }
    edits.sort_by_key(|(r, _)| std::cmp::Reverse(r.start));
    let show = std::env::var_os("CREDIT_POLICY_FUZZ_SHOW").is_some();
    let mut text = STANDARD_TOML.to_string();
    for (r, lit) in edits {
        if show {
            // To turn a crash into a test: which line of policy.toml became what.
            let line = STANDARD_TOML[..r.start].matches('\n').count() + 1;
            let old = STANDARD_TOML[..r.end].rsplit('\n').next().unwrap_or("");
            eprintln!("policy.toml:{line}: `{}` -> `{lit}`", old.trim());
        }
        text.replace_range(r, &lit);
    }
    Ok(text)
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = mutate(&mut Unstructured::new(data)) else {
        return;
    };
    let dir = folder();
    std::fs::write(dir.join("policy.toml"), text).expect("write policy.toml");
    match Policy::load(dir) {
        Ok(policy) => decide_fixed(&policy),
        Err(e) => {
            for d in &e.diagnostics {
                let _ = d.to_string();
            }
        }
    }
});
