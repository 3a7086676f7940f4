// The "To approve" section: what each request shows, deciding (progress, result, error),
// own and portal-only requests, failed planes, recent results, landing on a request, and the
// windowed list still windowed with the section above it.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ApprovalsView } from "./bindings/ApprovalsView";
import type { Decided } from "./bindings/Decided";
import type { DecisionForm } from "./bindings/DecisionForm";
import type { View } from "./bindings/View";
import { approvalLabel, durationText, kindText, requesterName, startText, timeToDecide } from "./approvals";
import { ElevateError } from "./ipc";
import { ROW_HEIGHT, WINDOW_ROWS } from "./list";
import { NOW, approval, assignment, backend, flush, root, view, withEvents } from "./testkit";
import { mount } from "./view";

const at = (minutes: number): string => new Date(NOW + minutes * 60_000).toISOString();

const megan = approval({
  requestId: "req-1",
  justification: "Incident 42: rotate the keys",
  ticketSystem: "ServiceNow",
  ticketNumber: "INC-42",
  duration: "PT1H30M",
  start: at(180),
  expires: at(23 * 60 + 30),
});
const lee = approval({
  plane: "group",
  requestId: "req-2",
  requester: { id: "u-lee", displayName: null, userPrincipalName: "lee@contoso.example" },
  name: "Finance App Admins",
  access: "owner",
  scope: { id: "g-fin", displayName: "Finance App Admins", type: "group" },
  kind: "extend",
  duration: "PT2H",
  expires: at(40),
});
const anon = approval({
  plane: "azureResource",
  requestId: "/subscriptions/s/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/r3",
  key: "azureResource:6b1c2f1e-0000-4000-8000-000000000003",
  requester: { id: "u-9", displayName: null, userPrincipalName: null },
  name: "Contributor",
  scope: { id: "/subscriptions/s", displayName: "Contoso Production", type: "subscription" },
  kind: "renew",
  decidable: "portalOnly",
  expires: at(-5),
});
const mine = approval({ requestId: "req-own", requester: { id: "o", displayName: "Alex", userPrincipalName: "alex@contoso.example" }, decidable: "ownRequest" });

function approvals(over: Partial<ApprovalsView> = {}): ApprovalsView {
  return { enabled: true, items: [megan, lee, anon, mine], failures: [], decided: [], checkedAt: NOW, ...over };
}

function withApprovals(over: Partial<ApprovalsView> = {}, base: View = view()): View {
  return { ...base, approvals: approvals(over) };
}

function q(r: ParentNode, testid: string): HTMLElement | null {
  return r.querySelector<HTMLElement>(`[data-testid=${JSON.stringify(testid)}]`);
}
function must(r: ParentNode, testid: string): HTMLElement {
  const found = q(r, testid);
  if (!found) throw new Error(`no ${testid}`);
  return found;
}
/** A field or button by its test id. */
function control<T extends HTMLInputElement | HTMLButtonElement>(r: ParentNode, testid: string, kind: new () => T): T {
  const found = must(r, testid);
  if (!(found instanceof kind)) throw new Error(`${testid} is a ${found.tagName}`);
  return found;
}
const input = (r: ParentNode, testid: string): HTMLInputElement => control(r, testid, HTMLInputElement);
const button = (r: ParentNode, testid: string): HTMLButtonElement => control(r, testid, HTMLButtonElement);
function type(field: HTMLInputElement, text: string): void {
  field.value = text;
  field.dispatchEvent(new Event("input"));
}

describe("approval words", () => {
  it("names the requester, the role or group, the kind, the duration and the time left", () => {
    expect(requesterName(megan.requester)).toBe("Megan Bowen");
    expect(requesterName(lee.requester)).toBe("lee@contoso.example");
    expect(requesterName(anon.requester)).toBe("u-9");
    expect(approvalLabel(megan)).toBe("Security Administrator");
    expect(approvalLabel(lee)).toBe("Finance App Admins (owner)");
    expect(approvalLabel(anon)).toBe("Contributor on Contoso Production");
    expect([kindText("activate"), kindText("extend"), kindText("renew")]).toEqual([null, "extension", "renewal"]);
    expect(durationText(approval({ duration: "PT2H" }))).toBe("for 2 h");
    expect(durationText(approval({ duration: "PT1H30M" }))).toBe("for 1 h 30 min");
    expect(timeToDecide(at(23 * 60 + 59), NOW)).toBe("23 h left");
    expect(timeToDecide(at(40), NOW)).toBe("40 min left");
    expect(timeToDecide(at(-1), NOW)).toBe("expired");
    expect(startText(at(180), NOW)).toBe("starts in 3 h");
    expect(startText(at(2), NOW)).toBe("");
    expect(startText(null, NOW)).toBe("");
  });
});

