/** One Jest config for every project: unit specs beside the code, end-to-end suites under test/. */
const aliases = ['domain', 'contracts', 'event-store', 'read-models', 'platform', 'sheets-io', 'integrity', 'application'];
const moduleNameMapper = {};
for (const a of aliases) {
  moduleNameMapper[`^@ledger/${a}$`] = `<rootDir>/libs/${a}/src`;
  moduleNameMapper[`^@ledger/${a}/(.*)$`] = `<rootDir>/libs/${a}/src/$1`;
}
// No compiled writer-thread.js under ts-jest: threads start from transpiled sources (test support).
moduleNameMapper['^\\.\\.?/thread-entry$'] = '<rootDir>/test/support/thread-entry.ts';
module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['<rootDir>/apps/*/src/**/*.spec.ts', '<rootDir>/libs/*/src/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '<rootDir>/apps/web/'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json' }] },
  moduleNameMapper,
  setupFiles: ['<rootDir>/test/support/sqlite-realm.ts'],
  testTimeout: 60000,
  // No forceExit: a whole run exits by itself (2026-12-05, 175 suites); whatever a suite leaves running holds the
  // run open and the teardown report names it, instead of being cut off unseen.
  globalTeardown: '<rootDir>/test/support/report-open-handles.js',
};
