/**
 * THE reference parser (R4 references.html#literal). Every place that needs the type, id or version behind a
 * Reference.reference string asks here, so search indexing, the compartment, access checks, audit and
 * pseudonymisation all agree on what a reference points at.
 */

/** R4 id datatype: 1-64 of [A-Za-z0-9\-.]. */
export const ID_PATTERN_SOURCE = '[A-Za-z0-9\\-.]{1,64}';
const TYPE = '[A-Z][A-Za-z]{1,63}';
const RELATIVE = new RegExp(`^(${TYPE})\\/(${ID_PATTERN_SOURCE})(?:\\/_history\\/(${ID_PATTERN_SOURCE}))?$`);
const ABSOLUTE = new RegExp(
  `^(https?:\\/\\/.+?)\\/(${TYPE})\\/(${ID_PATTERN_SOURCE})(?:\\/_history\\/(${ID_PATTERN_SOURCE}))?$`,
);
const CONDITIONAL = new RegExp(`^(${TYPE})\\?(.+)$`);

export type ParsedReference =
  /** Type/id[/_history/vid]: a resource on this server. */
  | { kind: 'relative'; resourceType: string; id: string; versionId?: string }
  /** http(s)://base/Type/id[/_history/vid]: a resource on some server (maybe this one). */
  | { kind: 'absolute'; base: string; resourceType: string; id: string; versionId?: string }
  /** #id: a contained resource. */
  | { kind: 'contained'; id: string }
  /** urn:uuid:… or urn:oid:…: a Bundle-local placeholder. */
  | { kind: 'urn'; urn: string }
  /** Type?criteria: a conditional reference inside a transaction Bundle. */
  | { kind: 'conditional'; resourceType: string; criteria: string }
  /** Anything else (a canonical, a logical URL); `url` is without a |version suffix. */
  | { kind: 'other'; url: string };

export function parseReference(reference: string): ParsedReference {
  if (reference.startsWith('#')) return { kind: 'contained', id: reference.slice(1) };
  if (/^urn:(uuid|oid):/.test(reference)) return { kind: 'urn', urn: reference };
  let m = RELATIVE.exec(reference);
  if (m) return { kind: 'relative', resourceType: m[1], id: m[2], ...version(m[3]) };
  m = CONDITIONAL.exec(reference);
  if (m) return { kind: 'conditional', resourceType: m[1], criteria: m[2] };
  m = ABSOLUTE.exec(reference);
  if (m) return { kind: 'absolute', base: m[1], resourceType: m[2], id: m[3], ...version(m[4]) };
  return { kind: 'other', url: reference.split('|')[0] };
}

const version = (versionId: string | undefined) => (versionId === undefined ? {} : { versionId });

/**
 * The local `Type/id` a reference names, versioned or not; absolute URLs count only when their base is one of
 * `localBases` (an absolute URL may name another server's resource with the same id).
 */
export function localTarget(
  reference: string | undefined,
  localBases: readonly string[] = [],
): { resourceType: string; id: string; versionId?: string } | undefined {
  if (typeof reference !== 'string') return undefined;
  const parsed = parseReference(reference);
  const local =
    parsed.kind === 'relative' ||
    (parsed.kind === 'absolute' && localBases.includes(parsed.base.replace(/\/+$/, '')));
  if (!local) return undefined;
  const { resourceType, id, versionId } = parsed;
  return versionId === undefined ? { resourceType, id } : { resourceType, id, versionId };
}

/** `Type/id` of a local target, or undefined. */
export function localKey(reference: string | undefined): string | undefined {
  const t = localTarget(reference);
  return t ? keyOf(t) : undefined;
}

/** `Type/id`: how a resource (or a local target) is named in a relative reference, and keyed in sets. */
export const keyOf = (r: { resourceType: string; id?: string }): string => `${r.resourceType}/${r.id}`;
