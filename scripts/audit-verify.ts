/**
 * Verifies the NEN 7513 audit hash chain: `npm run audit:verify`. Prints the first broken link and exits 1,
 * or prints how many records were checked and exits 0. Uses DATABASE_URL, or the embedded database in DATA_DIR
 * (only while the service itself is not running on it).
 */
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/store/database';
import { verifyAuditChain } from '../src/security/audit-trail';

async function main(): Promise<number> {
  const db = await openDatabase(loadConfig());
  try {
    const result = await verifyAuditChain(db.pool);
    if (result.ok) {
      process.stdout.write(`audit chain intact: ${result.checked} records verified\n`);
      return 0;
    }
    const where = [
      result.seq !== undefined ? `seq ${result.seq}` : '',
      result.auditId ? `AuditEvent/${result.auditId}` : '',
    ]
      .filter(Boolean)
      .join(', ');
    process.stdout.write(
      `audit chain BROKEN at ${where}: ${result.reason} (${result.checked} records before it are intact)\n`,
    );
    return 1;
  } finally {
    await db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`audit:verify failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
