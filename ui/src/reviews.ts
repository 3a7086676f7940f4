// Owns the Reviews panel: the header button with the number of access review decisions waiting
// (a badge), the panel that takes the list area's place while open (like History), the fresh
// look (`reviews_view`) when it opens while the view's items show at once, each item (whose
// access, which role or group, the review, the recommendation, when it ends) with a
// justification field and Approve / Deny / Don't know; a justification the review requires to
// approve checked before anything is sent; the decision in flight, then its result or error
// next to the item; the APIs that could not be listed; and landing on an item a view names.
import type { ErrorPayload } from "./bindings/ErrorPayload";
import type { ReviewApi } from "./bindings/ReviewApi";
import type { ReviewDecided } from "./bindings/ReviewDecided";
import type { ReviewDecision } from "./bindings/ReviewDecision";
import type { ReviewItem } from "./bindings/ReviewItem";
import type { ReviewsView } from "./bindings/ReviewsView";
import { el } from "./dom";
import type { Backend } from "./ipc";
import { toErrorPayload } from "./ipc";

/** What each API's reviews are called when its list failed. */
export const REVIEW_APIS: Record<ReviewApi, string> = {
  graph: "Entra role and group reviews",
  arm: "Azure role reviews",
};

/** The decisions offered, in order, with their button words. */
export const DECISIONS: readonly { decision: Exclude<ReviewDecision, "notReviewed">; label: string; busy: string }[] = [
  { decision: "approve", label: "Approve", busy: "Approving…" },
  { decision: "deny", label: "Deny", busy: "Denying…" },
  { decision: "dontKnow", label: "Don't know", busy: "Saving…" },
];

export const JUSTIFICATION_REQUIRED = "This review requires a justification to approve.";

/** The name people know: display name, else UPN, else the object id. */
export function principalName(i: ReviewItem): string {
  return i.principal.displayName ?? i.principal.userPrincipalName ?? i.principal.id;
}

/** "Contributor on rg-security-prod", "Privileged Role Administrator". */
export function reviewTarget(i: ReviewItem): string {
  return i.scope === null ? i.resource : `${i.resource} on ${i.scope}`;
}

/** "due in 3 days", "due in 5 h", "due in 20 min", "ended"; "" when the review has no end. */
export function dueText(due: string | null, now: number): string {
  const at = due === null ? NaN : Date.parse(due);
  if (Number.isNaN(at)) return "";
  if (at <= now) return "ended";
  const hours = Math.floor((at - now) / 3_600_000);
  if (hours >= 48) return `due in ${String(Math.floor((hours + 12) / 24))} days`;
  if (hours >= 1) return `due in ${String(hours)} h`;
  return `due in ${String(Math.max(1, Math.floor((at - now) / 60_000)))} min`;
}

/** "recommended: approve" from the service's `Approve`/`Deny`; null when none. */
export function recommendationText(r: string | null): string | null {
  const word = r?.toLowerCase();
  if (word === "approve" || word === "deny") return `recommended: ${word}`;
  return null;
}

/** The header button's words for screen readers. */
export function buttonLabel(waiting: number): string {
  return waiting === 0 ? "Access reviews" : `Access reviews (${String(waiting)} waiting)`;
}

export interface ReviewsPanel {
  isOpen: () => boolean;
  /** Opens the panel (the view's items at once) and asks for a fresh look. */
  open: () => void;
  close: (refocus?: boolean) => void;
  /** The reviews of a new view: the badge, and the panel's items (typed words kept). */
  render: (view: ReviewsView) => void;
  /** Opens the panel on the item `key` (its field focused); false when `key` is not a review's. */
  focus: (key: string) => boolean;
}

interface Item {
  i: ReviewItem;
  sig: string;
  node: HTMLLIElement;
  field: HTMLInputElement;
  buttons: HTMLButtonElement[];
  outcome: HTMLDivElement;
}

