// `sluice plan codegen` end to end: the CLI writes a typed client for examples/tracking-plan.yaml; the TypeScript
// compiler accepts a program that uses it with @segment/analytics-node and refuses wrong calls with the expected
// diagnostics; and the client, driving the real SDK, gets its events through a server that blocks violations.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { Analytics } from '@segment/analytics-node';
import ts from 'typescript';
import { allEvents, type ServerProcess, startServer, tempDataDir } from '../helpers/server-process.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const PLAN = fileURLToPath(new URL('../../examples/tracking-plan.yaml', import.meta.url));
const SDK = fileURLToPath(new URL('../../node_modules/@segment/analytics-node', import.meta.url));
const WRITE_KEY = 'codegen-write-key-01';
const TOKEN = 'admin-token-for-codegen-01';

let dir: string;
let server: ServerProcess;

before(async () => {
  dir = tempDataDir('sluice-codegen-');
  await promisify(execFile)(process.execPath, ['--import', 'tsx', CLI, 'plan', 'codegen', '--plan', PLAN, '--lang', 'ts', '--out', join(dir, 'client.ts')]);
  // The temp dir is outside the repo: the tsconfig points the SDK's import at this repo's node_modules.
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, types: [], paths: { '@segment/analytics-node': [SDK] } },
    }),
  );
  const config = join(dir, 'sluice.yaml');
  writeFileSync(config, `sources:\n  - { name: app, write_keys: [${WRITE_KEY}], tracking_plan: { file: ${JSON.stringify(PLAN)}, mode: block, unplanned_events: block } }\n`);
  server = await startServer({ dataDir: join(dir, 'data'), args: ['--config', config], env: { SLUICE_ADMIN_TOKEN: TOKEN } });
});
after(async () => {
  await server.stop();
});

/** Type-checks one file of the temp dir with its tsconfig; returns each diagnostic's line (1-based), code and text. */
function compile(file: string): { line: number; code: number; text: string }[] {
  const parsed = ts.getParsedCommandLineOfConfigFile(join(dir, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => assert.fail(String(d.messageText)) })!;
  const program = ts.createProgram([join(dir, file)], parsed.options);
  return ts.getPreEmitDiagnostics(program).map((d) => ({
    line: d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0,
    code: d.code,
    text: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
  }));
}

