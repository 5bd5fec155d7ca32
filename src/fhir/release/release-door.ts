import type { Bundle } from '@medplum/fhirtypes';
import { parseReference } from '../../kernel/reference';
import { badRequest, FhirError, issue, notFound } from '../../kernel/outcome';
import type { FhirRequest } from '../interactions/fhir-request';
import { splitCommas } from '../../store/lookups/lookup';
import { searchParam } from '../search/registry';
import type { ReleaseContext } from './release-filter';
import {
  BSN_SYSTEM,
  CONTROL_PARAMS,
  PERSON_SEARCH_PARAMS,
  PERSON_TYPES,
  PROFESSIONAL_TYPES,
} from './release-policy';

/**
 * The door for pseudonymised callers: pseudonymous ids in the path and in search values become real ids (a real
 * id sent by such a caller resolves to nothing), searches on removed person data are refused, writes are
 * refused. What was replaced is remembered in `ctx.restore`, so links and messages show the caller's values.
 */
export function admitRequest(req: FhirRequest, ctx: ReleaseContext): FhirRequest {
  switch (req.kind) {
    case 'capabilities':
      return req;
    case 'batch-or-transaction':
      return admitBundle(req);
    case 'read':
    case 'vread':
    case 'history-instance':
      return { ...req, id: resolvePathId(req, ctx), query: admitQuery(req, ctx) };
    case 'search-type':
    case 'history-type':
    case 'history-system':
      return { ...req, query: admitQuery(req, ctx) };
    case 'operation':
      // $everything is a search in one patient's compartment: its path id and paging cursor as for a read and a
      // search; its Bundle leaves through the filter. $validate echoes resources in its messages: not released.
      if (req.operation === 'everything' && req.id && !req.body)
        return { ...req, id: resolvePathId(req, ctx), query: admitQuery(req, ctx) };
      throw forbidden(`$${req.operation} is not available to pseudonymised clients`);
    default:
      throw forbidden(
        'Pseudonymised clients cannot write; this client is registered for pseudonymised reading only',
      );
  }
}

const isType = (modifier: string | undefined): modifier is string =>
  !!modifier && /^[A-Z][A-Za-z]+$/.test(modifier);

const forbidden = (message: string, expression?: string) =>
  new FhirError(403, [issue('forbidden', message, expression)]);

/** Entries are admitted one by one when the executor runs them; only reading entries are allowed. */
function admitBundle(req: FhirRequest): FhirRequest {
  const entries = Array.isArray((req.body as Bundle | undefined)?.entry) ? (req.body as Bundle).entry : [];
  entries?.forEach((entry, index) => {
    const method = entry?.request?.method;
    if (method !== 'GET' && method !== 'HEAD')
      throw forbidden(
        `Pseudonymised clients cannot write; entry ${index} is a ${String(method)}`,
        `Bundle.entry[${index}].request.method`,
      );
  });
  return req;
}

function resolvePathId(req: FhirRequest, ctx: ReleaseContext): string | undefined {
  const type = req.resourceType as string;
  const sent = req.id as string;
  if (!PERSON_TYPES.has(type)) return sent;
  const real = ctx.codec.resolveId(type, sent);
  // A real id, a forged or a mistyped pseudonym: as unknown as any id that does not exist.
  // The message does not repeat the id: the egress would turn a guessed real id into its pseudonym.
  if (real === undefined)
    throw notFound(`No ${type} with this id; use the pseudonymous ids this service gave you`);
  ctx.restore.set(real, sent);
  return real;
}

function admitQuery(req: FhirRequest, ctx: ReleaseContext): Array<[string, string]> {
  const type = req.resourceType;
  return req.query.map(([key, value]): [string, string] => {
    if (value.includes(BSN_SYSTEM) || (/(^|[:.])identifier($|[:.])/.test(key) && personChain(type, key)))
      throw forbidden(
        'This client receives pseudonymised data and cannot search by BSN or another person identifier; ' +
          'use the pseudonymous id instead, e.g. Patient?_id=<pseudonym> or EpisodeOfCare?patient=<pseudonym>',
        key,
      );
    if (key === '_cursor') return [key, unsealCursor(value, ctx)];
    if (key === '_sort') return [key, admitSort(type, value)];
    if (CONTROL_PARAMS.has(key.split(':')[0]) || type === undefined) return [key, value];
    return [key, admitSearchValue(type, key, value, ctx)];
  });
}

function unsealCursor(value: string, ctx: ReleaseContext): string {
  const cursor = ctx.codec.unsealText(value);
  if (cursor === undefined)
    throw badRequest('Invalid _cursor; follow the links of the previous page', '_cursor');
  return cursor;
}

function admitSort(type: string | undefined, value: string): string {
  for (const item of value.split(',')) {
    const code = item.replace(/^-/, '');
    if (
      type &&
      PERSON_TYPES.has(type) &&
      (!PERSON_SEARCH_PARAMS.has(code) || code === 'birthdate' || code === '_id')
    )
      throw forbidden(`Pseudonymised clients cannot sort ${type} by '${code}'`, '_sort');
    if (
      type &&
      !PERSON_TYPES.has(type) &&
      searchParam(type, code)?.type === 'string' &&
      !PROFESSIONAL_TYPES.has(type)
    )
      throw forbidden(`Pseudonymised clients cannot sort ${type} by the text of '${code}'`, '_sort');
  }
  return value;
}

