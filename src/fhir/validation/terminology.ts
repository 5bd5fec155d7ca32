import type {
  CodeSystem,
  CodeSystemConcept,
  Resource,
  ValueSet,
  ValueSetComposeInclude,
} from '@medplum/fhirtypes';
import { stripVersion } from './sources';

/** Canonical base of the project's own CodeSystems (profiles/meso/CodeSystem-*.json). */
export const OWN_CODE_SYSTEM_BASE = 'https://meso-zorg.nl/fhir/CodeSystem/';

/** `unknown`: the value set cannot be decided locally (filter, external or incomplete code system). */
export type Membership =
  { result: 'member' } | { result: 'not-member' } | { result: 'unknown'; reason: string };

/** What a value set contains, as far as it can be computed from local resources. */
interface Expansion {
  codes: Map<string, Set<string>>;
  /** Systems included in a way we cannot enumerate, with the reason. */
  open: Map<string, string>;
  /** A reason the whole set is undecidable (e.g. an included value set that is not available). */
  undecidable?: string;
}

/**
 * Local terminology: extensional value sets, whole-code-system includes of complete local code systems, and
 * is-a / descendent-of filters on local hierarchies. Everything else is "unknown", never silently "member".
 */
export class Terminology {
  private readonly valueSets = new Map<string, ValueSet>();
  private readonly codeSystems = new Map<string, CodeSystem>();
  private readonly expansions = new Map<string, Expansion>();
  private readonly byBindingUrl = new Map<string, Expansion>();
  private readonly csCodes = new Map<string, Map<string, CodeSystemConcept>>();

  constructor(resources: Iterable<Resource>) {
    for (const r of resources) {
      // First wins: project/nl-core resources are loaded before the R4 ones.
      if (r.resourceType === 'ValueSet' && r.url && !this.valueSets.has(r.url)) this.valueSets.set(r.url, r);
      if (r.resourceType === 'CodeSystem' && r.url && !this.codeSystems.has(r.url))
        this.codeSystems.set(r.url, r);
    }
  }

  /**
   * The project's own complete CodeSystem `system` claims (canonical base OWN_CODE_SYSTEM_BASE), with its codes;
   * undefined for any other system.
   */
  ownCodeSystem(system: string): { id?: string; codes: ReadonlyMap<string, CodeSystemConcept> } | undefined {
    if (!system.startsWith(OWN_CODE_SYSTEM_BASE)) return undefined;
    const concepts = this.concepts(system);
    if (!concepts.ok) return undefined;
    return { id: this.codeSystems.get(system)?.id, codes: concepts.map };
  }

  hasValueSet(url: string): boolean {
    return this.valueSets.has(stripVersion(url));
  }

  /** Is `code` (in `system`; any system when undefined, for `code`-typed elements) in the value set? */
  validate(valueSetUrl: string, system: string | undefined, code: string): Membership {
    // Keyed by the url as the binding spells it (with any |version), so the hot path skips stripVersion.
    let expansion = this.byBindingUrl.get(valueSetUrl);
    if (!expansion) {
      expansion = this.expand(stripVersion(valueSetUrl));
      if (this.byBindingUrl.size < 10_000) this.byBindingUrl.set(valueSetUrl, expansion);
    }
    if (system === undefined) return this.inAnySystem(expansion, code);
    if (expansion.codes.get(system)?.has(code)) return { result: 'member' };
    const open = expansion.open.get(system) ?? expansion.undecidable;
    return open ? { result: 'unknown', reason: open } : { result: 'not-member' };
  }

  private inAnySystem(expansion: Expansion, code: string): Membership {
    for (const codes of expansion.codes.values()) if (codes.has(code)) return { result: 'member' };
    const open = expansion.undecidable ?? [...expansion.open.values()][0];
    return open ? { result: 'unknown', reason: open } : { result: 'not-member' };
  }

