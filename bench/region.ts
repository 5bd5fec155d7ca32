/**
 * Region mode of `npm run bench` (issue 9): the service on a generated region (`npm run generate`, about ten
 * resources per patient), measured for the three region scenarios as the demo GP or the demo platform AND as
 * admin with the same requests, one user and BENCH_CONNECTIONS users, with the bare node:http and express
 * ceilings (replaying the service's recorded bytes) measured in between, so that noise on a shared machine hits
 * both sides. Several regions (e.g. 10k and 100k patients) are measured in one run, for the GP pull's growth.
 *
 *   BENCH_REGION_DIR=/work/data/region-10k,/work/data/region-100k npm run bench
 *   BENCH_REGION_PATIENTS=10000 npm run bench     # generates into a temp dir first (seed 1), then measures
 *
 * The service runs on each DATA_DIR as it is (no copy); the demo data (examples/demo-data.json: the GP's and
 * the platform's demo patients) is added once through the API when the region lacks it.
 */
import { serviceEnv } from './service-env';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Bundle } from '@medplum/fhirtypes';
import { projectPath } from '../src/project-root';
import { findDemoClient, requestAccessToken } from '../src/security/backend-services-client';
import type { Fixture } from './load-data';
import { measure, type LoadShape, type Measurement } from './measure';
import { gitInfo, machineInfo, formatMachine, type RunInfo } from './report';
import { loadBenchSettings, type PeerKind } from './settings';
import { REGION_SCENARIOS, type RegionScenario } from './scenarios-region';
import { spawnTarget } from './targets/spawn';
import type { StartedTarget } from './targets/protocol';

const log = (message: string) => process.stdout.write(`[bench:region] ${message}\n`);

/** Whether `npm run bench` runs the region mode (BENCH_REGION_DIR or BENCH_REGION_PATIENTS). */
export const regionMode = (env: NodeJS.ProcessEnv = process.env): boolean =>
  !!(env.BENCH_REGION_DIR || env.BENCH_REGION_PATIENTS);

/** One measurement of one scenario: who asked, how many connections, on which region. */
export interface RegionResult {
  region: string;
  scenario: string;
  caller: string;
  connections: number;
  measurement: Measurement;
}

export interface RegionReport extends RunInfo {
  mode: 'region';
  regions: Array<{ dir: string; patients: number; resources: number; startSeconds: number }>;
  results: RegionResult[];
  /** Per region and scenario: the caller's p50/p95 and req/s divided by admin's (same requests). */
  ratios: Array<{ region: string; scenario: string; p50: number; p95: number; rps: number }>;
  notes: string[];
}

async function bearer(baseUrl: string, clientId: string): Promise<Record<string, string>> {
  const client = findDemoClient(clientId);
  if (!client?.jwk) throw new Error(`no demo client ${clientId} with a key`);
  const url = `${new URL(baseUrl).origin}/auth/token`;
  const token = await requestAccessToken(url, { clientId, jwk: client.jwk }, client.scopes.join(' '));
  return { authorization: `Bearer ${token}` };
}

async function getJson<T>(url: string, headers: Record<string, string>): Promise<T> {
  const response = await fetch(url, { headers: { ...headers, accept: 'application/fhir+json' } });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`GET ${url}: ${response.status} ${text.slice(0, 400)}`);
  return JSON.parse(text) as T;
}

/** The demo patients (GP, platform) in the region: loaded once through the API when missing. */
async function ensureDemoData(baseUrl: string, admin: Record<string, string>): Promise<void> {
  const found = await getJson<Bundle>(
    `${baseUrl}/Patient?identifier=http://fhir.nl/fhir/NamingSystem/bsn|999911120&_total=accurate`,
    admin,
  );
  if (found.total) return;
  log('the region has no demo data yet: posting examples/demo-data.json as admin');
  const response = await fetch(baseUrl, {
    method: 'POST',
    headers: { ...admin, 'content-type': 'application/fhir+json', accept: 'application/fhir+json' },
    body: fs.readFileSync(projectPath('examples', 'demo-data.json')),
  });
  if (response.status !== 200)
    throw new Error(`demo data: ${response.status} ${(await response.text()).slice(0, 400)}`);
}

/** The paths of a scenario as one caller: its URL, and for paged scenarios the next pages by the cursor. */
async function scenarioPaths(
  service: StartedTarget,
  scenario: RegionScenario,
  headers: Record<string, string>,
): Promise<string[]> {
  const prefix = new URL(service.baseUrl).pathname;
  const paths = [`${prefix}/${scenario.path}`];
  for (let page = 1; page < (scenario.pages ?? 1); page++) {
    const bundle = await getJson<Bundle>(service.url + paths[paths.length - 1], headers);
    const next = bundle.link?.find((l) => l.relation === 'next')?.url;
    if (!next) break;
    const url = new URL(next);
    paths.push(url.pathname + url.search);
  }
  return paths;
}

