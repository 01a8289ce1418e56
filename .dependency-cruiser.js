/**
 * Layering rules. Libraries by role, each entered through its `src/index.ts` only:
 *   domain ← contracts ← event-store ← read-models ← messaging ← platform ← apps
 * (an arrow points at what may be imported). The domain is pure; contracts never import storage;
 * storage never imports the Kafka client; apps never import each other; TypeORM only runs
 * migrations, inside the two storage libraries.
 */
/** Test code and test support may reach into what they test. */
const TESTS = '(\\.(spec|int-spec|e2e-spec|bench)\\.ts$|/test/)';

const LIBS = ['domain', 'contracts', 'event-store', 'read-models', 'messaging', 'platform'];

/** What each library may import besides itself and npm packages. */
const MAY_IMPORT = {
  domain: [],
  contracts: ['domain'],
  'event-store': ['domain', 'contracts'],
  'read-models': ['domain', 'contracts', 'event-store'],
  messaging: ['domain', 'contracts', 'event-store', 'read-models'],
  platform: ['domain', 'contracts', 'event-store', 'read-models', 'messaging'],
};

const layering = LIBS.map((lib) => ({
  name: `layering-${lib}`,
  comment: `libs/${lib} may import only: ${MAY_IMPORT[lib].join(', ') || 'nothing of the project'}.`,
  severity: 'error',
  from: { path: `^libs/${lib}/`, pathNot: TESTS },
  to: {
    path: '^(libs|apps|infra|test)/',
    pathNot: [`^libs/${lib}/`, ...MAY_IMPORT[lib].map((other) => `^libs/${other}/src/index\\.ts$`)],
  },
}));

module.exports = {
  forbidden: [
    ...layering,
    {
      name: 'domain-no-node-io',
      comment: 'libs/domain is plain TypeScript: no node built-ins.',
      severity: 'error',
      from: { path: '^libs/domain/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'domain-no-packages',
      comment: 'libs/domain imports no npm package.',
      severity: 'error',
      from: { path: '^libs/domain/' },
      to: { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg'] },
    },
    {
      name: 'libs-through-their-entry-point',
      comment: 'Apps and infra import a library through its index.ts only.',
      severity: 'error',
      from: { path: '^(apps|infra)/', pathNot: TESTS },
      to: { path: '^libs/', pathNot: '^libs/[^/]+/src/index\\.ts$' },
    },
    {
      name: 'libs-through-each-others-entry-point',
      comment: 'A library imports another library through its index.ts only.',
      severity: 'error',
      from: { path: '^libs/([^/]+)/', pathNot: TESTS },
      to: { path: '^libs/', pathNot: ['^libs/$1/', '^libs/[^/]+/src/index\\.ts$'] },
    },
    {
      name: 'apps-do-not-import-apps',
      severity: 'error',
      from: { path: '^apps/([^/]+)/' },
      to: { path: '^apps/', pathNot: '^apps/$1/' },
    },
    {
      name: 'contracts-no-storage-or-kafka',
      comment: 'Contracts are types, schemas and parsers: no database, no broker client.',
      severity: 'error',
      from: { path: '^libs/contracts/' },
      to: { path: 'node_modules/(pg|typeorm|kafkajs)/' },
    },
    {
      name: 'storage-no-kafka',
      comment:
        'The event store and the read models never talk to Kafka; the messaging library does.',
      severity: 'error',
      from: { path: '^libs/(event-store|read-models)/' },
      to: { path: 'node_modules/kafkajs/' },
    },
    {
      name: 'typeorm-only-for-migrations',
      severity: 'error',
      from: { pathNot: '^libs/(event-store|read-models)/src/(migrations/|run-migrations\\.ts$)' },
      to: { path: 'node_modules/typeorm/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^dist/|^node_modules/)' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
};
