"""RPM stage 1, what an item says: text helpers, the offline feature extractor (topics,
tone, aspects judged, quantities stated) and the writing habits of a user's responses."""
