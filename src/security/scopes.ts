import type { Caller, GrantedScope } from '../kernel/caller';
import type { Interaction } from '../kernel/request-context';
import { FhirError, issue } from '../kernel/outcome';

// SMART v2 letters in their mandated order (SMART App Launch 2.0 scopes-and-launch-context).
const V2_ORDER = 'cruds';
const V1_MAP: Record<string, string> = { read: 'rs', write: 'cud', '*': 'cruds' };
const SCOPE_PATTERN = /^system\/(\*|[A-Z][A-Za-z]{1,63})\.([a-z*]+)$/;

/**
 * Parses one scope string. Only `system/` scopes exist for backend services; `patient/`/`user/` scopes,
 * granular `?param=` scopes and letter sets out of order are not understood and yield undefined.
 */
export function parseScope(scope: string): GrantedScope | undefined {
  const match = SCOPE_PATTERN.exec(scope);
  if (!match) return undefined;
  const [, resourceType, access] = match;
  const v1 = V1_MAP[access];
  if (v1) return { resourceType, interactions: v1 };
  return isOrderedSubset(access) ? { resourceType, interactions: access } : undefined;
}

function isOrderedSubset(letters: string): boolean {
  let position = -1;
  for (const letter of letters) {
    const next = V2_ORDER.indexOf(letter);
    if (next <= position) return false;
    position = next;
  }
  return letters.length > 0;
}

/** Parses a space-separated scope parameter, dropping what is not understood. */
export function parseScopes(scope: string | undefined): GrantedScope[] {
  return (scope ?? '')
    .split(/\s+/)
    .filter(Boolean)
    .map(parseScope)
    .filter((s): s is GrantedScope => s !== undefined);
}

export function formatScope(scope: GrantedScope): string {
  return `system/${scope.resourceType}.${scope.interactions}`;
}

/** Letters of `a` that are also in `b`, in SMART order. */
function commonLetters(a: string, b: string): string {
  return [...V2_ORDER].filter((l) => a.includes(l) && b.includes(l)).join('');
}

/**
 * Granted = requested ∩ allowed, letter by letter and type by type. A wildcard on one side narrows to the
 * concrete type on the other, so `system/*.rs` requested against `system/CarePlan.cruds` allowed grants
 * `system/CarePlan.rs`.
 */
export function grantScopes(requested: GrantedScope[], allowed: GrantedScope[]): GrantedScope[] {
  const byType = new Map<string, string>();
  for (const want of requested) {
    for (const may of allowed) {
      if (want.resourceType !== '*' && may.resourceType !== '*' && want.resourceType !== may.resourceType)
        continue;
      const type = want.resourceType === '*' ? may.resourceType : want.resourceType;
      const letters = commonLetters(want.interactions, may.interactions);
      if (letters) byType.set(type, commonLetters(V2_ORDER, (byType.get(type) ?? '') + letters));
    }
  }
  return [...byType].map(([resourceType, interactions]) => ({ resourceType, interactions }));
}

export function hasScope(
  scopes: readonly GrantedScope[],
  resourceType: string,
  interaction: Interaction,
): boolean {
  return scopes.some(
    (s) =>
      (s.resourceType === '*' || s.resourceType === resourceType) && s.interactions.includes(interaction),
  );
}

const INTERACTION_NAMES: Record<Interaction, string> = {
  c: 'create',
  r: 'read',
  u: 'update',
  d: 'delete',
  s: 'search',
};

/** Throws 403 (OperationOutcome code forbidden) when no granted scope covers the interaction. */
export function checkScope(caller: Caller, resourceType: string, interaction: Interaction): void {
  if (hasScope(caller.scopes, resourceType, interaction)) return;
  throw new FhirError(403, [
    issue(
      'forbidden',
      `The access token has no scope for ${INTERACTION_NAMES[interaction]} on ${resourceType} ` +
        `(needs system/${resourceType}.${interaction} or a wider scope)`,
    ),
  ]);
}