/** Does this parameter (chain) pass through a person type at any step? */
function personChain(type: string | undefined, key: string): boolean {
  let types = type ? [type] : [];
  for (const step of key.split('.')) {
    const [code, modifier] = step.split(':');
    if (types.some((t) => PERSON_TYPES.has(t))) return true;
    const def = types.map((t) => searchParam(t, code)).find((d) => d);
    if (!def || def.type !== 'reference') return false;
    types = isType(modifier) ? [modifier] : [...def.targets];
    if (modifier === 'identifier') return types.some((t) => PERSON_TYPES.has(t));
  }
  return false;
}

/**
 * Checks every step of `code[:modifier](.code[:modifier])*`: on a person type only PERSON_SEARCH_PARAMS, on a
 * clinical type no text (string) parameter, since the text it searches is removed from the output. Then
 * rewrites the values of the last step when they can name a person.
 */
function admitSearchValue(type: string, key: string, value: string, ctx: ReleaseContext): string {
  let types = [type];
  const steps = key.split('.');
  let last: { code: string; modifier?: string; types: string[] } = { code: '', types };
  for (const step of steps) {
    const [code, modifier] = step.split(':');
    for (const t of types) checkParam(t, code, modifier, key, value);
    last = { code, modifier, types };
    const def = types.map((t) => searchParam(t, code)).find((d) => d);
    if (def?.type === 'reference') types = isType(modifier) ? [modifier] : [...def.targets];
  }
  const { code, modifier } = last;
  if (modifier === 'missing') return value; // true or false: no id
  if (code === '_id' && last.types.some((t) => PERSON_TYPES.has(t)))
    return mapValues(value, (v) =>
      resolveBare(
        v,
        last.types.filter((t) => PERSON_TYPES.has(t)),
        true,
        key,
        ctx,
      ),
    );
  const def = last.types.map((t) => searchParam(t, code)).find((d) => d);
  if (def?.type !== 'reference' || (modifier !== undefined && !isType(modifier))) return value;
  const targets = modifier ? [modifier] : def.targets;
  if (!targets.some((t) => PERSON_TYPES.has(t)) && targets.length) return value;
  return mapValues(value, (v) => admitReferenceValue(v, targets, Boolean(modifier), key, ctx));
}

function checkParam(type: string, code: string, modifier: string | undefined, key: string, value: string) {
  if (PERSON_TYPES.has(type)) {
    if (!PERSON_SEARCH_PARAMS.has(code))
      throw forbidden(
        `Pseudonymised clients cannot search ${type} by '${code}': that data is not released`,
        key,
      );
    if (
      code === 'birthdate' &&
      !splitCommas(value).every((v) => /^(eq|ne|gt|lt|ge|le|sa|eb)?[0-9]{4}$/.test(v))
    )
      throw forbidden(
        `Pseudonymised clients can search ${type} by the year of birth only, e.g. birthdate=1940`,
        key,
      );
    if (code === 'address-postalcode' && (modifier || !splitCommas(value).every((v) => /^[0-9]{4}$/.test(v))))
      throw forbidden(`Pseudonymised clients can search by the 4 digits of the postcode only`, key);
    return;
  }
  if (!PROFESSIONAL_TYPES.has(type) && searchParam(type, code)?.type === 'string')
    throw forbidden(
      `Pseudonymised clients cannot search ${type} by the text of '${code}': it is not released`,
      key,
    );
}

const mapValues = (value: string, map: (v: string) => string) =>
  splitCommas(value)
    .map((v) => map(v).replace(/,/g, '\\,'))
    .join(',');

/** A value that matches nothing: an id longer than any id can be (unknown pseudonyms find nothing). */
let unmatched = 0;
function nothing(sent: string, ctx: ReleaseContext, typed?: string): string {
  const marker = `unknown-pseudonym-${++unmatched}-`.padEnd(65, 'x');
  const value = typed ? `${typed}/${marker}` : marker;
  ctx.restore.set(value, sent);
  return value;
}

function resolveBare(
  sent: string,
  personTypes: string[],
  onlyPersons: boolean,
  key: string,
  ctx: ReleaseContext,
) {
  for (const t of personTypes) {
    const real = ctx.codec.resolveId(t, sent);
    if (real !== undefined) {
      ctx.restore.set(real, sent);
      return real;
    }
  }
  if (onlyPersons) return nothing(sent, ctx);
  throw badRequest(
    `'${key}=${sent}' is not a pseudonym; give other references as Type/id, e.g. Practitioner/123`,
    key,
  );
}

function admitReferenceValue(
  sent: string,
  targets: readonly string[],
  typedByModifier: boolean,
  key: string,
  ctx: ReleaseContext,
): string {
  const parsed = parseReference(sent);
  if (parsed.kind === 'relative' || parsed.kind === 'absolute') {
    if (!PERSON_TYPES.has(parsed.resourceType)) return sent;
    const real = ctx.codec.resolveId(parsed.resourceType, parsed.id);
    if (real === undefined) return nothing(sent, ctx, parsed.resourceType);
    const value = `${parsed.resourceType}/${real}`;
    ctx.restore.set(value, sent);
    ctx.restore.set(real, parsed.id);
    return value;
  }
  const persons = targets.filter((t) => PERSON_TYPES.has(t));
  const onlyPersons = persons.length === targets.length;
  const real = resolveBare(sent, persons, onlyPersons, key, ctx);
  if (real.startsWith('unknown-pseudonym-') || typedByModifier) return real;
  const type = persons.find((t) => ctx.codec.resolveId(t, sent) !== undefined) as string;
  const value = `${type}/${real}`;
  ctx.restore.set(value, sent);
  return value;
}
