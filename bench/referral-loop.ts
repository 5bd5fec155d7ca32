/**
 * The VVT referral transaction (examples/http/vvt-referral-bundle.json: conditional Patient + ServiceRequest +
 * Task) POSTed in a loop against a running service, as the VVT demo client; prints bundles/s. Not part of
 * `npm test` or `npm run bench`: a quick before/after probe of the write path (issue 9, target ≥ 300/s).
 *
 *   node dist/bench/referral-loop.js http://127.0.0.1:8080 [count=200] [concurrency=10]
 *
 * Each bundle gets its own BSN (test range, 11-proef) and referral numbers, so every one creates three resources.
 * The service needs the demo data (LOAD_DEMO_DATA=true: the Organizations the referral names by URA).
 */
import fs from 'node:fs';
import { projectPath } from '../src/project-root';
import { findDemoClient, requestAccessToken } from '../src/security/backend-services-client';

function* testBsns(start: number): Generator<string> {
  for (let n = start; ; n = (n + 1) % 10_000) {
    const digits = `9999${String(n).padStart(4, '0')}`;
    const sum = [...digits].reduce((s, d, i) => s + Number(d) * (9 - i), 0);
    if (sum % 11 < 10) yield `${digits}${sum % 11}`;
  }
}

async function main(): Promise<void> {
  const [origin, countArg = '200', concurrencyArg = '10'] = process.argv.slice(2);
  if (!origin) throw new Error('usage: referral-loop <origin> [count] [concurrency]');
  const client = findDemoClient('vvt');
  if (!client?.jwk) throw new Error('no demo client vvt');
  const token = await requestAccessToken(
    `${origin}/auth/token`,
    { clientId: client.clientId, jwk: client.jwk },
    client.scopes.join(' '),
  );
  const template = fs.readFileSync(projectPath('examples', 'http', 'vvt-referral-bundle.json'), 'utf8');
  const run = Date.now().toString(36);
  const bsns = testBsns(Math.floor(Math.random() * 10_000));
  const bodies = Array.from({ length: Number(countArg) }, (_, i) =>
    template
      .replaceAll('999912033', bsns.next().value as string)
      .replaceAll('AANM-2026-0042', `AANM-${run}-${i}`),
  );
  const post = async (body: string) => {
    const res = await fetch(`${origin}/fhir`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/fhir+json' },
      body,
    });
    if (res.status !== 200) throw new Error(`status ${res.status}: ${(await res.text()).slice(0, 500)}`);
    await res.arrayBuffer();
  };
  await post(bodies.pop() as string); // warm-up: first validation and plans
  let next = 0;
  const started = process.hrtime.bigint();
  const worker = async () => {
    while (next < bodies.length) await post(bodies[next++]);
  };
  await Promise.all(Array.from({ length: Number(concurrencyArg) }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(
    JSON.stringify({
      bundles: bodies.length,
      seconds: +seconds.toFixed(2),
      perSecond: +(bodies.length / seconds).toFixed(1),
    }),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
