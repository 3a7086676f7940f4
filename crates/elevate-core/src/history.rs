//! The activation history, tamper-evident: JSON lines, each carrying the HMAC-SHA256 of the
//! line before it under a key kept in the OS secret store, and a signed head (the count and
//! the last line's MAC) kept in the secret store too, outside the file. An edit, a line
//! removed from the end, the whole file deleted or rewritten, or lines moved are each found
//! and named by line. Appends hold a file lock, so the tray, elevatectl and MCP sessions
//! writing at once lose nothing. Lines written before the key (plain SHA-256 chain) are
//! still read and checked as such.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use ts_rs::TS;

use crate::error::Error;
use crate::secret::{Secret, SecretStore};

/// The chain's start in lines written before the key.
const LEGACY_GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// Records written with the key carry this version.
const KEYED: u8 = 2;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct HistoryRecord {
    #[ts(type = "string")]
    pub time: DateTime<Utc>,
    /// `activate`, `deactivate`, `extend`, `cancel`.
    pub action: String,
    pub key: String,
    pub label: String,
    /// `active`, `pendingApproval`, or the error code.
    pub outcome: String,
    #[serde(default)]
    pub request_id: Option<String>,
    #[serde(default)]
    pub justification: Option<String>,
    #[serde(default)]
    pub duration: Option<String>,
    #[serde(default)]
    pub error: Option<String>,
    /// The MAC (or, in lines from before the key, the SHA-256) of the previous line.
    #[serde(default)]
    pub prev: String,
    /// 2: `prev` is keyed. Absent in lines from before the key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub v: Option<u8>,
}

/// What `verify` found wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum Problem {
    /// A line's content changed.
    Edited,
    /// A line stands where it was not written.
    Reordered,
    /// Lines are missing at the end.
    Truncated,
    /// The file is gone or empty while the head says there were records.
    Deleted,
    /// Nothing can be checked here: the key is not in this machine's secret store.
    Unverifiable,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Verification {
    pub records: usize,
    /// The 1-based line where the problem is.
    pub first_bad_line: Option<usize>,
    pub problem: Option<Problem>,
    /// What was found, in words.
    pub message: String,
}

/// The history of one data directory.
pub struct History {
    path: PathBuf,
    lock: PathBuf,
    store: Arc<dyn SecretStore>,
    /// Names this history's key and head in the secret store.
    id: String,
}

type HmacSha256 = Hmac<Sha256>;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// The head kept in the secret store: `count:last-mac:signature`.
struct Head {
    count: usize,
    last: String,
}

