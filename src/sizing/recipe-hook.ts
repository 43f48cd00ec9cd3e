import type { Catalog } from '../catalog/catalog.js';
import { findRecipe, recipeFill, type RecipeFill } from '../catalog/recipes.js';
import type { DeploymentInput } from '../matrix/schema.js';
import { selectRecipe } from './select.js';

/**
 * The matrix's recipe hook: what `recipe:` on a deployment fills in. Called
 * by src/matrix/resolve.ts (values) and src/matrix/checks.ts (problems); the
 * deployment's own fields always win over the recipe's.
 */

/** `recipe: auto` asks select.ts for the best recipe for the model on gpu.type, with gpu.count as the most GPUs per replica. */
export const AUTO_RECIPE = 'auto';

export interface RecipeChoice {
  /** The recipe's id (for `auto`, the one chosen). */
  id: string;
  fill: RecipeFill;
  /** For `auto`: why this one (select.ts's fallback chain). */
  explanation?: string[];
}

type Input = Pick<DeploymentInput, 'model' | 'recipe' | 'gpu'>;

/** The recipe a deployment names, resolved; undefined when it names none or one that cannot be used (see recipeProblem). */
export function recipeFor(catalog: Catalog, d: Input): RecipeChoice | undefined {
  if (d.recipe === undefined) return undefined;
  if (d.recipe === AUTO_RECIPE) {
    const s = selectRecipe(catalog, { model: d.model, gpu: { type: d.gpu.type, count: d.gpu.count ?? 1 } });
    return s.ok ? { id: s.recipe.id, fill: recipeFill(s.recipe), explanation: s.explanation } : undefined;
  }
  const r = findRecipe(catalog.recipes, d.recipe);
  if (!r || r.model !== d.model || r.hardware !== d.gpu.type) return undefined;
  return { id: r.id, fill: recipeFill(r) };
}

/** Why a deployment's recipe cannot be used ("expected …, got …"), or undefined. */
export function recipeProblem(catalog: Catalog, d: Input): string | undefined {
  if (d.recipe === undefined) return undefined;
  if (d.recipe === AUTO_RECIPE) {
    const s = selectRecipe(catalog, { model: d.model, gpu: { type: d.gpu.type, count: d.gpu.count ?? 1 } });
    return s.ok ? undefined : `expected a configuration that fits, got none: ${s.explanation.join('; ')}`;
  }
  const r = findRecipe(catalog.recipes, d.recipe);
  if (!r) return `expected a recipe id from data/recipes/ or "${AUTO_RECIPE}", got "${d.recipe}"`;
  if (r.model !== d.model) return `expected a recipe for model "${d.model}", got "${d.recipe}" (it is for "${r.model}")`;
  if (r.hardware !== d.gpu.type) return `expected a recipe for gpu.type "${d.gpu.type}", got "${d.recipe}" (it is for ${r.hardware})`;
  return undefined;
}
