import type { MesoCarePlanDocument, Organisation, Professional } from '../../meso-document/document';
import { KEY } from './keys';

/**
 * A document names one organisation (by URA) or one professional (by UZI, else BIG, else AGB) in several
 * places, but FHIR holds one shared Organization or Practitioner for it. These are the one place that decides
 * what that shared resource says: the organisations and team sections build from them, and normalize.ts
 * rewrites every mention to them, so both directions agree.
 */

/** Every organisation the document names, in the order that decides which mention wins. */
export function organisationMentions(doc: MesoCarePlanDocument): Organisation[] {
  return [
    ...(doc.document.author.organisation ? [doc.document.author.organisation] : []),
    ...doc.team.members.flatMap((m) => (m.professional.organisation ? [m.professional.organisation] : [])),
    doc.trajectory.managingOrganisation,
    doc.client.gpPractice,
    ...(doc.escalations ?? []).map((e) => e.receiver),
    ...(doc.elvEpisodes ?? []).map((e) => e.location),
  ];
}

/**
 * One organisation per URA: the first mention wins each field it has; later mentions only fill fields it
 * lacks (so the GP practice keeps its required AGB even when a team member named the practice first without).
 */
export function organisationsByUra(doc: MesoCarePlanDocument): Map<string, Organisation> {
  const byUra = new Map<string, Organisation>();
  for (const org of organisationMentions(doc)) byUra.set(org.ura, { ...org, ...byUra.get(org.ura) });
  return byUra;
}

/** The person behind a professional: what the shared Practitioner holds (the rest is the role's). */
export type Person = Pick<Professional, 'name' | 'identifiers'>;

/** Every professional the document names, author first, then the team members in order. */
export function professionalMentions(doc: MesoCarePlanDocument): Professional[] {
  return [doc.document.author, ...doc.team.members.map((m) => m.professional)];
}

/**
 * One person per Practitioner key: the first mention's name; identifiers merged, the first mention winning
 * each register. Merging never changes the key, since mentions sharing a key share its highest identifier.
 */
export function personsByKey(doc: MesoCarePlanDocument): Map<string, Person> {
  const byKey = new Map<string, Person>();
  for (const p of professionalMentions(doc)) {
    const key = KEY.practitioner(p);
    const first = byKey.get(key);
    byKey.set(key, {
      name: first?.name ?? p.name,
      identifiers: { ...p.identifiers, ...first?.identifiers },
    });
  }
  return byKey;
}
