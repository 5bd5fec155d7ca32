import { projectPath } from '../project-root';

/** Security settings, read once from the environment at start-up. Listed in the README configuration table. */
export interface SecurityConfig {
  /** Externally visible origin of the service (no path), e.g. https://fhir.example.nl. Token `iss` and the
   * assertion `aud` derive from it; absent → derived per request (development only). */
  publicUrl?: string;
  /** Path of the FHIR endpoint below publicUrl; the access token's audience is publicUrl + fhirPath. */
  fhirPath: string;
  tokenTtlSeconds: number;
  /** A new service signing key is generated when the newest is older than this. */
  keyRotationHours: number;
  rateLimitPerMinute: number;
  /** Limit per IP address before authentication (clients behind one NAT share it, so it is higher). */
  rateLimitIpPerMinute: number;
  /** Allowed CORS origins; empty → no CORS headers; ['*'] → any origin (bearer tokens, no cookies). */
  corsOrigins: string[];
  /** JSON file with extra (non-demo) clients, seeded into the registry at start. */
  clientsFile?: string;
  /** Directory with the demo clients (examples/clients); never loaded in production. */
  demoClientsDir?: string;
  nodeEnv: string;
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`Configuration ${name} must be a positive integer, got "${raw}"`);
  return value;
}

/** PUBLIC_URL wins; otherwise the origin of BASE_URL (which may end in /fhir). */
function publicUrlFrom(env: NodeJS.ProcessEnv): string | undefined {
  const raw = env.PUBLIC_URL || env.BASE_URL;
  if (!raw) return undefined;
  const url = new URL(raw);
  return `${url.protocol}//${url.host}`;
}

export function loadSecurityConfig(env: NodeJS.ProcessEnv = process.env): SecurityConfig {
  const rateLimitPerMinute = positiveInt(env, 'RATE_LIMIT_PER_MINUTE', 600);
  return {
    publicUrl: publicUrlFrom(env),
    fhirPath: '/fhir',
    tokenTtlSeconds: positiveInt(env, 'TOKEN_TTL_SECONDS', 300),
    keyRotationHours: positiveInt(env, 'KEY_ROTATION_HOURS', 24 * 7),
    rateLimitPerMinute,
    rateLimitIpPerMinute: positiveInt(env, 'RATE_LIMIT_IP_PER_MINUTE', rateLimitPerMinute * 10),
    corsOrigins: (env.CORS_ORIGINS ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    clientsFile: env.CLIENTS_FILE || undefined,
    demoClientsDir: env.DEMO_CLIENTS_DIR || projectPath('examples', 'clients'),
    nodeEnv: env.NODE_ENV ?? 'development',
  };
}

export const isProduction = (config: Pick<SecurityConfig, 'nodeEnv'>): boolean =>
  config.nodeEnv === 'production';

/**
 * The service's public origin for token `iss`/`aud`. Deriving it from the request (Host header) is only for
 * development: createSecurity refuses to start in production without PUBLIC_URL or BASE_URL.
 */
export function originFor(
  config: Pick<SecurityConfig, 'publicUrl'>,
  req: { protocol: string; get(name: string): string | undefined },
): string {
  return config.publicUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`;
}
