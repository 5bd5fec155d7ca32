import type { Bundle, CarePlan, Provenance, Resource } from '@medplum/fhirtypes';
import type { FhirRepository } from '../repository';
import type { RequestContext } from '../../kernel/request-context';
import { conflict, FhirError, issue } from '../../kernel/outcome';
import { DIRECTORY_TYPES } from '../../kernel/resource-types';
import type { MesoCarePlanDocument } from '../../meso-document/document';
import { validateMesoDocument } from '../../meso-document/validate';
import { lockDocumentImport } from '../../store/document-imports';
import { resourceStore, type StoredVersion } from '../../store/resource-store';
import type { Graph, Planned } from './graph';
import { MESO_DOCUMENT_SYSTEM } from './graph';
import { KEY } from './keys';
import { documentToFhir, fhirToDocument } from './mapping';
import { loadStoredGraph, type StoredGraph } from './stored-graph';
import {
  assignIds,
  identifiersOf,
  missingShared,
  referenceMap,
  rewriteReferences,
  sharedLockKeys,
  withItemIdentifier,
  type Assigned,
} from './import-ids';
import { ended, mergeShared, sameContent } from './import-changes';
import { withZorgtraject } from './import-adopt';
import { keepForeign } from './import-foreign';
import { keyOf } from '../../kernel/reference';
import { documentHash, importedVersion, importProvenance } from './import-provenance';

/** The two directions of the mapping; injectable so the machinery can be tested apart from the sections. */
export interface DocumentMapping {
  toFhir(doc: MesoCarePlanDocument): Planned[];
  fromFhir(graph: Graph): MesoCarePlanDocument;
}

export const SECTION_MAPPING: DocumentMapping = { toFhir: documentToFhir, fromFhir: fhirToDocument };

export interface ImportResult {
  /** 201: the document was new; 200: a new version was applied, or the same version changed nothing. */
  status: 200 | 201;
  documentId: string;
  version: number;
  /** CarePlan/<id> */
  carePlan: string;
  created: number;
  updated: number;
  ended: number;
  unchanged: number;
  /** The same version again: nothing was written. */
  alreadyImported: boolean;
  /** Provenance/<id>/_history/1 of this import, when something was written. */
  provenance?: string;
  /** Shared resources whose stored content differs but that the caller may not change (kept as stored). */
  kept: string[];
}

/**
 * POST /meso/v1/careplans: a MESO document into nl-core FHIR, in one transaction. Validates first (422 with JSON
 * pointers), maps (sections), then under a per-document lock: idempotent per id+version (409 on the same
 * version with other content, or an older one), ids by item key or business identifier, only changed resources
 * written, vanished items ended, and one Provenance naming what changed.
 */
export async function importDocument(
  repo: FhirRepository,
  ctx: RequestContext,
  input: unknown,
  mapping: DocumentMapping = SECTION_MAPPING,
): Promise<ImportResult> {
  const doc = validDocument(input);
  const planned = withDocumentIdentifier(mapping.toFhir(doc), doc.document.id);
  return repo.withTransaction(async (tx) => {
    await lockDocumentImport(tx.queryable, `document|${doc.document.id}`);
    // After the document's own lock, and only for shared resources that do not exist yet (import-ids.ts).
    for (const key of sharedLockKeys(await missingShared(tx, planned)))
      await lockDocumentImport(tx.queryable, key);
    const graph = await loadStoredGraph(tx, doc.document.id);
    const same = checkVersion(doc, graph, planned.filter((p) => p.key !== KEY.provenance).length);
    if (same) return same;
    return new Import(tx, ctx, doc, planned, graph).run();
  });
}

function validDocument(input: unknown): MesoCarePlanDocument {
  const result = validateMesoDocument(input);
  if (result.valid) return result.document;
  throw new FhirError(
    422,
    // An error about the whole document has the empty pointer, which names no element: no expression then.
    result.errors.map((e) => issue('invalid', e.message, e.pointer)),
  );
}

/** The CarePlan is found again by the document id: make sure it carries it, whatever the section did. */
function withDocumentIdentifier(planned: Planned[], documentId: string): Planned[] {
  if (!planned.some((p) => p.key === KEY.carePlan))
    throw new FhirError(501, [
      issue('not-supported', 'This build maps no CarePlan from a MESO document yet: nothing can be imported'),
    ]);
  return planned.map((p) => {
    if (p.key !== KEY.carePlan) return p;
    const ids = identifiersOf(p.resource);
    if (ids.some((i) => i.system === MESO_DOCUMENT_SYSTEM && i.value === documentId)) return p;
    const identifier = [...ids, { system: MESO_DOCUMENT_SYSTEM, value: documentId }];
    return { ...p, resource: { ...p.resource, identifier } as CarePlan };
  });
}

