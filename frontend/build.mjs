// Build the CSS with the Tailwind CLI and copy the vendored JavaScript into the Python
// package, so that a Python-only install serves every asset itself (no CDN, no npm).
//
//   node build.mjs              writes into ../sprintsync/web/static (what `make assets` runs)
//   node build.mjs --out DIR    writes the same files under DIR (the staleness test compares)
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const outFlag = process.argv.indexOf("--out");
const outDir =
  outFlag === -1 ? resolve(here, "../sprintsync/web/static") : resolve(process.argv[outFlag + 1]);

// A few bundles fetch from a CDN at run time; point those URLs at our own files instead.
const REWRITES = {
  "redoc/bundles/redoc.standalone.js": [
    ["https://cdn.redoc.ly/redoc/logo-mini.svg", "/static/favicon.svg"],
  ],
};

mkdirSync(join(outDir, "css"), { recursive: true });
execFileSync(
  join(here, "node_modules/.bin/tailwindcss"),
  ["-i", join(here, "src/app.css"), "-o", join(outDir, "css/app.css"), "--minify"],
  { stdio: "inherit", cwd: here },
);

const vendor = JSON.parse(readFileSync(join(here, "vendor.json"), "utf8"));
for (const [from, to] of Object.entries(vendor)) {
  const target = join(outDir, to);
  mkdirSync(dirname(target), { recursive: true });
  let content = readFileSync(join(here, "node_modules", from));
  for (const [url, local] of REWRITES[from] ?? []) {
    const text = content.toString("utf8");
    if (!text.includes(url)) throw new Error(`${from} no longer contains ${url}`);
    content = Buffer.from(text.split(url).join(local), "utf8");
  }
  writeFileSync(target, content);
  console.log(`vendored ${from} -> ${to}`);
}
