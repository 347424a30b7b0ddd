"""A tiny shop: just enough product code for failures of every kind."""
