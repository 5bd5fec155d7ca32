import { randomUUID } from 'node:crypto';
import type { Bundle, Patient } from '@medplum/fhirtypes';
import { BSN_SYSTEM, bsnOf } from './patients';

const FHIR_JSON = 'application/fhir+json';

export interface LoadResult {
  /** The patients as the service stored them (server id, meta), in input order. */
  stored: Patient[];
  seconds: number;
  bundles: number;
}

/** Loads patients through the API, as transaction Bundles of `batch` POST entries. */
export async function loadViaApi(
  baseUrl: string,
  headers: Record<string, string>,
  patients: Patient[],
  batch: number,
): Promise<LoadResult> {
  const started = process.hrtime.bigint();
  const stored: Patient[] = [];
  let bundles = 0;
  for (let i = 0; i < patients.length; i += batch) {
    const chunk = patients.slice(i, i + batch);
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: chunk.map((resource) => ({
        fullUrl: `urn:uuid:${randomUUID()}`,
        resource,
        request: { method: 'POST', url: 'Patient' },
      })),
    };
    const response = await fetch(baseUrl, {
      method: 'POST',
      headers: { ...headers, 'content-type': FHIR_JSON, accept: FHIR_JSON, prefer: 'return=representation' },
      body: JSON.stringify(bundle),
    });
    const text = await response.text();
    if (!response.ok)
      throw new Error(`Loading Bundle ${bundles + 1} failed: ${response.status} ${text.slice(0, 1000)}`);
    const result = JSON.parse(text) as Bundle;
    const entries = result.entry ?? [];
    if (entries.length !== chunk.length)
      throw new Error(`Bundle ${bundles + 1}: ${entries.length} response entries for ${chunk.length}`);
    entries.forEach((entry, j) => {
      if (!entry.response?.status?.startsWith('201'))
        throw new Error(`Bundle ${bundles + 1} entry ${j}: ${entry.response?.status}`);
      const resource = entry.resource as Patient | undefined;
      const id = resource?.id ?? /Patient\/([^/]+)/.exec(entry.response.location ?? '')?.[1];
      if (!id) throw new Error(`Bundle ${bundles + 1} entry ${j}: no id in the response`);
      stored.push(resource ?? { ...chunk[j], id });
    });
    bundles++;
  }
  return { stored, seconds: Number(process.hrtime.bigint() - started) / 1e9, bundles };
}

/** The request paths of the two scenarios, for `sample` patients spread evenly over the stored set. */
export function scenarioPaths(stored: Patient[], sample: number): { read: string[]; search: string[] } {
  const step = stored.length / sample;
  const chosen = Array.from({ length: sample }, (_, i) => stored[Math.floor(i * step)]);
  return {
    read: chosen.map((p) => `/fhir/Patient/${p.id}`),
    search: chosen.map((p) => `/fhir/Patient?identifier=${encodeURIComponent(`${BSN_SYSTEM}|${bsnOf(p)}`)}`),
  };
}

/** One recorded response: what the bare targets send back for `path`, byte for byte. */
export interface Fixture {
  path: string;
  status: number;
  headers: Record<string, string>;
  body: string;
}

// Set per connection or per response by Node itself; copying them would send them twice or wrongly.
const NOT_COPIED = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding', 'content-length']);

/**
 * GETs every path from the service once and keeps status, headers and body, so that the bare node:http and
 * express targets can return the very same bytes. Checks that reads and searches find their one patient.
 */
export async function recordResponses(
  origin: string,
  paths: string[],
  headers: Record<string, string>,
): Promise<Fixture[]> {
  const out: Fixture[] = new Array(paths.length);
  let next = 0;
  const worker = async () => {
    while (next < paths.length) {
      const i = next++;
      const path = paths[i];
      const response = await fetch(origin + path, { headers: { ...headers, accept: FHIR_JSON } });
      const body = await response.text();
      if (response.status !== 200) throw new Error(`GET ${path}: ${response.status} ${body.slice(0, 500)}`);
      checkBody(path, body);
      const kept: Record<string, string> = {};
      response.headers.forEach((value, name) => {
        if (!NOT_COPIED.has(name)) kept[name] = value;
      });
      out[i] = { path, status: response.status, headers: kept, body };
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return out;
}

/** A read returns the Patient, a search a searchset with exactly that one Patient. */
export function checkBody(path: string, body: string): void {
  const resource = JSON.parse(body) as Patient | Bundle;
  if (path.includes('?')) {
    const bundle = resource as Bundle;
    const matches = (bundle.entry ?? []).filter((e) => e.resource?.resourceType === 'Patient');
    if (bundle.resourceType !== 'Bundle' || matches.length !== 1)
      throw new Error(`GET ${path}: expected one Patient, got ${body.slice(0, 300)}`);
  } else if (resource.resourceType !== 'Patient' || !path.endsWith(`/${resource.id}`)) {
    throw new Error(`GET ${path}: expected that Patient, got ${body.slice(0, 300)}`);
  }
}
