// Issue 10: each (Subscription, version) is queued for delivery once, whichever instance consumes the change and
// however often the outbox retries it (a retry re-runs every consumer of a batch). The row is inserted in the same
// transaction as the delivery job; a deleted Subscription's rows go with it.
export const sql = `
CREATE TABLE subscription_notification (
  subscription_id text NOT NULL,
  resource_type   text NOT NULL,
  id              text NOT NULL,
  version_id      integer NOT NULL,
  queued_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (subscription_id, resource_type, id, version_id)
);
`;
