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
 * The resource with a generated `text` when it has none. An existing text is never replaced: an author's
 * narrative (e.g. `additional` or `extensions`) may say more than the data. The input is not mutated.
 */
export function withNarrative<T extends Resource>(resource: T): T {
  if ('text' in resource && resource.text !== undefined) return resource;
  const text = generateNarrative(resource);
  return text ? { ...resource, text } : resource;
}
