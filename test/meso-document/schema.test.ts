import { agbProblem } from '../../src/domain/agb';
import { bsnProblem } from '../../src/domain/bsn';
import { uraProblem } from '../../src/domain/ura';
import { uziPersonProblem } from '../../src/domain/uzi';
import { MESO_CAREPLAN_SCHEMA_VERSION, mesoCarePlanSchema } from '../../src/meso-document/schema';

type Node = Record<string, unknown>;
const schema = mesoCarePlanSchema() as Node & { $defs: Record<string, { pattern: string }> };

function objectsIn(node: unknown, at = '#'): Array<[string, Node]> {
  if (node === null || typeof node !== 'object') return [];
  const here: Array<[string, Node]> = (node as Node).type === 'object' ? [[at, node as Node]] : [];
  return [...here, ...Object.entries(node).flatMap(([k, v]) => objectsIn(v, `${at}/${k}`))];
}

describe('profiles/meso-careplan.schema.json', () => {
  it('is draft 2020-12 with a versioned $id that the documents name in schemaVersion', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.$id).toBe(`https://meso-zorg.nl/schema/meso-careplan/${MESO_CAREPLAN_SCHEMA_VERSION}`);
    expect((schema.properties as Node).schemaVersion).toMatchObject({ const: MESO_CAREPLAN_SCHEMA_VERSION });
  });

  it('closes every object (additionalProperties: false) and titles it in Dutch', () => {
    const objects = objectsIn(schema).filter(([at]) => !at.includes('/if/'));
    expect(objects.length).toBeGreaterThan(30);
    for (const [at, node] of objects) {
      expect([at, node.additionalProperties]).toEqual([at, false]);
      expect([at, typeof node.title]).toEqual([at, 'string']);
    }
  });

  // One truth per rule: the schema's identifier patterns accept exactly what src/domain accepts (the 11-proef
  // aside, which only code can check).
  it.each([
    [
      'bsn',
      (v: string) => bsnProblem(v) !== 'BSN must be exactly 9 digits',
      ['999970008', '12345678', '9999700080', 'a99970008'],
    ],
    ['agb', (v: string) => agbProblem(v) === undefined, ['01057788', '0105778', '010577880', '0105778x']],
    ['ura', (v: string) => uraProblem(v) === undefined, ['90000022', '9000002', '900000220', '9000002x']],
    ['uzi', (v: string) => uziPersonProblem(v) === undefined, ['900012345', '90001234', '9000123456']],
  ] as const)('$defs/%s agrees with src/domain', (name, domainAccepts, samples) => {
    const pattern = new RegExp(schema.$defs[name].pattern);
    for (const value of samples) expect([value, pattern.test(value)]).toEqual([value, domainAccepts(value)]);
  });
});
