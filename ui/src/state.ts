// Owns the popup's state: what the backend last sent (the View), what the user is doing
// (query, selection, open form, picks) and what came back per item (busy, error, outcome);
// the derived lists (ordered and searched, favorites, activating), computed once per change;
// and `act`, the one way an item's request changes that state.
import type { Assignment } from "./bindings/Assignment";
import type { ErrorPayload } from "./bindings/ErrorPayload";
import type { RequestOutcome } from "./bindings/RequestOutcome";
import type { RequestState } from "./bindings/RequestState";
import type { Tier } from "./bindings/Tier";
import type { View } from "./bindings/View";
import { toErrorPayload } from "./ipc";
import { matches, ordered } from "./model";

export interface UiState {
  view: View | null;
  query: string;
  /** Index into `shown(state)`. */
  selected: number;
  /** The key whose activation form is open. */
  formFor: string | null;
  busy: Set<string>;
  errors: Map<string, ErrorPayload>;
  /** The last request's outcome per key, shown next to the item. */
  outcomes: Map<string, RequestState>;
  /** Keys picked for a batch activation. */
  picked: Set<string>;
}

export function createState(): UiState {
  return { view: null, query: "", selected: 0, formFor: null, busy: new Set(), errors: new Map(), outcomes: new Map(), picked: new Set() };
}

interface Derived {
  view: View | null;
  query: string;
  all: Assignment[];
  shown: Assignment[];
  favorites: Set<string>;
  activating: Set<string>;
}
const cache = new WeakMap<UiState, Derived>();

function derived(state: UiState): Derived {
  let d = cache.get(state);
  if (d?.view !== state.view) {
    const v = state.view;
    const all = v ? ordered(v.snapshot.assignments, v.facts) : [];
    d = { view: v, query: "", all, shown: all, favorites: new Set(v?.favorites.map((f) => f.key)), activating: new Set(v?.activating) };
    cache.set(state, d);
  }
  if (d.query !== state.query) {
    d.query = state.query;
    d.shown = state.query.trim() === "" ? d.all : d.all.filter((a) => matches(a, state.query));
  }
  return d;
}

/** The items the list shows: ordered, then searched (every item, not only the rendered rows). */
export function shown(state: UiState): Assignment[] {
  return derived(state).shown;
}

export function starred(state: UiState, key: string): boolean {
  return derived(state).favorites.has(key);
}

/** The assignment's privilege tier, as the core computed it. */
export function tierOf(state: UiState, key: string): Tier | undefined {
  return state.view?.facts[key]?.tier;
}

export function activating(state: UiState, a: Assignment): boolean {
  return a.status === "active" && derived(state).activating.has(a.key);
}

/** A form field's trimmed value, or null when empty or absent. */
export function field(data: FormData | null, name: string): string | null {
  const v = data?.get(name);
  return typeof v === "string" && v.trim() !== "" ? v.trim() : null;
}

/** Runs one item's request: busy meanwhile, then its outcome or its error next to it.
 *  `render` is called before and after; a successful request closes the open form. */
export async function act(state: UiState, render: () => void, key: string, run: () => Promise<RequestOutcome | null>): Promise<void> {
  state.busy.add(key);
  state.errors.delete(key);
  state.outcomes.delete(key);
  render();
  try {
    const outcome = await run();
    if (outcome) state.outcomes.set(key, outcome.state);
    state.formFor = null;
  } catch (err: unknown) {
    state.errors.set(key, toErrorPayload(err));
  } finally {
    state.busy.delete(key);
    render();
  }
}
