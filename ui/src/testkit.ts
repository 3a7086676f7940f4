// Fixtures shared by the popup's tests: assignments, approvals, views, history events, a fake backend (with
// `emit` standing for the app's `view` event) and a fresh root element. Not part of the app.
import { vi } from "vitest";
import type { Approval } from "./bindings/Approval";
import type { ApprovalsView } from "./bindings/ApprovalsView";
import type { Assignment } from "./bindings/Assignment";
import type { AuditEvent } from "./bindings/AuditEvent";
import type { BatchForm } from "./bindings/BatchForm";
import type { DecisionForm } from "./bindings/DecisionForm";
import type { HistoryView } from "./bindings/HistoryView";
import type { ReviewForm } from "./bindings/ReviewForm";
import type { ReviewItem } from "./bindings/ReviewItem";
import type { ReviewsView } from "./bindings/ReviewsView";
import type { View } from "./bindings/View";
import type { Backend } from "./ipc";

export const NOW = Date.parse("2026-11-23T12:00:00Z");

export function assignment(over: Partial<Assignment>): Assignment {
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
    policy: { maxDuration: "PT8H", justification: false, ticket: false, mfa: false, approval: false, authContext: null, approverJustification: false },
    ...over,
  };
}

export const items: Assignment[] = [
  assignment({ key: "ua", name: "User Administrator" }),
  assignment({
    key: "sec",
    name: "Security Administrator",
    policy: { maxDuration: "PT4H", justification: true, ticket: true, mfa: true, approval: false, authContext: null, approverJustification: false },
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

/** Reviews off and nothing waiting: no badge. */
export const noReviews: ReviewsView = { enabled: false, items: [], failures: [], checkedAt: null };

/** Approvals turned off (the default): no section. */
export const noApprovals: ApprovalsView = { enabled: false, items: [], failures: [], decided: [], checkedAt: null };

export function approval(over: Partial<Approval>): Approval {
  const requestId = over.requestId ?? "req-a";
  return {
    key: `${over.plane ?? "entraRole"}:${requestId}`,
    plane: "entraRole",
    requestId,
    approvalId: requestId,
    requester: { id: "u-megan", displayName: "Megan Bowen", userPrincipalName: "megan@contoso.example" },
    name: "Security Administrator",
    targetId: "role-sec",
    access: null,
    scope: { id: "/", displayName: "Directory", type: "directory" },
    kind: "activate",
    justification: null,
    ticketNumber: null,
    ticketSystem: null,
    created: "2026-11-23T11:00:00Z",
    start: null,
    duration: "PT2H",
    end: null,
    expires: "2026-11-24T11:00:00Z",
    decidable: "yes",
    approverJustification: false,
    ...over,
  };
}

export function reviewItem(over: Partial<ReviewItem>): ReviewItem {
  const decisionId = over.decisionId ?? "d-1";
  return {
    key: `review:${decisionId}`,
    api: "graph",
    kind: "entraRole",
    pim: true,
    reviewId: "def-1",
    reviewName: "Privileged Role Administrator: quarterly review",
    instanceId: "inst-1",
    stageId: null,
    decisionId,
    principal: { id: "u-megan", displayName: "Megan Bowen", userPrincipalName: "megan@contoso.example" },
    resource: "Privileged Role Administrator",
    resourceId: "role-pra",
    scope: null,
    recommendation: "Approve",
    decision: "notReviewed",
    justification: null,
    due: "2026-11-26T12:00:00Z",
    justificationRequired: false,
    instanceStatus: "InProgress",
    ...over,
  };
}

export function view(list: Assignment[] = items): View {
  return {
    account: { tenantId: "t", objectId: "o", username: "alex@contoso.example", name: "Alex" },
    snapshot: { assignments: list, failures: [] },
    favorites: [],
    refreshedAt: NOW,
    activating: [],
    focus: null,
    notices: [],
    approvals: noApprovals,
    reviews: noReviews,
    facts: {},
    fromCache: false,
  };
}

export function auditEvent(over: Partial<AuditEvent>): AuditEvent {
  return {
    source: "local",
    time: "2026-11-23T11:00:00Z",
    activity: "activate",
    plane: "entraRole",
    target: "User Administrator",
    principal: null,
    initiatedBy: "alex@contoso.example",
    result: "active",
    justification: null,
    requestId: null,
    ...over,
  };
}

/** The History panel's answer: by default nothing happened and the (empty) chain holds. */
export function historyView(over: Partial<HistoryView> = {}): HistoryView {
  return {
    events: [],
    tenantError: null,
    verification: { records: 0, firstBadLine: null, problem: null, message: "The history's 0 records are intact." },
    verificationError: null,
    ...over,
  };
}

export function backend(over: Partial<Backend> = {}): Backend {
  return {
    appInfo: () => Promise.resolve({ name: "Elevate", version: "0.1.0", mode: "demo" }),
    closePopup: vi.fn(() => Promise.resolve()),
    view: () => Promise.resolve(view()),
    refresh: () => Promise.resolve(),
    activate: vi.fn(() => Promise.resolve({ state: "active" as const, requestId: "r1", status: "Provisioned", reconciled: false })),
    deactivate: vi.fn(() => Promise.resolve({ state: "revoked" as const, requestId: "r2", status: "Revoked", reconciled: false })),
    cancel: vi.fn(() => Promise.resolve({ state: "canceled" as const, requestId: "req-1", status: "Canceled", reconciled: false })),
    signIn: vi.fn(() => Promise.resolve()),
    toggleFavorite: vi.fn(() => Promise.resolve()),
    activateMany: vi.fn((form: BatchForm) => Promise.resolve(form.keys.map((key) => ({ key, outcome: { state: "active" as const, requestId: key, status: "Provisioned", reconciled: false }, error: null })))),
    decide: vi.fn((form: DecisionForm) =>
      Promise.resolve({ key: form.key, verdict: form.verdict, state: "recorded" as const, result: form.verdict === "approve" ? "approved" : "denied", by: null, message: `Request ${form.verdict === "approve" ? "approved" : "denied"}.` }),
    ),
    openInPortal: vi.fn(() => Promise.resolve(undefined)),
    historyView: vi.fn(() => Promise.resolve(historyView())),
    reviewsView: vi.fn(() => Promise.resolve(noReviews)),
    decideReview: vi.fn((form: ReviewForm) => Promise.resolve({ key: form.key, decision: form.decision, message: `Recorded “${form.decision}”.` })),
    openSettings: vi.fn(() => Promise.resolve()),
    onView: () => undefined,
    onError: () => undefined,
    ...over,
  };
}

/** A backend that publishes views as the app does: `emit` stands for a `view` event. */
export function withEvents(over: Partial<Backend> = {}): { b: Backend; emit: (v: View) => void } {
  let handler: ((v: View) => void) | undefined;
  const emit = (v: View): void => {
    if (!handler) throw new Error("the popup does not listen to views");
    handler(v);
  };
  return { b: backend({ onView: (h) => { handler = h; }, ...over }), emit };
}

export function root(): HTMLElement {
  document.body.innerHTML = '<main id="app"></main>';
  const found = document.getElementById("app");
  if (!found) throw new Error("no root");
  return found;
}

export const flush = () => new Promise((r) => setTimeout(r, 0));
