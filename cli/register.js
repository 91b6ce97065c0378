// The commands' TypeScript loader (`node -r ./cli/register.js main.ts`): the project's own .ts files
// are transpiled by SWC with the options @swc-node/register derives from tsconfig.json (ES2022,
// CommonJS, esModuleInterop, define semantics for class fields, class names kept), and the output is
// cached on disk by content, so a warm run reads JavaScript instead of loading TypeScript and SWC.
// What it leaves out, on purpose: TypeScript's own module (@swc-node/register loads it to read
// tsconfig: ~175 ms) and source-map-support, which rewrites every stack trace cdktf captures for each
// token it creates (~40% of a large synth). Errors are reported as messages, never as stack traces.
// jest keeps its own transform (@swc/jest); `node -r @swc-node/register` still works for debugging.
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const CACHE_DIR = process.env.MLFLOW_PLATFORM_TS_CACHE || path.join(ROOT, 'node_modules', '.cache', 'mlflow-platform-ts');
const SWC_VERSION = require('@swc/core/package.json').version;

/** @type {import('@swc/core').Options} */
const OPTIONS = {
  jsc: {
    parser: { syntax: 'typescript', tsx: false },
    target: 'es2022',
    keepClassNames: true,
    transform: { useDefineForClassFields: true },
  },
  module: { type: 'commonjs', noInterop: false },
  isModule: true,
  sourceMaps: false,
  swcrc: false,
  configFile: false,
};
const SALT = `${SWC_VERSION}\n${JSON.stringify(OPTIONS)}\n`;

/** @type {typeof import('@swc/core') | undefined} */
let swc;

function transpile(source, filename) {
  const key = crypto.createHash('sha256').update(SALT).update(filename).update('\n').update(source).digest('hex');
  const cached = path.join(CACHE_DIR, `${key}.js`);
  try {
    return fs.readFileSync(cached, 'utf8');
  } catch {
    swc ??= require('@swc/core');
    const { code } = swc.transformSync(source, { ...OPTIONS, filename });
    try {
      fs.mkdirSync(CACHE_DIR, { recursive: true });
      const tmp = `${cached}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, code);
      fs.renameSync(tmp, cached);
    } catch {
      // A read-only checkout still runs, uncached.
    }
    return code;
  }
}

require.extensions['.ts'] = function loadTypeScript(module, filename) {
  module._compile(transpile(fs.readFileSync(filename, 'utf8'), filename), filename);
};

// cdktf captures a full stack trace (Error.stackTraceLimit = MAX_SAFE_INTEGER) for every token it
// creates, into a plain object (cdktf 0.21 lib/tokens/private/stack-trace.js), and reads `.stack`
// at once: V8 formats tens of frames per token, thousands of times in a large synth (~10% of it).
// Those traces only ever appear in cdktf's message about a token that cannot be resolved. Here they
// are left empty (cdktf then records none); real errors keep Node's own format.
// MLFLOW_PLATFORM_TOKEN_STACKS=1 keeps them for debugging such a message.
if (!process.env.MLFLOW_PLATFORM_TOKEN_STACKS) {
  const format = Error.prepareStackTrace;
  Error.prepareStackTrace = (error, frames) => {
    if (!(error instanceof Error)) return '';
    return format ? format(error, frames) : `${error}${frames.map((frame) => `\n    at ${frame}`).join('')}`;
  };
}
