import type { PractitionerRole, Reference } from '@medplum/fhirtypes';
import { localTarget } from '../../kernel/reference';
import { resourceStore } from '../../store/resource-store';
import type { FhirRepository } from '../repository';

/** A party of a referral Task as the zorgtraject records it: its organisation, and the person when one is named. */
export interface ReferralParty {
  organization?: Reference;
  practitionerRole?: Reference;
}

/**
 * The organisation a Task.owner or Task.requester stands for: the Organization itself, or the organization of a
 * PractitionerRole. A reference by identifier only (URA, AGB) is resolved to the stored resource when exactly
 * one has that identifier; an Organization not stored here stays a reference by identifier.
 */
export async function referralParty(
  repo: FhirRepository,
  ref: Reference | undefined,
): Promise<ReferralParty> {
  if (!ref) return {};
  const target = localTarget(ref.reference);
  if (target?.resourceType === 'Organization')
    return { organization: literal(ref, 'Organization', target.id) };
  if (target?.resourceType === 'PractitionerRole')
    return roleParty(repo, literal(ref, 'PractitionerRole', target.id));
  if (target || !ref.identifier?.system || !ref.identifier.value) return {};
  const identifier = `${ref.identifier.system}|${ref.identifier.value}`;
  if (ref.type !== 'PractitionerRole') {
    const [org, more] = await repo.findMatches('Organization', [['identifier', identifier]]);
    if (org && !more) return { organization: literal(ref, 'Organization', org.id as string) };
    if (ref.type === 'Organization' || more) return { organization: { ...ref, type: 'Organization' } };
  }
  const [role, more] = await repo.findMatches('PractitionerRole', [['identifier', identifier]]);
  return role && !more ? roleParty(repo, literal(ref, 'PractitionerRole', role.id as string)) : {};
}

async function roleParty(repo: FhirRepository, role: Reference): Promise<ReferralParty> {
  const id = localTarget(role.reference)?.id as string;
  const stored = await resourceStore.current(repo.queryable, 'PractitionerRole', id);
  const org = stored && !stored.deleted ? (stored.resource as PractitionerRole).organization : undefined;
  return {
    practitionerRole: role,
    ...(org ? { organization: { ...org, type: 'Organization' } } : {}),
  };
}

/** `ref` as a literal reference to the stored `type/id`, keeping its display and identifier. */
const literal = (ref: Reference, type: 'Organization' | 'PractitionerRole', id: string): Reference => ({
  reference: `${type}/${id}`,
  type,
  ...(ref.display ? { display: ref.display } : {}),
  ...(ref.identifier ? { identifier: ref.identifier } : {}),
});

/** Whether two references name the same organisation (the same `Type/id`, or the same identifier). */
export function sameParty(a: Reference | undefined, b: Reference | undefined): boolean {
  if (!a || !b) return false;
  const ka = localTarget(a.reference);
  const kb = localTarget(b.reference);
  if (ka && kb) return ka.resourceType === kb.resourceType && ka.id === kb.id;
  const [ia, ib] = [a.identifier, b.identifier];
  return !!ia?.value && ia.system === ib?.system && ia.value === ib?.value;
}
