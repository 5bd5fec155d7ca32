import type { ServiceRequest, Task } from '@medplum/fhirtypes';
import type { Escalation, MesoCarePlanDocument } from '../../../../src/meso-document/document';
import { IdentifierSystem } from '../../../../src/domain/identifier-systems';
import { MESO_ITEM_SYSTEM, placeholder } from '../../../../src/fhir/meso/graph';
import { KEY } from '../../../../src/fhir/meso/keys';
import { documentToFhir } from '../../../../src/fhir/meso/mapping';
import { normalizeDocument } from '../../../../src/fhir/meso/normalize';
import { escalationsSection } from '../../../../src/fhir/meso/sections/escalations';
import { errorsOf, examples } from './episodes-support';
import { graphOf } from './people';

const KIND = 'https://meso-zorg.nl/fhir/CodeSystem/referral-kind';
const REJECTION = 'https://meso-zorg.nl/fhir/CodeSystem/referral-rejection-reason';
const MGZ = 'https://meso-zorg.nl/fhir/CodeSystem/mgz-service';

const plannedOf = (doc: MesoCarePlanDocument, key: string) => documentToFhir(doc).find((p) => p.key === key);
const srOf = (doc: MesoCarePlanDocument, id: string) =>
  plannedOf(doc, KEY.escalationRequest(id))?.resource as ServiceRequest;
const taskOf = (doc: MesoCarePlanDocument, id: string) =>
  plannedOf(doc, KEY.escalationTask(id))?.resource as Task;

/** Several escalations with every kind, status and rejection reason, and without the optional parts. */
function several(doc: MesoCarePlanDocument): MesoCarePlanDocument {
  const [first, second] = doc.team.members.filter(
    (m) => m.role === 'huisarts' || m.role === 'regiebehandelaar',
  );
  const problemIds = Object.values(doc.problems ?? {})
    .flat()
    .map((p) => p.id);
  const base = {
    requestedAt: '2026-11-30T08:05:00+01:00',
    requester: first.id,
    receiver: { name: 'Behandelnetwerk Ouderen Drenthe', ura: '90000055' },
    reason: 'Vraag aan het behandelnetwerk.',
  };
  const escalations: Escalation[] = [
    {
      ...base,
      id: 'e1',
      kind: 'escalatie-medebehandeling',
      requestedService: 'so-consult',
      status: 'ontvangen',
    },
    { ...base, id: 'e2', kind: 'escalatie-aanvullende-diagnostiek', status: 'afgerond', problemIds },
    {
      ...base,
      id: 'e3',
      kind: 'elv-aanvraag',
      requestedService: 'elv-palliatief',
      requester: second.id,
      receiver: { name: 'Coördinatiepunt Drenthe (CTV)', ura: '90000066', agb: '75059999' },
      status: 'afgewezen',
      rejectionReason: 'overig',
    },
    {
      ...base,
      id: 'e4',
      kind: 'elv-aanvraag',
      requestedService: 'elv-laag-complex',
      status: 'afgewezen',
      rejectionReason: 'geen-bed-beschikbaar',
    },
    {
      ...base,
      id: 'e5',
      kind: 'escalatie-advies',
      status: 'geaccepteerd',
      problemIds: problemIds.slice(0, 1),
    },
  ];
  return { ...doc, escalations, elvEpisodes: undefined };
}

describe.each(examples)('escalations section, example %s', (_name, doc) => {
  const all = [doc, several(doc)];

  it('plans a referral ServiceRequest and Task per escalation that validate', async () => {
    for (const d of all) {
      const planned = escalationsSection.toFhir(d);
      expect(planned.map((p) => p.key)).toEqual(
        (d.escalations ?? []).flatMap((e) => [KEY.escalationRequest(e.id), KEY.escalationTask(e.id)]),
      );
      expect(planned.every((p) => p.supportingInfo && !p.shared)).toBe(true);
      for (const p of planned) expect([p.key, await errorsOf(p.resource, d)]).toEqual([p.key, []]);
    }
  });

  it('round-trips the escalations', () => {
    for (const d of all) {
      const expected = normalizeDocument(d).escalations;
      expect(escalationsSection.fromFhir(graphOf(d))).toEqual(expected ? { escalations: expected } : {});
    }
  });
});

