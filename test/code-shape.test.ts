/**
 * The code's shape, checked: no function in `lib/`, `bin/`, `lambdas/` or `examples/` over 80 lines and no
 * file over 400 (STYLE.md: past that, name the steps or split by concept). Read with the
 * TypeScript compiler's parser, so a function is what the language says it is.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const MAX_FUNCTION_LINES = 80;
const MAX_FILE_LINES = 400;
const ROOTS = ['lib', 'bin', 'lambdas', 'examples'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(p);
    return p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

function nameOf(node: ts.FunctionLikeDeclaration): string {
  if (node.name) return node.name.getText();
  if (ts.isConstructorDeclaration(node))
    return `constructor of ${(node.parent as ts.ClassLikeDeclaration).name?.getText() ?? '?'}`;
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent))
    return parent.name.getText();
  return '(anonymous)';
}

function longFunctions(file: string, text: string): { name: string; lines: number }[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const lineOf = (pos: number) => source.getLineAndCharacterOfPosition(pos).line;
  const found: { name: string; lines: number }[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && (node as ts.FunctionLikeDeclaration).body) {
      const lines = lineOf(node.getEnd()) - lineOf(node.getStart()) + 1;
      if (lines > MAX_FUNCTION_LINES)
        found.push({ name: nameOf(node as ts.FunctionLikeDeclaration), lines });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('the shape of the code', () => {
  const files = ROOTS.flatMap((root) => sourceFiles(root)).map((file) => ({
    file: file.split(path.sep).join('/'),
    text: readFileSync(file, 'utf8'),
  }));

  it(`has no function over ${MAX_FUNCTION_LINES} lines`, () => {
    const long = files.flatMap(({ file, text }) =>
      longFunctions(file, text).map((f) => ({ id: `${file} ${f.name}`, lines: f.lines })),
    );
    expect(long).toEqual([]);
  });

  it(`has no file over ${MAX_FILE_LINES} lines`, () => {
    const long = files
      .map(({ file, text }) => ({
        file,
        lines: text.split('\n').length - (text.endsWith('\n') ? 1 : 0),
      }))
      .filter((f) => f.lines > MAX_FILE_LINES);
    expect(long).toEqual([]);
  });
});
