import fs from 'node:fs';
import type { Bundle, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import type { ConformanceCheck } from './repository';
import { projectPath } from '../project-root';
import { issue } from '../kernel/outcome';

/** The profile validator as the write path needs it (src/fhir/validation). */
export interface ProfileValidator {
  validate(resource: Resource, options?: { profile?: string; bundle?: Bundle }): OperationOutcomeIssue[];
  knowsProfile(url: string): boolean;
}

export type BusinessRules = (resource: Resource) => OperationOutcomeIssue[];

/** Resource type → canonical of the profile a resource without meta.profile is validated (and stored) against. */
export function loadDefaultProfiles(
  file = projectPath('profiles', 'meso', 'default-profiles.json'),
): Record<string, string> {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>;
}

/** The profiles the service claims per type: the default first, then the others it accepts (CapabilityStatement). */
export function loadClaimedProfiles(defaults: Record<string, string>): (resourceType: string) => string[] {
  const others = JSON.parse(
    fs.readFileSync(projectPath('profiles', 'meso', 'supported-profiles.json'), 'utf8'),
  ) as Record<string, string[]>;
  return (type) => [...new Set([defaults[type], ...(others[type] ?? [])].filter(Boolean))];
}

/** Profile validation plus the Dutch business rules the profiles cannot express (BSN 11-proef, AGB/URA format …). */
export function createConformanceCheck(
  validator: ProfileValidator,
  businessRules: BusinessRules,
  defaultProfiles: Record<string, string>,
): ConformanceCheck {
  // A stored resource must conform to every profile it claims; a claim nobody can check is refused.
  const unknownProfiles = (resource: Resource): OperationOutcomeIssue[] =>
    (Array.isArray(resource.meta?.profile) ? resource.meta.profile : [])
      .map((url, i) => ({ url, i }))
      .filter(({ url }) => typeof url === 'string' && !validator.knowsProfile(url))
      .map(({ url, i }) =>
        issue(
          'not-supported',
          `meta.profile ${url} is not a profile this server knows, so conformance cannot be checked`,
          `${resource.resourceType}.meta.profile[${i}]`,
        ),
      );
  return {
    applyDefaultProfile(resource: Resource): Resource {
      // A meta or meta.profile of the wrong JSON kind is left as sent, for validation to refuse.
      const meta = resource.meta as unknown;
      if (meta !== undefined && (typeof meta !== 'object' || meta === null || Array.isArray(meta)))
        return resource;
      const declared = resource.meta?.profile as unknown;
      if (declared !== undefined && !(Array.isArray(declared) && declared.length === 0)) return resource;
      const profile = defaultProfiles[resource.resourceType];
      return profile ? { ...resource, meta: { ...resource.meta, profile: [profile] } } : resource;
    },
    check(resource: Resource, options: { bundle?: Bundle; profile?: string } = {}): OperationOutcomeIssue[] {
      return [
        ...unknownProfiles(resource),
        ...validator.validate(resource, options),
        ...businessRules(resource),
      ];
    },
  };
}
