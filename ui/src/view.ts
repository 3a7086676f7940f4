// Renders the popup. Plain DOM: it is small and must paint fast on a cold webview.
import type { Assignment } from "./bindings/Assignment";
import type { ErrorPayload } from "./bindings/ErrorPayload";
import type { View } from "./bindings/View";
import type { Backend } from "./ipc";
import { toErrorPayload } from "./ipc";
import { PLANE_NAMES, badges, durationChoices, human, label, matches, needsForm, ordered, timeLeft } from "./model";

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

export function errorView(error: ErrorPayload): HTMLElement {
  return el("p", { class: "error", role: "alert", "data-code": error.code }, error.message);
}

interface UiState {
  view: View | null;
  query: string;
  selected: number;
  formFor: string | null;
  busy: Set<string>;
  errors: Map<string, ErrorPayload>;
  /** Keys picked for a batch activation. */
  picked: Set<string>;
  /** How many of the matching items are in the DOM (more as the list is scrolled). */
  limit: number;
}

/** Rows rendered at first: more than a popup shows, few enough to paint 2,000 assignments
 * fast on a cold webview. Scrolling or the arrow keys bring in the rest, `STEP` at a time. */
export const FIRST_ROWS = 60;
const STEP = 200;

export async function mount(root: HTMLElement, backend: Backend, now: () => number = Date.now): Promise<void> {
  const state: UiState = { view: null, query: "", selected: 0, formFor: null, busy: new Set(), errors: new Map(), picked: new Set(), limit: FIRST_ROWS };
  const search = el("input", { type: "search", class: "search", placeholder: "Search roles, groups, scopes…", "aria-label": "Search assignments" });
  const refreshButton = el("button", { class: "icon", type: "button", "aria-label": "Refresh" }, "⟳");
  const close = el("button", { class: "icon close", type: "button", "aria-label": "Close Elevate" }, "✕");
  const gear = el("button", { class: "icon", type: "button", "aria-label": "Settings" }, "⚙");
  const batch = el("div", { class: "batch", "aria-label": "Selected assignments" });
  const account = el("span", { class: "account" });
  const banner = el("div", { class: "banner" });
  const list = el("ul", { class: "list", role: "listbox", "aria-label": "Assignments" });
  const footer = el("footer", {}, "…");
  root.replaceChildren(
    el("header", {}, el("img", { src: "/elevate.svg", alt: "", width: "22", height: "22" }), el("h1", {}, "Elevate"), account, refreshButton, gear, close),
    search,
    banner,
    batch,
    list,
    footer,
  );

  // Scrolling near the end of the rendered rows renders the next ones.
  list.addEventListener("scroll", () => {
    const more = list.querySelector("li.more");
    if (more && list.scrollTop + list.clientHeight >= list.scrollHeight - 400) {
      state.limit += STEP;
      render();
    }
  });

  const visible = (): Assignment[] => (state.view ? ordered(state.view.snapshot.assignments).filter((a) => matches(a, state.query)) : []);

  const act = async (a: Assignment, run: () => Promise<unknown>): Promise<void> => {
    state.busy.add(a.key);
    state.errors.delete(a.key);
    render();
    try {
      await run();
      state.formFor = null;
    } catch (err: unknown) {
      state.errors.set(a.key, toErrorPayload(err));
    } finally {
      state.busy.delete(a.key);
      render();
    }
  };

  const activate = (a: Assignment, form?: HTMLFormElement): void => {
    if (!form && needsForm(a)) {
      state.formFor = a.key;
      render();
      list.querySelector<HTMLInputElement>("form input")?.focus();
      return;
    }
    const data = form ? new FormData(form) : null;
    const value = (name: string): string | null => {
      const v = data?.get(name);
      return typeof v === "string" && v.trim() !== "" ? v.trim() : null;
    };
    void act(a, () =>
      backend.activate({ key: a.key, justification: value("justification"), ticketNumber: value("ticket"), ticketSystem: value("ticketSystem"), duration: value("duration") }),
    );
  };

  const formView = (a: Assignment): HTMLFormElement => {
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
    for (const m of durationChoices(p)) duration.append(el("option", { value: `${m}m` }, human(m)));
    const cancel = el("button", { type: "button", class: "secondary" }, "Cancel");
    cancel.addEventListener("click", () => {
      state.formFor = null;
      render();
    });
    form.append(el("div", { class: "row" }, duration, el("button", { type: "submit", class: "primary" }, "Activate"), cancel));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      activate(a, form);
    });
    return form;
  };

  const itemView = (a: Assignment, index: number): HTMLLIElement => {
    const busy = state.busy.has(a.key);
    const activating = a.status === "active" && (state.view?.activating.includes(a.key) ?? false);
    const li = el("li", { class: `item ${a.status}${activating ? " activating" : ""}`, role: "option", "data-key": a.key, "data-status": a.status, "aria-selected": String(index === state.selected) });
    const when = activating
      ? `activating… · ${timeLeft(a.endDateTime, now())}`
      : a.status === "active"
        ? timeLeft(a.endDateTime, now())
        : a.status === "pendingApproval"
          ? "waiting for approval"
          : "";
    const title = el("div", { class: "title" }, el("span", { class: "name" }, label(a)), el("span", { class: "when" }, when));
    const meta = el("div", { class: "meta" }, el("span", { class: "plane" }, PLANE_NAMES[a.plane]), ` · ${a.scope.displayName}`);
    const tags = el("div", { class: "badges" }, ...badges(a.policy).map((b) => el("span", { class: "badge" }, b)));
    let action: HTMLButtonElement | null = null;
    if (a.status === "eligible") {
      action = el("button", { type: "button", class: "primary", "aria-label": `Activate ${label(a)}` }, busy ? "Activating…" : "Activate");
      action.addEventListener("click", () => {
        activate(a);
      });
    } else if (a.status === "active" && a.assignmentType === "activated") {
      action = el("button", { type: "button", class: "secondary", "aria-label": `Deactivate ${label(a)}` }, busy ? "…" : "Deactivate");
      action.addEventListener("click", () => void act(a, () => backend.deactivate(a.key)));
    } else if (a.status === "pendingApproval") {
      action = el("button", { type: "button", class: "secondary", "aria-label": `Cancel request for ${label(a)}` }, busy ? "…" : "Cancel request");
      action.addEventListener("click", () => void act(a, () => backend.cancel(a.key)));
    }
    if (action && busy) action.disabled = true;
    const extras: HTMLElement[] = [];
    let pick: HTMLInputElement | null = null;
    if (a.status === "eligible") {
      pick = el("input", { type: "checkbox", class: "pick", "aria-label": `Select ${label(a)}` });
      pick.checked = state.picked.has(a.key);
      pick.addEventListener("change", () => {
        togglePick(a.key);
      });
      const starred = state.view?.favorites.some((f) => f.key === a.key) ?? false;
      const star = el("button", { type: "button", class: `icon star${starred ? " on" : ""}`, "aria-pressed": String(starred), "aria-label": starred ? `Remove ${label(a)} from favorites` : `Add ${label(a)} to favorites` }, starred ? "★" : "☆");
      star.addEventListener("click", () => {
        // Saves what the open form holds (justification, ticket, duration), if any.
        const row = Array.from(list.querySelectorAll<HTMLLIElement>("li.item")).find((li) => li.dataset.key === a.key);
        const form = state.formFor === a.key ? (row?.querySelector("form") ?? null) : null;
        const data = form ? new FormData(form) : null;
        const value = (name: string): string | null => {
          const v = data?.get(name);
          return typeof v === "string" && v.trim() !== "" ? v.trim() : null;
        };
        void act(a, async () => {
          state.view = await backend.toggleFavorite({ key: a.key, justification: value("justification"), ticketNumber: value("ticket"), ticketSystem: value("ticketSystem"), duration: value("duration") });
        });
      });
      extras.push(star);
    }
    li.append(...(pick ? [pick] : []), el("div", { class: "body" }, title, meta, tags), ...extras, ...(action ? [action] : []));
    const error = state.errors.get(a.key);
    if (error) li.append(errorView(error));
    if (state.formFor === a.key) li.append(formView(a));
    return li;
  };

  const togglePick = (key: string): void => {
    if (state.picked.has(key)) state.picked.delete(key);
    else state.picked.add(key);
    render();
  };

  /** The bar for a batch: one justification/ticket when any picked policy asks for it. */
  const batchView = (): void => {
    const all = state.view?.snapshot.assignments ?? [];
    const picked = all.filter((a) => a.status === "eligible" && state.picked.has(a.key));
    if (picked.length === 0) {
      batch.replaceChildren();
      return;
    }
    const needJustification = picked.some((a) => a.policy?.justification ?? false);
    const needTicket = picked.some((a) => a.policy?.ticket ?? false);
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
      const value = (name: string): string | null => {
        const v = data.get(name);
        return typeof v === "string" && v.trim() !== "" ? v.trim() : null;
      };
      const keys = picked.map((a) => a.key);
      for (const k of keys) {
        state.busy.add(k);
        state.errors.delete(k);
      }
      go.disabled = true;
      void backend.activateMany({ keys, justification: value("justification"), ticketNumber: value("ticket"), ticketSystem: null, duration: null }).then(
        (results) => {
          for (const r of results) {
            state.busy.delete(r.key);
            if (r.error) state.errors.set(r.key, r.error);
            else state.picked.delete(r.key);
          }
          render();
        },
        (err: unknown) => {
          for (const k of keys) {
            state.busy.delete(k);
            state.errors.set(k, toErrorPayload(err));
          }
          render();
        },
      );
    });
    batch.replaceChildren(form);
  };

  function render(): void {
    const items = visible();
    state.selected = Math.min(state.selected, Math.max(0, items.length - 1));
    // The item a form, an error or the selection is on is always rendered.
    const keep = Math.max(state.selected + 1, ...items.map((a, i) => (a.key === state.formFor || state.errors.has(a.key) ? i + 1 : 0)));
    state.limit = Math.max(state.limit, keep);
    const shown = items.slice(0, state.limit);
    list.replaceChildren(...shown.map(itemView));
    if (shown.length < items.length) {
      const more = el("li", { class: "more", role: "presentation" }, `Showing ${shown.length} of ${items.length} · scroll for more, or type to narrow`);
      list.append(more);
    }
    if (!batch.contains(document.activeElement)) batchView();
    if (state.view?.account && items.length === 0) list.append(el("li", { class: "empty" }, state.query ? "Nothing matches your search." : "No assignments."));
    const failures = state.view?.snapshot.failures ?? [];
    if (state.view && !state.view.account) {
      // Nobody signed in: one button, not three error messages.
      const button = el("button", { type: "button", class: "primary", "aria-label": "Sign in" }, "Sign in");
      button.addEventListener("click", () => {
        button.disabled = true;
        button.textContent = "Waiting for the browser…";
        void backend.signIn().then(
          (v) => {
            state.view = v;
            render();
          },
          (err: unknown) => {
            banner.replaceChildren(errorView(toErrorPayload(err)));
          },
        );
      });
      banner.replaceChildren(el("div", { class: "signin" }, el("p", {}, "Sign in to see and activate your roles."), button));
    } else {
      banner.replaceChildren(...failures.map((f) => errorView({ code: f.error.code, message: `${PLANE_NAMES[f.plane]}: ${f.error.message}` })));
    }
    account.textContent = state.view?.account?.username ?? "";
    root.dataset.count = String(items.length);
  }

  backend.onView((view) => {
    state.view = view;
    render();
  });
  const focusOn = (key: string): void => {
    state.query = "";
    search.value = "";
    state.formFor = key;
    state.selected = Math.max(0, visible().findIndex((a) => a.key === key));
    render();
    list.querySelector<HTMLInputElement>("form input")?.focus();
  };
  backend.onFocus(focusOn);
  backend.onError((error) => {
    banner.replaceChildren(errorView(error));
  });
  search.addEventListener("input", () => {
    state.query = search.value;
    state.selected = 0;
    state.limit = FIRST_ROWS;
    render();
  });
  refreshButton.addEventListener("click", () => {
    void backend.refresh().then(
      (v) => {
        state.view = v;
        render();
      },
      (err: unknown) => {
        banner.replaceChildren(errorView(toErrorPayload(err)));
      },
    );
  });
  close.addEventListener("click", () => void backend.closePopup());
  gear.addEventListener("click", () => void backend.openSettings());
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      if (state.formFor) {
        state.formFor = null;
        render();
      } else {
        void backend.closePopup();
      }
      return;
    }
    const inForm = event.target instanceof HTMLElement && event.target.closest("form") !== null;
    if (inForm) return;
    const items = visible();
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      state.selected = Math.max(0, Math.min(items.length - 1, state.selected + (event.key === "ArrowDown" ? 1 : -1)));
      if (state.selected >= state.limit - 1) state.limit += STEP;
      render();
      const row: Partial<HTMLElement> | null = list.querySelector('li.item[aria-selected="true"]');
      row?.scrollIntoView?.({ block: "nearest" }); // (absent in jsdom)
    } else if (event.key === " " && !(event.target instanceof HTMLInputElement || event.target instanceof HTMLButtonElement)) {
      const a = items[state.selected];
      if (a?.status === "eligible") {
        event.preventDefault();
        togglePick(a.key);
      }
    } else if (event.key === "Enter") {
      const a = items[state.selected];
      if (a?.status === "eligible") {
        event.preventDefault();
        activate(a);
      }
    }
  });
  setInterval(render, 30_000);
  search.focus();

  try {
    const [info, view] = await Promise.all([backend.appInfo(), backend.view()]);
    footer.textContent = `${info.name} ${info.version} · ${info.mode === "demo" ? "demo tenant" : "your tenant"}`;
    state.view = view;
    render();
    if (view.focus) focusOn(view.focus);
    root.dataset.ready = "true";
    // For `make bench`: webview start to list painted.
    performance.mark("elevate-ready");
  } catch (err: unknown) {
    banner.replaceChildren(errorView(toErrorPayload(err)));
    root.dataset.ready = "error";
  }
}
