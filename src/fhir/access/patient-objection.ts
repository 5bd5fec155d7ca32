import type { Consent, ConsentProvision } from '@medplum/fhirtypes';
import type { OrganizationKind } from '../../kernel/caller';
import { referenceNames, type Party } from './patient-compartment';

/** The project's code system for organisation kinds (the Mitz "category of data holder", simplified). */
export const ORGANIZATION_KIND_SYSTEM = 'https://meso-zorg.nl/fhir/CodeSystem/organization-kind';
export const CONSENT_SCOPE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/consentscope';

/**
 * How a patient's objection to sharing is recorded (issue 5, Mitz-style permit/deny):
 * - a Consent with `status = active` and `scope` = consentscope#patient-privacy (advance directives and
 *   treatment directives use other scopes and never block access);
 * - `provision.type = deny` objects; a nested `provision.provision` may carry exceptions (`permit`);
 * - `provision.actor` names who is blocked: a specific organisation (`actor.reference` = Organization/<id>, or
 *   `actor.reference.identifier` with its URA or AGB), or every organisation of a kind (`actor.role` coded in
 *   ORGANIZATION_KIND_SYSTEM: gp | vvt | meso-team | behandelnetwerk | ctv | platform, as listed in
 *   profiles/meso/CodeSystem-organization-kind.json; the reference then only carries a display);
 *   no actor means every organisation;
 * - `provision.period`, when present, limits when it applies.
 * As in Mitz, the most specific rule wins (organisation > kind > everyone); at equal specificity deny wins.
 */
export function isPrivacyConsent(consent: Consent): boolean {
  return !!consent.scope?.coding?.some(
    (c) => c.system === CONSENT_SCOPE_SYSTEM && c.code === 'patient-privacy',
  );
}

export interface SharingParty {
  kind: OrganizationKind;
  party: Party;
}

export const SPECIFIC = 2;
export const KIND = 1;
export const EVERYONE = 0;

/** How specifically a provision names the party; undefined when it does not apply to the party. */
function specificity(provision: ConsentProvision, who: SharingParty): number | undefined {
  const actors = provision.actor ?? [];
  if (actors.length === 0) return EVERYONE;
  let best: number | undefined;
  for (const actor of actors) {
    const kinds = (actor.role?.coding ?? [])
      .filter((c) => c.system === ORGANIZATION_KIND_SYSTEM)
      .map((c) => c.code);
    if (kinds.length > 0) {
      if (kinds.includes(who.kind)) best = Math.max(best ?? KIND, KIND);
    } else if (referenceNames(actor.reference, who.party)) {
      best = SPECIFIC;
    }
  }
  return best;
}

function inPeriod(provision: ConsentProvision, now: Date): boolean {
  const { start, end } = provision.period ?? {};
  return (!start || new Date(start) <= now) && (!end || new Date(end) >= now);
}

/** The provision and its nested exceptions, depth first; a provision without `type` decides nothing. */
export function provisions(provision: ConsentProvision | undefined): ConsentProvision[] {
  if (!provision) return [];
  return [provision, ...(provision.provision ?? []).flatMap(provisions)];
}

/** 'deny' when the patient's objections block this party, 'permit' when an exception allows it explicitly. */
export function sharingDecision(
  consents: readonly Consent[],
  who: SharingParty,
  now = new Date(),
): 'deny' | 'permit' | undefined {
  let decision: { level: number; type: 'deny' | 'permit' } | undefined;
  for (const consent of consents) {
    if (consent.status !== 'active' || !isPrivacyConsent(consent)) continue;
    for (const provision of provisions(consent.provision)) {
      if (!provision.type || !inPeriod(provision, now)) continue;
      const level = specificity(provision, who);
      if (level === undefined) continue;
      const beats =
        !decision || level > decision.level || (level === decision.level && provision.type === 'deny');
      if (beats) decision = { level, type: provision.type };
    }
  }
  return decision?.type;
}

export const blocks = (consents: readonly Consent[], who: SharingParty, now?: Date): boolean =>
  sharingDecision(consents, who, now) === 'deny';
