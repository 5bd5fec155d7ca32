import type { ElementDefinition, ElementDefinitionSlicing, StructureDefinition } from '@medplum/fhirtypes';

/** One ElementDefinition of a snapshot with its children and slices, built once per profile. */
export interface ElementNode {
  readonly def: ElementDefinition;
  /** The profile this node belongs to (for messages). */
  readonly profile: string;
  /** Last path segment, e.g. `identifier` or `value[x]`. */
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly types: TypeRef[];
  /** Children by name; empty when the snapshot does not dive into this element (then the type's SD applies). */
  readonly children: Map<string, ElementNode>;
  slicing?: ElementDefinitionSlicing;
  readonly slices: ElementNode[];
  /** `fixed[x]` / `pattern[x]` of this element, if any. */
  readonly fixed?: unknown;
  readonly pattern?: unknown;
  /** `#Questionnaire.item` style reuse: the node whose children apply. */
  contentReference?: string;
  /** All nodes of the same profile by element id (contentReference, discriminators). */
  readonly index: Map<string, ElementNode>;
  /** Lazily filled per-node caches (compiled invariants). */
  cache: Record<string, unknown>;
}

export interface TypeRef {
  code: string;
  profiles: string[];
  targetProfiles: string[];
}

export interface CompiledProfile {
  readonly url: string;
  readonly name: string;
  readonly type: string;
  readonly kind: StructureDefinition['kind'];
  readonly root: ElementNode;
  /** Element id → node, for contentReference and discriminator look-ups. */
  readonly byId: Map<string, ElementNode>;
}

/** FHIRPath system types used by snapshots for `id`, `url` and primitive `value`s. */
const SYSTEM_TYPES: Record<string, string> = {
  'http://hl7.org/fhirpath/System.String': 'string',
  'http://hl7.org/fhirpath/System.Boolean': 'boolean',
  'http://hl7.org/fhirpath/System.Integer': 'integer',
  'http://hl7.org/fhirpath/System.Decimal': 'decimal',
  'http://hl7.org/fhirpath/System.Date': 'date',
  'http://hl7.org/fhirpath/System.DateTime': 'dateTime',
  'http://hl7.org/fhirpath/System.Time': 'time',
};

export function compileProfile(sd: StructureDefinition): CompiledProfile {
  const elements = sd.snapshot?.element ?? [];
  if (!elements.length) throw new Error(`StructureDefinition ${sd.url} has no snapshot`);
  const byId = new Map<string, ElementNode>();
  const label = sd.name ?? sd.url;
  for (const def of elements) {
    const node = newNode(def, label, byId);
    const id = def.id ?? def.path;
    byId.set(id, node);
    attach(node, id, byId);
  }
  const root = byId.get(elements[0].id ?? elements[0].path) as ElementNode;
  return { url: sd.url, name: label, type: sd.type, kind: sd.kind, root, byId };
}

function newNode(def: ElementDefinition, profile: string, index: Map<string, ElementNode>): ElementNode {
  const segments = def.path.split('.');
  const node: ElementNode = {
    def,
    profile,
    name: segments[segments.length - 1],
    min: def.min ?? 0,
    max: def.max === undefined || def.max === '*' ? Infinity : Number(def.max),
    types: (def.type ?? []).map((t) => ({
      code: SYSTEM_TYPES[t.code] ?? t.code,
      profiles: t.profile ?? [],
      targetProfiles: t.targetProfile ?? [],
    })),
    children: new Map(),
    slicing: def.slicing,
    slices: [],
    fixed: valueWithPrefix(def, 'fixed'),
    pattern: valueWithPrefix(def, 'pattern'),
    contentReference: def.contentReference?.replace(/^.*#/, ''),
    index,
    cache: {},
  };
  return node;
}

/**
 * Hooks a node under its parent using the element id: `A.b:s` is a slice of `A.b`, `A.b:s/r` a reslice of
 * `A.b:s`, and `A.b:s.c` a child of the slice.
 */
function attach(node: ElementNode, id: string, byId: Map<string, ElementNode>): void {
  const segments = splitId(id);
  if (segments.length === 1) return;
  const last = segments[segments.length - 1];
  const colon = last.indexOf(':');
  if (colon >= 0) {
    const slash = last.lastIndexOf('/');
    const ownerId = [
      ...segments.slice(0, -1),
      slash > colon ? last.slice(0, slash) : last.slice(0, colon),
    ].join('.');
    const owner = byId.get(ownerId);
    if (owner) {
      owner.slices.push(node);
      // Extensions are sliced by url even when the snapshot omits the slicing element.
      if (!owner.slicing && (owner.name === 'extension' || owner.name === 'modifierExtension')) {
        owner.slicing = { discriminator: [{ type: 'value', path: 'url' }], rules: 'open' };
      }
    }
    return;
  }
  byId.get(segments.slice(0, -1).join('.'))?.children.set(node.name, node);
}

/** Splits an element id on the dots that separate path segments (slice names contain no dots in nl-core). */
function splitId(id: string): string[] {
  return id.split('.');
}

export function valueWithPrefix(obj: object, prefix: 'fixed' | 'pattern'): unknown {
  for (const [k, v] of Object.entries(obj)) if (k.startsWith(prefix) && k.length > prefix.length) return v;
  return undefined;
}

/** The children that apply to a node: its own, or those of the element its contentReference names. */
export function childrenOf(node: ElementNode): Map<string, ElementNode> {
  if (!node.contentReference) return node.children;
  return node.index.get(node.contentReference)?.children ?? node.children;
}
