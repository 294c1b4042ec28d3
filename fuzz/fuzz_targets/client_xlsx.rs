//! The input bytes as an Excel workbook (`rows.xlsx`), read with `ClientReader` and every row
//! that reads as a client decided under the standard policy in each of the four contexts.
//! Never a panic, an abort or an allocation sized by what the sheet declares rather than the
//! cells it holds (a `<dimension ref="A1:XFD1048576"/>`, a lone cell at `XFD1048576`).
//! Seeds: `tests/fixtures/hostile_input/*.xlsx` and any workbook of `tests/fixtures/`.

#![no_main]

use credit_policy::client::{ClientReader, Row};
use credit_policy::engine::Evaluator;
use credit_policy_fuzz::{contexts, scratch, standard};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = scratch("client_xlsx").join("rows.xlsx");
    if std::fs::write(&path, data).is_err() {
        return;
    }
    let Ok(reader) = ClientReader::open(&path.to_string_lossy()) else {
        return;
    };
    let policy = standard();
    let mut evaluators: Vec<Evaluator> = contexts()
        .iter()
        .filter_map(|c| Evaluator::new(policy, c).ok())
        .collect();
    for (n, row) in reader.enumerate() {
        // A sheet yields at most one row per cell, and a cell takes bytes of the file.
        assert!(n <= data.len() + 1, "more rows than input bytes");
        if let Ok(Row::Client(c)) = row {
            for ev in &mut evaluators {
                let _ = ev.decide(&c);
            }
        }
    }
});
