import { beforeEach, describe, expect, it, vi } from "vitest";
import type { Settings } from "./bindings/Settings";
import type { SettingsView } from "./bindings/SettingsView";
import { ElevateError } from "./ipc";
import { mountSettings, parseReminders, SET_BY_ORGANISATION } from "./settings";
import type { SettingsBackend } from "./settingsIpc";

const base: Settings = {
  tenantId: "contoso.onmicrosoft.com",
  cloud: "public",
  defaultJustification: null,
  defaultTicketSystem: null,
  defaultTicketNumber: null,
  defaultDuration: "PT1H",
  reminders: [15, 5],
  startAtLogin: false,
  autoActivateFavorites: false,
  keepPopupWarm: false,
  approvals: false,
};

function sview(over: Partial<SettingsView> = {}): SettingsView {
  return {
    settings: base,
    account: { tenantId: "t", objectId: "me", username: "alex@contoso.example", name: "Alex" },
    accounts: [
      { tenantId: "t", objectId: "me", username: "alex@contoso.example", name: "Alex" },
      { tenantId: "t", objectId: "adm", username: "adm-alex@contoso.example", name: "Alex (admin)" },
    ],
    demo: false,
    configPath: "/home/alex/.config/elevate/config.toml",
    restartNeeded: false,
    managed: { locked: [], allowedTenants: [], allowedClouds: [], maxDuration: null, source: null, problem: null },
    ...over,
  };
}

