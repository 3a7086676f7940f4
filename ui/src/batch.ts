// Owns the batch bar: the items picked with their checkboxes, activated together with one
// justification/ticket when any picked policy asks for one, with a result per item.
import type { Backend } from "./ipc";
import { toErrorPayload } from "./ipc";
import { el } from "./dom";
import type { UiState } from "./state";
import { field } from "./state";

export interface Batch {
  /** Shows the bar for what is picked now (left alone while the user is typing in it). */
  update: () => void;
}

export function createBatch(container: HTMLElement, state: UiState, backend: Backend, render: () => void): Batch {
  let shownFor = "";

  const build = (): void => {
    const all = state.view?.snapshot.assignments ?? [];
    const picked = all.filter((a) => a.status === "eligible" && state.picked.has(a.key));
    const needJustification = picked.some((a) => a.policy?.justification ?? false);
    const needTicket = picked.some((a) => a.policy?.ticket ?? false);
    const sig = JSON.stringify([picked.map((a) => a.key), needJustification, needTicket]);
    if (sig === shownFor) return;
    shownFor = sig;
    if (picked.length === 0) {
      container.replaceChildren();
      return;
    }
    const form = el("form", { class: "batch-form", "aria-label": `Activate ${String(picked.length)} selected` });
    if (needJustification) form.append(el("label", {}, "Justification (required)", el("input", { name: "justification", autocomplete: "off", maxlength: "500", required: "" })));
    if (needTicket) form.append(el("label", {}, "Ticket number (required)", el("input", { name: "ticket", autocomplete: "off", required: "" })));
    const go = el("button", { type: "submit", class: "primary" }, `Activate ${String(picked.length)} selected`);
    const clear = el("button", { type: "button", class: "secondary" }, "Clear");
    clear.addEventListener("click", () => {
      state.picked.clear();
      render();
    });
    form.append(el("div", { class: "row" }, go, clear));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const data = new FormData(form);
      const keys = picked.map((a) => a.key);
      for (const k of keys) {
        state.busy.add(k);
        state.errors.delete(k);
        state.outcomes.delete(k);
      }
      go.disabled = true;
      render();
      void backend.activateMany({ keys, justification: field(data, "justification"), ticketNumber: field(data, "ticket"), ticketSystem: null, duration: null, confirmTier0: false, start: null }).then(
        (results) => {
          for (const r of results) {
            state.busy.delete(r.key);
            if (r.error) state.errors.set(r.key, r.error);
            else {
              state.picked.delete(r.key);
              if (r.outcome) state.outcomes.set(r.key, r.outcome.state);
            }
          }
          render();
          build(); // (even with the focus still in the bar: this batch is done)
        },
        (err: unknown) => {
          for (const k of keys) {
            state.busy.delete(k);
            state.errors.set(k, toErrorPayload(err));
          }
          go.disabled = false;
          render();
        },
      );
    });
    container.replaceChildren(form);
  };

  return {
    update: () => {
      if (!container.contains(document.activeElement)) build();
    },
  };
}
