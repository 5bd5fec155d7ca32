import type { Logger } from 'pino';
import type { Config, SecurityConfig } from '../../config';
import type { Database } from '../../store/database';
import { buildSecurity, type Security, type SecurityOptions } from './build-security';

/**
 * The security layer for src/server.ts: settings from the one config (src/config.ts), with overrides for tests.
 */
export async function createSecurity(
  db: Database,
  appConfig: Pick<Config, 'security'>,
  logger?: Pick<Logger, 'info' | 'warn'>,
  overrides: Partial<SecurityConfig> & Omit<SecurityOptions, 'logger'> = {},
): Promise<Security> {
  const { serviceId, ...configOverrides } = overrides;
  const config: SecurityConfig = { ...appConfig.security, ...configOverrides };
  return buildSecurity(db, config, { serviceId, logger });
}

export type { Security } from './build-security';
