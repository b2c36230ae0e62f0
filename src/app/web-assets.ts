// Where the dashboard and tracker bundles come from. Compiled, the server reads dist/web/ (written by `npm run build`)
// next to its own files. Run from TypeScript sources (tests, tsx), it bundles web/ in memory with the same build
// script, so a test never serves a stale bundle and `npm test` needs no build first.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export interface WebAsset {
  body: Buffer;
  gzip: Buffer;
  type: string;
  etag: string;
}

export const WEB_FILES = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  't.js': 'text/javascript; charset=utf-8',
} as const;
export type WebFile = keyof typeof WEB_FILES;
export type WebAssets = ReadonlyMap<WebFile, WebAsset>;

/** The bundles cannot be served; the message says what to do. */
export class WebAssetsUnavailable extends Error {}

const FROM_SOURCES = import.meta.url.endsWith('.ts');

function asset(name: WebFile, contents: Uint8Array): WebAsset {
  const body = Buffer.from(contents);
  return { body, gzip: gzipSync(body, { level: 9 }), type: WEB_FILES[name], etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` };
}

function fromFiles(files: Record<string, Uint8Array | undefined>): WebAssets {
  const out = new Map<WebFile, WebAsset>();
  for (const name of Object.keys(WEB_FILES) as WebFile[]) {
    const contents = files[name];
    if (contents === undefined) throw new WebAssetsUnavailable(`the web bundle has no ${name}`);
    out.set(name, asset(name, contents));
  }
  return out;
}

/** Reads the bundles `npm run build` wrote; dir ends with a slash. */
export function readBuiltAssets(dir = fileURLToPath(new URL('../web/', import.meta.url))): WebAssets {
  const files: Record<string, Uint8Array | undefined> = {};
  for (const name of Object.keys(WEB_FILES)) {
    if (!existsSync(dir + name)) {
      throw new WebAssetsUnavailable(`The dashboard is not built (no ${dir}${name}). Run \`npm run build\`.`);
    }
    files[name] = readFileSync(dir + name);
  }
  return fromFiles(files);
}

async function bundleFromSources(): Promise<WebAssets> {
  // A computed specifier: the build script sits outside src/ and is never part of the compiled server.
  const script = new URL('../../scripts/build-web.mjs', import.meta.url).href;
  const { bundleWeb } = (await import(script)) as { bundleWeb: () => Promise<Record<string, Uint8Array>> };
  try {
    return fromFiles(await bundleWeb());
  } catch (err) {
    throw new WebAssetsUnavailable(`bundling web/ failed: ${(err as Error).message}`);
  }
}

/** Loads the bundles on first use and keeps them; a failure is not kept, so a later build is picked up. */
export function webAssetsLoader(): () => Promise<WebAssets> {
  let loaded: Promise<WebAssets> | undefined;
  return () => {
    loaded ??= FROM_SOURCES ? bundleFromSources() : Promise.resolve().then(() => readBuiltAssets());
    loaded.catch(() => (loaded = undefined));
    return loaded;
  };
}
