import type { SecurityConfig } from '../config';

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
