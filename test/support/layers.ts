import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * The layers of `shared/`, lowest first: a module may import its own folder and any lower
 * layer, never a higher one, and never a handler (`functions/`), the CDK app or the local
 * gateway (`infra/`), a CLI (`bin/`) or a test. Handlers may import `shared/`, their own
 * folder and other routes' `contracts.ts` (the OpenAPI document is built from them).
 * Files directly in `shared/` (config, tables, routes) are the bottom layer.
 */
export const LAYERS: readonly (readonly string[])[] = [
  ['shared', 'shared/base', 'shared/resources'],
  ['shared/fhir', 'shared/fhir/r4'],
  ['shared/schedule'],
  ['shared/crypto'],
  ['shared/auth'],
  ['shared/audit'],
  ['shared/store', 'shared/store/hooks'],
  ['shared/http', 'shared/http/middleware'],
];

export interface Violation {
  file: string;
  imports: string;
  why: string;
}

const IMPORT =
  /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

/** The relative specifiers a module imports (static, re-exports and dynamic), comments aside. */
export function relativeImports(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
  return [...code.matchAll(IMPORT)].map((match) => match[1] ?? match[2] ?? '');
}

function layerOf(folder: string): number | undefined {
  const index = LAYERS.findIndex((layer) => layer.includes(folder));
  return index < 0 ? undefined : index;
}

/** What is wrong with one import of `file` (both relative to the repository root), if anything. */
export function violationOf(file: string, target: string): string | undefined {
  const top = (path: string) => path.split('/')[0] ?? '';
  if (top(file) === 'shared') {
    if (top(target) !== 'shared') return `shared code imports ${top(target)}/`;
    const from = layerOf(dirname(file));
    const to = layerOf(dirname(target));
    if (from === undefined) return `${dirname(file)} is in no layer (add it to LAYERS)`;
    if (to === undefined) return `${dirname(target)} is in no layer (add it to LAYERS)`;
    if (to > from && dirname(target) !== dirname(file)) {
      return `${dirname(file)} (layer ${from}) imports ${dirname(target)} (layer ${to}), a higher layer`;
    }
    return undefined;
  }
  if (top(file) === 'functions') {
    const ownFolder = dirname(target) === dirname(file);
    const contracts = top(target) === 'functions' && target.endsWith('/contracts.ts');
    if (top(target) !== 'shared' && !ownFolder && !contracts) {
      return `a handler imports ${target}: only shared/, its own folder and contracts.ts files`;
    }
  }
  return undefined;
}

/** Every wrong-way import among `files` (path relative to `root` and its source text). */
export function layerViolations(
  root: string,
  files: readonly { path: string; source: string }[],
): Violation[] {
  const violations: Violation[] = [];
  for (const { path, source } of files) {
    for (const specifier of relativeImports(source)) {
      const target = relative(root, resolve(root, dirname(path), specifier));
      const why = violationOf(path, target);
      if (why) violations.push({ file: path, imports: target, why });
    }
  }
  return violations;
}

/** The TypeScript sources under `folders` of `root`. */
export function sourcesOf(root: string, folders: readonly string[]): { path: string; source: string }[] {
  const found: { path: string; source: string }[] = [];
  const walk = (folder: string) => {
    for (const entry of readdirSync(join(root, folder), { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts'))
        found.push({ path, source: readFileSync(join(root, path), 'utf8') });
    }
  };
  for (const folder of folders) walk(folder);
  return found;
}