/** Builds the panel in `section`, wires `button` (its badge too); `onToggle` hides or shows the list area. */
export function createReviews(section: HTMLElement, button: HTMLButtonElement, backend: Backend, now: () => number, onToggle: (open: boolean) => void): ReviewsPanel {
  section.id = "reviews";
  section.setAttribute("aria-labelledby", "reviews-heading");
  section.dataset.testid = "reviews";
  section.tabIndex = 0;
  section.hidden = true;
  button.setAttribute("aria-controls", "reviews");
  button.setAttribute("aria-expanded", "false");
  const badge = el("span", { class: "badge count", "data-testid": "reviews-badge", "aria-hidden": "true" });
  badge.hidden = true;
  button.append(badge);

  const heading = el("h2", { id: "reviews-heading" }, "Access reviews");
  const status = el("p", { class: "loading", role: "status", "data-testid": "reviews-loading" });
  const failures = el("div", { class: "failures" });
  /** The fresh look failed as a whole (the view's items are still shown). */
  const lookError = el("p", { class: "error", role: "alert", "data-testid": "reviews-error" });
  lookError.hidden = true;
  const empty = el("p", { class: "empty", "data-testid": "reviews-empty" }, "No access review waits for your decision.");
  const ul = el("ul", { class: "review-list", "aria-label": "Decisions waiting for your review" });
  section.replaceChildren(el("div", { class: "head" }, heading), status, lookError, failures, empty, ul);

  let open = false;
  let current: ReviewsView = { enabled: false, items: [], failures: [], checkedAt: null };
  let items = new Map<string, Item>();
  const busy = new Map<string, ReviewDecision>();
  const errors = new Map<string, ErrorPayload>();
  const results = new Map<string, ReviewDecided>();

  const update = (item: Item): void => {
    const key = item.i.key;
    const going = busy.get(key);
    item.node.setAttribute("aria-busy", String(going !== undefined));
    const off = going !== undefined || results.has(key);
    DECISIONS.forEach((d, n) => {
      const b = item.buttons[n];
      if (!b) return;
      b.disabled = off;
      b.textContent = going === d.decision ? d.busy : d.label;
    });
    const error = errors.get(key);
    const result = results.get(key);
    if (error) item.outcome.replaceChildren(el("p", { class: "error", role: "alert", "data-code": error.code, "data-testid": `review-error-${key}` }, error.message));
    else if (result) item.outcome.replaceChildren(el("p", { class: "result", role: "status", "data-decision": result.decision, "data-testid": `review-result-${key}` }, result.message));
    else item.outcome.replaceChildren();
  };

  const decide = async (item: Item, decision: ReviewDecision): Promise<void> => {
    const key = item.i.key;
    const text = item.field.value.trim();
    errors.delete(key);
    if (decision === "approve" && item.i.justificationRequired && text === "") {
      // The review's rule, said here: nothing is sent.
      errors.set(key, { code: "policy", message: JUSTIFICATION_REQUIRED });
      update(item);
      item.field.focus();
      return;
    }
    busy.set(key, decision);
    update(item);
    try {
      results.set(key, await backend.decideReview({ key, decision, justification: text === "" ? null : text }));
    } catch (err: unknown) {
      errors.set(key, toErrorPayload(err));
    } finally {
      busy.delete(key);
      update(item);
    }
  };

  const build = (i: ReviewItem, t: number): Item => {
    const who = principalName(i);
    const what = reviewTarget(i);
    const node = el("li", { class: "review", "data-key": i.key, "data-testid": `review-${i.key}`, tabindex: "-1" });
    node.append(
      el("div", { class: "title" }, el("span", { class: "name", title: `${who}: ${what}` }, el("span", { class: "principal" }, who), " · ", el("span", { class: "role" }, what)), el("span", { class: "when" }, dueText(i.due, t))),
    );
    const meta = el("div", { class: "meta" }, el("span", { class: "review-name" }, i.reviewName));
    const rec = recommendationText(i.recommendation);
    if (rec !== null) meta.append(" · ", el("span", { class: "recommendation" }, rec));
    node.append(meta);
    const field = el("input", { name: "justification", autocomplete: "off", maxlength: "500", "data-testid": `review-justification-${i.key}` });
    if (i.justificationRequired) field.setAttribute("aria-required", "true");
    const buttons = DECISIONS.map((d, n) =>
      el("button", { type: "button", class: n === 0 ? "primary" : "secondary", "aria-label": `${d.label}: ${who}, ${what}`, "data-testid": `review-${d.decision}-${i.key}` }, d.label),
    );
    // A form, so the popup's keys leave it alone; Enter decides nothing.
    const form = el("form", { class: "decide", "aria-label": `Review ${who}: ${what}` }, el("label", {}, i.justificationRequired ? "Your justification (required to approve)" : "Your justification", field), el("div", { class: "row" }, ...buttons));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
    });
    const outcome = el("div", { class: "outcome" });
    node.append(form, outcome);
    const item: Item = { i, sig: JSON.stringify(i), node, field, buttons, outcome };
    DECISIONS.forEach((d, n) => buttons[n]?.addEventListener("click", () => void decide(item, d.decision)));
    update(item);
    return item;
  };

  const paint = (): void => {
    const waiting = current.items.length;
    badge.textContent = String(waiting);
    badge.hidden = waiting === 0;
    button.setAttribute("aria-label", buttonLabel(waiting));
    button.dataset.count = String(waiting);
    // Decided items stay (with their result) until the panel closes.
    const shown = [...current.items];
    for (const [key, it] of items) if (results.has(key) && !shown.some((x) => x.key === key)) shown.push(it.i);
    const t = now();
    const next = new Map<string, Item>();
    for (const i of shown) {
      let item = items.get(i.key);
      if (item?.sig !== JSON.stringify(i)) {
        const typed = item?.field.value ?? "";
        item = build(i, t);
        item.field.value = typed;
      }
      next.set(i.key, item);
    }
    const nodes = [...next.values()].map((x) => x.node);
    const keep = new Set<Element>(nodes);
    for (const child of Array.from(ul.children)) if (!keep.has(child)) child.remove();
    let cursor = ul.firstElementChild;
    for (const node of nodes) {
      if (node === cursor) cursor = cursor.nextElementSibling;
      else ul.insertBefore(node, cursor);
    }
    items = next;
    failures.replaceChildren(
      ...current.failures.map((f) => el("p", { class: "error", role: "alert", "data-code": f.error.code, "data-testid": `reviews-failure-${f.api}` }, `${REVIEW_APIS[f.api]}: ${f.error.message}`)),
    );
    empty.hidden = shown.length > 0 || current.failures.length > 0 || !lookError.hidden;
    heading.textContent = `Access reviews (${String(waiting)})`;
  };

  let seq = 0;
  const look = async (): Promise<void> => {
    const mine = ++seq;
    status.textContent = "Looking for reviews…";
    status.hidden = false;
    section.setAttribute("aria-busy", "true");
    lookError.hidden = true;
    try {
      const fresh = await backend.reviewsView();
      if (mine !== seq) return;
      current = fresh;
      status.hidden = true;
    } catch (err: unknown) {
      if (mine !== seq) return;
      const e = toErrorPayload(err);
      status.hidden = true;
      lookError.dataset.code = e.code;
      lookError.textContent = e.message;
      lookError.hidden = false;
    } finally {
      if (mine === seq) section.setAttribute("aria-busy", "false");
    }
    paint();
  };

  const panel: ReviewsPanel = {
    isOpen: () => open,
    open: () => {
      if (open) return;
      open = true;
      section.hidden = false;
      button.setAttribute("aria-expanded", "true");
      onToggle(true);
      paint();
      void look();
    },
    close: (refocus = true) => {
      if (!open) return;
      open = false;
      seq++;
      section.hidden = true;
      button.setAttribute("aria-expanded", "false");
      for (const key of results.keys()) errors.delete(key);
      results.clear();
      onToggle(false);
      paint();
      if (refocus) button.focus();
    },
    render: (view) => {
      current = view;
      paint();
    },
    focus: (key) => {
      if (!key.startsWith("review:")) return false;
      panel.open();
      const item = items.get(key);
      if (item) {
        const node: Partial<HTMLElement> = item.node;
        node.scrollIntoView?.({ block: "nearest" }); // (absent in jsdom)
        item.field.focus();
      }
      return true;
    },
  };
  button.addEventListener("click", () => {
    if (open) panel.close();
    else panel.open();
  });
  status.hidden = true;
  paint();
  return panel;
}
