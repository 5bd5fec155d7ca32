import type { MesoCarePlanDocument, Organisation, Professional } from '../../meso-document/document';
import { KEY } from './keys';
import { organisationsByUra, personsByKey } from './mentions';
import { stripUndefined } from './datatypes/name';
import { dateTimeToFhir } from './datatypes/date-time';

/**
 * The documented normalisation of the round trip: import then export gives `normalizeDocument(input)`.
 * Each rule says what FHIR cannot hold apart, and so what a rebuilt document reports instead.
 *
 * 1. Absent, empty optional arrays and optional groups with nothing in them (`problems: {}`,
 *    `circumstances: {}`) are the same: FHIR holds no resource for them, so empty ones are left out.
 * 2. One Organization per URA (it is shared with other documents and systems, matched by URA): every mention
 *    of a URA (author's, members', managing organisation, GP practice, escalation receivers, ELV locations)
 *    reads back as the same organisation, the first mention winning each field and later mentions filling
 *    the fields it lacks (mentions.ts). The GP practice keeps only its own fields (name, AGB, URA, phone).
 * 3. One Practitioner per professional (shared, matched by UZI, else BIG, else AGB): the author and every
 *    member with that key read back with the first mention's name and the identifiers of all mentions, the
 *    first mention winning each register. Discipline, organisation, phone and e-mail stay per mention (they
 *    are on the PractitionerRole).
 * 4. A date-time comes back spelled as FHIR's dateTime: `T` and `Z` upper case, offset `+hh:mm`. The schema
 *    (RFC 3339) also allows `2026-11-20 14:00:00+0100`, which FHIR refuses; the instant is the same
 *    (datatypes/date-time.ts). Applies to the document's date and escalations' requestedAt.
 *
 * Not a rule of this function, because it depends on what is stored: shared resources (Patient, Practitioner,
 * Organization) are matched, not owned. What the document omits but the stored resource has (a demo
 * organisation's address) reads back as stored, and a directory entry the caller may not change is kept as
 * stored (the import's answer lists it). The round trip holds exactly for identifiers no other source shares.
 */
export function normalizeDocument(doc: MesoCarePlanDocument): MesoCarePlanDocument {
  return dropEmpty(fhirDateTimes(oneResourcePerIdentifier(doc))) as MesoCarePlanDocument;
}

/** Rule 4. */
function fhirDateTimes(doc: MesoCarePlanDocument): MesoCarePlanDocument {
  const document = { ...doc.document, date: dateTimeToFhir(doc.document.date) };
  if (!doc.escalations) return { ...doc, document };
  const escalations = doc.escalations.map((e) => ({ ...e, requestedAt: dateTimeToFhir(e.requestedAt) }));
  return { ...doc, document, escalations };
}

/** Rules 2 and 3. */
function oneResourcePerIdentifier(doc: MesoCarePlanDocument): MesoCarePlanDocument {
  const orgs = organisationsByUra(doc);
  const persons = personsByKey(doc);
  const org = (o: Organisation): Organisation => orgs.get(o.ura) ?? o;
  const professional = (p: Professional): Professional => ({
    ...p,
    ...persons.get(KEY.practitioner(p)),
    ...(p.organisation ? { organisation: org(p.organisation) } : {}),
  });
  const gp = org(doc.client.gpPractice as Organisation);
  return {
    ...doc,
    document: { ...doc.document, author: professional(doc.document.author) },
    client: {
      ...doc.client,
      gpPractice: stripUndefined({ name: gp.name, agb: gp.agb as string, ura: gp.ura, phone: gp.phone }),
    },
    team: {
      ...doc.team,
      members: doc.team.members.map((m) => ({ ...m, professional: professional(m.professional) })),
    },
    trajectory: { ...doc.trajectory, managingOrganisation: org(doc.trajectory.managingOrganisation) },
    ...(doc.escalations
      ? { escalations: doc.escalations.map((e) => ({ ...e, receiver: org(e.receiver) })) }
      : {}),
    ...(doc.elvEpisodes
      ? { elvEpisodes: doc.elvEpisodes.map((e) => ({ ...e, location: org(e.location) })) }
      : {}),
  };
}

function dropEmpty(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropEmpty);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value)
    .map(([k, v]) => [k, dropEmpty(v)] as const)
    .filter(([, v]) => v !== undefined && !isEmpty(v));
  return Object.fromEntries(entries);
}

const isEmpty = (v: unknown): boolean =>
  Array.isArray(v) ? v.length === 0 : typeof v === 'object' && v !== null && Object.keys(v).length === 0;