describe("to approve", () => {
  let r: HTMLElement;
  beforeEach(() => {
    r = root();
  });

  it("shows each request with who, what, where, why, how long and the time left, above the list", async () => {
    await mount(r, backend({ view: () => Promise.resolve(withApprovals()) }), () => NOW);
    const section = must(r, "approvals");
    expect(section.tagName).toBe("SECTION");
    expect(section.hidden).toBe(false);
    const heading = document.getElementById(section.getAttribute("aria-labelledby") ?? "");
    expect(heading?.textContent).toBe("To approve (3)");
    // Outside the windowed list, and above it.
    const list = r.querySelector("ul.list");
    if (!list) throw new Error("no list");
    expect(list.contains(section)).toBe(false);
    expect(section.compareDocumentPosition(list) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();

    const m = must(r, "approval-entraRole:req-1");
    expect(m.querySelector(".requester")?.textContent).toBe("Megan Bowen");
    expect(m.querySelector(".role")?.textContent).toBe("Security Administrator");
    expect(m.querySelector(".meta")?.textContent).toBe("Entra role · Directory · for 1 h 30 min · starts in 3 h");
    expect(m.querySelector(".said")?.textContent).toBe("“Incident 42: rotate the keys” · ticket ServiceNow INC-42");
    expect(m.querySelector(".when")?.textContent).toBe("23 h left");
    expect(must(r, "approve-entraRole:req-1").getAttribute("aria-label")).toBe("Approve Megan Bowen: Security Administrator");
    expect(must(r, "deny-entraRole:req-1").getAttribute("aria-label")).toBe("Deny Megan Bowen: Security Administrator");
    const field = input(r, "approval-justification-entraRole:req-1");
    expect(field.maxLength).toBe(500);
    expect(field.required).toBe(false);
    expect(field.closest("label")?.textContent).toBe("Your justification");

    const l = must(r, "approval-group:req-2");
    expect(l.querySelector(".name")?.textContent).toBe("lee@contoso.example · Finance App Admins (owner)");
    expect(l.querySelector(".meta")?.textContent).toBe("Group · Finance App Admins · for 2 h · extension");
    expect(l.querySelector(".when")?.textContent).toBe("40 min left");
    expect(l.querySelector(".said")).toBeNull();

    const a = must(r, `approval-${anon.key}`);
    expect(a.querySelector(".name")?.textContent).toBe("u-9 · Contributor on Contoso Production");
    expect(a.querySelector(".meta")?.textContent).toBe("Azure · Contoso Production · for 2 h · renewal");
    expect(a.querySelector(".when")?.textContent).toBe("expired");
  });

  it("never shows my own requests, and no section when there is nothing else", async () => {
    const { b, emit } = withEvents({ view: () => Promise.resolve(withApprovals()) });
    await mount(r, b, () => NOW);
    expect(q(r, "approval-entraRole:req-own")).toBeNull();
    expect(r.querySelectorAll("li.approval")).toHaveLength(3);
    emit(withApprovals({ items: [mine] }));
    expect(must(r, "approvals").hidden).toBe(true);
    // Turned off in the settings: no section whatever the view holds.
    emit(withApprovals({ enabled: false }));
    expect(must(r, "approvals").hidden).toBe(true);
    expect(r.querySelectorAll("li.approval")).toHaveLength(0);
  });

  it("keeps Approve and Deny disabled until a justification the policy requires is typed", async () => {
    const strict = approval({ requestId: "req-s", approverJustification: true });
    await mount(r, backend({ view: () => Promise.resolve(withApprovals({ items: [strict] })) }), () => NOW);
    const field = input(r, "approval-justification-entraRole:req-s");
    const approve = button(r, "approve-entraRole:req-s");
    const deny = button(r, "deny-entraRole:req-s");
    expect(field.required).toBe(true);
    expect(field.closest("label")?.textContent).toBe("Your justification (required by the policy)");
    expect([approve.disabled, deny.disabled]).toEqual([true, true]);
    type(field, "   ");
    expect(approve.disabled).toBe(true);
    type(field, "checked with the on-call lead");
    expect([approve.disabled, deny.disabled]).toEqual([false, false]);
    type(field, "");
    expect(approve.disabled).toBe(true);
  });

  it("sends the decision with the typed justification, shows progress, then the result next to the item", async () => {
    let answer: (d: Decided) => void = () => undefined;
    const decide = vi.fn(() => new Promise<Decided>((done) => (answer = done)));
    await mount(r, backend({ view: () => Promise.resolve(withApprovals()), decide }), () => NOW);
    type(input(r, "approval-justification-entraRole:req-1"), "  known incident  ");
    const approve = button(r, "approve-entraRole:req-1");
    const deny = button(r, "deny-entraRole:req-1");
    approve.click();
    expect(decide).toHaveBeenCalledWith({ key: "entraRole:req-1", verdict: "approve", justification: "known incident" } satisfies DecisionForm);
    // In flight: both disabled, the one clicked says so; the other items are untouched.
    expect([approve.disabled, deny.disabled]).toEqual([true, true]);
    expect(approve.textContent).toBe("Approving…");
    expect(button(r, "approve-group:req-2").disabled).toBe(false);
    answer({ key: "entraRole:req-1", verdict: "approve", state: "recorded", result: "approved", by: null, message: "Megan Bowen's activation of Security Administrator approved." });
    await flush();
    const result = must(r, "approval-result-entraRole:req-1");
    expect(result.getAttribute("role")).toBe("status");
    expect(result.textContent).toBe("Megan Bowen's activation of Security Administrator approved.");
    expect(must(r, "approval-entraRole:req-1").contains(result)).toBe(true);
    expect(approve.textContent).toBe("Approve");
    // Deny with nothing typed sends no justification.
    button(r, "deny-group:req-2").click();
    expect(decide).toHaveBeenLastCalledWith({ key: "group:req-2", verdict: "deny", justification: null });
  });

  it("says a request another approver decided first as information, not as an error", async () => {
    const decide = vi.fn((form: DecisionForm) =>
      Promise.resolve<Decided>({ key: form.key, verdict: form.verdict, state: "alreadyDecided", result: null, by: null, message: "Megan Bowen's activation of Security Administrator: already decided by another approver; nothing to do." }),
    );
    await mount(r, backend({ view: () => Promise.resolve(withApprovals()), decide }), () => NOW);
    button(r, "approve-entraRole:req-1").click();
    await flush();
    const item = must(r, "approval-entraRole:req-1");
    const result = must(r, "approval-result-entraRole:req-1");
    expect(result.textContent).toContain("already decided by another approver");
    expect(result.getAttribute("role")).toBe("status");
    expect(result.classList.contains("info")).toBe(true);
    expect(item.querySelector('[role="alert"], .error')).toBeNull();
  });

  it("shows a refusal next to the item and keeps what was typed", async () => {
    const decide = vi.fn(() => Promise.reject(new ElevateError({ code: "invalidInput", message: "The policy asks the approver for a justification." })));
    await mount(r, backend({ view: () => Promise.resolve(withApprovals()), decide }), () => NOW);
    const field = input(r, "approval-justification-group:req-2");
    type(field, "looks fine");
    button(r, "deny-group:req-2").click();
    await flush();
    const alert = must(r, "approval-error-group:req-2");
    expect(alert.getAttribute("role")).toBe("alert");
    expect(alert.getAttribute("data-code")).toBe("invalidInput");
    expect(alert.textContent).toBe("The policy asks the approver for a justification.");
    expect(must(r, "approval-group:req-2").contains(alert)).toBe(true);
    expect(q(r, "approval-result-group:req-2")).toBeNull();
    expect(input(r, "approval-justification-group:req-2")).toBe(field);
    expect(field.value).toBe("looks fine");
    // Ready to try again.
    expect(button(r, "deny-group:req-2").disabled).toBe(false);
    expect(button(r, "deny-group:req-2").textContent).toBe("Deny");
  });

  it("offers no decision for a request only the Azure portal can decide, says where, and opens it", async () => {
    const b = backend({ view: () => Promise.resolve(withApprovals()) });
    await mount(r, b, () => NOW);
    const item = must(r, `approval-${anon.key}`);
    expect(item.querySelectorAll("input")).toHaveLength(0);
    expect(q(r, `approve-${anon.key}`)).toBeNull();
    expect(q(r, `deny-${anon.key}`)).toBeNull();
    expect(item.querySelector(".note")?.textContent).toContain("Extend and renew requests can only be approved in the Azure portal (PIM › Approve requests)");
    must(r, `portal-${anon.key}`).click();
    expect(b.openInPortal).toHaveBeenCalledWith(anon.key);
    expect(b.decide).not.toHaveBeenCalled();
  });

  it("says so next to the request when the portal cannot be opened", async () => {
    const b = backend({
      view: () => Promise.resolve(withApprovals()),
      openInPortal: vi.fn(() => Promise.reject(new ElevateError({ code: "io", message: "no browser could be started" }))),
    });
    await mount(r, b, () => NOW);
    must(r, `portal-${anon.key}`).click();
    await vi.waitFor(() => {
      expect(q(r, `approval-error-${anon.key}`)?.textContent).toBe("no browser could be started");
    });
  });

  it("says which plane's list failed, one line each, even with nothing to approve", async () => {
    const { b, emit } = withEvents({
      view: () =>
        Promise.resolve(withApprovals({ items: [], failures: [{ plane: "group", error: { code: "consent", message: "Elevate may not read PIM for Groups approvals: an administrator must consent" } }] })),
    });
    await mount(r, b, () => NOW);
    expect(must(r, "approvals").hidden).toBe(false);
    const line = must(r, "approvals-failure-group");
    expect(line.textContent).toBe("PIM for Groups: Elevate may not read PIM for Groups approvals: an administrator must consent");
    expect(line.getAttribute("role")).toBe("alert");
    expect(line.getAttribute("data-code")).toBe("consent");
    // The rest works: items of the other planes alongside the failure.
    emit(withApprovals({ items: [megan], failures: [{ plane: "azureResource", error: { code: "forbidden", message: "no access" } }] }));
    expect(q(r, "approvals-failure-group")).toBeNull();
    expect(must(r, "approvals-failure-azureResource").textContent).toBe("Azure resources: no access");
    expect(q(r, "approval-entraRole:req-1")).not.toBeNull();
    // The snapshot's banner is the assignments' own, untouched.
    expect(r.querySelectorAll(".banner [role=alert]")).toHaveLength(0);
  });

  it("keeps the latest results under the section once the item has left the list", async () => {
    const older = (n: number): Decided => ({ key: `entraRole:old-${String(n)}`, verdict: "deny", state: "expired", result: null, by: null, message: `old ${String(n)}` });
    const { b, emit } = withEvents({ view: () => Promise.resolve(withApprovals({ decided: [older(1), older(2)] })) });
    b.decide = vi.fn((form: DecisionForm) => {
      const d: Decided = { key: form.key, verdict: form.verdict, state: "recorded", result: "approved", by: null, message: "Lee's extension of Finance App Admins (owner) approved." };
      // As the app does: the view without the item, the result first, then the answer.
      emit(withApprovals({ items: [megan, anon], decided: [d, older(1), older(2), older(3)] }));
      return Promise.resolve(d);
    });
    await mount(r, b, () => NOW);
    expect([...r.querySelectorAll(".approvals .recent .result")].map((p) => p.textContent)).toEqual(["old 1", "old 2"]);
    button(r, "approve-group:req-2").click();
    await flush();
    expect(q(r, "approval-group:req-2")).toBeNull();
    const result = must(r, "approval-result-group:req-2");
    expect(result.textContent).toBe("Lee's extension of Finance App Admins (owner) approved.");
    expect(result.getAttribute("role")).toBe("status");
    expect(r.querySelectorAll('[data-testid="approval-result-group:req-2"]')).toHaveLength(1);
    // At most three, latest first.
    expect([...r.querySelectorAll(".approvals .recent .result")].map((p) => p.textContent)).toEqual([result.textContent, "old 1", "old 2"]);
    expect(document.getElementById("approvals-heading")?.textContent).toBe("To approve (2)");
  });

  it("keeps the item, its field and what it holds across new views", async () => {
    const { b, emit } = withEvents({ view: () => Promise.resolve(withApprovals()) });
    await mount(r, b, () => NOW);
    const item = must(r, "approval-entraRole:req-1");
    const field = input(r, "approval-justification-entraRole:req-1");
    field.focus();
    type(field, "half typed");
    emit(withApprovals());
    expect(must(r, "approval-entraRole:req-1")).toBe(item);
    expect(document.activeElement).toBe(field);
    // The policy read since asks for my words: the item is rebuilt, with the text and the cursor.
    emit(withApprovals({ items: [{ ...megan, approverJustification: true }, lee] }));
    const again = input(r, "approval-justification-entraRole:req-1");
    expect(again.required).toBe(true);
    expect(again.value).toBe("half typed");
    expect(document.activeElement).toBe(again);
    expect(button(r, "approve-entraRole:req-1").disabled).toBe(false);
  });

  it("leaves keys typed in the section to it: Enter or Space there activates or picks nothing in the list", async () => {
    const b = backend({ view: () => Promise.resolve(withApprovals()) });
    await mount(r, b, () => NOW);
    const field = input(r, "approval-justification-entraRole:req-1");
    const portal = must(r, `approval-${anon.key}`);
    for (const target of [field, portal]) {
      target.focus();
      for (const key of ["Enter", " ", "ArrowDown"]) target.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true }));
    }
    await flush();
    expect(b.activate).not.toHaveBeenCalled();
    expect(b.decide).not.toHaveBeenCalled();
    expect(r.querySelector(".batch form")).toBeNull();
    expect(r.querySelector('li.item[aria-selected="true"]')?.getAttribute("data-key")).toBe("reader");
  });

  it("counts down the time left to decide", async () => {
    vi.useFakeTimers({ toFake: ["setInterval"] });
    try {
      let t = NOW;
      await mount(r, backend({ view: () => Promise.resolve(withApprovals()) }), () => t);
      expect(must(r, "approval-group:req-2").querySelector(".when")?.textContent).toBe("40 min left");
      t += 45 * 60_000;
      vi.advanceTimersByTime(30_000);
      expect(must(r, "approval-group:req-2").querySelector(".when")?.textContent).toBe("expired");
      expect(must(r, "approval-entraRole:req-1").querySelector(".when")?.textContent).toBe("22 h left");
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("landing on a request", () => {
  const scrolled: Element[] = [];
  beforeEach(() => {
    scrolled.length = 0;
    Element.prototype.scrollIntoView = function (this: Element) {
      scrolled.push(this);
    };
  });
  afterEach(() => {
    delete (Element.prototype as Partial<Element>).scrollIntoView;
  });

  it("scrolls to the approval a view names in focus and puts the cursor in its field", async () => {
    const { b, emit } = withEvents({ view: () => Promise.resolve(withApprovals()) });
    const r = root();
    await mount(r, b, () => NOW);
    emit({ ...withApprovals(), focus: "group:req-2" });
    const item = must(r, "approval-group:req-2");
    expect(scrolled).toContain(item);
    expect(document.activeElement).toBe(must(r, "approval-justification-group:req-2"));
    // Not an assignment: no activation form opens in the list.
    expect(r.querySelector("ul.list form")).toBeNull();
    // An assignment's key still opens its form.
    emit({ ...withApprovals(), focus: "sec" });
    expect(r.querySelector('[data-key="sec"] form')).not.toBeNull();
  });

  it("lands on a portal-only request itself (it has no field)", async () => {
    const r = root();
    await mount(r, backend({ view: () => Promise.resolve({ ...withApprovals(), focus: anon.key }) }), () => NOW);
    expect(document.activeElement).toBe(must(r, `approval-${anon.key}`));
  });
});

describe("a long list under the section", () => {
  it("still renders a window of rows of one height, and follows scroll", async () => {
    const many = Array.from({ length: 2000 }, (_, i) => assignment({ key: `k${String(i)}`, name: `Role ${String(i).padStart(4, "0")}` }));
    const r = root();
    await mount(r, backend({ view: () => Promise.resolve(withApprovals({}, view(many))) }), () => NOW);
    expect(r.querySelectorAll("li.approval")).toHaveLength(3);
    const list = r.querySelector<HTMLUListElement>("ul.list");
    if (!list) throw new Error("no list");
    expect(list.querySelectorAll("li.approval")).toHaveLength(0);
    expect(list.querySelectorAll("li.item")).toHaveLength(WINDOW_ROWS);
    const hidden = Array.from(list.querySelectorAll<HTMLLIElement>("li.spacer")).reduce((sum, s) => sum + parseFloat(s.style.height), 0);
    expect(hidden + WINDOW_ROWS * ROW_HEIGHT).toBe(2000 * ROW_HEIGHT);
    list.scrollTop = 1500 * ROW_HEIGHT;
    list.dispatchEvent(new Event("scroll"));
    const keys = Array.from(list.querySelectorAll("li.item")).map((li) => li.getAttribute("data-key"));
    expect(keys).toContain("k1500");
    expect(keys).not.toContain("k0");
    expect(r.querySelectorAll("li.approval")).toHaveLength(3);
  });
});
