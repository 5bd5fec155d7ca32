/**
 * `npm run bench -- --referral` (issue 11): the referral workflow on the service with the demo data, each
 * scenario measured right beside its reference in the same run, in rounds (scenario, reference, scenario,
 * reference), so that noise on a shared machine falls on both sides:
 *   (a) the VVT's referral transaction (conditional Patient + ServiceRequest + Task: integrity checks and a
 *       Provenance) — reference: the same transaction without the Task;
 *   (b) the MESO team accepting a received referral (JSON Patch with If-Match; the ServiceRequest, the zorgtraject
 *       and its CareTeam follow, with a Provenance, in the same transaction) — reference: a JSON Patch of the same
 *       size on a Goal by the same client;
 *   (c) the MESO team's inbox search with a few hundred open Tasks — references: the admin's same search, and the
 *       team's read of a Task by id.
 * Prints one table and writes bench/results/referral-<timestamp>.json.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectPath } from '../src/project-root';
import { obtainToken, obtainTokenFor } from './auth';
import { openAuditProbe, waitForJobs, type AuditProbe } from './audit-probe';
import type { LoadShape, Measurement } from './measure';
import {
  formatMachine,
  gitInfo,
  machineInfo,
  ratio,
  ratioTable,
  writeReport,
  type RunInfo,
  type Ratio,
  type RatioRow,
} from './report';
import {
  MESO_TEAM_URA,
  eachParallel,
  inboxPath,
  measureAcceptances,
  measureGoalPatches,
  measureInbox,
  measureTaskReads,
  organizationId,
  receiveAll,
  referenceGoals,
  taskOfAnswer,
  type Versioned,
} from './scenarios-referral';
import { MESO_CLIENT } from './scenarios-meso';
import { VVT_CLIENT, measureReferrals, referralBodies } from './scenarios-write';
import { serviceEnv } from './service-env';
import { loadBenchSettings } from './settings';
import { spawnTarget } from './targets/spawn';

const log = (message: string) => process.stdout.write(`[bench:referral] ${message}\n`);

/** Whether `npm run bench` runs the referral mode (`npm run bench -- --referral`). */
export const referralMode = (argv: readonly string[] = process.argv): boolean => argv.includes('--referral');

const ROUNDS = 3;
/** Goals the reference of (b) patches in turn: more than the connections, so no two are in flight together. */
const GOALS = 50;

export interface ReferralRow extends RatioRow {
  id: 'referral' | 'accept' | 'inbox-admin' | 'inbox-read';
  round: number;
}

export interface ReferralReport extends RunInfo {
  mode: 'referral';
  /** Open Tasks in the MESO team's inbox during (c), and the received Tasks (b) could accept. */
  openTasks: number;
  rows: ReferralRow[];
  notes: string[];
}

type Headers = Record<string, string>;

export async function runReferralBench(): Promise<void> {
  const settings = loadBenchSettings();
  const shape: LoadShape = {
    duration: settings.referralDuration,
    connections: settings.referralConnections,
    warmup: Math.min(settings.warmup, 1),
  };
  const report: ReferralReport = {
    mode: 'referral',
    startedAt: new Date().toISOString(),
    machine: machineInfo(),
    git: gitInfo(projectPath()),
    shape,
    openTasks: 0,
    rows: [],
    notes: [
      'Clients: VVT demo-vvt-drentse-erf (referrals), MESO team demo-meso-midden-drenthe (accepts, inbox, Goals), demo-admin.',
      `Rounds: each scenario, then its reference, ${ROUNDS} times; ratios are scenario ÷ reference (req/s as %, latency as ×).`,
    ],
  };
  log(formatMachine(report.machine));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'meso-fhir-referral-'));
  fs.chmodSync(work, 0o755);
  const service = await spawnTarget('service', undefined, {
    ...serviceEnv(path.join(work, 'service')),
    LOAD_DEMO_DATA: 'true',
  });
  try {
    const probe = openAuditProbe(path.join(work, 'service'));
    try {
      await measureAll(service.url, service.baseUrl, report, settings.referralPool, probe);
    } finally {
      await probe.close();
    }
  } finally {
    await service.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
  report.finishedAt = new Date().toISOString();
  report.loadAverageAfter = os.loadavg().map((l) => Math.round(l * 100) / 100);
  const file = writeReport(report, projectPath('bench', 'results'), 'referral-');
  process.stdout.write(`\n${formatReferral(report)}\nResults: ${path.relative(process.cwd(), file)}\n`);
}