async function record(origin: string, paths: string[], headers: Record<string, string>): Promise<Fixture[]> {
  const out: Fixture[] = [];
  for (const p of paths) {
    const response = await fetch(origin + p, { headers: { ...headers, accept: 'application/fhir+json' } });
    const body = await response.text();
    if (response.status !== 200) throw new Error(`GET ${p}: ${response.status} ${body.slice(0, 400)}`);
    const kept: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      if (!['date', 'connection', 'keep-alive', 'transfer-encoding'].includes(name)) kept[name] = value;
    });
    out.push({ path: p, status: response.status, headers: kept, body });
  }
  return out;
}

/** DATA_DIRs to measure: BENCH_REGION_DIR (comma-separated), or one generated with BENCH_REGION_PATIENTS. */
function regionDirs(work: string): string[] {
  if (process.env.BENCH_REGION_DIR)
    return process.env.BENCH_REGION_DIR.split(',')
      .map((d) => d.trim())
      .filter(Boolean);
  const patients = process.env.BENCH_REGION_PATIENTS as string;
  const dir = path.join(work, `region-${patients}`);
  log(`generating a region of ${patients} patients into ${dir} (npm run generate -- --seed 1)…`);
  execFileSync(
    process.execPath,
    [projectPath('dist', 'scripts', 'generate.js'), '--patients', patients, '--seed', '1'],
    {
      env: { ...process.env, DATA_DIR: dir },
      stdio: 'inherit',
    },
  );
  return [dir];
}

const summary = (r: RegionResult) =>
  `${path.basename(r.region)} ${r.scenario} as ${r.caller} ×${r.connections}: p50 ${r.measurement.latency.p50} ms, ` +
  `p95 ${r.measurement.latency.p95} ms, ${r.measurement.rps} req/s` +
  (r.measurement.non2xx + r.measurement.errors
    ? ` (${r.measurement.non2xx + r.measurement.errors} NOT OK)`
    : '');

async function regionSize(service: StartedTarget, admin: Record<string, string>) {
  const count = async (type: string) =>
    (await getJson<Bundle>(`${service.baseUrl}/${type}?_summary=count`, admin)).total ?? 0;
  return { patients: await count('Patient') };
}

/** Measures one region: every scenario as its caller and as admin, interleaved with the peers. */
async function measureRegion(
  dir: string,
  report: RegionReport,
  shape: LoadShape,
  peers: PeerKind[],
  work: string,
): Promise<void> {
  const t0 = Date.now();
  const service = await spawnTarget('service', undefined, serviceEnv(dir));
  const opened: StartedTarget[] = [service];
  try {
    const startSeconds = (Date.now() - t0) / 1000;
    const admin = await bearer(service.baseUrl, 'demo-admin');
    await ensureDemoData(service.baseUrl, admin);
    const callers: Record<string, Record<string, string>> = {
      admin,
      gp: await bearer(service.baseUrl, 'demo-gp-de-brink'),
      platform: await bearer(service.baseUrl, 'demo-platform-drenthe'),
    };
    const size = await regionSize(service, admin);
    report.regions.push({ dir, patients: size.patients, resources: 0, startSeconds });
    log(`${dir}: ${size.patients} patients, service up in ${startSeconds.toFixed(1)} s`);

    // Every scenario's paths as its caller and as admin; the caller's responses are what the ceilings replay.
    const plan = [];
    const fixtures: Fixture[] = [];
    for (const scenario of REGION_SCENARIOS) {
      const own = await scenarioPaths(service, scenario, callers[scenario.caller]);
      const asAdmin = await scenarioPaths(service, scenario, admin);
      fixtures.push(...(await record(service.url, own, callers[scenario.caller])));
      plan.push({ scenario, own, asAdmin });
    }
    const fixtureFile = path.join(work, `fixtures-${report.regions.length}.json`);
    fs.writeFileSync(fixtureFile, JSON.stringify(fixtures));
    const peerTargets: Array<[PeerKind, StartedTarget]> = [];
    for (const kind of peers.filter((p) => p !== 'medplum')) {
      const target = await spawnTarget(kind, fixtureFile);
      opened.push(target);
      peerTargets.push([kind, target]);
    }

    for (const { scenario, own, asAdmin } of plan) {
      const runs: Array<[string, StartedTarget, string[], Record<string, string>]> = [
        [scenario.caller, service, own, callers[scenario.caller]],
        [`${peerTargets[0]?.[0] ?? ''}`, peerTargets[0]?.[1], own, callers[scenario.caller]],
        ['admin', service, asAdmin, admin],
        [`${peerTargets[1]?.[0] ?? ''}`, peerTargets[1]?.[1], own, callers[scenario.caller]],
      ].filter((r): r is [string, StartedTarget, string[], Record<string, string>] => !!r[1]);
      for (const connections of [1, shape.connections]) {
        for (const [caller, target, paths, headers] of runs) {
          const measurement = await measure(target.url, paths, headers, { ...shape, connections });
          const result = { region: dir, scenario: scenario.id, caller, connections, measurement };
          report.results.push(result);
          log(summary(result));
        }
      }
      for (const connections of [1, shape.connections]) {
        const pick = (caller: string) =>
          report.results.find(
            (r) =>
              r.region === dir &&
              r.scenario === scenario.id &&
              r.caller === caller &&
              r.connections === connections,
          )?.measurement;
        const own = pick(scenario.caller);
        const base = pick('admin');
        if (own && base)
          report.ratios.push({
            region: `${dir} ×${connections}`,
            scenario: scenario.id,
            p50: round(own.latency.p50 / base.latency.p50),
            p95: round(own.latency.p95 / base.latency.p95),
            rps: round(own.rps / base.rps),
          });
      }
    }
  } finally {
    for (const t of opened.reverse()) await t.close().catch(() => undefined);
  }
}

