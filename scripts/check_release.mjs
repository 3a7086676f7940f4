// The release plan past this machine, checked here since it cannot run here: every Tauri
// config (the base and each platform's or the release's overlay, merged as the CLI merges
// them) is valid against the Tauri CLI's own schema, and the workflows say what the README
// promises (three platforms on push; on a tag the installers, signing and updater artefacts).
// Usage: node scripts/check_release.mjs   (exit 1 with each problem named)

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const Ajv = require("ajv");
const yaml = require("js-yaml");

const problems = [];
const read = (path) => readFileSync(new URL(`../${path}`, import.meta.url), "utf8");
const schema = JSON.parse(read("node_modules/@tauri-apps/cli/config.schema.json"));
const ajv = new Ajv({ allErrors: true, schemaId: "auto", unknownFormats: "ignore", logger: false });
const validate = ajv.compile(schema);

// RFC 7396 merge patch, as the Tauri CLI applies platform and --config files.
function merge(base, patch) {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const out = { ...(base && typeof base === "object" && !Array.isArray(base) ? base : {}) };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = merge(out[k], v);
  }
  return out;
}

const base = JSON.parse(read("tauri.conf.json"));
for (const overlay of [null, "tauri.windows.conf.json", "tauri.macos.conf.json", "tauri.release.conf.json"]) {
  const config = overlay ? merge(base, JSON.parse(read(overlay))) : base;
  if (!validate(config)) {
    for (const e of validate.errors) problems.push(`${overlay ?? "tauri.conf.json"}: ${e.dataPath} ${e.message}`);
  }
}
const win = merge(base, JSON.parse(read("tauri.windows.conf.json")));
if (!String(win.bundle?.windows?.signCommand ?? "").includes("%1")) problems.push("Windows signCommand must take the file as %1");
for (const t of ["nsis", "msi"]) if (!win.bundle.targets.includes(t)) problems.push(`Windows bundles lack ${t}`);
const mac = merge(base, JSON.parse(read("tauri.macos.conf.json")));
for (const t of ["app", "dmg"]) if (!mac.bundle.targets.includes(t)) problems.push(`macOS bundles lack ${t}`);
for (const t of ["deb", "rpm"]) if (!base.bundle.targets.includes(t)) problems.push(`Linux bundles lack ${t}`);
if (JSON.parse(read("tauri.release.conf.json")).bundle?.createUpdaterArtifacts !== true) problems.push("the release config must create the updater artefacts");

const ci = yaml.load(read(".github/workflows/ci.yml"));
const release = yaml.load(read(".github/workflows/release.yml"));
if (!("workflow_call" in ci.on)) problems.push("ci.yml must be callable (release.yml runs it first)");
if (!JSON.stringify(ci.jobs).includes("make test")) problems.push("ci.yml must run make test on Linux");
const oses = JSON.stringify(ci.jobs.other?.strategy?.matrix?.os ?? []);
for (const os of ["windows", "macos"]) if (!oses.includes(os)) problems.push(`ci.yml must build on ${os}`);
if (!release.on?.push?.tags) problems.push("release.yml must run on tags");
const steps = Object.values(release.jobs).flatMap((j) => j.steps ?? []);
const action = steps.find((s) => String(s.uses ?? "").startsWith("tauri-apps/tauri-action@"));
if (!action) problems.push("release.yml must build with tauri-action");
else {
  if (!String(action.with?.args ?? "").includes("--config tauri.release.conf.json")) problems.push("tauri-action must use tauri.release.conf.json");
  for (const key of ["TAURI_SIGNING_PRIVATE_KEY", "APPLE_ID", "APPLE_PASSWORD", "APPLE_TEAM_ID", "APPLE_SIGNING_IDENTITY", "AZURE_CLIENT_ID"]) {
    if (!(key in (action.env ?? {}))) problems.push(`tauri-action lacks ${key}`);
  }
}
const matrix = JSON.stringify(release.jobs.bundle?.strategy?.matrix ?? {});
for (const b of ["nsis,msi", "app,dmg", "deb,rpm"]) if (!matrix.includes(b)) problems.push(`release.yml does not build ${b}`);

if (problems.length) {
  for (const p of problems) console.error(`check_release: ${p}`);
  process.exit(1);
}
console.log("release plan: configs valid for the Tauri CLI schema, workflows complete");
