import { classifyDatabaseError } from '../../src/store/database-errors';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('classifyDatabaseError: which errors mean the database cannot serve now', () => {
  it.each([
    ['ECONNREFUSED', withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['ECONNRESET', withCode('ECONNRESET', 'read ECONNRESET')],
    ['57P01 admin_shutdown', withCode('57P01', 'terminating connection due to administrator command')],
    ['57P03 cannot_connect_now', withCode('57P03', 'the database system is starting up')],
    ['08006 connection_failure', withCode('08006')],
    ['08P01 protocol_violation', withCode('08P01')],
    ['Connection terminated unexpectedly', new Error('Connection terminated unexpectedly')],
    ['connect timeout', new Error('Connection terminated due to connection timeout')],
    ['not queryable', new Error('Client has encountered a connection error and is not queryable')],
    ['pool ended (shutdown)', new Error('Cannot use a pool after calling end on the pool')],
  ])('%s: unavailable, connection discarded', (_name, err) => {
    expect(classifyDatabaseError(err)).toEqual(
      expect.objectContaining({ kind: 'unavailable', broken: true }),
    );
  });

  it.each([
    ['57014 statement timeout', withCode('57014', 'canceling statement due to statement timeout'), false],
    ['55P03 lock timeout', withCode('55P03'), false],
    ['25P03 idle in transaction', withCode('25P03'), true],
    ['pool wait timeout', new Error('timeout exceeded when trying to connect'), true],
    ['client read timeout', new Error('Query read timeout'), true],
  ])('%s: timeout', (_name, err, broken) => {
    expect(classifyDatabaseError(err)).toEqual(expect.objectContaining({ kind: 'timeout', broken }));
  });

  it.each([
    ['40P01 deadlock detected', withCode('40P01', 'deadlock detected')],
    ['40001 serialization failure', withCode('40001', 'could not serialize access')],
  ])('%s: conflict, the connection stays usable', (_name, err) => {
    expect(classifyDatabaseError(err)).toEqual(expect.objectContaining({ kind: 'conflict', broken: false }));
  });

  it('looks into cause and AggregateError (localhost resolving to ::1 and 127.0.0.1)', () => {
    const aggregate = new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')], 'connect');
    expect(classifyDatabaseError(aggregate)?.kind).toBe('unavailable');
    expect(classifyDatabaseError(new Error('wrapped', { cause: withCode('57P01') }))?.kind).toBe(
      'unavailable',
    );
  });

  it.each([
    ['unique violation', withCode('23505', 'duplicate key value violates unique constraint')],
    ['syntax error', withCode('42601')],
    ['invalid text representation', withCode('22P02')],
    ['a plain programming error', new TypeError('x is undefined')],
    ['a string', 'Connection terminated'],
    ['null', null],
  ])('%s: not a database outage (stays a 4xx/500 of its own)', (_name, err) => {
    expect(classifyDatabaseError(err)).toBeUndefined();
  });

  it('names the reason without the driver message (no hosts or users in a public answer)', () => {
    const fault = classifyDatabaseError(withCode('ECONNREFUSED', 'connect ECONNREFUSED 10.1.2.3:5432'));
    expect(fault?.reason).toBe('the database cannot be reached (ECONNREFUSED)');
  });
});
