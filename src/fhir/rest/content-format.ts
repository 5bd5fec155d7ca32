import { TextDecoder } from 'node:util';
import type { Resource } from '@medplum/fhirtypes';
import { FhirError, issue } from '../../kernel/outcome';
import { hasLoneSurrogate } from '../../kernel/unicode';
import { resourceToXml, xmlToResource } from './xml-format';

export type Format = 'json' | 'xml';

const JSON_TYPES = [
  'application/fhir+json',
  'application/json',
  'application/json+fhir',
  'json',
  'text/json',
];
const XML_TYPES = ['application/fhir+xml', 'application/xml', 'application/xml+fhir', 'xml', 'text/xml'];

function formatOf(mime: string): Format | undefined {
  const base = mime.split(';')[0].trim().toLowerCase();
  if (JSON_TYPES.includes(base)) return 'json';
  if (XML_TYPES.includes(base)) return 'xml';
  return undefined;
}

const fhirVersionOf = (mime: string) => /;\s*fhirVersion\s*=\s*"?([^";\s]+)/i.exec(mime)?.[1];
// R4 http.html#version-parameter: 4.0 names R4; any 4.0.x is the same version.
const isR4 = (version: string | undefined) => version === undefined || /^4\.0(\.\d+)?$/.test(version);

/**
 * R4 http.html#mime-type: `_format` wins over Accept; JSON is the default, also for wildcard Accept. An Accept
 * that asks only for another FHIR version (`fhirVersion=3.0`) is 406: answering R4 would mislead the client.
 */
export function responseFormat(formatParam: string | undefined, accept: string | undefined): Format {
  const asked = (accept ?? '').split(',').filter((part) => formatOf(part));
  const r4 = asked.filter((part) => isR4(fhirVersionOf(part)));
  if (asked.length && !r4.length) {
    throw new FhirError(406, [
      issue(
        'not-supported',
        `This server speaks FHIR R4 only (fhirVersion=4.0); Accept asks for fhirVersion=${fhirVersionOf(asked[0])}`,
      ),
    ]);
  }
  if (formatParam) {
    const format = formatOf(formatParam);
    if (!format)
      throw new FhirError(406, [
        issue('not-supported', `_format "${formatParam}" is not supported; use json or xml`, '_format'),
      ]);
    return format;
  }
  return r4.length ? (formatOf(r4[0]) as Format) : 'json';
}

/** The format of a request body from its Content-Type; anything else is 415. */
export function requestFormat(contentType: string | undefined): Format {
  const format = contentType ? formatOf(contentType) : undefined;
  if (!format) {
    throw new FhirError(415, [
      issue(
        'not-supported',
        `Content-Type "${contentType ?? ''}" is not supported; send application/fhir+json or application/fhir+xml`,
      ),
    ]);
  }
  return format;
}

export const contentTypeFor = (format: Format) =>
  format === 'xml' ? 'application/fhir+xml; charset=utf-8' : 'application/fhir+json; charset=utf-8';

export function serialize(resource: Resource, format: Format, pretty: boolean): string {
  if (format === 'xml') return resourceToXml(resource);
  return JSON.stringify(resource, null, pretty ? 2 : undefined);
}

/**
 * The text of a body in the charset its Content-Type declares (UTF-8 when none): a Latin-1 body is decoded as
 * Latin-1, not stored as U+FFFD. A charset Node cannot decode is 415; bytes invalid in the charset are 400.
 */
export function decodeBody(raw: Buffer, contentType: string | undefined): string {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '')?.[1] ?? 'utf-8';
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset, { fatal: true });
  } catch {
    throw new FhirError(415, [
      issue('not-supported', `The charset "${charset}" is not supported; send the body as UTF-8`),
    ]);
  }
  try {
    return decoder.decode(raw);
  } catch {
    throw new FhirError(400, [
      issue('invalid', `The body is not valid ${charset}; send it as UTF-8 and say so (charset=utf-8)`),
    ]);
  }
}

