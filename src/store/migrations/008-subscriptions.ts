// Issue 10: the active Subscriptions by the type their criteria search, so that a change finds its subscribers by
// one index probe instead of reading every Subscription. Written in the Subscription's own write transaction.
export const sql = `
CREATE TABLE subscription (
  id            text PRIMARY KEY,
  client_id     text NOT NULL,
  criteria_type text NOT NULL,
  criteria      text NOT NULL,
  status        text NOT NULL,
  -- Since when it is active: changes committed before (still in the outbox) are not notified.
  active_since  timestamptz NOT NULL
);
CREATE INDEX subscription_type ON subscription (criteria_type, status);
`;
