/**
 * The MESO document scenarios (issue 10), as the MESO team's demo client: (a) the first import of a fresh
 * document per request, (b) the same version again (idempotent), (c) a new version changing one goal, and
 * (d) the export GET. Bodies are examples/meso/eenvoudig.json with a fresh document id and a fresh test BSN.
 */
import fs from 'node:fs';
import type autocannon from 'autocannon';
import { projectPath } from '../src/project-root';
import { measureRequests, type LoadShape, type Measurement } from './measure';
import { testBsns } from './patients';

/** examples/clients/meso-team.json. */
export const MESO_CLIENT = 'demo-meso-midden-drenthe';
export const MESO_PATH = '/meso/v1/careplans';

const TEMPLATE_ID = 'zbp-2026-0101';
const TEMPLATE_BSN = '999970008';

/** What the imports answered (their OperationOutcome summary), summed over every 2xx response. */
export interface ImportCounts {
  documents: number;
  created: number;
  updated: number;
  ended: number;
  unchanged: number;
  /** Imports that wrote something also wrote one Provenance (not in the counts above). */
  provenances: number;
}

export interface MesoDocuments {
  /** A fresh document (id and BSN) as a body. */
  fresh(): string;
  /** The body made for a document id. */
  bodyOf(id: string): string | undefined;
  /** Documents answered 201, in order: the pool of the other scenarios. */
  imported: Array<{ id: string; body: string }>;
  /** Fresh documents made, and how many reused a BSN (the 9999 test range is small). */
  made(): { documents: number; reusedBsn: number };
}

/**
 * Fresh documents: test BSNs from the top of the 9999 range down (the loaded patients and the referrals take
 * them from the bottom up), document ids `bench-<run>-<n>`.
 */
export function mesoDocuments(): MesoDocuments {
  const template = fs.readFileSync(projectPath('examples', 'meso', 'eenvoudig.json'), 'utf8');
  const free = testBsns(9000).reverse().slice(0, 3000);
  const run = Date.now().toString(36);
  const bodies = new Map<string, string>();
  const imported: Array<{ id: string; body: string }> = [];
  let n = 0;
  return {
    fresh: () => {
      const i = n++;
      const id = `bench-${run}-${i}`;
      const body = template.replace(TEMPLATE_ID, id).replace(TEMPLATE_BSN, free[i % free.length]);
      bodies.set(id, body);
      return body;
    },
    bodyOf: (id) => bodies.get(id),
    imported,
    made: () => ({ documents: n, reusedBsn: Math.max(0, n - free.length) }),
  };
}

const COUNTS = /\(created (\d+), updated (\d+), ended (\d+), unchanged (\d+)\)/;
const DOCUMENT = /Document (\S+) versie/;

function emptyCounts(): ImportCounts {
  return { documents: 0, created: 0, updated: 0, ended: 0, unchanged: 0, provenances: 0 };
}

/** Adds one import answer to `counts`; returns the document id it names. */
function count(counts: ImportCounts, status: number, body: string): string | undefined {
  if (status < 200 || status > 299) return undefined;
  const m = COUNTS.exec(body);
  if (!m) return undefined;
  const [created, updated, ended, unchanged] = m.slice(1).map(Number);
  counts.documents++;
  counts.created += created;
  counts.updated += updated;
  counts.ended += ended;
  counts.unchanged += unchanged;
  if (created + updated + ended > 0) counts.provenances++;
  return DOCUMENT.exec(body)?.[1];
}

const JSON_HEADERS = { 'content-type': 'application/json' };

function post(
  url: string,
  headers: Record<string, string>,
  shape: LoadShape,
  body: () => string,
  onResponse: (status: number, body: string) => void,
): Promise<Measurement> {
  const request: autocannon.Request = {
    method: 'POST',
    path: MESO_PATH,
    setupRequest: (req) => ({ ...req, body: body() }),
    onResponse: (status, text) => onResponse(status, text),
  };
  return measureRequests(url, [request], { ...JSON_HEADERS, ...headers }, shape);
}

/** (a) A fresh document per request; every one answered 201 joins `docs.imported`. */
export async function measureFirstImports(
  url: string,
  docs: MesoDocuments,
  headers: Record<string, string>,
  shape: LoadShape,
): Promise<{ m: Measurement; counts: ImportCounts }> {
  const counts = emptyCounts();
  const m = await post(url, headers, shape, docs.fresh, (status, text) => {
    const id = count(counts, status, text);
    const body = id === undefined ? undefined : docs.bodyOf(id);
    if (status === 201 && id !== undefined && body !== undefined) docs.imported.push({ id, body });
  });
  return { m, counts };
}

/** (b) The imported documents again, unchanged (same id and version): the idempotent path. */
export async function measureReimports(
  url: string,
  docs: MesoDocuments,
  headers: Record<string, string>,
  shape: LoadShape,
): Promise<{ m: Measurement; counts: ImportCounts }> {
  const counts = emptyCounts();
  let i = 0;
  const next = () => docs.imported[i++ % docs.imported.length].body;
  const m = await post(url, headers, shape, next, (status, text) => void count(counts, status, text));
  return { m, counts };
}

/**
 * (c) Per request the next imported document in turn, one version up, with the first goal's description
 * changed. A document comes round again only after the whole pool, so two versions of one document are never
 * in flight together (that would answer 409 to the older one) as long as the pool outnumbers the connections.
 */
export async function measureNewVersions(
  url: string,
  docs: MesoDocuments,
  headers: Record<string, string>,
  shape: LoadShape,
): Promise<{ m: Measurement; counts: ImportCounts }> {
  const counts = emptyCounts();
  const parsed = docs.imported.map(({ body }) => JSON.parse(body) as MesoDoc);
  let i = 0;
  const next = () => {
    const doc = parsed[i++ % parsed.length];
    doc.document.version++;
    doc.goals.now[0].description = `Zelfstandig thuis blijven wonen (versie ${doc.document.version}).`;
    return JSON.stringify(doc);
  };
  const m = await post(url, headers, shape, next, (status, text) => void count(counts, status, text));
  return { m, counts };
}

interface MesoDoc {
  document: { version: number };
  goals: { now: Array<{ description: string }> };
}

/** (d) GET /meso/v1/careplans/{document id}, cycling through the imported documents. */
export function measureExports(
  url: string,
  docs: MesoDocuments,
  headers: Record<string, string>,
  shape: LoadShape,
): Promise<Measurement> {
  const requests = docs.imported.map(({ id }) => ({
    method: 'GET',
    path: `${MESO_PATH}/${encodeURIComponent(id)}`,
  }));
  return measureRequests(url, requests, { ...headers, accept: 'application/json' }, shape);
}
