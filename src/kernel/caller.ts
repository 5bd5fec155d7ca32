/**
 * The organisation kinds the access policy distinguishes: the GP, the VVT (home and nursing care), the MESO team,
 * the regional behandelnetwerk (mobiel geriatrisch team: advice, diagnostics, co-treatment on escalation), the CTV
 * (Coördinatiepunt ELV: places short-stay requests), the regional data platform, and functional administration.
 */
export const ORGANIZATION_KINDS = [
  'gp',
  'vvt',
  'meso-team',
  'behandelnetwerk',
  'ctv',
  'platform',
  'admin',
] as const;
export type OrganizationKind = (typeof ORGANIZATION_KINDS)[number];

/** A SMART scope as granted: `system/CarePlan.rs` → { resourceType: 'CarePlan', interactions: 'rs' }. */
export interface GrantedScope {
  resourceType: string; // '*' for all
  /** SMART v2 letters c r u d s; v1 `.read` = rs, `.write` = cud, `.*` = cruds. */
  interactions: string;
}

/** Who is calling: the authenticated client, its organisation and, when given, the acting person (NEN 7513). */
export interface Caller {
  clientId: string;
  clientName: string;
  organization: {
    kind: OrganizationKind;
    name: string;
    ura?: string;
    agb?: string;
    /** Organization/<id> in the store, when known */ reference?: string;
  };
  scopes: GrantedScope[];
  /** The acting user, from the client assertion; absent → the system acts. */
  user?: { id?: string; system?: string; name?: string; role?: string };
  /** Platform output is pseudonymised unless the client is explicitly allowed identifiable data. */
  pseudonymised: boolean;
}
