/**
 * FHIR R4 general-purpose datatypes (https://hl7.org/fhir/R4/datatypes.html) as strict zod/mini
 * schemas: unknown keys are refused, arrays are capped, every element takes `id` and `extension`,
 * and primitive elements take their `_element` companion (id and extensions of a primitive value).
 */
import * as z from 'zod/mini';
import * as fhir from './primitives.ts';
import { expecting } from './primitives.ts';

export const MAX_ITEMS = 100;
export const MAX_EXTENSIONS = 50;
/** Nesting of JSON inside one extension; real extensions stay far below, hostile input does not. */
const MAX_EXTENSION_DEPTH = 16;

/** Whether a JSON value stays within a nesting depth and a node count, without recursion. */
export function isBoundedJson(value: unknown, maxDepth: number, maxNodes: number): boolean {
  const pending: { node: unknown; depth: number }[] = [{ node: value, depth: 0 }];
  let nodes = 0;
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    nodes += 1;
    if (nodes > maxNodes || next.depth > maxDepth) return false;
    const { node, depth } = next;
    if (typeof node === 'object' && node !== null) {
      for (const child of Array.isArray(node) ? node : Object.values(node)) {
        pending.push({ node: child, depth: depth + 1 });
      }
    }
  }
  return true;
}

/** Every complex element and list says 'is required' when missing and what it expects otherwise. */
export const list = <T extends z.core.SomeType>(item: T, max = MAX_ITEMS) =>
  z.array(item, expecting('an array')).check(z.maxLength(max, `must have at most ${max} items`));

export const fhirObject = <T extends z.core.$ZodLooseShape>(shape: T) =>
  z.strictObject(shape, expecting('an object'));

export const codes = <const T extends readonly string[]>(values: T) =>
  z.enum(values, expecting(`one of: ${values.join(', ')}`));

/**
 * Extension and the datatypes are mutually recursive (an extension holds a Coding, a Coding holds
 * extensions). The interface gives TypeScript a fixed point; the schema below is checked against it.
 */
export interface Extension {
  id?: string | undefined;
  extension?: Extension[] | undefined;
  url: string;
  valueBase64Binary?: string | undefined;
  valueBoolean?: boolean | undefined;
  valueCanonical?: string | undefined;
  valueCode?: string | undefined;
  valueDate?: string | undefined;
  valueDateTime?: string | undefined;
  valueDecimal?: number | undefined;
  valueId?: string | undefined;
  valueInstant?: string | undefined;
  valueInteger?: number | undefined;
  valueMarkdown?: string | undefined;
  valueOid?: string | undefined;
  valuePositiveInt?: number | undefined;
  valueString?: string | undefined;
  valueTime?: string | undefined;
  valueUnsignedInt?: number | undefined;
  valueUri?: string | undefined;
  valueUrl?: string | undefined;
  valueUuid?: string | undefined;
  valueAddress?: Address | undefined;
  valueAge?: Quantity | undefined;
  valueAnnotation?: Annotation | undefined;
  valueAttachment?: Attachment | undefined;
  valueCodeableConcept?: CodeableConcept | undefined;
  valueCoding?: Coding | undefined;
  valueContactPoint?: ContactPoint | undefined;
  valueCount?: Quantity | undefined;
  valueDistance?: Quantity | undefined;
  valueDuration?: Quantity | undefined;
  valueHumanName?: HumanName | undefined;
  valueIdentifier?: Identifier | undefined;
  valuePeriod?: Period | undefined;
  valueQuantity?: Quantity | undefined;
  valueReference?: Reference | undefined;
}

const boundedExtension = z
  .unknown()
  .check(z.refine((value) => isBoundedJson(value, MAX_EXTENSION_DEPTH, 10_000), 'must not nest more deeply'));

export const Extension: z.ZodMiniType<Extension> = z.lazy(() => z.pipe(boundedExtension, ExtensionObject));

export const extensions = z.optional(list(Extension, MAX_EXTENSIONS));

/** `_birthDate` and friends: the id and extensions of a primitive value. */
export const PrimitiveElement = fhirObject({
  id: z.optional(fhir.string),
  extension: extensions,
});
export type PrimitiveElement = z.infer<typeof PrimitiveElement>;

const element = z.optional(PrimitiveElement);
/** For repeating primitives (`given`, `line`): FHIR JSON pads the companion array with nulls. */
const elements = z.optional(list(z.nullable(PrimitiveElement)));

export const Period = fhirObject({
  id: z.optional(fhir.string),
  extension: extensions,
  start: z.optional(fhir.dateTime),
  _start: element,
  end: z.optional(fhir.dateTime),
  _end: element,
});
export type Period = z.infer<typeof Period>;

export const Coding = fhirObject({
  id: z.optional(fhir.string),
  extension: extensions,
  system: z.optional(fhir.uri),
  _system: element,
  version: z.optional(fhir.string),
  _version: element,
  code: z.optional(fhir.code),
  _code: element,
  display: z.optional(fhir.string),
  _display: element,
  userSelected: z.optional(fhir.boolean),
  _userSelected: element,
});
export type Coding = z.infer<typeof Coding>;

