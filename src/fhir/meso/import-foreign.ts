import type { CareTeamParticipant, Identifier, Reference, Resource } from '@medplum/fhirtypes';
import { localKey } from '../../kernel/reference';
import { canonicalJson } from './import-changes';
import { identifiersOf } from './import-ids';

/**
 * What the import does not own survives a new version of the document: the zorgtraject's referralRequest and
 * teams, and the CareTeam's participants, that the referral effects (src/fhir/referral/zorgtraject-effects.ts),
 * or a client, added: the stored elements that are not the document's are kept after the document's own.
 */

interface Kept {
  /** The reference an element is identified by (one element per target). */
  refOf: (element: unknown) => Reference | undefined;
  /** Whether a stored element is the document's own: the new version's list replaces it. */
  own: (ref: Reference | undefined, owned: ReadonlySet<string>) => boolean;
}

const byOwnedTarget = (ref: Reference | undefined, owned: ReadonlySet<string>) =>
  owned.has(localKey(ref?.reference) ?? '');

/**
 * Per resource type, the lists that others extend. The document plans no referralRequest (sections/trajectory.ts):
 * every stored one is someone else's, also one naming the document's own escalation ServiceRequest that an
 * accepted escalation Task added; a team or participant is the document's when it names a resource it owns.
 */
const KEPT: Readonly<Record<string, Readonly<Record<string, Kept>>>> = {
  EpisodeOfCare: {
    referralRequest: { refOf: (e) => e as Reference, own: () => false },
    team: { refOf: (e) => e as Reference, own: byOwnedTarget },
  },
  CareTeam: { participant: { refOf: (e) => (e as CareTeamParticipant).member, own: byOwnedTarget } },
};

/**
 * `final` (the document's content) with the stored elements it does not own added, document's first. `owned` holds
 * `Type/id` of every resource the document owns, in the stored graph or in this version.
 */
export function keepForeign(
  final: Resource,
  stored: Resource | undefined,
  owned: ReadonlySet<string>,
): Resource {
  const lists = KEPT[final.resourceType];
  if (!stored || !lists) return final;
  const out = { ...final } as unknown as Record<string, unknown>;
  const before = stored as unknown as Record<string, unknown>;
  for (const [field, { refOf, own }] of Object.entries(lists)) {
    const document = (out[field] as unknown[] | undefined) ?? [];
    const keys = new Set(document.map((e) => elementKey(e, refOf)));
    const foreign = ((before[field] as unknown[] | undefined) ?? []).filter(
      (e) => !own(refOf(e), owned) && !keys.has(elementKey(e, refOf)),
    );
    if (foreign.length) out[field] = [...document, ...foreign];
  }
  const identifier = keptIdentifiers(final, stored);
  if (identifier.length) out.identifier = identifier;
  return out as unknown as Resource;
}

/** The same target counts once (a participant whose role changed is still the one participant). */
function elementKey(element: unknown, refOf: (e: unknown) => Reference | undefined): string {
  const ref = refOf(element);
  return localKey(ref?.reference) ?? canonicalJson(ref ?? element);
}

/** The document's identifiers, and any other system's that an adopted resource carried. */
function keptIdentifiers(final: Resource, stored: Resource): Identifier[] {
  const own = identifiersOf(final);
  const key = (i: Identifier) => `${i.system}|${i.value}`;
  const known = new Set(own.map(key));
  return [...own, ...identifiersOf(stored).filter((i) => !known.has(key(i)))];
}