async function measureAll(
  url: string,
  base: string,
  report: ReferralReport,
  pool: number,
  probe: AuditProbe,
) {
  const { shape } = report;
  /** Each measurement starts with no job due: the previous one's work after commit is done. */
  const settled = async (measurement: () => Promise<Measurement>) => {
    const left = await waitForJobs(probe);
    if (left) report.notes.push(`${left} jobs still due when a measurement started (after 20 s).`);
    return measurement();
  };
  const admin: Headers = { authorization: `Bearer ${await obtainToken(base)}` };
  const vvt: Headers = { authorization: `Bearer ${await obtainTokenFor(base, VVT_CLIENT)}` };
  const meso: Headers = { authorization: `Bearer ${await obtainTokenFor(base, MESO_CLIENT)}` };
  const add = (row: Omit<ReferralRow, 'ratio'>) => {
    const full = { ...row, ratio: ratio(row.service, row.referenceResult) };
    report.rows.push(full);
    log(
      `${row.title} (round ${row.round}): ${row.service.rps} req/s, p50 ${row.service.latency.p50} ms, ` +
        `non-2xx ${row.service.non2xx}; ${row.reference} ${row.referenceResult.rps} req/s ` +
        `(${(full.ratio.rps * 100).toFixed(1)} %, p50 ${full.ratio.p50}×)`,
    );
  };

  // (a) The Tasks it creates are the inbox of (c) and the pool of (b).
  const bodies = referralBodies(0);
  const created: Versioned[] = [];
  const collect = (status: number, body: string) => {
    const task = taskOfAnswer(status, body);
    if (task) created.push(task);
  };
  /** More referrals, outside the measurements, their Tasks marked received by the MESO team. */
  const openReferrals = async (count: number): Promise<Versioned[]> => {
    const from = created.length;
    await eachParallel(Array.from({ length: count }), shape.connections, async () => {
      const response = await fetch(base, {
        method: 'POST',
        headers: { ...vvt, 'content-type': 'application/fhir+json' },
        body: bodies.next(),
      });
      collect(response.status, await response.text());
    });
    return receiveAll(base, meso, created.slice(from), shape.connections);
  };
  log('warming up (referrals, unrecorded)…');
  await measureReferrals(url, bodies, vvt, { ...shape, duration: 2, warmup: 0 }, collect);
  for (let round = 1; round <= ROUNDS; round++)
    add({
      id: 'referral',
      round,
      title: '(a) VVT referral transaction (Patient, SR, Task)',
      service: await settled(() => measureReferrals(url, bodies, vvt, shape, collect)),
      reference: 'same without the Task',
      referenceResult: await settled(() => measureReferrals(url, bodies.withoutTask(), vvt, shape)),
    });
  const more = Math.max(0, pool - created.length);
  log(`${created.length} referral Tasks from (a); posting ${more} more, then marking all received…`);
  const received = [
    ...(await receiveAll(base, meso, [...created], shape.connections)),
    ...(await openReferrals(more)),
  ];
  if (received.length === 0) throw new Error('no referral Task was created: (b) and (c) need them');

  // (c) With every Task still open.
  const organization = await organizationId(base, meso, MESO_TEAM_URA);
  report.openTasks = received.length;
  report.notes.push(`(c) GET ${inboxPath(organization)} (first page: DEFAULT_COUNT).`);
  const references = [
    ['inbox-admin', 'admin, same search', () => measureInbox(url, organization, admin, shape)],
    ['inbox-read', 'MESO read Task by id', () => measureTaskReads(url, received, meso, shape)],
  ] as const;
  for (let round = 1; round <= ROUNDS; round++) {
    const inbox = await settled(() => measureInbox(url, organization, meso, shape));
    const title = `(c) MESO inbox search, ${received.length} open Tasks`;
    for (const [id, reference, measurement] of references)
      add({ id, round, title, service: inbox, reference, referenceResult: await settled(measurement) });
  }

  // (b) Each received Task accepted once; the Goals are patched in turn.
  const goals = await referenceGoals(base, admin, GOALS);
  const acceptable = [...received];
  // Enough received Tasks for a round at the fastest rate seen so far, twice over (each is accepted once).
  const fastest = () =>
    Math.max(
      ...report.rows.filter((r) => r.id === 'referral' || r.id === 'accept').map((r) => r.service.rps),
    );
  for (let round = 1; round <= ROUNDS; round++) {
    const need = Math.ceil(fastest() * (shape.duration + shape.warmup) * 2) - acceptable.length;
    if (need > 0) {
      log(`(b) round ${round}: ${need} more received Tasks…`);
      acceptable.push(...(await openReferrals(need)));
    }
    add({
      id: 'accept',
      round,
      title: '(b) MESO accepts (PATCH received → accepted)',
      service: await settled(() => measureAcceptances(url, acceptable, meso, shape)),
      reference: 'MESO PATCH of a Goal, same size',
      referenceResult: await settled(() => measureGoalPatches(url, goals, meso, shape)),
    });
  }
  const { bundles, reusedBsn } = bodies.made();
  if (reusedBsn) report.notes.push(`${reusedBsn} of ${bundles} referral bundles reused a test BSN.`);
  if (acceptable.length === 0)
    report.notes.push('(b) the received Tasks ran out: raise BENCH_REFERRAL_POOL (the rest answered 412).');
  const bad = new Set<string>();
  for (const row of report.rows)
    for (const [side, m] of [
      [row.title, row.service],
      [row.reference, row.referenceResult],
    ] as const)
      if (m.non2xx + m.errors + m.timeouts > 0)
        bad.add(
          `${side} (round ${row.round}): status codes ${JSON.stringify(m.statusCodes)}, errors ${m.errors}`,
        );
  report.notes.push(...bad);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];

/** Per scenario and reference: the median over the rounds of each ratio. */
function medians(rows: ReferralRow[]): string[] {
  const ids = [...new Set(rows.map((row) => row.id))];
  return ids.map((id) => {
    const of = rows.filter((row) => row.id === id);
    const m = (k: keyof Ratio) => median(of.map((row) => row.ratio[k]));
    return (
      `median of ${of.length} rounds, ${of[0].title} ÷ ${of[0].reference}: req/s ${(m('rps') * 100).toFixed(1)} %, ` +
      `p50 ${m('p50').toFixed(2)}×, p95 ${m('p95').toFixed(2)}×, p99 ${m('p99').toFixed(2)}×`
    );
  });
}

export function formatReferral(r: ReferralReport): string {
  const rows = r.rows.map((row) => ({ ...row, title: `${row.title} [${row.round}]` }));
  return [
    `Referrals (issue 11; ${r.shape.connections} connections, ${r.shape.duration} s after ${r.shape.warmup} s warm-up each; ` +
      `load average ${r.machine.loadAverage.join(' ')} before, ${r.loadAverageAfter?.join(' ')} after)`,
    ratioTable(rows),
    ...medians(r.rows),
    ...r.notes.map((note) => `note: ${note}`),
  ].join('\n');
}