/** Idempotency: the stored version again → nothing to do; other content or an older version → 409. */
function checkVersion(
  doc: MesoCarePlanDocument,
  graph: StoredGraph | undefined,
  planned: number,
): ImportResult | undefined {
  if (!graph) return undefined;
  const stored = importedVersion(graph.provenance);
  const { id, version } = doc.document;
  if (stored.version === undefined || version > stored.version) return undefined;
  if (version < stored.version)
    throw conflict(
      `Document ${id} is stored at version ${stored.version}; version ${version} is older and was not imported. ` +
        `Send version ${stored.version + 1} or higher to change the plan`,
      'document.version',
    );
  if (stored.hash !== documentHash(doc))
    throw conflict(
      `Document ${id} version ${version} was imported before with other content. ` +
        `Raise document.version (to ${version + 1}) to send a change`,
      'document.version',
    );
  return {
    status: 200,
    documentId: id,
    version,
    carePlan: `CarePlan/${graph.root.id}`,
    created: 0,
    updated: 0,
    ended: 0,
    unchanged: planned,
    alreadyImported: true,
    kept: [],
  };
}

/**
 * The order of writes: what others point at first, and what the access policy needs before it is asked: an
 * existing Patient is only the MESO team's once its EpisodeOfCare (managing organisation) is stored, so Patient
 * updates come after it (creates are allowed before); the CarePlan, pointing at everything, last.
 */
const WRITE_ORDER = [
  'Organization',
  'Practitioner',
  'PractitionerRole',
  'Patient:create',
  'EpisodeOfCare',
  'Patient:update',
  'RelatedPerson',
  'CareTeam',
  'Condition',
  'Goal',
  'Observation',
  'Consent',
  'ServiceRequest',
  'Task',
  'Encounter',
  'other',
  'CarePlan',
];

interface Write {
  final: Resource;
  stored?: Resource;
  shared: boolean;
}

class Import {
  private readonly written: StoredVersion[] = [];
  private counts = { created: 0, updated: 0, ended: 0, unchanged: 0 };
  private readonly kept: string[] = [];

  constructor(
    private readonly repo: FhirRepository,
    private readonly ctx: RequestContext,
    private readonly doc: MesoCarePlanDocument,
    private readonly planned: Planned[],
    private readonly graph: StoredGraph | undefined,
  ) {}

  async run(): Promise<ImportResult> {
    const resources = this.planned.filter((p) => p.key !== KEY.provenance);
    const ids = await assignIds(this.repo, this.doc.document.id, resources, this.graph);
    const assigned = await withZorgtraject(this.repo, ids);
    const refs = referenceMap(assigned);
    const owned = ownedKeys(assigned, this.graph);
    const writes = assigned.map((a) => this.finalOf(a, refs, owned));
    const bundle = collection(
      this.ctx.baseUrl,
      writes.map((w) => w.final),
    );
    // The graph references itself in both directions (EpisodeOfCare.team ↔ CareTeam.episodeOfCare): every planned
    // resource counts as existing for referential integrity, whichever is written first.
    this.repo.expectWrites(writes.map((w) => `${w.final.resourceType}/${w.final.id}`));
    for (const step of WRITE_ORDER)
      for (const w of writes.filter((x) => stepOf(x) === step)) await this.write(w, bundle);
    await this.endVanished(new Set(resources.map((p) => p.key)));
    const carePlan = writes.find((w) => w.final.resourceType === 'CarePlan')?.final as CarePlan;
    const provenance = await this.writeProvenance(refs, carePlan);
    const { id, version } = this.doc.document;
    return {
      status: this.graph ? 200 : 201,
      documentId: id,
      version,
      carePlan: `CarePlan/${carePlan.id}`,
      ...this.counts,
      alreadyImported: false,
      provenance,
      kept: this.kept,
    };
  }

