import * as m001 from './001-resources';
import * as m002 from './002-search-indexes';
import * as m003 from './003-security';
import * as m004 from './004-version-access';
import * as m005 from './005-server-secret';
import * as m006 from './006-audit-log';
import * as m007 from './007-care-relations';
import * as m008 from './008-subscriptions';
import * as m009 from './009-subscription-notifications';
import * as m010 from './010-requester-relations';
import * as m011 from './011-organization-kinds';
import * as m012 from './012-version-identifiers';

/** Ordered schema migrations. Add a file `NNN-name.ts` exporting `sql` and list it here; never edit a released one. */
export const migrations: ReadonlyArray<{ name: string; sql: string }> = [
  { name: '001-resources', sql: m001.sql },
  { name: '002-search-indexes', sql: m002.sql },
  { name: '003-security', sql: m003.sql },
  { name: '004-version-access', sql: m004.sql },
  { name: '005-server-secret', sql: m005.sql },
  { name: '006-audit-log', sql: m006.sql },
  { name: '007-care-relations', sql: m007.sql },
  { name: '008-subscriptions', sql: m008.sql },
  { name: '009-subscription-notifications', sql: m009.sql },
  { name: '010-requester-relations', sql: m010.sql },
  { name: '011-organization-kinds', sql: m011.sql },
  { name: '012-version-identifiers', sql: m012.sql },
];
