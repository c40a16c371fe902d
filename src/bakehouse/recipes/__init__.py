"""Recipes: one versioned, commented YAML file per use case, validated before any work starts."""

from __future__ import annotations

from bakehouse.recipes.loader import LoadedRecipe, builtin_recipes, load_recipe, recipe_path
from bakehouse.recipes.schema import Recipe, RecipeError

__all__ = [
    "LoadedRecipe",
    "Recipe",
    "RecipeError",
    "builtin_recipes",
    "load_recipe",
    "recipe_path",
]
