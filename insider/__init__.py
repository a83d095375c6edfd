"""Glue shared by every part of the product: settings, the error tree, the clock, the CLI."""
