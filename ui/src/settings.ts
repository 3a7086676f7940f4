// The settings window: account(s), tenant and cloud, defaults, reminders, start at login,
// auto-activate favorites, keep popup warm, requests waiting for my approval. The backend
// checks every value again.
import type { Settings } from "./bindings/Settings";
import type { SettingsView } from "./bindings/SettingsView";
import { toErrorPayload } from "./ipc";
import type { SettingsBackend } from "./settingsIpc";

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

/** "15, 5" → [15, 5]; a clear message for anything else. */
export function parseReminders(text: string): number[] | string {
  const parts = text.split(/[\s,;]+/).filter((p) => p.length > 0);
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d+$/.test(p)) return `Reminders: "${p}" is not a number of minutes. Write minutes separated by commas, e.g. 15, 5.`;
    out.push(Number(p));
  }
  return out;
}

const CLOUDS: [string, string][] = [
  ["public", "Global (public)"],
  ["usgov", "US Government"],
  ["china", "China (21Vianet)"],
  ["custom", "Custom endpoints (config file)"],
];

export async function mountSettings(root: HTMLElement, backend: SettingsBackend): Promise<void> {
  const status = el("p", { class: "status", role: "status" });
  const fail = (err: unknown): void => {
    status.replaceChildren(el("span", { class: "error", role: "alert" }, toErrorPayload(err).message));
  };

  const text = (name: string, label: string, value: string | null, hint = ""): HTMLLabelElement =>
    el("label", {}, label, el("input", { name, value: value ?? "", autocomplete: "off" }), ...(hint ? [el("small", {}, hint)] : []));
  const check = (name: string, label: string, on: boolean, hint: string): HTMLLabelElement => {
    const box = el("input", { type: "checkbox", name });
    box.checked = on;
    return el("label", { class: "check" }, box, el("span", {}, label, el("small", {}, hint)));
  };

  const render = (v: SettingsView): void => {
    const s = v.settings;
    const account = el("section", { "aria-label": "Account" }, el("h2", {}, "Account"));
    if (v.account) {
      const out = el("button", { type: "button", class: "secondary" }, "Sign out");
      out.addEventListener("click", () => void backend.signOut().then(render, fail));
      account.append(el("p", {}, `Signed in as ${v.account.username}${v.demo ? " (demo tenant)" : ""}`), out);
    } else {
      const signIn = el("button", { type: "button", class: "primary" }, "Sign in");
      signIn.addEventListener("click", () => {
        signIn.disabled = true;
        signIn.textContent = "Waiting for the browser…";
        void backend.signIn().then(() => backend.get()).then(render, fail);
      });
      account.append(el("p", {}, "Not signed in."), signIn);
    }
    for (const other of v.accounts.filter((a) => a.objectId !== v.account?.objectId)) {
      const sw = el("button", { type: "button", class: "secondary", "aria-label": `Switch to ${other.username}` }, `Switch to ${other.username}`);
      sw.addEventListener("click", () => void backend.switchAccount(other.objectId).then(render, fail));
      account.append(sw);
    }
    if (v.account) {
      const add = el("button", { type: "button", class: "secondary" }, "Sign in with another account…");
      add.addEventListener("click", () => void backend.addAccount().then(render, fail));
      account.append(add);
    }

    const cloud = el("select", { name: "cloud", "aria-label": "Cloud" });
    for (const [value, name] of CLOUDS) {
      const option = el("option", { value }, name);
      option.selected = value === s.cloud;
      cloud.append(option);
    }
    const tenant = el(
      "section",
      { "aria-label": "Tenant" },
      el("h2", {}, "Tenant"),
      text("tenantId", "Tenant ID or domain", s.tenantId, "Empty: any organisation you sign in with."),
      el("label", {}, "Cloud", cloud),
    );
    if (v.demo) {
      for (const input of tenant.querySelectorAll<HTMLInputElement | HTMLSelectElement>("input, select")) input.disabled = true;
      tenant.append(el("small", {}, "The demo runs on its built-in tenant."));
    } else if (v.restartNeeded) {
      tenant.append(el("small", { class: "note" }, "Tenant and cloud apply when Elevate starts next."));
    }

    const defaults = el(
      "section",
      { "aria-label": "Defaults" },
      el("h2", {}, "Defaults"),
      text("defaultJustification", "Justification", s.defaultJustification, "Used when a policy asks for one and you type none."),
      text("defaultTicketSystem", "Ticket system", s.defaultTicketSystem),
      text("defaultTicketNumber", "Ticket number", s.defaultTicketNumber),
      text("defaultDuration", "Duration", s.defaultDuration, "90m, 2h or PT1H; the policy maximum still applies."),
    );
    const behaviour = el(
      "section",
      { "aria-label": "Behaviour" },
      el("h2", {}, "Reminders and start"),
      text("reminders", "Remind before expiry (minutes)", s.reminders.join(", "), "Up to 4, e.g. 15, 5."),
      check("startAtLogin", "Start at login", s.startAtLogin, "Elevate starts in the tray when you log in."),
      check("autoActivateFavorites", "Activate favorites at start", s.autoActivateFavorites, "Those needing approval, a step-up or input are listed for you instead."),
      check("keepPopupWarm", "Keep the popup warm", s.keepPopupWarm, "Opens instantly, at the cost of about 300 MiB of memory all day."),
    );
    const approvals = el(
      "section",
      { "aria-label": "Approvals" },
      el("h2", {}, "Approvals"),
      check("approvals", "Show requests waiting for my approval", s.approvals, "Looks every 2 minutes while Elevate runs; no extra permission is needed beyond what activation uses."),
    );
    const save = el("button", { type: "submit", class: "primary" }, "Save");
    const close = el("button", { type: "button", class: "secondary" }, "Close");
    close.addEventListener("click", () => void backend.close());
    const form = el("form", { "aria-label": "Settings" }, tenant, defaults, behaviour, approvals, el("div", { class: "row" }, save, close), status);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const data = new FormData(form);
      const str = (name: string): string | null => {
        const value = data.get(name);
        return typeof value === "string" && value.trim() !== "" ? value.trim() : null;
      };
      const reminders = parseReminders(str("reminders") ?? "");
      if (typeof reminders === "string") {
        fail({ code: "invalidInput", message: reminders });
        return;
      }
      const next: Settings = {
        tenantId: v.demo ? s.tenantId : str("tenantId"),
        cloud: v.demo ? s.cloud : (str("cloud") ?? s.cloud),
        defaultJustification: str("defaultJustification"),
        defaultTicketSystem: str("defaultTicketSystem"),
        defaultTicketNumber: str("defaultTicketNumber"),
        defaultDuration: str("defaultDuration") ?? "",
        reminders,
        startAtLogin: data.get("startAtLogin") !== null,
        autoActivateFavorites: data.get("autoActivateFavorites") !== null,
        keepPopupWarm: data.get("keepPopupWarm") !== null,
        approvals: data.get("approvals") !== null,
      };
      save.disabled = true;
      void backend.save(next).then(
        (saved) => {
          render(saved);
          status.textContent = "Saved.";
        },
        (err: unknown) => {
          save.disabled = false;
          fail(err);
        },
      );
    });
    root.replaceChildren(el("h1", {}, v.demo ? "Elevate settings (demo)" : "Elevate settings"), account, form);
    if (v.configPath) root.append(el("footer", {}, `Saved in ${v.configPath}`));
    root.dataset.ready = "true";
  };

  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") void backend.close();
  });
  try {
    render(await backend.get());
  } catch (err: unknown) {
    root.replaceChildren(status);
    fail(err);
    root.dataset.ready = "error";
  }
}
