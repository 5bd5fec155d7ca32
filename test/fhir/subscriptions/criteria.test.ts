import type { CarePlan, Subscription } from '@medplum/fhirtypes';
import type { Database } from '../../../src/store/database';
import { FhirError } from '../../../src/kernel/outcome';
import { parseSubscriptionCriteria } from '../../../src/fhir/subscriptions/criteria';
import { matchesCriteria } from '../../../src/fhir/subscriptions/matcher';
import { notificationOf } from '../../../src/fhir/subscriptions/payload';
import { activateSubscription, checkSubscription } from '../../../src/fhir/subscriptions/rules';
import { createTestDatabase } from '../../support/test-database';
import { save } from '../search/search-support';

function refusal(fn: () => unknown): FhirError {
  try {
    fn();
  } catch (err) {
    if (err instanceof FhirError) return err;
    throw err;
  }
  throw new Error('expected a FhirError');
}

describe('parseSubscriptionCriteria', () => {
  it('parses Type?params with the search parser', () => {
    expect(parseSubscriptionCriteria('CarePlan?patient=Patient/p1&status=active')).toEqual({
      resourceType: 'CarePlan',
      params: [
        ['patient', 'Patient/p1'],
        ['status', 'active'],
      ],
    });
  });

  it.each([
    ['CarePlan', /Type\?parameters/],
    ['Spaceship?name=x', /not a resource type/],
    ['CarePlan?colour=blue', /colour/],
    ['CarePlan?_count=5', /not a search criterion/],
    ['CarePlan?status=', /no value/],
  ])('refuses %s with 422 at Subscription.criteria', (criteria, message) => {
    const err = refusal(() => parseSubscriptionCriteria(criteria));
    expect(err.status).toBe(422);
    expect(err.issues[0].expression).toEqual(['Subscription.criteria']);
    expect(err.message).toMatch(message);
  });
});

describe('checkSubscription', () => {
  const policy = { endpoints: ['https://his.example.org/hooks/'], allowLocalhost: false };
  const sub = (endpoint: string, payload?: string): Subscription => ({
    resourceType: 'Subscription',
    status: 'requested',
    reason: 'test',
    criteria: 'CarePlan?status=active',
    channel: { type: 'rest-hook', endpoint, payload },
  });

  it('accepts an https endpoint on the allow-list', () => {
    expect(() => checkSubscription(sub('https://his.example.org/hooks/careplan'), policy)).not.toThrow();
  });

  it.each([
    ['https://evil.example.org/hooks/', /allow-list/],
    ['http://his.example.org/hooks/x', /https/],
    ['http://localhost:9000/x', /https/],
    ['not a url', /absolute URL/],
  ])('refuses the endpoint %s', (endpoint, message) => {
    const err = refusal(() => checkSubscription(sub(endpoint), policy));
    expect(err.status).toBe(422);
    expect(err.issues[0].expression).toEqual(['Subscription.channel.endpoint']);
    expect(err.message).toMatch(message);
  });

  it('allows localhost in development only', () => {
    const dev = { endpoints: [], allowLocalhost: true };
    expect(() => checkSubscription(sub('http://127.0.0.1:9000/x'), dev)).not.toThrow();
  });

  it('refuses a payload other than none or application/fhir+json', () => {
    const err = refusal(() =>
      checkSubscription(sub('https://his.example.org/hooks/x', 'application/fhir+xml'), policy),
    );
    expect(err.issues[0].expression).toEqual(['Subscription.channel.payload']);
  });

  it('is activated by the server', () => {
    const statusOf = (s: Subscription) => (activateSubscription(s) as Subscription).status;
    expect(statusOf(sub('https://x'))).toBe('active');
    expect(statusOf({ ...sub('https://x'), status: 'off' })).toBe('off');
  });
});

describe('notificationOf', () => {
  const plan: CarePlan = {
    resourceType: 'CarePlan',
    id: 'c1',
    status: 'active',
    intent: 'plan',
    subject: {},
  };
  const channel = { type: 'rest-hook' as const, endpoint: 'https://x', header: ['X-Key: a:b'] };

  it('sends an empty history Bundle without a payload', () => {
    const n = notificationOf(
      { resourceType: 'Subscription', status: 'active', reason: 'r', criteria: 'c', channel },
      plan,
    );
    expect(JSON.parse(n.body)).toEqual({ resourceType: 'Bundle', type: 'history' });
    expect(n.headers).toEqual({ 'x-key': 'a:b', 'content-type': 'application/fhir+json' });
  });

  it('sends the resource with payload application/fhir+json', () => {
    const full = { ...channel, payload: 'application/fhir+json' };
    const n = notificationOf(
      { resourceType: 'Subscription', status: 'active', reason: 'r', criteria: 'c', channel: full },
      plan,
    );
    expect(JSON.parse(n.body)).toEqual(plan);
  });
});

describe('matchesCriteria (against the store)', () => {
  let db: Database;
  beforeAll(async () => {
    db = await createTestDatabase();
    await save(
      db,
      {
        resourceType: 'CarePlan',
        id: 'a',
        status: 'active',
        intent: 'plan',
        subject: { reference: 'Patient/p1' },
      },
      {
        resourceType: 'CarePlan',
        id: 'b',
        status: 'draft',
        intent: 'plan',
        subject: { reference: 'Patient/p2' },
      },
    );
  });
  afterAll(() => db.close());

  it('matches the criteria search narrowed to the resource id', async () => {
    expect(await matchesCriteria(db.pool, 'CarePlan?patient=Patient/p1', 'CarePlan', 'a')).toBe(true);
    expect(await matchesCriteria(db.pool, 'CarePlan?patient=Patient/p1', 'CarePlan', 'b')).toBe(false);
    expect(await matchesCriteria(db.pool, 'CarePlan?status=draft', 'CarePlan', 'b')).toBe(true);
    expect(await matchesCriteria(db.pool, 'Goal?patient=Patient/p1', 'CarePlan', 'a')).toBe(false);
  });
});
