// Every version of every resource is kept in resource_version; resource holds the current one for fast reads.
// `seq` orders changes globally, for history paging and change feeds that must not miss concurrent commits.
export const sql = `
CREATE TABLE resource_version (
  seq           bigserial UNIQUE,
  resource_type text        NOT NULL,
  id            text        NOT NULL,
  version_id    integer     NOT NULL,
  last_updated  timestamptz NOT NULL,
  deleted       boolean     NOT NULL,
  method        text        NOT NULL,
  content       jsonb,
  PRIMARY KEY (resource_type, id, version_id)
);
CREATE INDEX resource_version_type_updated ON resource_version (resource_type, last_updated);
CREATE INDEX resource_version_updated ON resource_version (last_updated);

CREATE TABLE resource (
  resource_type text        NOT NULL,
  id            text        NOT NULL,
  version_id    integer     NOT NULL,
  last_updated  timestamptz NOT NULL,
  deleted       boolean     NOT NULL DEFAULT false,
  content       jsonb,
  PRIMARY KEY (resource_type, id)
);
CREATE INDEX resource_type_updated ON resource (resource_type, last_updated, id) WHERE NOT deleted;
`;
