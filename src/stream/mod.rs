//! Streaming a portfolio through the engine on every core, with results in input order.
//!
//! One thread reads raw rows in batches; worker threads check and decide them (each with its
//! own compiled scripts); the calling thread puts the batches back in input order, refuses
//! duplicate ids, and hands each result to the caller. Channels are bounded, so memory holds a
//! few batches whatever the size of the input, and the output is byte for byte the same as a
//! run on one thread.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use crossbeam_channel::bounded;

use crate::client::{Client, ClientReader, InputError, RawBatch, Reject, SeenIds};

/// Rows handed to a worker at a time.
const BATCH: usize = 512;
/// The most bytes of CSV cells in a batch (past its first row): a batch of long rows is cut
/// short so that it, its clients and its results stay in a core's cache.
const BATCH_BYTES: usize = 256 * 1024;

/// What happens to one row.
#[derive(Debug)]
pub enum Item<T> {
    Decided(T),
    Rejected(Reject),
}

/// Why a stream stopped early.
#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error("{0}")]
    Output(std::io::Error),
    #[error("{0}")]
    Setup(String),
}

type RowOut<T> = Result<(String, u64, T), Reject>;

/// How many threads to use: `requested`, or one per core.
pub fn threads(requested: Option<usize>) -> usize {
    requested
        .filter(|n| *n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
}

/// Runs every row of `reader` through a worker made by `make_worker` (one per thread) and gives
/// the results to `sink` in input order. `progress` is told the bytes read so far.
pub fn run<T, M, W, S>(
    mut reader: ClientReader,
    threads: usize,
    make_worker: M,
    mut sink: S,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(), StreamError>
where
    T: Send,
    M: Fn() -> Result<W, String> + Sync,
    W: FnMut(&Client) -> Result<T, Reject>,
    S: FnMut(Item<T>) -> std::io::Result<()>,
{
    let threads = threads.max(1);
    let (work_tx, work_rx) = bounded::<(u64, RawBatch)>(threads * 2);
    let (done_tx, done_rx) = bounded::<(u64, Vec<RowOut<T>>)>(threads * 2);
    let failure: Mutex<Option<(u64, StreamError)>> = Mutex::new(None);
    let bytes = AtomicU64::new(0);
    let parser = reader.parser();

    std::thread::scope(|scope| {
        // The reader.
        let fail = &failure;
        let bytes_read = &bytes;
        scope.spawn(move || {
            for seq in 0u64.. {
                let (batch, error) = reader.next_batch(BATCH, BATCH_BYTES);
                bytes_read.store(reader.bytes_read(), Ordering::Relaxed);
                if let Some(e) = error {
                    if let Ok(mut f) = fail.lock() {
                        f.get_or_insert((seq + 1, StreamError::Input(e)));
                    }
                    if !batch.is_empty() {
                        let _ = work_tx.send((seq, batch));
                    }
                    return;
                }
                if batch.is_empty() {
                    return;
                }
                if work_tx.send((seq, batch)).is_err() {
                    return;
                }
            }
        });

        // The workers.
        for _ in 0..threads {
            let work_rx = work_rx.clone();
            let done_tx = done_tx.clone();
            let mut parser = parser.clone();
            let make_worker = &make_worker;
            scope.spawn(move || {
                let mut work = match make_worker() {
                    Ok(w) => w,
                    Err(e) => {
                        if let Ok(mut f) = fail.lock() {
                            f.get_or_insert((0, StreamError::Setup(e)));
                        }
                        return;
                    }
                };
                for (seq, batch) in work_rx.iter() {
                    let mut out: Vec<RowOut<T>> = Vec::with_capacity(batch.len());
                    out.extend(parser.parse_batch(batch).map(|client| {
                        let client = client?;
                        let t = work(&client)?;
                        Ok((client.id, client.line, t))
                    }));
                    if done_tx.send((seq, out)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(work_rx);
        drop(done_tx);

        // Back in order. The receiver is owned here, so returning early drops it and lets the
        // workers and the reader stop.
        let done_rx = done_rx;
        let mut seen = SeenIds::default();
        let mut pending: BTreeMap<u64, Vec<RowOut<T>>> = BTreeMap::new();
        let mut next = 0u64;
        for (seq, out) in done_rx.iter() {
            pending.insert(seq, out);
            while let Some(rows) = pending.remove(&next) {
                next += 1;
                for row in rows {
                    let item = match row {
                        Ok((id, line, t)) => match seen.check(&id, line) {
                            Ok(()) => Item::Decided(t),
                            Err(r) => Item::Rejected(r),
                        },
                        Err(r) => Item::Rejected(r),
                    };
                    if let Err(e) = sink(item) {
                        if let Ok(mut f) = failure.lock() {
                            f.get_or_insert((0, StreamError::Output(e)));
                        }
                        // Dropping the receiver stops the workers and the reader.
                        return;
                    }
                }
                progress(bytes.load(Ordering::Relaxed));
            }
        }
    });
    match failure.into_inner().ok().flatten() {
        Some((_, e)) => Err(e),
        None => Ok(()),
    }
}
