// The settings window: account(s), tenant and cloud, defaults, reminders, start at login,
// auto-activate favorites, keep popup warm, requests waiting for my approval. What the
// organisation's policy sets is shown disabled with "Set by your organisation" and sent back
// unchanged. The backend checks every value again.
import type { Settings } from "./bindings/Settings";
import type { SettingsView } from "./bindings/SettingsView";
import { connectionSection } from "./doctor";
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

/** The words under a control the organisation's policy sets. */
export const SET_BY_ORGANISATION = "Set by your organisation";

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

  let lockedNames: string[] = [];
  const isLocked = (name: string): boolean => lockedNames.includes(name);
  /** Disables a control the policy sets and says so. */
  const lockIfManaged = (name: string, control: HTMLInputElement | HTMLSelectElement): Node[] => {
    if (!isLocked(name)) return [];
    control.disabled = true;
    control.dataset.locked = "true";
    return [el("small", { class: "locked" }, SET_BY_ORGANISATION)];
  };
  const text = (name: string, label: string, value: string | null, hint = ""): HTMLLabelElement => {
    const input = el("input", { name, value: value ?? "", autocomplete: "off" });
    return el("label", {}, label, input, ...(hint ? [el("small", {}, hint)] : []), ...lockIfManaged(name, input));
  };
  const check = (name: string, label: string, on: boolean, hint: string): HTMLLabelElement => {
    const box = el("input", { type: "checkbox", name });
    box.checked = on;
    return el("label", { class: "check" }, box, el("span", {}, label, el("small", {}, hint), ...lockIfManaged(name, box)));
  };

  const render = (v: SettingsView): void => {
    const s = v.settings;
    const managed = v.managed;
    lockedNames = managed.locked;
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
    const tenantHint = managed.allowedTenants.length > 1 ? `Your organisation allows: ${managed.allowedTenants.join(", ")}.` : "Empty: any organisation you sign in with.";
    const tenant = el(
      "section",
      { "aria-label": "Tenant" },
      el("h2", {}, "Tenant"),
      text("tenantId", "Tenant ID or domain", s.tenantId, tenantHint),
      el("label", {}, "Cloud", cloud, ...lockIfManaged("cloud", cloud)),
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
      text("defaultDuration", "Duration", s.defaultDuration, managed.maxDuration ? `90m, 2h or PT1H; at most ${managed.maxDuration}, set by your organisation.` : "90m, 2h or PT1H; the policy maximum still applies."),
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
    const organisation: Node[] = [];
    if (managed.problem) organisation.push(el("p", { class: "error managed-problem", role: "alert" }, managed.problem));
    else if (managed.source) organisation.push(el("p", { class: "note managed" }, `Some settings are managed by your organisation (${managed.source}).`));
    const form = el("form", { "aria-label": "Settings" }, ...organisation, tenant, defaults, behaviour, approvals, el("div", { class: "row" }, save, close), status);
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
      // Disabled controls are not in the form's data: what the policy sets is sent back as shown.
      const box = (name: "startAtLogin" | "autoActivateFavorites" | "keepPopupWarm" | "approvals"): boolean => (isLocked(name) ? s[name] : data.get(name) !== null);
      const next: Settings = {
        tenantId: v.demo || isLocked("tenantId") ? s.tenantId : str("tenantId"),
        cloud: v.demo || isLocked("cloud") ? s.cloud : (str("cloud") ?? s.cloud),
        defaultJustification: str("defaultJustification"),
        defaultTicketSystem: str("defaultTicketSystem"),
        defaultTicketNumber: str("defaultTicketNumber"),
        defaultDuration: str("defaultDuration") ?? "",
        reminders,
        startAtLogin: box("startAtLogin"),
        autoActivateFavorites: box("autoActivateFavorites"),
        keepPopupWarm: box("keepPopupWarm"),
        approvals: box("approvals"),
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
    if (backend.checkConnection) root.append(connectionSection(backend.checkConnection));
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
