// Tables of src/security: client registry, replay protection, service signing keys and the audit hash chain.
// The partial expression indexes on `resource` serve the access-policy lookups (src/security/access-policy.ts),
// which read the jsonb directly so that they do not depend on the search index tables.
export const sql = `
CREATE TABLE client (
  client_id              text PRIMARY KEY,
  name                   text    NOT NULL,
  organization_kind      text    NOT NULL CHECK (organization_kind IN ('gp', 'vvt', 'meso-team', 'platform', 'admin')),
  organization_name      text    NOT NULL,
  organization_ura       text,
  organization_agb       text,
  organization_reference text,
  jwks                   jsonb   NOT NULL,
  scopes                 text[]  NOT NULL,
  identifiable           boolean NOT NULL DEFAULT false,
  demo                   boolean NOT NULL DEFAULT false,
  updated_at             timestamptz NOT NULL DEFAULT now()
);

-- RFC 7523 §3: a jti may be used once; kept until the assertion has expired, shared by all instances.
CREATE TABLE used_jti (
  client_id  text        NOT NULL,
  jti        text        NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (client_id, jti)
);
CREATE INDEX used_jti_expires ON used_jti (expires_at);

-- The service's token signing keys. retired_at is set when a newer key takes over; the public key stays in the
-- JWKS until every token it signed has expired.
CREATE TABLE signing_key (
  kid         text PRIMARY KEY,
  alg         text        NOT NULL,
  private_jwk jsonb       NOT NULL,
  public_jwk  jsonb       NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  retired_at  timestamptz
);

-- NEN 7513 audit trail: one row per AuditEvent, gapless seq, hash = sha256(prev_hash || canonical AuditEvent).
CREATE TABLE audit_chain (
  seq       bigint PRIMARY KEY,
  audit_id  text        NOT NULL UNIQUE,
  prev_hash text        NOT NULL,
  hash      text        NOT NULL,
  recorded  timestamptz NOT NULL
);

-- Append-only: neither the chain nor stored AuditEvents may be changed or removed, whatever the code path.
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the audit trail is append-only (% on %)', TG_OP, TG_TABLE_NAME;
END $$;
CREATE TRIGGER audit_chain_append_only BEFORE UPDATE OR DELETE ON audit_chain
  FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON resource
  FOR EACH ROW WHEN (OLD.resource_type = 'AuditEvent') EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_event_version_append_only BEFORE UPDATE OR DELETE ON resource_version
  FOR EACH ROW WHEN (OLD.resource_type = 'AuditEvent') EXECUTE FUNCTION audit_append_only();

-- Access-policy lookups (who may see which patient).
CREATE INDEX resource_policy_patient_gp ON resource USING gin ((content -> 'generalPractitioner') jsonb_path_ops)
  WHERE resource_type = 'Patient' AND NOT deleted;
CREATE INDEX resource_policy_careteam ON resource USING gin ((content -> 'participant') jsonb_path_ops)
  WHERE resource_type = 'CareTeam' AND NOT deleted;
CREATE INDEX resource_policy_episode ON resource USING gin ((content -> 'managingOrganization') jsonb_path_ops)
  WHERE resource_type = 'EpisodeOfCare' AND NOT deleted;
CREATE INDEX resource_policy_task_owner ON resource USING gin ((content -> 'owner') jsonb_path_ops)
  WHERE resource_type = 'Task' AND NOT deleted;
CREATE INDEX resource_policy_consent ON resource ((substring(content -> 'patient' ->> 'reference' from '^Patient/([-A-Za-z0-9.]{1,64})$')))
  WHERE resource_type = 'Consent' AND NOT deleted;
CREATE INDEX resource_policy_organization ON resource USING gin ((content -> 'identifier') jsonb_path_ops)
  WHERE resource_type = 'Organization' AND NOT deleted;
CREATE INDEX resource_policy_role_org ON resource USING gin ((content -> 'organization') jsonb_path_ops)
  WHERE resource_type = 'PractitionerRole' AND NOT deleted;
`;
