//! The report as text: a terminal table (statuses first, evidence trimmed) and Markdown (every
//! finding with its evidence, fix and controls, for a ticket or a wiki).

use std::fmt::Write;

use super::controls::controls_line;
use super::{Evidence, Finding, Report, Section, Status};

/// Evidence lines shown per finding in the table and the Markdown; the JSON has them all.
pub const EVIDENCE_SHOWN: usize = 25;

fn mark(s: Status) -> &'static str {
    match s {
        Status::Pass => "PASS",
        Status::Warn => "WARN",
        Status::Fail => "FAIL",
        Status::Unknown => "UNKNOWN",
    }
}

pub(super) fn evidence_line(e: &Evidence) -> String {
    let mut parts = vec![];
    if let Some(p) = &e.principal {
        parts.push(p.clone());
    }
    if let Some(r) = &e.role {
        parts.push(r.clone());
    }
    parts.push(e.detail.clone());
    parts.join(" — ")
}

pub(super) fn section_title(s: Section) -> &'static str {
    match s {
        Section::Alert => "Alerts",
        Section::Checklist => "Deployment checklist",
    }
}

/// Findings in report order: by section, failing first within each.
pub(super) fn ordered(r: &Report, s: Section) -> Vec<&Finding> {
    let mut v: Vec<&Finding> = r.findings.iter().filter(|f| f.section == s).collect();
    v.sort_by_key(|f| f.status);
    v
}

/// For a terminal: one block per finding.
pub fn table(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "PIM posture of {} — {}",
        r.tenant,
        r.generated.format("%Y-%m-%d %H:%M UTC")
    );
    let _ = writeln!(out, "{}", r.headline());
    let _ = writeln!(
        out,
        "Read: {} eligible and {} active assignment(s) of {} principal(s), {} permanent.",
        r.totals.eligible, r.totals.active, r.totals.principals, r.totals.permanent
    );
    for s in [Section::Alert, Section::Checklist] {
        let _ = writeln!(out, "\n{}", section_title(s));
        for f in ordered(r, s) {
            let _ = writeln!(out, "  {:<8} {}", mark(f.status), f.title);
            let _ = writeln!(out, "           {} ({})", f.summary, f.method.words());
            for e in f.evidence.iter().take(EVIDENCE_SHOWN) {
                let _ = writeln!(out, "           · {}", evidence_line(e));
            }
            if f.evidence.len() > EVIDENCE_SHOWN {
                let _ = writeln!(
                    out,
                    "           · … and {} more (see --format json)",
                    f.evidence.len() - EVIDENCE_SHOWN
                );
            }
            if !f.fix.is_empty() {
                let _ = writeln!(out, "           Fix: {}", f.fix);
            }
        }
    }
    if !r.gaps.is_empty() {
        let _ = writeln!(out, "\nNot read");
        for g in &r.gaps {
            let _ = writeln!(out, "  · {g}");
        }
    }
    out
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// Markdown: a summary table, then each finding.
pub fn markdown(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# PIM posture: {}\n", md_escape(&r.tenant));
    let _ = writeln!(
        out,
        "Generated {}. **{}.**\n",
        r.generated.format("%Y-%m-%d %H:%M UTC"),
        r.headline()
    );
    let _ = writeln!(
        out,
        "| Status | Item | Found | How | Controls |\n|---|---|---|---|---|"
    );
    for s in [Section::Alert, Section::Checklist] {
        for f in ordered(r, s) {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                mark(f.status),
                f.title,
                md_escape(&f.summary),
                f.method.words(),
                controls_line(&f.controls)
            );
        }
    }
    for s in [Section::Alert, Section::Checklist] {
        let _ = writeln!(out, "\n## {}", section_title(s));
        for f in ordered(r, s) {
            let _ = writeln!(
                out,
                "\n### {} — {}\n\n{}\n",
                mark(f.status),
                f.title,
                md_escape(&f.summary)
            );
            for e in f.evidence.iter().take(EVIDENCE_SHOWN) {
                let _ = writeln!(out, "- {}", md_escape(&evidence_line(e)));
            }
            if f.evidence.len() > EVIDENCE_SHOWN {
                let _ = writeln!(out, "- … and {} more", f.evidence.len() - EVIDENCE_SHOWN);
            }
            if !f.fix.is_empty() {
                let _ = writeln!(out, "\n**Fix:** {}", md_escape(&f.fix));
            }
            let _ = writeln!(out, "\n*Controls:* {}", controls_line(&f.controls));
        }
    }
    if !r.gaps.is_empty() {
        let _ = writeln!(out, "\n## Not read\n");
        for g in &r.gaps {
            let _ = writeln!(out, "- {}", md_escape(g));
        }
    }
    out
}