/** Parses a body as a FHIR resource; malformed input and excessive nesting are 400 with a precise message. */
export function parseBody(text: string, format: Format, maxDepth: number): Resource {
  if (format === 'xml') return rejectBadText(xmlToResource(text, { maxDepth }));
  const value = parseJson(text, maxDepth);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new FhirError(400, [issue('structure', 'The body must be a JSON object with a resourceType')]);
  }
  const resourceType = (value as { resourceType?: unknown }).resourceType;
  if (typeof resourceType !== 'string' || resourceType === '') {
    throw new FhirError(400, [issue('required', 'The body has no resourceType', 'resourceType')]);
  }
  return value as Resource;
}

/**
 * Parses any JSON body (a FHIR resource, or a MESO document) with the same limits: malformed JSON, excessive
 * nesting, NUL and unpaired surrogates are 400 with a precise message.
 */
export function parseJson(text: string, maxDepth: number): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new FhirError(400, [issue('structure', `The body is not valid JSON: ${(err as Error).message}`)]);
  }
  rejectProblem(bodyProblem(value, maxDepth), maxDepth);
  return value;
}

// PostgreSQL text and jsonb cannot hold U+0000, and no FHIR string needs it.
const nulError = () =>
  new FhirError(400, [
    issue('invalid', 'The body contains a NUL character (U+0000), which FHIR strings cannot hold'),
  ]);

// An unpaired UTF-16 surrogate ("\ud800") has no UTF-8 form: PostgreSQL would refuse it after validation.
const surrogateError = (path: string) =>
  new FhirError(400, [
    issue(
      'invalid',
      'The body contains an unpaired UTF-16 surrogate (a lone \\ud800-\\udfff escape), which is not valid Unicode',
      path || undefined,
    ),
  ]);

function rejectBadText<T>(value: T): T {
  rejectProblem(bodyProblem(value, Infinity), Infinity);
  return value;
}

function rejectProblem(problem: BodyProblem | undefined, maxDepth: number): void {
  if (problem?.kind === 'nul') throw nulError();
  if (problem?.kind === 'surrogate') throw surrogateError(problem.path);
  if (problem?.kind === 'depth') {
    throw new FhirError(400, [
      issue('too-costly', `The JSON body nests deeper than the allowed ${maxDepth} levels`),
    ]);
  }
}

type BodyProblem = { kind: 'nul' | 'depth' } | { kind: 'surrogate'; path: string };

const badText = (text: string): BodyProblem | undefined =>
  text.includes('\u0000') ? { kind: 'nul' } : undefined;

/**
 * One iterative walk (so a hostile body cannot overflow the stack) that finds a NUL character or an unpaired
 * surrogate in a key or string, or nesting deeper than `maxDepth`. Paths are FHIRPath-like, for `expression`.
 */
function bodyProblem(root: unknown, maxDepth: number): BodyProblem | undefined {
  const rootType = (root as { resourceType?: unknown } | null)?.resourceType;
  const stack: Array<[unknown, number, string]> = [[root, 1, typeof rootType === 'string' ? rootType : '']];
  while (stack.length) {
    const [value, depth, path] = stack.pop() as [unknown, number, string];
    if (typeof value === 'string') {
      const problem = badText(value) ?? (hasLoneSurrogate(value) ? { kind: 'surrogate', path } : undefined);
      if (problem) return problem;
    } else if (value !== null && typeof value === 'object') {
      if (depth > maxDepth) return { kind: 'depth' };
      const array = Array.isArray(value);
      for (const [key, child] of Object.entries(value as object)) {
        const childPath = array ? `${path}[${key}]` : path ? `${path}.${key}` : key;
        const problem =
          badText(key) ?? (hasLoneSurrogate(key) ? { kind: 'surrogate', path: childPath } : undefined);
        if (problem) return problem;
        stack.push([child, depth + 1, childPath]);
      }
    }
  }
  return undefined;
}
