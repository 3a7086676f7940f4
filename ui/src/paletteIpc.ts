// The command palette's door to the Rust side: its items, one request (Enter, Shift+Enter,
// Del), closing itself. Same error shape and typed command names as the popup's.
import type { AppInfo } from "./bindings/AppInfo";
import type { PaletteItem } from "./bindings/PaletteItem";
import type { PaletteOutcome } from "./bindings/PaletteOutcome";
import type { PaletteRequest } from "./bindings/PaletteRequest";
import { call } from "./ipc";

export interface PaletteBackend {
  appInfo: () => Promise<AppInfo>;
  items: () => Promise<PaletteItem[]>;
  /** Runs the request; rules the user can meet come back as the fields to ask for (`needs`). */
  run: (request: PaletteRequest) => Promise<PaletteOutcome>;
  close: () => Promise<void>;
}

export const tauriPalette: PaletteBackend = {
  appInfo: () => call<AppInfo>("app_info"),
  items: () => call<PaletteItem[]>("palette_items"),
  run: (request) => call<PaletteOutcome>("palette_run", { request }),
  close: () => call<undefined>("close_palette"),
};
