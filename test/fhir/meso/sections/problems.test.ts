import type { Condition } from '@medplum/fhirtypes';
import { itemIdentifier, placeholder } from '../../../../src/fhir/meso/graph';
import { KEY } from '../../../../src/fhir/meso/keys';
import { problemsSection } from '../../../../src/fhir/meso/sections/problems';
import { describeSection, example, EXAMPLES } from './support';
import { variants } from './variants';

const docs = [...EXAMPLES.map((n) => [n, example(n)] as [string, ReturnType<typeof example>]), ...variants()];
const CLINICAL = { actueel: 'active', 'niet-actueel': 'inactive', opgelost: 'resolved' };
const DOMAIN_SYSTEM = 'https://meso-zorg.nl/fhir/CodeSystem/problem-domain';

describe('problems section', () => {
  describeSection(
    problemsSection,
    ['problems'],
    (doc, planned) => {
      const listed = (['somatisch', 'functioneel', 'psychisch', 'sociaal'] as const).flatMap((domain) =>
        (doc.problems?.[domain] ?? []).map((p) => ({ domain, p })),
      );
      expect(planned.map((x) => x.key)).toEqual(listed.map(({ p }) => KEY.problem(p.id)));
      planned.forEach(({ resource, key, supportingInfo }, i) => {
        const { domain, p } = listed[i];
        const c = resource as Condition;
        expect(supportingInfo).toBeFalsy();
        expect(c.identifier).toEqual([itemIdentifier(doc.document.id, key)]);
        expect(c.meta?.profile).toEqual(['http://nictiz.nl/fhir/StructureDefinition/nl-core-Problem']);
        expect(c.clinicalStatus?.coding?.[0]).toMatchObject({
          system: 'http://terminology.hl7.org/CodeSystem/condition-clinical',
          code: CLINICAL[p.status],
        });
        expect(c.verificationStatus?.coding?.map((x) => x.code)).toEqual(['confirmed', '410605003']);
        expect(c.category?.[0].coding?.[0].code).toBe(domain === 'functioneel' ? '248536006' : '282291009');
        expect(c.category?.[1].coding?.[0]).toMatchObject({ system: DOMAIN_SYSTEM, code: domain });
        expect(c.code?.coding).toEqual([p.code]);
        expect(c.subject.reference).toBe(placeholder(KEY.patient));
        expect(c.onsetDateTime).toBe(p.onsetDate);
        expect(c.note?.[0].text).toBe(p.note);
      });
    },
    docs,
  );
});
