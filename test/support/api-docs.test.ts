import { readdirSync, readFileSync, statSync } from 'fs';
import { join, relative, resolve } from 'path';
import * as ts from 'typescript';

// The public API as users see it in their editor: every exported class, interface, enum and
// function of the library's public files (not `_private` ones) is documented, and every property
// of a props or options interface carries a summary and, when optional, its `@default`, as the
// house style asks.
const root = resolve(__dirname, '..', '..', 'constructs');

function publicFiles(dir: string): string[] {
  return readdirSync(dir).flatMap(name => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return publicFiles(path);
    return name.endsWith('.ts') && !name.startsWith('_') && name !== 'index.ts' ? [path] : [];
  });
}

interface Finding { readonly where: string; readonly problem: string }

function undocumented(file: string): Finding[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const findings: Finding[] = [];
  const exported = (n: ts.Node) => ts.canHaveModifiers(n) && (ts.getModifiers(n) ?? []).some(m => m.kind === ts.SyntaxKind.ExportKeyword);
  const docs = (n: ts.Node) => ts.getJSDocCommentsAndTags(n).filter(ts.isJSDoc);
  for (const statement of source.statements) {
    if (!exported(statement)) continue;
    if ((ts.isClassDeclaration(statement) || ts.isInterfaceDeclaration(statement) || ts.isEnumDeclaration(statement) || ts.isFunctionDeclaration(statement))
      && docs(statement).length === 0) {
      findings.push({ where: `${relative(root, file)}: ${statement.name?.getText()}`, problem: 'no doc comment' });
    }
    // Props and options are what users write; configuration-file models mirror upstream keys.
    if (!ts.isInterfaceDeclaration(statement) || !/(Props|Options)$/.test(statement.name.text)) continue;
    for (const member of statement.members) {
      if (!ts.isPropertySignature(member)) continue;
      const where = `${relative(root, file)}: ${statement.name.text}.${member.name.getText()}`;
      const jsdoc = docs(member);
      if (jsdoc.length === 0) {
        findings.push({ where, problem: 'no doc comment' });
        continue;
      }
      const tags = jsdoc.flatMap(d => d.tags ?? []);
      const def = tags.find(t => t.tagName.text === 'default');
      if (member.questionToken && !def) findings.push({ where, problem: 'optional without @default' });
      const text = def ? ts.getTextOfJSDocComment(def.comment)?.trim() : undefined;
      if (def && (!text || text === 'undefined')) findings.push({ where, problem: `@default says nothing ('${text ?? ''}')` });
    }
  }
  return findings;
}

test('every exported interface property is documented, every optional one with its @default', () => {
  const files = publicFiles(root);
  expect(files.length).toBeGreaterThan(30);
  expect(files.flatMap(undocumented)).toStrictEqual([]);
});

test('the check can fail', () => {
  const file = join(__dirname, '..', 'fixtures', 'undocumented-props.ts');
  expect(undocumented(file).map(f => f.problem)).toStrictEqual(['no doc comment', 'optional without @default', '@default says nothing (\'undefined\')']);
});
