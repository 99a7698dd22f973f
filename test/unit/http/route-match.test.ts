import { describe, expect, it } from 'vitest';
import { HttpError } from '../../../shared/base/errors.ts';
import { assertPercentEncoding, compileRoutes, pathParametersOf } from '../../../shared/http/route-match.ts';

const readPatient = compileRoutes().find((route) => route.id === 'readPatient');

const statusOf = (run: () => unknown): number | undefined => {
  try {
    run();
  } catch (error) {
    return error instanceof HttpError ? error.status : -1;
  }
  return undefined;
};

describe('percent-escapes in URLs', () => {
  it('decodes well-formed escapes in path parameters', () => {
    if (!readPatient) throw new Error('no readPatient route');
    expect(pathParametersOf(readPatient, '/Patient/a%2Db')).toEqual({ id: 'a-b' });
  });

  it('answers 400 for a malformed escape or one that is not UTF-8, never a thrown URIError', () => {
    if (!readPatient) throw new Error('no readPatient route');
    for (const path of ['/Patient/%zz', '/Patient/%', '/Patient/a%2', '/Patient/%ff']) {
      expect(
        statusOf(() => pathParametersOf(readPatient, path)),
        path,
      ).toBe(400);
    }
  });

  it('refuses a malformed escape anywhere in a URL and accepts well-formed ones', () => {
    expect(statusOf(() => assertPercentEncoding('/Patient?family=%zz', 'url'))).toBe(400);
    expect(statusOf(() => assertPercentEncoding('/Patient?family=a%', 'url'))).toBe(400);
    expect(statusOf(() => assertPercentEncoding('/Patient?family=M%C3%BCller&x=%2B', 'url'))).toBeUndefined();
  });
});
