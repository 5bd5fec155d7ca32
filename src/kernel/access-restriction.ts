/**
 * What a caller may see, as data the store can turn into SQL. The access policy (src/security) computes it per
 * request; search, _include/_revinclude, history and totals all apply it, so filtering happens in the query and
 * not after paging. `undefined` where a restriction is expected means unrestricted (admin).
 *
 * A resource is visible when ANY of these holds:
 * - its type is in `openTypes` (directory data such as Organization, Practitioner);
 * - it is in the Patient compartment of one of the caller's patients: those the care relation table gives the
 *   caller by its `relation` keys (an indexed semi-join, src/store/access-relations.ts; a Patient is in its own
 *   compartment);
 * - it matches one of `references`: it has a reference search parameter `param` pointing at one of `targets`
 *   (e.g. Task requester/owner = the caller's Organization);
 * - it matches one of `patientReferences`: its reference parameter `param` points at one of the caller's
 *   patients (a referral Task, outside the R4 compartment);
 * - it matches one of `referencedBy`: a resource that matches a `references` rule points at it.
 * A type in `partyOnlyTypes` is visible through `references` and `referencedBy` alone.
 */
export interface AccessRestriction {
  openTypes: readonly string[];
  relation?: RelationKeys;
  /**
   * Patients of whom only the Patient resource itself is visible, not their compartment (a referral's sender
   * reads back the demographics of whom it referred). Objections apply as for `relation`.
   */
  demographics?: RelationKeys;
  references: readonly ReferenceRule[];
  patientReferences?: ReadonlyArray<{ resourceType: string; params: readonly string[] }>;
  /**
   * Types seen only where they name the caller (or are the `referencedBy` target of one that does), never
   * through a compartment or `patientReferences`: the CTV sees the referrals it takes part in, not all of its
   * patient's (data minimisation).
   */
  partyOnlyTypes?: readonly string[];
  /** A `resourceType` resource is visible when a `from` resource matching a `references` rule names it at `param`. */
  referencedBy?: ReadonlyArray<{ resourceType: string; from: string; param: string }>;
  /** Types the caller may not see at all, even inside a compartment (e.g. AuditEvent for non-admins). */
  hiddenTypes?: readonly string[];
  /** The caller's client id: its own Subscriptions are visible (the subscription table records who made each). */
  subscriber?: string;
}

/** Resources of `resourceType` whose reference parameter `param` names one of `targets` (or `identifiers`). */
export interface ReferenceRule {
  resourceType: string;
  params: readonly string[];
  targets: readonly string[];
  /** Identifiers (URA, AGB) a reference may name the caller by instead of a literal reference. */
  identifiers?: ReadonlyArray<{ system: string; value: string }>;
}

/**
 * The caller as the relation table knows it: a small set of keys computed per caller (its references, its
 * identifiers, its kind), never a list of patients. `reasons` are the PatientSources its kind counts.
 */
export interface RelationKeys {
  parties: readonly string[];
  reasons: readonly string[];
  /** The keys provisions may name the caller by (parties, its kind, everyone). */
  denyParties: readonly string[];
  /**
   * The caller may see most patients (a regional platform): the store then checks each candidate row by index
   * probes, in the order the search walks, instead of joining the caller's patients (most of a region).
   */
  broad?: boolean;
}
