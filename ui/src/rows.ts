// Owns one row of the list: building it from an assignment and the state, its signature
// (everything it shows but the selection, the pick and the time left, so an unchanged row is
// kept as is), and the in-place updates that never rebuild it: selection, pick, time left.
import type { Assignment } from "./bindings/Assignment";
import { el, errorView } from "./dom";
import { PLANE_NAMES, badges, label, outcomeText, tierBadge, timeLeft } from "./model";
import type { UiState } from "./state";
import { activating, starred, tierOf } from "./state";

/** What a row's controls do; the popup wires them to the backend. */
export interface RowActions {
  activate: (a: Assignment) => void;
  deactivate: (a: Assignment) => void;
  cancel: (a: Assignment) => void;
  togglePick: (key: string) => void;
  toggleFavorite: (a: Assignment) => void;
  /** The activation form of `a` (the same node while it stays open). */
  form: (a: Assignment) => HTMLFormElement;
}

export interface Row {
  node: HTMLLIElement;
  when: HTMLSpanElement;
  /** The batch checkbox (eligible items). */
  pick: HTMLInputElement | null;
  a: Assignment;
  sig: string;
}

/** Everything a row shows except the selection, the pick and the time left. */
export function rowSignature(a: Assignment, state: UiState): string {
  const error = state.errors.get(a.key);
  return JSON.stringify([
    a,
    state.busy.has(a.key),
    error ? [error.code, error.message] : null,
    state.outcomes.get(a.key) ?? null,
    starred(state, a.key),
    activating(state, a),
    state.formFor === a.key,
    tierOf(state, a.key) ?? null,
  ]);
}

export function whenText(a: Assignment, state: UiState, now: number): string {
  if (activating(state, a)) return `activating… · ${timeLeft(a.endDateTime, now)}`;
  if (a.status === "active") return timeLeft(a.endDateTime, now);
  if (a.status === "pendingApproval") return "waiting for approval";
  return "";
}

/** A row taller than the others (an error or the open form under it). */
export function isTall(a: Assignment, state: UiState): boolean {
  return state.formFor === a.key || state.errors.has(a.key);
}

export function setSelected(row: Row, on: boolean): void {
  const value = String(on);
  if (row.node.getAttribute("aria-selected") !== value) row.node.setAttribute("aria-selected", value);
}

/** Checks or clears the batch checkbox in place (a property: no DOM mutation, the focus stays). */
export function updatePick(row: Row, state: UiState): void {
  const on = state.picked.has(row.a.key);
  if (row.pick && row.pick.checked !== on) row.pick.checked = on;
}

/** Updates the time left; touches the DOM only when the text changes. */
export function updateWhen(row: Row, state: UiState, now: number): void {
  const text = whenText(row.a, state, now);
  if (row.when.textContent !== text) row.when.textContent = text;
}

export function buildRow(a: Assignment, state: UiState, now: number, selected: boolean, actions: RowActions, sig: string = rowSignature(a, state)): Row {
  const busy = state.busy.has(a.key);
  const going = activating(state, a);
  const tall = isTall(a, state);
  const node = el("li", {
    class: `item ${a.status}${going ? " activating" : ""}${tall ? " tall" : ""}`,
    role: "option",
    "data-key": a.key,
    "data-status": a.status,
    "aria-selected": String(selected),
  });
  const when = el("span", { class: "when" }, whenText(a, state, now));
  const title = el("div", { class: "title" }, el("span", { class: "name" }, label(a)), when);
  const meta = el("div", { class: "meta" }, el("span", { class: "plane" }, PLANE_NAMES[a.plane]), ` · ${a.scope.displayName}`);
  const outcome = state.outcomes.get(a.key);
  if (outcome) {
    meta.appendChild(document.createTextNode(" · "));
    meta.appendChild(el("span", { class: "outcome", role: "status", "data-state": outcome }, outcomeText(outcome)));
  }
  const tags = el("div", { class: "badges" }, ...badges(a.policy).map((b) => el("span", { class: "badge" }, b)));
  const tier = tierBadge(tierOf(state, a.key));
  if (tier) tags.prepend(el("span", { class: `badge tier ${tier.tier}`, role: "img", "aria-label": tier.label, title: tier.label }, tier.text));
  let action: HTMLButtonElement | null = null;
  if (a.status === "eligible") {
    action = el("button", { type: "button", class: "primary", "aria-label": `Activate ${label(a)}` }, busy ? "Activating…" : "Activate");
    action.addEventListener("click", () => {
      actions.activate(a);
    });
  } else if (a.status === "active" && a.assignmentType === "activated") {
    action = el("button", { type: "button", class: "secondary", "aria-label": `Deactivate ${label(a)}` }, busy ? "…" : "Deactivate");
    action.addEventListener("click", () => {
      actions.deactivate(a);
    });
  } else if (a.status === "pendingApproval") {
    action = el("button", { type: "button", class: "secondary", "aria-label": `Cancel request for ${label(a)}` }, busy ? "…" : "Cancel request");
    action.addEventListener("click", () => {
      actions.cancel(a);
    });
  }
  if (action && busy) action.disabled = true;
  let pick: HTMLInputElement | null = null;
  if (a.status === "eligible") {
    pick = el("input", { type: "checkbox", class: "pick", "aria-label": `Select ${label(a)}` });
    pick.checked = state.picked.has(a.key);
    pick.addEventListener("change", () => {
      actions.togglePick(a.key);
    });
    node.append(pick);
  }
  node.append(el("div", { class: "body" }, title, meta, tags));
  if (a.status === "eligible") {
    const on = starred(state, a.key);
    const star = el(
      "button",
      { type: "button", class: `icon star${on ? " on" : ""}`, "aria-pressed": String(on), "aria-label": on ? `Remove ${label(a)} from favorites` : `Add ${label(a)} to favorites` },
      on ? "★" : "☆",
    );
    star.addEventListener("click", () => {
      actions.toggleFavorite(a);
    });
    node.append(star);
  }
  if (action) node.append(action);
  const error = state.errors.get(a.key);
  if (error) node.append(errorView(error));
  if (state.formFor === a.key) node.append(actions.form(a));
  return { node, when, pick, a, sig };
}
