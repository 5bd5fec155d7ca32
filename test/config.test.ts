import { DEMO_PSEUDONYM_KEY, loadConfig } from '../src/config';

describe('PSEUDONYM_KEY', () => {
  const key = 'k'.repeat(32);

  it('defaults to the published demo key outside production, so development pseudonyms survive restarts', () => {
    expect(loadConfig({}).pseudonymKey).toBe(DEMO_PSEUDONYM_KEY);
    expect(loadConfig({ PSEUDONYM_KEY: key }).pseudonymKey).toBe(key);
  });

  it('is required in production, and may not be the demo key there', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/PSEUDONYM_KEY is required in production/);
    expect(() => loadConfig({ NODE_ENV: 'production', PSEUDONYM_KEY: DEMO_PSEUDONYM_KEY })).toThrow(
      /demo key/,
    );
    expect(loadConfig({ NODE_ENV: 'production', PSEUDONYM_KEY: key }).pseudonymKey).toBe(key);
  });

  it('must be at least 32 characters', () => {
    expect(() => loadConfig({ PSEUDONYM_KEY: 'short' })).toThrow(/at least 32 characters/);
  });
});
