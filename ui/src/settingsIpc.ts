// The settings window's door to the Rust side (same error shape and typed command names as
// the popup's). Account commands answer with the new SettingsView; sign_in with nothing.
import type { DoctorReport } from "./bindings/DoctorReport";
import type { Settings } from "./bindings/Settings";
import type { SettingsView } from "./bindings/SettingsView";
import { call } from "./ipc";

export interface SettingsBackend {
  get: () => Promise<SettingsView>;
  save: (settings: Settings) => Promise<SettingsView>;
  signIn: () => Promise<void>;
  signOut: () => Promise<SettingsView>;
  switchAccount: (objectId: string) => Promise<SettingsView>;
  addAccount: () => Promise<SettingsView>;
  close: () => Promise<void>;
  /** The connection check (the settings window's "Check connection"). */
  checkConnection?: () => Promise<DoctorReport>;
}

export const tauriSettings: SettingsBackend = {
  get: () => call<SettingsView>("settings_get"),
  save: (settings) => call<SettingsView>("settings_save", { settings }),
  signIn: () => call<undefined>("sign_in"),
  signOut: () => call<SettingsView>("sign_out"),
  switchAccount: (objectId) => call<SettingsView>("switch_account", { objectId }),
  addAccount: () => call<SettingsView>("add_account"),
  close: () => call<undefined>("close_settings"),
  checkConnection: () => call<DoctorReport>("check_connection"),
};
