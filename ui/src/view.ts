// Renders the popup. Plain DOM: the popup is small and must paint fast on a cold webview.
import type { AppInfo } from "./bindings/AppInfo";
import type { ErrorPayload } from "./bindings/ErrorPayload";
import type { Backend } from "./ipc";
import { toErrorPayload } from "./ipc";

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

export function footerText(info: AppInfo): string {
  const mode = info.mode === "demo" ? "demo tenant" : "your tenant";
  return `${info.name} ${info.version} · ${mode}`;
}

export function errorView(error: ErrorPayload): HTMLElement {
  return el(
    "p",
    { class: "error", role: "alert", "data-code": error.code },
    error.message,
  );
}

export async function mount(root: HTMLElement, backend: Backend): Promise<void> {
  const close = el("button", { class: "close", type: "button", "aria-label": "Close Elevate" }, "✕");
  close.addEventListener("click", () => void backend.closePopup());
  const header = el(
    "header",
    {},
    el("img", { src: "/elevate.svg", alt: "", width: "24", height: "24" }),
    el("h1", {}, "Elevate"),
    close,
  );
  const body = el(
    "section",
    { class: "empty", "aria-label": "Assignments" },
    el("p", { class: "lead" }, "Your eligible and active assignments will appear here."),
    el("p", { class: "hint" }, "Entra roles, PIM for Groups and Azure resource roles, one click away."),
  );
  const footer = el("footer", {}, "…");
  root.replaceChildren(header, body, footer);

  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") void backend.closePopup();
  });

  try {
    const info = await backend.appInfo();
    footer.textContent = footerText(info);
    root.dataset.ready = "true";
  } catch (err: unknown) {
    footer.replaceChildren(errorView(toErrorPayload(err)));
    root.dataset.ready = "error";
  }
}
