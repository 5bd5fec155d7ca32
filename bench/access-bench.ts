/**
 * Access cost (issue 9): the same requests as the demo GP and as admin, on the demo data plus BENCH_PATIENTS
 * generated patients that all have the demo GP practice as their general practitioner (so the GP has that many
 * patients). `node dist/bench/access-bench.js`; prints one line per scenario and caller.
 */
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import type { Bundle, Patient } from '@medplum/fhirtypes';
import { findDemoClient, requestAccessToken } from '../src/security/backend-services-client';
import { loadViaApi } from './load-data';
import { measure } from './measure';
import { BSN_SYSTEM, bsnOf, fictionalPatients } from './patients';
import { spawnTarget } from './targets/spawn';

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const PATIENTS = num('BENCH_PATIENTS', 2000);
const shape = { duration: num('BENCH_DURATION', 5), connections: num('BENCH_CONNECTIONS', 10), warmup: 1 };

async function token(baseUrl: string, clientId: string): Promise<Record<string, string>> {
  const client = findDemoClient(clientId);
  if (!client?.jwk) throw new Error(`no demo client ${clientId}`);
  const url = `${new URL(baseUrl).origin}/auth/token`;
  const t = await requestAccessToken(url, { clientId, jwk: client.jwk }, client.scopes.join(' '));
  return { authorization: `Bearer ${t}` };
}

async function main(): Promise<void> {
  const dataDir = process.env.BENCH_DATA_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'access-bench-'));
  const env = {
    ...process.env,
    DATA_DIR: dataDir,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    LOAD_DEMO_DATA: 'true',
    RATE_LIMIT_PER_MINUTE: '1000000000',
    RATE_LIMIT_IP_PER_MINUTE: '1000000000',
    TOKEN_TTL_SECONDS: '3600',
    NODE_ENV: 'development',
  };
  const service = await spawnTarget('service', undefined, env);
  try {
    const admin = await token(service.baseUrl, 'demo-admin');
    const gp = await token(service.baseUrl, 'demo-gp-de-brink');
    const platform = await token(service.baseUrl, 'demo-platform-drenthe');
    const orgs = (await (
      await fetch(
        `${service.baseUrl}/Organization?identifier=http://fhir.nl/fhir/NamingSystem/ura|90000011`,
        {
          headers: admin,
        },
      )
    ).json()) as Bundle;
    const gpOrg = `Organization/${orgs.entry?.[0]?.resource?.id}`;
    let sample: Patient[];
    if (PATIENTS > 0) {
      const patients: Patient[] = fictionalPatients(PATIENTS).map((p) => ({
        ...p,
        generalPractitioner: [{ reference: gpOrg }],
      }));
      const loaded = await loadViaApi(service.baseUrl, admin, patients, 100);
      console.log(`loaded ${PATIENTS} GP patients in ${loaded.seconds.toFixed(1)} s`);
      sample = loaded.stored.filter((_, i) => i % Math.max(1, Math.floor(PATIENTS / 200)) === 0);
    } else {
      // BENCH_PATIENTS=0 with BENCH_DATA_DIR: measure the patients an earlier run loaded.
      const found = (await (
        await fetch(`${service.baseUrl}/Patient?general-practitioner=${gpOrg}&_count=200`, { headers: admin })
      ).json()) as Bundle<Patient>;
      sample = (found.entry ?? []).map((e) => e.resource as Patient);
    }
    const prefix = new URL(service.baseUrl).pathname;
    const bsn = encodeURIComponent(BSN_SYSTEM);
    const pull = new URLSearchParams([
      ['patient.identifier', `${BSN_SYSTEM}|999911120`],
      ['status', 'active'],
      ['category', 'http://snomed.info/sct|135411000146103'],
      ['_include', 'CarePlan:care-team'],
      ['_include', 'CarePlan:goal'],
      ['_include', 'CarePlan:condition'],
      ['_include', 'CarePlan:subject'],
      ['_revinclude', 'CarePlan:part-of'],
      ['_include:iterate', 'CareTeam:participant'],
    ]);
    const scenarios: Record<string, string[]> = {
      'read by id': sample.map((p) => `${prefix}/Patient/${p.id}`),
      'search by BSN': sample.map((p) => `${prefix}/Patient?identifier=${bsn}%7C${bsnOf(p)}`),
      'GP care-plan pull': [`${prefix}/CarePlan?${pull.toString()}`],
      'platform episodes': [`${prefix}/EpisodeOfCare?_count=50&_include=EpisodeOfCare:patient`],
    };
    const only = process.env.BENCH_ONLY;
    for (const [name, paths] of Object.entries(scenarios)) {
      if (only && !name.includes(only)) continue;
      const results: Record<string, { rps: number; p50: number; p95: number; non2xx: number }> = {};
      const callers = { admin, gp: name.startsWith('platform') ? platform : gp };
      for (const [who, headers] of Object.entries(callers)) {
        const m = await measure(service.url, paths, headers, shape);
        results[who] = { rps: m.rps, p50: m.latency.p50, p95: m.latency.p95, non2xx: m.non2xx };
      }
      console.log(
        `${name.padEnd(18)} admin ${results.admin.rps.toFixed(0)} req/s p50 ${results.admin.p50} ms p95 ${results.admin.p95} | ` +
          `${name.startsWith('platform') ? 'platform' : 'gp'} ${results.gp.rps.toFixed(0)} req/s p50 ${results.gp.p50} ms p95 ${results.gp.p95} | ` +
          `/admin p50 ${(results.gp.p50 / results.admin.p50).toFixed(2)}x, rps ${(results.admin.rps / results.gp.rps).toFixed(2)}x` +
          (results.gp.non2xx + results.admin.non2xx
            ? ` (non-2xx: ${results.admin.non2xx}/${results.gp.non2xx})`
            : ''),
      );
    }
  } finally {
    await service.close();
  }
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
