import type { Narrative, Resource } from '@medplum/fhirtypes';
import { careTeamNarrative } from './careteam-narrative';
import { carePlanNarrative } from './careplan-narrative';
import { conditionNarrative } from './condition-narrative';
import { consentNarrative } from './consent-narrative';
import { episodeOfCareNarrative } from './episode-of-care-narrative';
import { goalNarrative } from './goal-narrative';
import { observationNarrative } from './observation-narrative';
import { organizationNarrative } from './organization-narrative';
import { patientNarrative } from './patient-narrative';
import { practitionerNarrative } from './practitioner-narrative';
import { practitionerRoleNarrative } from './practitioner-role-narrative';
import { relatedPersonNarrative } from './related-person-narrative';
import { serviceRequestNarrative } from './service-request-narrative';
import { taskNarrative } from './task-narrative';

/** Dutch generated narrative (`Resource.text`, status `generated`); undefined for types without a generator. */
export function generateNarrative(resource: Resource): Narrative | undefined {
  switch (resource.resourceType) {
    case 'Patient':
      return patientNarrative(resource);
    case 'RelatedPerson':
      return relatedPersonNarrative(resource);
    case 'Practitioner':
      return practitionerNarrative(resource);
    case 'PractitionerRole':
      return practitionerRoleNarrative(resource);
    case 'Organization':
      return organizationNarrative(resource);
    case 'CareTeam':
      return careTeamNarrative(resource);
    case 'EpisodeOfCare':
      return episodeOfCareNarrative(resource);
    case 'CarePlan':
      return carePlanNarrative(resource);
    case 'Condition':
      return conditionNarrative(resource);
    case 'Goal':
      return goalNarrative(resource);
    case 'ServiceRequest':
      return serviceRequestNarrative(resource);
    case 'Task':
      return taskNarrative(resource);
    case 'Observation':
      return observationNarrative(resource);
    case 'Consent':
      return consentNarrative(resource);
    default:
      return undefined;
  }
}

/**
 * The resource with a generated `text` when it has none, or when its text is itself `generated`: clients send
 * back what they read, and a generated narrative must follow the data or display-only systems show stale care.
 * An author's narrative (`additional`, `extensions`, `empty`) may say more than the data and is never replaced.
 * The input is not mutated.
 */
export function withNarrative<T extends Resource>(resource: T): T {
  const text = 'text' in resource ? resource.text : undefined;
  if (text !== undefined && text.status !== 'generated') return resource;
  const generated = generateNarrative(resource);
  return generated ? { ...resource, text: generated } : resource;
}
