/**
 * The write-side scenarios of issue 9's target table: the VVT referral transaction under load, reads while one
 * 5,000-entry transaction runs, and the cold start of `node dist/src/server.js` on an initialised data dir.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import type { Bundle } from '@medplum/fhirtypes';
import autocannon from 'autocannon';
import { projectPath } from '../src/project-root';
import { measureRequests, percentile, type LoadShape, type Measurement } from './measure';
import { fictionalPatients, testBsns } from './patients';

// ---- (4) the referral transaction ------------------------------------------------------------------------

/** The VVT demo client (demo-vvt-drentse-erf, examples/clients) and the Organizations its referral names by URA. */
export const VVT_CLIENT = 'vvt';
export const REFERRAL_ORGANIZATIONS = [
  { ura: '90000033', name: 'Zorggroep Het Drentse Erf' },
  { ura: '90000022', name: 'MESO Ouderenzorg Midden-Drenthe' },
];

export interface ReferralBodies {
  next(): string;
  /** Bundles made so far, and how many of them had to reuse a BSN (the 9999 test range is small). */
  made(): { bundles: number; reusedBsn: number };
  /** The same bundles without the Task entry (Patient + ServiceRequest), from the same BSNs and numbers. */
  withoutTask(): ReferralBodies;
}

/**
 * examples/http/vvt-referral-bundle.json with, per bundle, a fresh test BSN (11-proef; those after the first
 * `skip`, which the loaded patients hold) and fresh referral numbers: every bundle creates three resources.
 */
export function referralBodies(skip: number): ReferralBodies {
  const template = fs.readFileSync(projectPath('examples', 'http', 'vvt-referral-bundle.json'), 'utf8');
  const bundle = JSON.parse(template) as Bundle;
  bundle.entry = bundle.entry?.filter((e) => e.resource?.resourceType !== 'Task');
  const noTask = JSON.stringify(bundle);
  const free = testBsns(9000).slice(skip);
  const run = Date.now().toString(36);
  let n = 0;
  // One counter for both shapes: every bundle, with or without its Task, names a fresh BSN.
  const bodies = (text: string): ReferralBodies => ({
    next: () => {
      const i = n++;
      return text
        .replaceAll('999912033', free[i % free.length])
        .replaceAll('AANM-2026-0042', `AANM-${run}-${i}`);
    },
    made: () => ({ bundles: n, reusedBsn: Math.max(0, n - free.length) }),
    withoutTask: () => bodies(noTask),
  });
  return bodies(template);
}

/** POSTs a fresh referral Bundle per request to `${url}/fhir` (warm-up, then the measured window). */
export function measureReferrals(
  url: string,
  bodies: ReferralBodies,
  headers: Record<string, string>,
  shape: LoadShape,
  onResponse?: autocannon.Request['onResponse'],
): Promise<Measurement> {
  const request: autocannon.Request = {
    method: 'POST',
    path: '/fhir',
    setupRequest: (req) => ({ ...req, body: bodies.next() }),
    onResponse,
  };
  return measureRequests(url, [request], { 'content-type': 'application/fhir+json', ...headers }, shape);
}

// ---- (5) reads while a 5,000-entry transaction runs ------------------------------------------------------

export interface ReadsDuringTransaction {
  entries: number;
  bodyBytes: number;
  status: number;
  transactionSeconds: number;
  /** Reads answered between the POST and its answer. */
  reads: number;
  non2xx: number;
  latency: { p50: number; p99: number; max: number };
  note?: string;
}

/** A transaction Bundle of `count` new Patients without BSN (the test range is kept for the other scenarios). */
export function bigTransaction(count: number): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: fictionalPatients(count, 7_051_206).map((patient) => {
      delete patient.identifier;
      return {
        fullUrl: `urn:uuid:${randomUUID()}`,
        resource: patient,
        request: { method: 'POST', url: 'Patient' },
      };
    }),
  };
}

/**
 * Starts reads (autocannon, GET `paths`), waits until they flow, POSTs the transaction, and stops the reads when
 * the transaction answers: only the reads answered in between count.
 */
export async function readsDuringTransaction(
  url: string,
  paths: string[],
  headers: Record<string, string>,
  connections: number,
  entries: number,
): Promise<ReadsDuringTransaction> {
  const body = JSON.stringify(bigTransaction(entries));
  const latencies: number[] = [];
  let non2xx = 0;
  let inWindow = false;
  const reads = autocannon({
    url,
    connections,
    duration: 3600,
    headers: { accept: 'application/fhir+json', ...headers },
    requests: paths.map((path) => ({ method: 'GET', path })),
    renderProgressBar: false,
    renderResultsTable: false,
    renderLatencyTable: false,
  });
  reads.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    if (!inWindow) return;
    latencies.push(ms);
    if (status < 200 || status > 299) non2xx++;
  });
  await new Promise((resolve) => setTimeout(resolve, 1000));
  inWindow = true;
  const t0 = process.hrtime.bigint();
  const response = await fetch(`${url}/fhir`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/fhir+json', accept: 'application/fhir+json' },
    body,
  });
  const answer = await response.text();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  inWindow = false;
  reads.stop();
  await reads;
  const sorted = Float64Array.from(latencies).sort();
  const round = (n: number) => Math.round(n * 1000) / 1000;
  const result: ReadsDuringTransaction = {
    entries,
    bodyBytes: Buffer.byteLength(body),
    status: response.status,
    transactionSeconds: Math.round(seconds * 1000) / 1000,
    reads: sorted.length,
    non2xx,
    latency: {
      p50: round(percentile(sorted, 0.5)),
      p99: round(percentile(sorted, 0.99)),
      max: round(sorted.length ? sorted[sorted.length - 1] : NaN),
    },
  };
  if (response.status !== 200)
    result.note = `transaction answered ${response.status}: ${answer.slice(0, 300)}`;
  else if (seconds < 2)
    result.note = `the transaction took only ${seconds.toFixed(2)} s (< 2 s): a short window`;
  return result;
}

// ---- (6) cold start ------------------------------------------------------------------------------------

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Seconds from spawning `node dist/src/server.js` to the first 200 on /readyz; then stops it (SIGTERM). */
export async function coldStartOnce(env: NodeJS.ProcessEnv): Promise<number> {
  const port = await freePort();
  const t0 = process.hrtime.bigint();
  const child = spawn(process.execPath, [projectPath('dist', 'src', 'server.js')], {
    env: { ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let alive = true;
  void exited.then(() => (alive = false));
  try {
    for (;;) {
      if (!alive) throw new Error('the service exited before /readyz answered 200');
      const status = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (r) => r.arrayBuffer().then(() => r.status),
        () => 0,
      );
      if (status === 200) return Number(process.hrtime.bigint() - t0) / 1e9;
      if (Number(process.hrtime.bigint() - t0) > 120e9) throw new Error('/readyz not 200 within 120 s');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    // SIGTERM lets the service stop its embedded PostgreSQL before the next start.
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  }
}

export async function coldStarts(env: NodeJS.ProcessEnv, times = 3): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < times; i++) out.push(Math.round((await coldStartOnce(env)) * 1000) / 1000);
  return out;
}
