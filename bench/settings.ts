/** Bench knobs, from the environment (README: "Benchmark"). Defaults keep a full run under about 3 minutes. */
export interface BenchSettings {
  /** Seconds per measurement (BENCH_DURATION). */
  duration: number;
  /** Concurrent connections (BENCH_CONNECTIONS). */
  connections: number;
  /** Seconds of unrecorded load before each measurement (BENCH_WARMUP; 0 = none). */
  warmup: number;
  /** Patients loaded into every target (BENCH_PATIENTS). */
  patients: number;
  /** Patients per transaction Bundle while loading (BENCH_BATCH). */
  batch: number;
  /** Distinct request URLs per scenario; autocannon cycles through them (BENCH_SAMPLE). */
  sample: number;
  /** Seconds of the validation micro-benchmark (BENCH_VALIDATION_SECONDS; 0 = skip). */
  validationSeconds: number;
  /** Seconds per MESO document measurement (BENCH_MESO_DURATION; 0 = skip the MESO scenarios). */
  mesoDuration: number;
  /**
   * Connections of the MESO scenarios and their references (BENCH_MESO_CONNECTIONS): an import is ~35 sequential
   * writes, so on 2 cores a few concurrent imports fill the machine and more only queue.
   */
  mesoConnections: number;
  /** Seconds per referral measurement of `--referral` (BENCH_REFERRAL_DURATION). */
  referralDuration: number;
  /** Connections of the referral scenarios and their references (BENCH_REFERRAL_CONNECTIONS). */
  referralConnections: number;
  /** Referral Tasks at least in the MESO team's inbox before (c) and (b) (BENCH_REFERRAL_POOL). */
  referralPool: number;
  /** Targets to measure besides the service, comma-separated (BENCH_TARGETS): node-http, express, medplum. */
  peers: PeerKind[];
}

export type PeerKind = 'node-http' | 'express' | 'medplum';
export type TargetKind = 'service' | PeerKind;
export const PEER_KINDS: readonly PeerKind[] = ['node-http', 'express', 'medplum'];

function positive(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  { allowZero = false } = {},
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new Error(`${name} must be a ${allowZero ? 'non-negative' : 'positive'} number, got "${raw}"`);
  }
  return value;
}

const integer = (env: NodeJS.ProcessEnv, name: string, fallback: number) => {
  const value = positive(env, name, fallback);
  if (!Number.isInteger(value)) throw new Error(`${name} must be an integer, got "${env[name]}"`);
  return value;
};

export function loadBenchSettings(env: NodeJS.ProcessEnv = process.env): BenchSettings {
  const peers = (env.BENCH_TARGETS ?? PEER_KINDS.join(','))
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  for (const p of peers) {
    if (!PEER_KINDS.includes(p as PeerKind))
      throw new Error(`BENCH_TARGETS: unknown target "${p}" (${PEER_KINDS.join(', ')})`);
  }
  const patients = integer(env, 'BENCH_PATIENTS', 2000);
  // The 9999 prefix leaves 4 free digits; about 1 in 11 of those fails the 11-proef.
  if (patients > 9000) throw new Error('BENCH_PATIENTS must be at most 9000 (test BSNs with prefix 9999)');
  return {
    duration: positive(env, 'BENCH_DURATION', 10),
    connections: integer(env, 'BENCH_CONNECTIONS', 10),
    warmup: positive(env, 'BENCH_WARMUP', 2, { allowZero: true }),
    patients,
    batch: integer(env, 'BENCH_BATCH', 100),
    sample: Math.min(integer(env, 'BENCH_SAMPLE', 500), patients),
    validationSeconds: positive(env, 'BENCH_VALIDATION_SECONDS', 3, { allowZero: true }),
    mesoDuration: positive(env, 'BENCH_MESO_DURATION', 4, { allowZero: true }),
    mesoConnections: integer(env, 'BENCH_MESO_CONNECTIONS', 4),
    referralDuration: positive(env, 'BENCH_REFERRAL_DURATION', 4),
    referralConnections: integer(env, 'BENCH_REFERRAL_CONNECTIONS', 4),
    referralPool: integer(env, 'BENCH_REFERRAL_POOL', 500),
    peers: peers as PeerKind[],
  };
}
