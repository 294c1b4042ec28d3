//! Hostile files and runs (issue 11): outputs that are the input or each other, links, FIFOs
//! and read-only files as outputs, a closed or full standard error, a huge `--threads`, a run
//! killed mid-write, an endless standard input, and names that are spreadsheet formulas or
//! terminal escapes. No data lost, no file outside the request touched, no crash.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::*;

const GOOD: &str = "tests/fixtures/good/clients.csv";
const FORMULAS: &str = "tests/fixtures/hostile/formula_names.csv";

/// A temp dir holding a copy of the good clients as `in.csv`.
fn dir_with_input() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("in.csv");
    std::fs::copy(Path::new(ROOT).join(GOOD), &input).expect("copy");
    (dir, input)
}

/// `rows` clients (ids C0000000...), every `bad`-th with a broken amount (0: none).
fn generated(path: &Path, rows: usize, bad: usize) {
    let text = std::fs::read_to_string(Path::new(ROOT).join(GOOD)).expect("good");
    let mut lines = text.lines();
    let header = lines.next().expect("header");
    let row = lines.next().expect("a row");
    let rest = &row[row.find(',').expect("a comma")..];
    let mut s = String::with_capacity(rows * (rest.len() + 10));
    s.push_str(header);
    s.push('\n');
    for i in 0..rows {
        if bad > 0 && i % bad == 0 {
            s.push_str(&format!("C{i:07}{}\n", rest.replacen("2345678", "lots", 1)));
        } else {
            s.push_str(&format!("C{i:07}{rest}\n"));
        }
    }
    std::fs::write(path, s).expect("write");
}

fn no_crash(r: &Run) {
    assert!(
        ![101, 134].contains(&r.code) && !r.stderr.contains("panicked"),
        "crashed: {r:?}"
    );
}

fn temps_in(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("read dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".credit-policy-"))
        .collect()
}

#[test]
fn rejects_onto_the_input_is_refused_and_the_input_left_intact() {
    let (dir, input) = dir_with_input();
    let before = std::fs::read(&input).expect("read");
    let out = dir.path().join("out.jsonl");
    let r = evaluate(&[
        input.to_str().unwrap(),
        "--rejects",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ])
    .expect_code(EXIT_ERROR);
    assert!(
        r.stderr.contains("--rejects") && r.stderr.contains("INPUT"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("same file"), "{}", r.stderr);
    assert_eq!(std::fs::read(&input).expect("read"), before);
    assert!(!out.exists());
}

#[test]
fn the_log_cannot_be_the_output_the_rejects_or_the_input() {
    let (dir, input) = dir_with_input();
    let log = dir.path().join("audit.jsonl");
    std::fs::write(&log, "history\n").expect("write");
    // Through a symbolic link too: identities, not names, are compared.
    let alias = dir.path().join("alias.jsonl");
    std::os::unix::fs::symlink(&log, &alias).expect("symlink");
    for (flag, path, force) in [
        ("-o", log.as_path(), false),
        ("--rejects", log.as_path(), false),
        // Refused as a link; allowed through the link, it is still the log.
        ("--rejects", alias.as_path(), true),
    ] {
        let mut args = vec![
            input.to_str().unwrap(),
            "--log",
            log.to_str().unwrap(),
            flag,
            path.to_str().unwrap(),
        ];
        if force {
            args.push("--force-output");
        }
        let r = evaluate(&args).expect_code(EXIT_ERROR);
        assert!(
            r.stderr.contains("--log") && r.stderr.contains("same file"),
            "{}",
            r.stderr
        );
    }
    let r = evaluate(&[input.to_str().unwrap(), "--log", input.to_str().unwrap()])
        .expect_code(EXIT_ERROR);
    assert!(
        r.stderr.contains("--log") && r.stderr.contains("INPUT"),
        "{}",
        r.stderr
    );
    assert_eq!(std::fs::read_to_string(&log).unwrap(), "history\n");
}

#[test]
fn a_symlink_output_is_refused_and_its_target_untouched_unless_forced() {
    let (dir, input) = dir_with_input();
    let target = dir.path().join("precious.txt");
    std::fs::write(&target, "keep me\n").expect("write");
    let link = dir.path().join("out.jsonl");
    std::os::unix::fs::symlink(&target, &link).expect("symlink");
    let r =
        evaluate(&[input.to_str().unwrap(), "-o", link.to_str().unwrap()]).expect_code(EXIT_ERROR);
    assert!(r.stderr.contains("symbolic link") && r.stderr.contains("--force-output"));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me\n");
    // Forced: the file the link points to is replaced, the link kept.
    evaluate(&[
        input.to_str().unwrap(),
        "-o",
        link.to_str().unwrap(),
        "--force-output",
    ])
    .expect_code(EXIT_OK);
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(std::fs::read_to_string(&target).unwrap().contains("\"id\""));
}

#[test]
fn a_fifo_or_a_folder_output_is_refused_without_being_opened() {
    let (dir, input) = dir_with_input();
    let fifo = dir.path().join("pipe.jsonl");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    // Opening the FIFO would block this test: the refusal comes before any open.
    let r =
        evaluate(&[input.to_str().unwrap(), "-o", fifo.to_str().unwrap()]).expect_code(EXIT_ERROR);
    assert!(r.stderr.contains("not an ordinary file"), "{}", r.stderr);
    let r = evaluate(&[
        input.to_str().unwrap(),
        "--format",
        "jsonl",
        "--rejects",
        fifo.to_str().unwrap(),
    ])
    .expect_code(EXIT_ERROR);
    assert!(r.stderr.contains("--rejects"), "{}", r.stderr);
    let r = evaluate(&[
        input.to_str().unwrap(),
        "--format",
        "jsonl",
        "-o",
        dir.path().to_str().unwrap(),
    ])
    .expect_code(EXIT_ERROR);
    assert!(r.stderr.contains("folder"), "{}", r.stderr);
}

#[test]
fn a_read_only_output_is_refused_and_permissions_are_kept_when_replacing() {
    use std::os::unix::fs::PermissionsExt as _;
    let (dir, input) = dir_with_input();
    let ro = dir.path().join("ro.jsonl");
    std::fs::write(&ro, "old\n").expect("write");
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o444)).expect("chmod");
    let r =
        evaluate(&[input.to_str().unwrap(), "-o", ro.to_str().unwrap()]).expect_code(EXIT_ERROR);
    assert!(r.stderr.contains("read-only"), "{}", r.stderr);
    assert_eq!(std::fs::read_to_string(&ro).unwrap(), "old\n");
    let private = dir.path().join("private.jsonl");
    std::fs::write(&private, "old\n").expect("write");
    std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    evaluate(&[input.to_str().unwrap(), "-o", private.to_str().unwrap()]).expect_code(EXIT_OK);
    let mode = std::fs::metadata(&private).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    assert!(
        std::fs::read_to_string(&private)
            .unwrap()
            .contains("\"id\"")
    );
}

