// Bundles the CLI entry into dist/cli.js with one lazily loaded chunk per command. Node 20 has no
// module compile cache, so resolving and compiling a few hundred small ESM files of zod and yaml
// cost more than the work itself; one bundle halves `envsync validate` start-up (see bench/).
import { build } from "esbuild";
import { chmodSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";

rmSync("dist/chunks", { recursive: true, force: true });
await build({
  entryPoints: { cli: "src/cli.ts" },
  outdir: "dist",
  chunkNames: "chunks/[name]-[hash]",
  bundle: true,
  splitting: true,
  platform: "node",
  format: "esm",
  target: "node20",
  minify: true,
  // Some CommonJS dependencies call require(); give the ESM bundle one.
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __envsyncRequire } from 'node:module';\nconst require = __envsyncRequire(import.meta.url);",
  },
  logLevel: "warning",
});

// The bin must be executable for `npx envsync` and a linked install; esbuild writes 0644.
chmodSync("dist/cli.js", 0o755);

// Precompile the bundled templates; loadTemplates() uses a spec only while its source hash matches.
const { precompiledModule } = await import("../dist/compile/templates.js");
writeFileSync("dist/precompiled-templates.js", await precompiledModule("templates"));

// The runtime of the Duo flows: the whole CLI in one file, no chunks and no node_modules, that
// `envsync ci --write` commits as .gitlab/duo/envsync.mjs, so a flow's job needs nothing installed
// from anywhere. Its first line names the version; it must stay small enough to commit.
const { version } = JSON.parse(readFileSync("package.json", "utf8"));
await build({
  entryPoints: ["src/cli.ts"],
  outfile: "dist/envsync-runtime.mjs",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  minify: true,
  define: { __ENVSYNC_VERSION__: JSON.stringify(version) },
  banner: {
    js: `#!/usr/bin/env node\n// envsync runtime ${version}: written by \`envsync ci --write\`; do not edit.\nimport { createRequire as __envsyncRequire } from 'node:module';\nconst require = __envsyncRequire(import.meta.url);`,
  },
  logLevel: "warning",
});
chmodSync("dist/envsync-runtime.mjs", 0o755);
const size = statSync("dist/envsync-runtime.mjs").size;
if (size > 2 * 1024 * 1024)
  throw new Error(`dist/envsync-runtime.mjs is ${size} bytes; the limit is 2 MiB`);
