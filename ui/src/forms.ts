// Owns the activation form (inline under one item, the same node for as long as it stays
// open) and favorites: the star saves the item with what its open form holds.
import type { Assignment } from "./bindings/Assignment";
import type { Backend } from "./ipc";
import { el } from "./dom";
import { durationChoices, human, label, needsForm } from "./model";
import type { UiState } from "./state";
import { act, field } from "./state";

export interface Forms {
  /** The form for `a`: the open one if it is still in the page, else a new one. */
  form: (a: Assignment) => HTMLFormElement;
  /** Activates `a`: at once when its policy asks for nothing (or with `form`), else opens its form. */
  activate: (a: Assignment, form?: HTMLFormElement) => void;
  close: () => void;
  toggleFavorite: (a: Assignment) => void;
  /** Puts the cursor in the open form's first field. */
  focus: () => void;
}

export function createForms(state: UiState, backend: Backend, render: () => void): Forms {
  let open: { key: string; node: HTMLFormElement } | null = null;

  const values = (form: HTMLFormElement | null) => {
    const data = form ? new FormData(form) : null;
    return { justification: field(data, "justification"), ticketNumber: field(data, "ticket"), ticketSystem: field(data, "ticketSystem"), duration: field(data, "duration") };
  };

  const close = (): void => {
    state.formFor = null;
    open = null;
    render();
  };

  const activate = (a: Assignment, form?: HTMLFormElement): void => {
    if (!form && needsForm(a)) {
      state.formFor = a.key;
      render();
      focus();
      return;
    }
    const v = values(form ?? null);
    void act(state, render, a.key, () => backend.activate({ key: a.key, ...v }));
  };

  const build = (a: Assignment): HTMLFormElement => {
    const p = a.policy;
    const form = el("form", { class: "activate-form", "aria-label": `Activate ${label(a)}` });
    form.append(
      el("label", {}, p?.justification ? "Justification (required)" : "Justification", el("input", { name: "justification", autocomplete: "off", maxlength: "500" })),
    );
    if (p?.ticket) {
      form.append(
        el("label", {}, "Ticket number (required)", el("input", { name: "ticket", autocomplete: "off" })),
        el("label", {}, "Ticket system", el("input", { name: "ticketSystem", autocomplete: "off" })),
      );
    }
    const duration = el("select", { name: "duration", "aria-label": "Duration" }, el("option", { value: "" }, "Default duration"));
    for (const m of durationChoices(p)) duration.append(el("option", { value: `${String(m)}m` }, human(m)));
    const cancel = el("button", { type: "button", class: "secondary" }, "Cancel");
    cancel.addEventListener("click", close);
    form.append(el("div", { class: "row" }, duration, el("button", { type: "submit", class: "primary" }, "Activate"), cancel));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      activate(a, form);
    });
    return form;
  };

  const focus = (): void => {
    if (open?.node.isConnected) open.node.querySelector("input")?.focus();
  };

  return {
    form: (a) => {
      if (open?.key !== a.key || !open.node.isConnected) open = { key: a.key, node: build(a) };
      return open.node;
    },
    activate,
    close,
    toggleFavorite: (a) => {
      // Saves what the open form holds (justification, ticket, duration), if any.
      const v = values(state.formFor === a.key && open?.key === a.key ? open.node : null);
      void act(state, render, a.key, async () => {
        await backend.toggleFavorite({ key: a.key, ...v });
        return null;
      });
    },
    focus,
  };
}
