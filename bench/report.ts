import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import type { LoadShape, Measurement } from './measure';
import type { BenchSettings, TargetKind } from './settings';
import { TARGET_LABELS } from './targets/protocol';
import type { ValidationReport } from './validation';
import type { TargetRow, WriteScenarios } from './issue-targets';
import type { MesoReport } from './run-meso';

export interface MachineInfo {
  cpuModel: string;
  cpuCount: number;
  availableParallelism: number;
  totalMemoryGiB: number;
  platform: string;
  release: string;
  arch: string;
  node: string;
  v8: string;
  loadAverage: number[];
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model?.trim() ?? 'unknown',
    cpuCount: cpus.length,
    availableParallelism: os.availableParallelism(),
    totalMemoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    platform: os.platform(),
    release: os.release(),
    arch: os.arch(),
    node: process.version,
    v8: process.versions.v8,
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

/** What every mode's report says of its run: when, where, which commit, and the load around it. */
export interface RunInfo {
  startedAt: string;
  finishedAt?: string;
  machine: MachineInfo;
  /** 1/5/15-minute load average at the end (machine.loadAverage is at the start). */
  loadAverageAfter?: number[];
  git: { commit?: string; dirty?: boolean };
  shape: LoadShape;
}

/** The commit measured, and whether the working tree differed from it. */
export function gitInfo(cwd: string): { commit?: string; dirty?: boolean } {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    const status = execFileSync('git', ['status', '--porcelain'], {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return { commit, dirty: status.trim().length > 0 };
  } catch {
    return {};
  }
}

/** The service relative to one other target: req/s as a fraction of the target's, latencies as multiples. */
export interface Ratio {
  rps: number;
  p50: number;
  p95: number;
  p99: number;
}

export function ratio(service: Measurement, other: Measurement): Ratio {
  const r = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 1000) / 1000 : NaN);
  return {
    rps: r(service.rps, other.rps),
    p50: r(service.latency.p50, other.latency.p50),
    p95: r(service.latency.p95, other.latency.p95),
    p99: r(service.latency.p99, other.latency.p99),
  };
}

/** A scenario measured right beside its reference in the same run (MESO documents, referrals). */
export interface RatioRow {
  title: string;
  reference: string;
  service: Measurement;
  referenceResult: Measurement;
  /** service ÷ reference: req/s as a fraction, latencies as multiples. */
  ratio: Ratio;
}

/** Rows beside their references as a table; `extra` adds a column after non-2xx (a header and its cells). */
export function ratioTable<R extends RatioRow>(rows: R[], extra?: [string, (row: R) => string]): string {
  const header = ['scenario', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'non-2xx'];
  if (extra) header.push(extra[0]);
  header.push(
    'reference',
    'ref req/s',
    'ref p50',
    'ref p99',
    'req/s ÷ ref',
    'p50 ÷ ref',
    'p95 ÷ ref',
    'p99 ÷ ref',
  );
  const body = rows.map((row) => [
    row.title,
    num(row.service.rps, 1),
    num(row.service.latency.p50, 1),
    num(row.service.latency.p95, 1),
    num(row.service.latency.p99, 1),
    num(row.service.non2xx + row.service.errors + row.service.timeouts),
    ...(extra ? [extra[1](row)] : []),
    row.reference,
    num(row.referenceResult.rps, 1),
    num(row.referenceResult.latency.p50, 1),
    num(row.referenceResult.latency.p99, 1),
    `${num(row.ratio.rps * 100, 1)} %`,
    `${num(row.ratio.p50, 2)}×`,
    `${num(row.ratio.p95, 2)}×`,
    `${num(row.ratio.p99, 2)}×`,
  ]);
  return table([header, ...body]);
}

export interface ScenarioReport {
  id: 'read' | 'search' | 'read-gp';
  title: string;
  examplePath: string;
  distinctUrls: number;
  results: Partial<Record<TargetKind, Measurement>>;
  /** Keyed by the other target: service ÷ that target. */
  ratios: Partial<Record<TargetKind, Ratio>>;
}

