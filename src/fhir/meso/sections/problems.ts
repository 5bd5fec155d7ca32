import type { Condition, Reference } from '@medplum/fhirtypes';
import { canonical } from '../../../domain/canonical';
import type { MesoCarePlanDocument, MesoDomain, Problem } from '../../../meso-document/document';
import { cc, codingFromFhir, codingIn, codingToFhir, reverseLookup, SCT } from '../datatypes/coding';
import { itemIdentifier, keyRef, localIdOf, type Graph, type Planned } from '../graph';

import { KEY } from '../keys';
import type { Section } from './section';

/**
 * Problems per MESO domain ⇄ one nl-core-Problem Condition each. The domain is an extra category from our
 * problem-domain code system next to nl-core's problemType slice (profiles/meso/README.md).
 */

const PROFILE = 'http://nictiz.nl/fhir/StructureDefinition/nl-core-Problem';
const DOMAIN_SYSTEM = canonical('CodeSystem', 'problem-domain');
/** The order of CarePlan.addresses and of a rebuilt `problems`. */
export const DOMAINS: readonly MesoDomain[] = ['somatisch', 'functioneel', 'psychisch', 'sociaal'];
const DOMAIN_DISPLAY: Record<MesoDomain, string> = {
  somatisch: 'Somatisch',
  functioneel: 'Functioneel',
  psychisch: 'Psychisch',
  sociaal: 'Sociaal',
};

/** zib ProbleemStatus: actueel is active; niet-actueel inactive; opgelost the FHIR refinement resolved. */
const CLINICAL: Record<Problem['status'], string> = {
  actueel: 'active',
  'niet-actueel': 'inactive',
  opgelost: 'resolved',
};
const CLINICAL_DISPLAY: Record<string, string> = {
  active: 'Active',
  inactive: 'Inactive',
  resolved: 'Resolved',
};
const CLINICAL_SYSTEM = 'http://terminology.hl7.org/CodeSystem/condition-clinical';

/** The document does not give a problem type: functional problems are findings, the others diagnoses (as the demo data). */
const problemType = (domain: MesoDomain) =>
  domain === 'functioneel'
    ? cc(SCT, '248536006', 'bevinding van functionele prestatie en activiteit')
    : cc(SCT, '282291009', 'interpretatie van diagnose');

const PREFIX = KEY.problem('');

function listed(doc: MesoCarePlanDocument): Array<{ domain: MesoDomain; problem: Problem }> {
  return DOMAINS.flatMap((domain) => (doc.problems?.[domain] ?? []).map((problem) => ({ domain, problem })));
}

/** References to the Conditions in CarePlan.addresses order, named by their code's display. */
export function problemRefs(doc: MesoCarePlanDocument): Reference<Condition>[] {
  return listed(doc).map(({ problem }) => keyRef<Condition>(KEY.problem(problem.id), problem.code.display));
}

function toFhir(doc: MesoCarePlanDocument): Planned[] {
  return listed(doc).map(({ domain, problem: p }) => {
    const key = KEY.problem(p.id);
    const clinical = CLINICAL[p.status];
    const condition: Condition = {
      resourceType: 'Condition',
      meta: { profile: [PROFILE] },
      identifier: [itemIdentifier(doc.document.id, key)],
      clinicalStatus: cc(CLINICAL_SYSTEM, clinical, CLINICAL_DISPLAY[clinical]),
      verificationStatus: {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status',
            code: 'confirmed',
            display: 'Confirmed',
          },
          { system: SCT, code: '410605003', display: 'aanwezigheid bevestigd' },
        ],
      },
      category: [problemType(domain), cc(DOMAIN_SYSTEM, domain, DOMAIN_DISPLAY[domain])],
      code: { coding: [codingToFhir(p.code)] },
      subject: keyRef(KEY.patient),
      ...(p.onsetDate ? { onsetDateTime: p.onsetDate } : {}),
      ...(p.note ? { note: [{ text: p.note }] } : {}),
    };
    return { key, resource: condition };
  });
}

function fromFhir(graph: Graph): Partial<MesoCarePlanDocument> {
  const problems: Partial<Record<MesoDomain, Problem[]>> = {};
  for (const c of graph.items<Condition>(PREFIX)) {
    const domain = codingIn(c.category, DOMAIN_SYSTEM)?.code as MesoDomain;
    const id = localIdOf(graph, c, PREFIX);
    const code = codingFromFhir(c.code?.coding?.[0]);
    const status = reverseLookup(CLINICAL, codingIn(c.clinicalStatus, CLINICAL_SYSTEM)?.code);
    if (!DOMAINS.includes(domain) || !id || !code || !status) continue;
    (problems[domain] ??= []).push({
      id,
      code,
      status,
      ...(c.onsetDateTime ? { onsetDate: c.onsetDateTime } : {}),
      ...(c.note?.[0]?.text ? { note: c.note[0].text } : {}),
    });
  }
  return Object.keys(problems).length ? { problems } : {};
}

export const problemsSection: Section = { name: 'problems', toFhir, fromFhir };