describe('escalations: codes, identifiers and references', () => {
  const doc = several(examples[0][1]);
  const regie = doc.team.members.find((m) => m.role === 'regiebehandelaar');
  const gp = doc.team.members.find((m) => m.role === 'huisarts');

  it('the ServiceRequest is a coded referral to the receiver, for the patient, about the problems', () => {
    const sr = srOf(doc, 'e2');
    expect(sr.identifier).toEqual([
      { system: MESO_ITEM_SYSTEM, value: `${doc.document.id}/ServiceRequest/escalation/e2` },
    ]);
    expect(sr.intent).toBe('order');
    expect(sr.category?.[0].coding?.[0]).toMatchObject({ system: 'http://snomed.info/sct', code: '3457005' });
    expect(sr.code?.coding?.[0]).toMatchObject({ system: KIND, code: 'escalatie-aanvullende-diagnostiek' });
    expect(sr.orderDetail).toBeUndefined();
    expect(sr.subject?.reference).toBe(placeholder(KEY.patient));
    expect(sr.authoredOn).toBe('2026-11-30T08:05:00+01:00');
    expect(sr.performer?.[0].reference).toBe(placeholder('Organization/ura/90000055'));
    expect(sr.reasonCode).toEqual([{ text: 'Vraag aan het behandelnetwerk.' }]);
    expect(sr.reasonReference?.map((r) => r.reference)).toEqual(
      doc.escalations?.[1].problemIds?.map((p) => placeholder(KEY.problem(p))),
    );
    expect(sr.status).toBe('completed');
    expect(srOf(doc, 'e1').orderDetail?.[0].coding?.[0]).toMatchObject({ system: MGZ, code: 'so-consult' });
    expect(srOf(doc, 'e4').status).toBe('revoked');
  });

  it('the Task tracks the request: status, coded rejection, owner by URA, requester by UZI or AGB', () => {
    const t = taskOf(doc, 'e4');
    expect(t.intent).toBe('order');
    expect(t.focus?.reference).toBe(placeholder(KEY.escalationRequest('e4')));
    expect(t.for?.reference).toBe(placeholder(KEY.patient));
    expect(t.basedOn?.[0].reference).toBe(placeholder(KEY.carePlan));
    expect(t.status).toBe('rejected');
    expect(t.statusReason?.coding).toEqual([
      { system: REJECTION, code: 'geen-bed-beschikbaar', display: 'Geen bed beschikbaar' },
    ]);
    expect(t.owner).toMatchObject({
      reference: placeholder('Organization/ura/90000055'),
      identifier: { system: IdentifierSystem.ura, value: '90000055' },
    });
    expect(t.requester?.reference).toBe(placeholder(KEY.memberRole(regie?.id ?? '')));
    expect(t.requester?.identifier).toEqual({
      system: IdentifierSystem.uziPerson,
      value: regie?.professional.identifiers.uzi,
    });
    // The example's huisarts has only an AGB.
    expect(taskOf(doc, 'e3').requester?.identifier).toEqual({
      system: IdentifierSystem.agb,
      value: gp?.professional.identifiers.agb,
    });
    expect(taskOf(doc, 'e3').statusReason?.text).toBe('Overig');
    expect(['e1', 'e2', 'e5'].map((id) => taskOf(doc, id).status)).toEqual([
      'received',
      'completed',
      'accepted',
    ]);
    expect(taskOf(doc, 'e5').statusReason).toBeUndefined();
  });

  it('the profiles and business rules are really applied (an ELV request without service, a rejection without reason)', async () => {
    const sr = { ...srOf(doc, 'e4'), orderDetail: undefined };
    expect((await errorsOf(sr, doc)).join()).toContain('meso-referral-sr-1');
    const t = { ...taskOf(doc, 'e4'), statusReason: undefined };
    expect((await errorsOf(t, doc)).join()).toContain('meso-referral-task-1');
  });
});
