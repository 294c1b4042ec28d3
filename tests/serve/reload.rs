//! The policy reloaded, on request and on an edit of its folder: a broken version is refused
//! and the old one keeps serving.

use serde_json::Value;

use crate::support::*;

/// Breaks `policy.toml` of `dir`; gives back the text to restore.
fn break_policy(dir: &std::path::Path) -> String {
    let toml = dir.join("policy.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(&toml, text.replacen('[', "[[[", 1)).unwrap();
    text
}

fn hash(s: &Server) -> String {
    s.get("/v1/policy", Some(ERP)).expect(200).json()["policy"]["hash"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn a_broken_policy_is_refused_and_the_old_version_keeps_serving() {
    let (_tmp, dir) = copy_policy(STANDARD);
    let s = Start::new(&dir).args(&["--no-watch"]).run();
    let first = hash(&s);
    let text = break_policy(&dir);
    let (_, message) = s.post("/v1/policy/reload", Some(ADMIN), "").error(422);
    assert!(message.contains("policy.toml"), "{message}");
    assert!(
        message.contains("still serving standard 1.0.0"),
        "{message}"
    );
    let p = s.get("/v1/policy", Some(ERP)).json();
    assert_eq!(p["policy"]["hash"], first.as_str());
    assert!(
        p["reload_failure"]["message"]
            .as_str()
            .unwrap()
            .contains("policy.toml"),
        "{p}"
    );
    assert!(
        s.stderr()
            .contains("policy edit refused, still serving standard 1.0.0")
    );

    std::fs::write(
        dir.join("policy.toml"),
        text.replace("version = \"1.0.0\"", "version = \"1.0.1\""),
    )
    .unwrap();
    let v = s
        .post("/v1/policy/reload", Some(ADMIN), "")
        .expect(200)
        .json();
    assert_eq!(v["policy"]["version"], "1.0.1");
    assert_ne!(v["policy"]["hash"], first.as_str());
    let p = s.get("/v1/policy", Some(ERP)).json();
    assert_eq!(p["reload_failure"], Value::Null);
    let m = s.get("/metrics", None).text;
    assert!(
        m.contains(r#"credit_policy_policy_reloads_total{result="refused"} 1"#),
        "{m}"
    );
    assert!(
        m.contains(r#"credit_policy_policy_reloads_total{result="ok"} 1"#),
        "{m}"
    );
    assert!(
        m.contains(r#"version="1.0.1""#) && !m.contains(r#"version="1.0.0""#),
        "{m}"
    );
}

#[test]
fn health_is_degraded_while_a_refused_version_is_the_last() {
    let (_tmp, dir) = copy_policy(STANDARD);
    let s = Start::new(&dir).args(&["--no-watch"]).run();
    let text = break_policy(&dir);
    s.post("/v1/policy/reload", Some(ADMIN), "").error(422);
    let v = s.get("/health", None).expect(200).json();
    assert_eq!(v["status"], "degraded", "{v}");
    assert!(
        v["reload_failure"]["message"]
            .as_str()
            .unwrap()
            .contains("policy.toml"),
        "{v}"
    );
    assert!(v["reload_failure"]["at"].is_string(), "{v}");
    std::fs::write(dir.join("policy.toml"), text).unwrap();
    s.post("/v1/policy/reload", Some(ADMIN), "").expect(200);
    let v = s.get("/health", None).expect(200).json();
    assert_eq!(v["status"], "ok", "{v}");
}

#[test]
fn an_edit_of_the_folder_is_picked_up() {
    let (_tmp, dir) = copy_policy(STANDARD);
    let s = Start::new(&dir).run();
    let first = hash(&s);
    let toml = dir.join("policy.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(
        &toml,
        text.replace("version = \"1.0.0\"", "version = \"1.0.2\""),
    )
    .unwrap();
    let swapped = eventually(10, || {
        let p = s.get("/v1/policy", Some(ERP)).json();
        p["policy"]["version"] == "1.0.2"
    });
    assert!(swapped, "no reload after the edit:\n{}", s.stderr());
    assert_ne!(hash(&s), first);
    assert!(
        s.stderr().contains("policy reloaded: standard 1.0.2"),
        "{}",
        s.stderr()
    );

    // A broken edit is refused, logged, and the edited version keeps serving.
    std::fs::write(&toml, "[[[").unwrap();
    let refused = eventually(10, || {
        s.stderr()
            .contains("policy edit refused, still serving standard 1.0.2")
    });
    assert!(refused, "{}", s.stderr());
    assert_eq!(
        s.get("/v1/policy", Some(ERP)).json()["policy"]["version"],
        "1.0.2"
    );

    // A deployment that moves a whole new folder into place is picked up too.
    let next = dir.with_extension("new");
    copy_dir(&std::path::Path::new(ROOT).join(STANDARD), &next);
    let next_toml = next.join("policy.toml");
    std::fs::write(
        &next_toml,
        text.replace("version = \"1.0.0\"", "version = \"1.0.3\""),
    )
    .unwrap();
    std::fs::rename(&dir, dir.with_extension("old")).unwrap();
    std::fs::rename(&next, &dir).unwrap();
    let replaced = eventually(10, || {
        s.get("/v1/policy", Some(ERP)).json()["policy"]["version"] == "1.0.3"
    });
    assert!(
        replaced,
        "the new folder was not picked up:\n{}",
        s.stderr()
    );
}
