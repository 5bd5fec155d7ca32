import { randomUUID } from 'node:crypto';
import type { Identifier, Reference, Resource } from '@medplum/fhirtypes';
import type { FhirRepository } from '../repository';
import { IdentifierSystem } from '../../domain/identifier-systems';
import { FhirError, issue } from '../../kernel/outcome';
import { itemIdentifier, MESO_ITEM_SYSTEM, placeholder, type Planned } from './graph';
import type { StoredGraph } from './stored-graph';

/**
 * Step (c) and (d) of an import: every planned resource gets its server id (the stored item, the shared
 * resource with the same business identifier, or a new uuid), and every placeholder becomes `Type/id`.
 */

/** The identifier systems a shared resource is matched by, in order: the first that finds one wins. */
const SHARED_MATCH: Readonly<Record<string, readonly string[]>> = {
  Patient: [IdentifierSystem.bsn],
  // A professional by UZI, then BIG, then AGB: any of the identifiers the document names may find the person.
  Practitioner: [IdentifierSystem.uziPerson, IdentifierSystem.big, IdentifierSystem.agb],
  Organization: [IdentifierSystem.ura],
};

export interface Assigned {
  planned: Planned;
  id: string;
  /** The current stored version of this resource, when there is one. */
  stored?: Resource;
}

export async function assignIds(
  repo: FhirRepository,
  documentId: string,
  planned: readonly Planned[],
  graph: StoredGraph | undefined,
): Promise<Assigned[]> {
  const out: Assigned[] = [];
  for (const p of planned) {
    const stored = p.shared
      ? await sharedMatch(repo, p.resource)
      : await ownedMatch(repo, documentId, p, graph);
    out.push({ planned: p, id: stored?.id ?? randomUUID(), stored });
  }
  return out;
}

/** An owned item: in the stored graph by key, or (ended and unlinked earlier) by its item identifier. */
async function ownedMatch(
  repo: FhirRepository,
  documentId: string,
  p: Planned,
  graph: StoredGraph | undefined,
): Promise<Resource | undefined> {
  if (!graph) return undefined;
  if (p.key === 'CarePlan') return graph.root;
  const inGraph = graph.byKey.get(p.key);
  if (inGraph) return inGraph;
  const id = itemIdentifier(documentId, p.key);
  const [match] = await repo.findMatches(p.resource.resourceType, [
    ['identifier', `${id.system}|${id.value}`],
  ]);
  return match;
}

async function sharedMatch(repo: FhirRepository, resource: Resource): Promise<Resource | undefined> {
  const identifiers = identifiersOf(resource).filter((i) => i.system && i.value);
  const systems = SHARED_MATCH[resource.resourceType] ?? [...new Set(identifiers.map((i) => i.system))];
  for (const system of systems)
    for (const i of identifiers.filter((x) => x.system === system)) {
      const [match] = await repo.findMatches(resource.resourceType, [['identifier', `${system}|${i.value}`]]);
      if (match) return match;
    }
  return undefined;
}

export const identifiersOf = (r: Resource): Identifier[] =>
  (r as { identifier?: Identifier[] }).identifier ?? [];

/**
 * The shared resources not stored yet (looked up without a lock). Only these need the lock below: an existing
 * Organization or Practitioner is matched, and its row lock orders concurrent updates, so imports of one team
 * (which all name the team's own Organization) do not queue behind each other.
 */
export async function missingShared(repo: FhirRepository, planned: readonly Planned[]): Promise<Planned[]> {
  const missing: Planned[] = [];
  for (const p of planned) if (p.shared && !(await sharedMatch(repo, p.resource))) missing.push(p);
  return missing;
}

/**
 * The business keys a new shared resource is locked by while an import decides whether it exists: two imports
 * naming the same new professional must not both create her. Sorted, so two imports cannot deadlock.
 */
export function sharedLockKeys(planned: readonly Planned[]): string[] {
  const keys = planned
    .filter((p) => p.shared)
    .flatMap((p) =>
      identifiersOf(p.resource).map((i) => `${p.resource.resourceType}|${i.system}|${i.value}`),
    );
  return [...new Set(keys)].sort();
}

/** Replaces every placeholder reference by `Type/id`; a placeholder nothing was planned for is a mapping bug. */
export function rewriteReferences<T extends Resource>(resource: T, ids: ReadonlyMap<string, string>): T {
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(walk);
    if (!value || typeof value !== 'object') return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = walk(v);
    const ref = (value as Reference).reference;
    if (typeof ref === 'string' && ref.startsWith('urn:uuid:')) {
      const target = ids.get(ref);
      // A section points at a part another section does not map (yet): a gap in this build, not in the input.
      if (!target)
        throw new FhirError(501, [
          issue(
            'not-supported',
            `The MESO mapping refers to ${ref}, which it does not plan: it is incomplete`,
          ),
        ]);
      out.reference = target;
    }
    return out;
  };
  return walk(resource) as T;
}

/** placeholder(key) → `Type/id`, for every assigned resource. */
export function referenceMap(assigned: readonly Assigned[]): Map<string, string> {
  return new Map(
    assigned.map((a) => [placeholder(a.planned.key), `${a.planned.resource.resourceType}/${a.id}`]),
  );
}

/** An owned resource always carries its item identifier (the sections add it; this makes sure). */
export function withItemIdentifier(resource: Resource, documentId: string, key: string): Resource {
  const ids = identifiersOf(resource);
  const own = itemIdentifier(documentId, key);
  if (ids.some((i) => i.system === MESO_ITEM_SYSTEM && i.value === own.value)) return resource;
  return { ...resource, identifier: [...ids, own] } as Resource;
}
