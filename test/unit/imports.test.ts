import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/util/tools.js';

/**
 * The import graph of src/: every `import … from './x.js'` and `export … from`
 * that is not type-only, resolved to its .ts file. No file may reach itself
 * again through them (Tarjan's strongly connected components).
 */
function graph(): Map<string, string[]> {
  const files: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.ts')) files.push(p);
    }
  };
  walk(join(projectRoot, 'src'));
  const g = new Map<string, string[]>();
  for (const f of files) {
    const deps: string[] = [];
    for (const m of readFileSync(f, 'utf8').matchAll(/^(?:import|export)\s(?!type\s)[^;]*?from\s+'(\.[^']+)'/gms)) {
      deps.push(normalize(join(dirname(f), m[1]!.replace(/\.js$/, '.ts'))));
    }
    g.set(f, deps);
  }
  return g;
}

/**
 * The layers of src/, lowest first (docs/architecture.md "Layers"): a folder
 * may import (type-only imports included) from its own layer and the layers
 * below, never from one above.
 */
const layers: ReadonlyArray<readonly string[]> = [
  ['util'],
  ['vocabulary'],
  ['matrix', 'load', 'catalog', 'sizing'],
  ['results'],
  ['metrics'],
  ['analysis'],
  ['recommend', 'manifests', 'helm', 'image'],
  ['targets'],
  ['runner', 'report', 'gate'],
  ['search', 'tune', 'simulate'],
  ['cli', 'bench'],
];

/**
 * Upward imports that remain, each with what removes it: the check fails on
 * any other, and on one of these that is gone (so the list stays true).
 */
const knownUpward: ReadonlyArray<{ from: string; to: string; why: string }> = [];

/** Every relative import of src/, type-only ones too, as [from, to] files. */
function allImports(): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.ts')) {
        for (const m of readFileSync(p, 'utf8').matchAll(/^(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/gms)) {
          out.push([relative(projectRoot, p), relative(projectRoot, normalize(join(dirname(p), m[1]!.replace(/\.js$/, '.ts'))))]);
        }
      }
    }
  };
  walk(join(projectRoot, 'src'));
  return out;
}

/** Imports from a lower layer to a higher one, as "from → to". */
function upward(imports: ReadonlyArray<readonly [string, string]>, order: ReadonlyArray<readonly string[]>): string[] {
  const layerOf = (file: string): number => order.findIndex((l) => l.includes(file.split('/')[1]!));
  return imports.filter(([from, to]) => layerOf(from) < layerOf(to)).map(([from, to]) => `${from} → ${to}`);
}

function cycles(g: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    on.add(v);
    for (const w of g.get(v) ?? []) {
      if (!g.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const c: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        c.push(relative(projectRoot, w));
      } while (w !== v);
      if (c.length > 1) out.push(c.sort());
    }
  };
  for (const v of g.keys()) if (!index.has(v)) visit(v);
  return out;
}

/** Imports (type-only ones too) of a src/ file that resolve outside src/: the build (tsconfig.build.json) compiles src/ alone. */
function outsideSrc(): string[] {
  const src = join(projectRoot, 'src');
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.ts')) {
        for (const m of readFileSync(p, 'utf8').matchAll(/^(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/gms)) {
          const to = relative(src, normalize(join(dirname(p), m[1]!)));
          if (to.startsWith('..')) out.push(`${relative(projectRoot, p)} -> ${m[1]}`);
        }
      }
    }
  };
  walk(src);
  return out;
}

/** Every src/ file reachable from `from` through runtime imports, itself included. */
function closure(g: Map<string, string[]>, from: string): string[] {
  const seen = new Set<string>([from]);
  const todo = [from];
  while (todo.length > 0) for (const d of g.get(todo.pop()!) ?? []) if (g.has(d) && !seen.has(d)) seen.add(d), todo.push(d);
  return [...seen];
}

/** Node built-ins a file imports at run time (`node:fs`, …). */
function builtins(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(/^import\s(?!type\s)[^;]*?from\s+'(node:[^']+)'/gms)].map((m) => m[1]!);
}

describe('the import graph of src/', () => {
  it('has no cycle', () => {
    expect(cycles(graph())).toEqual([]);
  });

  it('stays inside src/ (the cluster rig and fixtures live in test/)', () => {
    expect(outsideSrc()).toEqual([]);
  });

  it('resolves a matrix without touching a file or a process: the catalog is passed in', () => {
    const g = graph();
    const reached = closure(g, join(projectRoot, 'src/matrix/resolve.ts'));
    expect(reached.length).toBeGreaterThan(5);
    const io = reached.flatMap((f) =>
      builtins(f)
        .filter((b) => /^node:(fs|child_process|net|http)/.test(b))
        .map((b) => `${relative(projectRoot, f)}: ${b}`),
    );
    expect(io).toEqual([]);
    expect(reached.map((f) => relative(projectRoot, f))).not.toContain('src/catalog/catalog.ts');
  });

  it('finds a file system import where there is one (the purity check can fail)', () => {
    const reached = closure(graph(), join(projectRoot, 'src/matrix/load.ts'));
    expect(reached.flatMap(builtins)).toContain('node:fs');
  });

  it('places every folder of src/ in a layer', () => {
    const folders = readdirSync(join(projectRoot, 'src'), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    expect(folders.filter((f) => !layers.some((l) => l.includes(f)))).toEqual([]);
  });

  it('has no import, type-only or not, from a lower layer to a higher one but the known ones, each with its reason', () => {
    const known = knownUpward.map((k) => `${k.from} → ${k.to}`);
    const found = [...new Set(upward(allImports(), layers))].sort();
    expect(found.filter((u) => !known.includes(u))).toEqual([]);
    expect(known.filter((k) => !found.includes(k))).toEqual([]);
  });

  it('finds an upward import where there is one (the layer check can fail)', () => {
    expect(
      upward(
        [
          ['src/results/a.ts', 'src/analysis/b.ts'],
          ['src/analysis/b.ts', 'src/results/a.ts'],
        ],
        layers,
      ),
    ).toEqual(['src/results/a.ts → src/analysis/b.ts']);
  });

  it('finds one where there is one (the check can fail)', () => {
    const g = new Map([
      ['/a.ts', ['/b.ts']],
      ['/b.ts', ['/c.ts']],
      ['/c.ts', ['/a.ts']],
      ['/d.ts', ['/a.ts']],
    ]);
    expect(cycles(g)).toHaveLength(1);
  });
});