#[test]
fn a_huge_thread_count_is_refused_with_a_message() {
    for n in ["0", "100000", "18446744073709551615"] {
        let r = evaluate(&[GOOD, "--threads", n]);
        no_crash(&r);
        assert_eq!(r.code, EXIT_ERROR, "{r:?}");
        assert!(r.stderr.contains("from 1 to 256"), "{}", r.stderr);
    }
}

#[test]
fn a_full_stderr_neither_stops_nor_crashes_the_run() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("in.csv");
    generated(&input, 500, 7);
    let out = dir.path().join("out.jsonl");
    let full = std::fs::File::options()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    let r = run(credit_policy()
        .env("RUST_BACKTRACE", "0")
        .args(["evaluate", "--as-of", AS_OF, "--policy", STANDARD])
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .stderr(full));
    no_crash(&r);
    // The rejects could not be listed: 4 says the messages were lost, not 1.
    assert_eq!(r.code, EXIT_MESSAGES_LOST, "{r:?}");
    let decided = std::fs::read_to_string(&out).expect("output written");
    assert_eq!(decided.lines().count(), 500 - 500_usize.div_ceil(7));
}

#[test]
fn a_closed_stderr_pipe_neither_stops_the_run_nor_skips_the_output_or_the_log() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("in.csv");
    generated(&input, 3000, 2);
    let out = dir.path().join("out.jsonl");
    let log = dir.path().join("audit.jsonl");
    let script = format!(
        "RUST_BACKTRACE=0 '{BIN}' evaluate --as-of {AS_OF} --policy {STANDARD} '{}' -o '{}' --log '{}' 2>&1 | head -1 >/dev/null",
        input.display(),
        out.display(),
        log.display()
    );
    let status = Command::new("sh")
        .current_dir(ROOT)
        .env("NO_COLOR", "1")
        .env_remove("CREDIT_POLICY")
        .args(["-c", &script])
        .status()
        .expect("sh");
    assert!(status.success());
    let decided = std::fs::read_to_string(&out).expect("output written");
    assert_eq!(decided.lines().count(), 1500);
    let logged = std::fs::read_to_string(&log).expect("log written");
    assert_eq!(logged.lines().count(), 1500);
}

#[test]
fn a_killed_run_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("in.csv");
    generated(&input, 200_000, 0);
    let out = dir.path().join("out.jsonl");
    let rejects = dir.path().join("rejects.jsonl");
    let mut child = credit_policy()
        .args(["evaluate", "--as-of", AS_OF, "--policy", STANDARD])
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .arg("--rejects")
        .arg(&rejects)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let start = Instant::now();
    while temps_in(dir.path()).is_empty() && start.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(
        !temps_in(dir.path()).is_empty(),
        "the run wrote no temp file"
    );
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(130), "{status:?}");
    assert_eq!(temps_in(dir.path()), Vec::<String>::new());
    assert!(!out.exists() && !rejects.exists());
}

