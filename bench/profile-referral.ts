/**
 * Where one referral acceptance spends its time (issue 11): starts the service in this process on a fresh
 * embedded PostgreSQL with the demo data, has the VVT post referrals and the MESO team mark them received, warms
 * up with 10 acceptances, then profiles N sequential acceptances (JSON Patch received → accepted, If-Match: the
 * ServiceRequest, zorgtraject, CareTeam and Provenance follow in the same transaction) and prints self and
 * inclusive time by group. PostgreSQL runs in its own processes: its work shows here as this one's idle wait.
 *
 *   node dist/bench/profile-referral.js [acceptances=100] [out.cpuprofile]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config';
import { startService } from '../src/server';
import { obtainTokenFor } from './auth';
import { profileSequential, summarise, type Groups } from './profile-meso';
import { MESO_CLIENT } from './scenarios-meso';
import { eachParallel, receiveAll, taskOfAnswer, type Versioned } from './scenarios-referral';
import { VVT_CLIENT, referralBodies } from './scenarios-write';
import { serviceEnv } from './service-env';

/** The groups the brief asks about (first match wins), then the machinery around them. */
const GROUPS: Groups = [
  ['referral effects (SR, zorgtraject, CareTeam)', /src\/fhir\/referral\/|src\/domain\/referral/],
  ['provenance', /src\/fhir\/careplan\/plan-provenance/],
  ['audit', /src\/audit\/|src\/store\/audit/],
  ['validation (and @medplum/core)', /src\/fhir\/validation\/|src\/fhir\/conformance|@medplum\/core/],
  ['narrative', /src\/fhir\/narrative\//],
  ['search indexing', /src\/fhir\/search\/|src\/store\/search\//],
  ['JSON Patch', /fast-json-patch|src\/fhir\/interactions\/json-patch/],
  ['SQL client (pg, store)', /node_modules\/pg|src\/store\//],
  [
    'repository / access / subscriptions',
    /src\/fhir\/(repository|access|interactions|subscriptions)\/|src\/security\//,
  ],
  [
    'HTTP (express, node:http, fetch)',
    /node_modules\/(express|body-parser|router|undici|raw-body)|node:(_http|http|net)|undici/,
  ],
];

const ACCEPT = JSON.stringify([
  { op: 'replace', path: '/status', value: 'accepted' },
  { op: 'add', path: '/businessStatus', value: { text: 'Intake gepland' } },
]);

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 100);
  const out = path.resolve(process.argv[3] ?? `referral-accept-${Date.now()}.cpuprofile`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'referral-profile-'));
  fs.chmodSync(dir, 0o755);
  const env = { ...serviceEnv(path.join(dir, 'service')), LOAD_DEMO_DATA: 'true' };
  const service = await startService(loadConfig(env));
  try {
    const vvt = { authorization: `Bearer ${await obtainTokenFor(service.baseUrl, VVT_CLIENT)}` };
    const meso = { authorization: `Bearer ${await obtainTokenFor(service.baseUrl, MESO_CLIENT)}` };
    const bodies = referralBodies(0);
    const created: Versioned[] = [];
    await eachParallel(Array.from({ length: count + 10 }), 4, async () => {
      const response = await fetch(service.baseUrl, {
        method: 'POST',
        headers: { ...vvt, 'content-type': 'application/fhir+json' },
        body: bodies.next(),
      });
      const task = taskOfAnswer(response.status, await response.text());
      if (!task) throw new Error(`referral: ${response.status}`);
      created.push(task);
    });
    const received = await receiveAll(service.baseUrl, meso, created, 4);
    const acceptOne = async () => {
      const { id, version } = received.shift() as Versioned;
      const response = await fetch(`${service.baseUrl}/Task/${id}`, {
        method: 'PATCH',
        headers: { ...meso, 'content-type': 'application/json-patch+json', 'if-match': `W/"${version}"` },
        body: ACCEPT,
      });
      const text = await response.text();
      if (response.status !== 200) throw new Error(`accept: ${response.status} ${text.slice(0, 500)}`);
    };
    for (let i = 0; i < 10; i++) await acceptOne();
    const run = await profileSequential(count, acceptOne, out);
    process.stdout.write(`${count} acceptances in ${run.summary}\n${summarise(run.profile, 30, GROUPS)}\n`);
  } finally {
    await service.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
