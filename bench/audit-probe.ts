/**
 * The bench's look into the service's own database (issue 9 targets "audit storage per audited read" and "seal
 * lag"): a small pool on the embedded PostgreSQL the service started in its DATA_DIR, found through the port in
 * postmaster.pid. Uses the store's own measures (auditStorageBytes, unsealedBacklog); the counts are here.
 */
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { auditStorageBytes, unsealedBacklog } from '../src/store/audit-log';

export interface AuditProbe {
  pool: pg.Pool;
  close(): Promise<void>;
}

/** Line 4 of postmaster.pid is the port the embedded server listens on (it listens on loopback too). */
export function openAuditProbe(dataDir: string): AuditProbe {
  const pid = fs.readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n');
  const port = Number(pid[3]);
  if (!Number.isInteger(port)) throw new Error(`no port in ${dataDir}/pg/postmaster.pid`);
  const pool = new pg.Pool({
    host: '127.0.0.1',
    port,
    user: 'postgres',
    password: 'postgres',
    database: 'postgres',
    max: 2,
  });
  return { pool, close: () => pool.end() };
}

export interface AuditSnapshot {
  rows: number;
  bytes: number;
}

export async function auditSnapshot(probe: AuditProbe): Promise<AuditSnapshot> {
  const res = await probe.pool.query<{ n: string }>('SELECT count(*)::text AS n FROM audit_log');
  return { rows: Number(res.rows[0].n), bytes: await auditStorageBytes(probe.pool) };
}

/** Polls `count` every 200 ms until it is 0 or `maxMs` have passed; returns the last count. */
async function pollToZero(count: () => Promise<number>, maxMs: number): Promise<number> {
  const until = Date.now() + maxMs;
  for (;;) {
    const n = await count();
    if (n === 0 || Date.now() > until) return n;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Waits (at most `maxMs`) until the sealer has sealed every row, so that the seals count in the storage too. */
export function waitForSeals(probe: AuditProbe, maxMs = 15_000): Promise<number> {
  return pollToZero(async () => (await unsealedBacklog(probe.pool)).count, maxMs);
}

/**
 * Waits (at most `maxMs`) until no job is due (pg-boss: created, retry or active, start time passed): the work
 * after commit of one measurement (subscription matching, narratives) then runs in no later one.
 */
export function waitForJobs(probe: AuditProbe, maxMs = 20_000): Promise<number> {
  const due = async () => {
    const res = await probe.pool.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM pgboss.job WHERE state IN ('created', 'retry', 'active') AND start_after <= now()`,
    );
    return Number(res.rows[0].n);
  };
  return pollToZero(due, maxMs);
}

export interface SealLagSamples {
  samples: number;
  maxLagMs: number;
  maxUnsealed: number;
}

/** Samples the seal lag every `everyMs` until stopped; the result is the worst seen. */
export function sampleSealLag(probe: AuditProbe, everyMs = 250): { stop(): Promise<SealLagSamples> } {
  const result: SealLagSamples = { samples: 0, maxLagMs: 0, maxUnsealed: 0 };
  let running = true;
  const loop = (async () => {
    while (running) {
      const { count, oldestMs } = await unsealedBacklog(probe.pool);
      result.samples++;
      result.maxLagMs = Math.max(result.maxLagMs, oldestMs);
      result.maxUnsealed = Math.max(result.maxUnsealed, count);
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return result;
    },
  };
}
