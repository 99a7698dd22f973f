import { describe, expect, it } from 'vitest';
import { normalizeForSearch } from '../../../shared/crypto/normalize.ts';

describe('normalizeForSearch', () => {
  it.each([
    ['Ängström  ', 'angstrom'],
    ['JOSÉ', 'jose'],
    ['Ørsted', 'orsted'],
    ['Łukasz Đorđević', 'lukasz dordevic'],
    ['STRAẞE', 'strasse'],
    ['Æsir Œuvre Þórr', 'aesir oeuvre thorr'],
    ['  Mary \t Ann\n  Smith ', 'mary ann smith'],
    ['ﬁona', 'fiona'],
    ['Ｊｏｓé', 'jose'],
    ['İSTANBUL', 'istanbul'],
  ])('folds %j to %j', (value, expected) => {
    expect(normalizeForSearch(value)).toBe(expected);
  });

  it('gives the same result for composed and decomposed spellings of a name', () => {
    expect(normalizeForSearch('Jos\u00e9')).toBe(normalizeForSearch('Jose\u0301'));
  });

  it('is idempotent', () => {
    const once = normalizeForSearch('  Ångström Ørsted  STRAẞE ');
    expect(normalizeForSearch(once)).toBe(once);
  });
});
