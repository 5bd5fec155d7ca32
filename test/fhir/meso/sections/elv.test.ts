import type { Encounter } from '@medplum/fhirtypes';
import type { ElvEpisode, MesoCarePlanDocument } from '../../../../src/meso-document/document';
import { MESO_ITEM_SYSTEM, placeholder } from '../../../../src/fhir/meso/graph';
import { KEY } from '../../../../src/fhir/meso/keys';
import { documentToFhir } from '../../../../src/fhir/meso/mapping';
import { normalizeDocument } from '../../../../src/fhir/meso/normalize';
import { elvSection } from '../../../../src/fhir/meso/sections/elv';
import { errorsOf, examples } from './episodes-support';
import { graphOf } from './people';

const SNOMED = 'http://snomed.info/sct';
const encounterOf = (doc: MesoCarePlanDocument, id: string) =>
  documentToFhir(doc).find((p) => p.key === KEY.elvEpisode(id))?.resource as Encounter;

/** Several stays: every status and discharge destination, with and without request, reason and end. */
function several(doc: MesoCarePlanDocument): MesoCarePlanDocument {
  const location = { name: 'Zorggroep Het Drentse Erf, locatie De Esch', ura: '90000033', agb: '75051236' };
  const stay = (e: Partial<ElvEpisode> & Pick<ElvEpisode, 'id' | 'status'>): ElvEpisode => ({
    service: 'elv-laag-complex',
    location,
    start: '2026-10-01',
    ...e,
  });
  // Only a document with an ELV request can point at one (rules.ts).
  const request = doc.escalations?.find((e) => e.kind === 'elv-aanvraag')?.id;
  const elvEpisodes: ElvEpisode[] = [
    stay({
      id: 'v1',
      status: 'afgerond',
      end: '2026-10-14',
      dischargeDestination: 'thuis',
      reason: 'Herstel na val.',
    }),
    stay({
      id: 'v2',
      status: 'afgerond',
      end: '2026-10-20',
      dischargeDestination: 'verpleeghuis',
      service: 'elv-hoog-complex',
    }),
    stay({ id: 'v3', status: 'afgerond', end: '2026-10-21', dischargeDestination: 'ziekenhuis' }),
    stay({
      id: 'v4',
      status: 'afgerond',
      end: '2026-10-22',
      dischargeDestination: 'overleden',
      service: 'elv-palliatief',
    }),
    stay({ id: 'v5', status: 'afgerond', end: '2026-10-23', dischargeDestination: 'overig' }),
    stay({
      id: 'v6',
      status: 'gepland',
      start: '2027-01-05',
      location: {
        name: 'Verpleeghuis De Wijde Veste',
        ura: '90000077',
        phone: { number: '+31592123456', use: 'werk' },
      },
    }),
    stay({ id: 'v7', status: 'geannuleerd' }),
    stay({ id: 'v8', status: 'actief', referralId: request }),
  ];
  return { ...doc, elvEpisodes };
}

describe.each(examples)('ELV section, example %s', (_name, doc) => {
  const all = [doc, several(doc)];

  it('plans one nl-core-Encounter per stay that validates', async () => {
    for (const d of all) {
      const planned = elvSection.toFhir(d);
      expect(planned.map((p) => p.key)).toEqual((d.elvEpisodes ?? []).map((e) => KEY.elvEpisode(e.id)));
      expect(planned.every((p) => p.supportingInfo && !p.shared)).toBe(true);
      for (const p of planned) expect([p.key, await errorsOf(p.resource, d)]).toEqual([p.key, []]);
    }
  });

  it('round-trips the ELV episodes', () => {
    for (const d of all) {
      const expected = normalizeDocument(d).elvEpisodes;
      expect(elvSection.fromFhir(graphOf(d))).toEqual(expected ? { elvEpisodes: expected } : {});
    }
  });
});

describe('ELV: codes and references', () => {
  const doc = several(examples.find(([n]) => n === 'elv-episode')?.[1] as MesoCarePlanDocument);

  it('an inpatient stay of the ELV service at the location, within the zorgtraject, based on the request', () => {
    const e = encounterOf(doc, 'v8');
    expect(e.meta?.profile).toEqual(['http://nictiz.nl/fhir/StructureDefinition/nl-core-Encounter']);
    expect(e.identifier).toEqual([
      { system: MESO_ITEM_SYSTEM, value: `${doc.document.id}/Encounter/elv/v8` },
    ]);
    expect(e.class).toMatchObject({
      system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
      code: 'IMP',
    });
    expect(e.serviceType?.coding?.[0]).toMatchObject({
      system: 'https://meso-zorg.nl/fhir/CodeSystem/mgz-service',
      code: 'elv-laag-complex',
    });
    expect(e.status).toBe('in-progress');
    expect(e.subject?.reference).toBe(placeholder(KEY.patient));
    expect(e.episodeOfCare?.[0].reference).toBe(placeholder(KEY.trajectory));
    expect(e.basedOn?.[0].reference).toBe(placeholder(KEY.escalationRequest('elv-aanvraag-1')));
    expect(e.serviceProvider).toMatchObject({
      reference: placeholder('Organization/ura/90000033'),
      display: 'Zorggroep Het Drentse Erf, locatie De Esch',
    });
    expect(e.period).toEqual({ start: '2026-10-01' });
  });

  it('is really checked against nl-core-Encounter (zib: at most one location; R4: class required)', async () => {
    const twice = {
      ...encounterOf(doc, 'v1'),
      location: [{ location: { display: 'a' } }, { location: { display: 'b' } }],
    };
    expect((await errorsOf(twice, doc)).join()).toMatch(/Encounter\.location/);
    const classless = { ...encounterOf(doc, 'v1'), class: undefined } as unknown as Encounter;
    expect((await errorsOf(classless, doc)).join()).toMatch(/class/);
  });

  it('maps status, period end, reason and discharge destination (zib BestemmingCodelijst)', () => {
    const v1 = encounterOf(doc, 'v1');
    expect(v1.status).toBe('finished');
    expect(v1.period).toEqual({ start: '2026-10-01', end: '2026-10-14' });
    expect(v1.reasonCode).toEqual([{ text: 'Herstel na val.' }]);
    const destinations = ['v1', 'v2', 'v3', 'v4', 'v5'].map(
      (id) => encounterOf(doc, id).hospitalization?.dischargeDisposition?.coding?.[0].code,
    );
    expect(destinations).toEqual(['264362003', '42665001', '22232009', '183676005', 'OTH']);
    expect(encounterOf(doc, 'v2').hospitalization?.dischargeDisposition?.coding?.[0].system).toBe(SNOMED);
    expect(['v6', 'v7'].map((id) => encounterOf(doc, id).status)).toEqual(['planned', 'cancelled']);
    expect(encounterOf(doc, 'v7').basedOn).toBeUndefined();
    expect(encounterOf(doc, 'v7').reasonCode).toBeUndefined();
  });

  it('the stay reads back to the ELV request of the escalations (referralId)', () => {
    const graph = graphOf(doc);
    const request = graph.resolve(encounterOf(doc, 'v8').basedOn?.[0]);
    expect(request?.resourceType).toBe('ServiceRequest');
  });
});