const round = (n: number) => Math.round(n * 100) / 100;

function table(report: RegionReport): string {
  const rows = [['region', 'scenario', 'caller', 'conns', 'p50 ms', 'p95 ms', 'req/s', 'non-2xx']];
  for (const r of report.results)
    rows.push([
      path.basename(r.region),
      r.scenario,
      r.caller,
      String(r.connections),
      String(r.measurement.latency.p50),
      String(r.measurement.latency.p95),
      String(r.measurement.rps),
      String(r.measurement.non2xx + r.measurement.errors),
    ]);
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  const line = (row: string[]) => row.map((cell, c) => cell.padEnd(widths[c])).join('  ');
  const ratios = report.ratios.map(
    (r) =>
      `${path.basename(r.region)} ${r.scenario}: caller ÷ admin p50 ${r.p50}x, p95 ${r.p95}x, req/s ${r.rps}x`,
  );
  return [line(rows[0]), ...rows.slice(1).map(line), '', ...ratios].join('\n');
}

export async function runRegionBench(): Promise<void> {
  const settings = loadBenchSettings({ ...process.env, BENCH_PATIENTS: '1' });
  const shape: LoadShape = {
    duration: settings.duration,
    connections: settings.connections,
    warmup: settings.warmup,
  };
  const report: RegionReport = {
    mode: 'region',
    startedAt: new Date().toISOString(),
    machine: machineInfo(),
    git: gitInfo(projectPath()),
    shape,
    regions: [],
    results: [],
    ratios: [],
    notes: [
      'Callers: gp = demo-gp-de-brink (its own demo patient, BSN 999911120), platform = demo-platform-drenthe (pseudonymised output); admin makes the same requests.',
      'Peers (bare node:http, bare express) replay the caller’s recorded responses and run between the service’s measurements (service, peer, service, peer).',
      'The medplum peer is left out in region mode: it would have to hold the whole region in memory.',
    ],
  };
  log(formatMachine(report.machine));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'meso-fhir-region-'));
  fs.chmodSync(work, 0o755);
  try {
    for (const dir of regionDirs(work)) await measureRegion(dir, report, shape, settings.peers, work);
  } finally {
    if (!process.env.BENCH_REGION_DIR) fs.rmSync(work, { recursive: true, force: true });
  }
  const pulls = report.results.filter(
    (r) => r.scenario === 'gp-pull' && r.caller === 'gp' && r.connections === 1,
  );
  if (pulls.length > 1)
    report.notes.push(
      `GP pull p95, largest region ÷ smallest: ${round(pulls[pulls.length - 1].measurement.latency.p95 / pulls[0].measurement.latency.p95)}x`,
    );
  report.finishedAt = new Date().toISOString();
  report.loadAverageAfter = os.loadavg().map((l) => round(l));
  const dir = projectPath('bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `region-${report.startedAt.replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`\n${table(report)}\n\nNotes:\n${report.notes.map((n) => `- ${n}`).join('\n')}\n`);
  process.stdout.write(`Results: ${path.relative(process.cwd(), file)}\n`);
}
