/**
 * What a caller may see, as data the store can turn into SQL. The access policy (src/security) computes it per
 * request; search, _include/_revinclude, history and totals all apply it, so filtering happens in the query and
 * not after paging. `undefined` where a restriction is expected means unrestricted (admin).
 *
 * A resource is visible when ANY of these holds:
 * - its type is in `openTypes` (directory data such as Organization, Practitioner);
 * - it is in the Patient compartment of one of `patientIds` (a Patient is in its own compartment);
 * - it matches one of `references`: it has a reference search parameter `param` pointing at one of `targets`
 *   (e.g. Task requester/owner = the caller's Organization).
 */
export interface AccessRestriction {
  openTypes: readonly string[];
  patientIds: readonly string[];
  references: ReadonlyArray<{ resourceType: string; params: readonly string[]; targets: readonly string[] }>;
  /** Types the caller may not see at all, even inside a compartment (e.g. AuditEvent for non-admins). */
  hiddenTypes?: readonly string[];
}
