// Issue 11: the CTV sees the referrals that name it, also by URA alone (AccessRestriction.references
// identifiers), and history must judge a version as search judges the resource: each version keeps the
// identifiers its references name, not only their literal references.
export const sql = `
ALTER TABLE version_reference ALTER COLUMN ref DROP NOT NULL;
ALTER TABLE version_reference ADD COLUMN ident_system text, ADD COLUMN ident_value text;

-- Existing data: the current versions get the rows the current index holds, identifiers included (older
-- versions keep their literal references only).
DELETE FROM version_reference v USING resource r
  WHERE r.resource_type = v.resource_type AND r.id = v.id AND r.version_id = v.version_id AND NOT r.deleted;
INSERT INTO version_reference (resource_type, id, version_id, param, ref, ident_system, ident_value)
  SELECT s.resource_type, s.id, r.version_id, s.param, s.ref, s.ident_system, s.ident_value
  FROM search_reference s JOIN resource r USING (resource_type, id)
  WHERE (s.ref IS NOT NULL OR s.ident_value IS NOT NULL) AND s.resource_type <> 'AuditEvent';
`;
