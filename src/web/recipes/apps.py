from __future__ import annotations

from django.apps import AppConfig


class RecipesConfig(AppConfig):
    name = "web.recipes"
    label = "recipes"
    verbose_name = "Recipe packs"
