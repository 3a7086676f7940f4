// Owns the command palette's page: the search field, the list of items (with tier badges and
// favorites marked), the fields a request must ask for (the policy's justification and ticket,
// the Tier 0 confirmation: the core says which), and the keys: typing filters, ↑/↓ move,
// Enter activates, Shift+Enter extends, Del deactivates, Esc closes. Matching and keys are
// palette.ts's; what a request needs and does is the core's.
import type { PaletteAction } from "./bindings/PaletteAction";
import type { PaletteField } from "./bindings/PaletteField";
import type { PaletteItem } from "./bindings/PaletteItem";
import { el, errorView } from "./dom";
import { toErrorPayload } from "./ipc";
import { tierBadge } from "./model";
import { KIND_NAMES, doneText, filter, keyOf, offers, statusText } from "./palette";
import type { PaletteBackend } from "./paletteIpc";

/** A request held back until the user fills in what the core asked for. */
interface Asked {
  item: PaletteItem;
  action: PaletteAction;
  needs: PaletteField[];
}

const ACTION_WORDS: Record<PaletteAction, string> = { activate: "activate", extend: "extend", deactivate: "deactivate" };

export async function mountPalette(root: HTMLElement, backend: PaletteBackend): Promise<void> {
  const search = el("input", {
    type: "search",
    class: "search",
    placeholder: "Type a role, group or favorite…",
    "aria-label": "Search roles, groups and favorites",
    "aria-controls": "palette-list",
    autocomplete: "off",
  });
  const list = el("ul", { id: "palette-list", class: "palette-list", role: "listbox", "aria-label": "Roles, groups and favorites" });
  const fields = el("form", { class: "palette-fields", "aria-label": "What this activation needs" });
  fields.hidden = true;
  const status = el("p", { class: "palette-status", role: "status" });
  const hint = el("p", { class: "palette-hint" }, "Enter activates · Shift+Enter extends · Del deactivates · Esc closes");
  root.replaceChildren(search, list, fields, status, hint);

  let items: PaletteItem[] = [];
  let shown: PaletteItem[] = [];
  let selected = 0;
  let asked: Asked | null = null;
  let busy = false;
  /** The items are loaded; before that, Enter, Shift+Enter or Del waits for them (type-ahead). */
  let loaded = false;
  const early: { action: PaletteAction | null } = { action: null };

  const say = (text: string): void => {
    status.replaceChildren(text);
  };

  const renderList = (): void => {
    shown = filter(items, search.value);
    selected = Math.max(0, Math.min(selected, shown.length - 1));
    list.replaceChildren(
      ...shown.map((item, i) => {
        const tier = tierBadge(item.tier);
        const li = el(
          "li",
          { class: `palette-item ${item.status}`, role: "option", id: `palette-item-${String(i)}`, "data-id": item.id, "data-status": item.status, "aria-selected": String(i === selected) },
          el("span", { class: "name" }, item.favorite ? `★ ${item.label}` : item.label),
          el("span", { class: "meta" }, `${KIND_NAMES[item.kind]} · ${item.detail}`),
        );
        if (tier) li.append(el("span", { class: `badge tier ${tier.tier}`, role: "img", "aria-label": tier.label, title: tier.label }, tier.text));
        const state = statusText(item);
        if (state) li.append(el("span", { class: "when" }, state));
        li.addEventListener("click", () => {
          selected = i;
          void run("activate");
        });
        return li;
      }),
    );
    if (shown.length === 0) list.append(el("li", { class: "empty" }, items.length === 0 ? "Nothing to activate." : "Nothing matches."));
    search.setAttribute("aria-activedescendant", shown.length > 0 ? `palette-item-${String(selected)}` : "");
    root.dataset.count = String(shown.length);
  };

  const select = (index: number): void => {
    const before = list.children[selected];
    selected = Math.max(0, Math.min(shown.length - 1, index));
    before?.setAttribute("aria-selected", "false");
    const now = list.children[selected];
    now?.setAttribute("aria-selected", "true");
    (now as Partial<HTMLElement> | undefined)?.scrollIntoView?.({ block: "nearest" });
    search.setAttribute("aria-activedescendant", `palette-item-${String(selected)}`);
  };

  const closeFields = (): void => {
    asked = null;
    fields.hidden = true;
    fields.replaceChildren();
  };

  /** Shows the fields the core asked for; Enter in them (or the button) sends again. */
  const ask = (a: Asked, message: string): void => {
    asked = a;
    const parts: HTMLElement[] = [el("p", { class: "palette-asked" }, message)];
    if (a.needs.includes("justification")) parts.push(el("label", {}, "Justification (required)", el("input", { name: "justification", autocomplete: "off", maxlength: "500" })));
    if (a.needs.includes("ticket")) parts.push(el("label", {}, "Ticket number (required)", el("input", { name: "ticket", autocomplete: "off" })));
    const confirm = a.needs.includes("confirmTier0");
    if (confirm) parts.push(el("p", { class: "tier0-warning", role: "note" }, `${a.item.label} is Tier 0: it can take over the tenant.`));
    const submit = el("button", { type: "submit", class: "primary", ...(confirm ? { "data-confirm": "tier0" } : {}) }, confirm ? "Confirm Tier 0 activation" : `${ACTION_WORDS[a.action][0]?.toUpperCase() ?? ""}${ACTION_WORDS[a.action].slice(1)}`);
    parts.push(el("div", { class: "row" }, submit));
    fields.replaceChildren(...parts);
    fields.hidden = false;
    (fields.querySelector("input") ?? submit).focus();
  };

  const value = (name: string): string | null => {
    const input = fields.querySelector<HTMLInputElement>(`input[name="${name}"]`);
    const v = input?.value.trim() ?? "";
    return v === "" ? null : v;
  };

  /** Sends `action` on the selected item (or the asked one, with its fields). */
  const run = async (action: PaletteAction): Promise<void> => {
    const item = asked?.item ?? shown[selected];
    if (!item || busy) return;
    if (!asked && !offers(item, action)) {
      say(`${item.label} cannot ${ACTION_WORDS[action]} now.`);
      return;
    }
    const a = asked;
    busy = true;
    root.dataset.busy = "true";
    say(`${item.label}: sending…`);
    try {
      const outcome = await backend.run({
        id: item.id,
        action: a?.action ?? action,
        justification: value("justification"),
        ticketNumber: value("ticket"),
        duration: null,
        confirmTier0: a?.needs.includes("confirmTier0") ?? false,
      });
      if (outcome.state !== null) {
        closeFields();
        say(doneText(item.label, outcome.state));
        root.dataset.done = outcome.state;
        await backend.close();
      } else {
        say("");
        ask({ item, action: a?.action ?? action, needs: outcome.needs }, outcome.message);
      }
    } catch (err: unknown) {
      status.replaceChildren(errorView(toErrorPayload(err)));
    } finally {
      busy = false;
      delete root.dataset.busy;
    }
  };

  search.addEventListener("input", () => {
    closeFields();
    selected = 0;
    renderList();
  });
  fields.addEventListener("submit", (event) => {
    event.preventDefault();
    if (asked) void run(asked.action);
  });
  document.addEventListener("keydown", (event) => {
    const key = keyOf(event);
    if (key === null) return;
    if (key === "close") {
      event.preventDefault();
      void backend.close();
      return;
    }
    // Keys in the asked fields are the form's (Enter submits it).
    if (event.target instanceof HTMLElement && event.target.closest("form")) return;
    event.preventDefault();
    if (key === "up" || key === "down") {
      closeFields();
      select(selected + (key === "down" ? 1 : -1));
    } else if (!loaded) {
      early.action = key.run;
    } else {
      closeFields();
      void run(key.run);
    }
  });

  search.focus();
  try {
    items = await backend.items();
    loaded = true;
    renderList();
    root.dataset.ready = "true";
    if (early.action !== null) await run(early.action);
  } catch (err: unknown) {
    status.replaceChildren(errorView(toErrorPayload(err)));
    root.dataset.ready = "error";
  }
}