impl History {
    pub fn new(dir: &Path, store: Arc<dyn SecretStore>) -> History {
        let path = dir.join("history.jsonl");
        let canonical = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        let id = sha256_hex(canonical.to_string_lossy().as_bytes())[..16].to_string();
        History {
            lock: dir.join("history.lock"),
            path,
            store,
            id,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn key_name(&self) -> String {
        format!("history-key:{}", self.id)
    }

    fn head_name(&self) -> String {
        format!("history-head:{}", self.id)
    }

    /// The key, made on first use when `create`.
    fn key(&self, create: bool) -> Result<Option<Vec<u8>>, Error> {
        if let Some(k) = self.store.get(&self.key_name())? {
            return B64.decode(k.expose()).map(Some).map_err(|_| {
                Error::SecretStore("the history key in the secret store is not readable".into())
            });
        }
        if !create {
            return Ok(None);
        }
        let key: [u8; 32] = rand::random();
        self.store
            .set(&self.key_name(), &Secret::new(B64.encode(key)))?;
        Ok(Some(key.to_vec()))
    }

    fn mac(key: &[u8], what: &[u8]) -> String {
        let mut m = <HmacSha256 as Mac>::new_from_slice(key).expect("HMAC takes any key length");
        m.update(what);
        hex(&m.finalize().into_bytes())
    }

    fn genesis(&self, key: &[u8]) -> String {
        Self::mac(key, format!("elevate-history:{}", self.id).as_bytes())
    }

    fn head(&self, key: &[u8]) -> Result<Option<Result<Head, ()>>, Error> {
        let Some(raw) = self.store.get(&self.head_name())? else {
            return Ok(None);
        };
        let parts: Vec<&str> = raw.expose().split(':').collect();
        let parsed = match parts.as_slice() {
            [count, last, sig] => count.parse::<usize>().ok().and_then(|count| {
                let body = format!("head|{count}|{last}");
                (Self::mac(key, body.as_bytes()) == *sig).then(|| Head {
                    count,
                    last: last.to_string(),
                })
            }),
            _ => None,
        };
        Ok(Some(parsed.ok_or(())))
    }

    fn set_head(&self, key: &[u8], count: usize, last: &str) -> Result<(), Error> {
        let sig = Self::mac(key, format!("head|{count}|{last}").as_bytes());
        self.store.set(
            &self.head_name(),
            &Secret::new(format!("{count}:{last}:{sig}")),
        )
    }

    fn lines(&self) -> Result<Vec<String>, Error> {
        match std::fs::read_to_string(&self.path) {
            Ok(text) => Ok(text
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(str::to_string)
                .collect()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(vec![]),
            Err(e) => Err(Error::io(format!("reading {}", self.path.display()), e)),
        }
    }

    /// Appends one record, chained and signed, under the file lock.
    pub fn append(&self, mut record: HistoryRecord) -> Result<HistoryRecord, Error> {
        let dir = self.path.parent().unwrap_or_else(|| Path::new("."));
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&self.lock)
            .map_err(|e| Error::io(format!("opening {}", self.lock.display()), e))?;
        lock.lock()
            .map_err(|e| Error::io(format!("locking {}", self.lock.display()), e))?;
        let key = self
            .key(true)?
            .ok_or_else(|| Error::SecretStore("no history key".into()))?;
        let lines = self.lines()?;
        record.prev = match lines.last() {
            Some(last) => Self::mac(&key, last.as_bytes()),
            None => self.genesis(&key),
        };
        record.v = Some(KEYED);
        let line =
            serde_json::to_string(&record).map_err(|e| Error::InvalidInput(e.to_string()))?;
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(|e| Error::io(format!("opening {}", self.path.display()), e))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = file.set_permissions(std::fs::Permissions::from_mode(0o600));
        }
        file.write_all(format!("{line}\n").as_bytes())
            .and_then(|_| file.sync_all())
            .map_err(|e| Error::io(format!("writing {}", self.path.display()), e))?;
        self.set_head(&key, lines.len() + 1, &Self::mac(&key, line.as_bytes()))?;
        drop(lock);
        Ok(record)
    }

    /// Every record, oldest first.
    pub fn records(&self) -> Result<Vec<HistoryRecord>, Error> {
        self.lines()?
            .iter()
            .enumerate()
            .map(|(i, l)| {
                serde_json::from_str(l).map_err(|e| {
                    Error::InvalidInput(format!("history line {} is not a record: {e}", i + 1))
                })
            })
            .collect()
    }

    /// Checks the chain and the head.
    pub fn verify(&self) -> Result<Verification, Error> {
        let lines = self.lines()?;
        let n = lines.len();
        let found = |line: Option<usize>, problem: Problem, message: String| Verification {
            records: n,
            first_bad_line: line,
            problem: Some(problem),
            message,
        };
        let Some(key) = self.key(false)? else {
            if n == 0 {
                return Ok(intact(0, ""));
            }
            if lines.iter().all(|l| !is_keyed(l)) {
                return Ok(legacy(&lines));
            }
            return Ok(found(None, Problem::Unverifiable, format!(
                "The key that signs the history is not in this machine's secret store ({}): the {n} records cannot be checked here.",
                self.store.describe()
            )));
        };
        let head = match self.head(&key)? {
            Some(Ok(h)) => Some(h),
            Some(Err(())) => {
                return Ok(found(
                    None,
                    Problem::Edited,
                    "The signed head of the history was changed.".into(),
                ))
            }
            None => None,
        };
        if let Some(h) = &head {
            if n == 0 && h.count > 0 {
                return Ok(found(
                    None,
                    Problem::Deleted,
                    format!(
                        "The history file is gone or empty, but {} records were written.",
                        h.count
                    ),
                ));
            }
        }
        let macs: Vec<String> = lines
            .iter()
            .map(|l| Self::mac(&key, l.as_bytes()))
            .collect();
        let mut expected_legacy = LEGACY_GENESIS.to_string();
        let mut keyed_seen = false;
        for (i, line) in lines.iter().enumerate() {
            let prev = serde_json::from_str::<serde_json::Value>(line)
                .ok()
                .and_then(|v| {
                    Some((
                        v["prev"].as_str()?.to_string(),
                        v["v"].as_u64() == Some(u64::from(KEYED)),
                    ))
                });
            let Some((prev, keyed)) = prev else {
                return Ok(found(
                    Some(i + 1),
                    Problem::Edited,
                    format!("Line {} is not a history record.", i + 1),
                ));
            };
            if !keyed {
                if keyed_seen || prev != expected_legacy {
                    return Ok(found(
                        Some(i.max(1)),
                        Problem::Edited,
                        format!("The history was edited at line {}.", i.max(1)),
                    ));
                }
                expected_legacy = sha256_hex(line.as_bytes());
                continue;
            }
            keyed_seen = true;
            let expected = if i == 0 {
                self.genesis(&key)
            } else {
                macs[i - 1].clone()
            };
            if prev == expected {
                continue;
            }
            if let Some(j) = macs.iter().position(|m| *m == prev) {
                return Ok(found(Some(i + 1), Problem::Reordered, format!(
                    "Line {} was written after line {} but now stands elsewhere: the history was reordered.",
                    i + 1,
                    j + 1
                )));
            }
            if i > 0 && prev == self.genesis(&key) {
                return Ok(found(Some(i + 1), Problem::Reordered, format!(
                    "Line {} was the first record but now stands at line {}: the history was reordered.",
                    i + 1,
                    i + 1
                )));
            }
            let bad = i.max(1);
            return Ok(found(
                Some(bad),
                Problem::Edited,
                format!("The history was edited at line {bad} (its signature no longer matches)."),
            ));
        }
        if let Some(h) = head {
            if n < h.count {
                return Ok(found(
                    Some(n + 1),
                    Problem::Truncated,
                    format!(
                    "The history has {n} records but {} were written: the last {} were removed.",
                    h.count,
                    h.count - n
                ),
                ));
            }
            if n == h.count && macs.last() != Some(&h.last) && n > 0 {
                return Ok(found(
                    Some(n),
                    Problem::Edited,
                    format!("The history was edited at line {n}."),
                ));
            }
        } else if keyed_seen {
            return Ok(found(
                None,
                Problem::Deleted,
                "The signed head of the history is missing from the secret store.".into(),
            ));
        }
        Ok(intact(n, ""))
    }
}

fn is_keyed(line: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(line)
        .ok()
        .is_some_and(|v| v["v"].as_u64() == Some(u64::from(KEYED)))
}

fn intact(n: usize, note: &str) -> Verification {
    Verification {
        records: n,
        first_bad_line: None,
        problem: None,
        message: format!("The history's {n} records are intact.{note}"),
    }
}

/// A history from before the key: the plain SHA-256 chain only.
fn legacy(lines: &[String]) -> Verification {
    let mut expected = LEGACY_GENESIS.to_string();
    for (i, line) in lines.iter().enumerate() {
        let prev = serde_json::from_str::<serde_json::Value>(line)
            .ok()
            .and_then(|v| v["prev"].as_str().map(str::to_string));
        if prev.as_deref() != Some(expected.as_str()) {
            let bad = i.max(1);
            return Verification {
                records: lines.len(),
                first_bad_line: Some(bad),
                problem: Some(Problem::Edited),
                message: format!("The history was edited at line {bad}."),
            };
        }
        expected = sha256_hex(line.as_bytes());
    }
    intact(
        lines.len(),
        " (written before records were signed: an edit of the whole file would not show)",
    )
}

#[cfg(test)]
mod tests;
