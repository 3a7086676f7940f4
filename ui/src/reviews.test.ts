// The Reviews panel: the badge, what each item shows, the fresh look on opening, each decision
// (approve, deny, don't know) with its progress, result and error, the review's justification
// rule checked before anything is sent, failed APIs, landing on an item a view names, and the
// panel taking the list's place (one panel at a time).
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { ReviewDecided } from "./bindings/ReviewDecided";
import type { ReviewForm } from "./bindings/ReviewForm";
import type { ReviewsView } from "./bindings/ReviewsView";
import type { View } from "./bindings/View";
import { ElevateError } from "./ipc";
import { buttonLabel, dueText, recommendationText, reviewTarget } from "./reviews";
import { NOW, backend, flush, historyView, reviewItem, root, view, withEvents } from "./testkit";
import { mount } from "./view";

const at = (hours: number): string => new Date(NOW + hours * 3_600_000).toISOString();

const megan = reviewItem({ decisionId: "d-megan", due: at(72), justificationRequired: true });
const lee = reviewItem({
  decisionId: "d-lee",
  api: "arm",
  kind: "azureRole",
  reviewName: "Contributor on rg-security-prod",
  principal: { id: "u-lee", displayName: null, userPrincipalName: "lee@contoso.example" },
  resource: "Contributor",
  scope: "rg-security-prod",
  recommendation: "Deny",
  due: at(5),
});

function reviews(over: Partial<ReviewsView> = {}): ReviewsView {
  return { enabled: true, items: [megan, lee], failures: [], checkedAt: NOW, ...over };
}

function withReviews(over: Partial<ReviewsView> = {}): View {
  return { ...view(), reviews: reviews(over) };
}

function q(r: ParentNode, testid: string): HTMLElement | null {
  return r.querySelector<HTMLElement>(`[data-testid=${JSON.stringify(testid)}]`);
}

function must(r: ParentNode, testid: string): HTMLElement {
  const found = q(r, testid);
  if (!found) throw new Error(`no ${testid}`);
  return found;
}

function button(r: ParentNode, testid: string): HTMLButtonElement {
  const b = must(r, testid);
  if (!(b instanceof HTMLButtonElement)) throw new Error(`${testid} is no button`);
  return b;
}

function field(r: ParentNode, testid: string): HTMLInputElement {
  const f = must(r, testid);
  if (!(f instanceof HTMLInputElement)) throw new Error(`${testid} is no input`);
  return f;
}

describe("words", () => {
  it("say the target, the time left, the recommendation and the button's count", () => {
    expect(reviewTarget(lee)).toBe("Contributor on rg-security-prod");
    expect(reviewTarget(megan)).toBe("Privileged Role Administrator");
    expect(dueText(at(72), NOW)).toBe("due in 3 days");
    expect(dueText(at(5), NOW)).toBe("due in 5 h");
    expect(dueText(at(0.25), NOW)).toBe("due in 15 min");
    expect(dueText(at(-1), NOW)).toBe("ended");
    expect(dueText(null, NOW)).toBe("");
    expect(recommendationText("Approve")).toBe("recommended: approve");
    expect(recommendationText("NotAvailable")).toBeNull();
    expect(buttonLabel(0)).toBe("Access reviews");
    expect(buttonLabel(2)).toBe("Access reviews (2 waiting)");
  });
});

