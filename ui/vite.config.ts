import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  root,
  clearScreen: false,
  server: { port: 5173, strictPort: true, host: "127.0.0.1" },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    rollupOptions: {
      // Three pages: the popup, the settings window and the command palette.
      input: { index: `${root}index.html`, settings: `${root}settings.html`, palette: `${root}palette.html` },
    },
  },
  test: {
    root,
    environment: "jsdom",
    include: ["src/**/*.test.ts"],
  },
});
