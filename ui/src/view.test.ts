import { beforeEach, describe, expect, it, vi } from "vitest";
import type { ActivationForm } from "./bindings/ActivationForm";
import type { Assignment } from "./bindings/Assignment";
import type { BatchForm } from "./bindings/BatchForm";
import type { View } from "./bindings/View";
import type { Backend } from "./ipc";
import { ElevateError, toErrorPayload } from "./ipc";
import { badges, durationChoices, matches, ordered, timeLeft } from "./model";
import { FIRST_ROWS, mount } from "./view";

const NOW = Date.parse("2026-11-23T12:00:00Z");

function assignment(over: Partial<Assignment>): Assignment {
  return {
    key: over.key ?? `k-${over.name ?? "x"}-${over.status ?? "eligible"}`,
    plane: "entraRole",
    name: "User Administrator",
    id: "r",
    access: null,
    scope: { id: "/", displayName: "Directory", type: "directory" },
    status: "eligible",
    assignmentType: null,
    memberType: "Direct",
    startDateTime: null,
    endDateTime: null,
    eligibilityScheduleId: null,
    requestId: null,
    policy: { maxDuration: "PT8H", justification: false, ticket: false, mfa: false, approval: false, authContext: null },
    ...over,
  };
}

const items: Assignment[] = [
  assignment({ key: "ua", name: "User Administrator" }),
  assignment({
    key: "sec",
    name: "Security Administrator",
    policy: { maxDuration: "PT4H", justification: true, ticket: true, mfa: true, approval: false, authContext: null },
  }),
  assignment({
    key: "contrib",
    plane: "azureResource",
    name: "Contributor",
    scope: { id: "/subscriptions/s", displayName: "Contoso Production", type: "subscription" },
  }),
  assignment({ key: "reader", name: "Security Reader", status: "active", assignmentType: "activated", endDateTime: "2026-11-23T12:45:00Z" }),
  assignment({ key: "ga", name: "Global Administrator", status: "pendingApproval", requestId: "req-1" }),
];

function view(list: Assignment[] = items): View {
  return {
    account: { tenantId: "t", objectId: "o", username: "alex@contoso.example", name: "Alex" },
    snapshot: { assignments: list, failures: [] },
    favorites: [],
    refreshedAt: NOW,
    activating: [],
    focus: null,
  };
}

function backend(over: Partial<Backend> = {}): Backend {
  return {
    appInfo: () => Promise.resolve({ name: "Elevate", version: "0.1.0", mode: "demo" }),
    closePopup: vi.fn(() => Promise.resolve()),
    view: () => Promise.resolve(view()),
    refresh: () => Promise.resolve(view()),
    activate: vi.fn(() => Promise.resolve({ state: "active" as const, requestId: "r1", status: "Provisioned", reconciled: false })),
    deactivate: vi.fn(() => Promise.resolve({ state: "revoked" as const, requestId: "r2", status: "Revoked", reconciled: false })),
    cancel: vi.fn(() => Promise.resolve({ state: "canceled" as const, requestId: "req-1", status: "Canceled", reconciled: false })),
    signIn: vi.fn(() => Promise.resolve(view())),
    toggleFavorite: vi.fn(() => Promise.resolve(view())),
    activateMany: vi.fn((form: BatchForm) => Promise.resolve(form.keys.map((key) => ({ key, outcome: { state: "active" as const, requestId: key, status: "Provisioned", reconciled: false }, error: null })))),
    openSettings: vi.fn(() => Promise.resolve()),
    onFocus: () => undefined,
    onView: () => undefined,
    onError: () => undefined,
    ...over,
  };
}