export const CodeableConcept = fhirObject({
  id: z.optional(fhir.string),
  extension: extensions,
  coding: z.optional(list(Coding)),
  text: z.optional(fhir.string),
  _text: element,
});
export type CodeableConcept = z.infer<typeof CodeableConcept>;

const identifierUse = codes(['usual', 'official', 'temp', 'secondary', 'old']);

const identifierFields = {
  id: z.optional(fhir.string),
  extension: extensions,
  use: z.optional(identifierUse),
  _use: element,
  type: z.optional(CodeableConcept),
  system: z.optional(fhir.uri),
  _system: element,
  value: z.optional(fhir.string),
  _value: element,
  period: z.optional(Period),
};

const referenceFields = {
  id: z.optional(fhir.string),
  extension: extensions,
  reference: z.optional(fhir.string),
  _reference: element,
  type: z.optional(fhir.uri),
  _type: element,
  display: z.optional(fhir.string),
  _display: element,
};

/**
 * Identifier.assigner is a Reference and Reference.identifier an Identifier. The cycle is cut two
 * levels down (an assigner's identifier has no assigner): deeper chains carry no meaning for records.
 */
const AssignerReference = fhirObject({
  ...referenceFields,
  identifier: z.optional(fhirObject(identifierFields)),
});

export const Identifier = fhirObject({
  ...identifierFields,
  assigner: z.optional(AssignerReference),
});
export type Identifier = z.infer<typeof Identifier>;

export const Reference = fhirObject({
  ...referenceFields,
  identifier: z.optional(Identifier),
});
export type Reference = z.infer<typeof Reference>;

export const Meta = fhirObject({
  id: z.optional(fhir.string),
  extension: extensions,
  versionId: z.optional(fhir.id),
  _versionId: element,
  lastUpdated: z.optional(fhir.instant),
  _lastUpdated: element,
  source: z.optional(fhir.uri),
  _source: element,
  profile: z.optional(list(fhir.canonical)),
  _profile: elements,
  security: z.optional(list(Coding)),
  tag: z.optional(list(Coding)),
});
export type Meta = z.infer<typeof Meta>;

export const Narrative = fhirObject({
  id: z.optional(fhir.string),
  extension: extensions,
  status: codes(['generated', 'extensions', 'additional', 'empty']),
  _status: element,
  div: fhir.xhtml,
});
export type Narrative = z.infer<typeof Narrative>;

export const HumanName = fhirObject({
  id: z.optional(fhir.string),
  extension: extensions,
  use: z.optional(codes(['usual', 'official', 'temp', 'nickname', 'anonymous', 'old', 'maiden'])),
  _use: element,
  text: z.optional(fhir.string),
  _text: element,
  family: z.optional(fhir.string),
  _family: element,
  given: z.optional(list(fhir.string)),
  _given: elements,
  prefix: z.optional(list(fhir.string)),
  _prefix: elements,
  suffix: z.optional(list(fhir.string)),
  _suffix: elements,
  period: z.optional(Period),
});
export type HumanName = z.infer<typeof HumanName>;

/** Every part of a name that a person may be found by (FHIR `name` search): text, family, given, prefix, suffix. */
export const humanNameParts = (name: HumanName): string[] =>
  [name.text, name.family, ...(name.given ?? []), ...(name.prefix ?? []), ...(name.suffix ?? [])].filter(
    (part): part is string => part !== undefined,
  );

export const Address = fhirObject({
  id: z.optional(fhir.string),
  extension: extensions,
  use: z.optional(codes(['home', 'work', 'temp', 'old', 'billing'])),
  _use: element,
  type: z.optional(codes(['postal', 'physical', 'both'])),
  _type: element,
  text: z.optional(fhir.string),
  _text: element,
  line: z.optional(list(fhir.string)),
  _line: elements,
  city: z.optional(fhir.string),
  _city: element,
  district: z.optional(fhir.string),
  _district: element,
  state: z.optional(fhir.string),
  _state: element,
  postalCode: z.optional(fhir.string),
  _postalCode: element,
  country: z.optional(fhir.string),
  _country: element,
  period: z.optional(Period),
});
export type Address = z.infer<typeof Address>;

export const ContactPoint = fhirObject({
  id: z.optional(fhir.string),
  extension: extensions,
  system: z.optional(codes(['phone', 'fax', 'email', 'pager', 'url', 'sms', 'other'])),
  _system: element,
  value: z.optional(fhir.string),
  _value: element,
  use: z.optional(codes(['home', 'work', 'temp', 'old', 'mobile'])),
  _use: element,
  rank: z.optional(fhir.positiveInt),
  _rank: element,
  period: z.optional(Period),
});
export type ContactPoint = z.infer<typeof ContactPoint>;

