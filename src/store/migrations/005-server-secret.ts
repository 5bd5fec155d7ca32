// Random secrets the service generates once and shares between all instances on this database (e.g. the key that
// signs paging cursors, so a cursor issued by one instance is accepted by another).
export const sql = `
CREATE TABLE server_secret (
  name       text        PRIMARY KEY,
  secret     bytea       NOT NULL CHECK (length(secret) >= 32),
  created_at timestamptz NOT NULL DEFAULT now()
);
`;
