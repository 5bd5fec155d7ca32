import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generate, parseGenerateArgs, type GenerateOptions } from '../../scripts/generate';
import { createTestDatabase } from '../support/test-database';

describe('npm run generate', () => {
  it('parses its options, with defaults for seed and batch', () => {
    expect(parseGenerateArgs(['--patients', '10'])).toMatchObject({
      patients: 10,
      batch: 1000,
      dryRun: false,
    });
    expect(parseGenerateArgs(['--patients', '10', '--seed', '5', '--out', 'x.ndjson'])).toMatchObject({
      seed: 5,
      out: 'x.ndjson',
    });
    expect(parseGenerateArgs(['--help'])).toBe('help');
  });

  it.each([
    [[], /--patients is required/],
    [['--patients', '0'], /--patients must be a positive integer, got "0"/],
    [['--patients', '1e3'], /--patients must be a positive integer, got "1e3"/],
    [['--patients', '5', '--batch', 'ten'], /--batch must be a positive integer, got "ten"/],
  ])('refuses %j with a message saying what is wrong', (argv, message) => {
    expect(() => parseGenerateArgs(argv)).toThrow(message);
  });

  it('writes the same NDJSON for the same seed, one resource per line', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'generate-'));
    const files = [path.join(dir, 'a.ndjson'), path.join(dir, 'b.ndjson')];
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      for (const out of files)
        await generate({ ...(parseGenerateArgs(['--patients', '20']) as GenerateOptions), out });
      const [a, b] = files.map((f) => fs.readFileSync(f, 'utf8'));
      expect(a).toBe(b);
      const lines = a.trimEnd().split('\n');
      expect(lines.length).toBeGreaterThan(160);
      expect(lines.every((l) => typeof JSON.parse(l).resourceType === 'string')).toBe(true);
      expect(String(stderr.mock.calls.at(-1)?.[0])).toMatch(/\d+ resources \(sha256 [0-9a-f]{64}\) to /);
    } finally {
      stderr.mockRestore();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('loads into --database-url, and refuses the same region or a second region in that database', async () => {
    const db = await createTestDatabase();
    const databaseUrl = (db.pool as unknown as { options: { connectionString: string } }).options
      .connectionString;
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const options = {
        ...(parseGenerateArgs(['--patients', '4', '--batch', '7']) as GenerateOptions),
        databaseUrl,
      };
      await generate(options, {});
      const loaded = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM resource');
      expect(loaded.rows[0].n).toBeGreaterThan(30);
      expect(String(stderr.mock.calls.at(-1)?.[0])).toMatch(
        /loaded \d+ resources into database .* resources\/s/,
      );
      await expect(generate(options, {})).rejects.toThrow(/already holds the region of seed/);
      await expect(generate({ ...options, seed: 99 }, {})).rejects.toThrow(
        /already holds a Patient with BSN 999999990/,
      );
    } finally {
      stderr.mockRestore();
      await db.close();
    }
  });
});
