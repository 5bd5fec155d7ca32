import { buildSnapshots } from '../src/fhir/validation/snapshots';

/** Regenerates profiles/generated/snapshots.json (the service also does this lazily at start-up). */
async function main(): Promise<void> {
  const started = Date.now();
  const snapshots = await buildSnapshots({ force: process.argv.includes('--force') });
  console.log(
    `${snapshots.size} snapshots in ${Date.now() - started} ms → profiles/generated/snapshots.json`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
