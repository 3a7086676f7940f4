import { beforeEach, describe, expect, it, vi } from "vitest";
import type { ActivationForm } from "./bindings/ActivationForm";
import type { BatchForm } from "./bindings/BatchForm";
import type { View } from "./bindings/View";
import { ElevateError, toErrorPayload } from "./ipc";
import { badges, durationChoices, matches, ordered, timeLeft } from "./model";
import { NOW, assignment, backend, flush, items, noApprovals, noReviews, root, view, withEvents } from "./testkit";
import { MARK_VIEW_APPLIED, mount, updatedAgo } from "./view";

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
    expect(durationChoices({ maxDuration: "PT3H", justification: false, ticket: false, mfa: false, approval: false, authContext: null, approverJustification: false })).toEqual([30, 60, 120, 180]);
  });
});

describe("popup", () => {
  let r: HTMLElement;
  beforeEach(() => {
    r = root();
  });

  it("shows what the user must know (a file moved aside) in the banner", async () => {
    const note = "/home/a/.config/elevate/config.toml could not be read; it was moved to /home/a/.config/elevate/config.toml.corrupt-1";
    await mount(r, backend({ view: () => Promise.resolve({ ...view(), notices: [note] }) }), () => NOW);
    await flush();
    const shown = [...r.querySelectorAll(".banner .notice")].map((n) => n.textContent);
    expect(shown).toEqual([note]);
  });

  it("paints the view kept on disk at once, says how old it is, and drops the note when the refresh lands", async () => {
    const { b, emit } = withEvents({ view: () => Promise.resolve({ ...view(), fromCache: true, refreshedAt: NOW - 7 * 60_000 }) });
    await mount(r, b, () => NOW);
    expect(r.querySelectorAll("li.item")).toHaveLength(5);
    expect(r.querySelector('[data-testid="from-cache"]')?.textContent).toBe("Updated 7 min ago · refreshing…");
    emit(view());
    await flush();
    expect(r.querySelector('[data-testid="from-cache"]')).toBeNull();
  });

  it("says the age of a cached view in minutes, hours or days", () => {
    expect(updatedAgo(NOW - 20_000, NOW)).toBe("Updated just now");
    expect(updatedAgo(NOW - 59 * 60_000, NOW)).toBe("Updated 59 min ago");
    expect(updatedAgo(NOW - 3 * 3_600_000, NOW)).toBe("Updated 3 h ago");
    expect(updatedAgo(NOW - 72 * 3_600_000, NOW)).toBe("Updated 3 days ago");
    expect(updatedAgo(NOW + 60_000, NOW)).toBe("Updated just now");
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
    expect(b.activate).toHaveBeenCalledWith({ key: "ua", justification: null, ticketNumber: null, ticketSystem: null, duration: null, confirmTier0: false, start: null, scope: null } satisfies ActivationForm);
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
    set("start", "22:00");
    form?.requestSubmit();
    await flush();
    // The start is sent as typed: the core parses it and names the rule a bad one breaks.
    expect(b.activate).toHaveBeenCalledWith({ key: "sec", justification: "incident 42", ticketNumber: "INC-42", ticketSystem: null, duration: "120m", confirmTier0: false, start: "22:00", scope: null });
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
    // The command returns nothing: the new view arrives as an event.
    const { b, emit } = withEvents();
    const toggleFavorite = vi.fn(() => {
      emit(starredView);
      return Promise.resolve();
    });
    b.toggleFavorite = toggleFavorite;
    const r = root();
    await mount(r, b, () => NOW);
    r.querySelector<HTMLButtonElement>('[data-key="sec"] button.primary')?.click();
    const form = r.querySelector<HTMLFormElement>('[data-key="sec"] form');
    const j = form?.querySelector<HTMLInputElement>('[name="justification"]');
    const t = form?.querySelector<HTMLInputElement>('[name="ticket"]');
    if (!j || !t) throw new Error("form");
    j.value = "soc";
    t.value = "T-1";
    r.querySelector<HTMLButtonElement>('[data-key="sec"] button.star')?.click();
    await flush();
    expect(toggleFavorite).toHaveBeenCalledWith({ key: "sec", justification: "soc", ticketNumber: "T-1", ticketSystem: null, duration: null, confirmTier0: false, start: null, scope: null });
    expect(r.querySelector('[data-key="sec"] button.star')?.getAttribute("aria-pressed")).toBe("true");
  });

  it("opens the form on the item a view event names in View.focus", async () => {
    const { b, emit } = withEvents();
    const r = root();
    await mount(r, b, () => NOW);
    const search = r.querySelector<HTMLInputElement>("input.search");
    if (!search) throw new Error("search");
    search.value = "contrib";
    search.dispatchEvent(new Event("input"));
    expect(r.querySelector('[data-key="ua"]')).toBeNull();
    emit({ ...view(), focus: "ua" });
    // The search is cleared so the item is there, with its form open and selected.
    expect(search.value).toBe("");
    expect(r.querySelector('[data-key="ua"] form')).not.toBeNull();
    expect(r.querySelector('[data-key="ua"]')?.getAttribute("aria-selected")).toBe("true");
    expect(document.activeElement?.getAttribute("name")).toBe("justification");
    // The same request repeated in the next views is not opened again once closed.
    document.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape" }));
    expect(r.querySelector('[data-key="ua"] form')).toBeNull();
    emit({ ...view(), focus: "ua" });
    expect(r.querySelector('[data-key="ua"] form')).toBeNull();
  });
});

