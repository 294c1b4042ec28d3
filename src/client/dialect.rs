//! How a text input is written, found from its first bytes: its encoding (UTF-8 with or
//! without a byte order mark, UTF-16 with one, or a legacy encoding such as GB18030, Chinese
//! Excel's default for CSV), its delimiter (`,`, `;` or tab, from the header line), and whether
//! its numbers use a decimal comma.
//!
//! Detection reads a sample of the first [`SAMPLE`] bytes; the rest of the input is decoded as
//! it streams ([`encoding_rs_io::DecodeReaderBytes`]), so a large file is never held in memory
//! to be decoded. UTF-8 without a byte order mark is passed through untouched, the common case
//! costing nothing.

use std::io::{self, Cursor, Read};

use encoding_rs::{Encoding, GB18030, GBK, UTF_8};
use encoding_rs_io::DecodeReaderBytesBuilder;

/// How many bytes are read to tell the encoding and the delimiter.
pub const SAMPLE: usize = 64 * 1024;

/// How the encoding of an input was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detection {
    /// Named with `--encoding`.
    Given,
    /// Told by a byte order mark.
    Bom,
    /// The sample is valid UTF-8.
    Utf8,
    /// Guessed from the sample's bytes (it is not UTF-8).
    Guessed,
}

/// The encoding of an input and how it was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sniffed {
    pub encoding: &'static Encoding,
    pub how: Detection,
}

impl Sniffed {
    /// A few words for a note: `GB18030 (guessed)`, `UTF-16LE (byte order mark)`.
    pub fn describe(&self) -> String {
        let how = match self.how {
            Detection::Given => "given",
            Detection::Bom => "byte order mark",
            Detection::Utf8 => "valid UTF-8",
            Detection::Guessed => "guessed from its bytes",
        };
        format!("{} ({how})", self.encoding.name())
    }
}

/// The encoding named `label` (`utf-8`, `utf-16le`, `gbk`, `gb18030`, `windows-1252`, ... any
/// WHATWG label). GBK is read as GB18030, of which it is a part.
pub fn encoding_for_label(label: &str) -> Result<&'static Encoding, String> {
    let l = label.trim().to_ascii_lowercase();
    let found = match l.as_str() {
        "utf8" => Some(UTF_8),
        "utf16" | "utf16le" | "unicode" => Encoding::for_label(b"utf-16le"),
        "utf16be" => Encoding::for_label(b"utf-16be"),
        "cp936" | "ms936" | "gb2312" | "gbk" => Some(GB18030),
        other => Encoding::for_label(other.as_bytes()),
    };
    match found {
        // `replacement` is a label for encodings that must never be decoded.
        Some(e) if e.name() != "replacement" => Ok(if e == GBK { GB18030 } else { e }),
        _ => Err(format!(
            "`{label}` is not an encoding this program knows; use e.g. utf-8, utf-16le, utf-16be, gb18030, gbk, big5, shift_jis or windows-1252"
        )),
    }
}

/// The encoding of an input whose first bytes are `sample` (at most [`SAMPLE`] of them, or the
/// whole input when it is shorter): a byte order mark wins, then `given`, then UTF-8 when the
/// sample is valid UTF-8 (a character cut at the end of the sample counts as valid), else the
/// guess of `chardetng`. A guess of GBK is read as GB18030, which includes it.
pub fn sniff_encoding(sample: &[u8], given: Option<&'static Encoding>) -> Sniffed {
    if let Some((encoding, _)) = Encoding::for_bom(sample) {
        return Sniffed {
            encoding,
            how: Detection::Bom,
        };
    }
    if let Some(encoding) = given {
        return Sniffed {
            encoding,
            how: Detection::Given,
        };
    }
    let (valid, invalid) = utf8_counts(sample);
    // A character cut off by the end of the sample is not held against it.
    if invalid == 0 {
        return Sniffed {
            encoding: UTF_8,
            how: Detection::Utf8,
        };
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(sample, sample.len() < SAMPLE);
    let guess = detector.guess(None, chardetng::Utf8Detection::Deny);
    // UTF-8 with a few bad bytes stays UTF-8, so the bad bytes are reported on their rows
    // rather than every other character garbled: real UTF-8 characters next to bytes a
    // single-byte encoding would take, or far more of them than bad bytes.
    if valid > 0 && (guess.is_single_byte() || valid >= 4 * invalid) {
        return Sniffed {
            encoding: UTF_8,
            how: Detection::Utf8,
        };
    }
    Sniffed {
        encoding: if guess == GBK { GB18030 } else { guess },
        how: Detection::Guessed,
    }
}

/// How many characters of `sample` outside ASCII are valid UTF-8, and how many bytes are not
/// (a character cut off at the end of a full sample is neither).
fn utf8_counts(sample: &[u8]) -> (usize, usize) {
    let (mut valid, mut invalid) = (0, 0);
    let mut rest = sample;
    loop {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                valid += s.chars().filter(|c| !c.is_ascii()).count();
                return (valid, invalid);
            }
            Err(e) => {
                let (good, bad) = rest.split_at(e.valid_up_to());
                valid += std::str::from_utf8(good)
                    .map_or(0, |s| s.chars().filter(|c| !c.is_ascii()).count());
                match e.error_len() {
                    Some(n) => {
                        invalid += 1;
                        rest = &bad[n..];
                    }
                    None => {
                        if sample.len() < SAMPLE {
                            invalid += 1;
                        }
                        return (valid, invalid);
                    }
                }
            }
        }
    }
}

