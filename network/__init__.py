"""Behovsbørsen's domain and web layer: models, services, views and commands."""
