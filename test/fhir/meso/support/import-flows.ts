import type {
  CarePlan,
  Goal,
  Patient,
  Practitioner,
  PractitionerRole,
  Provenance,
  Resource,
} from '@medplum/fhirtypes';
import { importDocument, type DocumentMapping } from '../../../../src/fhir/meso/import';
import { exportDocument } from '../../../../src/fhir/meso/export';
import { loadStoredGraph } from '../../../../src/fhir/meso/stored-graph';
import { itemIdentifier, itemKeyOf, MESO_ITEM_SYSTEM } from '../../../../src/fhir/meso/graph';
import { KEY } from '../../../../src/fhir/meso/keys';
import { IdentifierSystem } from '../../../../src/domain/identifier-systems';
import { MESO_DOCUMENT_VERSION_SYSTEM } from '../../../../src/fhir/meso/import-provenance';
import type { MesoCarePlanDocument } from '../../../../src/meso-document/document';
import { EXAMPLES, example } from './mini-mapping';
import {
  currentOf,
  mesoCtx,
  importDatabase,
  serviceCtx,
  versionCount,
  withIdentifier,
} from './import-support';

/** A copy of a document under another id (each test its own plan), optionally with another BSN. */
function variant(doc: MesoCarePlanDocument, id: string, bsn?: string): MesoCarePlanDocument {
  const copy = structuredClone(doc);
  copy.document.id = id;
  if (bsn) copy.client.bsn = bsn;
  return copy;
}

const nextVersion = (doc: MesoCarePlanDocument, change: (d: MesoCarePlanDocument) => void) => {
  const copy = structuredClone(doc);
  copy.document.version += 1;
  change(copy);
  return copy;
};

const firstGoal = (doc: MesoCarePlanDocument) => (doc.goals?.now ?? doc.goals?.later ?? [])[0];

/**
 * The import flows of issue 10 against the real database, for one mapping: the test-only one (import.test.ts)
 * or the sections' (import-sections.test.ts, meaningful once every section is mapped).
 */