/// Reads until `buf` holds `limit` bytes, or a newline is seen when `line` is set, or the end.
fn read_prefix(r: &mut dyn Read, limit: usize, line: bool) -> io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(limit.min(SAMPLE));
    let mut chunk = [0u8; 8192];
    while buf.len() < limit {
        let want = chunk.len().min(limit - buf.len());
        let n = match r.read(&mut chunk[..want]) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        buf.extend_from_slice(&chunk[..n]);
        if line && chunk[..n].contains(&b'\n') {
            break;
        }
    }
    Ok(buf)
}

/// A text input opened as UTF-8: the decoded stream and what its first bytes told.
pub struct Decoded {
    /// The input as UTF-8, from its first byte (a byte order mark removed).
    pub reader: Box<dyn Read + Send>,
    /// Its encoding, and how it was found.
    pub sniffed: Sniffed,
    /// Its first decoded bytes: at least the first line, unless the line is very long.
    pub head: Vec<u8>,
}

/// Opens `raw` as UTF-8 text: the encoding is found from its first bytes (see
/// [`sniff_encoding`]), the rest decoded as it is read. Bytes that are not valid in the
/// encoding come out as U+FFFD, except in UTF-8, which passes through unchanged so that a bad
/// byte is reported on its row.
pub fn decode(
    mut raw: Box<dyn Read + Send>,
    given: Option<&'static Encoding>,
) -> io::Result<Decoded> {
    let sample = read_prefix(&mut raw, SAMPLE, false)?;
    let sniffed = sniff_encoding(&sample, given);
    let joined = Cursor::new(sample).chain(raw);
    let mut reader: Box<dyn Read + Send> = Box::new(
        DecodeReaderBytesBuilder::new()
            // UTF-8 is passed through, its byte order mark dropped; any other is decoded, a
            // byte order mark (which won over `given` above) choosing the decoder.
            .encoding((sniffed.encoding != UTF_8).then_some(sniffed.encoding))
            .bom_override(true)
            .strip_bom(true)
            .utf8_passthru(true)
            .build(joined),
    );
    let head = read_prefix(&mut reader, SAMPLE, true)?;
    let reader = Box::new(Cursor::new(head.clone()).chain(reader));
    Ok(Decoded {
        reader,
        sniffed,
        head,
    })
}

/// The delimiter of a CSV file from its header line: the most frequent of `,`, `;` and tab
/// outside quotes (`,` when none is there, or on a tie with it).
pub fn sniff_delimiter(head: &[u8]) -> u8 {
    let line = head.split(|&b| b == b'\n').next().unwrap_or_default();
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for &b in line {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted && let Some(c) = counts.iter_mut().find(|(d, _)| *d == b) {
            c.1 += 1;
        }
    }
    // `max_by_key` keeps the last of equals; the list is reversed so `,` wins a tie.
    counts
        .iter()
        .rev()
        .max_by_key(|(_, n)| *n)
        .filter(|(_, n)| *n > 0)
        .map_or(b',', |(d, _)| *d)
}

/// The delimiter named on the command line: one ASCII character, or `tab`, `\t`, `comma`,
/// `semicolon`.
pub fn delimiter_for_name(name: &str) -> Result<u8, String> {
    match name {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        "comma" => Ok(b','),
        "semicolon" => Ok(b';'),
        "pipe" => Ok(b'|'),
        s if s.len() == 1 && s.is_ascii() && s != "\"" && s != "\n" => Ok(s.as_bytes()[0]),
        _ => Err(format!(
            "`{name}` is not a delimiter; give one character such as `;` or `|`, or `tab`"
        )),
    }
}

/// The delimiter as a person names it: `,` `;` `tab`.
pub fn delimiter_name(d: u8) -> String {
    match d {
        b'\t' => "tab".into(),
        other => format!("`{}`", other as char),
    }
}

