import { describe, expect, it } from 'vitest';
import * as fhir from '../../../shared/fhir/primitives.ts';

const accepts = (schema: { safeParse(input: unknown): { success: boolean } }, value: unknown) =>
  schema.safeParse(value).success;

describe('FHIR primitives', () => {
  it('takes dates of year, month or day precision on the calendar only', () => {
    for (const value of ['2018', '1973-06', '1905-08-23', '2024-02-29'])
      expect(accepts(fhir.date, value)).toBe(true);
    for (const value of [
      '0000',
      '2018-13',
      '2018-04-31',
      '2023-02-29',
      '18-01-01',
      '2018-1-1',
      '2018-01-01T00:00:00Z',
    ]) {
      expect(accepts(fhir.date, value)).toBe(false);
    }
  });

  it('takes dateTimes with a zone when a time is given', () => {
    for (const value of ['2018', '2018-05', '2015-02-07T13:28:17-05:00', '2017-01-01T00:00:00.000Z']) {
      expect(accepts(fhir.dateTime, value)).toBe(true);
    }
    for (const value of [
      '2015-02-07T13:28:17',
      '2015-02-07T13:28',
      '2015-02-30T13:28:17Z',
      '2015-02-07T24:00:00Z',
    ]) {
      expect(accepts(fhir.dateTime, value)).toBe(false);
    }
  });

  it('takes instants only to the second with a zone', () => {
    expect(accepts(fhir.instant, '2015-02-07T13:28:17.239+02:00')).toBe(true);
    expect(accepts(fhir.instant, '2015-02-07')).toBe(false);
    expect(accepts(fhir.instant, '2015-02-07T13:28:17')).toBe(false);
  });

  it('takes times of day', () => {
    expect(accepts(fhir.time, '23:59:60')).toBe(true);
    expect(accepts(fhir.time, '24:00:00')).toBe(false);
  });

  it('takes ids of 1 to 64 letters, digits, dashes and dots', () => {
    expect(accepts(fhir.id, 'a-B.9')).toBe(true);
    expect(accepts(fhir.id, 'a'.repeat(64))).toBe(true);
    for (const value of ['', 'a'.repeat(65), 'a#b', 'a b', 'a_b'])
      expect(accepts(fhir.id, value)).toBe(false);
  });

  it('takes codes without leading, trailing or doubled whitespace', () => {
    expect(accepts(fhir.code, 'needs-action')).toBe(true);
    expect(accepts(fhir.code, 'two words')).toBe(true);
    for (const value of ['', ' x', 'x ', 'a  b']) expect(accepts(fhir.code, value)).toBe(false);
  });

  it('takes uris without whitespace', () => {
    expect(accepts(fhir.uri, 'urn:oid:1.2.36.146.595.217.0.1')).toBe(true);
    expect(accepts(fhir.uri, 'http://example.org/a b')).toBe(false);
  });

  it('takes 32-bit integers, and positive or unsigned ones where asked', () => {
    expect(accepts(fhir.integer, -2_147_483_648)).toBe(true);
    expect(accepts(fhir.integer, 2_147_483_648)).toBe(false);
    expect(accepts(fhir.integer, 1.5)).toBe(false);
    expect(accepts(fhir.positiveInt, 0)).toBe(false);
    expect(accepts(fhir.unsignedInt, 0)).toBe(true);
    expect(accepts(fhir.unsignedInt, -1)).toBe(false);
  });

  it('takes decimals but not numbers written as strings', () => {
    expect(accepts(fhir.decimal, 0.1)).toBe(true);
    expect(accepts(fhir.decimal, '0.1')).toBe(false);
  });

  it('takes base64 in groups of four, with whitespace between groups', () => {
    expect(accepts(fhir.base64Binary, 'R0lGODlh')).toBe(true);
    expect(accepts(fhir.base64Binary, 'R0lG\nODlh')).toBe(true);
    expect(accepts(fhir.base64Binary, 'R0lGOD')).toBe(false);
    expect(accepts(fhir.base64Binary, 'R0lG$Dlh')).toBe(false);
  });

  it('caps markdown at 100000 characters and base64 at 1000000', () => {
    expect(accepts(fhir.markdown, 'a'.repeat(100_000))).toBe(true);
    expect(accepts(fhir.markdown, 'a'.repeat(100_001))).toBe(false);
    expect(accepts(fhir.base64Binary, 'A'.repeat(1_000_004))).toBe(false);
  });

  it('takes a narrative only as a div', () => {
    expect(accepts(fhir.xhtml, '<div xmlns="http://www.w3.org/1999/xhtml">Peter</div>')).toBe(true);
    expect(accepts(fhir.xhtml, '<divx>')).toBe(false);
    expect(accepts(fhir.xhtml, 'Peter')).toBe(false);
  });
});
