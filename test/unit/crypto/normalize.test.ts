import { describe, expect, it } from 'vitest';
import { normalizeForSearch, searchLength, searchPrefix } from '../../../shared/crypto/normalize.ts';

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

describe('searchPrefix', () => {
  it.each([
    ['muller', 'mul'],
    ['mul', 'mul'],
    ['de vries', 'de '],
    ['strasse', 'str'],
    ['𝒜𝒷𝒸𝒹', '𝒜𝒷𝒸'],
  ])('takes the first three characters of %j', (value, expected) => {
    expect(searchPrefix(value)).toBe(expected);
  });

  it('has none for a value shorter than three characters', () => {
    expect(searchPrefix('li')).toBeUndefined();
    expect(searchPrefix('')).toBeUndefined();
    expect(searchPrefix('𝒜𝒷')).toBeUndefined();
  });

  it('counts characters, not UTF-16 units', () => {
    expect(searchLength('𝒜𝒷')).toBe(2);
    expect(searchLength(normalizeForSearch('Mu\u0308'))).toBe(2);
  });

  it('sees ü as u: its prefix is that of the unaccented spelling, not of the ue transliteration', () => {
    expect(searchPrefix(normalizeForSearch('Müller'))).toBe('mul');
    expect(searchPrefix(normalizeForSearch('Mueller'))).toBe('mue');
  });
});
