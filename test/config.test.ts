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

describe('security settings (one loader: issue 9)', () => {
  it('come from the same environment as every other setting, not from process.env', () => {
    process.env.CORS_ORIGINS = 'https://ignored.example';
    try {
      const { security } = loadConfig({
        CORS_ORIGINS: 'https://app.example.nl, https://b.example.nl',
        BASE_URL: 'https://fhir.example.nl/fhir',
        RATE_LIMIT_PER_MINUTE: '7',
        NODE_ENV: 'test',
      });
      expect(security.corsOrigins).toEqual(['https://app.example.nl', 'https://b.example.nl']);
      expect(security.publicUrl).toBe('https://fhir.example.nl');
      expect(security.rateLimitPerMinute).toBe(7);
      expect(security.rateLimitIpPerMinute).toBe(70);
      expect(security.nodeEnv).toBe('test');
      expect(loadConfig({}).security.corsOrigins).toEqual([]);
    } finally {
      delete process.env.CORS_ORIGINS;
    }
  });

  it('PUBLIC_URL wins over BASE_URL, and a bad number stops the start', () => {
    expect(
      loadConfig({ PUBLIC_URL: 'https://b.example/x', BASE_URL: 'https://a.example/fhir' }).security
        .publicUrl,
    ).toBe('https://b.example');
    expect(() => loadConfig({ TOKEN_TTL_SECONDS: '0' })).toThrow(
      /TOKEN_TTL_SECONDS must be a positive integer/,
    );
  });
});

describe('ENFORCE_REFERENTIAL_INTEGRITY', () => {
  it('is on unless set to false', () => {
    expect(loadConfig({}).enforceReferentialIntegrity).toBe(true);
    expect(loadConfig({ ENFORCE_REFERENTIAL_INTEGRITY: 'true' }).enforceReferentialIntegrity).toBe(true);
    expect(loadConfig({ ENFORCE_REFERENTIAL_INTEGRITY: 'false' }).enforceReferentialIntegrity).toBe(false);
  });
});
