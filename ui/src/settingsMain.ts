import "./styles.css";
import { mountSettings } from "./settings";
import { tauriSettings } from "./settingsIpc";

const root = document.getElementById("settings");
if (root) void mountSettings(root, tauriSettings);
