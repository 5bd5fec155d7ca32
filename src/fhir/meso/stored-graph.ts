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
  const owned = inDocumentOrder(resources, documentId);
  const byKey = new Map(owned.map((o) => [o.key, o.resource]));
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

interface Owned {
  key: string;
  resource: Resource;
}

/**
 * The kind of item, as a section asks for it with items(prefix): `Goal/x` → `Goal`, `PractitionerRole/member/x`
 * → `PractitionerRole/member`, and also `Consent/treatment-limit/reanimatie/2` → `Consent/treatment-limit` (a
 * repeated treatment, or a domain that repeats, has more segments but is the same kind, in one document order).
 */
const groupOf = (key: string) => {
  const parts = key.split('/');
  return parts.length >= 3 ? `${parts[0]}/${parts[1]}` : parts[0];
};

/**
 * The document-owned resources in document order. Breadth-first order alone is not it (the CarePlan's author,
 * the regiebehandelaar's role, is one level nearer than the other members), but every kind of item is listed
 * in document order by one resource (CarePlan.goal, .addresses, .activity, .supportingInfo, CareTeam.participant):
 * within a group of items, the reference list that names most of them gives the order; breadth-first order breaks
 * ties and places what no list names.
 */
function inDocumentOrder(resources: readonly Resource[], documentId: string): Owned[] {
  const owned = new Map<string, Owned & { group: string; bfs: number }>();
  resources.forEach((resource, bfs) => {
    const key = itemKeyOf(resource, documentId);
    if (key !== undefined && ![...owned.values()].some((o) => o.key === key))
      owned.set(keyOf(resource), { key, resource, group: groupOf(key), bfs });
  });
  const best = new Map<string, Map<string, number>>();
  for (const resource of resources)
    for (const list of referenceLists(resource)) {
      const byGroup = new Map<string, string[]>();
      for (const ref of list) {
        const item = owned.get(ref);
        const refs = item ? (byGroup.get(item.group) ?? []) : undefined;
        if (item && refs && !refs.includes(ref)) byGroup.set(item.group, [...refs, ref]);
      }
      for (const [group, refs] of byGroup)
        if (refs.length > (best.get(group)?.size ?? 0)) best.set(group, new Map(refs.map((r, i) => [r, i])));
    }
  const firstOfGroup = new Map<string, number>();
  for (const o of owned.values()) if (!firstOfGroup.has(o.group)) firstOfGroup.set(o.group, o.bfs);
  const rank = (ref: string, o: { group: string }) => best.get(o.group)?.get(ref) ?? Number.MAX_SAFE_INTEGER;
  return [...owned.entries()]
    .sort(
      ([ra, a], [rb, b]) =>
        (firstOfGroup.get(a.group) as number) - (firstOfGroup.get(b.group) as number) ||
        rank(ra, a) - rank(rb, b) ||
        a.bfs - b.bfs,
    )
    .map(([, { key, resource }]) => ({ key, resource }));
}

/** Every array in a resource as the list of local references its elements hold (the first one in each element). */
function referenceLists(resource: Resource): string[][] {
  const lists: string[][] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) {
      lists.push(
        value.flatMap((element) =>
          referencesIn(element as Resource)
            .slice(0, 1)
            .map(keyOf),
        ),
      );
      value.forEach(walk);
    } else if (value && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(resource);
  return lists;
}