function backend(over: Partial<SettingsBackend> = {}): SettingsBackend {
  return {
    get: () => Promise.resolve(sview()),
    save: vi.fn((s: Settings) => Promise.resolve(sview({ settings: s }))),
    signIn: vi.fn(() => Promise.resolve()),
    signOut: vi.fn(() => Promise.resolve(sview({ account: null }))),
    switchAccount: vi.fn(() => Promise.resolve(sview())),
    addAccount: vi.fn(() => Promise.resolve(sview())),
    close: vi.fn(() => Promise.resolve()),
    ...over,
  };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

function input(root: HTMLElement, name: string): HTMLInputElement {
  const found = root.querySelector<HTMLInputElement>(`[name="${name}"]`);
  if (!found) throw new Error(`no ${name}`);
  return found;
}

function submit(root: HTMLElement): void {
  root.querySelector("form")?.dispatchEvent(new Event("submit", { cancelable: true }));
}

describe("settings", () => {
  let r: HTMLElement;
  beforeEach(() => {
    document.body.innerHTML = '<main id="settings"></main>';
    const found = document.getElementById("settings");
    if (!found) throw new Error("no root");
    r = found;
  });

  it("parses reminder lead times and says what is wrong", () => {
    expect(parseReminders("15, 5")).toEqual([15, 5]);
    expect(parseReminders("30 10;2")).toEqual([30, 10, 2]);
    expect(parseReminders("")).toEqual([]);
    expect(parseReminders("15, soon")).toContain('"soon" is not a number');
  });

  it("saves every field", async () => {
    const b = backend();
    await mountSettings(r, b);
    input(r, "defaultJustification").value = "on-call";
    input(r, "defaultDuration").value = "2h";
    input(r, "reminders").value = "30, 10";
    input(r, "autoActivateFavorites").checked = true;
    input(r, "startAtLogin").checked = true;
    submit(r);
    await flush();
    expect(b.save).toHaveBeenCalledWith({ ...base, defaultJustification: "on-call", defaultDuration: "2h", reminders: [30, 10], autoActivateFavorites: true, startAtLogin: true });
    expect(r.querySelector(".status")?.textContent).toBe("Saved.");
  });

  it("shows requests waiting for my approval when the box is ticked, and saves it", async () => {
    const b = backend({ get: () => Promise.resolve(sview({ settings: { ...base, approvals: true } })) });
    await mountSettings(r, b);
    const box = input(r, "approvals");
    expect(box.type).toBe("checkbox");
    expect(box.checked).toBe(true);
    const label = box.closest("label");
    expect(label?.textContent).toContain("Show requests waiting for my approval");
    expect(label?.querySelector("small")?.textContent).toBe("Looks every 2 minutes while Elevate runs; no extra permission is needed beyond what activation uses.");
    submit(r);
    await flush();
    expect(b.save).toHaveBeenLastCalledWith({ ...base, approvals: true });
    // The saved view is rendered anew: the box is a new one, still ticked.
    expect(input(r, "approvals").checked).toBe(true);
    input(r, "approvals").checked = false;
    submit(r);
    await flush();
    expect(b.save).toHaveBeenLastCalledWith(base);
  });

  it("refuses bad reminders before sending, and shows the backend's refusal with its limit", async () => {
    const save = vi.fn(() => Promise.reject(new ElevateError({ code: "invalidInput", message: "Reminders: up to 4 lead times, each from 1 to 240 minutes before expiry." })));
    await mountSettings(r, backend({ save }));
    input(r, "reminders").value = "15, later";
    submit(r);
    await flush();
    expect(save).not.toHaveBeenCalled();
    expect(r.querySelector('[role="alert"]')?.textContent).toContain("not a number");
    input(r, "reminders").value = "1000";
    submit(r);
    await flush();
    expect(r.querySelector('[role="alert"]')?.textContent).toContain("up to 4 lead times");
    // What the user typed is still there.
    expect(input(r, "reminders").value).toBe("1000");
  });

  it("switches accounts and signs out", async () => {
    const b = backend();
    await mountSettings(r, b);
    r.querySelector<HTMLButtonElement>('button[aria-label="Switch to adm-alex@contoso.example"]')?.click();
    await flush();
    expect(b.switchAccount).toHaveBeenCalledWith("adm");
    Array.from(r.querySelectorAll("button")).find((x) => x.textContent === "Sign out")?.click();
    await flush();
    expect(b.signOut).toHaveBeenCalled();
    expect(r.textContent).toContain("Not signed in.");
  });

  it("shows what the organisation sets as locked and sends it back unchanged", async () => {
    const locked = { ...base, tenantId: "contoso.onmicrosoft.com", startAtLogin: true, autoActivateFavorites: false };
    const managed = { locked: ["tenantId", "startAtLogin", "autoActivateFavorites"], allowedTenants: ["contoso.onmicrosoft.com"], allowedClouds: [], maxDuration: "PT2H", source: "/etc/elevate/policy.json", problem: null };
    const b = backend({ get: () => Promise.resolve(sview({ settings: locked, managed })) });
    await mountSettings(r, b);
    for (const name of ["tenantId", "startAtLogin", "autoActivateFavorites"]) {
      const control = input(r, name);
      expect(control.disabled).toBe(true);
      expect(control.dataset.locked).toBe("true");
      expect(control.closest("label")?.querySelector("small.locked")?.textContent).toBe(SET_BY_ORGANISATION);
    }
    expect(SET_BY_ORGANISATION).toBe("Set by your organisation");
    // What the user may still choose is not locked.
    for (const name of ["reminders", "keepPopupWarm", "approvals", "defaultDuration"]) expect(input(r, name).disabled).toBe(false);
    expect(r.querySelectorAll("small.locked")).toHaveLength(3);
    expect(r.querySelector("p.managed")?.textContent).toContain("/etc/elevate/policy.json");
    expect(input(r, "defaultDuration").closest("label")?.textContent).toContain("at most PT2H, set by your organisation");
    // Disabled controls are not form data: their shown values are sent as they are.
    input(r, "reminders").value = "30";
    submit(r);
    await flush();
    expect(b.save).toHaveBeenCalledWith({ ...locked, reminders: [30] });
  });

  it("says loudly when the organisation's policy was refused", async () => {
    const problem = "Your organisation's policy (/etc/elevate/policy.json) was refused: not valid JSON. Elevate keeps its safe defaults (MCP off, no favorites at start, sign-in by browser or device code only) until it is fixed.";
    const managed = { locked: ["autoActivateFavorites"], allowedTenants: [], allowedClouds: [], maxDuration: null, source: "/etc/elevate/policy.json", problem };
    await mountSettings(r, backend({ get: () => Promise.resolve(sview({ managed })) }));
    expect(r.querySelector('[role="alert"]')?.textContent).toBe(problem);
    expect(input(r, "autoActivateFavorites").disabled).toBe(true);
  });

  it("names the tenants allowed when there are several", async () => {
    const managed = { locked: [], allowedTenants: ["a.example", "b.example"], allowedClouds: [], maxDuration: null, source: "HKLM\\Software\\Policies\\Elevate", problem: null };
    await mountSettings(r, backend({ get: () => Promise.resolve(sview({ managed })) }));
    expect(input(r, "tenantId").disabled).toBe(false);
    expect(input(r, "tenantId").closest("label")?.textContent).toContain("Your organisation allows: a.example, b.example.");
  });

  it("keeps the demo's tenant fixed", async () => {
    const b = backend({ get: () => Promise.resolve(sview({ demo: true })) });
    await mountSettings(r, b);
    expect(input(r, "tenantId").disabled).toBe(true);
    submit(r);
    await flush();
    expect(b.save).toHaveBeenCalledWith(base);
  });
});
