/**
 * run-bench.ts's hook for the MESO document scenarios (bench/scenarios-meso.ts): each measured on the service
 * and right after its reference in the same run (the VVT referral transaction for the writes, the admin's FHIR
 * read by id for the export), so that noise on a shared machine falls on both sides.
 */
import { obtainTokenFor } from './auth';
import { measure, type LoadShape } from './measure';
import { num, ratio, ratioTable, type RatioRow } from './report';
import {
  MESO_CLIENT,
  measureExports,
  measureFirstImports,
  measureNewVersions,
  measureReimports,
  mesoDocuments,
  type ImportCounts,
} from './scenarios-meso';
import { measureReferrals } from './scenarios-write';
import type { WriteSession } from './run-write';
import type { StartedTarget } from './targets/protocol';

const log = (message: string) => process.stdout.write(`[bench] ${message}\n`);

export interface MesoRow extends RatioRow {
  id: 'first-import' | 'reimport' | 'new-version' | 'export';
  /** Writes only: what the answers said, summed. */
  counts?: ImportCounts;
}

export interface MesoReport {
  shape: LoadShape;
  rows: MesoRow[];
  /** Documents imported by (a), the pool of (b), (c) and (d). */
  pool: number;
  documents: number;
  reusedBsn: number;
  notes: string[];
}

/**
 * `shape` (BENCH_MESO_DURATION s, BENCH_MESO_CONNECTIONS, at most 1 s warm-up) for all eight measurements, the
 * references too, so that each ratio compares like with like: about 40 s in all.
 */
export async function serviceMeso(
  service: StartedTarget,
  adminHeaders: Record<string, string>,
  readPaths: string[],
  session: WriteSession,
  shape: LoadShape,
): Promise<MesoReport> {
  const headers = { authorization: `Bearer ${await obtainTokenFor(service.baseUrl, MESO_CLIENT)}` };
  const docs = mesoDocuments();
  const referral = () => measureReferrals(service.url, session.bodies, session.vvtHeaders, shape);
  const REFERRAL = 'VVT referral transaction';
  const report: MesoReport = { shape, rows: [], pool: 0, documents: 0, reusedBsn: 0, notes: [] };
  const add = (row: Omit<MesoRow, 'ratio'>) => {
    const full = { ...row, ratio: ratio(row.service, row.referenceResult) };
    report.rows.push(full);
    log(
      `MESO ${row.id}: ${row.service.rps} req/s, p50 ${row.service.latency.p50} ms, p99 ${row.service.latency.p99} ms, ` +
        `non-2xx ${row.service.non2xx}; ${row.reference} ${row.referenceResult.rps} req/s ` +
        `(${(full.ratio.rps * 100).toFixed(1)} %, p50 ${full.ratio.p50}×)${written(row.counts)}`,
    );
  };

  const a = await measureFirstImports(service.url, docs, headers, shape);
  add({
    id: 'first-import',
    title: '(a) first import, fresh document',
    reference: REFERRAL,
    service: a.m,
    referenceResult: await referral(),
    counts: a.counts,
  });
  report.pool = docs.imported.length;
  Object.assign(report, { documents: docs.made().documents, reusedBsn: docs.made().reusedBsn });
  if (docs.imported.length === 0) {
    report.notes.push('no document was imported (201): (b), (c) and (d) skipped');
    return report;
  }
  if (docs.imported.length < 3 * shape.connections)
    report.notes.push(
      `only ${docs.imported.length} documents in the pool for ${shape.connections} connections: (c) may answer 409`,
    );

  const b = await measureReimports(service.url, docs, headers, shape);
  add({
    id: 'reimport',
    title: '(b) same version again (idempotent)',
    reference: REFERRAL,
    service: b.m,
    referenceResult: await referral(),
    counts: b.counts,
  });
  const c = await measureNewVersions(service.url, docs, headers, shape);
  add({
    id: 'new-version',
    title: '(c) new version, one goal changed',
    reference: REFERRAL,
    service: c.m,
    referenceResult: await referral(),
    counts: c.counts,
  });
  const d = await measureExports(service.url, docs, headers, shape);
  add({
    id: 'export',
    title: '(d) export GET',
    reference: 'admin FHIR read by id',
    service: d,
    referenceResult: await measure(service.url, readPaths, adminHeaders, shape),
  });
  return report;
}

const perDocument = (c: ImportCounts) => {
  const n = Math.max(1, c.documents);
  return {
    created: c.created / n,
    updated: c.updated / n,
    ended: c.ended / n,
    unchanged: c.unchanged / n,
    /** Every resource version written, the Provenance included. */
    written: (c.created + c.updated + c.ended + c.provenances) / n,
  };
};

function written(c: ImportCounts | undefined): string {
  if (!c) return '';
  const p = perDocument(c);
  return `; ${p.written.toFixed(1)} resources written per document (created ${p.created.toFixed(1)}, updated ${p.updated.toFixed(1)}, ended ${p.ended.toFixed(1)}, + Provenance; unchanged ${p.unchanged.toFixed(1)})`;
}

export function formatMeso(r: MesoReport): string {
  const rows = ratioTable(r.rows, [
    'written/doc',
    (row) => (row.counts ? num(perDocument(row.counts).written, 1) : ''),
  ]);
  return [
    `MESO documents (issue 10; ${r.shape.connections} connections, ${r.shape.duration} s after ${r.shape.warmup} s warm-up each, ` +
      `pool of ${r.pool} imported documents; written/doc counts the Provenance)`,
    rows,
    ...r.notes.map((note) => `note: ${note}`),
  ].join('\n');
}
