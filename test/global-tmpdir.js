// jest globalSetup / globalTeardown (jest.config.js): every test run gets its own temporary folder,
// removed when the run ends. Tests create temporary folders freely (configs, synth output, git
// repositories, fake roots for the entrypoint scripts) and used to leave them in the system's temp
// folder: hundreds per run, tens of thousands on a long-lived machine, which made every later scan
// of /tmp slower (the entrypoint test looks for stray files there). TMPDIR is inherited by the jest
// workers (started after this hook) and every process a test spawns; os.tmpdir() reads it.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const KEY = 'MLFLOW_PLATFORM_TEST_TMPDIR';

module.exports = async function setup() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlflow-platform-jest-'));
  // Searchable by anyone: the entrypoint scripts run as the server's non-root user inside it.
  fs.chmodSync(dir, 0o755);
  process.env[KEY] = dir;
  process.env.TMPDIR = dir;
};

module.exports.teardown = async function teardown() {
  const dir = process.env[KEY];
  if (dir) fs.rmSync(dir, { recursive: true, force: true, maxRetries: 2 });
};
