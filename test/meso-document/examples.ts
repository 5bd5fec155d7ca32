import fs from 'node:fs';
import path from 'node:path';

export const EXAMPLE_NAMES = ['eenvoudig', 'escalatie-wilsverklaring', 'elv-episode'] as const;

/** A fresh copy of an example document from examples/meso, free to mutate. */
export function example(name: (typeof EXAMPLE_NAMES)[number]): Record<string, unknown> {
  const file = path.resolve(__dirname, '../../examples/meso', `${name}.json`);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
}
