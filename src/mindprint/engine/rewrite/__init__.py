"""RPO offline: a draft rewritten towards the user's own words and habits, with the edits
that are safe without understanding the text, and a fidelity check."""
