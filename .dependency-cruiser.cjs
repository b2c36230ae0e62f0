// Import direction, checked in CI (`npm run lint`). The rules are the layout in docs/architecture.md.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: 'no-cycles', severity: 'error', comment: 'Cycles make the one-way data flow impossible to read.', from: {}, to: { circular: true } },
    { name: 'core-is-a-leaf', severity: 'error', comment: 'core/ holds the event model and shared types; it imports nothing else from src/.', from: { path: '^src/core/' }, to: { path: '^src/(?!core/)' } },
    { name: 'log-sees-core-only', severity: 'error', from: { path: '^src/log/' }, to: { path: '^src/(?!core/|log/)' } },
    { name: 'sources-do-not-see-backends-or-app', severity: 'error', comment: 'Sources receive, check and append through the Log interface.', from: { path: '^src/sources/' }, to: { path: '^src/(backends|app|cli|pipeline|destinations)/' } },
    { name: 'destinations-see-only-core', severity: 'error', from: { path: '^src/destinations/' }, to: { path: '^src/(?!core/|destinations/)' } },
    { name: 'destinations-do-not-see-each-other', severity: 'error', comment: 'Each destination stands alone; shared helpers live in destinations/shared/.', from: { path: '^src/destinations/([^/]+)/' }, to: { path: '^src/destinations/', pathNot: ['^src/destinations/$1/', '^src/destinations/shared/'] } },
    { name: 'only-app-imports-backends', severity: 'error', comment: 'Backends are chosen in one place, the composition root.', from: { path: '^src/(?!app/|backends/)' }, to: { path: '^src/backends/' } },
    { name: 'backends-do-not-see-app', severity: 'error', from: { path: '^src/backends/' }, to: { path: '^src/(app|cli)/' } },
    { name: 'cli-calls-app', severity: 'error', comment: 'The CLI parses arguments and calls app/.', from: { path: '^src/cli/' }, to: { path: '^src/(?!app/|core/|cli/)' } },
    { name: 'no-test-code-in-src', severity: 'error', from: { path: '^src/', pathNot: '\\.test\\.ts$' }, to: { path: '^test/|\\.test\\.ts$' } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
  },
};
