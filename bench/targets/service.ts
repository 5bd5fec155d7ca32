import pino from 'pino';
import { loadConfig } from '../../src/config';
import { startService } from '../../src/server';
import type { StartTarget } from './protocol';

/**
 * The service itself, started as `npm start` would, on embedded PostgreSQL in the DATA_DIR the bench chose.
 * The bench sets the environment (PORT=0, LOG_LEVEL=silent, high rate limits) when it forks this process.
 */
export const start: StartTarget = async () => {
  const config = loadConfig(process.env);
  const service = await startService(config, pino({ level: config.logLevel }));
  return { url: service.url, baseUrl: service.baseUrl, close: () => service.close() };
};
