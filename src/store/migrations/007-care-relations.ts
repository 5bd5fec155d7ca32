// Issue 9: who may see which patient is data, not a list rebuilt per request. Rows are written with the
// resource that causes them (src/store/access-relations.ts); access SQL joins them on the compartment rows.
export const sql = `
CREATE TABLE care_relation (
  patient_id    text NOT NULL,
  party         text NOT NULL,
  reason        text NOT NULL,
  resource_type text NOT NULL,
  id            text NOT NULL,
  PRIMARY KEY (patient_id, party, reason, resource_type, id)
);
CREATE INDEX care_relation_party ON care_relation (party, reason, patient_id);
CREATE INDEX care_relation_source ON care_relation (resource_type, id);

-- One row per party a patient-privacy provision names; level: 2 organisation, 1 kind, 0 everyone.
CREATE TABLE care_deny (
  patient_id    text     NOT NULL,
  party         text     NOT NULL,
  level         smallint NOT NULL,
  deny          boolean  NOT NULL,
  starts        timestamptz,
  ends          timestamptz,
  resource_type text     NOT NULL,
  id            text     NOT NULL
);
CREATE INDEX care_deny_patient ON care_deny (patient_id, party);
CREATE INDEX care_deny_source ON care_deny (resource_type, id);

-- Whether an objection blocks the party (named by names) from the patient: as in Mitz (patient-objection.ts) the
-- most specific provision naming it decides, deny winning at equal specificity, so a deny blocks unless a more
-- specific permit overrides it (a withdrawn or deleted Consent leaves no rows). PL/pgSQL, so that PostgreSQL plans
-- this once per connection instead of inside every access predicate (objections are rare; the probe is one index
-- scan).
CREATE FUNCTION care_denied(patient text, names text[]) RETURNS boolean LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN EXISTS (SELECT 1 FROM care_deny cd WHERE cd.patient_id = patient AND cd.party = ANY(names) AND cd.deny
    AND (cd.starts IS NULL OR cd.starts <= statement_timestamp()) AND (cd.ends IS NULL OR cd.ends >= statement_timestamp())
    AND NOT EXISTS (SELECT 1 FROM care_deny cp WHERE cp.patient_id = patient AND cp.party = ANY(names)
      AND NOT cp.deny AND cp.level > cd.level
      AND (cp.starts IS NULL OR cp.starts <= statement_timestamp()) AND (cp.ends IS NULL OR cp.ends >= statement_timestamp())));
END
$$;

-- Derived data that the service recomputes from the stored resources at start (rebuildCareRelations).
CREATE TABLE store_rebuild (name text PRIMARY KEY);
INSERT INTO store_rebuild (name) VALUES ('care_relation');
`;
