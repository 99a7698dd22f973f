import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { layerViolations, relativeImports, sourcesOf } from '../support/layers.ts';

const ROOT = resolve(import.meta.dirname, '../..');

describe('layers', () => {
  it('no module of shared/ or functions/ imports the wrong way', () => {
    expect(layerViolations(ROOT, sourcesOf(ROOT, ['shared', 'functions']))).toEqual([]);
  });

  it('an upward import is a violation: the store importing the HTTP layer', () => {
    const violations = layerViolations(ROOT, [
      { path: 'shared/store/example.ts', source: "import { route } from '../http/route.ts';\n" },
    ]);
    expect(violations).toEqual([
      {
        file: 'shared/store/example.ts',
        imports: 'shared/http/route.ts',
        why: 'shared/store (layer 6) imports shared/http (layer 7), a higher layer',
      },
    ]);
  });

  it('shared code importing the local gateway or a handler is a violation, also as a dynamic import', () => {
    const violations = layerViolations(ROOT, [
      {
        path: 'shared/http/example.ts',
        source:
          "import { createGateway } from '../../infra/local/gateway.ts';\nconst h = await import('../../functions/patient/read.ts');\n",
      },
    ]);
    expect(violations.map((violation) => violation.why)).toEqual([
      'shared code imports infra/',
      'shared code imports functions/',
    ]);
  });

  it('a handler importing another route’s handler is a violation; its contracts are not', () => {
    const violations = layerViolations(ROOT, [
      {
        path: 'functions/system/example.ts',
        source:
          "import { contracts } from '../patient/contracts.ts';\nimport { handler } from '../patient/read.ts';\n",
      },
    ]);
    expect(violations.map((violation) => violation.imports)).toEqual(['functions/patient/read.ts']);
  });

  it('imports in comments are not imports; type-only and re-exports are', () => {
    expect(
      relativeImports(
        "// import { a } from './commented.ts';\n/* import b from '../block.ts' */\nimport type { T } from '../t.ts';\nexport { x } from './x.ts';\n",
      ),
    ).toEqual(['../t.ts', './x.ts']);
  });
});
