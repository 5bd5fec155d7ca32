// The NEN 7513 audit trail as one compact row per access (issue 9), sealed into a hash chain off the request path.
// The AuditEvents of the old design (resource rows + audit_chain) stay where they are: audit records are never
// removed; `npm run audit:verify` still checks that chain.
export const sql = `
-- One row per access. Written in the request's own transaction (writes) or a group commit (reads); never changed.
-- txid is the writing transaction's id: the sealer uses it to know which rows are certainly committed.
CREATE TABLE audit_log (
  id          bigserial      NOT NULL,
  txid        bigint         NOT NULL DEFAULT pg_current_xact_id()::text::bigint,
  recorded    timestamptz(3) NOT NULL DEFAULT clock_timestamp(),
  action      text           NOT NULL,
  interaction text           NOT NULL,
  outcome     text           NOT NULL,
  client_id   text,
  org_id      text,
  user_id     text,
  patient_ids text[]         NOT NULL DEFAULT '{}',
  detail      jsonb          NOT NULL
) PARTITION BY RANGE (recorded);

-- Only what NEN 7513 look-ups need: by id (AuditEvent read, the chain), patient, client, organisation, user, time.
CREATE INDEX audit_log_id ON audit_log (id);
CREATE INDEX audit_log_patient ON audit_log USING gin (patient_ids) WITH (fastupdate = on);
CREATE INDEX audit_log_client ON audit_log (client_id, recorded);
CREATE INDEX audit_log_org ON audit_log (org_id, recorded);
CREATE INDEX audit_log_user ON audit_log (user_id, recorded) WHERE user_id IS NOT NULL;
-- Rows arrive in time and transaction order, so block ranges suffice (and cost next to nothing).
CREATE INDEX audit_log_recorded ON audit_log USING brin (recorded);
CREATE INDEX audit_log_txid ON audit_log USING brin (txid);

-- Catches rows should the monthly partitions not have been created ahead (maintenance down for weeks).
CREATE TABLE audit_log_default PARTITION OF audit_log DEFAULT;

-- Creates the monthly partitions from this month until 'months' ahead; the sealer calls it (idempotent).
CREATE FUNCTION audit_log_ensure_partitions(months int DEFAULT 2) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
  first date := date_trunc('month', now())::date;
  m date;
  name text;
BEGIN
  FOR i IN 0..months LOOP
    m := (first + make_interval(months => i))::date;
    name := 'audit_log_' || to_char(m, 'YYYY_MM');
    IF to_regclass(name) IS NULL THEN
      EXECUTE format('CREATE TABLE %I PARTITION OF audit_log FOR VALUES FROM (%L) TO (%L)',
        name, m, (m + interval '1 month')::date);
    END IF;
  END LOOP;
END
$fn$;
SELECT audit_log_ensure_partitions();

-- The chain: the sealer links every committed audit row, in the order it seals them (seq, gapless),
-- hash = sha256(previous hash || '\\n' || canonical row). horizon: the transaction id below which every row
-- was sealed when this row was (where the next round starts looking).
CREATE TABLE audit_seal (
  seq      bigint      PRIMARY KEY,
  audit_id bigint      NOT NULL UNIQUE,
  horizon  bigint      NOT NULL,
  hash     bytea       NOT NULL,
  sealed   timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_seal_append_only BEFORE UPDATE OR DELETE ON audit_seal
  FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE FUNCTION audit_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  RAISE EXCEPTION 'the audit trail is append-only (TRUNCATE on %)', TG_TABLE_NAME;
END
$fn$;
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_no_truncate();
CREATE TRIGGER audit_seal_no_truncate BEFORE TRUNCATE ON audit_seal
  FOR EACH STATEMENT EXECUTE FUNCTION audit_no_truncate();
`;
