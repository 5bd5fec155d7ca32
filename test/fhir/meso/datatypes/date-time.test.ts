import { dateTimeToFhir } from '../../../../src/fhir/meso/datatypes/date-time';

describe('dateTimeToFhir', () => {
  it.each([
    ['2026-11-20T14:00:00+01:00', '2026-11-20T14:00:00+01:00'],
    ['2026-11-20t14:00:00z', '2026-11-20T14:00:00Z'],
    ['2026-11-20 14:00:00.250+0100', '2026-11-20T14:00:00.250+01:00'],
    ['2026-11-20T14:00:00-03', '2026-11-20T14:00:00-03:00'],
    ['not a date-time', 'not a date-time'],
  ])('%s → %s', (input, fhir) => {
    expect(dateTimeToFhir(input)).toBe(fhir);
  });
});
