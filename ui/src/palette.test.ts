import { describe, expect, it, vi } from "vitest";
import type { PaletteItem } from "./bindings/PaletteItem";
import type { PaletteOutcome } from "./bindings/PaletteOutcome";
import type { PaletteRequest } from "./bindings/PaletteRequest";
import { ElevateError } from "./ipc";
import { filter, keyOf } from "./palette";
import type { PaletteBackend } from "./paletteIpc";
import { mountPalette } from "./paletteView";
import { flush } from "./testkit";

function item(over: Partial<PaletteItem>): PaletteItem {
  return {
    id: `entraRole:${over.label ?? "x"}:/`,
    kind: "entraRole",
    label: "User Administrator",
    detail: "Directory",
    status: "eligible",
    favorite: false,
    tier: "tier2",
    frecency: 0,
    can: { activate: true, extend: false, deactivate: false },
    ...over,
  };
}

// In the core's order: recent and frequent first.
const items: PaletteItem[] = [
  item({ label: "Exchange Administrator", frecency: 90, tier: "tier1" }),
  item({ label: "User Administrator", tier: "tier1", favorite: true }),
  item({ label: "Global Administrator", tier: "tier0" }),
  item({ label: "Contributor", kind: "azureRole", detail: "Contoso Production", tier: "tier1" }),
  item({ label: "Security Reader", status: "active", can: { activate: false, extend: true, deactivate: true } }),
];

describe("matching and ranking", () => {
  it("keeps the core's order (recent and frequent first) with nothing typed", () => {
    expect(filter(items, "  ").map((i) => i.label)).toEqual(items.map((i) => i.label));
  });

  it("ranks a prefix of the name above a word inside it, above the scope", () => {
    expect(filter(items, "admin").map((i) => i.label)).toEqual(["Exchange Administrator", "User Administrator", "Global Administrator"]);
    expect(filter(items, "con").map((i) => i.label)).toEqual(["Contributor"]);
    expect(filter(items, "production").map((i) => i.label)).toEqual(["Contributor"]);
  });

  it("matches initials and needs every word", () => {
    expect(filter(items, "ga")[0]?.label).toBe("Global Administrator");
    expect(filter(items, "ua").map((i) => i.label)).toEqual(["User Administrator"]);
    expect(filter(items, "user exchange")).toEqual([]);
    expect(filter(items, "azure").map((i) => i.label)).toEqual(["Contributor"]);
    expect(filter(items, "favorite").map((i) => i.label)).toEqual(["User Administrator"]);
    expect(filter(items, "tier 0").map((i) => i.label)).toEqual(["Global Administrator"]);
  });

  it("between equal matches, the more frecent stays first", () => {
    expect(filter(items, "administrator").map((i) => i.label)).toEqual(["Exchange Administrator", "User Administrator", "Global Administrator"]);
  });
});

describe("keys", () => {
  it("Enter activates, Shift+Enter extends, Del deactivates, Esc closes", () => {
    expect(keyOf({ key: "Enter", shiftKey: false })).toEqual({ run: "activate" });
    expect(keyOf({ key: "Enter", shiftKey: true })).toEqual({ run: "extend" });
    expect(keyOf({ key: "Delete", shiftKey: false })).toEqual({ run: "deactivate" });
    expect(keyOf({ key: "Escape", shiftKey: false })).toBe("close");
    expect(keyOf({ key: "ArrowDown", shiftKey: false })).toBe("down");
    expect(keyOf({ key: "a", shiftKey: false })).toBeNull();
  });
});

function backend(run: (r: PaletteRequest) => Promise<PaletteOutcome>): PaletteBackend & { run: ReturnType<typeof vi.fn> } {
  return {
    appInfo: () => Promise.resolve({ name: "Elevate", version: "0.1.0", mode: "demo" }),
    items: () => Promise.resolve(items),
    run: vi.fn(run),
    close: vi.fn(() => Promise.resolve()),
  };
}

async function mounted(b: PaletteBackend): Promise<HTMLElement> {
  document.body.innerHTML = '<main id="palette"></main>';
  const root = document.getElementById("palette");
  if (!root) throw new Error("no root");
  await mountPalette(root, b);
  return root;
}

