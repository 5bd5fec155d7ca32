// Search index tables (src/store/lookups, one file per kind). They hold rows for the CURRENT version of each
// resource only; src/fhir/search/indexer.ts replaces them in the transaction that writes the resource.
// Every table has (resource_type, id) to replace a resource's rows, and a btree that starts with
// (resource_type, param, value…) so that each search filter is an index range scan joined to `resource` by key.
export const sql = `
-- :contains on strings uses trigram GIN indexes (the extension ships with PostgreSQL, also the embedded one).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Coding, CodeableConcept, Identifier, ContactPoint, code, boolean, id. display = normalised text for :text.
CREATE TABLE search_token (
  resource_type text NOT NULL,
  id            text NOT NULL,
  param         text NOT NULL,
  system        text,
  value         text,
  display       text
);
CREATE INDEX search_token_owner ON search_token (resource_type, id);
CREATE INDEX search_token_value ON search_token (resource_type, param, value, system);
CREATE INDEX search_token_system ON search_token (resource_type, param, system);
CREATE INDEX search_token_display ON search_token (resource_type, param, display text_pattern_ops)
  WHERE display IS NOT NULL;

-- value = lower-case, accent-free (normalised in JS); raw = as written, for :exact.
CREATE TABLE search_string (
  resource_type text NOT NULL,
  id            text NOT NULL,
  param         text NOT NULL,
  value         text NOT NULL,
  raw           text NOT NULL
);
CREATE INDEX search_string_owner ON search_string (resource_type, id);
CREATE INDEX search_string_prefix ON search_string (resource_type, param, value text_pattern_ops);
CREATE INDEX search_string_exact ON search_string (resource_type, param, raw);
CREATE INDEX search_string_contains ON search_string USING gin (value gin_trgm_ops);

-- One row per Reference: ref = 'Type/id' (relative) or the absolute URL / canonical as written;
-- target_type/target_id only for relative references, which are the ones this server resolves.
CREATE TABLE search_reference (
  resource_type text NOT NULL,
  id            text NOT NULL,
  param         text NOT NULL,
  ref           text,
  target_type   text,
  target_id     text,
  ident_system  text,
  ident_value   text
);
CREATE INDEX search_reference_owner ON search_reference (resource_type, id, param);
CREATE INDEX search_reference_target ON search_reference (resource_type, param, target_id, target_type);
CREATE INDEX search_reference_ref ON search_reference (resource_type, param, ref);
CREATE INDEX search_reference_identifier ON search_reference (resource_type, param, ident_value, ident_system)
  WHERE ident_value IS NOT NULL;

-- Half-open range [lo, hi) covered by a date, dateTime, instant, Period or Timing.event; open ends are infinite.
CREATE TABLE search_date (
  resource_type text        NOT NULL,
  id            text        NOT NULL,
  param         text        NOT NULL,
  lo            timestamptz NOT NULL,
  hi            timestamptz NOT NULL
);
CREATE INDEX search_date_owner ON search_date (resource_type, id);
CREATE INDEX search_date_lo ON search_date (resource_type, param, lo, hi);
CREATE INDEX search_date_hi ON search_date (resource_type, param, hi);

CREATE TABLE search_number (
  resource_type text    NOT NULL,
  id            text    NOT NULL,
  param         text    NOT NULL,
  value         numeric NOT NULL
);
CREATE INDEX search_number_owner ON search_number (resource_type, id);
CREATE INDEX search_number_value ON search_number (resource_type, param, value);

CREATE TABLE search_quantity (
  resource_type text    NOT NULL,
  id            text    NOT NULL,
  param         text    NOT NULL,
  value         numeric NOT NULL,
  system        text,
  code          text,
  unit          text
);
CREATE INDEX search_quantity_owner ON search_quantity (resource_type, id);
CREATE INDEX search_quantity_value ON search_quantity (resource_type, param, value);
CREATE INDEX search_quantity_code ON search_quantity (resource_type, param, code, value);

CREATE TABLE search_uri (
  resource_type text NOT NULL,
  id            text NOT NULL,
  param         text NOT NULL,
  value         text NOT NULL
);
CREATE INDEX search_uri_owner ON search_uri (resource_type, id);
-- text_pattern_ops serves both = and the prefix LIKE of :below.
CREATE INDEX search_uri_value ON search_uri (resource_type, param, value text_pattern_ops);

-- Patient compartment membership (compartmentdefinition-patient), for the access restriction and compartment search.
CREATE TABLE resource_compartment (
  resource_type text NOT NULL,
  id            text NOT NULL,
  patient_id    text NOT NULL,
  PRIMARY KEY (resource_type, id, patient_id)
);
CREATE INDEX resource_compartment_patient ON resource_compartment (patient_id, resource_type);
`;
