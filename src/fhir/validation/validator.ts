import { indexStructureDefinitionBundle, toTypedValue } from '@medplum/core';
import type { Bundle, OperationOutcomeIssue, Resource, StructureDefinition } from '@medplum/fhirtypes';
import { issue } from '../../kernel/outcome';
import { ConformanceStore } from './conformance-store';
import type { ValidationContext } from './context';
import { declaredProfiles } from './declared-profiles';
import { JsonSchemaPass } from './json-schema-pass';
import { ProfileValidator } from './profile-validator';
import { r4BundleReader } from './sources';

export interface ValidationOptions {
  /** Validate against this profile instead of meta.profile. */
  profile?: string;
  /** Resources that references (and resolve() in discriminators) may point to. */
  bundle?: Bundle;
  /** Fallback look-up for references not in `bundle`. */
  resolveReference?: (ref: string) => Resource | undefined;
}

/**
 * The service's own FHIR R4 validator: pass 1 is the R4 JSON Schema, pass 2 the profiles (meta.profile, or
 * the base definition when no profile applies). Each profile is compiled once and reused.
 */
export class ResourceValidator {
  private constructor(
    private readonly store: ConformanceStore,
    private readonly schema: JsonSchemaPass,
    private readonly profiles: ProfileValidator,
  ) {}

  static async load(): Promise<ResourceValidator> {
    // medplum's FHIRPath engine needs the R4 type schema for choice types and ofType().
    const r4 = r4BundleReader();
    indexStructureDefinitionBundle(
      r4('profiles-types.json').concat(r4('profiles-resources.json')) as StructureDefinition[],
    );
    const store = await ConformanceStore.load(r4);
    const schema = new JsonSchemaPass();
    const profiles = new ProfileValidator(store, (resource, path, ctx) => {
      ctx.issues.push(...schema.validate(resource, path));
    });
    return new ResourceValidator(store, schema, profiles);
  }

  validate(resource: Resource, opts: ValidationOptions = {}): OperationOutcomeIssue[] {
    // Everything below names paths after the resource type: anything but a type name is refused first.
    const type: unknown = (resource as { resourceType?: unknown } | null)?.resourceType;
    if (typeof type !== 'string' || !/^[A-Z][A-Za-z]{1,63}$/.test(type))
      return [
        {
          severity: 'error',
          code: 'structure',
          diagnostics: 'resourceType must be the name of a FHIR resource type, e.g. "Patient"',
          expression: ['resourceType'],
        },
      ];
    const path = resource.resourceType;
    const structural = this.schema.validate(resource, path);
    if (structural.some((i) => i.code === 'not-supported')) return structural;
    const issues: OperationOutcomeIssue[] = [];
    const ctx: ValidationContext = {
      resource,
      resourceTyped: toTypedValue(resource),
      rootResource: resource,
      bundle: opts.bundle ?? (resource.resourceType === 'Bundle' ? resource : undefined),
      resolveReference: opts.resolveReference,
      issues,
      conformance: new WeakMap(),
      active: new Set(),
    };
    for (const url of this.profileUrls(resource, opts, issues)) {
      const profile = this.store.profile(url);
      if (profile) this.profiles.validateResource(resource, profile, path, ctx);
    }
    // Pass 2 often restates a schema finding (a missing 1..1 element, an enum code); keep the schema's.
    const seen = new Set(structural.map((i) => `${i.code}|${i.expression?.join()}`));
    return dedupe([...structural, ...issues.filter((i) => !seen.has(`${i.code}|${i.expression?.join()}`))]);
  }

  /** Profiles this validator knows for a resource type (nl-core and meso), for the CapabilityStatement. */
  /** Whether a StructureDefinition with this canonical is loaded (nl-core, meso or base R4). */
  knowsProfile(url: string): boolean {
    return this.store.profile(url) !== undefined;
  }

  profilesFor(type: string): string[] {
    return this.store.localProfiles.filter((url) => {
      const sd = this.store.definition(url);
      return sd?.type === type && sd.kind === 'resource' && sd.derivation === 'constraint';
    });
  }

  /** The declared profiles that are known; the base definition when none are. Unknown ones are reported. */
  private profileUrls(
    resource: Resource,
    opts: ValidationOptions,
    issues: OperationOutcomeIssue[],
  ): string[] {
    // A malformed meta.profile (not a list, not strings) is the schema's finding; only strings are looked up.
    const declared = typeof opts.profile === 'string' ? [opts.profile] : declaredProfiles(resource);
    const known = declared.filter((url) => this.store.profile(url));
    for (const url of declared.filter((u) => !known.includes(u))) {
      const severity = opts.profile ? 'error' : 'warning';
      issues.push(
        issue(
          'not-supported',
          `Profile ${url} is unknown; not validated against it`,
          `${resource.resourceType}.meta.profile`,
          severity,
        ),
      );
    }
    return known.length ? known : [`http://hl7.org/fhir/StructureDefinition/${resource.resourceType}`];
  }
}

/** The same finding reached through two routes (schema and profile, two profiles) is reported once. */
function dedupe(issues: OperationOutcomeIssue[]): OperationOutcomeIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.severity}|${i.code}|${i.expression?.join()}|${i.diagnostics}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
