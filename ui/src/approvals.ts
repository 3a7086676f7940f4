// Owns the "To approve (N)" section above the list: requests from others waiting for my
// decision (my own requests are never shown), each with what was asked, a justification field
// and Approve / Deny; the decision in flight, then its result or error next to the item; the
// latest results under the section; the planes whose list failed; and landing on the item a
// view names in `focus`. It lives outside the windowed list, whose rows keep one height.
import type { Approval } from "./bindings/Approval";
import type { ApprovalsView } from "./bindings/ApprovalsView";
import type { Decided } from "./bindings/Decided";
import type { ErrorPayload } from "./bindings/ErrorPayload";
import type { Plane } from "./bindings/Plane";
import type { RequestKind } from "./bindings/RequestKind";
import type { Requester } from "./bindings/Requester";
import type { Verdict } from "./bindings/Verdict";
import { el } from "./dom";
import type { Backend } from "./ipc";
import { toErrorPayload } from "./ipc";
import { PLANE_NAMES, human, minutes } from "./model";

/** Results of my latest decisions shown under the section. */
export const RECENT_SHOWN = 3;

/** What each plane's approvals are called when its list failed. */
export const APPROVAL_PLANES: Record<Plane, string> = {
  entraRole: "Entra roles",
  group: "PIM for Groups",
  azureResource: "Azure resources",
};

export const PORTAL_ONLY_NOTE = "Extend and renew requests can only be approved in the Azure portal (PIM › Approve requests).";

/** The name people know: display name, else UPN, else the object id. */
export function requesterName(r: Requester): string {
  return r.displayName ?? r.userPrincipalName ?? r.id;
}

/** "Security Administrator", "Finance App Admins (owner)", "Contributor on Contoso Production". */
export function approvalLabel(a: Approval): string {
  const base = a.access ? `${a.name} (${a.access})` : a.name;
  return a.plane === "azureResource" ? `${base} on ${a.scope.displayName}` : base;
}

/** The kind in a word, when it is not an activation. */
export function kindText(kind: RequestKind): string | null {
  switch (kind) {
    case "activate":
      return null;
    case "extend":
      return "extension";
    case "renew":
      return "renewal";
    case "other":
      return "other request";
  }
}

/** "23 h left", "40 min left", "expired" (to decide, from `expires`); "" when unknown. */
export function timeToDecide(expires: string | null, now: number): string {
  const at = expires === null ? NaN : Date.parse(expires);
  if (Number.isNaN(at)) return "";
  if (at <= now) return "expired";
  const mins = Math.max(1, Math.floor((at - now) / 60_000));
  return mins >= 60 ? `${String(Math.floor(mins / 60))} h left` : `${String(mins)} min left`;
}

/** The requested duration in words ("for 2 h", "for 1 h 30 min"), or its end; null when neither. */
export function durationText(a: Approval): string | null {
  if (a.duration !== null) {
    const m = minutes(a.duration);
    return `for ${m === null ? a.duration : human(m)}`;
  }
  if (a.end !== null) {
    const end = new Date(a.end);
    return Number.isNaN(end.getTime()) ? `until ${a.end}` : `until ${end.toLocaleString([], { dateStyle: "short", timeStyle: "short" })}`;
  }
  return null;
}

/** "starts in 3 h" when the requested start is more than a few minutes ahead; "" otherwise. */
export function startText(start: string | null, now: number): string {
  const at = start === null ? NaN : Date.parse(start);
  if (Number.isNaN(at) || at - now <= 5 * 60_000) return "";
  return `starts in ${human(Math.floor((at - now) / 60_000))}`;
}

/** The requester's own words: “justification” · ticket system number. */
function saidText(a: Approval): string {
  const parts: string[] = [];
  if (a.justification !== null && a.justification.trim() !== "") parts.push(`“${a.justification.trim()}”`);
  if (a.ticketNumber !== null || a.ticketSystem !== null) parts.push(["ticket", a.ticketSystem, a.ticketNumber].filter((p) => p !== null && p !== "").join(" "));
  return parts.join(" · ");
}

