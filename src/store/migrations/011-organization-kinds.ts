// Issue 11: two organisation kinds join, the regional behandelnetwerk and the CTV (Coördinatiepunt ELV). The
// CHECK of 003 named its list inline; Postgres called it client_organization_kind_check.
export const sql = `
ALTER TABLE client DROP CONSTRAINT client_organization_kind_check;
ALTER TABLE client ADD CONSTRAINT client_organization_kind_check CHECK (
  organization_kind IN ('gp', 'vvt', 'meso-team', 'behandelnetwerk', 'ctv', 'platform', 'admin')
);
`;
