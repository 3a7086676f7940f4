import { describe, expect, it, vi } from "vitest";
import type { DoctorReport } from "./bindings/DoctorReport";
import { connectionSection, verdict } from "./doctor";
import { ElevateError } from "./ipc";

function report(over: Partial<DoctorReport> = {}): DoctorReport {
  return {
    version: "0.1.0",
    checkedAt: "2026-11-30T10:00:00Z",
    cloud: "public",
    tenant: "contoso.onmicrosoft.com",
    clientId: "14d82eec-… (Microsoft Graph Command Line Tools, the default)",
    armClientId: "04b07795-… (Azure CLI, the default for Azure resources)",
    trustStore: "the system's CA certificates",
    proxy: "http://proxy.contoso.example:3128 (from HTTPS_PROXY)",
    endpoints: [
      {
        name: "Sign-in",
        url: "https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration",
        checks: [
          { kind: "proxy", status: "ok", detail: "http://proxy.contoso.example:3128 (from HTTPS_PROXY)", fix: null, millis: null },
          { kind: "tcp", status: "ok", detail: "connected to the proxy at 10.1.2.3:3128", fix: null, millis: 4 },
          {
            kind: "tls",
            status: "fail",
            detail: "TLS: certificate issued by Contoso Inspection CA is not trusted by this system",
            fix: "install its CA in this system's trust store",
            millis: 12,
          },
          { kind: "http", status: "skipped", detail: "not tried: an earlier step failed", fix: null, millis: null },
        ],
      },
      {
        name: "Microsoft Graph",
        url: "https://graph.microsoft.com/v1.0/organization",
        checks: [{ kind: "http", status: "ok", detail: "GET answered 401", fix: null, millis: 80 }],
      },
    ],
    ok: false,
    text: "Elevate 0.1.0 connection check\n…\nResult: 1 check failed (Sign-in: tls).\n",
    ...over,
  };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

function mount(check: () => Promise<DoctorReport>, copy = vi.fn(() => Promise.resolve())): { root: HTMLElement; copy: typeof copy; click: () => Promise<void> } {
  const root = connectionSection(check, copy);
  document.body.replaceChildren(root);
  const button = [...root.querySelectorAll("button")].find((b) => b.textContent === "Check connection");
  if (!button) throw new Error("no Check connection button");
  return {
    root,
    copy,
    click: async () => {
      button.click();
      await flush();
      await flush();
    },
  };
}

describe("connection check in the settings window", () => {
  it("shows each endpoint's checks, the failure with what to do, and copies the core's text", async () => {
    const check = vi.fn(() => Promise.resolve(report()));
    const { root, copy, click } = mount(check);
    expect(root.querySelector(".doctor-report")).toBeNull();
    await click();
    expect(check).toHaveBeenCalledTimes(1);
    const verdictLine = root.querySelector(".verdict");
    expect(verdictLine?.textContent).toBe("1 check failed: Sign-in: tls.");
    expect(verdictLine?.getAttribute("role")).toBe("alert");
    const tls = root.querySelector('[data-endpoint="Sign-in"] [data-kind="tls"]');
    expect(tls?.getAttribute("data-status")).toBe("fail");
    expect(tls?.textContent).toContain("issued by Contoso Inspection CA");
    expect(tls?.querySelector(".fix")?.textContent).toBe("What to do: install its CA in this system's trust store");
    expect(root.querySelector('[data-kind="http"] .badge')?.textContent).toBe("not tried");
    expect(root.textContent).toContain("Proxy: http://proxy.contoso.example:3128 (from HTTPS_PROXY)");
    expect(root.querySelector("pre")?.textContent).toBe(report().text);
    const copyButton = [...root.querySelectorAll("button")].find((b) => b.textContent === "Copy report");
    copyButton?.click();
    await flush();
    expect(copy).toHaveBeenCalledWith(report().text);
    expect(root.textContent).toContain("Copied.");
  });

  it("says when all is well, and shows an error in the backend's words", async () => {
    const healthy = report({ ok: true, endpoints: [report().endpoints[1]].filter((e) => e !== undefined) });
    expect(verdict(healthy)).toBe("Every check passed.");
    const { root, click } = mount(() => Promise.reject(new ElevateError({ code: "unsupported", message: "Elevate is still starting." })));
    await click();
    expect(root.querySelector(".error")?.textContent).toBe("Elevate is still starting.");
    const button = root.querySelector("button");
    expect(button?.disabled).toBe(false);
    expect(button?.textContent).toBe("Check connection");
  });

  it("says when copying failed", async () => {
    const { root, click } = mount(() => Promise.resolve(report({ ok: true })), vi.fn(() => Promise.reject(new Error("denied"))));
    await click();
    [...root.querySelectorAll("button")].find((b) => b.textContent === "Copy report")?.click();
    await flush();
    expect(root.textContent).toContain("Could not copy: select the text below.");
  });
});
