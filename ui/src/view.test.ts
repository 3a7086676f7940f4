import { beforeEach, describe, expect, it, vi } from "vitest";
import type { AppInfo } from "./bindings/AppInfo";
import type { Backend } from "./ipc";
import { ElevateError, toErrorPayload } from "./ipc";
import { footerText, mount } from "./view";

const info: AppInfo = { name: "Elevate", version: "0.1.0", mode: "demo" };

function backend(overrides: Partial<Backend> = {}): Backend {
  return {
    appInfo: () => Promise.resolve(info),
    closePopup: vi.fn(() => Promise.resolve()),
    ...overrides,
  };
}

describe("popup view", () => {
  let root: HTMLElement;
  beforeEach(() => {
    document.body.innerHTML = '<main id="app"></main>';
    const found = document.getElementById("app");
    if (!found) throw new Error("no root");
    root = found;
  });

  it("shows the version and the tenant mode in the footer", async () => {
    await mount(root, backend());
    expect(root.querySelector("footer")?.textContent).toBe("Elevate 0.1.0 · demo tenant");
    expect(root.dataset.ready).toBe("true");
  });

  it("shows a backend error in plain words, with its code", async () => {
    await mount(
      root,
      backend({ appInfo: () => Promise.reject(new Error("backend unavailable")) }),
    );
    const alert = root.querySelector('[role="alert"]');
    expect(alert?.textContent).toBe("backend unavailable");
    expect(alert?.getAttribute("data-code")).toBe("internal");
    expect(root.dataset.ready).toBe("error");
  });

  it("closes on Escape and on the close button", async () => {
    const closePopup = vi.fn(() => Promise.resolve());
    await mount(root, backend({ closePopup }));
    document.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape" }));
    root.querySelector<HTMLButtonElement>("button.close")?.click();
    expect(closePopup).toHaveBeenCalledTimes(2);
  });
});

describe("error normalisation", () => {
  it("keeps an ErrorPayload as it is", () => {
    expect(toErrorPayload({ code: "policy", message: "Justification required" })).toEqual({
      code: "policy",
      message: "Justification required",
    });
  });
  it("keeps the code of a thrown ElevateError", () => {
    const err = new ElevateError({ code: "policy", message: "Ticket required" });
    expect(err).toBeInstanceOf(Error);
    expect(toErrorPayload(err)).toEqual({ code: "policy", message: "Ticket required" });
  });
  it("wraps strings and unknown values", () => {
    expect(toErrorPayload("boom")).toEqual({ code: "internal", message: "boom" });
    expect(toErrorPayload(42).code).toBe("internal");
  });
  it("labels a tenant run", () => {
    expect(footerText({ ...info, mode: "tenant" })).toBe("Elevate 0.1.0 · your tenant");
  });
});
