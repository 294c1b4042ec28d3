//! The input bytes as client rows, read with `ClientReader` from a file and every row decided
//! under the standard policy (normal, recession, weak company, both):
//!
//! 1. as CSV rows after a fixed header naming every column (`with_header.csv`);
//! 2. as a whole CSV file, header included (`whole.csv`);
//! 3. as JSON Lines (`rows.jsonl`);
//! 4. as a JSON array (`rows.json`).
//!
//! Never a panic, and the reader ends: it yields at most one item per input byte (plus one).
//! With `CREDIT_POLICY_FUZZ_STRICT=1` a row that reads as a client must also be decided
//! without a script error under the standard policy.

#![no_main]

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use credit_policy::client::{ClientReader, Row};
use credit_policy::engine::Evaluator;
use credit_policy_fuzz::{contexts, full_header, scratch, standard};
use libfuzzer_sys::fuzz_target;

struct Setup {
    dir: PathBuf,
    header: String,
    strict: bool,
}

fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| Setup {
        dir: scratch("client_row"),
        header: full_header(),
        strict: std::env::var_os("CREDIT_POLICY_FUZZ_STRICT").is_some_and(|v| v == "1"),
    })
}

thread_local! {
    /// One evaluator per context, built once: the standard policy's scripts compile once.
    static EVALUATORS: RefCell<Vec<Evaluator<'static>>> = RefCell::new(
        contexts()
            .iter()
            .map(|c| Evaluator::new(standard(), c).expect("standard policy, known economies"))
            .collect(),
    );
}

fn read_and_decide(path: &Path, bytes: &[u8]) {
    let s = setup();
    std::fs::write(path, bytes).expect("write input");
    let reader = match ClientReader::open(&path.to_string_lossy()) {
        Ok(r) => r,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    let most = bytes.len() + 1;
    let mut items = 0usize;
    for row in reader {
        items += 1;
        assert!(
            items <= most,
            "the reader of {} yields more items than the input has bytes",
            path.display()
        );
        match row {
            Ok(Row::Client(c)) => EVALUATORS.with(|evs| {
                for ev in evs.borrow_mut().iter_mut() {
                    match ev.decide(&c) {
                        Ok(d) => {
                            std::hint::black_box(d);
                        }
                        Err(e) if s.strict => panic!("standard policy failed on {c:?}: {e}"),
                        Err(_) => {}
                    }
                }
            }),
            Ok(Row::Reject(r)) => {
                let _ = r.reason.len();
            }
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let s = setup();
    let mut with_header = Vec::with_capacity(s.header.len() + 1 + data.len());
    with_header.extend_from_slice(s.header.as_bytes());
    with_header.push(b'\n');
    with_header.extend_from_slice(data);
    read_and_decide(&s.dir.join("with_header.csv"), &with_header);
    read_and_decide(&s.dir.join("whole.csv"), data);
    read_and_decide(&s.dir.join("rows.jsonl"), data);
    read_and_decide(&s.dir.join("rows.json"), data);
});