export interface Approvals {
  /** Renders the section for the approvals of a new view (items whose data is unchanged are kept). */
  render: (view: ApprovalsView) => void;
  /** Scrolls the approval `key` into view and puts the cursor in its justification field.
   *  False when `key` names no approval of the view (it is an assignment's). */
  focus: (key: string) => boolean;
  /** The countdown: time left to decide and the requested start, nothing else. */
  tick: () => void;
}

interface Item {
  a: Approval;
  /** The approval's data as last built. */
  sig: string;
  node: HTMLLIElement;
  /** Absent when it cannot be decided here (portal only). */
  field: HTMLInputElement | null;
  approve: HTMLButtonElement | null;
  deny: HTMLButtonElement | null;
  when: HTMLSpanElement;
  starts: HTMLSpanElement;
  /** Where its result or error goes, and what it shows now. */
  outcome: HTMLDivElement;
  outcomeSig: string;
}

export function createApprovals(section: HTMLElement, backend: Backend, now: () => number): Approvals {
  section.setAttribute("aria-labelledby", "approvals-heading");
  section.dataset.testid = "approvals";
  section.hidden = true;
  const heading = el("h2", { id: "approvals-heading" }, "To approve");
  const failures = el("div", { class: "failures" });
  const ul = el("ul", { class: "approval-list", "aria-label": "Requests waiting for your approval" });
  const recent = el("div", { class: "recent" });
  section.replaceChildren(heading, failures, ul, recent);

  let current: ApprovalsView | null = null;
  let items = new Map<string, Item>();
  /** The decision in flight per key. */
  const busy = new Map<string, Verdict>();
  /** Per key, what the last decision here answered (while the item is still listed). */
  const errors = new Map<string, ErrorPayload>();
  const results = new Map<string, Decided>();
  /** Errors of decisions whose item had left the list meanwhile: shown under the section. */
  const orphans = new Map<string, ErrorPayload>();
  let failuresFor = "";
  let recentFor = "";

  const setText = (node: HTMLElement, text: string): void => {
    if (node.textContent !== text) node.textContent = text;
  };

  /** Buttons, their progress and the result slot: updated in place, never rebuilding the item. */
  const update = (item: Item): void => {
    const key = item.a.key;
    const going = busy.get(key);
    const inFlight = String(going !== undefined);
    if (item.node.getAttribute("aria-busy") !== inFlight) item.node.setAttribute("aria-busy", inFlight);
    if (item.approve && item.deny && item.field) {
      // Decided here already, or the policy wants my words and there are none yet.
      const missing = item.a.approverJustification === true && item.field.value.trim() === "";
      const off = going !== undefined || results.has(key) || missing;
      if (item.approve.disabled !== off) item.approve.disabled = off;
      if (item.deny.disabled !== off) item.deny.disabled = off;
      setText(item.approve, going === "approve" ? "Approving…" : "Approve");
      setText(item.deny, going === "deny" ? "Denying…" : "Deny");
    }
    const error = errors.get(key);
    const result = results.get(key);
    const sig = JSON.stringify([error ?? null, result ?? null]);
    if (sig === item.outcomeSig) return;
    item.outcomeSig = sig;
    if (error) item.outcome.replaceChildren(errorLine(key, error));
    else if (result) item.outcome.replaceChildren(resultLine(result));
    else item.outcome.replaceChildren();
  };

  const decide = async (item: Item, verdict: Verdict): Promise<void> => {
    const key = item.a.key;
    const text = item.field?.value.trim() ?? "";
    busy.set(key, verdict);
    errors.delete(key);
    results.delete(key);
    orphans.clear();
    paint();
    try {
      results.set(key, await backend.decide({ key, verdict, justification: text === "" ? null : text }));
    } catch (err: unknown) {
      // Shown next to the item; what was typed stays in its field.
      if (items.has(key)) errors.set(key, toErrorPayload(err));
      else orphans.set(key, toErrorPayload(err));
    } finally {
      busy.delete(key);
      paint();
    }
  };

  const startLine = (a: Approval, t: number): string => {
    const s = startText(a.start, t);
    return s === "" ? "" : ` · ${s}`;
  };

  const build = (a: Approval, t: number): Item => {
    const who = requesterName(a.requester);
    const what = approvalLabel(a);
    const node = el("li", { class: "approval", "data-key": a.key, "data-testid": `approval-${a.key}`, "data-decidable": a.decidable, tabindex: "-1" });
    const when = el("span", { class: "when", title: "Time left to decide" }, timeToDecide(a.expires, t));
    const title = el(
      "div",
      { class: "title" },
      el("span", { class: "name", title: `${who}: ${what}` }, el("span", { class: "requester" }, who), " · ", el("span", { class: "role" }, what)),
      when,
    );
    const meta = el("div", { class: "meta" }, el("span", { class: "plane" }, PLANE_NAMES[a.plane]), ` · ${a.scope.displayName}`);
    const duration = durationText(a);
    if (duration !== null) meta.append(" · ", el("span", { class: "duration", title: "Requested duration" }, duration));
    const starts = el("span", { class: "starts" });
    meta.append(starts);
    const kind = kindText(a.kind);
    if (kind !== null) meta.append(" · ", el("span", { class: "kind" }, kind));
    node.append(title, meta);
    const said = saidText(a);
    if (said !== "") node.append(el("p", { class: "said", title: said }, said));
    let field: HTMLInputElement | null = null;
    let approve: HTMLButtonElement | null = null;
    let deny: HTMLButtonElement | null = null;
    if (a.decidable === "portalOnly") {
      const link = el("button", { type: "button", class: "link", "data-testid": `portal-${a.key}` }, "Open the Azure portal");
      link.addEventListener("click", () => {
        backend.openInPortal(a.key).catch((err: unknown) => {
          link.replaceWith(errorLine(a.key, toErrorPayload(err)));
        });
      });
      node.append(el("p", { class: "note" }, PORTAL_ONLY_NOTE, " ", link));
    } else {
      const required = a.approverJustification === true;
      field = el("input", { name: "justification", autocomplete: "off", maxlength: "500", "data-testid": `approval-justification-${a.key}` });
      if (required) {
        field.required = true;
        field.setAttribute("aria-required", "true");
      }
      approve = el("button", { type: "button", class: "primary", "aria-label": `Approve ${who}: ${what}`, "data-testid": `approve-${a.key}` }, "Approve");
      deny = el("button", { type: "button", class: "secondary", "aria-label": `Deny ${who}: ${what}`, "data-testid": `deny-${a.key}` }, "Deny");
      // A form, so the popup's keys (Enter, arrows) leave it alone; Enter decides nothing.
      const form = el(
        "form",
        { class: "decide", "aria-label": `Decide on ${who}: ${what}` },
        el("label", {}, required ? "Your justification (required by the policy)" : "Your justification", field),
        el("div", { class: "row" }, approve, deny),
      );
      form.addEventListener("submit", (event) => {
        event.preventDefault();
      });
      node.append(form);
    }
    const outcome = el("div", { class: "outcome" });
    node.append(outcome);
    const item: Item = { a, sig: JSON.stringify(a), node, field, approve, deny, when, starts, outcome, outcomeSig: "" };
    field?.addEventListener("input", () => {
      update(item);
    });
    approve?.addEventListener("click", () => void decide(item, "approve"));
    deny?.addEventListener("click", () => void decide(item, "deny"));
    setText(starts, startLine(a, t));
    return item;
  };

  /** Renders `current` with the local state (busy, results, errors). */
  function paint(): void {
    const v = current;
    const shown = v?.enabled ? v.items.filter((a) => a.decidable !== "ownRequest") : [];
    const keys = new Set(shown.map((a) => a.key));
    for (const key of [...errors.keys(), ...results.keys()]) {
      if (!keys.has(key)) {
        errors.delete(key);
        results.delete(key);
      }
    }
    const focused = document.activeElement;
    const t = now();
    const next = new Map<string, Item>();
    for (const a of shown) {
      let item = items.get(a.key);
      const sig = JSON.stringify(a);
      if (item?.sig !== sig) {
        const old = item;
        item = build(a, t);
        // New data for the same request (e.g. its policy read since): what was typed stays.
        if (old?.field && item.field) item.field.value = old.field.value;
      }
      update(item);
      next.set(a.key, item);
    }
    // Keyed placement: items already in place stay (and the field being typed in keeps the focus).
    const nodes = [...next.values()].map((i) => i.node);
    const keep = new Set<Element>(nodes);
    for (const child of Array.from(ul.children)) if (!keep.has(child)) child.remove();
    let cursor = ul.firstElementChild;
    for (const node of nodes) {
      if (node === cursor) cursor = cursor.nextElementSibling;
      else ul.insertBefore(node, cursor);
    }
    // A field replaced by its rebuilt item gives the focus to its successor.
    for (const [key, item] of next) {
      const old = items.get(key);
      if (old && old !== item && focused === old.field) item.field?.focus();
    }
    items = next;

    const fails = v?.enabled ? v.failures : [];
    const fsig = JSON.stringify(fails);
    if (fsig !== failuresFor) {
      failuresFor = fsig;
      failures.replaceChildren(
        ...fails.map((f) =>
          el("p", { class: "error", role: "alert", "data-code": f.error.code, "data-testid": `approvals-failure-${f.plane}` }, `${APPROVAL_PLANES[f.plane]}: ${f.error.message}`),
        ),
      );
    }

    // Latest results, unless the item is still listed with its result next to it.
    const latest = (v?.enabled ? v.decided : []).filter((d) => !(keys.has(d.key) && results.has(d.key))).slice(0, RECENT_SHOWN);
    const lost = [...orphans].filter(([key]) => !keys.has(key));
    const rsig = JSON.stringify([latest, lost]);
    if (rsig !== recentFor) {
      recentFor = rsig;
      recent.replaceChildren(...lost.map(([key, e]) => errorLine(key, e)), ...latest.map(resultLine));
    }

    setText(heading, `To approve (${String(shown.length)})`);
    section.hidden = !(v?.enabled ?? false) || (shown.length === 0 && fails.length === 0 && latest.length === 0 && lost.length === 0);
  }

  return {
    render: (view) => {
      current = view;
      paint();
    },
    focus: (key) => {
      if (!current?.items.some((a) => a.key === key) && !current?.decided.some((d) => d.key === key)) return false;
      const item = items.get(key);
      if (item) {
        const node: Partial<HTMLElement> = item.node;
        node.scrollIntoView?.({ block: "nearest" }); // (absent in jsdom)
        (item.field ?? item.node).focus();
      }
      return true;
    },
    tick: () => {
      const t = now();
      for (const item of items.values()) {
        setText(item.when, timeToDecide(item.a.expires, t));
        setText(item.starts, startLine(item.a, t));
      }
    },
  };
}

function resultLine(d: Decided): HTMLParagraphElement {
  const info = d.state !== "recorded";
  return el(
    "p",
    { class: info ? "result info" : "result", role: "status", "data-state": d.state, "data-verdict": d.verdict, "data-testid": `approval-result-${d.key}` },
    d.message,
  );
}

function errorLine(key: string, error: ErrorPayload): HTMLParagraphElement {
  return el("p", { class: "error", role: "alert", "data-code": error.code, "data-testid": `approval-error-${key}` }, error.message);
}
