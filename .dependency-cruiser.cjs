/**
 * The layer rules, checked on every `npm test` (test/architecture.spec.ts) and by `npm run lint:deps`.
 * Paths are resolved through tsconfig.json, so `@ledger/x` lands on libs/x/src like any relative import.
 * Domain and read-models specs are left out of the purity rules, as the hand-rolled specs before them did: tests may read files.
 * What an import graph cannot see (a clock, randomness, `process`) stays in libs/domain and libs/sheets-io purity.spec.ts.
 */
const SPEC = '\\.spec\\.ts$';
// `@ledger/contracts/events` itself, not a file inside it, as the specs before allowed.
const EVENTS = '^libs/contracts/src/events/index\\.ts$';
// The county's UTC offset: a constant, no clock.
const COUNTY_TIME = '^libs/contracts/src/county-time\\.ts$';
const VIEWS = '^libs/contracts/src/http/views\\.ts$';

module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'libs/domain decides from events alone: nothing of ours but the event catalogue, no package, no Node module.',
      severity: 'error',
      from: { path: '^libs/domain/src/', pathNot: SPEC },
      to: { pathNot: ['^libs/domain/src/', EVENTS] },
    },
    {
      name: 'libs-never-import-apps',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^apps/' },
    },
    {
      name: 'apps-never-import-each-other',
      comment: 'What two apps share lives in a lib.',
      severity: 'error',
      from: { path: '^apps/([^/]+)/', pathNot: '^apps/cli/' },
      to: { path: '^apps/', pathNot: '^apps/$1/' },
    },
    {
      // apps/cli is the launcher: `start --demo`, `demo` and `scale` run the API in-process, through its create-app and nothing else.
      name: 'apps-never-import-each-other',
      severity: 'error',
      from: { path: '^apps/cli/' },
      to: { path: '^apps/', pathNot: ['^apps/cli/', '^apps/api/src/create-app\\.ts$'] },
    },
    {
      name: 'application-few-layers',
      comment:
        'libs/application (the command loop and the use cases beside it) sits on the domain, the contracts, the store, integrity, platform and the pure sheets-io (bytes in, rows out): nothing above it.',
      severity: 'error',
      from: { path: '^libs/application/src/', pathNot: SPEC },
      to: { path: '^libs/', pathNot: '^libs/(application|domain|contracts|event-store|integrity|platform|sheets-io)/' },
    },
    {
      name: 'application-no-http',
      comment: 'Outcomes are values; the API alone turns them into problem details.',
      severity: 'error',
      from: { path: '^libs/application/src/' },
      to: { path: '(^|node_modules/)(@nestjs/|express(/|$)|class-validator(/|$)|class-transformer(/|$))' },
    },
    {
      name: 'no-circular-libs',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^libs/', circular: true },
    },
    {
      name: 'read-models-no-http',
      comment: 'libs/read-models is plain TypeScript + TypeORM, shared by the projector process and the API.',
      severity: 'error',
      from: { path: '^libs/read-models/src/', pathNot: SPEC },
      to: { path: '(^|node_modules/)(@nestjs/|class-validator(/|$)|class-transformer(/|$))' },
    },
    {
      name: 'read-models-platform-types-only',
      comment: '@ledger/platform may open read models itself: only its types here, so no cycle at run time.',
      severity: 'error',
      from: { path: '^libs/read-models/src/', pathNot: [SPEC, '^libs/read-models/src/testing/'] },
      to: { path: '^libs/platform/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'read-models-no-http-contracts',
      comment: 'The pure event catalogue, not the HTTP contracts; of those only the types of the pure response shapes.',
      severity: 'error',
      from: { path: '^libs/read-models/src/', pathNot: SPEC },
      to: { path: ['^libs/contracts/src/index\\.ts$', '^libs/contracts/src/http/'], pathNot: VIEWS },
    },
    {
      name: 'read-models-views-types-only',
      severity: 'error',
      from: { path: '^libs/read-models/src/', pathNot: SPEC },
      to: { path: VIEWS, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'sheets-io-few-packages',
      comment:
        'Bytes in, rows out: no framework, no database, no store, so the API and the CLI can both use it. ' +
        'node:stream collects the streamed workbook; node:zlib and node:string_decoder inflate and decode its parts a chunk at a time; docx writes the 督查通报.',
      severity: 'error',
      from: { path: '^libs/sheets-io/src/', pathNot: SPEC },
      to: {
        pathNot: [
          '^libs/sheets-io/src/',
          '(^|node_modules/)(exceljs|docx|iconv-lite|uuid)(/|$)',
          '^(node:)?(crypto|stream|zlib|string_decoder)$',
          EVENTS,
          COUNTY_TIME,
          VIEWS,
        ],
      },
    },
    {
      name: 'sheets-io-specs-few-packages',
      severity: 'error',
      from: { path: `^libs/sheets-io/src/.*${SPEC}` },
      to: {
        pathNot: [
          '^libs/sheets-io/src/',
          '(^|node_modules/)(exceljs|docx|iconv-lite|uuid)(/|$)',
          '^(node:)?(crypto|stream|zlib|string_decoder|fs|path)$',
          EVENTS,
          COUNTY_TIME,
          VIEWS,
        ],
      },
    },
    {
      name: 'sheets-io-views-types-only',
      severity: 'error',
      from: { path: '^libs/sheets-io/src/' },
      to: { path: VIEWS, dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // node_modules is not excluded, only not followed: excluding it would hide an import of a package from every rule.
    exclude: { path: '(^|/)dist/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['require', 'node', 'default'] },
  },
};
