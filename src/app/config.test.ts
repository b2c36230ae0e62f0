import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { renderConfigDocs } from '../../scripts/config-docs.js';
import { ConfigError, loadConfig } from './config.js';

function file(yaml: string): string {
  const path = join(tmpdir(), `sluice-config-${process.pid}-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(path, yaml);
  return path;
}

test('docs/configuration.md is generated from the schema and up to date', () => {
  const onDisk = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
  assert.equal(onDisk, renderConfigDocs(), 'run: node --import tsx scripts/config-docs.ts');
});

test('the shipped example is valid once its secrets are set', () => {
  const { config } = loadConfig({ configPath: 'sluice.example.yaml' }, { SLUICE_ADMIN_TOKEN: 'a'.repeat(20), BACKEND_WRITE_KEY: 'backend-key-1' });
  assert.deepEqual(config.sources.map((s) => [s.name, s.write_keys]), [['backend', ['backend-key-1']], ['web', ['web-public-write-key-1']]]);
  assert.ok(Object.isFrozen(config.server), 'the parsed config is frozen');
});

test('every problem is listed with its path; unknown keys are errors', () => {
  const path = file('server:\n  port: "x"\n  bogus: 1\nsources:\n  - name: a\n    write_keys: [short]\n');
  assert.throws(
    () => loadConfig({ configPath: path }, {}),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.deepEqual(err.problems, [
        'server.port: Invalid input: expected number, received string',
        'server: Unrecognized key: "bogus"',
        'sources.0.write_keys.0: a write key has at least 8 characters',
      ]);
      return true;
    },
  );
});

test('missing secrets are named; secrets are read from the environment', () => {
  const path = file('admin_token: "${{ secrets.TOKEN }}"\n');
  assert.throws(() => loadConfig({ configPath: path }, {}), /admin_token: secret TOKEN is not set/);
  assert.equal(loadConfig({ configPath: path }, { TOKEN: 't'.repeat(16) }).config.admin_token, 't'.repeat(16));
});

test('flags beat the environment, which beats the file', () => {
  const path = file('server:\n  port: 9000\ndata_dir: /from-file\n');
  assert.equal(loadConfig({ configPath: path }, {}).config.server.port, 9000);
  assert.equal(loadConfig({ configPath: path }, { PORT: '9100', SLUICE_DATA_DIR: '/from-env' }).config.data_dir, '/from-env');
  assert.equal(loadConfig({ configPath: path, port: 9200 }, { PORT: '9100' }).config.server.port, 9200);
  assert.throws(() => loadConfig({ configPath: path }, { PORT: 'eighty' }), /server.port/);
});

test('a write key used by two sources is an error', () => {
  const path = file('sources:\n  - name: a\n    write_keys: [same-key-1]\n  - name: b\n    write_keys: [same-key-1]\n');
  assert.throws(() => loadConfig({ configPath: path }, {}), /used by both a and b/);
});

test('a webhook named like a source is an error: their events would share one source name', () => {
  const path = file('sources:\n  - name: stripe\n    write_keys: [stripe-key-1]\nwebhooks:\n  - name: stripe\n    kind: stripe\n    secret: whsec_x\n');
  assert.throws(() => loadConfig({ configPath: path }, {}), /webhooks\[0\]\.name: stripe is also the name of a source/);
});

test('store: sqlite by default; postgres needs a URL, from store.url or DATABASE_URL (which wins)', () => {
  assert.equal(loadConfig({ configPath: file('{}\n') }, {}).config.store.backend, 'sqlite');
  const pgOnly = file('store:\n  backend: postgres\n');
  assert.throws(
    () => loadConfig({ configPath: pgOnly }, {}),
    (err: unknown) => err instanceof ConfigError && err.problems.includes('store.url: required when store.backend is postgres (or set DATABASE_URL)'),
  );
  assert.equal(loadConfig({ configPath: pgOnly }, { DATABASE_URL: 'postgres://env@db/sluice' }).config.store.url, 'postgres://env@db/sluice');
  const withUrl = file('store:\n  backend: postgres\n  url: postgres://file@db/sluice\n  schema: analytics\n');
  assert.equal(loadConfig({ configPath: withUrl }, {}).config.store.url, 'postgres://file@db/sluice');
  assert.equal(loadConfig({ configPath: withUrl }, { DATABASE_URL: 'postgres://env@db/x' }).config.store.url, 'postgres://env@db/x');
  assert.throws(() => loadConfig({ configPath: file('store:\n  schema: "Bad-Name"\n') }, {}), ConfigError);
});

test('the role: key, then SLUICE_ROLE, then --role; ingest and worker need the NATS log', () => {
  const nats = file('role: ingest\nlog: { backend: nats }\n');
  assert.equal(loadConfig({ configPath: nats }, {}).config.role, 'ingest');
  assert.equal(loadConfig({ configPath: nats }, { SLUICE_ROLE: 'worker' }).config.role, 'worker');
  assert.equal(loadConfig({ configPath: nats, role: 'all' }, { SLUICE_ROLE: 'worker' }).config.role, 'all');
  assert.equal(loadConfig({}, {}).config.role, 'all', 'the default does everything');
  const problemsOf = (f: () => unknown): string[] => {
    try {
      f();
    } catch (err) {
      if (err instanceof ConfigError) return err.problems;
      throw err;
    }
    return [];
  };
  assert.deepEqual(problemsOf(() => loadConfig({ configPath: nats }, { SLUICE_ROLE: 'both' })), ['role: both is not a role (all, ingest or worker)']);
  assert.match(problemsOf(() => loadConfig({ role: 'worker' }, {}))[0] ?? '', /^role: worker needs log.backend nats: the embedded SQLite log belongs to one process/);
});
