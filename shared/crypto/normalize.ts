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
