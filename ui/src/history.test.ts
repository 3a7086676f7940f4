// The History panel: the header button, the call and its period, what an answer shows (chain,
// tenant part missing, events), loading and failure, closing with the focus back on the
// button, and the list untouched and working once it is closed.
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { HistoryView } from "./bindings/HistoryView";
import { capitalised, chainText, failed, shortTime } from "./history";
import { ElevateError } from "./ipc";
import { ROW_HEIGHT } from "./list";
import { NOW, assignment, auditEvent, backend, flush, historyView, items, root, view, withEvents } from "./testkit";
import { mount } from "./view";

function q(r: ParentNode, testid: string): HTMLElement | null {
  return r.querySelector<HTMLElement>(`[data-testid=${JSON.stringify(testid)}]`);
}
function must(r: ParentNode, testid: string): HTMLElement {
  const found = q(r, testid);
  if (!found) throw new Error(`no ${testid}`);
  return found;
}
function button(r: ParentNode, testid: string): HTMLButtonElement {
  const found = must(r, testid);
  if (!(found instanceof HTMLButtonElement)) throw new Error(`${testid} is a ${found.tagName}`);
  return found;
}
const list = (r: HTMLElement): HTMLUListElement => {
  const ul = r.querySelector<HTMLUListElement>("ul.list");
  if (!ul) throw new Error("no list");
  return ul;
};
const key = (k: string, target: EventTarget = document): void => {
  target.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true }));
};
/** A local time as the backend sends it (UTC), so the expected text holds in any time zone. */
const local = (day: number, h: number, m: number): string => new Date(2026, 10, day, h, m).toISOString();

const events = [
  auditEvent({ source: "local", time: local(29, 14, 3), activity: "activate", target: "Security Administrator", result: "active", justification: "Incident 42: rotate the keys before the audit window closes tonight" }),
  auditEvent({ source: "tenant", time: local(29, 9, 45), activity: "Add member to role completed (PIM activation)", plane: "azureResource", target: "Contributor on Contoso Production", result: "success" }),
  auditEvent({ source: "local", time: local(28, 18, 0), activity: "deactivate", plane: null, target: "Finance App Admins (member)", result: "network" }),
];

describe("history words", () => {
  it("writes times short and local, activities capitalised, and knows a failure", () => {
    expect(shortTime(local(29, 14, 3))).toMatch(/^\S+ 29 14:03$/);
    expect(shortTime(local(3, 7, 5))).toMatch(/^\S+ 3 07:05$/);
    expect(shortTime("not a time")).toBe("not a time");
    expect(capitalised("activate")).toBe("Activate");
    expect(capitalised("")).toBe("");
    expect([failed("success"), failed("active"), failed("recorded"), failed("pendingApproval"), failed("Provisioned")]).toEqual([false, false, false, false, false]);
    expect([failed("failure"), failed("network"), failed("policy")]).toEqual([true, true, true]);
  });

  it("says the chain holds with its count, or where it breaks", () => {
    expect(chainText({ records: 12, firstBadLine: null, problem: null, message: "The history's 12 records are intact." })).toEqual({ ok: true, text: "Local history verified (12 records)" });
    expect(chainText({ records: 1, firstBadLine: null, problem: null, message: "" }).text).toBe("Local history verified (1 record)");
    expect(chainText({ records: 9, firstBadLine: 3, problem: "edited", message: "The history was edited at line 3." })).toEqual({
      ok: false,
      text: "Local history: The history was edited at line 3. (first bad line 3)",
    });
    expect(chainText({ records: 9, firstBadLine: null, problem: "unverifiable", message: "The key is not here." }).text).toBe("Local history: The key is not here.");
  });
});

