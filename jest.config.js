/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Transpile-only: type errors are tsc's job (`npm run typecheck`), speed is jest's.
  // `lazy`: a package is required when a test first uses one of its bindings, not when a module
  // importing it loads, so a test file loads only the provider resources it builds (each jest test
  // file loads its modules afresh). The project's own modules keep their order (SWC leaves relative
  // imports eager). The commands (cli/register.js) keep eager imports.
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs', lazy: true } }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  // cdktf's per-token stack traces are never read by a test: formatting them was ~30% of a synth test.
  // Every core: jest's default (cores - 1) runs one worker on a 2-core machine.
  maxWorkers: '100%',
  // Synth-heavy and process-spawning tests take seconds on a loaded 2-core CI machine: 5 s (jest's default) is flaky.
  testTimeout: 30_000,
  setupFiles: ['<rootDir>/test/setup-token-stacks.js'],
  // One temporary folder per run, removed at its end: tests no longer leave folders in /tmp.
  globalSetup: '<rootDir>/test/global-tmpdir.js',
  globalTeardown: '<rootDir>/test/global-tmpdir-teardown.js',
  // jest's runtime with V8's code cache for node_modules files, per worker (see test/jest-runtime.js).
  runtime: '<rootDir>/test/jest-runtime.js',
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
};
