import type { MesoCarePlanDocument } from '../../meso-document/document';
import type { CarePlan } from '@medplum/fhirtypes';
import { keyRef, type Graph, type Planned } from './graph';
import { KEY } from './keys';
import type { Section } from './sections/section';
import { actionsSection } from './sections/actions';
import { carePlanSection } from './sections/care-plan';
import { circumstancesSection } from './sections/circumstances';
import { clientSection } from './sections/client';
import { directivesSection } from './sections/directives';
import { elvSection } from './sections/elv';
import { escalationsSection } from './sections/escalations';
import { goalsSection } from './sections/goals';
import { headerSection } from './sections/header';
import { organisationsSection } from './sections/organisations';
import { problemsSection } from './sections/problems';
import { relativesSection } from './sections/relatives';
import { teamSection } from './sections/team';
import { trajectorySection } from './sections/trajectory';

/**
 * The MESO care-plan document ⇄ nl-core FHIR, one section per part of the document (sections/*). This is the
 * one place that lists them; the order is the order of the planned resources, shared ones first, so a
 * transaction creates what others point at before they point at it.
 */
const SECTIONS: readonly Section[] = [
  organisationsSection,
  clientSection,
  relativesSection,
  teamSection,
  headerSection,
  trajectorySection,
  problemsSection,
  goalsSection,
  circumstancesSection,
  directivesSection,
  actionsSection,
  escalationsSection,
  elvSection,
  carePlanSection,
];

/** Every resource the document maps to. A shared resource (one Organization per URA) is planned once. */
export function documentToFhir(doc: MesoCarePlanDocument): Planned[] {
  const planned = new Map<string, Planned>();
  for (const section of SECTIONS)
    for (const p of section.toFhir(doc)) {
      if (planned.has(p.key) && !p.shared) throw new Error(`section ${section.name} planned ${p.key} twice`);
      if (!planned.has(p.key)) planned.set(p.key, p);
    }
  return linkSupportingInfo([...planned.values()]);
}

/** The CarePlan lists what nothing else points at, so an export can reach every item from it. */
function linkSupportingInfo(planned: Planned[]): Planned[] {
  const supporting = planned.filter((p) => p.supportingInfo).map((p) => keyRef(p.key));
  if (!supporting.length) return planned;
  return planned.map((p) => {
    if (p.key !== KEY.carePlan) return p;
    const plan = p.resource as CarePlan;
    return { ...p, resource: { ...plan, supportingInfo: [...(plan.supportingInfo ?? []), ...supporting] } };
  });
}

/** The document rebuilt from its graph: each section reads back the top-level fields it owns. */
export function fhirToDocument(graph: Graph): MesoCarePlanDocument {
  const parts = SECTIONS.map((s) => s.fromFhir(graph));
  return Object.assign({ schemaVersion: '1.0.0' }, ...parts) as MesoCarePlanDocument;
}
