// @ts-check
'use strict';
/**
 * The import graph of a TypeScript source tree, type-only imports included. ESLint's
 * `import-x/no-cycle` skips `import type` (a type cycle costs nothing at run time), but a type
 * cycle still ties two parts together, so `npm run lint` refuses both kinds: this file finds
 * the type cycles (`node scripts/lint/import-graph.js src`), ESLint the value ones.
 */
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

/** Every .ts/.tsx file under `dir`, absolute. */
function listSources(dir) {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts'))
    .map((e) => path.join(e.parentPath ?? e.path, e.name));
}

/** Relative module specifiers of one file: imports, re-exports, `import()` and `require()`, type-only or not. */
function specifiersOf(file) {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false);
  const found = [];
  const visit = (node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push(node.moduleSpecifier.text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push(node.argument.literal.text);
    } else if (
      ts.isCallExpression(node) &&
      node.arguments.length === 1 &&
      ts.isStringLiteral(node.arguments[0]) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require'))
    ) {
      found.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found.filter((s) => s.startsWith('.'));
}

function resolve(from, specifier, known) {
  const base = path.resolve(path.dirname(from), specifier);
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, path.join(base, 'index.ts')]) if (known.has(candidate)) return candidate;
  return undefined;
}

/** file → the files it imports (within the tree). */
function importGraph(dir) {
  const files = listSources(path.resolve(dir));
  const known = new Set(files);
  const graph = new Map();
  for (const file of files) {
    graph.set(file, [
      ...new Set(
        specifiersOf(file)
          .map((s) => resolve(file, s, known))
          .filter(Boolean),
      ),
    ]);
  }
  return graph;
}

/** Strongly connected components of more than one file (or a file importing itself): each is a cycle. Tarjan, iterative enough for a few hundred files. */
function findCycles(graph) {
  let index = 0;
  const stack = [];
  const meta = new Map();
  const cycles = [];
  const strong = (v) => {
    meta.set(v, { index, low: index, onStack: true });
    index++;
    stack.push(v);
    for (const w of graph.get(v) ?? []) {
      if (!meta.has(w)) {
        strong(w);
        meta.get(v).low = Math.min(meta.get(v).low, meta.get(w).low);
      } else if (meta.get(w).onStack) {
        meta.get(v).low = Math.min(meta.get(v).low, meta.get(w).index);
      }
    }
    if (meta.get(v).low === meta.get(v).index) {
      const component = [];
      let w;
      do {
        w = stack.pop();
        meta.get(w).onStack = false;
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!meta.has(v)) strong(v);
  return cycles;
}

module.exports = { importGraph, findCycles };

if (require.main === module) {
  const dir = path.resolve(process.argv[2] ?? 'src');
  const cycles = findCycles(importGraph(dir));
  for (const cycle of cycles) process.stderr.write(`import cycle (value or type imports): ${cycle.map((f) => path.relative(process.cwd(), f)).join(' ⇄ ')}\n`);
  if (cycles.length) {
    process.stderr.write(
      `${cycles.length} import cycle(s) in ${path.relative(process.cwd(), dir) || '.'}: break them (move the shared type to the part both depend on)\n`,
    );
    process.exit(1);
  }
}
