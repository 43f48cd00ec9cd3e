import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { UserError } from '../util/errors.js';
import { readInputFile } from '../util/input-file.js';
import { projectRoot } from '../util/tools.js';
import { acceleratorSchema, type Accelerator } from './accelerators.js';
import { gpuSchema, modelSchema, type Gpu, type ModelArch } from './gpus.js';
import { recipeSchema, type Recipe } from './recipes.js';

/**
 * The catalog: what scalebench knows of models, GPUs, accelerators and
 * recipes (data/). Read once by a command (`loadCatalog`) and passed to the
 * pure code that needs it (matrix resolution, checks, manifests, the
 * recommender, the simulator's latencies), which never reads a file itself.
 */
export interface Catalog {
  /** data/gpus.json: bandwidth, peak, memory, price. */
  gpus: Readonly<Record<string, Gpu>>;
  /** data/models.json: architecture facts for the roofline. */
  models: Readonly<Record<string, ModelArch>>;
  /** data/accelerators.json: how each GPU type is requested and placed on Kubernetes. */
  accelerators: Readonly<Record<string, Accelerator>>;
  /** data/recipes/: how to run a model on some hardware, sorted by id. */
  recipes: readonly Recipe[];
}

/** The project's data folder. */
export const dataDir = join(projectRoot, 'data');

const catalogFile = <T extends z.ZodType>(item: T) =>
  z.record(z.string(), z.unknown()).transform((raw, ctx) => {
    const out: Record<string, z.infer<T>> = {};
    for (const [name, value] of Object.entries(raw)) {
      if (name.startsWith('$')) continue; // $comment
      const parsed = item.safeParse(value);
      if (!parsed.success) {
        ctx.addIssue({ code: 'custom', path: [name], message: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
      } else out[name] = parsed.data;
    }
    return out;
  });

/** Reads a catalog file (an object of named entries; `$` keys are comments), each entry checked by `item`. */
export function readCatalogFile<T extends z.ZodType>(path: string, item: T): Record<string, z.infer<T>> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UserError(`${path}: cannot read the catalog: ${(err as Error).message}`);
  }
  const parsed = catalogFile(item).safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(`${path}: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  return parsed.data;
}

/** Reads and checks every recipe of a directory, sorted by id; a bad file is a UserError naming it. */
export function readRecipes(dir: string): Recipe[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  const recipes = files.map((f) => {
    const path = join(dir, f);
    const { data, input } = readInputFile(path, recipeSchema, { fix: 'a recipe is a YAML file under data/recipes/' });
    if (data.id !== basename(f, '.yaml'))
      throw new UserError(`${input.at(input.offsetOf(['id']))}: id: expected "${basename(f, '.yaml')}" (the file's name), got "${data.id}"`);
    return data;
  });
  return recipes.sort((a, b) => (a.id < b.id ? -1 : 1));
}

/** Reads the whole catalog of a data folder (gpus.json, models.json, accelerators.json, recipes/). */
export function loadCatalog(dir: string = dataDir): Catalog {
  return {
    gpus: readCatalogFile(join(dir, 'gpus.json'), gpuSchema),
    models: readCatalogFile(join(dir, 'models.json'), modelSchema),
    accelerators: readCatalogFile(join(dir, 'accelerators.json'), acceleratorSchema),
    recipes: readRecipes(join(dir, 'recipes')),
  };
}

let project: Catalog | undefined;

/** The project's catalog (data/), read on the first call and kept: for commands and tests, never for pure code. */
export function projectCatalog(): Catalog {
  project ??= loadCatalog();
  return project;
}