export interface BenchReport {
  startedAt: string;
  finishedAt?: string;
  totalSeconds?: number;
  /** 1/5/15-minute load average at the end (machine.loadAverage is at the start): other work on the machine skews results. */
  loadAverageAfter?: number[];
  machine: MachineInfo;
  git: { commit?: string; dirty?: boolean };
  settings: BenchSettings;
  load?: { patients: number; bundles: number; batch: number; seconds: number; patientsPerSecond: number };
  scenarios: ScenarioReport[];
  validation?: ValidationReport;
  /** Issue 9's write, audit and start-up rows (bench/issue-targets.ts), and each row's verdict. */
  write: WriteScenarios;
  targets?: TargetRow[];
  /** Issue 10's MESO document scenarios (bench/run-meso.ts), each with its same-run reference. */
  meso?: MesoReport;
  notes: string[];
}

/** A number for a table: thousands separated, `digits` decimals, '–' when not finite. */
export const num = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : '–';

/** A plain-text table: the first row is the header, a rule under it; columns left-aligned unless `rightAligned`. */
export function table(rows: string[][], rightAligned: boolean[] = []): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r: string[]) =>
    r.map((cell, c) => (rightAligned[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ');
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

/** One scenario as a table: every target, and the service relative to each of the others. */
export function formatScenario(s: ScenarioReport, settings: BenchSettings): string {
  const header = [
    'target',
    'req/s',
    'p50 ms',
    'p95 ms',
    'p99 ms',
    'non-2xx',
    'errors',
    'bytes/resp',
    'service req/s ÷',
    'service p50 ÷',
    'service p99 ÷',
  ];
  const rows = [header];
  for (const [kind, m] of Object.entries(s.results) as [TargetKind, Measurement][]) {
    const r = s.ratios[kind];
    rows.push([
      TARGET_LABELS[kind],
      num(m.rps),
      num(m.latency.p50, 2),
      num(m.latency.p95, 2),
      num(m.latency.p99, 2),
      num(m.non2xx),
      num(m.errors + m.timeouts),
      num(m.bytesPerResponse),
      r ? `${num(r.rps * 100, 1)} %` : '',
      r ? `${num(r.p50, 1)}×` : '',
      r ? `${num(r.p99, 1)}×` : '',
    ]);
  }
  const title = `${s.title}: GET ${s.examplePath}\n(${settings.connections} connections, ${settings.duration} s after ${settings.warmup} s warm-up, ${s.distinctUrls} distinct URLs)`;
  return `${title}\n${table(
    rows,
    header.map((_, i) => i > 0),
  )}`;
}

export function formatValidation(v: ValidationReport): string {
  const lines = [
    `Validation micro-benchmark (one core, profile nl-core-Patient; validator loaded in ${v.loadSeconds} s; target ≥ ${num(v.target)}/s)`,
  ];
  for (const r of v.results) {
    const verdict = r.perSecond >= v.target ? 'meets target' : 'BELOW target';
    lines.push(
      `  ${r.sample}: ${num(r.perSecond)} validations/s (${num(r.meanMicros, 1)} µs each, ${num(r.validations)} in ${r.seconds} s) — ${verdict}; result: ${r.outcome}`,
    );
  }
  return lines.join('\n');
}

export function formatMachine(m: MachineInfo): string {
  return `${m.cpuModel} × ${m.cpuCount} (parallelism ${m.availableParallelism}), ${m.totalMemoryGiB} GiB, ${m.platform} ${m.release} ${m.arch}, Node ${m.node}, load avg ${m.loadAverage.join(' ')}`;
}

/** bench/results/<prefix><timestamp>.json (gitignored, except .gitkeep). */
export function writeReport(report: { startedAt: string }, dir: string, prefix = ''): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${prefix}${report.startedAt.replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}
