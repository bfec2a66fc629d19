"""Offline evaluation: LaMP-style data loaders (``datasets``) and metrics (``metrics``)."""
