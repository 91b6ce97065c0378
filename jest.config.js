/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Transpile-only: type errors are tsc's job (`npm run typecheck`), speed is jest's.
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  // cdktf's per-token stack traces are never read by a test: formatting them was ~30% of a synth test.
  // Every core: jest's default (cores - 1) runs one worker on a 2-core machine.
  maxWorkers: '100%',
  // Synth-heavy and process-spawning tests take seconds on a loaded 2-core CI machine: 5 s (jest's default) is flaky.
  testTimeout: 30_000,
  setupFiles: ['<rootDir>/test/setup-token-stacks.js'],
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
};
