// Owns the History panel: the header button that opens and closes it (aria-expanded, the focus
// back on the button when it closes), the period (last 7 or 30 days), the `history_view` call
// with its loading state and its error (with Try again), and what the answer shows: the local
// chain's state, the tenant's part missing as information, and my events, newest first, each
// with its time, where it came from, what, on what and how it ended. While it is open it takes
// the list area's place; the popup (view.ts) hides the list and keeps the keys off it.
import type { AuditEvent } from "./bindings/AuditEvent";
import type { ErrorPayload } from "./bindings/ErrorPayload";
import type { HistoryView } from "./bindings/HistoryView";
import type { Verification } from "./bindings/Verification";
import { el } from "./dom";
import type { Backend } from "./ipc";
import { toErrorPayload } from "./ipc";
import { PLANE_NAMES } from "./model";

/** The periods offered, in days; the first is the one shown first. */
export const HISTORY_RANGES = [7, 30] as const;
export type HistoryRange = (typeof HISTORY_RANGES)[number];

/** What each source is called on its badge, and where the event comes from in words. */
const SOURCES: Record<string, { name: string; title: string }> = {
  tenant: { name: "tenant", title: "From the tenant's audit log" },
  local: { name: "this machine", title: "From this machine's history" },
};

/** Results that are not a failure (lower case): the tenant's `success`, the request and
 *  decision states, and the statuses an admin request answers with. Anything else (`failure`,
 *  an error code) is shown as one. */
const FINE_RESULTS = new Set([
  "success",
  "recorded",
  "active",
  "provisioning",
  "provisioned",
  "pendingprovisioning",
  "scheduled",
  "pendingapproval",
  "granted",
  "revoked",
  "canceled",
  "cancelled",
  "alreadyactive",
  "alreadypending",
  "alreadydecided",
  "expired",
  "approved",
  "denied",
]);

const MONTH = new Intl.DateTimeFormat([], { month: "short" });

