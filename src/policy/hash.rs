//! The policy's fingerprint: a SHA-256 over every file of the folder (except its `tests/`),
//! taken in path order with `/` separators and `\r\n` read as `\n`, so the same policy text
//! gives the same hash on every machine whatever order the files are listed in.

use sha2::{Digest, Sha256};

/// `files` are `(path relative to the folder, content)`.
pub fn policy_hash(files: &[(String, Vec<u8>)]) -> String {
    let mut sorted: Vec<&(String, Vec<u8>)> = files.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let mut h = Sha256::new();
    for (path, content) in sorted {
        let text = normalise_newlines(content);
        h.update(path.replace('\\', "/").as_bytes());
        h.update([0]);
        h.update((text.len() as u64).to_le_bytes());
        h.update(&text);
    }
    let digest = h.finalize();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

fn normalise_newlines(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
            i += 1;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_and_line_endings_do_not_change_the_hash() {
        let a = vec![
            ("policy.toml".to_string(), b"a = 1\n".to_vec()),
            ("r.rhai".into(), b"x\n".to_vec()),
        ];
        let b = vec![
            ("r.rhai".to_string(), b"x\r\n".to_vec()),
            ("policy.toml".into(), b"a = 1\r\n".to_vec()),
        ];
        assert_eq!(policy_hash(&a), policy_hash(&b));
        let c = vec![
            ("policy.toml".to_string(), b"a = 2\n".to_vec()),
            ("r.rhai".into(), b"x\n".to_vec()),
        ];
        assert_ne!(policy_hash(&a), policy_hash(&c));
        // The same bytes under another file name are another policy.
        let d = vec![
            ("policy.toml".to_string(), b"a = 1\n".to_vec()),
            ("s.rhai".into(), b"x\n".to_vec()),
        ];
        assert_ne!(policy_hash(&a), policy_hash(&d));
    }
}
