// Issue 11: a referral Task now relates its requester to the patient (care relation reason `requested-task`, the
// Patient resource only). Tasks stored before have no such rows: the service recomputes them at its next start.
export const sql = `
INSERT INTO store_rebuild (name) VALUES ('care_relation') ON CONFLICT DO NOTHING;
`;
