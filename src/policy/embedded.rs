//! The standard policy, built into the binary: it decides when no policy folder is given or
//! found, and `credit-policy init` writes a copy of it for someone who installed only the
//! binary. A test checks this list against `policies/standard/`.

/// The folder the standard policy's files are named in when it is loaded from the binary
/// ([`super::Policy::load_embedded`]).
pub const STANDARD_DIR: &str = "policies/standard";

/// Every file of `policies/standard/`, as `(path inside the folder, content)`.
pub const STANDARD: &[(&str, &str)] = &[
    (
        "policy.toml",
        include_str!("../../policies/standard/policy.toml"),
    ),
    (
        "rules/knockout.rhai",
        include_str!("../../policies/standard/rules/knockout.rhai"),
    ),
    (
        "rules/channel.rhai",
        include_str!("../../policies/standard/rules/channel.rhai"),
    ),
    (
        "tests/seed.toml",
        include_str!("../../policies/standard/tests/seed.toml"),
    ),
    (
        "tests/golden/clients.csv",
        include_str!("../../policies/standard/tests/golden/clients.csv"),
    ),
    (
        "tests/golden/expected.jsonl",
        include_str!("../../policies/standard/tests/golden/expected.jsonl"),
    ),
];

/// Writes the standard policy into `dir`, which must not exist or be empty.
pub fn write_standard(dir: &std::path::Path) -> Result<(), String> {
    if dir.exists() {
        let empty = std::fs::read_dir(dir)
            .map_err(|e| format!("cannot read `{}`: {e}", dir.display()))?
            .next()
            .is_none();
        if !empty {
            return Err(format!(
                "`{}` already exists and is not empty; nothing was written. Choose a new folder",
                dir.display()
            ));
        }
    }
    for (path, text) in STANDARD {
        let target = dir.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create `{}`: {e}", parent.display()))?;
        }
        std::fs::write(&target, text)
            .map_err(|e| format!("cannot write `{}`: {e}", target.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn files(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                files(root, &p, out);
            } else {
                let rel = p
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push((rel, std::fs::read_to_string(&p).unwrap()));
            }
        }
    }

    #[test]
    fn the_embedded_copy_is_the_standard_folder() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/standard");
        let mut on_disk = Vec::new();
        files(&root, &root, &mut on_disk);
        on_disk.sort();
        let mut embedded: Vec<(String, String)> = STANDARD
            .iter()
            .map(|(p, t)| (p.to_string(), t.to_string()))
            .collect();
        embedded.sort();
        assert_eq!(
            on_disk, embedded,
            "add new files of policies/standard to STANDARD"
        );
    }

    #[test]
    fn the_built_in_policy_is_the_standard_folder_hash_and_all() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(STANDARD_DIR);
        let on_disk = crate::policy::Policy::load(&root).unwrap();
        let built_in = crate::policy::Policy::load_embedded().unwrap();
        assert_eq!(built_in.identity, on_disk.identity);
        assert!(built_in.built_in && !on_disk.built_in);
        assert!(built_in.warnings.is_empty());
        assert_eq!(built_in.files.len(), on_disk.files.len());
    }

    #[test]
    fn init_writes_a_loadable_policy_and_refuses_to_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("mine");
        write_standard(&target).unwrap();
        let p = crate::policy::Policy::load(&target).unwrap();
        assert_eq!(p.identity.name, "standard");
        let err = write_standard(&target).unwrap_err();
        assert!(err.contains("not empty"), "{err}");
    }
}