export function importFlows(mapping: DocumentMapping): void {
  const t = importDatabase();

  /** The Provenance's agents name the author: as the Practitioner, or as a PractitionerRole of it. */
  const namesAuthor = async (provenance: Provenance, doc: MesoCarePlanDocument) => {
    const ids = Object.values(doc.document.author.identifiers);
    for (const agent of provenance.agent) {
      let who = agent.who?.reference ? await currentOf<Resource>(t.db, agent.who.reference) : undefined;
      const practitioner = (who as PractitionerRole | undefined)?.practitioner?.reference;
      if (who?.resourceType === 'PractitionerRole' && practitioner)
        who = await currentOf<Resource>(t.db, practitioner);
      const values = ((who as Practitioner | undefined)?.identifier ?? []).map((i) => i.value);
      if (who?.resourceType === 'Practitioner' && ids.some((v) => values.includes(v))) return true;
      if (ids.includes(agent.who?.identifier?.value as string)) return true;
    }
    return false;
  };

  const goalRef = async (doc: MesoCarePlanDocument, goalId: string) => {
    const [goal] = await withIdentifier(
      t.repo,
      'Goal',
      MESO_ITEM_SYSTEM,
      itemIdentifier(doc.document.id, KEY.goal(goalId)).value as string,
    );
    return `Goal/${goal.id}`;
  };

  it.each(EXAMPLES)('imports %s (201), and the same version again writes nothing (200)', async (name) => {
    const doc = example(name);
    const first = await importDocument(t.repo, mesoCtx(), doc, mapping);
    expect(first).toMatchObject({ status: 201, alreadyImported: false, documentId: doc.document.id });
    expect(first.created).toBeGreaterThan(0);
    expect(first.carePlan).toMatch(/^CarePlan\//);
    const before = await versionCount(t.db);
    const again = await importDocument(t.repo, mesoCtx(), structuredClone(doc), mapping);
    expect(again).toMatchObject({ status: 200, alreadyImported: true, created: 0, updated: 0, ended: 0 });
    expect(again.carePlan).toBe(first.carePlan);
    expect(await versionCount(t.db)).toBe(before);
    // The same version with other content is refused: the sender must raise the version.
    const changed = structuredClone(doc);
    changed.evaluation.nextEvaluationDate = '2099-01-01';
    await expect(importDocument(t.repo, mesoCtx(), changed, mapping)).rejects.toMatchObject({ status: 409 });
    const older = structuredClone(doc);
    older.document.version = doc.document.version - 1;
    if (older.document.version >= 1)
      await expect(importDocument(t.repo, mesoCtx(), older, mapping)).rejects.toMatchObject({ status: 409 });
    expect(await versionCount(t.db)).toBe(before);
  });

  it('a new version with one changed goal writes that goal (and the CarePlan only if its references changed) and a Provenance', async () => {
    const v1 = variant(example('eenvoudig'), 'zbp-test-goal-change', '999990019');
    await importDocument(t.repo, mesoCtx(), v1, mapping);
    const goal = firstGoal(v1);
    const v2 = nextVersion(v1, (d) => {
      firstGoal(d).description = 'Meneer wil tot de zomer zelfstandig thuis blijven wonen.';
    });
    const result = await importDocument(t.repo, mesoCtx(), v2, mapping);
    expect(result).toMatchObject({ status: 200, created: 0, ended: 0, alreadyImported: false });
    const ref = await goalRef(v1, goal.id);
    const provenance = await currentOf<Provenance>(t.db, (result.provenance as string).split('/_history')[0]);
    const targets = provenance.target.map((t) => t.reference?.split('/_history')[0]);
    expect(targets).toContain(ref);
    expect(targets.every((t) => t === ref || t?.startsWith('CarePlan/'))).toBe(true);
    expect(result.updated).toBe(targets.length);
    expect((await currentOf<Goal>(t.db, ref)).versions).toBe(2);
    // The Provenance names the document version and the author.
    const versionEntity = provenance.entity?.find(
      (e) => e.what.identifier?.system === MESO_DOCUMENT_VERSION_SYSTEM,
    );
    expect(versionEntity?.what.identifier?.value).toBe(`${v1.document.id}/2`);
    expect(await namesAuthor(provenance, v1)).toBe(true);
  });

  it('a goal that leaves the document is ended, not deleted, and no longer in the CarePlan', async () => {
    const v1 = variant(example('eenvoudig'), 'zbp-test-goal-removed', '999990020');
    const first = await importDocument(t.repo, mesoCtx(), v1, mapping);
    const goal = firstGoal(v1);
    const ref = await goalRef(v1, goal.id);
    const v2 = nextVersion(v1, (d) => {
      if (d.goals?.now) d.goals.now = d.goals.now.filter((g) => g.id !== goal.id);
      d.actions = (d.actions ?? []).map((a) => ({ ...a, goalIds: a.goalIds?.filter((g) => g !== goal.id) }));
    });
    const result = await importDocument(t.repo, mesoCtx(), v2, mapping);
    expect(result.ended).toBeGreaterThanOrEqual(1);
    const stored = await currentOf<Goal>(t.db, ref);
    expect(stored.lifecycleStatus).toBe('cancelled');
    const plan = await currentOf<CarePlan>(t.db, first.carePlan);
    expect(JSON.stringify(plan.goal ?? [])).not.toContain(ref);
    // Back in a later version: the same resource again (found by its item identifier), not a new one.
    const v3 = nextVersion(v2, (d) => {
      d.goals = structuredClone(v1.goals);
    });
    await importDocument(t.repo, mesoCtx(), v3, mapping);
    expect(await goalRef(v1, goal.id)).toBe(ref);
    const graph = await loadStoredGraph(t.repo, v1.document.id);
    expect(graph?.items('Goal/').map((g) => `Goal/${g.id}`)).toContain(ref);
  });

  it('reuses an existing Patient (BSN) and Practitioner (UZI) instead of creating them again', async () => {
    const doc = variant(example('escalatie-wilsverklaring'), 'zbp-test-shared', '999990032');
    const author = doc.document.author;
    const uzi = author.identifiers.uzi as string;
    // Stored before, by someone else, with an identifier the document does not know.
    const patient = await t.repo.create(serviceCtx, {
      resourceType: 'Patient',
      identifier: [
        { system: IdentifierSystem.bsn, value: doc.client.bsn },
        { system: 'urn:oid:2.16.840.1.113883.2.4.3.11.999.7.6', value: 'his-4711' },
      ],
      name: [{ family: 'Onbekend' }],
    } as Patient);
    const existingPractitioners = await withIdentifier(
      t.repo,
      'Practitioner',
      IdentifierSystem.uziPerson,
      uzi,
    );
    const practitioner = existingPractitioners[0]
      ? { version: { id: existingPractitioners[0].id as string } }
      : await t.repo.create(serviceCtx, {
          resourceType: 'Practitioner',
          identifier: [{ system: IdentifierSystem.uziPerson, value: uzi }],
          name: [{ family: 'Veen' }],
        } as Practitioner);
    const result = await importDocument(t.repo, mesoCtx(), doc, mapping);
    expect(result.status).toBe(201);
    const patients = await withIdentifier(t.repo, 'Patient', IdentifierSystem.bsn, doc.client.bsn);
    expect(patients.map((p) => p.id)).toEqual([patient.version.id]);
    // The document's content is merged in; the identifier it does not know stays.
    expect(JSON.stringify((patients[0] as Patient).identifier)).toContain('his-4711');
    const practitioners = await withIdentifier(t.repo, 'Practitioner', IdentifierSystem.uziPerson, uzi);
    expect(practitioners.map((p) => p.id)).toEqual([practitioner.version.id]);
    const plan = await currentOf<CarePlan>(t.db, result.carePlan);
    expect(plan.subject?.reference).toBe(`Patient/${patient.version.id}`);
  });

  it('two concurrent imports of the same new document create one graph', async () => {
    const doc = variant(example('elv-episode'), 'zbp-test-concurrent', '999990044');
    const results = await Promise.all([
      importDocument(t.repo, mesoCtx('a'), structuredClone(doc), mapping),
      importDocument(t.repo, mesoCtx('b'), structuredClone(doc), mapping),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 201]);
    expect(new Set(results.map((r) => r.carePlan)).size).toBe(1);
    const plans = await withIdentifier(
      t.repo,
      'CarePlan',
      MESO_ITEM_SYSTEM,
      `${doc.document.id}/${KEY.carePlan}`,
    );
    expect(plans).toHaveLength(1);
    expect(await withIdentifier(t.repo, 'Patient', IdentifierSystem.bsn, doc.client.bsn)).toHaveLength(1);
  });

  it('the stored graph lists each kind of item in document order, as the planned graph does', async () => {
    const doc = variant(example('eenvoudig'), 'zbp-test-order', '999990081');
    // The regiebehandelaar (the CarePlan's author, one reference nearer than the team) last, goals reversed.
    doc.team.members.reverse();
    doc.goals?.now?.reverse();
    await importDocument(t.repo, mesoCtx(), doc, mapping);
    const graph = await loadStoredGraph(t.repo, doc.document.id);
    const planned = mapping
      .toFhir(doc)
      .filter((p) => !p.shared && p.key !== KEY.provenance)
      .map((p) => p.key);
    const stored = graph!
      .items('')
      .filter((r) => r.resourceType !== 'Provenance')
      .map((r) => itemKeyOf(r, doc.document.id) as string);
    // Per kind of item (`Goal/x`, `PractitionerRole/member/x`): what items(prefix) gives a section.
    const kind = (key: string) => key.slice(0, Math.max(key.lastIndexOf('/'), 0)) || key;
    for (const group of new Set(planned.map(kind)))
      expect({ group, keys: stored.filter((k) => kind(k) === group) }).toEqual({
        group,
        keys: planned.filter((k) => kind(k) === group),
      });
  });

  it('exports what it imported; an unknown document is 404', async () => {
    const doc = variant(example('eenvoudig'), 'zbp-test-export', '999990056');
    await importDocument(t.repo, mesoCtx(), doc, mapping);
    const exported = await exportDocument(t.repo, mesoCtx(), doc.document.id, mapping);
    expect(exported.document).toEqual(mapping.fromFhir((await loadStoredGraph(t.repo, doc.document.id))!));
    expect(exported.entities).toContain(exported.carePlan);
    await expect(exportDocument(t.repo, mesoCtx(), 'zbp-unknown', mapping)).rejects.toMatchObject({
      status: 404,
    });
  });

  it('refuses an invalid document with 422 and JSON pointers, before writing anything', async () => {
    const doc = variant(example('eenvoudig'), 'zbp-test-invalid', '999990068');
    (doc.client as { bsn: string }).bsn = '123456789';
    const before = await versionCount(t.db);
    const error = await importDocument(t.repo, mesoCtx(), doc, mapping).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 422 });
    expect(JSON.stringify((error as { issues: unknown }).issues)).toContain('/client/bsn');
    expect(await versionCount(t.db)).toBe(before);
  });
}