/** Local time, short: "Nov 29 14:03"; the text as given when it is not a time. */
export function shortTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const two = (n: number): string => String(n).padStart(2, "0");
  return `${MONTH.format(d)} ${String(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
}

/** "activate" → "Activate"; the tenant's activities are already written that way. */
export function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Whether a result says the event failed (`failure`, an error code). */
export function failed(result: string): boolean {
  return !FINE_RESULTS.has(result.toLowerCase());
}

/** The chain line's words: verified with its count, or the problem and where it starts. */
export function chainText(v: Verification): { ok: boolean; text: string } {
  if (v.problem === null && v.firstBadLine === null) {
    return { ok: true, text: `Local history verified (${String(v.records)} ${v.records === 1 ? "record" : "records"})` };
  }
  const where = v.firstBadLine === null ? "" : ` (first bad line ${String(v.firstBadLine)})`;
  return { ok: false, text: `Local history: ${v.message}${where}` };
}

export interface HistoryPanel {
  isOpen: () => boolean;
  /** Opens the panel and asks for the period shown. */
  open: () => void;
  /** Closes it; the focus goes back to the button unless `refocus` is false (something else
   *  takes it, e.g. a form a view opens). */
  close: (refocus?: boolean) => void;
}

/** Builds the panel in `section` and wires `button` to it; `onToggle` hides or shows the list area. */
export function createHistory(section: HTMLElement, button: HTMLButtonElement, backend: Backend, onToggle: (open: boolean) => void): HistoryPanel {
  section.id = "history";
  section.setAttribute("aria-labelledby", "history-heading");
  section.dataset.testid = "history";
  // Reachable by Tab, and scrollable with the keys once there.
  section.tabIndex = 0;
  section.hidden = true;
  button.setAttribute("aria-controls", "history");
  button.setAttribute("aria-expanded", "false");

  const heading = el("h2", { id: "history-heading" }, "History");
  const rangeButtons = HISTORY_RANGES.map((days, i) =>
    el("button", { type: "button", "aria-pressed": "false", "data-days": String(days), "data-testid": `history-range-${String(days)}` }, i === 0 ? `Last ${String(days)} days` : `${String(days)} days`),
  );
  const range = el("div", { class: "range", role: "group", "aria-label": "Period", "data-testid": "history-range" }, ...rangeButtons);
  const content = el("div", { class: "content" });
  section.replaceChildren(el("div", { class: "head" }, heading, range), content);

  let open = false;
  let days: HistoryRange = HISTORY_RANGES[0];
  /** The latest call: an answer to an older one (another period, a closed panel) is dropped. */
  let seq = 0;

  /** Replaces what is under the head; a focus inside it stays in the panel. */
  const show = (...nodes: Node[]): void => {
    const focused = document.activeElement;
    content.replaceChildren(...nodes);
    if (focused instanceof HTMLElement && !focused.isConnected && open) section.focus();
  };

  const load = async (): Promise<void> => {
    const mine = ++seq;
    for (const b of rangeButtons) b.setAttribute("aria-pressed", String(b.dataset.days === String(days)));
    section.setAttribute("aria-busy", "true");
    show(el("p", { class: "loading", role: "status", "data-testid": "history-loading" }, "Loading history…"));
    const asked = days;
    let answer: { ok: true; view: HistoryView } | { ok: false; error: ErrorPayload };
    try {
      answer = { ok: true, view: await backend.historyView(asked) };
    } catch (err: unknown) {
      answer = { ok: false, error: toErrorPayload(err) };
    }
    if (mine !== seq) return;
    section.setAttribute("aria-busy", "false");
    show(...(answer.ok ? loaded(answer.view, asked) : failure(answer.error)));
  };

  /** The command failed: its words, and Try again (the period and the list stay as they were). */
  const failure = (error: ErrorPayload): Node[] => {
    const retry = el("button", { type: "button", class: "secondary", "data-testid": "history-retry" }, "Try again");
    retry.addEventListener("click", () => void load());
    return [el("p", { class: "error", role: "alert", "data-code": error.code, "data-testid": "history-error" }, error.message), retry];
  };

  for (const b of rangeButtons) {
    b.addEventListener("click", () => {
      const picked = HISTORY_RANGES.find((d) => String(d) === b.dataset.days);
      if (picked === undefined || picked === days) return;
      days = picked;
      void load();
    });
  }

  const panel: HistoryPanel = {
    isOpen: () => open,
    open: () => {
      if (open) return;
      open = true;
      section.hidden = false;
      button.setAttribute("aria-expanded", "true");
      onToggle(true);
      void load();
    },
    close: (refocus = true) => {
      if (!open) return;
      open = false;
      seq++;
      section.hidden = true;
      button.setAttribute("aria-expanded", "false");
      onToggle(false);
      if (refocus) button.focus();
    },
  };
  button.addEventListener("click", () => {
    if (open) panel.close();
    else panel.open();
  });
  return panel;
}

/** The answer: the chain line, the tenant's part missing (information: the local part is
 *  there), then the events or the period's emptiness. */
function loaded(v: HistoryView, days: number): Node[] {
  const nodes: Node[] = [];
  if (v.verificationError !== null) {
    nodes.push(el("p", { class: "chain warn", role: "alert", "data-code": v.verificationError.code, "data-testid": "history-chain" }, `Local history: ${v.verificationError.message}`));
  } else if (v.verification !== null) {
    const { ok, text } = chainText(v.verification);
    nodes.push(
      ok
        ? el("p", { class: "chain ok", title: v.verification.message, "data-testid": "history-chain" }, text)
        : el("p", { class: "chain warn", role: "alert", "data-problem": v.verification.problem ?? "", "data-testid": "history-chain" }, text),
    );
  }
  if (v.tenantError !== null) {
    nodes.push(el("p", { class: "info", role: "status", "data-code": v.tenantError.code, "data-testid": "history-tenant-error" }, `Tenant events not shown: ${v.tenantError.message}`));
  }
  if (v.events.length === 0) {
    nodes.push(el("p", { class: "empty", "data-testid": "history-empty" }, `Nothing in the last ${String(days)} days.`));
  } else {
    const ol = el("ol", { class: "events", "aria-label": `Events of the last ${String(days)} days, newest first` });
    for (const e of v.events) ol.appendChild(eventRow(e));
    nodes.push(ol);
  }
  return nodes;
}

/** One event on two lines (three with a justification): when, from where, what, how it
 *  ended; then the plane and the target. */
function eventRow(e: AuditEvent): HTMLLIElement {
  const source = SOURCES[e.source] ?? { name: e.source, title: e.source };
  const when = new Date(e.time);
  const what = capitalised(e.activity);
  const by = e.initiatedBy === null ? "" : ` (by ${e.initiatedBy})`;
  const li = el(
    "li",
    { class: "event", "data-testid": "history-event", "data-source": e.source },
    el(
      "div",
      { class: "title" },
      el("time", { datetime: e.time, title: Number.isNaN(when.getTime()) ? e.time : when.toLocaleString() }, shortTime(e.time)),
      el("span", { class: "badge source", title: source.title }, source.name),
      el("span", { class: "what", title: `${what}${by}` }, what),
      el("span", { class: failed(e.result) ? "result bad" : "result", title: "Result" }, e.result),
    ),
  );
  const meta = el("div", { class: "meta", title: e.plane === null ? e.target : `${PLANE_NAMES[e.plane]} · ${e.target}` });
  if (e.plane !== null) meta.append(el("span", { class: "plane" }, PLANE_NAMES[e.plane]), " · ");
  meta.append(el("span", { class: "target" }, e.target));
  li.append(meta);
  const said = e.justification?.trim() ?? "";
  if (said !== "") li.append(el("p", { class: "said", title: said }, `“${said}”`));
  return li;
}