function press(key: string, shiftKey = false, target: EventTarget = document): void {
  target.dispatchEvent(new KeyboardEvent("keydown", { key, shiftKey, bubbles: true }));
}

function type(root: HTMLElement, text: string): void {
  const search = root.querySelector<HTMLInputElement>("input.search");
  if (!search) throw new Error("no search");
  search.value = text;
  search.dispatchEvent(new Event("input"));
}

describe("the palette page", () => {
  it("shows tier badges with an accessible label and favorites marked", async () => {
    const root = await mounted(backend(() => Promise.resolve({ state: "active", needs: [], message: "" })));
    expect(root.dataset.ready).toBe("true");
    const ga = root.querySelector('li[data-id="entraRole:Global Administrator:/"] .badge.tier');
    expect(ga?.textContent).toBe("Tier 0");
    expect(ga?.getAttribute("aria-label")).toBe("Tier 0: can take over the tenant");
    expect(root.querySelector('li[data-id="entraRole:Security Reader:/"] .badge.tier')).toBeNull();
    expect(root.textContent).toContain("★ User Administrator");
  });

  it("typing then Enter activates the best match and closes", async () => {
    const b = backend(() => Promise.resolve({ state: "active", needs: [], message: "Exchange Administrator" }));
    const root = await mounted(b);
    type(root, "exch");
    expect(root.dataset.count).toBe("1");
    press("Enter");
    await flush();
    expect(b.run).toHaveBeenCalledWith({ id: "entraRole:Exchange Administrator:/", action: "activate", justification: null, ticketNumber: null, duration: null, confirmTier0: false });
    expect(root.dataset.done).toBe("active");
    expect(b.close).toHaveBeenCalled();
  });

  it("asks inline for what the core needs (a justification, the Tier 0 confirmation), then sends it", async () => {
    const b = backend((r) =>
      Promise.resolve(
        r.confirmTier0 && r.justification
          ? { state: "pendingApproval", needs: [], message: "" }
          : { state: null, needs: ["confirmTier0", "justification"], message: "Global Administrator is Tier 0" },
      ),
    );
    const root = await mounted(b);
    type(root, "global");
    press("Enter");
    await flush();
    const form = root.querySelector<HTMLFormElement>("form.palette-fields");
    expect(form?.hidden).toBe(false);
    expect(form?.textContent).toContain("Tier 0: it can take over the tenant");
    const submit = form?.querySelector('button[data-confirm="tier0"]');
    expect(submit?.textContent).toBe("Confirm Tier 0 activation");
    const justification = form?.querySelector<HTMLInputElement>('input[name="justification"]');
    expect(document.activeElement).toBe(justification);
    if (justification) justification.value = "break glass drill";
    form?.dispatchEvent(new Event("submit", { cancelable: true }));
    await flush();
    expect(b.run).toHaveBeenLastCalledWith(expect.objectContaining({ action: "activate", justification: "break glass drill", confirmTier0: true }));
    expect(root.dataset.done).toBe("pendingApproval");
  });

  it("Shift+Enter extends and Del deactivates what offers it; Esc closes", async () => {
    const b = backend(() => Promise.resolve({ state: "revoked", needs: [], message: "" }));
    const root = await mounted(b);
    type(root, "reader");
    press("Enter", true);
    await flush();
    expect(b.run).toHaveBeenLastCalledWith(expect.objectContaining({ action: "extend" }));
    press("Delete");
    await flush();
    expect(b.run).toHaveBeenLastCalledWith(expect.objectContaining({ action: "deactivate" }));
    type(root, "exchange");
    press("Delete");
    await flush();
    expect(b.run).toHaveBeenCalledTimes(2);
    expect(root.querySelector(".palette-status")?.textContent).toContain("cannot deactivate");
    press("Escape");
    expect(b.close).toHaveBeenCalled();
  });

  it("says a failed request in the backend's words", async () => {
    const b = backend(() => Promise.reject(new ElevateError({ code: "policy", message: "refused by the rule" })));
    const root = await mounted(b);
    press("Enter");
    await flush();
    expect(root.querySelector(".palette-status .error")?.textContent).toBe("refused by the rule");
  });
});