describe("history panel", () => {
  let r: HTMLElement;
  beforeEach(() => {
    r = root();
  });

  it("opens from the header button, says it is loading, and asks for the last 7 days", async () => {
    let answer: (v: HistoryView) => void = () => undefined;
    const call = vi.fn(() => new Promise<HistoryView>((done) => (answer = done)));
    await mount(r, backend({ historyView: call }), () => NOW);
    const open = button(r, "history-button");
    // In the header, between Refresh and Settings (with Access reviews).
    const labels = Array.from(r.querySelectorAll("header button")).map((b) => b.getAttribute("aria-label"));
    expect(labels).toEqual(["Refresh", "History", "Access reviews", "Settings", "Close Elevate"]);
    expect(open.getAttribute("aria-expanded")).toBe("false");
    expect(must(r, "history").hidden).toBe(true);
    expect(call).not.toHaveBeenCalled();

    open.click();
    expect(call).toHaveBeenCalledTimes(1);
    expect(call).toHaveBeenCalledWith(7);
    const panel = must(r, "history");
    expect(panel.tagName).toBe("SECTION");
    expect(panel.hidden).toBe(false);
    expect(document.getElementById(panel.getAttribute("aria-labelledby") ?? "")?.textContent).toBe("History");
    expect(open.getAttribute("aria-expanded")).toBe("true");
    expect(open.getAttribute("aria-controls")).toBe(panel.id);
    expect(panel.tabIndex).toBe(0);
    // In the list area's place.
    expect(list(r).style.display).toBe("none");
    expect(r.querySelector<HTMLElement>("input.search")?.style.display).toBe("none");
    expect(must(r, "history-loading").textContent).toBe("Loading history…");
    expect(must(r, "history-range-7").getAttribute("aria-pressed")).toBe("true");
    expect(must(r, "history-range-30").getAttribute("aria-pressed")).toBe("false");

    answer(historyView({ events }));
    await flush();
    expect(q(r, "history-loading")).toBeNull();
    expect(panel.getAttribute("aria-busy")).toBe("false");
    expect(r.querySelectorAll('[data-testid="history-event"]')).toHaveLength(3);
  });

  it("shows the events newest first as given, each with its source, what, target and result", async () => {
    await mount(r, backend({ historyView: vi.fn(() => Promise.resolve(historyView({ events }))) }), () => NOW);
    button(r, "history-button").click();
    await flush();
    const rows = Array.from(r.querySelectorAll<HTMLElement>('[data-testid="history-event"]'));
    expect(rows.map((row) => row.dataset.source)).toEqual(["local", "tenant", "local"]);
    expect(rows.map((row) => row.querySelector(".source")?.textContent)).toEqual(["this machine", "tenant", "this machine"]);
    expect(rows.map((row) => row.querySelector(".what")?.textContent)).toEqual(["Activate", "Add member to role completed (PIM activation)", "Deactivate"]);
    const [first, second, third] = rows;
    if (!first || !second || !third) throw new Error("rows");
    expect(first.querySelector("time")?.textContent).toMatch(/^\S+ 29 14:03$/);
    expect(first.querySelector("time")?.getAttribute("datetime")).toBe(local(29, 14, 3));
    expect(first.querySelector(".meta")?.textContent).toBe("Entra role · Security Administrator");
    expect(first.querySelector(".result")?.textContent).toBe("active");
    const said = first.querySelector(".said");
    expect(said?.textContent).toBe("“Incident 42: rotate the keys before the audit window closes tonight”");
    expect(said?.getAttribute("title")).toBe("Incident 42: rotate the keys before the audit window closes tonight");
    expect(second.querySelector(".meta")?.textContent).toBe("Azure · Contributor on Contoso Production");
    expect(second.querySelector(".result")?.textContent).toBe("success");
    expect(second.querySelector(".said")).toBeNull();
    // No plane: the target alone; an error code is shown as a failure.
    expect(third.querySelector(".meta")?.textContent).toBe("Finance App Admins (member)");
    expect(third.querySelector(".result")?.textContent).toBe("network");
    expect(third.querySelector(".result")?.classList.contains("bad")).toBe(true);
    expect(first.querySelector(".result")?.classList.contains("bad")).toBe(false);
  });

  it("says the local chain is verified, with its count", async () => {
    const v = historyView({ events, verification: { records: 12, firstBadLine: null, problem: null, message: "The history's 12 records are intact." } });
    await mount(r, backend({ historyView: () => Promise.resolve(v) }), () => NOW);
    button(r, "history-button").click();
    await flush();
    const chain = must(r, "history-chain");
    expect(chain.textContent).toBe("Local history verified (12 records)");
    expect(chain.getAttribute("role")).toBeNull();
    expect(chain.classList.contains("warn")).toBe(false);
    // At the top, before the events.
    expect(must(r, "history").querySelector(".content")?.firstElementChild).toBe(chain);
  });

  it("says where the local chain breaks, as a warning, and why it could not be checked", async () => {
    const { b } = withEvents();
    const historyCall = vi
      .fn<(days: number) => Promise<HistoryView>>()
      .mockResolvedValueOnce(historyView({ events, verification: { records: 9, firstBadLine: 3, problem: "edited", message: "The history was edited at line 3." } }))
      .mockResolvedValueOnce(historyView({ verification: null, verificationError: { code: "io", message: "history.jsonl could not be read" } }));
    b.historyView = historyCall;
    await mount(r, b, () => NOW);
    const open = button(r, "history-button");
    open.click();
    await flush();
    let chain = must(r, "history-chain");
    expect(chain.textContent).toBe("Local history: The history was edited at line 3. (first bad line 3)");
    expect(chain.getAttribute("role")).toBe("alert");
    expect(chain.classList.contains("warn")).toBe(true);
    expect(chain.dataset.problem).toBe("edited");
    // The events are still shown under it.
    expect(r.querySelectorAll('[data-testid="history-event"]')).toHaveLength(3);

    open.click();
    open.click();
    await flush();
    chain = must(r, "history-chain");
    expect(chain.textContent).toBe("Local history: history.jsonl could not be read");
    expect(chain.getAttribute("role")).toBe("alert");
    expect(chain.dataset.code).toBe("io");
  });

  it("shows the tenant's part missing as information while the local events show", async () => {
    const local = events.filter((e) => e.source === "local");
    const v = historyView({ events: local, tenantError: { code: "consent", message: "Reading the audit log needs AuditLog.Read.All" } });
    await mount(r, backend({ historyView: () => Promise.resolve(v) }), () => NOW);
    button(r, "history-button").click();
    await flush();
    const info = must(r, "history-tenant-error");
    expect(info.textContent).toBe("Tenant events not shown: Reading the audit log needs AuditLog.Read.All");
    expect(info.getAttribute("role")).toBe("status");
    expect(info.classList.contains("error")).toBe(false);
    expect(info.classList.contains("info")).toBe(true);
    expect(must(r, "history").querySelectorAll('[role="alert"]')).toHaveLength(0);
    expect(Array.from(r.querySelectorAll<HTMLElement>('[data-testid="history-event"]')).map((e) => e.dataset.source)).toEqual(["local", "local"]);
    // Nothing in the popup's banner either.
    expect(r.querySelectorAll(".banner [role=alert]")).toHaveLength(0);
  });

  it("asks for 30 days with the toggle, and says when a period is empty", async () => {
    const call = vi.fn((days: number) => Promise.resolve(historyView({ events: days === 30 ? events : [] })));
    await mount(r, backend({ historyView: call }), () => NOW);
    button(r, "history-button").click();
    await flush();
    expect(must(r, "history-empty").textContent).toBe("Nothing in the last 7 days.");
    const range = must(r, "history-range");
    expect(range.getAttribute("role")).toBe("group");
    expect(Array.from(range.querySelectorAll("button")).map((b) => b.textContent)).toEqual(["Last 7 days", "30 days"]);

    button(r, "history-range-30").click();
    expect(call).toHaveBeenLastCalledWith(30);
    expect(must(r, "history-range-30").getAttribute("aria-pressed")).toBe("true");
    expect(must(r, "history-range-7").getAttribute("aria-pressed")).toBe("false");
    await flush();
    expect(q(r, "history-empty")).toBeNull();
    expect(r.querySelectorAll('[data-testid="history-event"]')).toHaveLength(3);
    // The period shown again asks nothing; the other one asks again.
    button(r, "history-range-30").click();
    expect(call).toHaveBeenCalledTimes(2);
    button(r, "history-range-7").click();
    expect(call).toHaveBeenLastCalledWith(7);
    expect(call).toHaveBeenCalledTimes(3);
  });

  it("keeps only the answer for the period last asked", async () => {
    const answers: ((v: HistoryView) => void)[] = [];
    const call = vi.fn(() => new Promise<HistoryView>((done) => answers.push(done)));
    await mount(r, backend({ historyView: call }), () => NOW);
    button(r, "history-button").click();
    button(r, "history-range-30").click();
    answers[1]?.(historyView({ events }));
    await flush();
    answers[0]?.(historyView({ events: [] }));
    await flush();
    expect(q(r, "history-empty")).toBeNull();
    expect(r.querySelectorAll('[data-testid="history-event"]')).toHaveLength(3);
  });

  it("shows a failed call as an alert in the panel, and Try again asks again", async () => {
    const call = vi
      .fn<(days: number) => Promise<HistoryView>>()
      .mockRejectedValueOnce(new ElevateError({ code: "network", message: "Microsoft Graph did not answer" }))
      .mockResolvedValueOnce(historyView({ events }));
    await mount(r, backend({ historyView: call }), () => NOW);
    button(r, "history-button").click();
    await flush();
    const alert = must(r, "history-error");
    expect(alert.getAttribute("role")).toBe("alert");
    expect(alert.textContent).toBe("Microsoft Graph did not answer");
    expect(alert.dataset.code).toBe("network");
    expect(must(r, "history").contains(alert)).toBe(true);
    // Nothing lost: the popup's banner and list are as they were.
    expect(r.querySelectorAll(".banner [role=alert]")).toHaveLength(0);
    expect(r.querySelectorAll("li.item")).toHaveLength(5);

    const retry = button(r, "history-retry");
    expect(retry.textContent).toBe("Try again");
    retry.focus();
    retry.click();
    expect(call).toHaveBeenCalledTimes(2);
    expect(call).toHaveBeenLastCalledWith(7);
    // The focus stays in the panel while the retried call runs.
    expect(document.activeElement).toBe(must(r, "history"));
    await flush();
    expect(q(r, "history-error")).toBeNull();
    expect(r.querySelectorAll('[data-testid="history-event"]')).toHaveLength(3);
  });

  it("closes on Escape (not the popup) and with the button again, the focus back on the button", async () => {
    const b = backend();
    await mount(r, b, () => NOW);
    const open = button(r, "history-button");
    open.click();
    await flush();
    must(r, "history").focus();
    key("Escape", must(r, "history"));
    expect(must(r, "history").hidden).toBe(true);
    expect(open.getAttribute("aria-expanded")).toBe("false");
    expect(document.activeElement).toBe(open);
    expect(b.closePopup).not.toHaveBeenCalled();
    expect(list(r).style.display).toBe("");

    open.click();
    expect(must(r, "history").hidden).toBe(false);
    open.click();
    expect(must(r, "history").hidden).toBe(true);
    expect(document.activeElement).toBe(open);
    // Closed: Escape closes the popup as before.
    key("Escape");
    expect(b.closePopup).toHaveBeenCalledTimes(1);
  });

  it("leaves the list alone while open, and working once closed", async () => {
    const { b, emit } = withEvents();
    await mount(r, b, () => NOW);
    const open = button(r, "history-button");
    open.click();
    await flush();
    // The keys are not the list's while the panel is open.
    key("ArrowDown");
    key("Enter");
    await flush();
    expect(b.activate).not.toHaveBeenCalled();
    // A view published meanwhile is in the list once it is back.
    emit(view([...items, assignment({ key: "extra", name: "Exchange Administrator" })]));
    open.click();
    expect(r.querySelectorAll("li.item")).toHaveLength(6);
    expect(r.querySelector<HTMLElement>("input.search")?.style.display).toBe("");
    expect(r.querySelector('li.item[aria-selected="true"]')?.getAttribute("data-key")).toBe("reader");
    key("ArrowDown");
    key("ArrowDown");
    expect(r.querySelector('li.item[aria-selected="true"]')?.getAttribute("data-key")).toBe("extra");
    // Enter on the History button is the button's (it opens the panel), not the selected item's.
    key("Enter", open);
    await flush();
    expect(b.activate).not.toHaveBeenCalled();
    key("Enter");
    await flush();
    expect(b.activate).toHaveBeenCalledWith(expect.objectContaining({ key: "extra" }));
  });

  it("keeps the long list's window and scroll position across opening and closing", async () => {
    const many = Array.from({ length: 2000 }, (_, i) => assignment({ key: `k${String(i)}`, name: `Role ${String(i).padStart(4, "0")}` }));
    await mount(r, backend({ view: () => Promise.resolve(view(many)) }), () => NOW);
    const ul = list(r);
    ul.scrollTop = 1500 * ROW_HEIGHT;
    ul.dispatchEvent(new Event("scroll"));
    const open = button(r, "history-button");
    open.click();
    await flush();
    open.click();
    expect(ul.scrollTop).toBe(1500 * ROW_HEIGHT);
    const keys = Array.from(r.querySelectorAll("li.item")).map((li) => li.getAttribute("data-key"));
    expect(keys).toContain("k1500");
    expect(keys).not.toContain("k0");
  });

  it("gives way to an item a view names", async () => {
    const { b, emit } = withEvents();
    await mount(r, b, () => NOW);
    button(r, "history-button").click();
    await flush();
    emit({ ...view(), focus: "sec" });
    expect(must(r, "history").hidden).toBe(true);
    expect(list(r).style.display).toBe("");
    expect(r.querySelector('[data-key="sec"] form')).not.toBeNull();
    expect(document.activeElement?.getAttribute("name")).toBe("justification");
  });
});
