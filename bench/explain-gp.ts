/**
 * EXPLAIN ANALYZE of the demo GP's Patient search by BSN on a bench database:
 * `node dist/bench/explain-gp.js <DATA_DIR of an access-bench run>` (issue 9: the access predicate's plan).
 */
import { openDatabase } from '../src/store/database';
import { AccessPolicy } from '../src/security/access-policy';
import { pageSql } from '../src/store/search/match-query';
import { tokenLookup } from '../src/store/lookups/token';
import { SqlParams } from '../src/store/lookups/lookup';
import { accessSql } from '../src/store/search/access-sql';

async function main() {
  const db = await openDatabase({ dataDir: process.argv[2] });
  try {
    const caller = {
      clientId: 'x',
      clientName: 'x',
      organization: { kind: 'gp' as const, name: 'x', ura: '90000011' },
      scopes: [],
      pseudonymised: false,
    };
    const access = await new AccessPolicy().restrictionFor(db.pool, caller);
    const bsn = (
      await db.pool.query(
        `SELECT content->'identifier'->0->>'value' AS v FROM resource WHERE resource_type='Patient' ORDER BY id LIMIT 1 OFFSET 500`,
      )
    ).rows[0].v;
    const { text, values } = pageSql(
      {
        resourceType: 'Patient',
        filters: [
          {
            name: 'identifier',
            param: 'identifier',
            lookup: tokenLookup,
            values: [`http://fhir.nl/fhir/NamingSystem/bsn|${bsn}`],
          },
        ],
        sort: [],
        access,
      },
      { count: 50 },
    );
    await db.pool.query('ANALYZE');
    for (let i = 0; i < 3; i++) {
      const plan = await db.pool.query(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, values);
      if (i === 2) console.log(plan.rows.map((r) => r['QUERY PLAN']).join('\n'));
    }
    // An include's predicate when its type is not fixed (_include=CarePlan:subject): planning cost.
    const sql = new SqlParams();
    const where = accessSql(sql, access!, 'r');
    for (let i = 0; i < 3; i++) {
      const plan = await db.pool.query(
        `EXPLAIN (ANALYZE) SELECT r.content FROM resource r WHERE r.resource_type = 'Patient' AND r.id = 'x' AND ${where}`,
        sql.values,
      );
      if (i === 2)
        console.log(
          plan.rows
            .slice(-2)
            .map((r) => r['QUERY PLAN'])
            .join('\n'),
        );
    }
  } finally {
    await db.close();
  }
}
void main();
