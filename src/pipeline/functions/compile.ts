// Turns a function's module (TypeScript or JavaScript, with its local imports and npm packages) into one CommonJS
// script for the sandbox. esbuild bundles with the neutral platform, so an import of a Node built-in (fs, net,
// child_process) fails here, at load, rather than at the first event.
import { createHash } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import { build, type Message } from 'esbuild';

export interface CompiledFunction {
  /** Absolute path of the entry module; the sandbox names the script after it in stack traces. */
  filename: string;
  code: string;
  /** Absolute paths of the project files bundled (node_modules left out): what hot reload watches. */
  inputs: string[];
  /** SHA-256 of the code: a reload that changes nothing keeps the running version. */
  hash: string;
}

export class CompileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CompileError';
  }
}

function formatMessage(m: Message): string {
  const where = m.location === null ? '' : `${m.location.file}:${m.location.line}:${m.location.column + 1}: `;
  const hint = /Could not resolve "(node:)?[a-z_]+"/.test(m.text) ? ' (functions run in a sandbox without Node built-ins; use ctx.fetch and the web APIs)' : '';
  return `${where}${m.text}${hint}`;
}

export async function compileFunction(file: string): Promise<CompiledFunction> {
  const filename = resolve(file);
  let result;
  try {
    result = await build({
      entryPoints: [filename],
      bundle: true,
      write: false,
      format: 'cjs',
      platform: 'neutral',
      mainFields: ['module', 'main'],
      target: 'es2022',
      metafile: true,
      logLevel: 'silent',
    });
  } catch (err) {
    const errors = (err as { errors?: Message[] }).errors;
    if (Array.isArray(errors) && errors.length > 0) throw new CompileError(errors.slice(0, 5).map(formatMessage).join('\n'));
    throw new CompileError(err instanceof Error ? err.message : String(err));
  }
  const code = result.outputFiles[0]?.text ?? '';
  const inputs = Object.keys(result.metafile.inputs)
    .filter((p) => !p.includes('node_modules'))
    .map((p) => (isAbsolute(p) ? p : resolve(p)));
  return { filename, code, inputs, hash: createHash('sha256').update(code).digest('hex') };
}
