// Owns the activation form (inline under one item, the same node for as long as it stays
// open) and favorites: the star saves the item with what its open form holds.
import type { Assignment } from "./bindings/Assignment";
import type { Backend } from "./ipc";
import { el } from "./dom";
import { durationChoices, human, label, needsForm } from "./model";
import type { UiState } from "./state";
import { act, field, tierOf } from "./state";

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
    // The scope picker is not in the popup yet: an Azure role is activated at its own scope.
    return { justification: field(data, "justification"), ticketNumber: field(data, "ticket"), ticketSystem: field(data, "ticketSystem"), duration: field(data, "duration"), start: field(data, "start"), scope: null };
  };

  const close = (): void => {
    state.formFor = null;
    open = null;
    render();
  };

  /** A Tier 0 role asks for one explicit confirmation: its form, whose button confirms. */
  const tier0 = (a: Assignment): boolean => tierOf(state, a.key) === "tier0";

  const activate = (a: Assignment, form?: HTMLFormElement): void => {
    if (!form && (needsForm(a) || tier0(a))) {
      state.formFor = a.key;
      render();
      focus();
      return;
    }
    const v = values(form ?? null);
    // Sent through the form only: its submit button is the Tier 0 confirmation.
    const confirmTier0 = form !== undefined && tier0(a);
    void act(state, render, a.key, () => backend.activate({ key: a.key, ...v, confirmTier0 }));
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
    // A later start (a change window): the core reads 22:00, 2026-12-01T22:00 or +2h.
    form.append(el("label", {}, "Start (optional: 22:00, +2h)", el("input", { name: "start", autocomplete: "off", placeholder: "now" })));
    const duration = el("select", { name: "duration", "aria-label": "Duration" }, el("option", { value: "" }, "Default duration"));
    for (const m of durationChoices(p)) duration.append(el("option", { value: `${String(m)}m` }, human(m)));
    const cancel = el("button", { type: "button", class: "secondary" }, "Cancel");
    cancel.addEventListener("click", close);
    const confirm = tier0(a);
    if (confirm) form.prepend(el("p", { class: "tier0-warning", role: "note" }, `${label(a)} is Tier 0: it can take over the tenant. Confirm to activate it.`));
    const submit = el("button", { type: "submit", class: "primary", ...(confirm ? { "data-confirm": "tier0" } : {}) }, confirm ? "Confirm Tier 0 activation" : "Activate");
    form.append(el("div", { class: "row" }, duration, submit, cancel));
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
        await backend.toggleFavorite({ key: a.key, ...v, confirmTier0: false });
        return null;
      });
    },
    focus,
  };
}
