import { checkScope, grantScopes, parseScope, parseScopes, formatScope } from '../../src/security/scopes';
import { FhirError } from '../../src/kernel/outcome';
import { caller } from './security-test-support';

describe('parseScope', () => {
  it.each([
    ['system/CarePlan.rs', { resourceType: 'CarePlan', interactions: 'rs' }],
    ['system/*.cruds', { resourceType: '*', interactions: 'cruds' }],
    ['system/Task.cu', { resourceType: 'Task', interactions: 'cu' }],
    ['system/Patient.read', { resourceType: 'Patient', interactions: 'rs' }],
    ['system/Patient.write', { resourceType: 'Patient', interactions: 'cud' }],
    ['system/*.*', { resourceType: '*', interactions: 'cruds' }],
  ])('understands %s', (scope, expected) => {
    expect(parseScope(scope)).toEqual(expected);
  });

  it.each([
    'patient/Patient.rs',
    'user/*.cruds',
    'system/Task.sr',
    'system/Task.rr',
    'system/Task.x',
    'system/Task',
    'launch',
    'system/task.rs',
    'system/Observation.rs?category=x',
  ])('drops what it does not understand: %s', (scope) => {
    expect(parseScope(scope)).toBeUndefined();
  });

  it('parses a scope parameter and formats back in v2 form', () => {
    expect(parseScopes('  system/CarePlan.read openid system/Task.cu ').map(formatScope)).toEqual([
      'system/CarePlan.rs',
      'system/Task.cu',
    ]);
  });
});

describe('grantScopes', () => {
  const allowed = parseScopes('system/*.rs system/Task.cu system/Patient.c');
  it('grants requested ∩ allowed, letter by letter', () => {
    expect(grantScopes(parseScopes('system/CarePlan.cruds'), allowed).map(formatScope)).toEqual([
      'system/CarePlan.rs',
    ]);
    expect(grantScopes(parseScopes('system/Task.cruds'), allowed).map(formatScope)).toEqual([
      'system/Task.crus',
    ]);
  });
  it('narrows a requested wildcard to the allowed types', () => {
    expect(grantScopes(parseScopes('system/*.c'), allowed).map(formatScope).sort()).toEqual([
      'system/Patient.c',
      'system/Task.c',
    ]);
  });
  it('grants nothing outside the allowed scopes', () => {
    expect(grantScopes(parseScopes('system/Consent.d'), allowed)).toEqual([]);
  });
});

describe('checkScope', () => {
  const gp = caller('gp', {}, 'system/*.rs system/Task.cu');
  it('passes covered interactions', () => {
    expect(() => checkScope(gp, 'CarePlan', 'r')).not.toThrow();
    expect(() => checkScope(gp, 'Task', 'u')).not.toThrow();
  });
  it('refuses with 403 forbidden', () => {
    let error: unknown;
    try {
      checkScope(gp, 'CarePlan', 'u');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(FhirError);
    expect((error as FhirError).status).toBe(403);
    expect((error as FhirError).toOperationOutcome().issue[0].code).toBe('forbidden');
  });
});
