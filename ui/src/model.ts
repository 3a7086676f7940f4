// Pure helpers over the backend's view: ordering, search, labels, policy badges, countdowns,
// request outcomes in words.
import type { Assignment } from "./bindings/Assignment";
import type { PolicySummary } from "./bindings/PolicySummary";
import type { RequestState } from "./bindings/RequestState";
import type { Tier } from "./bindings/Tier";
import type { View } from "./bindings/View";

/** Per assignment key: its tier and frecency, as the core computed them. */
export type Facts = View["facts"];

export function label(a: Assignment): string {
  return a.access ? `${a.name} (${a.access})` : a.name;
}

export const PLANE_NAMES: Record<Assignment["plane"], string> = {
  entraRole: "Entra role",
  group: "Group",
  azureResource: "Azure",
};

/** Compares like `localeCompare` (the same default locale), without its set-up on every call. */
const collator = new Intl.Collator();

/** Active and pending first, then eligible; within each, recent and frequent first (the
 *  core's frecency), then by plane, then name. An eligibility that is already activated or
 *  pending is shown once, in its active or pending form. */
export function ordered(items: readonly Assignment[], facts: Facts = {}): Assignment[] {
  const busy = new Set(
    items.filter((a) => a.status === "pendingApproval" || (a.status === "active" && a.assignmentType === "activated")).map((a) => a.key),
  );
  items = items.filter((a) => a.status !== "eligible" || !busy.has(a.key));
  const rank = { active: 0, pendingApproval: 1, scheduled: 1, eligible: 2 } as const;
  const planes = { entraRole: 0, group: 1, azureResource: 2 } as const;
  const labels = new Map(items.map((a) => [a, label(a)]));
  const name = (a: Assignment): string => labels.get(a) ?? label(a);
  const frecency = (a: Assignment): number => facts[a.key]?.frecency ?? 0;
  return [...items].sort(
    (a, b) =>
      rank[a.status] - rank[b.status] ||
      frecency(b) - frecency(a) ||
      planes[a.plane] - planes[b.plane] ||
      collator.compare(name(a), name(b)),
  );
}

/** Every word must appear in the name, the scope or the plane. */
export function matches(a: Assignment, query: string): boolean {
  const hay = `${label(a)} ${a.scope.displayName} ${a.scope.type} ${PLANE_NAMES[a.plane]}`.toLowerCase();
  return query
    .toLowerCase()
    .split(/\s+/)
    .filter((w) => w.length > 0)
    .every((w) => hay.includes(w));
}

/** ISO-8601 duration → minutes (PT8H, PT1H30M, P1D). */
export function minutes(iso: string): number | null {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/i.exec(iso.trim());
  if (!m) return null;
  const [, d, h, min] = m;
  return Number(d ?? 0) * 1440 + Number(h ?? 0) * 60 + Number(min ?? 0);
}

export function human(mins: number): string {
  const h = Math.floor(mins / 60);
  const m = mins % 60;
  if (h === 0) return `${m} min`;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

export function timeLeft(end: string | null, now: number): string {
  if (end === null) return "permanent";
  const mins = Math.max(0, Math.floor((Date.parse(end) - now) / 60000));
  return `${human(mins)} left`;
}

export function badges(p: PolicySummary | null): string[] {
  if (!p) return [];
  const out: string[] = [];
  if (p.maxDuration) {
    const m = minutes(p.maxDuration);
    out.push(m === null ? `max ${p.maxDuration}` : `max ${human(m)}`);
  }
  if (p.justification) out.push("justification");
  if (p.ticket) out.push("ticket");
  if (p.mfa) out.push("MFA");
  if (p.approval) out.push("approval");
  if (p.authContext) out.push(`auth context ${p.authContext}`);
  return out;
}

/** The tier badge: its text and its accessible label (Tier 2, the rest, has none). */
export function tierBadge(tier: Tier | undefined): { text: string; label: string; tier: Tier } | null {
  switch (tier) {
    case "tier0":
      return { text: "Tier 0", label: "Tier 0: can take over the tenant", tier };
    case "tier1":
      return { text: "Tier 1", label: "Tier 1: broad administration of a workload", tier };
    default:
      return null;
  }
}

/** Whether activating needs the inline form (something the policy requires). */
export function needsForm(a: Assignment): boolean {
  return (a.policy?.justification ?? false) || (a.policy?.ticket ?? false);
}

/** Duration choices within the policy maximum, in minutes. */
export function durationChoices(p: PolicySummary | null): number[] {
  const max = p?.maxDuration ? minutes(p.maxDuration) : null;
  const all = [30, 60, 120, 240, 480];
  const within = max === null ? all : all.filter((m) => m <= max);
  return max !== null && !within.includes(max) ? [...within, max] : within;
}

/** What a request's outcome means, in a few words next to the item. */
export function outcomeText(state: RequestState): string {
  switch (state) {
    case "active":
      return "activated";
    case "provisioning":
      return "activated, being provisioned";
    case "scheduled":
      return "scheduled";
    case "pendingApproval":
      return "requested, waiting for approval";
    case "revoked":
      return "deactivated";
    case "canceled":
      return "request canceled";
    case "alreadyActive":
      return "already active";
    case "alreadyPending":
      return "already requested, waiting for approval";
  }
}