describe("signed out", () => {
  it("offers one Sign in button instead of per-plane errors, and shows the list after", async () => {
    const signedOut: View = { account: null, snapshot: { assignments: [], failures: [{ plane: "entraRole", error: { code: "signInRequired", message: "You are not signed in" } }] }, favorites: [], refreshedAt: NOW, activating: [], focus: null, notices: [], approvals: noApprovals, reviews: noReviews, facts: {}, fromCache: false };
    const { b, emit } = withEvents({ view: () => Promise.resolve(signedOut) });
    const signIn = vi.fn(() => {
      emit(view());
      return Promise.resolve();
    });
    b.signIn = signIn;
    const r = root();
    await mount(r, b, () => NOW);
    expect(r.querySelectorAll(".banner [role=alert]")).toHaveLength(0);
    r.querySelector<HTMLButtonElement>('.signin button')?.click();
    await flush();
    expect(signIn).toHaveBeenCalledTimes(1);
    expect(r.querySelectorAll("li.item")).toHaveLength(5);
    expect(r.querySelector(".signin")).toBeNull();
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
    expect(activateMany).toHaveBeenCalledWith({ keys: ["ua", "sec"], justification: "incident 42", ticketNumber: null, ticketSystem: null, duration: null, confirmTier0: false, start: null } satisfies BatchForm);
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

describe("one path for the view", () => {
  it("paints a refresh once, from the view event (the command returns nothing)", async () => {
    const { b, emit } = withEvents();
    const refreshed = view(items.slice(0, 3));
    const refresh = vi.fn(() => {
      emit(refreshed);
      return Promise.resolve();
    });
    b.refresh = refresh;
    const r = root();
    await mount(r, b, () => NOW);
    const marks = vi.spyOn(performance, "mark");
    try {
      r.querySelector<HTMLButtonElement>('button[aria-label="Refresh"]')?.click();
      await flush();
      expect(refresh).toHaveBeenCalledTimes(1);
      expect(marks.mock.calls.filter(([name]) => name === MARK_VIEW_APPLIED)).toHaveLength(1);
      expect(r.querySelectorAll("li.item")).toHaveLength(3);
    } finally {
      marks.mockRestore();
    }
  });

  it("shows a refresh that fails in the banner", async () => {
    const r = root();
    await mount(r, backend({ refresh: () => Promise.reject(new ElevateError({ code: "network", message: "Microsoft Graph did not answer" })) }), () => NOW);
    r.querySelector<HTMLButtonElement>('button[aria-label="Refresh"]')?.click();
    await flush();
    expect(r.querySelector(".banner [role=alert]")?.textContent).toBe("Microsoft Graph did not answer");
  });

  it("keeps a newer view event over the view pulled at mount", async () => {
    const { b, emit } = withEvents();
    b.view = () => {
      emit(view(items.slice(0, 1)));
      return Promise.resolve(view());
    };
    const r = root();
    await mount(r, b, () => NOW);
    expect(r.querySelectorAll("li.item")).toHaveLength(1);
  });
});

describe("request outcomes", () => {
  it("says an activation found the role already active or already requested", async () => {
    const activate = vi.fn((form: ActivationForm) =>
      Promise.resolve({ state: form.key === "ua" ? ("alreadyActive" as const) : ("alreadyPending" as const), requestId: null, status: "", reconciled: false }),
    );
    const r = root();
    await mount(r, backend({ activate }), () => NOW);
    r.querySelector<HTMLButtonElement>('[data-key="ua"] button.primary')?.click();
    r.querySelector<HTMLButtonElement>('[data-key="contrib"] button.primary')?.click();
    await flush();
    expect(r.querySelector('[data-key="ua"] .outcome')?.textContent).toBe("already active");
    expect(r.querySelector('[data-key="contrib"] .outcome')?.textContent).toBe("already requested, waiting for approval");
    expect(r.querySelector('[data-key="ua"] [role="alert"]')).toBeNull();
  });
});