/// What to tell a person about a number cell written with a comma, when it is not a plain
/// thousands separator: `1.234,56` and `0,95` use a decimal comma; `1,234` could be either.
/// `None` when the text has no comma or reads as thousands grouping (`1,234,567.89`).
pub fn comma_problem(text: &str) -> Option<String> {
    let t = text.trim();
    if !t.contains(',') {
        return None;
    }
    let body = t.trim_start_matches(['-', '+']);
    let digits_and = |s: &str, extra: &[char]| {
        !s.is_empty() && s.chars().all(|c| c.is_ascii_digit() || extra.contains(&c))
    };
    if !digits_and(body, &[',', '.']) {
        return None;
    }
    let (int, frac) = body.rsplit_once(',')?;
    let dots_before = int.contains('.');
    let commas_before = int.contains(',');
    let dot_after = frac.contains('.');
    let fixed = format!(
        "{}{}.{}",
        if t.starts_with('-') { "-" } else { "" },
        int.replace('.', ""),
        frac
    );
    if dot_after || (commas_before && frac.len() == 3) {
        // `1,234,567` or `1,234.5`: thousands grouping, which the caller words.
        return None;
    }
    if dots_before || frac.len() != 3 {
        return Some(format!(
            "`{t}` has a decimal comma; write numbers with a decimal point (`{fixed}`): in Excel, set the decimal separator to `.` (File > Options > Advanced) before saving as CSV"
        ));
    }
    Some(format!(
        "`{t}` has a `,` that may be a decimal comma (`{fixed}`) or a thousands separator (`{}`); write numbers with a `.` for decimals and no thousands separator",
        body.replace(',', "")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded(bytes: &[u8], given: Option<&'static Encoding>) -> (String, Sniffed) {
        let d = decode(Box::new(Cursor::new(bytes.to_vec())), given).unwrap();
        let sniffed = d.sniffed;
        let mut s = String::new();
        let mut r = d.reader;
        r.read_to_string(&mut s).unwrap();
        (s, sniffed)
    }

    #[test]
    fn utf8_with_or_without_a_bom_reads_the_same() {
        let (plain, s) = decoded("id,name\nK1,华南\n".as_bytes(), None);
        assert_eq!(plain, "id,name\nK1,华南\n");
        assert_eq!(s.how, Detection::Utf8);
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice("id,name\nK1,华南\n".as_bytes());
        let (text, s) = decoded(&bom, None);
        assert_eq!(text, plain);
        assert_eq!((s.encoding, s.how), (UTF_8, Detection::Bom));
    }

    #[test]
    fn utf16_with_a_bom_is_decoded_either_way_round() {
        let text = "id\tname\nK1\t华南\n";
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        assert_eq!(decoded(&le, None).0, text);
        assert_eq!(decoded(&be, None).0, text);
        // The byte order mark wins over a wrong `--encoding`.
        assert_eq!(decoded(&le, Some(GB18030)).0, text);
    }

    #[test]
    fn gbk_is_guessed_and_can_be_named() {
        let text = "客户编码,客户名称,年销售额\nK1,华南贸易有限公司,1000\nK2,北京恒信商贸,2000\n";
        let (bytes, _, _) = GB18030.encode(text);
        let (out, s) = decoded(&bytes, None);
        assert_eq!(out, text);
        assert_eq!((s.encoding, s.how), (GB18030, Detection::Guessed));
        let (out, s) = decoded(&bytes, Some(encoding_for_label("gbk").unwrap()));
        assert_eq!(out, text);
        assert_eq!(s.how, Detection::Given);
    }

    #[test]
    fn utf8_with_a_bad_byte_stays_utf8() {
        let s = sniff_encoding(b"id,name\nD1,\xFF\xFE\nD2,\xE5\x8D\x8E\n", None);
        assert_eq!((s.encoding, s.how), (UTF_8, Detection::Utf8));
        let ascii_and_bad = sniff_encoding(b"id,name\nD1,caf\xE9\n", None);
        assert_eq!(ascii_and_bad.encoding.name(), "windows-1252");
    }

    #[test]
    fn labels_are_checked() {
        assert_eq!(encoding_for_label("GBK").unwrap(), GB18030);
        assert_eq!(encoding_for_label("utf8").unwrap(), UTF_8);
        assert_eq!(encoding_for_label("UTF-16").unwrap().name(), "UTF-16LE");
        assert!(encoding_for_label("klingon").is_err());
    }

    #[test]
    fn the_delimiter_is_read_from_the_header_line() {
        assert_eq!(sniff_delimiter(b"id,name,annual_sales\n1;2;3\n"), b',');
        assert_eq!(sniff_delimiter(b"id;name;annual_sales\n"), b';');
        assert_eq!(sniff_delimiter(b"id\tname\tannual_sales"), b'\t');
        assert_eq!(sniff_delimiter(b"\"a;b\",c\n"), b',');
        assert_eq!(sniff_delimiter(b"id\n"), b',');
        assert_eq!(delimiter_for_name("tab").unwrap(), b'\t');
        assert_eq!(delimiter_for_name(";").unwrap(), b';');
        assert!(delimiter_for_name(";;").is_err());
    }

    #[test]
    fn a_decimal_comma_is_told_apart_from_a_thousands_separator() {
        assert!(comma_problem("0,95").unwrap().contains("`0.95`"));
        assert!(
            comma_problem("1.234,56")
                .unwrap()
                .contains("decimal comma; write numbers with a decimal point (`1234.56`)")
        );
        assert!(
            comma_problem("1,234")
                .unwrap()
                .contains("may be a decimal comma")
        );
        assert_eq!(comma_problem("1,234,567"), None);
        assert_eq!(comma_problem("1,234.50"), None);
        assert_eq!(comma_problem("12.5"), None);
        assert_eq!(comma_problem("a,b"), None);
    }
}
