import { calendarProblem, dateTextProblem, daysInMonth } from '../../src/kernel/calendar';

describe('calendar rules', () => {
  it('knows the length of every month, leap years included', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((m) => daysInMonth(2023, m))).toEqual([
      31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31,
    ]);
    expect(daysInMonth(2024, 2)).toBe(29);
    expect(daysInMonth(2000, 2)).toBe(29);
    expect(daysInMonth(1900, 2)).toBe(28);
  });

  it.each([
    ['1950-02-30', /day 30 does not exist in 1950-02/],
    ['2023-02-29', /day 29 does not exist in 2023-02/],
    ['2024-13-01', /month 13/],
    ['2024-00', /month 0/],
    ['2024-04-31T10:00:00Z', /day 31/],
    ['2024-01-01T25:00:00Z', /hour 25/],
    ['2024-01-01T10:61:00Z', /minute 61/],
    ['2024-01-01T10:00:00+15:00', /offset/],
    ['0000', /year 0/],
  ])('finds %s impossible', (text, problem) => {
    expect(dateTextProblem(text)).toMatch(problem);
  });

  it.each([
    '2024-02-29',
    '1950',
    '1950-02',
    '9999-12-31',
    '2024-06-30T23:59:60Z',
    '2024-01-01T00:00:00-14:00',
  ])('accepts %s', (text) => {
    expect(dateTextProblem(text)).toBeUndefined();
  });

  it('checks fields as given', () => {
    expect(
      calendarProblem({ year: 2024, month: 2, day: 29, hour: 23, minute: 59, second: 60 }),
    ).toBeUndefined();
    expect(calendarProblem({ year: 10000, month: 1, day: 1 })).toMatch(/year/);
  });
});
