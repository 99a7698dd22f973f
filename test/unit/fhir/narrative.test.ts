import { describe, expect, it } from 'vitest';
import { describeIssues } from '../../../shared/fhir/issues.ts';
import { NARRATIVE_ERRORS, narrativeViolation } from '../../../shared/fhir/narrative.ts';
import { Patient } from '../../../shared/fhir/patient.ts';

const NS = 'xmlns="http://www.w3.org/1999/xhtml"';
const div = (inner: string, attributes = '') => `<div ${NS}${attributes}>${inner}</div>`;

describe('FHIR narrative rules (txt-1, txt-2)', () => {
  it('accepts the formatting FHIR allows: paragraphs, tables, lists, links, images, styles and XML entities', () => {
    for (const ok of [
      div('Peter James Chalmers'),
      div('<p><b>Name</b>: Peter &amp; &quot;Jim&quot; &#233; &#x1F600;</p>'),
      div('<table border="1"><tbody><tr><td colspan="2" style="color: red">x</td></tr></tbody></table>'),
      div('<ul><li>one</li></ul><ol start="2"><li value="3">two</li></ol><br/><hr />'),
      div('<a href="https://example.org/a?b=c&amp;d=e">link</a> <a href="#local">here</a> <a name="x">y</a>'),
      div('<a href="mailto:clinic@example.org">mail</a> <a href="Patient/123">relative</a>'),
      div('<img src="#photo" alt=""/>'),
      div('<span lang="nl" xml:lang="nl" dir="ltr" class="c" id="i" title="t">Nederlands</span>'),
    ]) {
      expect(narrativeViolation(ok), ok).toBeUndefined();
    }
  });

  it('refuses scripts, forms, frames, objects, embeds, styles elements and other elements outside the allow-list', () => {
    for (const element of [
      'script',
      'iframe',
      'object',
      'embed',
      'form',
      'input',
      'button',
      'style',
      'link',
      'base',
      'svg',
      'math',
      'body',
      'head',
      'textarea',
      'meta',
      'frame',
    ]) {
      expect(narrativeViolation(div(`x<${element}></${element}>`)), element).toBe(NARRATIVE_ERRORS.element);
    }
    expect(narrativeViolation(div('x<SCRIPT>alert(1)</SCRIPT>'))).toBe(NARRATIVE_ERRORS.element);
    expect(narrativeViolation(div('x<svg:script xmlns:svg="http://www.w3.org/2000/svg"></svg:script>'))).toBe(
      NARRATIVE_ERRORS.element,
    );
  });

  it('refuses event handler attributes and attributes outside the allow-list, on the root too', () => {
    expect(narrativeViolation(div('<p onclick="alert(1)">x</p>'))).toBe(NARRATIVE_ERRORS.attribute);
    expect(narrativeViolation(div('<img src="a.png" onerror="alert(1)"/>'))).toBe(NARRATIVE_ERRORS.attribute);
    expect(narrativeViolation(div('x', ' onmouseover="alert(1)"'))).toBe(NARRATIVE_ERRORS.attribute);
    expect(narrativeViolation(div('<a href="https://x" target="_blank">x</a>'))).toBe(
      NARRATIVE_ERRORS.attribute,
    );
    expect(
      narrativeViolation(div('<a xlink:href="https://x" xmlns:xlink="http://www.w3.org/1999/xlink">x</a>')),
    ).toBe(NARRATIVE_ERRORS.attribute);
  });

  it('refuses javascript:, data: and other schemes in links and images, however they are encoded', () => {
    for (const url of [
      'javascript:alert(1)',
      'JavaScript:alert(1)',
      ' javascript:alert(1)',
      'java&#x73;cript:alert(1)',
      'jav&#9;ascript:alert(1)',
      'java&#10;script:alert(1)',
      '&#32;javascript:alert(1)',
      'data:text/html;base64,PHNjcmlwdD4=',
      'vbscript:msgbox(1)',
      'file:///etc/passwd',
    ]) {
      expect(narrativeViolation(div(`<a href="${url}">x</a>`)), url).toBe(NARRATIVE_ERRORS.url);
    }
    expect(narrativeViolation(div('<img src="data:image/png;base64,AAAA"/>'))).toBe(NARRATIVE_ERRORS.url);
    expect(narrativeViolation(div('<q cite="javascript:alert(1)">x</q>'))).toBe(NARRATIVE_ERRORS.url);
  });

  it('refuses styles that load or run content', () => {
    for (const style of [
      'background: url(https://x/y.png)',
      'width: expression(alert(1))',
      "@import 'x.css'",
      'x: \\75rl(x)',
    ]) {
      expect(narrativeViolation(div(`<p style="${style}">x</p>`)), style).toBe(NARRATIVE_ERRORS.style);
    }
  });

  it('the root is one div in the XHTML namespace', () => {
    expect(narrativeViolation('<div>Peter</div>')).toBe(NARRATIVE_ERRORS.root);
    expect(narrativeViolation('<div xmlns="urn:other">Peter</div>')).toBe(NARRATIVE_ERRORS.root);
    expect(narrativeViolation('<p xmlns="http://www.w3.org/1999/xhtml">Peter</p>')).toBe(
      NARRATIVE_ERRORS.root,
    );
    expect(narrativeViolation(`${div('a')}${div('b')}`)).toBe(NARRATIVE_ERRORS.root);
    expect(narrativeViolation(`${div('a')}trailing`)).not.toBeUndefined();
    expect(narrativeViolation(div('<p xmlns="urn:other">x</p>'))).toBe(NARRATIVE_ERRORS.root);
  });

  it('refuses what an HTML parser would read differently: comments, CDATA, processing instructions, doctypes, HTML entities, self-closed non-void elements', () => {
    expect(narrativeViolation(div('x<!-- <script>alert(1)</script> -->'))).toBe(NARRATIVE_ERRORS.markup);
    expect(narrativeViolation(div('x<![CDATA[</p><script>alert(1)</script>]]>'))).toBe(
      NARRATIVE_ERRORS.markup,
    );
    expect(narrativeViolation(div('x<?php echo 1 ?>'))).toBe(NARRATIVE_ERRORS.markup);
    expect(narrativeViolation(`<!DOCTYPE html>${div('x')}`)).toBe(NARRATIVE_ERRORS.markup);
    expect(narrativeViolation(div('a&nbsp;b'))).toBe(NARRATIVE_ERRORS.reference);
    expect(narrativeViolation(div('a & b'))).toBe(NARRATIVE_ERRORS.reference);
    expect(narrativeViolation(div('&#0;x'))).toBe(NARRATIVE_ERRORS.reference);
    expect(narrativeViolation(div('<a href="https://x"/>spoofed'))).toBe(NARRATIVE_ERRORS.selfClosed);
  });

  it('refuses markup that is not well-formed XML', () => {
    for (const broken of [
      div('<p>unclosed'),
      div('<p>x</q>'),
      div('a < b'),
      div('<p title=unquoted>x</p>'),
      div('<p title="a" title="b">x</p>'),
      div('<p title="a<b">x</p>'),
      `<div ${NS}>x`,
      '<div',
    ]) {
      expect(narrativeViolation(broken), broken).toBe(NARRATIVE_ERRORS.malformed);
    }
  });

  it('txt-2: a narrative has some text or an image', () => {
    expect(narrativeViolation(div(''))).toBe(NARRATIVE_ERRORS.empty);
    expect(narrativeViolation(div('  <p> &#32; </p> '))).toBe(NARRATIVE_ERRORS.empty);
    expect(narrativeViolation(`<div ${NS}/>`)).toBe(NARRATIVE_ERRORS.selfClosed);
    expect(narrativeViolation(div('<img src="#p" alt=""/>'))).toBeUndefined();
  });

  it('a resource with a bad narrative is refused at <Type>.text.div with a message that does not repeat the markup', () => {
    const secret = 'Peter-Chalmers-1974';
    const parsed = Patient.safeParse({
      resourceType: 'Patient',
      text: { status: 'generated', div: div(`<p onclick="steal('${secret}')">${secret}</p>`) },
    });
    expect(parsed.success).toBe(false);
    const issues = parsed.success ? [] : describeIssues('Patient', parsed.error);
    expect(issues).toEqual([{ location: 'Patient.text.div', message: NARRATIVE_ERRORS.attribute }]);
    expect(JSON.stringify(issues)).not.toContain(secret);
    expect(JSON.stringify(issues)).not.toContain('onclick');
  });

  it('a contained resource carries no narrative of its own (dom-1)', () => {
    const parsed = Patient.safeParse({
      resourceType: 'Patient',
      contained: [{ resourceType: 'Patient', id: 'c', text: { status: 'generated', div: div('x') } }],
    });
    expect(parsed.success).toBe(false);
    expect(parsed.success ? [] : describeIssues('Patient', parsed.error)).toEqual([
      {
        location: 'Patient.contained[0].text',
        message: 'must not have a narrative in a contained resource (dom-1)',
      },
    ]);
  });
});
