import fs from 'node:fs';
import fc from 'fast-check';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { FuzzServer, ROLES, type Caller, type FuzzRequest, type FuzzResponse } from './http-harness';
import { hostileJson, hostileString, toJsonText } from './hostile-values';
import { describeMutation, jsonPaths, mutate, type JsonPath, type Mutation } from './json-paths';
import { describeFuzz, FUZZ_SEED, fcParams, timeoutFor } from './fuzz-config';
import { DEMO_BUNDLE } from '../../src/demo-data-loader';

/**
 * Issue 8 §2, writes: every JSON path of every demo resource (as stored, references resolved) replaced by a
 * hostile value, sent as create, update, transaction and batch entry, by every demo client, with random
 * headers. Property: never a 5xx, every 4xx an OperationOutcome; and whatever is accepted reads back (JSON, XML,
 * search) without a 5xx and without charset corruption.
 */
// Every type the demo data holds, read from it rather than listed again.
const demo = JSON.parse(fs.readFileSync(DEMO_BUNDLE, 'utf8')) as Bundle;
const DEMO_TYPES: string[] = [
  ...new Set((demo.entry ?? []).flatMap((e) => (e.resource ? [e.resource.resourceType] : []))),
];
const WRITE_RUNS = 250;
const ENVELOPE_RUNS = 80;

let server: FuzzServer;
let targets: Array<{ resource: Resource; path: JsonPath }>;
let envelope: Bundle;
let envelopePaths: JsonPath[];

beforeAll(async () => {
  server = await FuzzServer.start();
  const resources = await server.storedResources(DEMO_TYPES);
  targets = resources.flatMap((resource) => jsonPaths(resource).map((path) => ({ resource, path })));
  envelope = envelopeOf(resources);
  envelopePaths = jsonPaths(envelope);
}, 300_000);
afterAll(() => server?.close());

const failIfAny = () => server.assertNoFailures(FUZZ_SEED);

const show = (v: unknown) => {
  const text = toJsonText(v) ?? 'undefined';
  return text.length > 80 ? `${text.slice(0, 60)}… (${text.length} chars)` : text;
};

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 6, arbitrary: hostileJson.map((value) => ({ kind: 'replace' as const, value })) },
  { weight: 2, arbitrary: hostileJson.map((value) => ({ kind: 'append' as const, value })) },
  { weight: 2, arbitrary: hostileJson.map((value) => ({ kind: 'sibling' as const, value })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'delete' as const }) },
);

const callerArb: fc.Arbitrary<Caller> = fc.oneof(
  { weight: 6, arbitrary: fc.constant<Caller>('admin') },
  { weight: 4, arbitrary: fc.constantFrom<Caller>(...ROLES) },
);

const CONTENT_TYPES = [
  'application/fhir+json; charset=iso-8859-1',
  'application/fhir+json; charset=latin1',
  'application/fhir+json; charset=utf-16',
  'application/fhir+json; charset=x-garbage',
  'application/fhir+json; charset="utf-8"',
  'application/fhir+json; fhirVersion=4.0',
  'application/fhir+json; fhirVersion=3.0',
  'application/json',
  'application/fhir+xml',
  'text/plain',
  'multipart/form-data; boundary=x',
  '',
];
const ACCEPTS = [
  'application/fhir+json; fhirVersion=4.0',
  'application/fhir+json; fhirVersion=3.0',
  'application/fhir+xml',
  'application/fhir+xml; fhirVersion=4.0',
  '*/*',
  'text/html',
  'application/json;q=0.1, application/fhir+xml;q=0.9',
  ';;;',
];
const IF_MATCH = ['W/"1"', 'W/"0"', 'W/"99999999999"', 'W/"-1"', '*', '"1"', 'W/""', 'W/"1', 'garbage'];
const IF_NONE_EXIST = [
  '%%%',
  '%',
  'identifier=x',
  'identifier=%%%',
  '_id=%ZZ',
  'a=b&c',
  '=',
  '&&',
  '_count=0',
  'birthdate=9999-12-31',
  'birthdate=1e400',
];
const PREFER = [
  'return=minimal',
  'return=representation',
  'return=OperationOutcome',
  'handling=lenient',
  'handling=strict',
  'return=',
  'respond-async',
  ';;,,',
];

const headerValue = (constants: string[]) =>
  fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...constants) }, { weight: 1, arbitrary: hostileString });

/** Present in about one case in `oneIn`. */
const sometimes = <T>(arb: fc.Arbitrary<T>, oneIn: number) =>
  fc.oneof({ weight: oneIn - 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });

