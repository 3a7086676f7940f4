//! The report as one standalone HTML page: inline CSS, no script, no remote asset (it opens
//! offline and can be mailed). The top shows the verdict in a glance (counts, what fails);
//! the details follow, and `@media print` keeps it readable on paper.

use std::fmt::Write;

use super::controls::controls_line;
use super::render::{evidence_line, ordered, section_title, EVIDENCE_SHOWN};
use super::{Report, Section, Status};

/// Escapes text for HTML element content and attribute values.
pub(super) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn class(s: Status) -> &'static str {
    match s {
        Status::Pass => "pass",
        Status::Warn => "warn",
        Status::Fail => "fail",
        Status::Unknown => "unknown",
    }
}

const STYLE: &str = r#"
:root{--fail:#b42318;--warn:#b54708;--pass:#027a48;--unknown:#475467;--line:#d0d5dd}
*{box-sizing:border-box}body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#101828;margin:0 auto;max-width:980px;padding:32px 24px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:19px;margin:32px 0 8px;border-bottom:2px solid var(--line);padding-bottom:4px}
.sub{color:#475467;margin:0 0 20px}.verdict{font-size:20px;font-weight:600;margin:0 0 16px}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin-bottom:16px}.card{flex:1 1 150px;border:1px solid var(--line);border-radius:10px;padding:12px 16px}
.card b{display:block;font-size:32px;line-height:1.1}.card.fail b{color:var(--fail)}.card.warn b{color:var(--warn)}.card.pass b{color:var(--pass)}.card.unknown b{color:var(--unknown)}
.top li{margin:2px 0}
table.sum{border-collapse:collapse;width:100%;margin:8px 0}table.sum td,table.sum th{border-bottom:1px solid var(--line);padding:6px 8px;text-align:left;vertical-align:top}
.badge{display:inline-block;min-width:64px;text-align:center;border-radius:999px;padding:1px 8px;font-size:12px;font-weight:700;color:#fff;text-transform:uppercase}
.badge.fail{background:var(--fail)}.badge.warn{background:var(--warn)}.badge.pass{background:var(--pass)}.badge.unknown{background:var(--unknown)}
.item{border:1px solid var(--line);border-left:6px solid var(--unknown);border-radius:8px;padding:10px 14px;margin:10px 0;break-inside:avoid}
.item.fail{border-left-color:var(--fail)}.item.warn{border-left-color:var(--warn)}.item.pass{border-left-color:var(--pass)}
.item h3{font-size:16px;margin:0 0 4px}.how,.ctl{color:#475467;font-size:13px}.fix{margin:6px 0 0}ul.ev{margin:6px 0;padding-left:20px;font-size:14px}
footer{margin-top:32px;color:#475467;font-size:12px}
@media print{body{padding:0;font-size:12px}.card b{font-size:24px}a{color:inherit}h2{break-after:avoid}}
"#;

/// The whole page.
pub fn html(r: &Report) -> String {
    let mut o = String::new();
    let _ = write!(o, "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">");
    let _ = write!(
        o,
        "<title>PIM posture: {}</title><style>{STYLE}</style></head><body>",
        esc(&r.tenant)
    );
    let _ = write!(o, "<h1>PIM posture: {}</h1>", esc(&r.tenant));
    let _ = write!(
        o,
        "<p class=\"sub\">Generated {} · {} eligible and {} active assignments of {} principals read</p>",
        r.generated.format("%Y-%m-%d %H:%M UTC"),
        r.totals.eligible,
        r.totals.active,
        r.totals.principals
    );
    let verdict = if r.counts.fail > 0 {
        format!(
            "{} of {} items need action.",
            r.counts.fail,
            r.findings.len()
        )
    } else if r.counts.warn > 0 {
        format!("Nothing failing; {} item(s) to watch.", r.counts.warn)
    } else {
        "Every item judged passes.".to_string()
    };
    let _ = write!(
        o,
        "<p class=\"verdict\" id=\"verdict\">{}</p><div class=\"cards\">",
        esc(&verdict)
    );
    for (s, n) in [
        (Status::Fail, r.counts.fail),
        (Status::Warn, r.counts.warn),
        (Status::Pass, r.counts.pass),
        (Status::Unknown, r.counts.unknown),
    ] {
        let _ = write!(
            o,
            "<div class=\"card {c}\"><b>{n}</b>{w}</div>",
            c = class(s),
            w = s.word()
        );
    }
    o.push_str("</div>");
    let failing: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.status == Status::Fail)
        .collect();
    if !failing.is_empty() {
        o.push_str("<ul class=\"top\">");
        for f in failing {
            let _ = write!(o, "<li><b>{}</b>: {}</li>", esc(f.title), esc(&f.summary));
        }
        o.push_str("</ul>");
    }
    o.push_str("<table class=\"sum\"><thead><tr><th>Status</th><th>Item</th><th>Controls</th></tr></thead><tbody>");
    for s in [Section::Alert, Section::Checklist] {
        for f in ordered(r, s) {
            let _ = write!(
                o,
                "<tr><td><span class=\"badge {c}\">{w}</span></td><td><a href=\"#{id}\">{t}</a></td><td class=\"ctl\">{ctl}</td></tr>",
                c = class(f.status),
                w = f.status.word(),
                id = f.id,
                t = esc(f.title),
                ctl = esc(&controls_line(&f.controls))
            );
        }
    }
    o.push_str("</tbody></table>");
    for s in [Section::Alert, Section::Checklist] {
        let _ = write!(o, "<h2>{}</h2>", section_title(s));
        for f in ordered(r, s) {
            let _ = write!(
                o,
                "<section class=\"item {c}\" id=\"{id}\"><h3><span class=\"badge {c}\">{w}</span> {t}</h3><p>{sum}</p><p class=\"how\">How: {how}</p>",
                c = class(f.status),
                id = f.id,
                w = f.status.word(),
                t = esc(f.title),
                sum = esc(&f.summary),
                how = esc(f.method.words())
            );
            if !f.evidence.is_empty() {
                o.push_str("<ul class=\"ev\">");
                for e in f.evidence.iter().take(EVIDENCE_SHOWN) {
                    let _ = write!(o, "<li>{}</li>", esc(&evidence_line(e)));
                }
                if f.evidence.len() > EVIDENCE_SHOWN {
                    let _ = write!(
                        o,
                        "<li>… and {} more (JSON report)</li>",
                        f.evidence.len() - EVIDENCE_SHOWN
                    );
                }
                o.push_str("</ul>");
            }
            if !f.fix.is_empty() {
                let _ = write!(o, "<p class=\"fix\"><b>Fix:</b> {}</p>", esc(&f.fix));
            }
            let _ = write!(
                o,
                "<p class=\"ctl\">Controls: {}</p></section>",
                esc(&controls_line(&f.controls))
            );
        }
    }
    if !r.gaps.is_empty() {
        o.push_str("<h2>Not read</h2><ul>");
        for g in &r.gaps {
            let _ = write!(o, "<li>{}</li>", esc(g));
        }
        o.push_str("</ul>");
    }
    o.push_str("<footer>Made by Elevate from the tenant's PIM schedules, policies, alerts, sign-in activity, audit log and access reviews, as far as the signed-in account may read them.</footer></body></html>\n");
    o
}
