import type { Bundle, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import type { ResourceIndex } from '../../store/lookups/index-rows';
import type { StoredVersion } from '../../store/resource-store';
import { unprocessable } from '../../kernel/outcome';

/** Checks a resource against its profile (setting the default profile when meta.profile is absent). */
export interface ConformanceCheck {
  /** Adds the configured default profile to meta.profile when the resource declares none. */
  applyDefaultProfile(resource: Resource): Resource;
  check(resource: Resource, options?: { bundle?: Bundle; profile?: string }): OperationOutcomeIssue[];
}

/** What the prepare stage needs: all of it pure, so it runs before any transaction opens. */
export interface PrepareDeps {
  conformance?: ConformanceCheck;
  /** Adds a generated (Dutch) narrative to resources that carry none, for systems that only display. */
  narrative?: (resource: Resource) => Resource;
  /** Every index, compartment and care relation row the resource owns (src/fhir/search/indexer.ts). */
  indexResource?: (resource: Resource) => ResourceIndex;
  /** Server-set content before validation (a requested Subscription becomes active). */
  normalize?: (resource: Resource) => Resource;
}

/** A new version's content, checked and indexed before the transaction; only its meta is stamped inside. */
export interface PreparedWrite {
  /** As validated: what the access policy and beforeStore see (once stamped). */
  checked: Resource;
  /** What is stored: `checked` plus the generated narrative. */
  stored: Resource;
  index?: ResourceIndex;
}

type VersionMeta = Pick<StoredVersion, 'versionId' | 'lastUpdated'>;

/**
 * meta.versionId and meta.lastUpdated are only known inside the transaction; validation only checks their format,
 * so it runs on this stand-in and the real values replace it (stamp) before the insert.
 */
const PLACEHOLDER_META: VersionMeta = { versionId: 1, lastUpdated: '1970-01-01T00:00:00.000Z' };

/**
 * The prepare stage of every write (repository and bulk loader): default profile, conformance check (422 on an
 * error), narrative and index extraction, on a resource that has its id. No database is involved.
 */
export function prepareWrite(deps: PrepareDeps, resource: Resource, bundle?: Bundle): PreparedWrite {
  const input = deps.normalize ? deps.normalize(resource) : resource;
  const checked = checkedContent(deps, input, PLACEHOLDER_META, bundle);
  const stored = deps.narrative ? deps.narrative(checked) : checked;
  return { checked, stored, index: deps.indexResource?.(stored) };
}

/** The same write under another id (a conditional update resolved inside the transaction): re-indexed only. */
export function withId(deps: PrepareDeps, prepared: PreparedWrite, id: string): PreparedWrite {
  if (prepared.stored.id === id) return prepared;
  const stored = { ...prepared.stored, id };
  return { checked: { ...prepared.checked, id }, stored, index: deps.indexResource?.(stored) };
}

/** The version's real meta, set inside the transaction (no index row depends on it: _lastUpdated is a column). */
export function stamp(prepared: PreparedWrite, version: VersionMeta): PreparedWrite {
  return {
    checked: withMeta(prepared.checked, version),
    stored: withMeta(prepared.stored, version),
    index: prepared.index,
  };
}

/**
 * A new version's content as the write path checks it: the default profile, the version's meta, and the
 * conformance check (422 on an error).
 */
function checkedContent(
  deps: Pick<PrepareDeps, 'conformance'>,
  resource: Resource,
  version: VersionMeta,
  bundle?: Bundle,
): Resource {
  const profiled = deps.conformance ? deps.conformance.applyDefaultProfile(resource) : resource;
  const checked = withMeta(profiled, version);
  if (deps.conformance) {
    const issues = deps.conformance.check(checked, { bundle });
    if (issues.some((i) => i.severity === 'error' || i.severity === 'fatal')) throw unprocessable(issues);
  }
  return checked;
}

function withMeta(resource: Resource, version: VersionMeta): Resource {
  // A meta that is not an object is left for validation to refuse, not spread into one.
  const sent = resource.meta as unknown;
  if (sent !== undefined && (typeof sent !== 'object' || sent === null || Array.isArray(sent)))
    return resource;
  const meta = { ...resource.meta, versionId: String(version.versionId), lastUpdated: version.lastUpdated };
  return { ...resource, meta };
}