test('the generated client has one typed function per event and per planned call', () => {
  const code = readFileSync(join(dir, 'client.ts'), 'utf8');
  for (const fn of ['productViewed', 'orderCompleted', 'signedUp', 'identify', 'page', 'group', 'createTypedAnalytics']) assert.match(code, new RegExp(`export function ${fn}\\(`));
  assert.match(code, /currency: "EUR" \| "USD" \| "GBP";/, 'enums become literal unions');
  assert.match(code, /products\?: Array<\{\n\s+product_id: string;\n\s+quantity: number;\n\s+price\?: number;\n\s+\}>;/, 'arrays of nested objects, required and optional keys');
  assert.match(code, /coupon\?: string \| null;/, 'type lists become unions');
  assert.match(code, /\/\*\* Total paid, taxes included\. \*\//, 'descriptions become doc comments');
});

test('a program using the client with @segment/analytics-node compiles cleanly', () => {
  writeFileSync(
    join(dir, 'good.ts'),
    `import { Analytics } from '@segment/analytics-node';
import { createTypedAnalytics, identify, orderCompleted } from './client.js';

const analytics = new Analytics({ writeKey: 'key' });
const typed = createTypedAnalytics(analytics);
typed.orderCompleted({ userId: 'u1', properties: { order_id: 'o1', revenue: 42.5, currency: 'EUR', products: [{ product_id: 'p1', quantity: 2 }] } });
typed.signedUp({ anonymousId: 'a1', properties: { plan: 'pro' }, timestamp: new Date() });
typed.page({ userId: 'u1', name: 'Home', properties: { path: '/', title: 'anything else is allowed here' } });
typed.group({ userId: 'u1', groupId: 'acme', traits: { employees: 12 } });
orderCompleted(analytics, { userId: 'u1', properties: { order_id: 'o2', revenue: 1, currency: 'USD', coupon: null } });
identify(analytics, { userId: 'u1', traits: { email: 'ada@example.com', address: { city: 'Paris' } } });
// Any object with the methods used fits too.
orderCompleted({ track: (m) => m.event }, { userId: 'u1', properties: { order_id: 'o3', revenue: 0, currency: 'GBP' } });
`,
  );
  assert.deepEqual(compile('good.ts'), []);
});

test('wrong calls are type errors, each with the expected diagnostic', () => {
  // Each wrong call sits on its own line, marked with the diagnostic code it must produce.
  const lines = [
    `import { Analytics } from '@segment/analytics-node';`,
    `import { orderCompleted, signedUp, identify } from './client.js';`,
    `const analytics = new Analytics({ writeKey: 'key' });`,
    `orderCompleted(analytics, { userId: 'u', properties: { order_id: 'o', revenue: '12', currency: 'EUR' } }); // TS2322 Type 'string' is not assignable to type 'number'`,
    `orderCompleted(analytics, { userId: 'u', properties: { order_id: 'o', revenue: 1, currency: 'JPY' } }); // TS2322 Type '"JPY"' is not assignable to type '"EUR" | "USD" | "GBP"'`,
    `orderCompleted(analytics, { userId: 'u', properties: { revenue: 1, currency: 'EUR' } }); // TS2741 Property 'order_id' is missing`,
    `orderCompleted(analytics, { userId: 'u', properties: { order_id: 'o', revenue: 1, currency: 'EUR', coupon_code: 'X' } }); // TS2353 'coupon_code' does not exist in type 'OrderCompletedProperties'`,
    `signedUp(analytics, { userId: 'u' }); // TS2345 is not assignable to parameter of type 'Call & { properties: SignedUpProperties; }'`,
    `orderCompleted(analytics, { userId: 'u', properties: { order_id: 'o', revenue: 1, currency: 'EUR', products: [{ product_id: 'p', quantity: '2' }] } }); // TS2322 Type 'string' is not assignable to type 'number'`,
    `identify(analytics, { traits: { email: 'a@b.c' } }); // TS2345 is not assignable to parameter`,
  ];
  writeFileSync(join(dir, 'bad.ts'), `${lines.join('\n')}\n`);
  const diagnostics = compile('bad.ts');
  lines.forEach((text, i) => {
    const expected = /\/\/ TS(\d+) (.*)$/.exec(text);
    const here = diagnostics.filter((d) => d.line === i + 1);
    if (expected === null) return assert.deepEqual(here, [], `line ${i + 1} compiles`);
    assert.ok(
      here.some((d) => d.code === Number(expected[1]) && d.text.includes(expected[2]!)),
      `line ${i + 1}: expected TS${expected[1]} "${expected[2]}", got ${JSON.stringify(here)}`,
    );
  });
});

test('the client, driving the real SDK, gets valid events through a source that blocks violations', async () => {
  // Generated at run time, so typed loosely here; its own types were checked above.
  type Send = (message: Record<string, unknown>) => void;
  const client = (await import(pathToFileURL(join(dir, 'client.ts')).href)) as { createTypedAnalytics(a: Analytics): Record<'orderCompleted' | 'signedUp' | 'identify' | 'page' | 'group', Send> };
  const analytics = new Analytics({ writeKey: WRITE_KEY, host: server.url, flushAt: 5, flushInterval: 50 });
  const errors: unknown[] = [];
  analytics.on('error', (err) => errors.push(err));
  const typed = client.createTypedAnalytics(analytics);
  typed.orderCompleted({ userId: 'u1', messageId: 'cg-1', properties: { order_id: 'o1', revenue: 42.5, currency: 'EUR', products: [{ product_id: 'p1', quantity: 2 }] } });
  typed.signedUp({ anonymousId: 'a1', messageId: 'cg-2', properties: { plan: 'pro' } });
  typed.identify({ userId: 'u1', messageId: 'cg-3', traits: { email: 'ada@example.com', created_at: '2025-01-15T10:00:00Z' } });
  typed.page({ userId: 'u1', messageId: 'cg-4', name: 'Home', properties: { path: '/' } });
  typed.group({ userId: 'u1', messageId: 'cg-5', groupId: 'acme', traits: { name: 'Acme', employees: 12 } });
  await analytics.closeAndFlush({ timeout: 10_000 });
  assert.deepEqual(errors, []);

  const events = (await allEvents({ url: server.url, adminToken: TOKEN })).map((e) => e.event);
  assert.deepEqual(events.map((e) => e.messageId).sort(), ['cg-1', 'cg-2', 'cg-3', 'cg-4', 'cg-5']);
  const order = events.find((e) => e.messageId === 'cg-1')!;
  assert.equal(order.event, 'Order Completed');
  assert.deepEqual(order.properties, { order_id: 'o1', revenue: 42.5, currency: 'EUR', products: [{ product_id: 'p1', quantity: 2 }] });
  assert.ok(events.every((e) => (e.context as { sluice?: unknown }).sluice === undefined), 'no event is marked');
});
