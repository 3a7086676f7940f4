//! Running one after-activation command: no shell, stdin closed, the end of its output kept
//! (at most [`OUTPUT_KEPT`] bytes a stream), killed at its time limit; and how it ended, said
//! for a person and for the history.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncReadExt;

use super::{AfterCommand, Context, ENV_NAME, OUTPUT_KEPT};

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    /// The exit code (None: ended by a signal).
    Exited(Option<i32>),
    /// Killed at the time limit.
    TimedOut(Duration),
    /// Not started: the placeholders could not be filled, or the program could not start.
    NotRun(String),
}

/// One command's run: how it ended and the end of what it printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub name: String,
    pub ended: Ended,
    pub stdout: String,
    pub stderr: String,
}

impl Outcome {
    pub fn ok(&self) -> bool {
        self.ended == Ended::Exited(Some(0))
    }

    /// The last line printed (standard error first when it failed).
    pub fn last_line(&self) -> Option<&str> {
        fn last(s: &str) -> Option<&str> {
            s.lines().rev().map(str::trim).find(|l| !l.is_empty())
        }
        let (first, second) = if self.ok() {
            (&self.stdout, &self.stderr)
        } else {
            (&self.stderr, &self.stdout)
        };
        last(first)
            .or_else(|| last(second))
            .map(|l| l.char_indices().nth(200).map_or(l, |(i, _)| &l[..i]))
    }

    /// "exit 0", "exit 3", "killed by a signal", "timed out after 30 s", "not run: …".
    pub fn status(&self) -> String {
        match &self.ended {
            Ended::Exited(Some(c)) => format!("exit {c}"),
            Ended::Exited(None) => "killed by a signal".into(),
            Ended::TimedOut(d) => format!("timed out after {} s, stopped", d.as_secs()),
            Ended::NotRun(why) => format!("not run: {why}"),
        }
    }

    /// One line for a person: "az token: done (exit 0): Token refreshed".
    pub fn summary(&self) -> String {
        let verdict = if self.ok() { "done" } else { "failed" };
        match self.last_line() {
            Some(l) => format!("{}: {verdict} ({}): {l}", self.name, self.status()),
            None => format!("{}: {verdict} ({})", self.name, self.status()),
        }
    }

    /// The history's outcome word.
    pub fn word(&self) -> &'static str {
        match &self.ended {
            Ended::Exited(Some(0)) => "ok",
            Ended::Exited(_) => "failed",
            Ended::TimedOut(_) => "timedOut",
            Ended::NotRun(_) => "notRun",
        }
    }
}

/// Keeps the last [`OUTPUT_KEPT`] bytes of a stream, however much it prints.
async fn tail(mut r: impl tokio::io::AsyncRead + Unpin) -> String {
    let mut kept: Vec<u8> = vec![];
    let mut buf = [0u8; 4096];
    while let Ok(n) = r.read(&mut buf).await {
        if n == 0 {
            break;
        }
        kept.extend_from_slice(&buf[..n]);
        if kept.len() > OUTPUT_KEPT {
            kept.drain(..kept.len() - OUTPUT_KEPT);
        }
    }
    String::from_utf8_lossy(&kept).into_owned()
}

/// Runs `c` for `cx`: no shell, stdin closed, the output's end kept, killed at the limit.
pub async fn run(c: &AfterCommand, cx: &Context) -> Outcome {
    let outcome = |ended, stdout, stderr| Outcome {
        name: c.name.clone(),
        ended,
        stdout,
        stderr,
    };
    let argv = match c.argv(cx) {
        Ok(a) => a,
        Err(why) => return outcome(Ended::NotRun(why), String::new(), String::new()),
    };
    let program = c.program_path();
    let spawned = tokio::process::Command::new(&program)
        .args(&argv)
        .env(ENV_NAME, &c.name)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(e) => {
            let why = format!("cannot start {}: {e}", program.display());
            return outcome(Ended::NotRun(why), String::new(), String::new());
        }
    };
    tracing::info!(name = %c.name, program = %program.display(), "after-activation command started");
    let (Some(out), Some(err)) = (child.stdout.take(), child.stderr.take()) else {
        return outcome(
            Ended::NotRun("no output pipes".into()),
            String::new(),
            String::new(),
        );
    };
    let out = tokio::spawn(tail(out));
    let err = tokio::spawn(tail(err));
    let ended = match tokio::time::timeout(c.timeout(), child.wait()).await {
        Ok(Ok(status)) => Ended::Exited(status.code()),
        Ok(Err(e)) => Ended::NotRun(format!("waiting for it failed: {e}")),
        Err(_) => {
            if let Err(e) = child.kill().await {
                tracing::warn!(name = %c.name, "could not stop the command at its time limit: {e}");
            }
            Ended::TimedOut(c.timeout())
        }
    };
    // What it printed; a grandchild holding the pipes open is not waited for long.
    let grace = Duration::from_secs(1);
    let read = |h: tokio::task::JoinHandle<String>| async move {
        let abort = h.abort_handle();
        let text = tokio::time::timeout(grace, h).await;
        abort.abort();
        text.ok().and_then(Result::ok).unwrap_or_default()
    };
    let (stdout, stderr) = futures::join!(read(out), read(err));
    tracing::info!(name = %c.name, status = %outcome(ended.clone(), String::new(), String::new()).status(), "after-activation command ended");
    outcome(ended, stdout, stderr)
}