  private expand(url: string, seen = new Set<string>()): Expansion {
    const cached = this.expansions.get(url);
    if (cached) return cached;
    const vs = this.valueSets.get(url);
    const expansion: Expansion = { codes: new Map(), open: new Map() };
    if (!vs) expansion.undecidable = `value set ${url} is not available locally`;
    else if (seen.has(url)) return expansion;
    else this.compose(vs, expansion, new Set([...seen, url]));
    this.expansions.set(url, expansion);
    return expansion;
  }

  private compose(vs: ValueSet, into: Expansion, seen: Set<string>): void {
    const includes = vs.compose?.include ?? [];
    if (!includes.length && vs.expansion?.contains) {
      for (const c of vs.expansion.contains) if (c.system && c.code) add(into, c.system, [c.code]);
      return;
    }
    for (const include of includes) this.include(include, into, seen);
    for (const exclude of vs.compose?.exclude ?? []) {
      if (exclude.system && exclude.concept)
        for (const c of exclude.concept) into.codes.get(exclude.system)?.delete(c.code);
    }
  }

  private include(include: ValueSetComposeInclude, into: Expansion, seen: Set<string>): void {
    for (const ref of include.valueSet ?? []) merge(into, this.expand(stripVersion(ref), seen));
    const system = include.system;
    if (!system) return;
    if (include.concept)
      return add(
        into,
        system,
        include.concept.map((c) => c.code),
      );
    const concepts = this.concepts(system);
    if (!concepts.ok) return void into.open.set(system, concepts.reason);
    if (!include.filter?.length) return add(into, system, [...concepts.map.keys()]);
    const filtered = this.filter(concepts.map, include.filter);
    if (filtered) add(into, system, filtered);
    else into.open.set(system, `value set uses a filter on ${system} that is not evaluated locally`);
  }

  /** is-a / descendent-of / = on a local hierarchical code system; undefined when not supported. */
  private filter(
    concepts: Map<string, CodeSystemConcept>,
    filters: NonNullable<ValueSetComposeInclude['filter']>,
  ): string[] | undefined {
    let result: Set<string> | undefined;
    for (const f of filters) {
      const root = concepts.get(f.value);
      if (f.property !== 'concept' || !root || !['is-a', 'descendent-of', '='].includes(f.op))
        return undefined;
      const codes = f.op === '=' ? [f.value] : descendants(root, f.op === 'is-a');
      result = result ? new Set(codes.filter((c) => result?.has(c))) : new Set(codes);
    }
    return [...(result ?? [])];
  }

  private concepts(
    system: string,
  ): { ok: true; map: Map<string, CodeSystemConcept> } | { ok: false; reason: string } {
    const cs = this.codeSystems.get(system);
    if (!cs) return { ok: false, reason: `code system ${system} is not available locally` };
    if (cs.content && cs.content !== 'complete') {
      return { ok: false, reason: `code system ${system} has content '${cs.content}' locally` };
    }
    let map = this.csCodes.get(system);
    if (!map) {
      map = new Map();
      flatten(cs.concept ?? [], map);
      this.csCodes.set(system, map);
    }
    return { ok: true, map };
  }
}

function add(into: Expansion, system: string, codes: string[]): void {
  const set = into.codes.get(system) ?? new Set<string>();
  for (const c of codes) set.add(c);
  into.codes.set(system, set);
}

function merge(into: Expansion, from: Expansion): void {
  for (const [system, codes] of from.codes) add(into, system, [...codes]);
  for (const [system, reason] of from.open) into.open.set(system, reason);
  if (from.undecidable) into.undecidable ??= from.undecidable;
}

function flatten(concepts: CodeSystemConcept[], map: Map<string, CodeSystemConcept>): void {
  for (const c of concepts) {
    map.set(c.code, c);
    flatten(c.concept ?? [], map);
  }
}

function descendants(root: CodeSystemConcept, includeSelf: boolean): string[] {
  const out = includeSelf ? [root.code] : [];
  for (const child of root.concept ?? []) out.push(...descendants(child, true));
  return out;
}