#[test]
fn standard_input_kept_aside_is_capped_and_removed() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let text = std::fs::read(Path::new(ROOT).join(GOOD)).expect("good");
    let mut child = credit_policy()
        .env("TMPDIR", tmp.path())
        .env("CREDIT_POLICY_STDIN_LIMIT", "100")
        .args([
            "compare", "--a", STANDARD, "--b", STANDARD, "--as-of", AS_OF, "-",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || {
        use std::io::Write as _;
        let _ = stdin.write_all(&text);
    });
    let out = child.wait_with_output().expect("wait");
    let _ = writer.join();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(EXIT_ERROR), "{stderr}");
    assert!(stderr.contains("CREDIT_POLICY_STDIN_LIMIT"), "{stderr}");
    assert_eq!(temps_in(tmp.path()), Vec::<String>::new());
}

#[test]
fn formula_like_names_are_neutralised_in_csv_and_escapes_stripped_in_tables() {
    let r = evaluate(&[FORMULAS, "--format", "csv"]).expect_code(EXIT_OK);
    let mut rd = csv::Reader::from_reader(r.stdout.as_bytes());
    let names: Vec<String> = rd
        .records()
        .map(|rec| rec.expect("a record")[1].to_string())
        .collect();
    assert_eq!(names[0], "'=HYPERLINK(\"http://evil.example/x\",\"click\")");
    assert_eq!(names[1], "'+cmd|' /C calc'!A0");
    assert_eq!(names[2], "'@SUM(A1:A9)");
    assert_eq!(names[3], "'-2+3");
    assert_eq!(names[5], "Plain Trading");
    let t = evaluate(&[FORMULAS, "--format", "table"]).expect_code(EXIT_OK);
    assert!(!t.stdout.contains('\u{1b}') && !t.stdout.contains('\r'));
    // The sheet writer of the other commands too; a negative amount stays a number.
    let r = run(credit_policy()
        .args(["review", "--as-of", AS_OF, "--policy", STANDARD, FORMULAS])
        .args(["--format", "csv"]));
    no_crash(&r);
    assert!(
        !r.stdout.contains(",=") && !r.stdout.contains(",+cmd"),
        "{}",
        r.stdout
    );
}

#[test]
fn column_names_and_ids_quoted_on_stderr_lose_their_control_codes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("escapes.csv");
    std::fs::write(
        &input,
        "id,name,annual_sales,\u{1b}]0;owned\u{7}notes\u{1b}[2J\nE1,One,1000000,x\nE\u{1b}[31m2,Two,abc,y\n",
    )
    .expect("write");
    let input = input.to_str().expect("utf-8 path");
    let r = evaluate(&[input, "--format", "json"]);
    no_crash(&r);
    assert_eq!(r.code, EXIT_REJECTS, "{}", r.stderr);
    assert!(r.stderr.contains("notes[2J"), "{}", r.stderr);
    assert!(
        !r.stderr.contains('\u{1b}') && !r.stderr.contains('\u{7}'),
        "{:?}",
        r.stderr
    );
    // An order for a client that is not there quotes the id asked for.
    let r = run(credit_policy()
        .args(["order", "--as-of", AS_OF, "--policy", STANDARD, input])
        .args(["--client", "E\u{1b}[31m9", "--amount", "5"]));
    no_crash(&r);
    assert_eq!(r.code, EXIT_ERROR, "{}", r.stderr);
    assert!(!r.stderr.contains('\u{1b}'), "{:?}", r.stderr);
}

#[test]
fn a_context_or_column_map_that_never_ends_is_refused_at_its_cap() {
    for flag in ["--context", "--columns"] {
        let r = evaluate(&[GOOD, flag, "/dev/zero"]);
        no_crash(&r);
        assert_eq!(r.code, EXIT_ERROR, "{flag}: {}", r.stderr);
        assert!(
            r.stderr.contains("`/dev/zero`: it is over 16 MiB"),
            "{flag}: {}",
            r.stderr
        );
    }
}

#[test]
fn a_workbook_keeps_formula_like_names_as_text() {
    use calamine::{Data, Reader, Xlsx};
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out.xlsx");
    evaluate(&[FORMULAS, "-o", out.to_str().unwrap()]).expect_code(EXIT_OK);
    let mut book: Xlsx<_> = calamine::open_workbook(&out).expect("a workbook");
    let sheet = book.worksheet_range("decisions").expect("decisions sheet");
    let name = sheet.get((1, 1)).expect("a name");
    assert_eq!(
        *name,
        Data::String("=HYPERLINK(\"http://evil.example/x\",\"click\")".into())
    );
    let formulas = book.worksheet_formula("decisions").expect("formulas");
    assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()));
}
