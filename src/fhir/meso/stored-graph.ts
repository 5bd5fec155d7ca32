import type { CarePlan, Provenance, Reference, Resource } from '@medplum/fhirtypes';
import type { FhirRepository } from '../repository';
import { resourceStore } from '../../store/resource-store';
import { latestWithReferenceIdentifier } from '../../store/document-imports';
import { keyOf, localTarget } from '../../kernel/reference';
import { itemKeyOf, MESO_DOCUMENT_SYSTEM, type Graph } from './graph';
import { KEY } from './keys';

/**
 * A document's stored graph: its CarePlan, everything reachable from it by references (breadth first, one
 * batched read per level), and the Provenance of its latest import. Export reads it through the Graph view;
 * import compares a new version with it.
 */

/** The resource types a document maps to: references to anything else are not followed. */
export const DOCUMENT_TYPES: ReadonlySet<string> = new Set([
  'Patient',
  'RelatedPerson',
  'Practitioner',
  'PractitionerRole',
  'Organization',
  'CareTeam',
  'EpisodeOfCare',
  'CarePlan',
  'Condition',
  'Goal',
  'ServiceRequest',
  'Task',
  'Observation',
  'Consent',
  'Encounter',
]);

export interface StoredGraph extends Graph {
  readonly documentId: string;
  /** Every resource reached, in graph order (breadth first from the CarePlan). */
  readonly resources: readonly Resource[];
  /** The Provenance of the latest import that changed something (or of the first). */
  readonly provenance?: Provenance;
  /** Document-owned resources by item key. */
  readonly byKey: ReadonlyMap<string, Resource>;
}

/** The document's identifier as the CarePlan and each import's Provenance carry it. */
export const documentIdentifier = (documentId: string) => `${MESO_DOCUMENT_SYSTEM}|${documentId}`;

/** The stored graph of a document, or undefined when no CarePlan carries its id. */
export async function loadStoredGraph(
  repo: FhirRepository,
  documentId: string,
): Promise<StoredGraph | undefined> {
  const [root] = await repo.findMatches('CarePlan', [['identifier', documentIdentifier(documentId)]]);
  if (!root) return undefined;
  const resources = await reachableFrom(repo, root);
  const provenance = (await latestWithReferenceIdentifier(repo.queryable, 'Provenance', 'entity', {
    system: MESO_DOCUMENT_SYSTEM,
    value: documentId,
  })) as Provenance | undefined;
  return storedGraph(documentId, root as CarePlan, resources, provenance);
}

/** Breadth first over literal `Type/id` references, bounded to DOCUMENT_TYPES; one read per level. */
async function reachableFrom(repo: FhirRepository, root: Resource): Promise<Resource[]> {
  const seen = new Map<string, Resource>([[keyOf(root), root]]);
  let level: Resource[] = [root];
  while (level.length) {
    const next = new Map<string, { resourceType: string; id: string }>();
    for (const resource of level)
      for (const target of referencesIn(resource)) {
        const key = keyOf(target);
        if (!seen.has(key) && DOCUMENT_TYPES.has(target.resourceType)) next.set(key, target);
      }
    level = await resourceStore.currentMany(repo.queryable, [...next.values()]);
    // currentMany answers in table order: keep the order in which the level was discovered.
    const order = [...next.keys()];
    level.sort((a, b) => order.indexOf(keyOf(a)) - order.indexOf(keyOf(b)));
    for (const r of level) seen.set(keyOf(r), r);
  }
  return [...seen.values()];
}

/** Every local literal reference anywhere in a resource (extensions included), without its version. */
export function referencesIn(resource: Resource): Array<{ resourceType: string; id: string }> {
  const out: Array<{ resourceType: string; id: string }> = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      const target = localTarget((value as Reference).reference);
      if (target) out.push({ resourceType: target.resourceType, id: target.id });
      Object.values(value).forEach(walk);
    }
  };
  walk(resource);
  return out;
}

/** The Graph view over stored resources: references resolve by `Type/id` (a version is ignored). */
export function storedGraph(
  documentId: string,
  root: CarePlan,
  resources: readonly Resource[],
  provenance?: Provenance,
): StoredGraph {
  const byRef = new Map(resources.map((r) => [keyOf(r), r]));
  const byKey = new Map<string, Resource>();
  const owned: Array<{ key: string; resource: Resource }> = [];
  for (const resource of resources) {
    const key = itemKeyOf(resource, documentId);
    if (key === undefined || byKey.has(key)) continue;
    byKey.set(key, resource);
    owned.push({ key, resource });
  }
  if (provenance) owned.push({ key: KEY.provenance, resource: provenance });
  return {
    documentId,
    root,
    resources,
    provenance,
    byKey,
    resolve: <T extends Resource>(ref: Reference | undefined) => {
      const target = localTarget(ref?.reference);
      return (target ? byRef.get(keyOf(target)) : undefined) as T | undefined;
    },
    ofType: <T extends Resource>(type: string) => resources.filter((r) => r.resourceType === type) as T[],
    items: <T extends Resource>(prefix: string) =>
      owned.filter((o) => o.key.startsWith(prefix)).map((o) => o.resource as T),
  };
}
