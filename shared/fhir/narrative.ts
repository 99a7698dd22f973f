import { Parser } from 'saxen';

/**
 * FHIR narrative rules (https://hl7.org/fhir/R4/narrative.html, txt-1 and txt-2) for
 * `text.div`, checked with a real XML parser against an allow-list. The clinician portal
 * renders the div as HTML, so the rules also close the gaps where a browser's HTML parser
 * would read the markup differently from an XML parser: no comments, CDATA sections,
 * processing instructions or doctypes, no self-closed non-void elements, no entities but
 * XML's own, no namespaced names.
 *
 * Every refusal is one of the fixed sentences below: a message never repeats the markup,
 * which is patient content.
 */

export const XHTML_NAMESPACE = 'http://www.w3.org/1999/xhtml';

/** HTML 4 formatting elements FHIR allows (the FHIR validator's list). */
const ELEMENTS = new Set([
  'a',
  'abbr',
  'acronym',
  'address',
  'area',
  'b',
  'bdo',
  'big',
  'blockquote',
  'br',
  'caption',
  'cite',
  'code',
  'col',
  'colgroup',
  'dd',
  'dfn',
  'div',
  'dl',
  'dt',
  'em',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'hr',
  'i',
  'img',
  'kbd',
  'li',
  'map',
  'ol',
  'p',
  'pre',
  'q',
  'samp',
  'small',
  'span',
  'strong',
  'sub',
  'sup',
  'table',
  'tbody',
  'td',
  'tfoot',
  'th',
  'thead',
  'tr',
  'tt',
  'ul',
  'var',
]);

/** Elements without content: the only ones that may be written self-closed (`<br/>`). */
const VOID_ELEMENTS = new Set(['area', 'br', 'col', 'hr', 'img']);

const GLOBAL_ATTRIBUTES = new Set([
  'id',
  'class',
  'style',
  'title',
  'lang',
  'xml:lang',
  'dir',
  'accesskey',
  'tabindex',
]);

const TABLE_ATTRIBUTES = [
  'abbr',
  'align',
  'axis',
  'border',
  'cellpadding',
  'cellspacing',
  'char',
  'charoff',
  'colspan',
  'headers',
  'rowspan',
  'scope',
  'span',
  'summary',
  'valign',
  'width',
];

const ELEMENT_ATTRIBUTES: Readonly<Record<string, ReadonlySet<string>>> = {
  a: new Set(['href', 'name', 'rel', 'hreflang', 'type']),
  area: new Set(['href', 'alt', 'shape', 'coords', 'nohref']),
  blockquote: new Set(['cite']),
  img: new Set(['src', 'alt', 'height', 'width', 'longdesc']),
  li: new Set(['value']),
  map: new Set(['name']),
  ol: new Set(['start', 'type']),
  q: new Set(['cite']),
  ul: new Set(['type']),
  ...Object.fromEntries(
    ['table', 'caption', 'colgroup', 'col', 'thead', 'tbody', 'tfoot', 'tr', 'th', 'td'].map((name) => [
      name,
      new Set(TABLE_ATTRIBUTES),
    ]),
  ),
};

/** Attributes that hold a URL, and the schemes they may use (a relative reference has none). */
const URL_ATTRIBUTES = new Set(['href', 'src', 'cite', 'longdesc']);
const URL_SCHEMES = new Set(['http', 'https', 'mailto', 'tel']);

