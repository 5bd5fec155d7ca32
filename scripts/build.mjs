// `npm run build`: compiles only what changed (tsc -b, state in dist/.tsbuildinfo), about 1 s when dist/ is current.
// tsc -b trusts its build info and does not notice deleted outputs, so a dist/ missing an entry point is rebuilt in
// full: npm start and the tools never run an incomplete or stale dist/. A failed build exits non-zero.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const ENTRY_POINTS = [
  'dist/src/server.js',
  'dist/scripts/token.js',
  'dist/scripts/audit-verify.js',
  'dist/scripts/generate.js',
  'dist/bench/run-bench.js',
];
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const force = ENTRY_POINTS.some((file) => !existsSync(file)) ? ['--force'] : [];
const { status } = spawnSync(process.execPath, [tsc, '-b', 'tsconfig.build.json', ...force], {
  stdio: 'inherit',
});
process.exit(status ?? 1);
