/**
 * Generates a deterministic MESO region and loads it: `npm run generate -- --patients 100000 [--seed N]`.
 * The same options give the same resources byte for byte. Loads through the store (src/fhir/bulk-load.ts) into
 * DATABASE_URL or the embedded database in DATA_DIR, or writes NDJSON with --out. Progress and totals go to stderr.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import type { Resource } from '@medplum/fhirtypes';
import { loadConfig } from '../src/config';
import { createConformanceCheck, loadDefaultProfiles } from '../src/fhir/conformance';
import { bulkLoad } from '../src/fhir/bulk-load';
import type { ConformanceCheck } from '../src/fhir/repository';
import { checkBusinessRules } from '../src/fhir/validation/business-rules';
import { ResourceValidator } from '../src/fhir/validation/validator';
import { DEFAULT_SEED, DEMO_BSNS, generateRegion, type RegionOptions } from '../src/generate/generate-region';
import {
  analyzeAfterLoad,
  existingResources,
  loadWithoutIndexes,
  markRelationsCurrent,
  patientWithIdentifier,
  storeIsEmpty,
} from '../src/store/bulk-load';
import { testBsns } from '../src/domain/bsn';
import { IdentifierSystem } from '../src/domain/identifier-systems';
import type { Database } from '../src/store/database';
import { describeError, openExistingDatabase } from '../src/store/existing-database';
import { openDatabase } from '../src/store/database';
import { migrate } from '../src/store/migrate';

export const USAGE = `Usage: npm run generate -- --patients <n> [options]

Generates a fictional MESO region in Drenthe (about ten resources per patient: practices, VVT organisations,
MESO teams, patients with test BSNs, care teams, zorgtrajecten, care plans, goals, problems, Barthel indexes and
referrals in every status) and loads it into the service's database.

Options:
  --patients <n>        number of patients (required)
  --seed <n>            seed; the same seed gives the same data (default ${DEFAULT_SEED})
  --batch <n>           resources per insert statement and transaction (default 1000)
  --database-url <url>  load into this PostgreSQL; default DATABASE_URL, else the embedded database in DATA_DIR
                        (created and migrated when DATA_DIR holds none yet)
  --validate            validate every resource as the API does before loading it (slower)
  --out <file>          write NDJSON to <file> (- for stdout) instead of loading
  --dry-run             generate (and with --validate, validate) without writing anything
  --help                this text
`;

export interface GenerateOptions extends RegionOptions {
  batch: number;
  databaseUrl?: string;
  validate: boolean;
  out?: string;
  dryRun: boolean;
}

const note = (line: string) => process.stderr.write(`generate: ${line}\n`);

function positiveInteger(name: string, raw: string | undefined, fallback?: number): number {
  if (raw === undefined) {
    if (fallback === undefined) throw new Error(`--${name} is required\n\n${USAGE}`);
    return fallback;
  }
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < 1)
    throw new Error(`--${name} must be a positive integer, got "${raw}"`);
  return n;
}

export function parseGenerateArgs(argv: string[]): GenerateOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      patients: { type: 'string' },
      seed: { type: 'string' },
      batch: { type: 'string' },
      'database-url': { type: 'string' },
      validate: { type: 'boolean', default: false },
      out: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return 'help';
  return {
    patients: positiveInteger('patients', values.patients),
    seed: positiveInteger('seed', values.seed, DEFAULT_SEED),
    batch: positiveInteger('batch', values.batch, 1000),
    databaseUrl: values['database-url'],
    validate: values.validate,
    out: values.out,
    dryRun: values['dry-run'],
  };
}

async function conformance(validate: boolean): Promise<ConformanceCheck | undefined> {
  if (!validate) return undefined;
  return createConformanceCheck(await ResourceValidator.load(), checkBusinessRules, loadDefaultProfiles());
}

/** Every resource checked when a check is given; throws on the first that does not conform. */
function* checked(resources: Iterable<Resource>, check?: ConformanceCheck): Generator<Resource> {
  for (const r of resources) {
    const errors = check?.check(r).filter((i) => i.severity === 'error' || i.severity === 'fatal') ?? [];
    if (errors.length)
      throw new Error(`${r.resourceType}/${r.id} does not conform: ${JSON.stringify(errors.slice(0, 3))}`);
    yield r;
  }
}

/** NDJSON (one resource per line) to `out`, or nowhere on a dry run; returns count and SHA-256 of the bytes. */
async function writeNdjson(resources: Iterable<Resource>, out?: string) {
  const hash = createHash('sha256');
  const stream: NodeJS.WritableStream | undefined =
    out === '-' ? process.stdout : out ? fs.createWriteStream(out) : undefined;
  let count = 0;
  for (const r of resources) {
    const line = `${JSON.stringify(r)}\n`;
    hash.update(line);
    count++;
    if (stream && !stream.write(line))
      await new Promise<void>((resolve) => stream.once('drain', () => resolve()));
  }
  if (stream && stream !== process.stdout)
    await new Promise<void>((resolve, reject) =>
      (stream as fs.WriteStream).end((err?: Error | null) => (err ? reject(err) : resolve())),
    );
  return { count, sha256: hash.digest('hex') };
}

