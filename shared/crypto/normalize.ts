/**
 * Letters that NFKD leaves whole (they are letters of their own, not a base letter plus a
 * mark), folded to the ASCII spelling people type when they search.
 */
const LETTER_FOLDS: Readonly<Record<string, string>> = {
  ø: 'o',
  ł: 'l',
  đ: 'd',
  ð: 'd',
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  þ: 'th',
  ı: 'i',
  ς: 'σ',
};

const FOLDABLE_LETTER = new RegExp(`[${Object.keys(LETTER_FOLDS).join('')}]`, 'gu');
const COMBINING_MARK = /\p{M}/gu;
const WHITESPACE_RUN = /\s+/gu;

/**
 * Normalizes a value before it is turned into a blind index token, so that a search for
 * 'jose' finds 'JOSÉ ': compatibility decomposition, accents stripped, case folded without
 * the runtime's locale (toLowerCase, not toLocaleLowerCase), whitespace trimmed and collapsed.
 */
export function normalizeForSearch(value: string): string {
  return value
    .normalize('NFKD')
    .replace(COMBINING_MARK, '')
    .toLowerCase()
    .replace(FOLDABLE_LETTER, (letter) => LETTER_FOLDS[letter] ?? letter)
    .replace(WHITESPACE_RUN, ' ')
    .trim();
}

/**
 * Characters of the prefix tokens that serve starts-with search over blind indexes: a token of
 * a value's first characters finds the candidates, the decrypted records decide. Three keeps a
 * token's candidates few enough to filter, and a search shorter than it is refused.
 */
export const PREFIX_LENGTH = 3;

/** Length of a normalized value in characters (code points, not UTF-16 units). */
export const searchLength = (normalizedValue: string): number => Array.from(normalizedValue).length;

/** The first `PREFIX_LENGTH` characters of a normalized value; undefined when it is shorter. */
export function searchPrefix(normalizedValue: string): string | undefined {
  const characters = Array.from(normalizedValue);
  return characters.length < PREFIX_LENGTH ? undefined : characters.slice(0, PREFIX_LENGTH).join('');
}
