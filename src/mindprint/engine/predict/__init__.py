"""RPM stages 5-6, the user's likely answer: retrieval of the items that reach a
prediction, the population model, the departure model (a Gaussian process over the user's
history, its kernel and its fit), and the per-user index that prediction reads."""
