import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

/**
 * The layering rules of eslint.config.mjs (README, Architecture) fire on deliberately wrong imports. Each fixture
 * under test/fixtures/lint/ is linted, with the ESLint Node API, as if it lived at the same path below the project
 * root (the fixtures themselves are left out of `npm run lint` and tsc). ESLint loads its config with a dynamic
 * import, which jest's VM does not allow, so it runs in a child process.
 */
const root = path.resolve(__dirname, '../..');
const fixtures = path.join(root, 'test/fixtures/lint');

const LINT_AS_IF_IN_PLACE = `
  import { readFileSync } from 'node:fs';
  import path from 'node:path';
  import { ESLint } from 'eslint';
  const [fixtures, ...files] = process.argv.slice(1);
  const eslint = new ESLint({ cwd: process.cwd() });
  const out = {};
  for (const file of files) {
    const code = readFileSync(path.join(fixtures, file), 'utf8');
    const [result] = await eslint.lintText(code, { filePath: path.resolve(file) });
    out[file] = result.messages.map((m) => ({ line: m.line, ruleId: m.ruleId, message: m.message }));
  }
  process.stdout.write(JSON.stringify(out));
`;

type Message = { line: number; ruleId: string | null; message: string };
let linted: Record<string, Message[]>;

beforeAll(() => {
  const files = readdirSync(fixtures, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  const stdout = execFileSync(
    process.execPath,
    ['--input-type=module', '-e', LINT_AS_IF_IN_PLACE, fixtures, ...files],
    { cwd: root, encoding: 'utf8' },
  );
  linted = JSON.parse(stdout);
}, 120_000);

function restrictedLines(fixture: string): Array<[number, string]> {
  const messages = linted[fixture];
  expect(messages).toBeDefined();
  const unexpected = messages.filter((m) => !m.ruleId?.startsWith('no-restricted-'));
  expect(unexpected).toEqual([]);
  return messages.map((m) => [m.line, m.message]);
}

describe('layering lint', () => {
  it('domain/ may import nothing of the project, not even kernel/', () => {
    expect(restrictedLines('src/domain/imports-fhir.ts')).toEqual([
      [2, expect.stringContaining('domain/ imports nothing of the project')],
      [3, expect.stringContaining('domain/ imports nothing of the project')],
    ]);
  });

  it('domain/ may import domain/', () => {
    expect(restrictedLines('src/domain/imports-domain.ts')).toEqual([]);
  });

  it('kernel/ may import only kernel/', () => {
    expect(restrictedLines('src/kernel/imports-store.ts')).toEqual([
      [2, expect.stringContaining('kernel/ imports nothing of the project but kernel/')],
    ]);
  });

  it('store/ may import kernel/ but not fhir/, security/ or express', () => {
    expect(restrictedLines('src/store/imports-security.ts')).toEqual([
      [3, expect.stringContaining('store/ may import kernel/ but no fhir/, security/')],
      [4, expect.stringContaining('store/ may import kernel/ but no fhir/, security/')],
      [5, expect.stringContaining('Only src/app.ts, src/http and src/fhir/rest speak HTTP')],
    ]);
  });

  it('outside the HTTP edge nothing imports express; outside src/store nothing imports pg or runs SQL', () => {
    expect(restrictedLines('src/fhir/imports-express-and-pg.ts')).toEqual([
      [2, expect.stringContaining('Only src/app.ts, src/http and src/fhir/rest speak HTTP')],
      [3, expect.stringContaining('SQL lives only in src/store')],
      [6, expect.stringContaining('SQL lives only in src/store')],
    ]);
  });

  it('security/ runs no SQL of its own', () => {
    expect(restrictedLines('src/security/runs-sql.ts')).toEqual([
      [5, expect.stringContaining('SQL lives only in src/store')],
    ]);
  });

  it('security/ imports neither express nor the HTTP edge, but may import fhir/', () => {
    expect(restrictedLines('src/security/imports-express.ts')).toEqual([
      [2, expect.stringContaining('Only src/app.ts, src/http and src/fhir/rest speak HTTP')],
      [
        3,
        expect.stringContaining('The HTTP edge (src/app.ts, src/http, src/fhir/rest) depends on this layer'),
      ],
    ]);
  });

  it('the HTTP edge (src/http/security too) may import express and security/, but not pg', () => {
    expect(restrictedLines('src/http/security/imports-express.ts')).toEqual([
      [3, expect.stringContaining('SQL lives only in src/store')],
    ]);
  });

  it('fhir/ imports no security/ (src/fhir/access is fhir)', () => {
    expect(restrictedLines('src/fhir/search/imports-security.ts')).toEqual([
      [2, expect.stringContaining('fhir/ may not import security/')],
    ]);
  });

  it('audit/ imports no pg, no express and no HTTP edge, and runs no SQL; store functions are fine', () => {
    expect(restrictedLines('src/audit/imports-pg.ts')).toEqual([
      [2, expect.stringContaining('audit/ holds no SQL and no pg')],
      [3, expect.stringContaining('audit/ speaks no HTTP')],
      [
        4,
        expect.stringContaining('The HTTP edge (src/app.ts, src/http, src/fhir/rest) depends on this layer'),
      ],
      [9, expect.stringContaining('SQL lives only in src/store')],
    ]);
  });

  it('meso-document/ imports no express, pg, store/ or fhir/ and no FHIR library; domain/ is fine', () => {
    expect(restrictedLines('src/meso-document/imports-store-and-fhir.ts')).toEqual([
      [2, expect.stringContaining('Only src/app.ts, src/http and src/fhir/rest speak HTTP')],
      [3, expect.stringContaining('SQL lives only in src/store')],
      [4, expect.stringContaining('meso-document/ is the document and its validation')],
      [5, expect.stringContaining('meso-document/ is the document and its validation')],
      [6, expect.stringContaining('meso-document/ is not FHIR')],
    ]);
  });
});
