export type JsonPath = ReadonlyArray<string | number>;

/** Every path in a JSON value (object keys and array indexes), the root excluded, parents before children. */
export function jsonPaths(value: unknown, prefix: JsonPath = []): JsonPath[] {
  if (value === null || typeof value !== 'object') return [];
  const children: Array<[string | number, unknown]> = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : Object.entries(value as object);
  return children.flatMap(([key, child]) => {
    const path = [...prefix, key];
    return [path, ...jsonPaths(child, path)];
  });
}

/** FHIRPath-ish text of a path, for reproductions: `Patient.name[0].given[1]`. */
export function pathText(root: string, path: JsonPath): string {
  return path.reduce<string>((acc, k) => (typeof k === 'number' ? `${acc}[${k}]` : `${acc}.${k}`), root);
}

export type Mutation =
  | { kind: 'replace'; value: unknown }
  | { kind: 'append'; value: unknown }
  | { kind: 'sibling'; value: unknown }
  | { kind: 'delete' };

/** A copy of `root` with the mutation applied at `path` (the original is left alone). */
export function mutate<T>(root: T, path: JsonPath, mutation: Mutation): T {
  const copy = structuredClone(root) as Record<string | number, unknown>;
  const parent = path
    .slice(0, -1)
    .reduce<Record<string | number, unknown>>(
      (node, key) => node[key] as Record<string | number, unknown>,
      copy,
    );
  const key = path[path.length - 1];
  switch (mutation.kind) {
    case 'replace':
      parent[key] = mutation.value;
      break;
    case 'append': {
      const target = parent[key];
      parent[key] = Array.isArray(target)
        ? [...(target as unknown[]), mutation.value]
        : [target, mutation.value];
      break;
    }
    case 'sibling':
      // A primitive's extension sibling (`_birthDate`) of the wrong kind; inside arrays it is the array's sibling.
      if (typeof key === 'string') parent[`_${key}`] = mutation.value;
      else parent[key] = mutation.value;
      break;
    case 'delete':
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key];
      break;
  }
  return copy as T;
}

export function describeMutation(
  root: string,
  path: JsonPath,
  mutation: Mutation,
  show: (v: unknown) => string,
): string {
  const at = pathText(root, path);
  switch (mutation.kind) {
    case 'replace':
      return `${at} := ${show(mutation.value)}`;
    case 'append':
      return `${at} += ${show(mutation.value)}`;
    case 'sibling':
      return `${at} sibling _ := ${show(mutation.value)}`;
    case 'delete':
      return `delete ${at}`;
  }
}