const headersArb: fc.Arbitrary<Headers> = fc.record({
  contentType: fc.oneof(
    { weight: 8, arbitrary: fc.constant('application/fhir+json; charset=utf-8') },
    { weight: 3, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
  ),
  accept: sometimes(headerValue(ACCEPTS), 3),
  ifMatch: sometimes(headerValue(IF_MATCH), 4),
  ifNoneExist: sometimes(headerValue(IF_NONE_EXIST), 4),
  ifNoneMatch: sometimes(headerValue(['*', 'W/"1"', 'garbage']), 8),
  prefer: sometimes(headerValue(PREFER), 4),
  // Headers over Node's 16 KB limit.
  pad: sometimes(fc.constant('x'.repeat(17_000)), 60),
});

interface Headers {
  contentType: string;
  accept?: string;
  ifMatch?: string;
  ifNoneExist?: string;
  ifNoneMatch?: string;
  prefer?: string;
  pad?: string;
}

function httpHeaders(h: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  if (h.contentType) out['Content-Type'] = h.contentType;
  if (h.accept !== undefined) out.Accept = h.accept;
  if (h.ifMatch !== undefined) out['If-Match'] = h.ifMatch;
  if (h.ifNoneExist !== undefined) out['If-None-Exist'] = h.ifNoneExist;
  if (h.ifNoneMatch !== undefined) out['If-None-Match'] = h.ifNoneMatch;
  if (h.prefer !== undefined) out.Prefer = h.prefer;
  if (h.pad !== undefined) out['X-Pad'] = h.pad;
  return out;
}

/** The body bytes in the charset the Content-Type declares (Latin-1 only when every character fits). */
function encodeBody(text: string, contentType: string): Buffer {
  if (/charset=(iso-8859-1|latin1)/i.test(contentType) && [...text].every((c) => c.charCodeAt(0) <= 0xff))
    return Buffer.from(text, 'latin1');
  if (/charset=utf-16/i.test(contentType)) return Buffer.from(text, 'utf16le');
  return Buffer.from(text, 'utf8');
}

type Mode = 'create' | 'update' | 'transaction' | 'batch';

function requestFor(
  mode: Mode,
  resource: Resource,
  originalId: string,
  body: unknown,
): { method: string; path: string; body: unknown } {
  const type = resource.resourceType;
  switch (mode) {
    case 'create':
      return { method: 'POST', path: type, body };
    case 'update':
      return { method: 'PUT', path: `${type}/${originalId}`, body };
    case 'transaction':
    case 'batch': {
      const entry = {
        fullUrl: 'urn:uuid:3f1c5b52-8c53-4c59-9a36-0d3c40a1b001',
        resource: body,
        request: { method: 'PUT', url: `${type}/${originalId}` },
      };
      const read = { request: { method: 'GET', url: `${type}/${originalId}` } };
      return {
        method: 'POST',
        path: '',
        body: { resourceType: 'Bundle', type: mode, entry: mode === 'batch' ? [entry, read] : [entry] },
      };
    }
  }
}

/** Where a successful write put its resources: the Location header, or the entries' response.location. */
function locations(res: FuzzResponse): string[] {
  const found: string[] = [];
  if (res.location) found.push(res.location);
  if (/json/.test(res.contentType) && res.text.includes('-response')) {
    try {
      const bundle = JSON.parse(res.text) as Bundle;
      for (const e of bundle.entry ?? []) if (e.response?.location) found.push(e.response.location);
    } catch {
      // not a Bundle: nothing to read back
    }
  }
  return found
    .map((l) => /\/fhir\/([A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})/.exec(l))
    .flatMap((m) => (m ? [`${m[1]}/${m[2]}`] : []))
    .slice(0, 2);
}

/** Whatever was accepted must read back as JSON and XML, and be found by search, without a 5xx or corruption. */
async function readBack(what: string, req: FuzzRequest, res: FuzzResponse, sentText: string): Promise<void> {
  const otherCharset = /charset=(?!"?utf-8)/i.test(req.headers?.['Content-Type'] ?? '');
  for (const ref of locations(res)) {
    const [type, id] = ref.split('/');
    const json = await server.exchange(`read back after ${what}`, { method: 'GET', path: ref });
    await server.exchange(`XML read back after ${what}`, { method: 'GET', path: `${ref}?_format=xml` });
    await server.exchange(`XML search back after ${what}`, {
      method: 'GET',
      path: `${type}?_id=${id}&_format=xml`,
    });
    if (otherCharset && json?.status === 200 && json.text.includes('\ufffd') && !sentText.includes('\ufffd'))
      server.record(
        `${what}: stored text differs from what was sent (charset)`,
        req,
        json,
        'stored corrupted: U+FFFD',
      );
  }
}

async function runWrite(what: string, req: FuzzRequest, sentText: string): Promise<void> {
  const res = await server.exchange(what, req);
  if (res && res.status >= 200 && res.status < 300) await readBack(what, req, res, sentText);
}

describeFuzz('write fuzz: hostile values at every path of every demo resource', () => {
  test(
    'create, update, transaction and batch: never a 5xx, always an OperationOutcome',
    async () => {
      const caseArb = fc.record({
        target: fc.integer({ min: 0, max: targets.length - 1 }),
        mutation: mutationArb,
        mode: fc.constantFrom<Mode>('create', 'update', 'transaction', 'batch'),
        caller: callerArb,
        headers: headersArb,
      });
      await fc.assert(
        fc.asyncProperty(caseArb, async (c) => {
          const { resource, path } = targets[c.target];
          const mutated = mutate(resource, path, c.mutation);
          const r = requestFor(c.mode, resource, resource.id as string, mutated);
          const text = toJsonText(r.body);
          const what = `${c.mode} ${describeMutation(`${resource.resourceType}/${resource.id}`, path, c.mutation, show)}`;
          const req: FuzzRequest = {
            method: r.method,
            path: r.path,
            caller: c.caller,
            headers: httpHeaders(c.headers),
            body: encodeBody(text, c.headers.contentType),
          };
          await runWrite(what, req, text);
          return true;
        }),
        fcParams(WRITE_RUNS),
      );
      failIfAny();
    },
    timeoutFor(WRITE_RUNS, 200),
  );

  test(
    'transaction and batch envelopes: hostile values at every path of the Bundle',
    async () => {
      const caseArb = fc.record({
        path: fc.integer({ min: 0, max: envelopePaths.length - 1 }),
        mutation: mutationArb,
        type: fc.constantFrom('transaction', 'batch'),
        caller: callerArb,
      });
      await fc.assert(
        fc.asyncProperty(caseArb, async (c) => {
          const path = envelopePaths[c.path];
          const bundle = mutate({ ...envelope, type: c.type } as Bundle, path, c.mutation);
          const text = toJsonText(bundle);
          const what = `${c.type} ${describeMutation('Bundle', path, c.mutation, show)}`;
          await runWrite(
            what,
            {
              method: 'POST',
              path: '',
              caller: c.caller,
              headers: { 'Content-Type': 'application/fhir+json' },
              body: text,
            },
            text,
          );
          return true;
        }),
        fcParams(ENVELOPE_RUNS),
      );
      failIfAny();
    },
    timeoutFor(ENVELOPE_RUNS, 300),
  );
});

const ENVELOPE_PATIENT = { system: 'https://meso-zorg.nl/fhir/NamingSystem/demo-id', value: 'fuzz-envelope' };

/** A small Bundle of the usual entry kinds: a conditional create, a versioned update, a search, a read. */
function envelopeOf(resources: Resource[]): Bundle {
  const patient = resources.find((r) => r.resourceType === 'Patient') as Resource;
  const condition = resources.find((r) => r.resourceType === 'Condition') as Resource;
  const { id: _id, meta: _meta, ...newPatient } = patient;
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      {
        fullUrl: 'urn:uuid:9b0c4a8e-55f3-4a0e-a8a5-1d5b0f6f0001',
        // A patient of its own, so that what the write fuzz left in the demo patients is not read back here.
        resource: { ...newPatient, identifier: [ENVELOPE_PATIENT] } as Resource,
        request: {
          method: 'POST',
          url: 'Patient',
          ifNoneExist: `identifier=${ENVELOPE_PATIENT.system}|${ENVELOPE_PATIENT.value}`,
        },
      },
      {
        fullUrl: `Condition/${condition.id}`,
        resource: {
          ...condition,
          subject: { reference: 'urn:uuid:9b0c4a8e-55f3-4a0e-a8a5-1d5b0f6f0001' },
        } as Resource,
        request: {
          method: 'PUT',
          url: `Condition/${condition.id}`,
          ifMatch: `W/"${condition.meta?.versionId}"`,
        },
      },
      { request: { method: 'GET', url: `Patient?_id=${patient.id}&_count=1` } },
      { request: { method: 'GET', url: `Condition/${condition.id}/_history/1` } },
    ],
  } as Bundle;
}
