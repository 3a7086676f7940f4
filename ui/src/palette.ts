// Owns the palette's pure logic: which items match what is typed and in which order (the
// best match first; among equal matches the core's order, recent and frequent first), what
// a key press means, and the words shown for an item. No DOM here (paletteView.ts has it).
import type { PaletteAction } from "./bindings/PaletteAction";
import type { PaletteItem } from "./bindings/PaletteItem";
import type { PaletteKind } from "./bindings/PaletteKind";
import { outcomeText } from "./model";
import type { RequestState } from "./bindings/RequestState";

export const KIND_NAMES: Record<PaletteKind, string> = {
  entraRole: "Entra role",
  group: "Group",
  azureRole: "Azure role",
};

/** How well one typed word fits an item: 0 is no match, higher is better. */
function wordScore(item: PaletteItem, word: string): number {
  const label = item.label.toLowerCase();
  if (label.startsWith(word)) return 6;
  const words = label.split(/[\s()-]+/).filter((w) => w.length > 0);
  if (words.some((w) => w.startsWith(word))) return 5;
  // Initials: "ua" for User Administrator, "gaa" not a prefix of anything but "ga" is.
  if (word.length > 1 && words.map((w) => w[0]).join("").startsWith(word)) return 4;
  if (label.includes(word)) return 3;
  const detail = item.detail.toLowerCase();
  if (detail.split(/\s+/).some((w) => w.startsWith(word))) return 2;
  const rest = `${detail} ${KIND_NAMES[item.kind].toLowerCase()}${item.favorite ? " favorite" : ""} ${item.tier.replace("tier", "tier ")}`;
  return rest.includes(word) ? 1 : 0;
}

/** The items matching `query` (every word must match), best first; ties keep the core's order. */
export function filter(items: readonly PaletteItem[], query: string): PaletteItem[] {
  const words = query.toLowerCase().split(/\s+/).filter((w) => w.length > 0);
  if (words.length === 0) return [...items];
  const scored: { item: PaletteItem; score: number; index: number }[] = [];
  items.forEach((item, index) => {
    let score = 0;
    for (const w of words) {
      const s = wordScore(item, w);
      if (s === 0) return;
      score += s;
    }
    scored.push({ item, score, index });
  });
  scored.sort((a, b) => b.score - a.score || a.index - b.index);
  return scored.map((s) => s.item);
}

/** What a key press in the palette means. */
export type PaletteKey = { run: PaletteAction } | "up" | "down" | "close" | null;

export function keyOf(event: Pick<KeyboardEvent, "key" | "shiftKey">): PaletteKey {
  switch (event.key) {
    case "Enter":
      return { run: event.shiftKey ? "extend" : "activate" };
    case "Delete":
      return { run: "deactivate" };
    case "ArrowUp":
      return "up";
    case "ArrowDown":
      return "down";
    case "Escape":
      return "close";
    default:
      return null;
  }
}

/** Whether `item` offers `action` (the core says which it does). */
export function offers(item: PaletteItem, action: PaletteAction): boolean {
  return item.can[action];
}

/** The item's state in a few words. */
export function statusText(item: PaletteItem): string {
  switch (item.status) {
    case "active":
      return "active";
    case "pendingApproval":
      return "waiting for approval";
    default:
      return "";
  }
}

/** What a finished request did, in words. */
export function doneText(label: string, state: RequestState): string {
  return `${label}: ${outcomeText(state)}`;
}
