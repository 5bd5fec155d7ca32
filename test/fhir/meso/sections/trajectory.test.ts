import type { EpisodeOfCare } from '@medplum/fhirtypes';
import type { MesoCarePlanDocument } from '../../../../src/meso-document/document';
import { IdentifierSystem } from '../../../../src/domain/identifier-systems';
import { MESO_ITEM_SYSTEM, placeholder } from '../../../../src/fhir/meso/graph';
import { KEY } from '../../../../src/fhir/meso/keys';
import { documentToFhir } from '../../../../src/fhir/meso/mapping';
import { normalizeDocument } from '../../../../src/fhir/meso/normalize';
import { trajectorySection } from '../../../../src/fhir/meso/sections/trajectory';
import { errorsOf, examples } from './episodes-support';
import { graphOf } from './people';

const episodeOf = (doc: MesoCarePlanDocument) =>
  documentToFhir(doc).find((p) => p.key === KEY.trajectory)?.resource as EpisodeOfCare;

/** The examples' trajectory with its optional parts and other statuses. */
function variants(doc: MesoCarePlanDocument): MesoCarePlanDocument[] {
  const other = doc.team.members.find((m) => m.id !== doc.trajectory.regiebehandelaar);
  const with_ = (t: Partial<MesoCarePlanDocument['trajectory']>) => ({
    ...doc,
    trajectory: { ...doc.trajectory, ...t },
  });
  return [
    with_({ status: 'afgerond', end: '2026-12-31' }),
    with_({ status: 'onderbroken' }),
    with_({ status: 'gepland', end: '2027-03-01' }),
    with_({ status: 'geannuleerd' }),
    with_({
      managingOrganisation: {
        name: 'Huisartsenpraktijk De Brink',
        ura: '90000044',
        address: {
          street: 'Brink',
          houseNumber: '2',
          houseNumberLetter: 'a',
          houseNumberAddition: 'bis',
          postalCode: '9401 HS',
          city: 'Assen',
        },
      },
      regiebehandelaar: other?.id ?? doc.trajectory.regiebehandelaar,
    }),
  ];
}

describe.each(examples)('trajectory section, example %s', (_name, doc) => {
  const all = [doc, ...variants(doc)];

  it('plans one meso-zorgtraject that validates', async () => {
    for (const d of all) {
      const planned = trajectorySection.toFhir(d);
      expect(planned.map((p) => p.key)).toEqual([KEY.trajectory]);
      expect(await errorsOf(planned[0].resource, d)).toEqual([]);
    }
  });

  it('is really checked against meso-zorgtraject (a finished episode without end is refused)', async () => {
    const e = { ...episodeOf(doc), status: 'finished' as const };
    expect((await errorsOf(e, doc)).join()).toContain('meso-zorgtraject-1');
  });

  it('codes the prestatie, maps the status and links patient, organisation, regiebehandelaar and team', () => {
    const e = episodeOf(doc);
    expect(e.meta?.profile).toEqual(['https://meso-zorg.nl/fhir/StructureDefinition/meso-zorgtraject']);
    expect(e.identifier).toEqual([{ system: MESO_ITEM_SYSTEM, value: `${doc.document.id}/EpisodeOfCare` }]);
    expect(e.type?.[0].coding?.[0]).toMatchObject({
      system: 'https://meso-zorg.nl/fhir/CodeSystem/trajectory-type',
      code: 'zorgtraject-kwetsbare-patienten',
    });
    expect(e.status).toBe('active');
    expect(e.period).toEqual({ start: doc.trajectory.start });
    expect(e.patient?.reference).toBe(placeholder(KEY.patient));
    expect(e.managingOrganization?.reference).toBe(
      placeholder(`Organization/ura/${doc.trajectory.managingOrganisation.ura}`),
    );
    expect(e.careManager?.reference).toBe(placeholder(KEY.memberRole(doc.trajectory.regiebehandelaar)));
    expect(e.team?.map((t) => t.reference)).toEqual([placeholder(KEY.careTeam)]);
    expect(e.diagnosis).toBeUndefined();
    expect(e.referralRequest).toBeUndefined();
    const statuses = variants(doc)
      .slice(0, 4)
      .map((d) => episodeOf(d).status);
    expect(statuses).toEqual(['finished', 'onhold', 'planned', 'cancelled']);
  });

  it('the managing organisation it points at is identified by URA (and AGB)', () => {
    const org = graphOf(doc).resolve(episodeOf(doc).managingOrganization) as { identifier: unknown[] };
    expect(org.identifier).toContainEqual({
      system: IdentifierSystem.ura,
      value: doc.trajectory.managingOrganisation.ura,
    });
  });

  it('round-trips the trajectory', () => {
    for (const d of all) {
      expect(trajectorySection.fromFhir(graphOf(d))).toEqual({ trajectory: normalizeDocument(d).trajectory });
    }
  });
});
