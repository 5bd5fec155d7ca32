import type { Bundle, BundleEntry, Identifier, OperationOutcome, Resource } from '@medplum/fhirtypes';
import { parseReference } from '../../kernel/reference';
import { FhirError } from '../../kernel/outcome';
import type { FhirResponse } from '../interactions/fhir-request';
import type { PseudonymCodec } from './pseudonym-codec';
import {
  ADDRESS_PARTS,
  BSN_SYSTEM,
  CLINICAL_REMOVED_KEYS,
  META_PARTS,
  PASSTHROUGH_TYPES,
  PERSON_ELEMENTS,
  PERSON_TYPES,
  PROFESSIONAL_TYPES,
  PSEUDONYM_SYSTEM,
  PSEUDONYMISED_LABEL,
  type PersonRule,
} from './release-policy';

/** What one request's release needs: the key, and what the door replaced (real id → what the caller sent). */
export interface ReleaseContext {
  codec: PseudonymCodec;
  restore: Map<string, string>;
}

type Json = unknown;
type JsonObject = Record<string, Json>;

// Resources already released (a batch entry's resource reappears in the batch-response): walked once only.
const released = new WeakSet<object>();

const isObject = (v: Json): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const PERSON_REF = /(^|[/=,|\s'"(])(Patient|RelatedPerson)\/([A-Za-z0-9\-.]{1,64})(?=$|[/?&,|\s'"):;])/g;

/** `Patient/<id>` inside any text (a message, a URL token, a criteria string) with the id pseudonymised. */
function pseudonymiseRefsIn(text: string, ctx: ReleaseContext): string {
  return text.replace(PERSON_REF, (_m, pre: string, type: string, id: string) => {
    // A sentence may end right after the id: "… Patient/123." names 123.
    const real = id.replace(/\.+$/, '');
    return `${pre}${type}/${ctx.codec.pseudonymId(type, real || id)}${id.slice(real.length)}`;
  });
}

/** A FhirResponse as a pseudonymised caller may see it: body walked, Location rewritten. */
export function releaseResponse(response: FhirResponse, ctx: ReleaseContext): FhirResponse {
  return {
    ...response,
    body: response.body && releaseResource(response.body, ctx),
    location: response.location && releaseUrl(response.location, ctx),
  };
}

/** A thrown FhirError with its messages released; anything else carries no data (it becomes a bare 500). */
export function releaseError(err: unknown, ctx: ReleaseContext): unknown {
  if (!(err instanceof FhirError)) return err;
  const outcome = releaseOutcome(err.toOperationOutcome(), ctx);
  return new FhirError(err.status, outcome.issue ?? [], err.headers);
}

export function releaseResource<T extends Resource>(resource: T, ctx: ReleaseContext): T {
  if (released.has(resource)) return resource;
  let result: Resource;
  const type = resource.resourceType;
  if (type === 'Bundle') result = releaseBundle(resource as Bundle, ctx);
  else if (type === 'OperationOutcome') result = releaseOutcome(resource as OperationOutcome, ctx);
  else if (PASSTHROUGH_TYPES.has(type)) result = resource;
  else if (PERSON_TYPES.has(type)) result = labelled(releasePerson(resource, ctx));
  else if (PROFESSIONAL_TYPES.has(type))
    result = labelled(walk(resource, ctx, new Set(), { root: true }) as Resource);
  else result = labelled(walk(resource, ctx, CLINICAL_REMOVED_KEYS, { root: true }) as Resource);
  released.add(result);
  return result as T;
}

function labelled(resource: Resource): Resource {
  const meta = { ...(resource.meta ?? {}) };
  const security = Array.isArray(meta.security) ? meta.security : [];
  const others = security.filter((c) => c?.code !== PSEUDONYMISED_LABEL.code);
  meta.security = [...others, PSEUDONYMISED_LABEL];
  return { ...resource, meta };
}

function releaseBundle(bundle: Bundle, ctx: ReleaseContext): Bundle {
  const entry = bundle.entry?.map((e): BundleEntry => {
    const out: BundleEntry = { ...e };
    if (e.fullUrl) out.fullUrl = releaseUrl(e.fullUrl, ctx);
    if (e.resource) out.resource = releaseResource(e.resource, ctx);
    if (e.request) out.request = { ...e.request, url: releaseUrl(e.request.url, ctx) };
    if (e.response) {
      out.response = { ...e.response };
      if (e.response.location) out.response.location = releaseUrl(e.response.location, ctx);
      if (e.response.outcome) out.response.outcome = releaseResource(e.response.outcome, ctx);
    }
    return out;
  });
  const link = bundle.link?.map((l) => ({ ...l, url: releaseUrl(l.url, ctx) }));
  const { entry: _entry, link: _link, ...rest } = bundle;
  return { ...rest, ...(link?.length ? { link } : {}), ...(entry?.length ? { entry } : {}) };
}

/** Messages may name a patient (`Patient/<id> is deleted`) or quote a BSN: both are rewritten. */
function releaseOutcome(outcome: OperationOutcome, ctx: ReleaseContext): OperationOutcome {
  const text = (s: string | undefined) => (s === undefined ? undefined : releaseText(s, ctx));
  return {
    ...outcome,
    issue: (outcome.issue ?? []).map((i) => {
      const out = { ...i };
      if (i.diagnostics !== undefined) out.diagnostics = text(i.diagnostics);
      if (i.details?.text !== undefined) out.details = { ...i.details, text: text(i.details.text) };
      return out;
    }),
  };
}

export function releaseText(text: string, ctx: ReleaseContext): string {
  let out = text;
  for (const [real, sent] of ctx.restore) out = out.split(real).join(sent);
  out = pseudonymiseRefsIn(out, ctx);
  return out.replace(/(?<![0-9])[0-9]{9}(?![0-9])/g, '[number removed]');
}

/** fullUrl, Location, paging and self links: person ids in the path and the query, and a sealed cursor. */
export function releaseUrl(url: string, ctx: ReleaseContext): string {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const releasedPath = path.replace(
    /(^|\/)(Patient|RelatedPerson)\/([A-Za-z0-9\-.]{1,64})(?=\/|$)/g,
    (_m, pre: string, type: string, id: string) => `${pre}${type}/${ctx.codec.pseudonymId(type, id)}`,
  );
  if (q < 0) return releasedPath;
  const query = new URLSearchParams(url.slice(q + 1));
  const out = new URLSearchParams();
  for (const [key, value] of query) {
    if (key === '_cursor')
      out.append(key, ctx.codec.unsealText(value) !== undefined ? value : ctx.codec.sealText(value));
    else
      out.append(
        key,
        value
          .split(',')
          .map((token) => releaseToken(token, ctx))
          .join(','),
      );
  }
  return `${releasedPath}?${out}`;
}

function releaseToken(token: string, ctx: ReleaseContext): string {
  const restored = ctx.restore.get(token);
  if (restored !== undefined) return restored;
  return pseudonymiseRefsIn(token, ctx);
}

function releaseReference(reference: string, ctx: ReleaseContext): string {
  const parsed = parseReference(reference);
  if ((parsed.kind !== 'relative' && parsed.kind !== 'absolute') || !PERSON_TYPES.has(parsed.resourceType))
    return reference;
  const id = ctx.codec.pseudonymId(parsed.resourceType, parsed.id);
  const version = parsed.versionId === undefined ? '' : `/_history/${parsed.versionId}`;
  const base = parsed.kind === 'absolute' ? `${parsed.base}/` : '';
  return `${base}${parsed.resourceType}/${id}${version}`;
}

/** The type a Reference points at, from its literal reference or its `type`. */
function referenceTarget(node: JsonObject): string | undefined {
  if (typeof node.reference === 'string') {
    const parsed = parseReference(node.reference);
    if (parsed.kind === 'relative' || parsed.kind === 'absolute' || parsed.kind === 'conditional')
      return parsed.resourceType;
  }
  return typeof node.type === 'string' ? node.type : undefined;
}

export function pseudonymIdentifier(identifier: Identifier, ctx: ReleaseContext): Identifier {
  const system = typeof identifier.system === 'string' ? identifier.system : '';
  const value = typeof identifier.value === 'string' ? identifier.value : '';
  const bsn = system === BSN_SYSTEM;
  return {
    use: 'secondary',
    type: {
      coding: [PSEUDONYMISED_LABEL],
      text: bsn ? 'pseudonym of the BSN' : 'pseudonym of an identifier',
    },
    system: bsn ? PSEUDONYM_SYSTEM.bsn : PSEUDONYM_SYSTEM.other,
    value: ctx.codec.identifierPseudonym(system, value),
  };
}

/**
 * The generic walk: person references pseudonymised, BSNs pseudonymised wherever they occur, `removed` keys
 * (and their `_key` primitive extensions) dropped, displays of references to persons (or to nobody knows whom)
 * dropped, and what became empty removed. Nested resources (contained) get their own type's rule.
 */
function walk(
  node: Json,
  ctx: ReleaseContext,
  removed: ReadonlySet<string>,
  { personRef = false, root = false } = {},
): Json {
  if (Array.isArray(node)) {
    const items = node.map((v) => walk(v, ctx, removed)).filter((v) => v !== undefined);
    return items.length ? items : undefined;
  }
  // Strings that embed a person reference (Subscription.criteria, a request url) are rewritten too.
  if (typeof node === 'string') return node.includes('/') ? pseudonymiseRefsIn(node, ctx) : node;
  if (!isObject(node)) return node;
  if (!root && typeof node.resourceType === 'string')
    return releaseResource(node as unknown as Resource, ctx);
  if (node.system === BSN_SYSTEM && 'value' in node) return pseudonymIdentifier(node as Identifier, ctx);
  if (personRef && 'value' in node) return pseudonymIdentifier(node as Identifier, ctx);
  const target = referenceTarget(node);
  const toPerson = target !== undefined && PERSON_TYPES.has(target);
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (removed.has(key) || (key.startsWith('_') && removed.has(key.slice(1)))) continue;
    let v: Json;
    if (key === 'reference' && typeof value === 'string') v = releaseReference(value, ctx);
    else if (key === 'identifier' && toPerson) v = walk(value, ctx, removed, { personRef: true });
    else v = walk(value, ctx, removed);
    if (v !== undefined) out[key] = v;
  }
  // A display of a reference can name anyone ("MESO-team <patient name>"): only professionals keep theirs.
  const codingLike = 'code' in node || 'system' in node;
  if ('display' in out && !codingLike && !(target !== undefined && PROFESSIONAL_TYPES.has(target)))
    delete out.display;
  // An extension whose value was removed is removed with it.
  const keys = Object.keys(out);
  const onlyUrlLeft = keys.length === 1 && keys[0] === 'url' && Object.keys(node).length > 1;
  return keys.length === 0 || onlyUrlLeft ? undefined : out;
}

function releasePerson(resource: Resource, ctx: ReleaseContext): Resource {
  const source = resource as unknown as JsonObject;
  const out: JsonObject = { resourceType: resource.resourceType };
  if (typeof resource.id === 'string') out.id = ctx.codec.pseudonymId(resource.resourceType, resource.id);
  if (isObject(source.meta)) out.meta = pick(source.meta, META_PARTS);
  for (const [key, rule] of Object.entries(PERSON_ELEMENTS[resource.resourceType] ?? {})) {
    const v = source[key] === undefined ? undefined : PERSON_RULES[rule](source[key], ctx);
    if (v !== undefined) out[key] = v;
  }
  return out as unknown as Resource;
}

const asArray = (v: Json): Json[] => (Array.isArray(v) ? v : []);
const nonEmpty = (items: Json[]) => {
  const kept = items.filter((i) => i !== undefined && !(isObject(i) && Object.keys(i).length === 0));
  return kept.length ? kept : undefined;
};

function pick(node: JsonObject, keys: readonly string[]): JsonObject {
  return Object.fromEntries(keys.filter((k) => node[k] !== undefined).map((k) => [k, node[k]]));
}

/** "9411 KE" → "9411": the 4-digit area; anything else (foreign, partial) is left out. */
function postcodeArea(postalCode: Json): string | undefined {
  if (typeof postalCode !== 'string') return undefined;
  return /^\s*([1-9][0-9]{3})\s*([A-Za-z]{2})?\s*$/.exec(postalCode)?.[1];
}

const PERSON_RULES: Record<PersonRule, (v: Json, ctx: ReleaseContext) => Json> = {
  keep: (v, ctx) => walk(v, ctx, CLINICAL_REMOVED_KEYS),
  identifiers: (v, ctx) =>
    nonEmpty(
      asArray(v)
        .filter(isObject)
        .map((i) => pseudonymIdentifier(i as Identifier, ctx)),
    ),
  year: (v) => (typeof v === 'string' && /^[0-9]{4}/.test(v) ? v.slice(0, 4) : undefined),
  addresses: (v) =>
    nonEmpty(
      asArray(v)
        .filter(isObject)
        .map((a) => {
          const parts = Object.fromEntries(
            ADDRESS_PARTS.filter((k) => typeof a[k] === 'string').map((k) => [k, a[k]]),
          );
          const area = postcodeArea(a.postalCode);
          return area ? { ...parts, postalCode: area } : parts;
        }),
    ),
  codes: (v, ctx) =>
    nonEmpty(
      asArray(v)
        .filter(isObject)
        .map((c) => (c.coding === undefined ? {} : { coding: walk(c.coding, ctx, CLINICAL_REMOVED_KEYS) })),
    ),
  communication: (v, ctx) =>
    nonEmpty(
      asArray(v)
        .filter(isObject)
        .map((c) => {
          const language = isObject(c.language)
            ? walk(c.language.coding, ctx, CLINICAL_REMOVED_KEYS)
            : undefined;
          return {
            ...(language ? { language: { coding: language } } : {}),
            ...(typeof c.preferred === 'boolean' ? { preferred: c.preferred } : {}),
          };
        }),
    ),
  links: (v, ctx) =>
    nonEmpty(
      asArray(v)
        .filter(isObject)
        .map((l) => walk(pick(l, ['other', 'type']), ctx, CLINICAL_REMOVED_KEYS)),
    ),
};
