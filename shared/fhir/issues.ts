/**
 * Turns zod issues into FHIRPath-like locations and short messages for OperationOutcome.issue.
 * Messages say what was expected, never what was received: the received value may be PHI.
 */
import type * as z from 'zod/mini';

export interface FhirIssue {
  location: string;
  message: string;
}

/** `['name', 0, 'family']` -> `Patient.name[0].family`. */
export function fhirPath(resourceType: string, path: readonly PropertyKey[]): string {
  let location = resourceType;
  for (const segment of path) {
    if (typeof segment === 'number') location += `[${segment}]`;
    else if (typeof segment === 'symbol') location += `.${segment.description ?? ''}`;
    else location += `.${segment}`;
  }
  return location;
}

const TYPE_NAMES: Record<string, string> = {
  array: 'an array',
  object: 'an object',
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
};

function sizeWord(origin: string | undefined, count: number): string {
  if (origin === 'array' || origin === 'set') return count === 1 ? 'item' : 'items';
  return count === 1 ? 'character' : 'characters';
}

/** Messages our schemas set (primitives.ts `expecting`, checks); zod/mini's own default is 'Invalid input'. */
function isOurs(message: string): boolean {
  return message === 'is required' || message.startsWith('must ');
}

function messageOf(issue: z.core.$ZodIssue): string {
  if (isOurs(issue.message)) return issue.message;
  switch (issue.code) {
    case 'invalid_type':
      return `must be ${TYPE_NAMES[issue.expected] ?? issue.expected}`;
    case 'invalid_value':
      return issue.values.length === 1
        ? `must be ${String(issue.values[0])}`
        : `must be one of: ${issue.values.map(String).join(', ')}`;
    case 'invalid_union':
      return 'does not match any allowed form';
    case 'too_big':
      return `must be at most ${String(issue.maximum)} ${sizeWord(issue.origin, Number(issue.maximum))}`;
    case 'too_small':
      return `must be at least ${String(issue.minimum)} ${sizeWord(issue.origin, Number(issue.minimum))}`;
    case 'invalid_format':
    case 'custom':
      return 'has an invalid format';
    default:
      return 'is not valid';
  }
}

/** One entry per problem; an unknown key is located at the key itself. */
export function describeIssues(resourceType: string, error: z.core.$ZodError): FhirIssue[] {
  return error.issues.flatMap((issue): FhirIssue[] => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        location: fhirPath(resourceType, [...issue.path, key]),
        message: 'is not a known element',
      }));
    }
    return [{ location: fhirPath(resourceType, issue.path), message: messageOf(issue) }];
  });
}
