// Bundles the dashboard (web/src → app.js + app.css, with index.html) and the browser tracker (web/tracker → t.js).
// `npm run build` writes them to dist/web/; the server imports bundleWeb() to build them in memory when it runs
// from TypeScript sources (tests under tsx), so a test never sees a stale bundle.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const common = { bundle: true, minify: true, write: false, legalComments: 'none', logLevel: 'silent', absWorkingDir: root };

/** @returns {Promise<Record<string, Uint8Array>>} file name → contents */
export async function bundleWeb() {
  const [dashboard, tracker] = await Promise.all([
    build({
      ...common,
      entryPoints: { app: 'web/src/main.tsx' },
      outdir: 'dist/web',
      format: 'esm',
      target: 'es2020',
      jsx: 'automatic',
      jsxImportSource: 'preact',
    }),
    // The tracker runs on customers' sites: an IIFE with no globals but window.sluice, for older browsers too.
    build({ ...common, entryPoints: { t: 'web/tracker/main.ts' }, outdir: 'dist/web', format: 'iife', target: 'es2017' }),
  ]);
  const files = { 'index.html': readFileSync(join(root, 'web/index.html')) };
  for (const out of [...dashboard.outputFiles, ...tracker.outputFiles]) files[out.path.split('/').pop()] = out.contents;
  return files;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = join(root, 'dist/web');
  mkdirSync(dir, { recursive: true });
  for (const [name, contents] of Object.entries(await bundleWeb())) writeFileSync(join(dir, name), contents);
  console.log(`web bundles written to ${dir}`);
}
