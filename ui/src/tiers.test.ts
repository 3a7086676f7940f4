import { describe, expect, it } from "vitest";
import type { View } from "./bindings/View";
import { ordered, tierBadge } from "./model";
import { NOW, assignment, backend, flush, items, root, view } from "./testkit";
import { mount } from "./view";

/** The fixture view with tiers and frecency as the core sends them. */
function withFacts(): View {
  const v = view();
  v.facts = {
    ua: { tier: "tier1", frecency: 0 },
    sec: { tier: "tier1", frecency: 0 },
    contrib: { tier: "tier0", frecency: 250 },
    reader: { tier: "tier2", frecency: 0 },
  };
  return v;
}

describe("tier badges", () => {
  it("say the tier in text and in an accessible label, not by colour alone; Tier 2 has none", () => {
    expect(tierBadge("tier0")).toEqual({ text: "Tier 0", label: "Tier 0: can take over the tenant", tier: "tier0" });
    expect(tierBadge("tier1")?.text).toBe("Tier 1");
    expect(tierBadge("tier2")).toBeNull();
    expect(tierBadge(undefined)).toBeNull();
  });

  it("are on the popup's rows", async () => {
    const r = root();
    await mount(r, backend({ view: () => Promise.resolve(withFacts()) }), () => NOW);
    const badge = r.querySelector('[data-key="contrib"] .badge.tier');
    expect(badge?.textContent).toBe("Tier 0");
    expect(badge?.getAttribute("aria-label")).toBe("Tier 0: can take over the tenant");
    expect(r.querySelector('[data-key="reader"] .badge.tier')).toBeNull();
  });
});

describe("recent and frequent first", () => {
  it("orders each status group by the core's frecency, then by plane and name", () => {
    const facts = { contrib: { tier: "tier1" as const, frecency: 250 }, sec: { tier: "tier1" as const, frecency: 30 } };
    expect(ordered(items, facts).map((a) => a.key)).toEqual(["reader", "ga", "contrib", "sec", "ua"]);
    expect(ordered(items).map((a) => a.key)).toEqual(["reader", "ga", "sec", "ua", "contrib"]);
  });
});

describe("a Tier 0 activation in the popup", () => {
  it("asks for one explicit confirmation, then sends it with the confirmation", async () => {
    const b = backend({ view: () => Promise.resolve(withFacts()) });
    const r = root();
    await mount(r, b, () => NOW);
    // Contributor's policy asks for nothing: a Tier 1 role would go at once; Tier 0 opens its form.
    r.querySelector<HTMLButtonElement>('[data-key="contrib"] button.primary')?.click();
    await flush();
    expect(b.activate).not.toHaveBeenCalled();
    const form = r.querySelector<HTMLFormElement>('[data-key="contrib"] form');
    expect(form?.querySelector(".tier0-warning")?.textContent).toContain("Tier 0: it can take over the tenant");
    const confirm = form?.querySelector<HTMLButtonElement>('button[data-confirm="tier0"]');
    expect(confirm?.textContent).toBe("Confirm Tier 0 activation");
    form?.dispatchEvent(new Event("submit", { cancelable: true }));
    await flush();
    expect(b.activate).toHaveBeenCalledWith(expect.objectContaining({ key: "contrib", confirmTier0: true }));
  });

  it("a Tier 1 role still activates in one click, unconfirmed", async () => {
    const v = withFacts();
    v.snapshot.assignments = [assignment({ key: "ua", name: "User Administrator" })];
    const b = backend({ view: () => Promise.resolve(v) });
    const r = root();
    await mount(r, b, () => NOW);
    r.querySelector<HTMLButtonElement>('[data-key="ua"] button.primary')?.click();
    await flush();
    expect(b.activate).toHaveBeenCalledWith(expect.objectContaining({ key: "ua", confirmTier0: false }));
  });
});
