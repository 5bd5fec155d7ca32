/** The rows of issue 9's target table that the write/audit/start-up scenarios measure, and their printout. */
import type { Measurement } from './measure';
import type { ReadsDuringTransaction } from './scenarios-write';
import type { SealLagSamples } from './audit-probe';
import { table } from './report';

export interface WriteScenarios {
  /** (4) The VVT referral transaction, the service and its reference (node:http echoing the same body). */
  referral?: {
    service?: Measurement;
    echo?: Measurement;
    bundles: number;
    reusedBsn: number;
  };
  /** (5) Reads by id while one 5,000-entry transaction runs. */
  readsDuringTransaction?: ReadsDuringTransaction;
  /** Audit storage over the read scenarios: Δ bytes (audit_log partitions, indexes, seals) ÷ Δ rows. */
  auditStorage?: { rows: number; bytes: number; bytesPerRow: number; unsealedAtEnd: number };
  /** The seal lag sampled during the service's read scenarios. */
  sealLag?: SealLagSamples;
  /** Seconds from spawn to the first 200 on /readyz, second and later starts of the same DATA_DIR. */
  coldStart?: { seconds: number[]; median: number };
}

export interface TargetRow {
  row: string;
  value: string;
  target: string;
  reached: boolean | undefined;
}

const f = (n: number | undefined, digits = 0) =>
  n === undefined || !Number.isFinite(n)
    ? '–'
    : n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

export function targetRows(w: WriteScenarios): TargetRow[] {
  const rows: TargetRow[] = [];
  const r = w.referral;
  if (r?.service) {
    const echo = r.echo ? `, ${f((r.service.rps / r.echo.rps) * 100, 1)} % of node:http echo` : '';
    rows.push({
      row: 'referral transaction (10 conn.)',
      value: `${f(r.service.rps)} bundles/s, p50 ${f(r.service.latency.p50, 1)} ms, p95 ${f(r.service.latency.p95, 1)} ms${echo}`,
      target: '≥ 300/s',
      reached: r.service.rps >= 300 && r.service.non2xx + r.service.errors === 0,
    });
  }
  const t = w.readsDuringTransaction;
  if (t) {
    rows.push({
      row: `read p99 during a ${f(t.entries)}-entry transaction`,
      value: `p99 ${f(t.latency.p99, 2)} ms (p50 ${f(t.latency.p50, 1)}, ${f(t.reads)} reads); transaction ${f(t.transactionSeconds, 2)} s, ${t.status}`,
      target: '≤ 50 ms',
      reached: t.status === 200 && t.reads > 0 ? t.latency.p99 <= 50 : undefined,
    });
  }
  if (w.auditStorage) {
    rows.push({
      row: 'audit storage per audited read',
      value: `${f(w.auditStorage.bytesPerRow)} B (${f(w.auditStorage.bytes)} B over ${f(w.auditStorage.rows)} rows)`,
      target: '≤ 1 KB',
      reached: w.auditStorage.rows > 0 ? w.auditStorage.bytesPerRow <= 1024 : undefined,
    });
  }
  if (w.coldStart) {
    rows.push({
      row: 'cold start to 200 on /readyz',
      value: `median ${f(w.coldStart.median, 2)} s (${w.coldStart.seconds.map((s) => f(s, 2)).join(', ')})`,
      target: '≤ 3 s',
      reached: w.coldStart.median <= 3,
    });
  }
  if (w.sealLag) {
    rows.push({
      row: 'seal lag during the reads (max)',
      value: `${f(w.sealLag.maxLagMs)} ms (max ${f(w.sealLag.maxUnsealed)} unsealed, ${w.sealLag.samples} samples)`,
      target: '< 2 s',
      reached: w.sealLag.samples > 0 ? w.sealLag.maxLagMs < 2000 : undefined,
    });
  }
  return rows;
}

export function formatTargets(rows: TargetRow[]): string {
  const cells = [
    ['issue 9 target row', 'measured', 'target', 'reached'],
    ...rows.map((r) => [r.row, r.value, r.target, r.reached === undefined ? '?' : r.reached ? 'yes' : 'NO']),
  ];
  return ['Issue 9 targets (write, audit, start-up)', table(cells)].join('\n');
}
