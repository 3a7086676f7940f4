import "./styles.css";
import { mountPalette } from "./paletteView";
import { tauriPalette } from "./paletteIpc";

const root = document.getElementById("palette");
if (root) void mountPalette(root, tauriPalette);
