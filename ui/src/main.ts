import "./styles.css";
import { tauriBackend } from "./ipc";
import { mount } from "./view";

const root = document.getElementById("app");
if (root) void mount(root, tauriBackend);