/** The target database: --database-url, DATABASE_URL, or DATA_DIR's embedded one (created when absent). */
async function openTarget(
  options: GenerateOptions,
  env: NodeJS.ProcessEnv,
): Promise<{ db: Database; where: string }> {
  const config = loadConfig(env);
  const databaseUrl = options.databaseUrl ?? config.databaseUrl;
  if (databaseUrl) {
    const db = await openExistingDatabase({ databaseUrl, dataDir: config.dataDir }, note);
    return { db, where: `database ${new URL(databaseUrl).host}${new URL(databaseUrl).pathname}` };
  }
  const where = `the embedded database in DATA_DIR=${config.dataDir}`;
  if (!fs.existsSync(`${config.dataDir}/pg/PG_VERSION`)) {
    note(`DATA_DIR=${config.dataDir} holds no database yet: creating it`);
    return { db: await openDatabase({ dataDir: config.dataDir }), where };
  }
  return { db: await openExistingDatabase({ dataDir: config.dataDir }, note), where };
}

/** Every region counts its BSNs down from the same start: two regions in one database would share patients' BSNs. */
async function refuseSharedBsns(db: Database, where: string): Promise<void> {
  const first = testBsns(DEMO_BSNS).next().value as string;
  const existing = await patientWithIdentifier(db.pool, IdentifierSystem.bsn, first);
  if (existing)
    throw new Error(
      `${where} already holds a Patient with BSN ${first} (Patient/${existing}), the first BSN of every region: ` +
        'load one region per database (another seed would give patients the same BSNs)',
    );
}

async function load(options: GenerateOptions, env: NodeJS.ProcessEnv): Promise<void> {
  const check = await conformance(options.validate);
  const { db, where } = await openTarget(options, env);
  try {
    await migrate(db);
    const first = generateRegion(options).next().value as Resource;
    const existing = await existingResources(db.pool, [
      { resourceType: first.resourceType, id: first.id as string },
    ]);
    if (existing.length)
      throw new Error(
        `${where} already holds the region of seed ${options.seed} (${existing[0]}); use another --seed or database`,
      );
    await refuseSharedBsns(db, where);
    const empty = await storeIsEmpty(db.pool);
    note(`loading ${options.patients} patients (seed ${options.seed}) into ${where}`);
    const started = process.hrtime.bigint();
    let lastReport = 0;
    // Into an empty store: one transaction, the secondary indexes built once at the end (loadWithoutIndexes).
    const loadInto = (target: Database) =>
      bulkLoad(target, checked(generateRegion(options), check), {
        batch: options.batch,
        onBatch: (loaded) => {
          if (loaded - lastReport < 50_000) return;
          lastReport = loaded;
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          note(`${loaded} resources, ${Math.round(loaded / seconds)}/s`);
        },
      });
    const count = empty ? await loadWithoutIndexes(db, loadInto) : await loadInto(db);
    const loadSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (empty) await markRelationsCurrent(db.pool);
    await analyzeAfterLoad(db.pool);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    note(
      `loaded ${count} resources into ${where} in ${seconds.toFixed(1)} s ` +
        `(${Math.round(count / loadSeconds)} resources/s; ANALYZE ${(seconds - loadSeconds).toFixed(1)} s)`,
    );
  } finally {
    await db.close();
  }
}

export async function generate(
  options: GenerateOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  if (options.out !== undefined || options.dryRun) {
    const check = await conformance(options.validate);
    const started = process.hrtime.bigint();
    const { count, sha256 } = await writeNdjson(
      checked(generateRegion(options), check),
      options.dryRun ? undefined : options.out,
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const where = options.dryRun ? 'nowhere (dry run)' : options.out === '-' ? 'stdout' : options.out;
    note(
      `${count} resources (sha256 ${sha256}) to ${where} in ${seconds.toFixed(1)} s${options.validate ? ', all valid' : ''}`,
    );
    return;
  }
  await load(options, env);
}

if (require.main === module) {
  let options: GenerateOptions | 'help';
  try {
    options = parseGenerateArgs(process.argv.slice(2));
  } catch (err) {
    note(describeError(err));
    process.exit(2);
  }
  if (options === 'help') {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  generate(options).then(
    () => process.exit(0),
    (err: unknown) => {
      note(`failed: ${describeError(err)}`);
      process.exit(1);
    },
  );
}
