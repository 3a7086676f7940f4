//! The history against every kind of tampering, and two writers at once.

use std::sync::Arc;

use chrono::Utc;

use super::*;
use crate::secret::MemoryStore;

fn temp() -> PathBuf {
    std::env::temp_dir().join(format!("elevate-history-{}", uuid::Uuid::new_v4()))
}

fn record(action: &str) -> HistoryRecord {
    HistoryRecord {
        time: Utc::now(),
        action: action.into(),
        key: "entraRole:r:/".into(),
        label: "User Administrator".into(),
        outcome: "active".into(),
        request_id: None,
        justification: Some("x".into()),
        duration: Some("PT1H".into()),
        error: None,
        prev: String::new(),
        v: None,
    }
}

/// A history of `n` records in a fresh directory, its store kept for re-opening.
fn written(n: usize) -> (History, PathBuf, Arc<dyn SecretStore>) {
    let dir = temp();
    let store: Arc<dyn SecretStore> = Arc::new(MemoryStore::default());
    let h = History::new(&dir, store.clone());
    for i in 0..n {
        h.append(record(&format!("activate-{i}"))).expect("append");
    }
    (h, dir, store)
}

fn lines(h: &History) -> Vec<String> {
    std::fs::read_to_string(h.path())
        .expect("read")
        .lines()
        .map(str::to_string)
        .collect()
}

fn write(h: &History, lines: &[String]) {
    let mut text = lines.join("\n");
    text.push('\n');
    std::fs::write(h.path(), text).expect("write");
}

#[test]
fn an_intact_history_verifies() {
    let (h, dir, _) = written(5);
    let v = h.verify().expect("verify");
    assert_eq!(
        (v.records, v.problem, v.first_bad_line),
        (5, None, None),
        "{}",
        v.message
    );
    assert_eq!(h.records().expect("records").len(), 5);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn an_edit_anywhere_is_found_by_line_even_the_last() {
    for at in [0usize, 2, 4] {
        let (h, dir, _) = written(5);
        let mut l = lines(&h);
        l[at] = l[at].replacen("activate-", "deactivate-", 1);
        write(&h, &l);
        let v = h.verify().expect("verify");
        assert_eq!(
            v.problem,
            Some(Problem::Edited),
            "line {}: {}",
            at + 1,
            v.message
        );
        assert_eq!(v.first_bad_line, Some(at + 1), "{}", v.message);
        let _ = std::fs::remove_dir_all(dir);
    }
}

#[test]
fn dropping_the_last_lines_is_truncation() {
    let (h, dir, _) = written(5);
    let l = lines(&h);
    write(&h, &l[..3]);
    let v = h.verify().expect("verify");
    assert_eq!(
        (v.problem, v.first_bad_line),
        (Some(Problem::Truncated), Some(4)),
        "{}",
        v.message
    );
    assert!(
        v.message.contains("the last 2 were removed"),
        "{}",
        v.message
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn deleting_the_file_is_found() {
    let (h, dir, _) = written(3);
    std::fs::remove_file(h.path()).expect("delete");
    let v = h.verify().expect("verify");
    assert_eq!(v.problem, Some(Problem::Deleted), "{}", v.message);
    std::fs::write(h.path(), "").expect("empty");
    assert_eq!(h.verify().expect("verify").problem, Some(Problem::Deleted));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn rewriting_the_whole_file_without_the_key_is_found() {
    let (h, dir, _) = written(3);
    // A forger recomputes a plain SHA-256 chain over made-up records.
    let mut prev = LEGACY_GENESIS.to_string();
    let mut forged = vec![];
    for i in 0..3 {
        let mut r = record(&format!("forged-{i}"));
        r.prev = prev.clone();
        let line = serde_json::to_string(&r).expect("json");
        prev = sha256_hex(line.as_bytes());
        forged.push(line);
    }
    write(&h, &forged);
    let v = h.verify().expect("verify");
    assert!(v.problem.is_some(), "{}", v.message);
    // Nor does a forged keyed-looking chain pass.
    let fake: Vec<String> = lines(&h)
        .iter()
        .map(|l| l.replacen("\"prev\":", "\"v\":2,\"prev\":", 1))
        .collect();
    write(&h, &fake);
    assert!(h.verify().expect("verify").problem.is_some());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn moving_lines_is_reordering_named_by_line() {
    let (h, dir, _) = written(5);
    let mut l = lines(&h);
    l.swap(1, 3);
    write(&h, &l);
    let v = h.verify().expect("verify");
    assert_eq!(
        (v.problem, v.first_bad_line),
        (Some(Problem::Reordered), Some(2)),
        "{}",
        v.message
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_changed_head_is_found() {
    let (h, dir, store) = written(2);
    let name = h.head_name();
    store.set(&name, &Secret::new("9:abc:def")).expect("set");
    assert_eq!(h.verify().expect("verify").problem, Some(Problem::Edited));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn without_the_key_nothing_is_claimed() {
    let (h, dir, _) = written(2);
    let elsewhere = History::new(&dir, Arc::new(MemoryStore::default()));
    let v = elsewhere.verify().expect("verify");
    assert_eq!(v.problem, Some(Problem::Unverifiable), "{}", v.message);
    let _ = h;
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_history_from_before_the_key_still_verifies_and_continues_keyed() {
    let dir = temp();
    std::fs::create_dir_all(&dir).expect("dir");
    let mut prev = LEGACY_GENESIS.to_string();
    let mut old = vec![];
    for i in 0..2 {
        let mut r = record(&format!("old-{i}"));
        r.prev = prev.clone();
        let line = serde_json::to_string(&r).expect("json");
        prev = sha256_hex(line.as_bytes());
        old.push(line);
    }
    std::fs::write(dir.join("history.jsonl"), old.join("\n") + "\n").expect("write");
    let h = History::new(&dir, Arc::new(MemoryStore::default()));
    assert_eq!(h.verify().expect("verify").problem, None);
    h.append(record("new")).expect("append");
    let v = h.verify().expect("verify");
    assert_eq!((v.records, v.problem), (3, None), "{}", v.message);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn two_writers_at_once_lose_nothing() {
    let dir = temp();
    let store: Arc<dyn SecretStore> = Arc::new(MemoryStore::default());
    // Each writer opens the history itself, as two processes would (the lock is per open file).
    History::new(&dir, store.clone())
        .append(record("first"))
        .expect("first");
    let writers: Vec<_> = (0..2)
        .map(|w| {
            let (dir, store) = (dir.clone(), store.clone());
            std::thread::spawn(move || {
                for i in 0..100 {
                    History::new(&dir, store.clone())
                        .append(record(&format!("w{w}-{i}")))
                        .expect("append");
                }
            })
        })
        .collect();
    for w in writers {
        w.join().expect("writer");
    }
    let h = History::new(&dir, store);
    let v = h.verify().expect("verify");
    assert_eq!((v.records, v.problem), (201, None), "{}", v.message);
    let _ = std::fs::remove_dir_all(dir);
}
