// The one door to the Rust side. Every command rejects with an ErrorPayload ({code, message});
// anything else (a bug, a missing permission) is normalised to that shape here.
import { invoke } from "@tauri-apps/api/core";
import type { AppInfo } from "./bindings/AppInfo";
import type { ErrorPayload } from "./bindings/ErrorPayload";

export function isErrorPayload(value: unknown): value is ErrorPayload {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Record<string, unknown>).code === "string" &&
    typeof (value as Record<string, unknown>).message === "string"
  );
}

/** A rejected command, as thrown inside the popup: an Error that keeps the backend's code. */
export class ElevateError extends Error {
  readonly code: string;
  constructor(payload: ErrorPayload) {
    super(payload.message);
    this.name = "ElevateError";
    this.code = payload.code;
  }
}

export function toErrorPayload(value: unknown): ErrorPayload {
  if (value instanceof ElevateError) return { code: value.code, message: value.message };
  if (isErrorPayload(value)) return { code: value.code, message: value.message };
  if (value instanceof Error) return { code: "internal", message: value.message };
  if (typeof value === "string") return { code: "internal", message: value };
  return { code: "internal", message: "Unexpected error from the Elevate backend." };
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (err: unknown) {
    throw new ElevateError(toErrorPayload(err));
  }
}

/** The backend as the popup sees it; tests pass their own implementation. */
export interface Backend {
  appInfo(): Promise<AppInfo>;
  closePopup(): Promise<void>;
}

export const tauriBackend: Backend = {
  appInfo: () => call<AppInfo>("app_info"),
  closePopup: () => call<undefined>("close_popup"),
};
