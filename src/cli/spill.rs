//! A temporary file that holds rows a command writes only at the end (the changed clients of
//! `compare`, listed after totals that are known only when every client is in), so that memory
//! does not grow with the portfolio. It sits beside the output file when there is one (so it
//! takes space where the output will), else in the temporary directory; it is registered with
//! [`credit_policy::safety::register_temp`] so that a signal removes it, and removed on drop.

use std::io::{self, BufWriter, Seek as _, SeekFrom, Write};
use std::path::Path;

use tempfile::NamedTempFile;

pub struct Spill {
    out: BufWriter<NamedTempFile>,
    /// How many items [`Spill::item`] wrote.
    pub count: u64,
}

impl Spill {
    /// A new, empty spill file, in the folder of `beside` when given.
    pub fn new(beside: Option<&Path>) -> io::Result<Spill> {
        let mut b = tempfile::Builder::new();
        b.prefix(".credit-policy-spill-").suffix(".tmp");
        let dir = beside
            .and_then(Path::parent)
            .filter(|p| !p.as_os_str().is_empty())
            .map(Path::to_path_buf)
            .unwrap_or_else(std::env::temp_dir);
        // A folder we cannot write into (the output may be a device) falls back to the
        // temporary directory.
        let file = b.tempfile_in(&dir).or_else(|_| b.tempfile())?;
        credit_policy::safety::register_temp(file.path());
        Ok(Spill {
            out: BufWriter::with_capacity(1 << 16, file),
            count: 0,
        })
    }

    /// Writes `text` as one item of a list, after `sep` unless it is the first.
    pub fn item(&mut self, text: &str, sep: &str) -> io::Result<()> {
        if self.count > 0 {
            self.out.write_all(sep.as_bytes())?;
        }
        self.count += 1;
        self.out.write_all(text.as_bytes())
    }

    /// Copies everything written so far to `to`.
    pub fn copy_to(&mut self, to: &mut dyn Write) -> io::Result<()> {
        self.out.flush()?;
        let file = self.out.get_mut().as_file_mut();
        file.seek(SeekFrom::Start(0))?;
        io::copy(&mut &*file, to)?;
        Ok(())
    }
}

impl Write for Spill {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.out.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

impl Drop for Spill {
    fn drop(&mut self) {
        // The file itself goes with the handle.
        credit_policy::safety::forget_temp(self.out.get_ref().path());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_come_back_in_order_with_their_separators() {
        let mut s = Spill::new(None).unwrap();
        s.item("a", ",\n").unwrap();
        s.item("b", ",\n").unwrap();
        let mut out = Vec::new();
        s.copy_to(&mut out).unwrap();
        assert_eq!(out, b"a,\nb");
        assert_eq!(s.count, 2);
        let path = s.out.get_ref().path().to_path_buf();
        drop(s);
        assert!(!path.exists());
    }
}