function root(): HTMLElement {
  document.body.innerHTML = '<main id="app"></main>';
  const found = document.getElementById("app");
  if (!found) throw new Error("no root");
  return found;
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe("model", () => {
  it("orders active and pending before eligible", () => {
    expect(ordered(items).map((a) => a.key)).toEqual(["reader", "ga", "sec", "ua", "contrib"]);
  });
  it("shows an activated or pending eligibility once", () => {
    const twice = [assignment({ key: "x" }), assignment({ key: "x", status: "active", assignmentType: "activated" }), assignment({ key: "y" }), assignment({ key: "y", status: "pendingApproval" })];
    expect(ordered(twice).map((a) => `${a.key}:${a.status}`)).toEqual(["x:active", "y:pendingApproval"]);
  });
  it("searches name, scope and plane with every word", () => {
    const contrib = items[2];
    if (!contrib) throw new Error("fixture");
    expect(matches(contrib, "contrib production")).toBe(true);
    expect(matches(contrib, "azure")).toBe(true);
    expect(matches(contrib, "contrib directory")).toBe(false);
  });
  it("shows badges, countdowns and durations within the maximum", () => {
    expect(badges(items[1]?.policy ?? null)).toEqual(["max 4 h", "justification", "ticket", "MFA"]);
    expect(timeLeft("2026-11-23T12:45:00Z", NOW)).toBe("45 min left");
    expect(timeLeft(null, NOW)).toBe("permanent");
    expect(durationChoices({ maxDuration: "PT3H", justification: false, ticket: false, mfa: false, approval: false, authContext: null })).toEqual([30, 60, 120, 180]);
  });
});

describe("popup", () => {
  let r: HTMLElement;
  beforeEach(() => {
    r = root();
  });

  it("lists every assignment with its state, and the footer says demo", async () => {
    await mount(r, backend(), () => NOW);
    expect(r.dataset.ready).toBe("true");
    expect(r.querySelectorAll("li.item")).toHaveLength(5);
    expect(r.querySelector('[data-key="reader"] .when')?.textContent).toBe("45 min left");
    expect(r.querySelector('[data-key="ga"] .when')?.textContent).toBe("waiting for approval");
    expect(r.querySelector("footer")?.textContent).toBe("Elevate 0.1.0 · demo tenant");
  });

  it("activates in one click when the policy asks for nothing", async () => {
    const b = backend();
    await mount(r, b, () => NOW);
    r.querySelector<HTMLButtonElement>('[data-key="ua"] button.primary')?.click();
    await flush();
    expect(b.activate).toHaveBeenCalledWith({ key: "ua", justification: null, ticketNumber: null, ticketSystem: null, duration: null } satisfies ActivationForm);
  });

  it("asks inline for justification and ticket when required, then sends them", async () => {
    const b = backend();
    await mount(r, b, () => NOW);
    r.querySelector<HTMLButtonElement>('[data-key="sec"] button.primary')?.click();
    const form = r.querySelector<HTMLFormElement>('[data-key="sec"] form');
    expect(form).not.toBeNull();
    expect(b.activate).not.toHaveBeenCalled();
    const set = (name: string, value: string) => {
      const input = form?.querySelector<HTMLInputElement | HTMLSelectElement>(`[name="${name}"]`);
      if (!input) throw new Error(name);
      input.value = value;
    };
    set("justification", "incident 42");
    set("ticket", "INC-42");
    set("duration", "120m");
    form?.requestSubmit();
    await flush();
    expect(b.activate).toHaveBeenCalledWith({ key: "sec", justification: "incident 42", ticketNumber: "INC-42", ticketSystem: null, duration: "120m" });
  });

  it("shows a refusal next to the item, in the backend's words", async () => {
    const b = backend({
      activate: () => Promise.reject(new ElevateError({ code: "policy", message: "User Administrator requires a justification" })),
    });
    await mount(r, b, () => NOW);
    r.querySelector<HTMLButtonElement>('[data-key="ua"] button.primary')?.click();
    await flush();
    const alert = r.querySelector('[data-key="ua"] [role="alert"]');
    expect(alert?.textContent).toBe("User Administrator requires a justification");
    expect(alert?.getAttribute("data-code")).toBe("policy");
  });

  it("filters as you type and activates the selection with Enter", async () => {
    const b = backend();
    await mount(r, b, () => NOW);
    const search = r.querySelector<HTMLInputElement>("input.search");
    if (!search) throw new Error("search");
    search.value = "contrib";
    search.dispatchEvent(new Event("input"));
    expect(r.querySelectorAll("li.item")).toHaveLength(1);
    document.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter" }));
    await flush();
    expect(b.activate).toHaveBeenCalledWith(expect.objectContaining({ key: "contrib" }));
  });

  it("deactivates, cancels, and closes on Escape", async () => {
    const b = backend();
    await mount(r, b, () => NOW);
    r.querySelector<HTMLButtonElement>('[data-key="reader"] button.secondary')?.click();
    r.querySelector<HTMLButtonElement>('[data-key="ga"] button.secondary')?.click();
    await flush();
    expect(b.deactivate).toHaveBeenCalledWith("reader");
    expect(b.cancel).toHaveBeenCalledWith("ga");
    document.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape" }));
    expect(b.closePopup).toHaveBeenCalledTimes(1);
  });

  it("shows a failed plane as a banner and keeps the rest", async () => {
    const v = view(items.slice(0, 2));
    v.snapshot.failures = [{ plane: "azureResource", error: { code: "consent", message: "Azure resources is unavailable" } }];
    await mount(r, backend({ view: () => Promise.resolve(v) }), () => NOW);
    expect(r.querySelector(".banner [role=alert]")?.textContent).toBe("Azure: Azure resources is unavailable");
    expect(r.querySelectorAll("li.item")).toHaveLength(2);
  });
});

describe("favorites", () => {
  it("stars an item with what its open form holds, and shows the star filled after", async () => {
    const starredView = view();
    starredView.favorites = [{ key: "sec", label: "Security Administrator", justification: "soc", ticketNumber: "T-1", ticketSystem: null, duration: "PT2H" }];
    const toggleFavorite = vi.fn(() => Promise.resolve(starredView));
    let focus: ((key: string) => void) | undefined;
    const r = root();
    await mount(r, backend({ toggleFavorite, onFocus: (h) => { focus = h; } }), () => NOW);
    r.querySelector<HTMLButtonElement>('[data-key="sec"] button.primary')?.click();
    const form = r.querySelector<HTMLFormElement>('[data-key="sec"] form');
    const j = form?.querySelector<HTMLInputElement>('[name="justification"]');
    const t = form?.querySelector<HTMLInputElement>('[name="ticket"]');
    if (!j || !t) throw new Error("form");
    j.value = "soc";
    t.value = "T-1";
    r.querySelector<HTMLButtonElement>('[data-key="sec"] button.star')?.click();
    await flush();
    expect(toggleFavorite).toHaveBeenCalledWith({ key: "sec", justification: "soc", ticketNumber: "T-1", ticketSystem: null, duration: null });
    expect(r.querySelector('[data-key="sec"] button.star')?.getAttribute("aria-pressed")).toBe("true");
    // A favorite that needs input opens its form on request of the backend.
    focus?.("ua");
    expect(r.querySelector('[data-key="ua"] form')).not.toBeNull();
  });
});

describe("signed out", () => {
  it("offers one Sign in button instead of per-plane errors, and shows the list after", async () => {
    const signedOut: View = { account: null, snapshot: { assignments: [], failures: [{ plane: "entraRole", error: { code: "signInRequired", message: "You are not signed in" } }] }, favorites: [], refreshedAt: NOW, activating: [], focus: null };
    const signIn = vi.fn(() => Promise.resolve(view()));
    const r = root();
    await mount(r, backend({ view: () => Promise.resolve(signedOut), signIn }), () => NOW);
    expect(r.querySelectorAll(".banner [role=alert]")).toHaveLength(0);
    r.querySelector<HTMLButtonElement>('.signin button')?.click();
    await flush();
    expect(signIn).toHaveBeenCalledTimes(1);
    expect(r.querySelectorAll("li.item")).toHaveLength(5);
  });
});

describe("error normalisation", () => {
  it("keeps the code of a thrown ElevateError and wraps the rest", () => {
    expect(toErrorPayload(new ElevateError({ code: "policy", message: "Ticket required" }))).toEqual({ code: "policy", message: "Ticket required" });
    expect(toErrorPayload("boom")).toEqual({ code: "internal", message: "boom" });
    expect(toErrorPayload(42).code).toBe("internal");
  });

});

describe("popup: batch, activating, settings", () => {
  let r: HTMLElement;
  beforeEach(() => {
    r = root();
  });
  it("activates several picked items with one justification, with a result per item", async () => {
    const activateMany = vi.fn((form: BatchForm) =>
      Promise.resolve(
        form.keys.map((key) =>
          key === "sec"
            ? { key, outcome: null, error: { code: "policy", message: "Security Administrator needs a ticket number (rule TicketingRule)." } }
            : { key, outcome: { state: "active" as const, requestId: key, status: "Provisioned", reconciled: false }, error: null },
        ),
      ),
    );
    await mount(r, backend({ activateMany }), () => NOW);
    for (const key of ["ua", "sec"]) {
      const box = r.querySelector<HTMLInputElement>(`[data-key="${key}"] input.pick`);
      if (!box) throw new Error(`no checkbox for ${key}`);
      box.checked = true;
      box.dispatchEvent(new Event("change"));
    }
    const form = r.querySelector<HTMLFormElement>(".batch form");
    expect(form?.querySelector("button.primary")?.textContent).toBe("Activate 2 selected");
    // sec's policy asks for a justification and a ticket: both are asked once, for the batch.
    const j = form?.querySelector<HTMLInputElement>('input[name="justification"]');
    const t = form?.querySelector<HTMLInputElement>('input[name="ticket"]');
    if (!j || !t || !form) throw new Error("batch form incomplete");
    j.value = "incident 42";
    t.value = "";
    form.dispatchEvent(new Event("submit", { cancelable: true }));
    await flush();
    expect(activateMany).toHaveBeenCalledWith({ keys: ["ua", "sec"], justification: "incident 42", ticketNumber: null, ticketSystem: null, duration: null } satisfies BatchForm);
    // The failure stays next to its item, still picked; the success is unpicked.
    expect(r.querySelector('[data-key="sec"] .error')?.textContent).toContain("ticket");
    expect(r.querySelector<HTMLInputElement>('[data-key="sec"] input.pick')?.checked).toBe(true);
    expect(r.querySelector<HTMLInputElement>('[data-key="ua"] input.pick')?.checked).toBe(false);
  });

  it("shows activating… until the access works, and opens on the item the backend names", async () => {
    const v = view();
    v.activating = ["reader"];
    v.focus = "sec";
    await mount(r, backend({ view: () => Promise.resolve(v) }), () => NOW);
    expect(r.querySelector('[data-key="reader"] .when')?.textContent).toBe("activating… · 45 min left");
    expect(r.querySelector('[data-key="reader"]')?.classList.contains("activating")).toBe(true);
    expect(r.querySelector('[data-key="sec"] form')).not.toBeNull();
  });

  it("opens the settings from the gear", async () => {
    const b = backend();
    await mount(r, b, () => NOW);
    r.querySelector<HTMLButtonElement>('button[aria-label="Settings"]')?.click();
    expect(b.openSettings).toHaveBeenCalled();
  });
});

describe("a long list", () => {
  const many = Array.from({ length: 2000 }, (_, i) => assignment({ key: `k${i}`, name: `Role ${String(i).padStart(4, "0")}` }));

  it("renders the first rows, says how many match, and brings in more on scroll and arrows", async () => {
    const r = root();
    await mount(r, backend({ view: () => Promise.resolve(view(many)) }), () => NOW);
    expect(r.querySelectorAll("li.item")).toHaveLength(FIRST_ROWS);
    expect(r.dataset.count).toBe("2000");
    expect(r.querySelector("li.more")?.textContent).toBe(`Showing ${FIRST_ROWS} of 2000 · scroll for more, or type to narrow`);
    // The arrow keys go past the first rows: the next ones are rendered on the way.
    for (let i = 0; i < FIRST_ROWS + 2; i++) document.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowDown" }));
    expect(r.querySelector('li.item[aria-selected="true"]')?.getAttribute("data-key")).toBe(`k${FIRST_ROWS + 2}`);
    const afterArrows = r.querySelectorAll("li.item").length;
    expect(afterArrows).toBeGreaterThan(FIRST_ROWS + 2);
    // Scrolled to the end of the rendered rows: more again.
    r.querySelector("ul.list")?.dispatchEvent(new Event("scroll"));
    expect(r.querySelectorAll("li.item").length).toBeGreaterThan(afterArrows);
  });

  it("searches all 2,000, not only the rendered rows", async () => {
    const r = root();
    await mount(r, backend({ view: () => Promise.resolve(view(many)) }), () => NOW);
    const search = r.querySelector<HTMLInputElement>("input.search");
    if (!search) throw new Error("no search");
    search.value = "Role 1999";
    search.dispatchEvent(new Event("input"));
    expect(Array.from(r.querySelectorAll("li.item")).map((li) => li.getAttribute("data-key"))).toEqual(["k1999"]);
    expect(r.querySelector("li.more")).toBeNull();
  });
});