describe("the Reviews panel", () => {
  let r: HTMLElement;
  beforeEach(() => {
    r = root();
  });

  it("shows a badge with the count and opens on the items, asking for a fresh look", async () => {
    const look = vi.fn(() => Promise.resolve(reviews()));
    await mount(r, backend({ view: () => Promise.resolve(withReviews()), reviewsView: look }), () => NOW);
    const open = button(r, "reviews-button");
    expect(must(r, "reviews-badge").textContent).toBe("2");
    expect(must(r, "reviews-badge").hidden).toBe(false);
    expect(open.getAttribute("aria-label")).toBe("Access reviews (2 waiting)");
    expect(must(r, "reviews").hidden).toBe(true);
    open.click();
    expect(open.getAttribute("aria-expanded")).toBe("true");
    expect(must(r, "reviews").hidden).toBe(false);
    expect(look).toHaveBeenCalledTimes(1);
    // The list area steps aside while the panel is open.
    expect(r.querySelector<HTMLElement>("ul.list")?.style.display).toBe("none");
    await flush();
    const item = must(r, "review-review:d-megan");
    expect(item.textContent).toContain("Megan Bowen");
    expect(item.textContent).toContain("Privileged Role Administrator");
    expect(item.textContent).toContain("due in 3 days");
    expect(item.textContent).toContain("recommended: approve");
    expect(item.textContent).toContain("required to approve");
    const other = must(r, "review-review:d-lee");
    expect(other.textContent).toContain("lee@contoso.example");
    expect(other.textContent).toContain("Contributor on rg-security-prod");
    expect(other.textContent).toContain("recommended: deny");
    open.click();
    expect(must(r, "reviews").hidden).toBe(true);
    expect(r.querySelector<HTMLElement>("ul.list")?.style.display).toBe("");
  });

  it("no badge when nothing waits, and says so when open", async () => {
    await mount(r, backend(), () => NOW);
    expect(must(r, "reviews-badge").hidden).toBe(true);
    button(r, "reviews-button").click();
    await flush();
    expect(must(r, "reviews-empty").hidden).toBe(false);
  });

  it("refuses to approve without the justification the review requires, sending nothing", async () => {
    const decide = vi.fn((form: ReviewForm) => Promise.resolve<ReviewDecided>({ key: form.key, decision: form.decision, message: "Recorded." }));
    await mount(r, backend({ view: () => Promise.resolve(withReviews()), reviewsView: () => Promise.resolve(reviews()), decideReview: decide }), () => NOW);
    button(r, "reviews-button").click();
    await flush();
    button(r, "review-approve-review:d-megan").click();
    await flush();
    expect(decide).not.toHaveBeenCalled();
    expect(must(r, "review-error-review:d-megan").textContent).toBe("This review requires a justification to approve.");
    field(r, "review-justification-review:d-megan").value = "  Runs the on-call rota ";
    button(r, "review-approve-review:d-megan").click();
    await flush();
    expect(decide).toHaveBeenCalledWith({ key: "review:d-megan", decision: "approve", justification: "Runs the on-call rota" });
    expect(must(r, "review-result-review:d-megan").textContent).toBe("Recorded.");
    expect(q(r, "review-error-review:d-megan")).toBeNull();
    expect(button(r, "review-deny-review:d-megan").disabled).toBe(true);
  });

  it("denies and says don't know without words, showing progress then the result, and keeps an error next to the item", async () => {
    let finish: (d: ReviewDecided) => void = () => undefined;
    const decide = vi
      .fn<(form: ReviewForm) => Promise<ReviewDecided>>()
      .mockImplementationOnce((form) => new Promise((done) => (finish = () => {
              done({ key: form.key, decision: form.decision, message: "Recorded “deny”." });
            })))
      .mockImplementationOnce(() => Promise.reject(new ElevateError({ code: "Forbidden", message: "You are not a reviewer of “Contributor on rg-security-prod”." })));
    await mount(r, backend({ view: () => Promise.resolve(withReviews()), reviewsView: () => Promise.resolve(reviews()), decideReview: decide }), () => NOW);
    button(r, "reviews-button").click();
    await flush();
    button(r, "review-deny-review:d-megan").click();
    expect(button(r, "review-deny-review:d-megan").textContent).toBe("Denying…");
    expect(must(r, "review-review:d-megan").getAttribute("aria-busy")).toBe("true");
    finish({ key: "review:d-megan", decision: "deny", message: "" });
    await flush();
    expect(decide).toHaveBeenNthCalledWith(1, { key: "review:d-megan", decision: "deny", justification: null });
    expect(must(r, "review-result-review:d-megan").textContent).toBe("Recorded “deny”.");
    field(r, "review-justification-review:d-lee").value = "not my subscription";
    button(r, "review-dontKnow-review:d-lee").click();
    await flush();
    expect(decide).toHaveBeenNthCalledWith(2, { key: "review:d-lee", decision: "dontKnow", justification: "not my subscription" });
    const error = must(r, "review-error-review:d-lee");
    expect(error.dataset.code).toBe("Forbidden");
    expect(error.textContent).toContain("not a reviewer");
    expect(field(r, "review-justification-review:d-lee").value).toBe("not my subscription");
    expect(button(r, "review-dontKnow-review:d-lee").disabled).toBe(false);
  });

  it("keeps a decided item with its result when the next view drops it, and typed words across views", async () => {
    const { b, emit } = withEvents({ view: () => Promise.resolve(withReviews()), reviewsView: () => Promise.resolve(reviews()) });
    await mount(r, b, () => NOW);
    button(r, "reviews-button").click();
    await flush();
    field(r, "review-justification-review:d-lee").value = "half typed";
    button(r, "review-deny-review:d-megan").click();
    await flush();
    emit(withReviews({ items: [lee] }));
    expect(must(r, "review-result-review:d-megan").textContent).toContain("Recorded");
    expect(field(r, "review-justification-review:d-lee").value).toBe("half typed");
    expect(must(r, "reviews-badge").textContent).toBe("1");
  });

  it("says which API could not be listed", async () => {
    const failed = reviews({ items: [lee], failures: [{ api: "graph", error: { code: "consent", message: "Listing your access reviews needs the permission AccessReview.Read.All" } }] });
    await mount(r, backend({ view: () => Promise.resolve({ ...view(), reviews: failed }), reviewsView: () => Promise.resolve(failed) }), () => NOW);
    button(r, "reviews-button").click();
    await flush();
    const line = must(r, "reviews-failure-graph");
    expect(line.dataset.code).toBe("consent");
    expect(line.textContent).toBe("Entra role and group reviews: Listing your access reviews needs the permission AccessReview.Read.All");
    expect(q(r, "review-review:d-lee")).not.toBeNull();
  });

  it("says when the fresh look failed, keeping the items of the view", async () => {
    const look = vi.fn(() => Promise.reject(new ElevateError({ code: "signInRequired", message: "You are not signed in." })));
    await mount(r, backend({ view: () => Promise.resolve(withReviews()), reviewsView: look }), () => NOW);
    button(r, "reviews-button").click();
    await flush();
    const error = must(r, "reviews-error");
    expect(error.hidden).toBe(false);
    expect(error.dataset.code).toBe("signInRequired");
    expect(error.textContent).toBe("You are not signed in.");
    expect(q(r, "review-review:d-megan")).not.toBeNull();
    expect(must(r, "reviews-empty").hidden).toBe(true);
  });

  it("opens on the item a view names (a notification clicked) and closes History for it", async () => {
    const { b, emit } = withEvents({ view: () => Promise.resolve(withReviews()), reviewsView: () => Promise.resolve(reviews()), historyView: () => Promise.resolve(historyView()) });
    await mount(r, b, () => NOW);
    button(r, "history-button").click();
    expect(must(r, "history").hidden).toBe(false);
    emit({ ...withReviews(), focus: "review:d-lee" });
    await flush();
    expect(must(r, "history").hidden).toBe(true);
    expect(must(r, "reviews").hidden).toBe(false);
    expect(document.activeElement).toBe(field(r, "review-justification-review:d-lee"));
    expect(r.querySelector<HTMLElement>("ul.list")?.style.display).toBe("none");
    // Escape closes it and gives the list back.
    document.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape" }));
    expect(must(r, "reviews").hidden).toBe(true);
    expect(r.querySelector<HTMLElement>("ul.list")?.style.display).toBe("");
  });
});
