import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Database } from '../store/database';
import { buildSecurity, type Security, type SecurityOptions } from './build-security';
import { loadSecurityConfig, type SecurityConfig } from './security-config';

/**
 * The security layer for src/server.ts: settings from the environment (see security-config.ts), with the
 * public origin falling back to BASE_URL and NODE_ENV from the app config.
 */
export async function createSecurity(
  db: Database,
  appConfig: Pick<Config, 'baseUrl' | 'nodeEnv'>,
  logger?: Pick<Logger, 'info' | 'warn'>,
  overrides: Partial<SecurityConfig> & Omit<SecurityOptions, 'logger'> = {},
): Promise<Security> {
  const { serviceId, ...configOverrides } = overrides;
  const fromEnv = loadSecurityConfig();
  const config: SecurityConfig = {
    ...fromEnv,
    publicUrl: fromEnv.publicUrl ?? (appConfig.baseUrl ? new URL(appConfig.baseUrl).origin : undefined),
    nodeEnv: appConfig.nodeEnv,
    ...configOverrides,
  };
  return buildSecurity(db, config, { serviceId, logger });
}

export type { Security } from './build-security';
export { loadSecurityConfig, type SecurityConfig } from './security-config';
export { verifyAuditLog } from './audit-seal';
export { jsonDepthVerifier, assertJsonDepth } from './hardening';
