/**
 * Where one MESO document import spends its time (issue 10): starts the service in this process on a fresh
 * embedded PostgreSQL, warms up with a few imports, then profiles (node:inspector, the profiler `--cpu-prof`
 * uses) N sequential imports of fresh documents, and prints self and inclusive time grouped by module.
 * PostgreSQL runs in its own processes: its work shows here only as the wait (idle) of this one.
 *
 *   node dist/bench/profile-meso.js [documents=50] [out.cpuprofile]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Session } from 'node:inspector/promises';
import pg from 'pg';
import { loadConfig } from '../src/config';
import { startService } from '../src/server';
import { obtainTokenFor } from './auth';
import { MESO_CLIENT, MESO_PATH, mesoDocuments } from './scenarios-meso';
import { serviceEnv } from './service-env';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
export interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The module group of a frame: what the brief asks about first, then the machinery around it. */
export type Groups = Array<[string, RegExp]>;

const GROUPS: Groups = [
  ['narrative / plan summary', /src\/fhir\/(narrative|careplan)\//],
  ['MESO document validation (ajv)', /src\/meso-document\/|node_modules\/ajv/],
  ['FHIR validation (and @medplum/core)', /src\/fhir\/validation\/|src\/fhir\/conformance|@medplum\/core/],
  ['MESO mapping', /src\/fhir\/meso\/|src\/domain\//],
  ['search indexing', /src\/fhir\/search\/|src\/store\/search\//],
  ['SQL (pg, store)', /node_modules\/pg|src\/store\//],
  [
    'repository / access / audit',
    /src\/fhir\/(repository|access|interactions|subscriptions)\/|src\/(audit|security)\//,
  ],
  [
    'HTTP (express, node:http, fetch)',
    /node_modules\/(express|body-parser|router|undici|raw-body)|node:(_http|http|net)|undici/,
  ],
];

function groupOf(frame: ProfileNode['callFrame'], groups: Groups): string {
  const { url, functionName } = frame;
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(idle)') return 'idle (waiting: PostgreSQL, network)';
  if (functionName === '(program)') return '(program)';
  if (!url && /^(parse|stringify)$/.test(functionName)) return 'JSON';
  for (const [name, re] of groups) if (re.test(url)) return name;
  if (!url) return `native (${functionName || 'anonymous'})`;
  if (url.includes('node_modules')) return `other node_modules`;
  if (url.startsWith('node:')) return 'node internals';
  return 'other src';
}

const ms = (us: number) => (us / 1000).toFixed(0);

export function summarise(profile: Profile, top = 25, groups: Groups = GROUPS): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfByNode = new Map<number, number>();
  // A sample lasts until the next one (as DevTools counts): timeDeltas[0] is the wait before profiling began.
  profile.samples.forEach((id, i) =>
    selfByNode.set(id, (selfByNode.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0)),
  );
  const total = [...selfByNode.values()].reduce((a, b) => a + b, 0);
  const selfGroup = new Map<string, number>();
  const selfFn = new Map<string, number>();
  const inclGroup = new Map<string, number>();
  const inclFn = new Map<string, number>();
  const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
  const fnName = (f: ProfileNode['callFrame']) =>
    `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(dist|node_modules)\//, '$1/')}:${f.lineNumber + 1}`;
  for (const [id, us] of selfByNode) {
    const node = byId.get(id) as ProfileNode;
    add(selfGroup, groupOf(node.callFrame, groups), us);
    add(selfFn, fnName(node.callFrame), us);
    const seenGroups = new Set<string>();
    const seenFns = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const frame = (byId.get(cur) as ProfileNode).callFrame;
      seenGroups.add(groupOf(frame, groups));
      seenFns.add(fnName(frame));
    }
    for (const g of seenGroups) add(inclGroup, g, us);
    for (const f of seenFns) add(inclFn, f, us);
  }
  // Frames under which nearly everything runs say nothing about where the time goes.
  const plumbing =
    /^(native \(\(root\)\)|native \(runMicrotasks\)|node internals)$|^(\(root\)|runMicrotasks|processTicksAndRejections) /;
  const rows = (m: Map<string, number>, n: number) =>
    [...m]
      .filter(([k]) => !plumbing.test(k))
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, us]) => `  ${ms(us).padStart(7)} ms ${((us / total) * 100).toFixed(1).padStart(5)} %  ${k}`);
  return [
    `profiled ${ms(total)} ms`,
    'self time by group:',
    ...rows(selfGroup, 20),
    'inclusive time by group (a frame anywhere on the stack):',
    ...rows(inclGroup, 20),
    `top ${top} functions by self time:`,
    ...rows(selfFn, top),
    `top ${top} functions by inclusive time:`,
    ...rows(inclFn, top),
  ].join('\n');
}

/** Counts pg queries (every client of this process) until stopped. */
function countQueries(): { stop(): number } {
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  let n = 0;
  proto.query = function (this: unknown, ...args: unknown[]) {
    n++;
    return original.apply(this, args);
  };
  return {
    stop: () => {
      proto.query = original;
      return n;
    },
  };
}

/**
 * Profiles `count` sequential runs of `one` (the inspector's CPU profiler, as `--cpu-prof` uses, at 200 µs),
 * counts the SQL queries they send, and writes the `.cpuprofile` to `out`; `summary` says it in one line.
 */
export async function profileSequential(
  count: number,
  one: () => Promise<void>,
  out: string,
): Promise<{ profile: Profile; summary: string }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  const queries = countQueries();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < count; i++) await one();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const sql = queries.stop();
  const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: Profile };
  session.disconnect();
  fs.writeFileSync(out, JSON.stringify(profile));
  const cpu = process.cpuUsage();
  const summary =
    `${seconds.toFixed(2)} s (${((seconds / count) * 1000).toFixed(1)} ms each, sequential), ` +
    `${(sql / count).toFixed(0)} SQL queries each (this process's, audit and jobs included); ` +
    `profile: ${out} (process CPU user ${ms(cpu.user)} ms, system ${ms(cpu.system)} ms since start)`;
  return { profile, summary };
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 50);
  const out = path.resolve(process.argv[3] ?? `meso-import-${Date.now()}.cpuprofile`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meso-profile-'));
  fs.chmodSync(dir, 0o755);
  const service = await startService(loadConfig(serviceEnv(path.join(dir, 'service'))));
  try {
    const token = await obtainTokenFor(service.baseUrl, MESO_CLIENT);
    const docs = mesoDocuments();
    const importOne = async () => {
      const response = await fetch(`${service.url}${MESO_PATH}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: docs.fresh(),
      });
      const text = await response.text();
      if (response.status !== 201) throw new Error(`import: ${response.status} ${text.slice(0, 500)}`);
    };
    for (let i = 0; i < 10; i++) await importOne();
    const run = await profileSequential(count, importOne, out);
    process.stdout.write(`${count} imports in ${run.summary}\n`);
    process.stdout.write(`${summarise(run.profile)}\n`);
  } finally {
    await service.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module)
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
