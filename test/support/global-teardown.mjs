export default async function globalTeardown() {
  const pg = globalThis.__MESO_PG__;
  if (pg) await pg.stop();
}
