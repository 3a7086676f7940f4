// The windowed list with 2,000 assignments: what is in the DOM, and what a key press, a
// countdown tick or a new view touches.
import { describe, expect, it, vi } from "vitest";
import { ROW_HEIGHT, WINDOW_ROWS } from "./list";
import { NOW, assignment, backend, root, view, withEvents } from "./testkit";
import { MARK_KEY_PAINTED, mount } from "./view";

describe("a long list", () => {
  const many = Array.from({ length: 2000 }, (_, i) => assignment({ key: `k${String(i)}`, name: `Role ${String(i).padStart(4, "0")}` }));
  const keys = (r: HTMLElement): (string | null)[] => Array.from(r.querySelectorAll("li.item")).map((li) => li.getAttribute("data-key"));

  it("renders a window of rows, says how many match, and follows scroll and arrows", async () => {
    const r = root();
    await mount(r, backend({ view: () => Promise.resolve(view(many)) }), () => NOW);
    expect(r.querySelectorAll("li.item")).toHaveLength(WINDOW_ROWS);
    expect(r.dataset.count).toBe("2000");
    expect(r.querySelector("li.more")?.textContent).toBe("2000 assignments · type to narrow");
    // The spacer keeps the scrollbar honest: 2,000 rows high in all.
    const spacers = Array.from(r.querySelectorAll<HTMLLIElement>("li.spacer"));
    const hidden = spacers.reduce((sum, s) => sum + parseFloat(s.style.height), 0);
    expect(hidden + WINDOW_ROWS * ROW_HEIGHT).toBe(2000 * ROW_HEIGHT);
    // The arrow keys go past the window: it follows the selection.
    for (let i = 0; i < WINDOW_ROWS + 2; i++) document.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowDown" }));
    expect(r.querySelector('li.item[aria-selected="true"]')?.getAttribute("data-key")).toBe(`k${String(WINDOW_ROWS + 2)}`);
    expect(r.querySelectorAll("li.item").length).toBeLessThanOrEqual(WINDOW_ROWS);
    // Scrolled far down: the rows there, and not the first ones.
    const list = r.querySelector<HTMLUListElement>("ul.list");
    if (!list) throw new Error("no list");
    list.scrollTop = 1500 * ROW_HEIGHT;
    list.dispatchEvent(new Event("scroll"));
    expect(keys(r)).toContain("k1500");
    expect(keys(r)).not.toContain("k0");
    expect(r.querySelectorAll("li.item").length).toBeLessThanOrEqual(WINDOW_ROWS);
    // Up from there: the selection jumps back into view with the window around it.
    document.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowUp" }));
    expect(r.querySelector('li.item[aria-selected="true"]')?.getAttribute("data-key")).toBe(`k${String(WINDOW_ROWS + 1)}`);
  });

  it("searches all 2,000, not only the rendered rows", async () => {
    const r = root();
    await mount(r, backend({ view: () => Promise.resolve(view(many)) }), () => NOW);
    const search = r.querySelector<HTMLInputElement>("input.search");
    if (!search) throw new Error("no search");
    search.value = "Role 1999";
    search.dispatchEvent(new Event("input"));
    expect(keys(r)).toEqual(["k1999"]);
    expect(r.querySelector("li.more")).toBeNull();
  });

  it("moves the selection by touching the two rows involved", async () => {
    const r = root();
    await mount(r, backend({ view: () => Promise.resolve(view(many)) }), () => NOW);
    document.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowDown" }));
    const list = r.querySelector("ul.list");
    if (!list) throw new Error("no list");
    const before = Array.from(list.children);
    const observer = new MutationObserver(() => undefined);
    observer.observe(list, { subtree: true, childList: true, attributes: true, characterData: true });
    document.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowDown" }));
    const records = observer.takeRecords();
    observer.disconnect();
    expect(records.map((m) => [m.type, m.attributeName, (m.target as Element).getAttribute("data-key")])).toEqual([
      ["attributes", "aria-selected", "k1"],
      ["attributes", "aria-selected", "k2"],
    ]);
    expect(Array.from(list.children)).toEqual(before);
  });

  it("keeps the row nodes on a countdown tick and updates only the time left", async () => {
    vi.useFakeTimers({ toFake: ["setInterval"] });
    try {
      let t = NOW;
      const actives = many.slice(0, 100).map((a, i) => ({ ...a, status: "active" as const, assignmentType: "activated" as const, endDateTime: new Date(NOW + (i + 60) * 60_000).toISOString() }));
      const r = root();
      await mount(r, backend({ view: () => Promise.resolve(view([...actives, ...many.slice(100)])) }), () => t);
      const list = r.querySelector("ul.list");
      if (!list) throw new Error("no list");
      const before = Array.from(list.children);
      expect(r.querySelector('[data-key="k0"] .when')?.textContent).toBe("1 h left");
      const observer = new MutationObserver(() => undefined);
      observer.observe(list, { subtree: true, childList: true, attributes: true, characterData: true });
      t += 30 * 60_000;
      vi.advanceTimersByTime(30_000);
      const records = observer.takeRecords();
      observer.disconnect();
      expect(Array.from(list.children)).toEqual(before);
      expect(r.querySelector('[data-key="k0"] .when')?.textContent).toBe("30 min left");
      // Only .when texts changed: one record per rendered active row.
      expect(records.every((m) => m.target instanceof Element && m.target.classList.contains("when"))).toBe(true);
      expect(records).toHaveLength(WINDOW_ROWS);
    } finally {
      vi.useRealTimers();
    }
  });

  it("re-renders only the row whose data changed in a new view", async () => {
    const { b, emit } = withEvents({ view: () => Promise.resolve(view(many)) });
    const r = root();
    await mount(r, b, () => NOW);
    const list = r.querySelector("ul.list");
    if (!list) throw new Error("no list");
    const before = new Map(Array.from(list.querySelectorAll("li.item")).map((li) => [li.getAttribute("data-key"), li]));
    // The same data in new objects, with one item now pending.
    const next = structuredClone(many);
    const changed = next[5];
    if (!changed) throw new Error("fixture");
    changed.status = "pendingApproval";
    changed.requestId = "req-5";
    emit(view(next));
    const after = Array.from(list.querySelectorAll("li.item"));
    const replaced = after.filter((li) => before.get(li.getAttribute("data-key")) !== li).map((li) => li.getAttribute("data-key"));
    expect(replaced).toEqual(["k5"]);
    // Pending comes first now; the other rows are the same nodes, in their new places.
    expect(after[0]?.getAttribute("data-key")).toBe("k5");
    expect(after[0]?.getAttribute("data-status")).toBe("pendingApproval");
  });
});