  /**
   * The content to store: placeholders resolved, item identifier present, a shared resource merged, and what
   * others added to an owned one (a zorgtraject's referrals, its team's referrer) kept.
   */
  private finalOf(a: Assigned, refs: ReadonlyMap<string, string>, owned: ReadonlySet<string>): Write {
    const p = a.planned;
    let resource = rewriteReferences(p.resource, refs);
    if (!p.shared) resource = withItemIdentifier(resource, this.doc.document.id, p.key);
    if (!p.shared) resource = keepForeign(resource, a.stored, owned);
    const final = { ...(a.stored && p.shared ? mergeShared(a.stored, resource) : resource), id: a.id };
    return { final, stored: a.stored, shared: !!p.shared };
  }

  private async write(w: Write, bundle: Bundle): Promise<void> {
    const { final, stored } = w;
    if (stored && sameContent(final, stored)) {
      this.counts.unchanged++;
      return;
    }
    if (stored && (w.shared || isDirectory(final)) && !(await this.mayUpdate(final, stored))) {
      this.counts.unchanged++;
      return;
    }
    const result = stored
      ? await this.repo.update(this.ctx, final.resourceType, final.id as string, final, { bundle })
      : await this.repo.create(this.ctx, final, { assignedId: final.id, bundle });
    this.written.push(result.version);
    this.counts[stored ? 'updated' : 'created']++;
  }

  /** Owned items of the stored graph the new version no longer has: ended, never deleted. */
  private async endVanished(keys: ReadonlySet<string>): Promise<void> {
    for (const [key, resource] of this.graph?.byKey ?? []) {
      if (keys.has(key) || key === KEY.carePlan) continue;
      const after = ended(resource);
      if (!after || (isDirectory(after) && !(await this.mayUpdate(after, resource)))) continue;
      const result = await this.repo.update(this.ctx, resource.resourceType, resource.id as string, after);
      this.written.push(result.version);
      this.counts.ended++;
    }
  }

  /**
   * Shared resources and directory entries (another organisation's PractitionerRole) may belong to someone the
   * caller may not change: they are then matched and kept as stored, and the answer says so, rather than
   * refusing the whole document. A clinical resource the caller may not write still refuses it (403).
   */
  private async mayUpdate(final: Resource, stored: Resource): Promise<boolean> {
    const change = { interaction: 'update' as const, resourceType: final.resourceType, resource: final };
    if (await this.repo.mayWrite(this.ctx, { ...change, previous: stored })) return true;
    this.kept.push(`${final.resourceType}/${final.id}`);
    return false;
  }

  /** One Provenance per applied version, targeting every version written (or the CarePlan, when none was). */
  private async writeProvenance(refs: ReadonlyMap<string, string>, carePlan: CarePlan): Promise<string> {
    const plannedByKey = new Map(this.planned.map((p) => [p.key, p]));
    const base = rewriteReferences(importProvenance(this.doc, plannedByKey, this.ctx.caller), refs);
    let targets = this.written.map((v) => ({
      reference: `${v.resourceType}/${v.id}/_history/${v.versionId}`,
    }));
    if (!targets.length) {
      const current = await resourceStore.current(this.repo.queryable, 'CarePlan', carePlan.id as string);
      targets = [{ reference: `CarePlan/${carePlan.id}/_history/${current?.versionId ?? 1}` }];
    }
    const provenance: Provenance = {
      ...base,
      target: targets,
      recorded: await resourceStore.now(this.repo.queryable),
    };
    const result = await this.repo.create(this.ctx, provenance);
    return `Provenance/${result.version.id}/_history/${result.version.versionId}`;
  }
}

/** `Type/id` of every resource the document owns: its items in the stored graph and in this version. */
function ownedKeys(assigned: readonly Assigned[], graph: StoredGraph | undefined): Set<string> {
  const planned = assigned
    .filter((a) => !a.planned.shared)
    .map((a) => `${a.planned.resource.resourceType}/${a.id}`);
  return new Set([...planned, ...[...(graph?.byKey.values() ?? [])].map(keyOf)]);
}

const isDirectory = (r: Resource) => (DIRECTORY_TYPES as readonly string[]).includes(r.resourceType);

function stepOf(w: Write): string {
  const type = w.final.resourceType;
  if (type === 'Patient') return w.stored ? 'Patient:update' : 'Patient:create';
  return WRITE_ORDER.includes(type) ? type : 'other';
}

/** Every resource of the import by its server id, so that profile slicing can resolve() the references. */
function collection(baseUrl: string, resources: Resource[]): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'collection',
    entry: resources.map((r) => ({ fullUrl: `${baseUrl}/${r.resourceType}/${r.id}`, resource: r })),
  };
}
