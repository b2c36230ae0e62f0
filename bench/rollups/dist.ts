// The built Sluice (dist/, made by `npm run build` at the start of the bench), loaded at run time, so the rollups
// benchmark runs the code an operator runs. Types come from src/, which dist/ is compiled from.
import { fileURLToPath, pathToFileURL } from 'node:url';

const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));

export async function fromDist<T>(path: string): Promise<T> {
  return (await import(pathToFileURL(`${DIST}${path}`).href)) as T;
}

export { defaultLogOptions } from '../lib/log-options.js';
