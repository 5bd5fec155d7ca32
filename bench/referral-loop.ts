/**
 * The referral scenario of `npm run bench` (bench/scenarios-write.ts) on its own, against a running service with
 * the demo data (LOAD_DEMO_DATA=true: the Organizations the referral names by URA), as the VVT demo client:
 *
 *   node dist/bench/referral-loop.js http://127.0.0.1:8080 [seconds=10] [connections=10]
 */
import { obtainTokenFor } from './auth';
import { VVT_CLIENT, measureReferrals, referralBodies } from './scenarios-write';

async function main(): Promise<void> {
  const [origin, secondsArg = '10', connectionsArg = '10'] = process.argv.slice(2);
  if (!origin) throw new Error('usage: referral-loop <origin> [seconds] [connections]');
  const token = await obtainTokenFor(`${origin}/fhir`, VVT_CLIENT);
  const bodies = referralBodies(0);
  const m = await measureReferrals(
    origin,
    bodies,
    { authorization: `Bearer ${token}` },
    { duration: Number(secondsArg), connections: Number(connectionsArg), warmup: 1 },
  );
  console.log(
    JSON.stringify({ bundlesPerSecond: m.rps, latency: m.latency, non2xx: m.non2xx, ...bodies.made() }),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
