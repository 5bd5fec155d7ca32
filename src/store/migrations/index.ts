import * as m001 from './001-resources';

/** Ordered schema migrations. Add a file `NNN-name.ts` exporting `sql` and list it here; never edit a released one. */
export const migrations: ReadonlyArray<{ name: string; sql: string }> = [{ name: '001-resources', sql: m001.sql }];
