import type { Observation } from '@medplum/fhirtypes';
import { itemIdentifier, placeholder } from '../../../../src/fhir/meso/graph';
import { KEY } from '../../../../src/fhir/meso/keys';
import { circumstancesSection } from '../../../../src/fhir/meso/sections/circumstances';
import { describeSection, example, EXAMPLES } from './support';
import { variants } from './variants';

const docs = [...EXAMPLES.map((n) => [n, example(n)] as [string, ReturnType<typeof example>]), ...variants()];
const NL = 'http://nictiz.nl/fhir/StructureDefinition/';
const SCT = 'http://snomed.info/sct';

describe('circumstances section', () => {
  describeSection(
    circumstancesSection,
    ['circumstances'],
    (doc, planned) => {
      const byKey = new Map(planned.map((p) => [p.key, p]));
      const obs = (key: string) => byKey.get(key)?.resource as Observation | undefined;
      for (const p of planned) {
        expect(p.resource.meta?.profile?.[0]).toMatch(new RegExp(`^${NL}nl-core-`));
        expect((p.resource as Observation).identifier).toEqual([itemIdentifier(doc.document.id, p.key)]);
        expect((p.resource as Observation).subject?.reference).toBe(placeholder(KEY.patient));
        // The panel's members are reached through hasMember; everything else through CarePlan.supportingInfo.
        expect(p.supportingInfo).toBe(p.key !== KEY.houseType && p.key !== KEY.livesAlone);
      }
      const c = doc.circumstances;
      const living = c?.livingSituation;
      if (living) {
        expect(obs(KEY.livingSituation)).toMatchObject({
          code: { coding: [{ system: SCT, code: '365508006' }] },
          hasMember: [{ reference: placeholder(KEY.houseType) }, { reference: placeholder(KEY.livesAlone) }],
        });
        expect(obs(KEY.livingSituation)?.note?.[0].text).toBe(living.description);
        const house = obs(KEY.houseType)?.valueCodeableConcept;
        const zib = { eengezinswoning: 'EENGEZW', appartement: 'FLATW', aanleunwoning: 'AANLW' } as Record<
          string,
          string
        >;
        expect(house?.coding?.[0].code).toBe(zib[living.houseType] ?? 'OTH');
        const alone = obs(KEY.livesAlone)?.valueCodeableConcept;
        expect(alone?.coding?.[0]?.code).toBe(living.livesAlone ? '105529008' : undefined);
      } else expect(obs(KEY.livingSituation)).toBeUndefined();
      const findings = planned.filter((p) => /status\//.test(p.key)).map((p) => p.resource as Observation);
      const expected = [
        ...(c?.functionalStatus ?? []).map((f) => ({ f, category: '118228005' })),
        ...(c?.mentalStatus ?? []).map((f) => ({ f, category: '384821006' })),
      ];
      expect(findings).toHaveLength(expected.length);
      findings.forEach((o, i) => {
        const { f, category } = expected[i];
        expect(o.meta?.profile).toEqual([`${NL}nl-core-FunctionalOrMentalStatus`]);
        expect(o.category?.[0].coding?.[0]).toMatchObject({ system: SCT, code: category });
        expect(o.code.coding?.[0].system).toBe('http://hl7.org/fhir/sid/icf-nl');
        expect(o.code.text).toBe(f.domain);
        if (f.code) expect(o.valueCodeableConcept).toEqual({ coding: [f.code], text: f.finding });
        else expect(o.valueString).toBe(f.finding);
      });
      if (c?.barthel)
        expect(obs(KEY.barthel)).toMatchObject({
          code: { coding: [{ system: SCT, code: '273302005' }] },
          valueInteger: c.barthel.score,
          effectiveDateTime: c.barthel.date,
        });
      else expect(obs(KEY.barthel)).toBeUndefined();
    },
    docs,
  );

  it('keys repeated domains by their occurrence within the domain', () => {
    const rich = variants()[0][1];
    const keys = circumstancesSection.toFhir(rich).map((p) => p.key);
    expect(keys).toEqual(
      expect.arrayContaining([
        'Observation/functional-status/mobiliteit/1',
        'Observation/functional-status/continentie/1',
        'Observation/functional-status/mobiliteit/2',
        'Observation/mental-status/orientatie/2',
      ]),
    );
  });
});
