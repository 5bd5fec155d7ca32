/* eslint-disable @typescript-eslint/no-require-imports, no-undef -- a CommonJS require hook, loaded by node -r */
// Lets a child process of a test run the TypeScript sources directly (no build): transpile-only, CommonJS.
const fs = require('node:fs');
const ts = require('typescript');

require.extensions['.ts'] = (module, filename) => {
  const source = fs.readFileSync(filename, 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
    },
    fileName: filename,
  });
  module._compile(outputText, filename);
};