describe("a long list: forms, picks and marks", () => {
  const many = Array.from({ length: 2000 }, (_, i) =>
    assignment({ key: `k${String(i)}`, name: `Role ${String(i).padStart(4, "0")}`, policy: { maxDuration: "PT8H", justification: i === 3, ticket: false, mfa: false, approval: false, authContext: null, approverJustification: false } }),
  );

  it("keeps the open form, and what it holds, while the list scrolls far away and back", async () => {
    const r = root();
    await mount(r, backend({ view: () => Promise.resolve(view(many)) }), () => NOW);
    r.querySelector<HTMLButtonElement>('[data-key="k3"] button.primary')?.click();
    const input = r.querySelector<HTMLInputElement>('[data-key="k3"] input[name="justification"]');
    if (!input) throw new Error("no form");
    input.value = "incident 7";
    const list = r.querySelector<HTMLUListElement>("ul.list");
    if (!list) throw new Error("no list");
    list.scrollTop = 1500 * ROW_HEIGHT;
    list.dispatchEvent(new Event("scroll"));
    expect(r.querySelector('[data-key="k1500"]')).not.toBeNull();
    expect(r.querySelector('[data-key="k3"] input[name="justification"]')).toBe(input);
    list.scrollTop = 0;
    list.dispatchEvent(new Event("scroll"));
    expect(r.querySelector<HTMLInputElement>('[data-key="k3"] input[name="justification"]')?.value).toBe("incident 7");
  });

  it("picks with Space without rebuilding the row", async () => {
    const r = root();
    await mount(r, backend({ view: () => Promise.resolve(view(many)) }), () => NOW);
    const row = r.querySelector('[data-key="k0"]');
    document.dispatchEvent(new KeyboardEvent("keydown", { key: " " }));
    expect(r.querySelector('[data-key="k0"]')).toBe(row);
    expect(r.querySelector<HTMLInputElement>('[data-key="k0"] input.pick')?.checked).toBe(true);
    expect(r.querySelector(".batch button.primary")?.textContent).toBe("Activate 1 selected");
  });

  it("marks a key press once its result is about to be painted", async () => {
    const r = root();
    await mount(r, backend({ view: () => Promise.resolve(view(many)) }), () => NOW);
    performance.clearMarks(MARK_KEY_PAINTED);
    document.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowDown" }));
    await new Promise((done) => requestAnimationFrame(done));
    expect(performance.getEntriesByName(MARK_KEY_PAINTED)).toHaveLength(1);
  });
});