export const Attachment = fhirObject({
  id: z.optional(fhir.string),
  extension: extensions,
  contentType: z.optional(fhir.code),
  _contentType: element,
  language: z.optional(fhir.code),
  _language: element,
  data: z.optional(fhir.base64Binary),
  _data: element,
  url: z.optional(fhir.url),
  _url: element,
  size: z.optional(fhir.unsignedInt),
  _size: element,
  hash: z.optional(fhir.base64Binary),
  _hash: element,
  title: z.optional(fhir.string),
  _title: element,
  creation: z.optional(fhir.dateTime),
  _creation: element,
});
export type Attachment = z.infer<typeof Attachment>;

export const Quantity = fhirObject({
  id: z.optional(fhir.string),
  extension: extensions,
  value: z.optional(fhir.decimal),
  _value: element,
  comparator: z.optional(codes(['<', '<=', '>=', '>'])),
  _comparator: element,
  unit: z.optional(fhir.string),
  _unit: element,
  system: z.optional(fhir.uri),
  _system: element,
  code: z.optional(fhir.code),
  _code: element,
});
export type Quantity = z.infer<typeof Quantity>;

export const Annotation = z
  .strictObject({
    id: z.optional(fhir.string),
    extension: extensions,
    authorReference: z.optional(Reference),
    authorString: z.optional(fhir.string),
    _authorString: element,
    time: z.optional(fhir.dateTime),
    _time: element,
    text: fhir.markdown,
    _text: element,
  })
  .check(
    z.refine((annotation) => !(annotation.authorReference && annotation.authorString), {
      message: 'must have at most one of authorReference and authorString',
      path: ['authorString'],
    }),
  );
export type Annotation = z.infer<typeof Annotation>;

const ExtensionObject = z
  .strictObject({
    id: z.optional(fhir.string),
    extension: extensions,
    url: fhir.uri,
    valueBase64Binary: z.optional(fhir.base64Binary),
    valueBoolean: z.optional(fhir.boolean),
    valueCanonical: z.optional(fhir.canonical),
    valueCode: z.optional(fhir.code),
    valueDate: z.optional(fhir.date),
    valueDateTime: z.optional(fhir.dateTime),
    valueDecimal: z.optional(fhir.decimal),
    valueId: z.optional(fhir.id),
    valueInstant: z.optional(fhir.instant),
    valueInteger: z.optional(fhir.integer),
    valueMarkdown: z.optional(fhir.markdown),
    valueOid: z.optional(fhir.uri),
    valuePositiveInt: z.optional(fhir.positiveInt),
    valueString: z.optional(fhir.string),
    valueTime: z.optional(fhir.time),
    valueUnsignedInt: z.optional(fhir.unsignedInt),
    valueUri: z.optional(fhir.uri),
    valueUrl: z.optional(fhir.url),
    valueUuid: z.optional(fhir.uri),
    valueAddress: z.optional(Address),
    valueAge: z.optional(Quantity),
    valueAnnotation: z.optional(Annotation),
    valueAttachment: z.optional(Attachment),
    valueCodeableConcept: z.optional(CodeableConcept),
    valueCoding: z.optional(Coding),
    valueContactPoint: z.optional(ContactPoint),
    valueCount: z.optional(Quantity),
    valueDistance: z.optional(Quantity),
    valueDuration: z.optional(Quantity),
    valueHumanName: z.optional(HumanName),
    valueIdentifier: z.optional(Identifier),
    valuePeriod: z.optional(Period),
    valueQuantity: z.optional(Quantity),
    valueReference: z.optional(Reference),
  })
  .check(
    z.refine((extension) => Object.keys(extension).filter((key) => key.startsWith('value')).length <= 1, {
      message: 'must have at most one value[x]',
      path: ['value'],
    }),
  );

/**
 * A contained resource is checked loosely (its own schema may not exist here) but bounded: a
 * resourceType, an optional id, and a size and depth that a real contained resource never exceeds.
 */
export const ContainedResource = z
  .looseObject({
    resourceType: z
      .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a resource type') })
      .check(z.regex(/^[A-Z][A-Za-z]{1,63}$/, 'must be a resource type')),
    id: z.optional(fhir.id),
    // dom-1: the container's narrative covers it; an unchecked narrative must not ride in here.
    text: z.optional(z.never({ error: 'must not have a narrative in a contained resource (dom-1)' })),
  })
  .check(z.refine((resource) => isBoundedJson(resource, 32, 10_000), 'must be smaller and nest less deeply'));
export type ContainedResource = z.infer<typeof ContainedResource>;

/** The elements every DomainResource has (https://hl7.org/fhir/R4/domainresource.html). */
export const domainResourceFields = {
  id: z.optional(fhir.id),
  meta: z.optional(Meta),
  implicitRules: z.optional(fhir.uri),
  _implicitRules: element,
  language: z.optional(fhir.code),
  _language: element,
  text: z.optional(Narrative),
  contained: z.optional(list(ContainedResource)),
  extension: extensions,
  modifierExtension: extensions,
};

/** The elements every BackboneElement (a resource's nested component) has. */
export const backboneElementFields = {
  id: z.optional(fhir.string),
  extension: extensions,
  modifierExtension: extensions,
};

export { element as primitiveElement, elements as primitiveElements };
