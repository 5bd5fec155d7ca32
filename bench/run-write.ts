/** run-bench.ts's hooks for the write, audit and start-up rows of issue 9's target table (issue-targets.ts). */
import type { Organization } from '@medplum/fhirtypes';
import { URA_SYSTEM } from '../src/security/naming-systems';
import { obtainTokenFor } from './auth';
import { auditSnapshot, openAuditProbe, sampleSealLag, waitForSeals } from './audit-probe';
import type { WriteScenarios } from './issue-targets';
import type { LoadShape } from './measure';
import {
  REFERRAL_ORGANIZATIONS,
  VVT_CLIENT,
  coldStarts,
  measureReferrals,
  readsDuringTransaction,
  referralBodies,
  type ReferralBodies,
} from './scenarios-write';
import type { StartedTarget } from './targets/protocol';

const log = (message: string) => process.stdout.write(`[bench] ${message}\n`);

/** Entries of the big transaction; the service's env must allow it (MAX_BUNDLE_ENTRIES, MAX_BODY_BYTES). */
export const BIG_TRANSACTION_ENTRIES = 5000;

/**
 * Runs `reads` (the service's read scenarios) while sampling the seal lag, and measures the audit storage they
 * added: Δ bytes ÷ Δ rows, once the sealer has caught up (so that the seals count too).
 */
export async function withAuditProbe(
  dataDir: string,
  write: WriteScenarios,
  reads: () => Promise<void>,
): Promise<void> {
  const probe = openAuditProbe(dataDir);
  try {
    const before = await auditSnapshot(probe);
    const sampler = sampleSealLag(probe);
    try {
      await reads();
    } finally {
      write.sealLag = await sampler.stop();
    }
    const unsealedAtEnd = await waitForSeals(probe);
    const after = await auditSnapshot(probe);
    const rows = after.rows - before.rows;
    const bytes = after.bytes - before.bytes;
    write.auditStorage = {
      rows,
      bytes,
      bytesPerRow: rows > 0 ? Math.round(bytes / rows) : NaN,
      unsealedAtEnd,
    };
    log(
      `audit storage: ${write.auditStorage.bytesPerRow} B per row (${rows} rows); seal lag max ${write.sealLag.maxLagMs} ms`,
    );
  } finally {
    await probe.close();
  }
}

export interface WriteSession {
  bodies: ReferralBodies;
  vvtHeaders: Record<string, string>;
}

/** The Organizations the VVT's referral names by URA (the bench runs without demo data), created as admin. */
async function createReferralOrganizations(baseUrl: string, headers: Record<string, string>): Promise<void> {
  for (const { ura, name } of REFERRAL_ORGANIZATIONS) {
    const organization: Organization = {
      resourceType: 'Organization',
      identifier: [{ system: URA_SYSTEM, value: ura }],
      name,
    };
    const response = await fetch(`${baseUrl}/Organization`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/fhir+json', accept: 'application/fhir+json' },
      body: JSON.stringify(organization),
    });
    if (response.status !== 201)
      throw new Error(`creating Organization ${ura}: ${response.status} ${await response.text()}`);
  }
}

/** On the service: the referral transaction under load, then reads while one 5,000-entry transaction runs. */
export async function serviceWrites(
  service: StartedTarget,
  adminHeaders: Record<string, string>,
  readPaths: string[],
  loadedPatients: number,
  shape: LoadShape,
  write: WriteScenarios,
): Promise<WriteSession> {
  await createReferralOrganizations(service.baseUrl, adminHeaders);
  const vvtHeaders = { authorization: `Bearer ${await obtainTokenFor(service.baseUrl, VVT_CLIENT)}` };
  const bodies = referralBodies(loadedPatients);
  const m = await measureReferrals(service.url, bodies, vvtHeaders, shape);
  write.referral = { service: m, ...bodies.made() };
  log(
    `meso-fhir referral: ${m.rps} bundles/s, p50 ${m.latency.p50} ms, p95 ${m.latency.p95} ms, non-2xx ${m.non2xx}`,
  );
  log(`reads while a ${BIG_TRANSACTION_ENTRIES}-entry transaction runs…`);
  const t = await readsDuringTransaction(
    service.url,
    readPaths,
    adminHeaders,
    shape.connections,
    BIG_TRANSACTION_ENTRIES,
  );
  write.readsDuringTransaction = t;
  log(
    `transaction ${t.status} in ${t.transactionSeconds} s; ${t.reads} reads, p50 ${t.latency.p50} ms, p99 ${t.latency.p99} ms${t.note ? ` (${t.note})` : ''}`,
  );
  return { bodies, vvtHeaders };
}

/** The reference for the referral: bare node:http reading and echoing the same bodies. */
export async function echoReferrals(
  echo: StartedTarget,
  session: WriteSession,
  shape: LoadShape,
  write: WriteScenarios,
): Promise<void> {
  const m = await measureReferrals(echo.url, session.bodies, session.vvtHeaders, shape);
  if (write.referral) write.referral.echo = m;
  log(`node:http echo referral: ${m.rps} bundles/s, p50 ${m.latency.p50} ms`);
}

/** Three starts of `node dist/src/server.js` on the service's (initialised) data dir; the median counts. */
export async function measureColdStart(env: NodeJS.ProcessEnv, write: WriteScenarios): Promise<void> {
  log('cold start: 3 × node dist/src/server.js on the initialised data dir…');
  const seconds = await coldStarts(env, 3);
  const median = [...seconds].sort((a, b) => a - b)[1];
  write.coldStart = { seconds, median };
  log(`cold start: ${seconds.join(' s, ')} s (median ${median} s)`);
}
