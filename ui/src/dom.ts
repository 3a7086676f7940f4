// Owns the two DOM helpers every popup module shares: `el` (an element with attributes and
// children) and `errorView` (an error in the backend's words, with its code).
import type { ErrorPayload } from "./bindings/ErrorPayload";

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  // One at a time: `append(...many)` builds a DocumentFragment first (slow in jsdom, no gain elsewhere).
  for (const child of children) node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
  return node;
}

export function errorView(error: ErrorPayload): HTMLElement {
  return el("p", { class: "error", role: "alert", "data-code": error.code }, error.message);
}

/** Records a performance mark, keeping only the latest of that name (the page runs all day). */
export function mark(name: string): void {
  performance.clearMarks(name);
  performance.mark(name);
}

/** Marks `name` once the browser is about to paint the current DOM (for `make bench`). */
export function markNextFrame(name: string): void {
  if (typeof requestAnimationFrame !== "function") return;
  requestAnimationFrame(() => {
    mark(name);
  });
}
