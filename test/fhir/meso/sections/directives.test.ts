import type { Consent } from '@medplum/fhirtypes';
import { itemIdentifier, placeholder } from '../../../../src/fhir/meso/graph';
import { KEY } from '../../../../src/fhir/meso/keys';
import { directivesSection } from '../../../../src/fhir/meso/sections/directives';
import { describeSection, example, EXAMPLES } from './support';
import { variants } from './variants';

const docs = [...EXAMPLES.map((n) => [n, example(n)] as [string, ReturnType<typeof example>]), ...variants()];
const NL = 'http://nictiz.nl/fhir/StructureDefinition/';
const SCT = 'http://snomed.info/sct';
const TREATMENT: Record<string, string> = {
  reanimatie: '89666000',
  beademing: '40617009',
  'ic-opname': '305351004',
  ziekenhuisopname: '32485007',
  bloedtransfusie: '116762002',
  antibiotica: '281789004',
  overig: 'OTH',
};

describe('directives section', () => {
  describeSection(
    directivesSection,
    ['advanceDirectives'],
    (doc, planned) => {
      const directives = doc.advanceDirectives?.directives ?? [];
      const limits = doc.advanceDirectives?.treatmentLimits ?? [];
      expect(planned).toHaveLength(directives.length + limits.length);
      for (const p of planned) {
        expect(p.supportingInfo).toBe(true);
        const c = p.resource as Consent;
        expect(c.identifier).toEqual([itemIdentifier(doc.document.id, p.key)]);
        expect(c.patient?.reference).toBe(placeholder(KEY.patient));
        expect(c.policy).toEqual([{ uri: 'https://wetten.overheid.nl/' }]);
      }
      directives.forEach((d, i) => {
        const c = planned[i].resource as Consent;
        expect(planned[i].key).toBe(KEY.directive(d.id));
        expect(c.meta?.profile).toEqual([`${NL}nl-core-AdvanceDirective`]);
        expect(c.scope.coding?.[0].code).toBe('adr');
        expect(c.category[0].coding?.[0].code).toBe('acd');
        expect(c.dateTime).toBe(d.date);
        expect(c.provision?.code?.[0].coding?.[0]).toMatchObject({
          system: 'urn:oid:2.16.840.1.113883.2.4.3.11.60.40.4.14.1',
          code: d.type,
        });
        const rep = c.provision?.actor?.find((a) => a.role.coding?.[0].code === 'RESPRSN');
        expect(rep?.reference.reference).toBe(
          d.representativeId && placeholder(KEY.relative(d.representativeId)),
        );
        expect(c.extension?.find((e) => e.url === `${NL}ext-Comment`)?.valueString).toBe(d.comment);
      });
      limits.forEach((t, j) => {
        const c = planned[directives.length + j].resource as Consent;
        expect(c.meta?.profile).toEqual([`${NL}nl-core-TreatmentDirective2`]);
        expect(c.scope.coding?.[0].code).toBe('treatment');
        expect(c.category[0].coding?.[0]).toMatchObject({ system: SCT, code: '129125009' });
        expect(c.dateTime).toBe(t.verificationDate);
        const code = c.provision?.code?.[0];
        expect(code?.coding?.[0].code).toBe(TREATMENT[t.treatment]);
        expect(code?.text).toBe(t.otherTreatment);
        expect(c.provision?.type).toBe({ JA: 'permit', NEE: 'deny', JA_MAAR: undefined }[t.permitted]);
        const specification = c.modifierExtension?.find(
          (e) => e.url === `${NL}ext-TreatmentDirective2.SpecificationOther`,
        );
        expect(specification?.valueString).toBe(t.permitted === 'JA_MAAR' ? t.restrictions : undefined);
        expect(c.sourceReference?.reference).toBe(t.directiveId && placeholder(KEY.directive(t.directiveId)));
        const parties = (c.provision?.actor ?? []).map((a) => a.reference.type);
        const expected = {
          client: ['Patient'],
          vertegenwoordiger: ['RelatedPerson'],
          'client-en-naaste': ['Patient', 'RelatedPerson'],
        };
        expect(parties).toEqual(t.agreedWith ? expected[t.agreedWith] : []);
      });
    },
    docs,
  );

  it('keys treatment limits by treatment, the text of overig and the occurrence of a repeat', () => {
    const rich = variants()[0][1];
    expect(directivesSection.toFhir(rich).map((p) => p.key)).toEqual([
      'Consent/directive/vol',
      'Consent/directive/verb',
      'Consent/treatment-limit/ic-opname',
      'Consent/treatment-limit/antibiotica',
      'Consent/treatment-limit/antibiotica/2',
      'Consent/treatment-limit/overig/Sondevoeding',
      'Consent/treatment-limit/overig/Dialyse%20%2F%20nierfunctie',
      'Consent/treatment-limit/bloedtransfusie',
    ]);
  });
});
