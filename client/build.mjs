// Builds the browser client with esbuild (from npm): client/src -> src/parley/web/static/app,
// minified, with source maps; reports the gzipped size and fails above the budget.
// Run by `make install` (so by `make run` and `make test`) when a source changed.

import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

import * as esbuild from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "src/parley/web/static/app");
const BUDGET_KB = 150; // gzipped JavaScript
const EMOJI_VERSION = 15.0; // newer emoji: too few systems have a font for them yet

mkdirSync(out, { recursive: true });
const result = await esbuild.build({
  entryPoints: [join(root, "client/src/main.jsx"), join(root, "client/src/app.css")],
  bundle: true,
  minify: true,
  sourcemap: true,
  format: "esm",
  target: ["es2022"],
  jsx: "automatic",
  jsxImportSource: "preact",
  outdir: out,
  metafile: true,
  logLevel: "warning",
});

// The emoji picker's data (emojibase, from npm), fetched by the client when the picker
// first opens: each emoji with its name, group and search words. Components (skin tones,
// hair) are not reactions of their own.
const emojibase = JSON.parse(readFileSync(join(root, "node_modules/emojibase-data/en/data.json"), "utf8"));
const groups = JSON.parse(readFileSync(join(root, "node_modules/emojibase-data/en/messages.json"), "utf8")).groups;
const picked = emojibase
  .filter((e) => e.group !== undefined && groups[e.group].key !== "component" && e.version <= EMOJI_VERSION)
  .sort((a, b) => a.order - b.order)
  .map((e) => ({ e: e.emoji, n: e.label, g: e.group, t: (e.tags ?? []).join(" ") }));
writeFileSync(
  join(out, "emoji.json"),
  JSON.stringify({ groups: groups.filter((g) => g.key !== "component").map((g) => ({ id: g.order, name: g.message })), emoji: picked }),
);

// The API documentation's Swagger UI (from npm), served with the client, so that the
// package (a wheel, say) carries every file its pages load.
const VENDOR = { "swagger-ui-dist": ["swagger-ui-bundle.js", "swagger-ui.css"] };
for (const [name, files] of Object.entries(VENDOR)) {
  mkdirSync(join(out, "vendor", name), { recursive: true });
  for (const file of files) copyFileSync(join(root, "node_modules", name, file), join(out, "vendor", name, file));
}

const sizes = Object.keys(result.metafile.outputs)
  .filter((file) => file.endsWith(".js") || file.endsWith(".css"))
  .map((file) => {
    const bytes = readFileSync(join(root, file));
    return { file: file.replace(/^.*\/static\//, "static/"), kb: bytes.length / 1024, gzKb: gzipSync(bytes).length / 1024 };
  });
for (const { file, kb, gzKb } of sizes) {
  console.log(`client: ${file} ${kb.toFixed(1)} KB, ${gzKb.toFixed(1)} KB gzipped`);
}
writeFileSync(join(out, "sizes.json"), JSON.stringify(sizes, null, 2));
const js = sizes.filter((size) => size.file.endsWith(".js")).reduce((sum, size) => sum + size.gzKb, 0);
if (js > BUDGET_KB) {
  console.error(`client: ${js.toFixed(1)} KB of gzipped JavaScript, over the ${BUDGET_KB} KB budget`);
  process.exit(1);
}
