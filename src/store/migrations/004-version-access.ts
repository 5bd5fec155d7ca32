// History is filtered for access in SQL before paging (issue 8), so every version keeps the compartment and
// reference rows it was judged by: the current-resource index tables only describe the newest version.
// A deletion marker gets the rows of the content it removed (src/store/lookups/index-rows.ts retireIndexRows).
export const sql = `
CREATE TABLE version_compartment (
  resource_type text    NOT NULL,
  id            text    NOT NULL,
  version_id    integer NOT NULL,
  patient_id    text    NOT NULL,
  PRIMARY KEY (resource_type, id, version_id, patient_id)
);

CREATE TABLE version_reference (
  resource_type text    NOT NULL,
  id            text    NOT NULL,
  version_id    integer NOT NULL,
  param         text    NOT NULL,
  ref           text    NOT NULL
);
CREATE INDEX version_reference_owner ON version_reference (resource_type, id, version_id, param);

-- The access policy now finds a patient's Consents through the reference index, not this regex expression.
DROP INDEX IF EXISTS resource_policy_consent;

-- Type history pages by seq within one type; system history uses the seq index of 001.
CREATE INDEX resource_version_type_seq ON resource_version (resource_type, seq);

-- Existing data: the current versions get the rows the current index holds (older versions stay admin-only).
INSERT INTO version_compartment (resource_type, id, version_id, patient_id)
  SELECT c.resource_type, c.id, r.version_id, c.patient_id
  FROM resource_compartment c JOIN resource r USING (resource_type, id) WHERE c.resource_type <> 'AuditEvent';
INSERT INTO version_reference (resource_type, id, version_id, param, ref)
  SELECT s.resource_type, s.id, r.version_id, s.param, s.ref
  FROM search_reference s JOIN resource r USING (resource_type, id)
  WHERE s.ref IS NOT NULL AND s.resource_type <> 'AuditEvent';
`;
