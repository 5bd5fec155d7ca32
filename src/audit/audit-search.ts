import type { AuditEvent, Bundle } from '@medplum/fhirtypes';
import type { Queryable } from '../store/database';
import type { AuditReader, AuditSearchOptions } from './sink';
import { badRequest } from '../kernel/outcome';
import { auditRowById, searchAuditRows, type AuditQuery } from '../store/audit-log';
import { auditEventOf } from './audit-record';

/** Parameters that shape the answer, not the selection; the router's own ones pass through. */
const IGNORED = new Set(['_format', '_pretty', '_total']);

/**
 * AuditEvent read and search, served from the audit table (an AuditReader): the NEN 7513 look-ups — by patient,
 * agent (client id, organisation URA/AGB, user UZI), entity, date, subtype, outcome, action, _id — newest first
 * (`_sort=-date`, or `_sort=date`), `_count` records. Any other parameter is 400 naming it (ignored when lenient).
 * There is no paging beyond the first page: narrow the date range instead.
 */
export class AuditEventSearch implements AuditReader {
  async read(q: Queryable, id: string): Promise<AuditEvent | undefined> {
    if (!/^[1-9][0-9]{0,17}$/.test(id)) return undefined;
    const row = await auditRowById(q, Number(id));
    return row && auditEventOf(row);
  }

  async search(
    q: Queryable,
    params: ReadonlyArray<[string, string]>,
    options: AuditSearchOptions,
  ): Promise<Bundle> {
    const query = parseAuditQuery(params, options);
    const rows = await searchAuditRows(q, query);
    const self = new URLSearchParams(params as [string, string][]).toString();
    return {
      resourceType: 'Bundle',
      type: 'searchset',
      link: [{ relation: 'self', url: `${options.baseUrl}/AuditEvent${self ? `?${self}` : ''}` }],
      entry: rows.map((row) => ({
        fullUrl: `${options.baseUrl}/AuditEvent/${row.id}`,
        resource: auditEventOf(row),
        search: { mode: 'match' },
      })),
    };
  }
}

export function parseAuditQuery(
  params: ReadonlyArray<[string, string]>,
  options: Pick<AuditSearchOptions, 'defaultCount' | 'maxCount' | 'lenient'>,
): AuditQuery {
  const query: AuditQuery = { limit: options.defaultCount };
  const list = (v: string) => v.split(',').filter(Boolean);
  const add = (
    key: 'patientIds' | 'agents' | 'entities' | 'outcomes' | 'actions' | 'interactions',
    v: string[],
  ) => (query[key] = [...(query[key] ?? []), ...v]);
  for (const [name, value] of params) {
    switch (name) {
      case 'patient':
        add(
          'patientIds',
          list(value).map((v) => v.replace(/^Patient\//, '')),
        );
        break;
      case 'agent':
      case 'agent.identifier':
        // A token system|value, or the bare value: client id, URA/AGB or UZI number.
        add(
          'agents',
          list(value).map((v) => v.slice(v.indexOf('|') + 1)),
        );
        break;
      case 'entity':
        add('entities', list(value));
        break;
      case 'subtype':
        add(
          'interactions',
          list(value).map((v) => v.slice(v.indexOf('|') + 1)),
        );
        break;
      case 'outcome':
        add('outcomes', list(value).map(outcomeOf));
        break;
      case 'action':
        add('actions', list(value));
        break;
      case '_id':
        // An id that is no number of this table matches nothing.
        query.ids = list(value)
          .filter((v) => /^[1-9][0-9]{0,17}$/.test(v))
          .map(Number);
        break;
      case 'date':
        dateBound(query, value);
        break;
      case '_count':
        query.limit = countOf(value, options.maxCount);
        break;
      case '_sort':
        if (value !== 'date' && value !== '-date')
          throw badRequest(`AuditEvent can only be sorted by date or -date, not "${value}"`, '_sort');
        query.ascending = value === 'date';
        break;
      default:
        if (!IGNORED.has(name) && !options.lenient)
          throw badRequest(
            `AuditEvent search does not support the parameter "${name}" (supported: patient, agent, entity, ` +
              'date, subtype, outcome, action, _id, _count, _sort)',
            name,
          );
    }
  }
  return query;
}

/** R4 audit-event-outcome codes as stored: 0 success, anything else a failure. */
function outcomeOf(code: string): string {
  const v = code.slice(code.indexOf('|') + 1);
  return v === '0' ? 'success' : 'failure';
}

function countOf(value: string, max: number): number {
  const n = Number(value);
  if (!/^[0-9]+$/.test(value) || n < 0)
    throw badRequest(`_count must be a whole number, not "${value}"`, '_count');
  return Math.min(n, max);
}

const PREFIXES = ['ge', 'gt', 'le', 'lt', 'eq', 'sa', 'eb'] as const;

/** date=[prefix]value: the range of the value's precision (a day, a month…) compared as FHIR says. */
function dateBound(query: AuditQuery, raw: string): void {
  const prefix = PREFIXES.find((p) => raw.startsWith(p)) ?? 'eq';
  const value = PREFIXES.some((p) => raw.startsWith(p)) ? raw.slice(2) : raw;
  const range = dateRange(value);
  if (!range)
    throw badRequest(`date "${raw}" is not a FHIR date or dateTime (e.g. ge2025-01-01T00:00:00Z)`, 'date');
  const [start, end] = range;
  const later = (d: Date, inclusive: boolean) => {
    if (!query.from || d > query.from) Object.assign(query, { from: d, fromInclusive: inclusive });
  };
  const earlier = (d: Date, inclusive: boolean) => {
    if (!query.to || d < query.to) Object.assign(query, { to: d, toInclusive: inclusive });
  };
  if (prefix === 'ge') later(start, true);
  else if (prefix === 'gt' || prefix === 'sa') later(end, false);
  else if (prefix === 'le') earlier(end, false);
  else if (prefix === 'lt' || prefix === 'eb') earlier(start, false);
  else {
    later(start, true);
    earlier(end, false);
  }
}

/** [start, end) of a FHIR date/dateTime at its precision; undefined when it is none. */
function dateRange(value: string): [Date, Date] | undefined {
  const m =
    /^(\d{4})(?:-(\d{2})(?:-(\d{2})(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))?)?)?$/.exec(
      value,
    );
  if (!m) return undefined;
  const [, y, mo, d, time] = m;
  if (time) {
    const at = new Date(value);
    if (Number.isNaN(at.getTime())) return undefined;
    // A dateTime without fractions stands for its whole second (or minute).
    const step = /:\d{2}:\d{2}/.test(time) ? (time.includes('.') ? 1 : 1000) : 60_000;
    return [at, new Date(at.getTime() + step)];
  }
  const start = new Date(Date.UTC(Number(y), mo ? Number(mo) - 1 : 0, d ? Number(d) : 1));
  const end = d
    ? new Date(start.getTime() + 86_400_000)
    : new Date(Date.UTC(Number(y) + (mo ? 0 : 1), mo ? Number(mo) : 0, 1));
  if (Number.isNaN(start.getTime()) || (mo && (Number(mo) < 1 || Number(mo) > 12))) return undefined;
  return [start, end];
}
