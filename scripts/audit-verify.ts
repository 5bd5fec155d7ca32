/**
 * Verifies the NEN 7513 audit hash chain: `npm run audit:verify`. Prints the first broken link and exits 1,
 * or prints how many sealed records were checked (and how many are not sealed yet) and exits 0; exits 2 with
 * what to do when there is nothing to verify.
 * Uses DATABASE_URL, or the embedded database in DATA_DIR (the running service's, or started for the check).
 */
import { loadConfig } from '../src/config';
import { describeError, openExistingDatabase } from '../src/store/existing-database';
import { verifyAuditLog } from '../src/audit/audit-seal';
import { verifyLegacyChain } from '../src/audit/audit-legacy';

const note = (line: string) => process.stderr.write(`audit:verify: ${line}\n`);

/** Verifies and reports; the exit code. */
export async function auditVerify(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const db = await openExistingDatabase(loadConfig(env), note);
  try {
    // The trail of before issue 9 (AuditEvent resources), when there is one.
    const legacy = await verifyLegacyChain(db.pool);
    if (!legacy.ok) {
      const at = [
        legacy.seq !== undefined ? `seq ${legacy.seq}` : '',
        legacy.auditId ? `AuditEvent/${legacy.auditId}` : '',
      ]
        .filter(Boolean)
        .join(', ');
      process.stdout.write(
        `legacy audit chain BROKEN at ${at}: ${legacy.reason} (${legacy.checked} records before it are intact)\n`,
      );
      return 1;
    }
    if (legacy.checked)
      process.stdout.write(`legacy audit chain intact: ${legacy.checked} records verified\n`);
    const result = await verifyAuditLog(db.pool);
    const pending = `${result.unsealed} not sealed yet`;
    if (result.ok) {
      process.stdout.write(`audit chain intact: ${result.checked} records verified, ${pending}\n`);
      return 0;
    }
    const where = [
      result.seq !== undefined ? `seq ${result.seq}` : '',
      result.auditId !== undefined ? `AuditEvent/${result.auditId}` : '',
    ]
      .filter(Boolean)
      .join(', ');
    process.stdout.write(
      `audit chain BROKEN at ${where}: ${result.reason} (${result.checked} records before it are intact; ${pending})\n`,
    );
    return 1;
  } finally {
    await db.close();
  }
}

if (require.main === module) {
  auditVerify().then(
    (code) => process.exit(code),
    (err: unknown) => {
      note(`failed: ${describeError(err)}`);
      process.exit(2);
    },
  );
}
