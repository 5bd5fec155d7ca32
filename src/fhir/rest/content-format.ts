import type { Resource } from '@medplum/fhirtypes';
import { FhirError, issue } from '../errors';
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

/** R4 http.html#mime-type: `_format` wins over Accept; JSON is the default, also for wildcard Accept. */
export function responseFormat(formatParam: string | undefined, accept: string | undefined): Format {
  if (formatParam) {
    const format = formatOf(formatParam);
    if (!format)
      throw new FhirError(406, [
        issue('not-supported', `_format "${formatParam}" is not supported; use json or xml`, '_format'),
      ]);
    return format;
  }
  for (const part of (accept ?? '').split(',')) {
    const format = formatOf(part);
    if (format) return format;
  }
  return 'json';
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

/** Parses a body as a FHIR resource; malformed input and excessive nesting are 400 with a precise message. */
export function parseBody(text: string, format: Format, maxDepth: number): Resource {
  if (format === 'xml') return rejectNul(xmlToResource(text, { maxDepth }));
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new FhirError(400, [issue('structure', `The body is not valid JSON: ${(err as Error).message}`)]);
  }
  const problem = bodyProblem(value, maxDepth);
  if (problem === 'nul') throw nulError();
  if (problem === 'depth') {
    throw new FhirError(400, [
      issue('too-costly', `The JSON body nests deeper than the allowed ${maxDepth} levels`),
    ]);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new FhirError(400, [issue('structure', 'The body must be a JSON object with a resourceType')]);
  }
  const resourceType = (value as { resourceType?: unknown }).resourceType;
  if (typeof resourceType !== 'string' || resourceType === '') {
    throw new FhirError(400, [issue('required', 'The body has no resourceType', 'resourceType')]);
  }
  return value as Resource;
}

// PostgreSQL text and jsonb cannot hold U+0000, and no FHIR string needs it.
const nulError = () =>
  new FhirError(400, [
    issue('invalid', 'The body contains a NUL character (U+0000), which FHIR strings cannot hold'),
  ]);

function rejectNul<T>(value: T): T {
  if (hasNulCharacter(value)) throw nulError();
  return value;
}

/** True when any key or string value contains U+0000. */
export function hasNulCharacter(root: unknown): boolean {
  return bodyProblem(root, Infinity) === 'nul';
}

/**
 * One iterative walk (so a hostile body cannot overflow the stack) that finds a NUL character in a key or string,
 * or nesting deeper than `maxDepth`.
 */
function bodyProblem(root: unknown, maxDepth: number): 'nul' | 'depth' | undefined {
  const stack: Array<[unknown, number]> = [[root, 1]];
  while (stack.length) {
    const [value, depth] = stack.pop() as [unknown, number];
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return 'nul';
    } else if (value !== null && typeof value === 'object') {
      if (depth > maxDepth) return 'depth';
      for (const [key, child] of Object.entries(value as object)) {
        if (key.includes('\u0000')) return 'nul';
        stack.push([child, depth + 1]);
      }
    }
  }
  return undefined;
}
