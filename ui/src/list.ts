// Owns the list of assignments: a window of rows around what is scrolled into view (and the
// few rows that must stay: the open form and items with an error), spacers for the rest so
// the scrollbar is honest, and keeping row nodes whose content did not change. Moving the
// selection touches the two rows involved; the countdown touches only the time-left text.
import { el } from "./dom";
import type { Row, RowActions } from "./rows";
import { buildRow, isTall, rowSignature, setSelected, updatePick, updateWhen } from "./rows";
import type { UiState } from "./state";
import { shown } from "./state";

/** Height of a row, in CSS pixels (styles.css sizes rows with `--row`, set from this). */
export const ROW_HEIGHT = 76;
/** The fewest rows in the DOM when the list is longer: a few screens of the popup. */
export const WINDOW_ROWS = 40;
/** Rows kept beyond each edge of the viewport at least. */
const OVERSCAN = 10;
/** Rows that left the window kept for when they come back (scrolling back and forth). */
const CACHED_ROWS = 200;
/** The popup's viewport in rows, when it cannot be measured (not laid out yet). */
const ASSUMED_VIEWPORT_ROWS = 8;

export interface ListView {
  /** Renders after a change of the view or the state; rows whose signature is unchanged are kept. */
  render: () => void;
  /** Moves the selection: updates the two rows involved, and scrolls the new one into view
   *  (rendering the window around it when it is outside). */
  select: (index: number) => void;
  /** Centres the window on `index` (for the next render), then `scrollTo` after rendering. */
  center: (index: number) => void;
  scrollTo: (index: number) => void;
  /** Back to the top (a new search). */
  top: () => void;
  /** The countdown: the time left of active rows, nothing else. */
  tick: () => void;
}

interface Deps {
  state: UiState;
  now: () => number;
  actions: RowActions;
}

