import autocannon from 'autocannon';

export interface LoadShape {
  duration: number;
  connections: number;
  warmup: number;
}

export interface Measurement {
  /** Responses received during the measured window (warm-up excluded). */
  responses: number;
  seconds: number;
  /** Responses per second over the window. */
  rps: number;
  /** Latency in ms, from every response (autocannon itself reports p97.5, not p95). */
  latency: { mean: number; p50: number; p95: number; p99: number; max: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  /** Mean response size in bytes (headers + body as received). */
  bytesPerResponse: number;
}

export function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

function run(
  options: autocannon.Options,
  onResponse?: (status: number, bytes: number, ms: number) => void,
): Promise<autocannon.Result> {
  const instance = autocannon(options);
  if (onResponse) {
    instance.on('response', (_client: unknown, status: number, bytes: number, ms: number) =>
      onResponse(status, bytes, ms),
    );
  }
  return new Promise((resolve, reject) => instance.then(resolve, reject));
}

/**
 * GETs `paths` (cycled through, in order, by every connection) from `url` with autocannon: an unrecorded
 * warm-up, then the measured run. Latency percentiles come from every single response time.
 */
export function measure(
  url: string,
  paths: string[],
  headers: Record<string, string>,
  shape: LoadShape,
): Promise<Measurement> {
  return measureRequests(
    url,
    paths.map((path) => ({ method: 'GET', path })),
    headers,
    shape,
  );
}

/** As `measure`, for any requests (a POST with a body made per request by `setupRequest`, say). */
export async function measureRequests(
  url: string,
  requests: autocannon.Request[],
  headers: Record<string, string>,
  shape: LoadShape,
): Promise<Measurement> {
  const base: autocannon.Options = {
    url,
    connections: shape.connections,
    headers: { accept: 'application/fhir+json', ...headers },
    requests,
    renderProgressBar: false,
    renderResultsTable: false,
    renderLatencyTable: false,
  };
  if (shape.warmup > 0) await run({ ...base, duration: shape.warmup });

  let latencies = new Float64Array(1 << 16);
  let count = 0;
  let bytes = 0;
  const result = await run({ ...base, duration: shape.duration }, (_status, size, ms) => {
    if (count === latencies.length) {
      const grown = new Float64Array(latencies.length * 2);
      grown.set(latencies);
      latencies = grown;
    }
    latencies[count++] = ms;
    bytes += size;
  });
  const sorted = latencies.slice(0, count).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  const statusCodes: Record<string, number> = {};
  for (const [code, { count: n }] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = n;
  return {
    responses: count,
    seconds: result.duration,
    rps: round(count / result.duration, 1),
    latency: {
      mean: round(sum / Math.max(1, count), 3),
      p50: round(percentile(sorted, 0.5), 3),
      p95: round(percentile(sorted, 0.95), 3),
      p99: round(percentile(sorted, 0.99), 3),
      max: round(count ? sorted[count - 1] : NaN, 3),
    },
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
    bytesPerResponse: Math.round(bytes / Math.max(1, count)),
  };
}
