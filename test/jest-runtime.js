// jest `runtime` (jest.config.js): jest's own module runtime, plus V8's code cache for the files of
// node_modules. jest loads every module afresh for each test file and compiles each one again
// (vm.compileFunction without a code cache): about 800 modules per test file here (cdktf, the
// provider bindings a test builds, zod, yaml), ~40% of a short test file's CPU time. This runtime
// keeps, per jest worker, the code cache V8 produced the first time a node_modules file was
// compiled and hands it to the next compile of the same source (V8 checks it against the source
// and falls back to a full compile when it does not match). Modules still run afresh in every
// test file: only the compile is shared. The project's own files compile as before.
// It relies on jest-runtime 30's ModuleExecutor (`runtime.executor.compile`); when that is not
// there (another jest version), it leaves jest's runtime unchanged.
'use strict';
const vm = require('node:vm');
const Runtime = require('jest-runtime').default;

/** Per worker process: filename -> { source, data }. */
const codeCache = new Map();

class CodeCachingRuntime extends Runtime {
  constructor(...args) {
    super(...args);
    const executor = this.executor;
    if (!executor || typeof executor.compile !== 'function' || !Array.isArray(executor.injectedModuleParameters)) return;
    const compile = executor.compile.bind(executor);
    executor.compile = (source, filename) => {
      const vmContext = executor.environment && executor.environment.getVmContext();
      if (!vmContext || !filename.includes('/node_modules/')) return compile(source, filename);
      const cached = codeCache.get(filename);
      const cachedData = cached && cached.source === source ? cached.data : undefined;
      let fn;
      try {
        // The same options as jest-runtime's ModuleExecutor.compile, plus the code cache.
        fn = vm.compileFunction(source, executor.injectedModuleParameters, {
          filename,
          parsingContext: vmContext,
          cachedData,
          produceCachedData: cachedData === undefined,
          importModuleDynamically: (specifier, _fn, attributes, ...rest) => executor.dynamicImport(specifier, filename, vmContext, attributes, rest[0]),
        });
      } catch {
        return compile(source, filename); // jest's own error reporting (syntax errors, ESM in CJS)
      }
      if (cachedData === undefined && fn.cachedData) codeCache.set(filename, { source, data: fn.cachedData });
      return fn;
    };
  }
}

module.exports = CodeCachingRuntime;
module.exports.default = CodeCachingRuntime;