export function createList(ul: HTMLUListElement, { state, now, actions }: Deps): ListView {
  ul.style.setProperty("--row", `${String(ROW_HEIGHT)}px`);
  /** First index of the window. */
  let start = 0;
  /** The rendered rows, by row id and by index in `shown(state)`. */
  let rows = new Map<string, Row>();
  let at = new Map<number, Row>();
  /** Rows out of the window, least recently shown first (never a tall one: forms are not reused). */
  const cache = new Map<string, Row>();
  /** Rendered tall rows: [index, pixels beyond ROW_HEIGHT], by index. */
  let tall: [number, number][] = [];
  const spacers: HTMLLIElement[] = [];
  const more = el("li", { class: "more", role: "presentation" });
  const empty = el("li", { class: "empty" });

  const viewportRows = (): number => (ul.clientHeight > 0 ? Math.ceil(ul.clientHeight / ROW_HEIGHT) : ASSUMED_VIEWPORT_ROWS);
  const windowSize = (): number => Math.max(WINDOW_ROWS, viewportRows() + 2 * OVERSCAN);

  /** The index of the row at `y` pixels from the top of the list. */
  const indexAt = (y: number): number => {
    let extra = 0;
    for (const [i, px] of tall) {
      const top = i * ROW_HEIGHT + extra;
      if (y < top) break;
      if (y < top + ROW_HEIGHT + px) return i;
      extra += px;
    }
    return Math.max(0, Math.floor((y - extra) / ROW_HEIGHT));
  };

  const spacer = (n: number, rowsHidden: number): HTMLLIElement => {
    let s = spacers[n];
    if (!s) {
      s = el("li", { class: "spacer", role: "presentation", "aria-hidden": "true" });
      spacers.push(s);
    }
    const height = `${String(rowsHidden * ROW_HEIGHT)}px`;
    if (s.style.height !== height) s.style.height = height;
    return s;
  };

  const setText = (node: HTMLElement, text: string): void => {
    if (node.textContent !== text) node.textContent = text;
  };

  function render(): void {
    const focused = document.activeElement;
    const items = shown(state);
    const n = items.length;
    state.selected = Math.max(0, Math.min(state.selected, n - 1));
    const size = windowSize();
    start = Math.max(0, Math.min(start, n - size));
    const end = Math.min(n, start + size);
    const indices: number[] = [];
    if (state.formFor !== null || state.errors.size > 0) {
      // Rows with the open form or an error stay rendered wherever the window is.
      items.forEach((a, i) => {
        if ((i >= start && i < end) || isTall(a, state)) indices.push(i);
      });
    } else {
      for (let i = start; i < end; i++) indices.push(i);
    }
    const nextRows = new Map<string, Row>();
    const nextAt = new Map<number, Row>();
    const nodes: HTMLLIElement[] = [];
    const t = now();
    let after = 0;
    let gaps = 0;
    for (const i of indices) {
      const a = items[i];
      if (!a) continue;
      if (i > after) nodes.push(spacer(gaps++, i - after));
      let id = `${a.key}\u0000${a.status}`;
      while (nextRows.has(id)) id += "+";
      const sig = rowSignature(a, state);
      let row = rows.get(id) ?? cache.get(id);
      if (row?.sig === sig) {
        row.a = a;
        updateWhen(row, state, t);
        updatePick(row, state);
        setSelected(row, i === state.selected);
      } else {
        row = buildRow(a, state, t, i === state.selected, actions, sig);
      }
      nextRows.set(id, row);
      nextAt.set(i, row);
      nodes.push(row.node);
      after = i + 1;
    }
    if (n > after) nodes.push(spacer(gaps++, n - after));
    if (n > size) {
      setText(more, state.query.trim() === "" ? `${String(n)} assignments · type to narrow` : `${String(n)} match · type more to narrow`);
      nodes.push(more);
    }
    if (state.view?.account && n === 0) {
      setText(empty, state.query ? "Nothing matches your search." : "No assignments.");
      nodes.push(empty);
    }
    // Keyed placement: nodes already in place stay; only new, moved and gone ones are touched.
    const keep = new Set<Element>(nodes);
    for (const child of Array.from(ul.children)) if (!keep.has(child)) child.remove();
    let cursor = ul.firstElementChild;
    for (const node of nodes) {
      if (node === cursor) cursor = cursor.nextElementSibling;
      else ul.insertBefore(node, cursor);
    }
    for (const [id, row] of rows) {
      if (nextRows.has(id) || row.node.classList.contains("tall")) continue;
      cache.delete(id);
      cache.set(id, row);
    }
    for (const id of nextRows.keys()) cache.delete(id);
    for (const id of cache.keys()) {
      if (cache.size <= CACHED_ROWS) break;
      cache.delete(id);
    }
    rows = nextRows;
    at = nextAt;
    tall = [];
    for (const [i, row] of at) if (row.node.classList.contains("tall")) tall.push([i, Math.max(0, row.node.offsetHeight - ROW_HEIGHT)]);
    // A form moved into its rebuilt row loses the focus: give it back.
    if (focused instanceof HTMLElement && focused !== document.activeElement && focused.isConnected) focused.focus();
  }

  const scrollTo = (index: number): void => {
    const row: Partial<HTMLElement> | undefined = at.get(index)?.node;
    row?.scrollIntoView?.({ block: "nearest" }); // (absent in jsdom)
  };

  const center = (index: number): void => {
    start = index - Math.floor(windowSize() / 2);
  };

  // Scrolled near an edge of the window (or past it): the window moves to what is in view.
  ul.addEventListener(
    "scroll",
    () => {
      const n = shown(state).length;
      const size = windowSize();
      if (n <= size) return;
      const first = indexAt(ul.scrollTop);
      const last = Math.min(n - 1, indexAt(ul.scrollTop + viewportRows() * ROW_HEIGHT));
      const end = Math.min(n, start + size);
      const above = start === 0 || first - start >= OVERSCAN / 2;
      const below = end === n || end - 1 - last >= OVERSCAN / 2;
      if (above && below) return;
      start = first - Math.floor((size - (last - first + 1)) / 2);
      render();
    },
    { passive: true },
  );

  return {
    render,
    select: (index) => {
      const before = at.get(state.selected);
      state.selected = index;
      const row = at.get(index);
      if (row) {
        if (before) setSelected(before, false);
        setSelected(row, true);
      } else {
        center(index);
        render();
      }
      scrollTo(index);
    },
    center,
    scrollTo,
    top: () => {
      start = 0;
      ul.scrollTop = 0;
    },
    tick: () => {
      const t = now();
      for (const row of at.values()) if (row.a.status === "active") updateWhen(row, state, t);
    },
  };
}
