// Owns the settings window's "Connection" section: the "Check connection" button, the
// doctor's report (each endpoint's proxy, DNS, TCP, TLS, HTTP and clock checks, what to do for
// each failure) and "Copy report", which copies the core's own text (no secrets in it).
import type { Check } from "./bindings/Check";
import type { DoctorReport } from "./bindings/DoctorReport";
import { el } from "./dom";
import { toErrorPayload } from "./ipc";

const STATUS_WORD: Record<Check["status"], string> = { ok: "ok", warn: "warning", fail: "failed", skipped: "not tried" };

/** One line: "3 checks failed: Sign-in: dns, …" or "Every check passed." */
export function verdict(report: DoctorReport): string {
  const failed = report.endpoints.flatMap((e) => e.checks.filter((c) => c.status === "fail").map((c) => `${e.name}: ${c.kind}`));
  if (failed.length === 0) return "Every check passed.";
  return `${failed.length === 1 ? "1 check" : `${failed.length} checks`} failed: ${failed.join(", ")}.`;
}

export function reportView(report: DoctorReport, copy: (text: string) => Promise<void>): HTMLElement {
  const copied = el("span", { class: "status", role: "status" });
  const copyButton = el("button", { type: "button", class: "secondary" }, "Copy report");
  copyButton.addEventListener("click", () => {
    void copy(report.text).then(
      () => {
        copied.textContent = "Copied.";
      },
      () => {
        copied.textContent = "Could not copy: select the text below.";
      },
    );
  });
  const endpoints = report.endpoints.map((e) =>
    el(
      "li",
      { class: "endpoint", "data-endpoint": e.name },
      el("strong", {}, e.name),
      " ",
      el("small", {}, e.url),
      el(
        "ul",
        {},
        ...e.checks.map((c) =>
          el(
            "li",
            { class: `check ${c.status}`, "data-kind": c.kind, "data-status": c.status },
            el("span", { class: "badge" }, STATUS_WORD[c.status]),
            ` ${c.kind}: ${c.detail}`,
            ...(c.fix ? [el("div", { class: "fix" }, `What to do: ${c.fix}`)] : []),
          ),
        ),
      ),
    ),
  );
  return el(
    "div",
    { class: "doctor-report", "data-ok": String(report.ok) },
    el("p", { class: report.ok ? "note verdict" : "error verdict", role: report.ok ? "status" : "alert" }, verdict(report)),
    el("p", {}, `Cloud ${report.cloud}, tenant ${report.tenant}. Proxy: ${report.proxy}. Trust store: ${report.trustStore}.`),
    el("ul", { class: "endpoints" }, ...endpoints),
    el("div", { class: "row" }, copyButton, copied),
    el("pre", { class: "report-text", tabindex: "0" }, report.text),
  );
}

/** The section: a button that runs the check and shows the report in place. */
export function connectionSection(
  check: () => Promise<DoctorReport>,
  copy: (text: string) => Promise<void> = (text) => navigator.clipboard.writeText(text),
): HTMLElement {
  const button = el("button", { type: "button", class: "secondary" }, "Check connection");
  const out = el("div", { class: "doctor", "aria-live": "polite" });
  button.addEventListener("click", () => {
    button.disabled = true;
    button.textContent = "Checking…";
    out.replaceChildren();
    void check()
      .then(
        (report) => {
          out.replaceChildren(reportView(report, copy));
        },
        (err: unknown) => {
          out.replaceChildren(el("p", { class: "error", role: "alert" }, toErrorPayload(err).message));
        },
      )
      .finally(() => {
        button.disabled = false;
        button.textContent = "Check connection";
      });
  });
  return el(
    "section",
    { "aria-label": "Connection" },
    el("h2", {}, "Connection"),
    el("small", {}, "Checks DNS, TCP, TLS (who issued the certificate), HTTP, the proxy and the clock for sign-in, Graph and Azure. No token is sent."),
    button,
    out,
  );
}
