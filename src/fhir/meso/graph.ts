import { createHash } from 'node:crypto';
import type { Bundle, CarePlan, Identifier, Reference, Resource } from '@medplum/fhirtypes';
import { canonical } from '../../domain/canonical';

/**
 * The shared vocabulary of the MESO document mapping (src/fhir/meso): a document becomes a list of Planned
 * resources that point at each other through placeholders derived from stable keys (keys.ts); the import
 * (import.ts) turns keys into server ids, and the export reads a stored graph back through the same Graph view.
 */

/** Identifier system of the resources a MESO document owns; the value is `<document id>/<item key>`. */
export const MESO_ITEM_SYSTEM = canonical('NamingSystem', 'meso-careplan-item');
/** Identifier system of the document itself (its id), on its CarePlan and on each Provenance of an import. */
export const MESO_DOCUMENT_SYSTEM = canonical('NamingSystem', 'meso-careplan-document');

/** A resource the document produces, before it has a server id. */
export interface Planned<T extends Resource = Resource> {
  /** Stable within the document across versions (keys.ts); its first segment is the resource type. */
  key: string;
  resource: T;
  /**
   * Matched by business identifier (BSN, UZI/BIG/AGB, URA) and shared with other documents and systems, so
   * never owned (nor ended) by one document. The import merges the document's content into what is stored.
   */
  shared?: boolean;
  /**
   * Not referenced by any other planned resource (an Observation, a Consent, a referral): the CarePlan lists it
   * in `supportingInfo` (mapping.ts), so the whole document stays reachable from its CarePlan.
   */
  supportingInfo?: boolean;
}

/**
 * The `urn:uuid` that stands for a key until the import assigns an id. Derived from the key (not random), so
 * mapping the same document twice gives identical output, which the round-trip tests and idempotency rely on.
 */
export function placeholder(key: string): string {
  const h = createHash('sha256').update(`meso:${key}`).digest('hex');
  return `urn:uuid:${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** A reference to the resource planned under `key`. */
export function keyRef<T extends Resource = Resource>(key: string, display?: string): Reference<T> {
  return {
    reference: placeholder(key),
    type: typeOfKey(key),
    ...(display ? { display } : {}),
  } as Reference<T>;
}

export function typeOfKey(key: string): string {
  return key.split('/')[0];
}

/** The identifier that ties a document-owned resource to its item, so a new version finds it again. */
export function itemIdentifier(documentId: string, key: string): Identifier {
  return { system: MESO_ITEM_SYSTEM, value: `${documentId}/${key}` };
}

/** The item key of a document-owned resource, read back from its identifier. */
export function itemKeyOf(resource: Resource, documentId: string): string | undefined {
  const ids = (resource as { identifier?: Identifier[] }).identifier ?? [];
  const prefix = `${documentId}/`;
  const value = ids.find((i) => i.system === MESO_ITEM_SYSTEM && i.value?.startsWith(prefix))?.value;
  return value?.slice(prefix.length);
}

/** The id of the document a graph holds: the document identifier on its CarePlan. */
export function documentIdOf(graph: Graph): string | undefined {
  return graph.root.identifier?.find((i) => i.system === MESO_DOCUMENT_SYSTEM)?.value;
}

/** The local id of a document-owned item: its item key after `keyPrefix` (e.g. `RelatedPerson/`). */
export function localIdOf(graph: Graph, resource: Resource, keyPrefix: string): string | undefined {
  const documentId = documentIdOf(graph);
  const key = documentId ? itemKeyOf(resource, documentId) : undefined;
  return key?.startsWith(keyPrefix) ? key.slice(keyPrefix.length) : undefined;
}

/**
 * What a reference points to: a planned set (placeholders) or a stored graph (`Type/id`). Everything a document
 * maps to is reachable by references from its CarePlan (`root`); the Provenance of the latest import is the
 * one resource outside it.
 */
export interface Graph {
  readonly root: CarePlan;
  resolve<T extends Resource>(ref: Reference | undefined): T | undefined;
  /** Every resource of the graph of one type, in graph order. */
  ofType<T extends Resource>(type: T['resourceType']): T[];
  /**
   * The document-owned resources whose item key starts with `prefix` (e.g. `Consent/directive/`), in graph
   * order. The latest import's Provenance is the item `Provenance`.
   */
  items<T extends Resource>(prefix: string): T[];
}

/** A Graph over the output of documentToFhir, for the pure round trip and validation in tests. */
export function plannedGraph(planned: readonly Planned[]): Graph {
  const byUrl = new Map(planned.map((p) => [placeholder(p.key), p.resource]));
  const root = planned.find((p) => p.key === 'CarePlan')?.resource as CarePlan | undefined;
  if (!root) throw new Error('a mapped document has a CarePlan');
  return {
    root,
    resolve: <T extends Resource>(ref: Reference | undefined) =>
      (ref?.reference ? byUrl.get(ref.reference) : undefined) as T | undefined,
    ofType: <T extends Resource>(type: string) =>
      planned.filter((p) => p.resource.resourceType === type).map((p) => p.resource as T),
    items: <T extends Resource>(prefix: string) =>
      planned.filter((p) => !p.shared && p.key.startsWith(prefix)).map((p) => p.resource as T),
  };
}

/** The planned resources as a collection Bundle with placeholder fullUrls, which the validator can resolve. */
export function plannedBundle(planned: readonly Planned[]): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'collection',
    entry: planned.map((p) => ({ fullUrl: placeholder(p.key), resource: p.resource })),
  };
}