/** CSS that loads or runs something: styles may format, not fetch. */
const UNSAFE_STYLE = /url\s*\(|expression\s*\(|@import|javascript:|behavior\s*:|-moz-binding|\\/i;

/** `&` starts one of XML's five entities or a character reference, nothing else. */
const REFERENCE = /&(?:(amp|lt|gt|quot|apos)|#([0-9]{1,7})|#x([0-9a-fA-F]{1,6}));/g;
const NAMED: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Characters XML 1.0 allows (production 2). */
const isXmlChar = (code: number): boolean =>
  code === 0x9 ||
  code === 0xa ||
  code === 0xd ||
  (code >= 0x20 && code <= 0xd7ff) ||
  (code >= 0xe000 && code <= 0xfffd) ||
  (code >= 0x10000 && code <= 0x10ffff);

export const NARRATIVE_ERRORS = {
  malformed: 'must be well-formed XHTML',
  root: 'must be a single div element in the XHTML namespace (xmlns="http://www.w3.org/1999/xhtml")',
  element:
    'must use only the elements FHIR narratives allow: no script, form, iframe, object or embed (txt-1)',
  attribute: 'must use only the attributes FHIR narratives allow: no event handlers (txt-1)',
  url: 'must link only to http, https, mailto or tel URLs or relative references (txt-1)',
  style: 'must not load or run content from a style (txt-1)',
  markup: 'must not contain comments, CDATA sections, processing instructions or doctypes',
  reference: 'must use no entities but amp, lt, gt, quot, apos and character references',
  selfClosed: 'must not self-close an element that is not void (write <p></p>, not <p/>)',
  empty: 'must contain some text or an image (txt-2)',
} as const;

class NarrativeViolation extends Error {
  constructor(reason: keyof typeof NARRATIVE_ERRORS) {
    super(NARRATIVE_ERRORS[reason]);
    this.name = 'NarrativeViolation';
  }
}

/** The text with its references resolved, or a violation for any reference XML does not define. */
function decode(raw: string): string {
  const text = raw.replace(REFERENCE, (_, named?: string, decimal?: string, hex?: string) => {
    if (named) return NAMED[named] ?? '';
    const code = decimal ? Number(decimal) : Number.parseInt(hex ?? '', 16);
    if (!isXmlChar(code)) throw new NarrativeViolation('reference');
    return String.fromCodePoint(code);
  });
  // Any `&` left did not start a reference XML defines (`&nbsp;`, `&bogus;`, a bare `&`).
  if (/&/.test(raw.replace(REFERENCE, ''))) throw new NarrativeViolation('reference');
  return text;
}

/**
 * The scheme of a URL as a browser reads it: browsers drop ASCII tabs and newlines anywhere
 * and leading control characters and spaces, so `jav&#9;ascript:` is `javascript:`.
 */
function schemeOf(url: string): string | undefined {
  const stripped = url.replace(/[\t\n\r]/g, '');
  let start = 0;
  while (start < stripped.length && stripped.charCodeAt(start) <= 0x20) start += 1;
  const normalized = stripped.slice(start);
  return /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(normalized)?.[1]?.toLowerCase();
}

function checkAttribute(element: string, name: string, raw: string): void {
  if (raw.includes('<')) throw new NarrativeViolation('malformed');
  const value = decode(raw);
  if (name === 'xmlns') {
    if (value !== XHTML_NAMESPACE) throw new NarrativeViolation('root');
    return;
  }
  if (!GLOBAL_ATTRIBUTES.has(name) && !ELEMENT_ATTRIBUTES[element]?.has(name))
    throw new NarrativeViolation('attribute');
  if (URL_ATTRIBUTES.has(name)) {
    const scheme = schemeOf(value);
    if (scheme !== undefined && !URL_SCHEMES.has(scheme)) throw new NarrativeViolation('url');
  }
  if (name === 'style' && UNSAFE_STYLE.test(value)) throw new NarrativeViolation('style');
}

/** Why a narrative div breaks the rules, or undefined when it follows them. */
export function narrativeViolation(div: string): string | undefined {
  let depth = 0;
  let roots = 0;
  let rootNamespaced = false;
  let content = false;
  const parser = new Parser();
  const fail = (reason: keyof typeof NARRATIVE_ERRORS) => {
    throw new NarrativeViolation(reason);
  };
  parser.on('openTag', (name, attributes, _decode, selfClosing) => {
    const isRoot = depth === 0;
    if (isRoot) {
      roots += 1;
      if (name !== 'div' || roots > 1) fail('root');
    }
    if (!ELEMENTS.has(name)) fail('element');
    if (selfClosing && !VOID_ELEMENTS.has(name)) fail('selfClosed');
    for (const [attribute, value] of Object.entries(attributes())) {
      checkAttribute(name, attribute, value);
      if (isRoot && attribute === 'xmlns') rootNamespaced = true;
    }
    if (name === 'img') content = true;
    if (!selfClosing) depth += 1;
  });
  parser.on('closeTag', (_name, _decode, selfClosing) => {
    if (!selfClosing) depth -= 1;
  });
  parser.on('text', (raw) => {
    if (depth === 0) {
      if (raw.trim() !== '') fail('root');
      return;
    }
    if (decode(raw).trim() !== '') content = true;
  });
  for (const event of ['cdata', 'comment', 'question', 'attention']) parser.on(event, () => fail('markup'));
  // saxen reports recoverable faults (unquoted or repeated attributes) as warnings: refused too.
  parser.on('warn', () => fail('malformed'));
  parser.on('error', () => fail('malformed'));
  try {
    parser.parse(div);
    if (roots !== 1 || depth !== 0) fail('root');
    if (!rootNamespaced) fail('root');
    if (!content) fail('empty');
    return undefined;
  } catch (error) {
    if (error instanceof NarrativeViolation) return error.message;
    return NARRATIVE_ERRORS.malformed;
  }
}
