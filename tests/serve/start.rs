//! Starting and stopping: what refuses to start (exit 2, saying how to fix it), and a clean
//! shutdown on SIGTERM (exit 0).

use std::path::Path;

use crate::support::*;

/// Runs `serve` with `args` to its end (it must not start): `(code, stderr)`.
fn refused(args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("credit.db").display());
    let mut c = credit_policy();
    c.args(["serve", "--as-of", AS_OF, "--db", &db]);
    // The defaults of these tests, unless `args` gives its own.
    for (flag, value) in [("--listen", "127.0.0.1:0"), ("--policy", STANDARD)] {
        if !args.contains(&flag) {
            c.args([flag, value]);
        }
    }
    let out = c
        .args(args)
        .envs(env.iter().copied())
        .stdin(std::process::Stdio::null())
        .output()
        .expect("the binary runs");
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    (
        out.status.code().expect("an exit code"),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn without_any_token_it_does_not_start() {
    let (code, err) = refused(&[], &[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--tokens") && err.contains("CREDIT_POLICY_TOKENS"),
        "{err}"
    );
}

#[test]
fn no_auth_is_refused_off_loopback() {
    let (code, err) = refused(&["--no-auth", "--listen", "0.0.0.0:0"], &[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--no-auth") && err.contains("loopback"),
        "{err}"
    );
}

#[test]
fn a_short_token_or_an_unknown_role_is_refused_naming_where() {
    let dir = tempfile::tempdir().unwrap();
    let tokens = dir.path().join("tokens.toml");
    std::fs::write(
        &tokens,
        "[[token]]\nname = \"erp\"\nrole = \"erp\"\ntoken = \"short\"\n",
    )
    .unwrap();
    let (code, err) = refused(&["--tokens", tokens.to_str().unwrap()], &[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("tokens.toml:4") && err.contains("16 characters"),
        "{err}"
    );
    let (code, err) = refused(
        &[],
        &[(
            "CREDIT_POLICY_TOKENS",
            "erp:erp:erp-token-0000000000001,boss:root:root-token-000000000001",
        )],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("item 2") && err.contains("`root`"), "{err}");
}

#[test]
fn a_broken_policy_does_not_start() {
    let (_tmp, dir) = copy_policy(STANDARD);
    std::fs::write(dir.join("policy.toml"), "[[[").unwrap();
    let (code, err) = refused(
        &["--policy", dir.to_str().unwrap()],
        &[("CREDIT_POLICY_TOKENS", "ops:admin:admin-token-000000000001")],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("policy.toml") && err.contains("did not start"),
        "{err}"
    );
}

#[cfg(unix)]
#[test]
fn sigterm_stops_it_cleanly() {
    let s = Start::new(Path::new(STANDARD)).run();
    s.get("/v1/policy", Some(ERP)).expect(200);
    assert_eq!(s.terminate(), Some(0));
}
