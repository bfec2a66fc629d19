"""What any request to an assistant is near: a bank of everyday requests, written for this
purpose (general, from no data set), and their mean direction. Pure.

Some statements are near every question ("I think that would be perfect", "I'm always
looking for fresh ideas"): ranked by similarity alone they apply to everything and push
out the preference a question needs. How near a statement is to requests in general is
its share of any question's similarity that says nothing about this one; retrieval
discounts it (``MODEL.pref_generic_weight``).
"""

from __future__ import annotations

import numpy as np

from mindprint.engine.protocols import Vector

REQUESTS: tuple[str, ...] = (
    "Can you recommend something for me to try this weekend?",
    "What are some good options for a trip next month?",
    "Any tips for getting started?",
    "What would you suggest for dinner tonight?",
    "Which laptop should I buy for work?",
    "How can I stay healthy with a busy schedule?",
    "What are some fun activities for a family day out?",
    "Could you help me plan a birthday party?",
    "What books should I read next?",
    "How should I decorate my living room?",
    "What's the best way to save money each month?",
    "Can you suggest a gift for a friend?",
    "What should I pack for a holiday?",
    "How do I prepare for a job interview?",
    "Which phone has the best camera?",
    "What are some good exercises to do at home?",
    "Where should I go on vacation this summer?",
    "What movies would you recommend for a relaxing evening?",
    "How can I be more productive at work?",
    "What's a good hobby to pick up?",
    "Can you recommend a restaurant for a special occasion?",
    "What are some ideas for a team event?",
    "How do I choose a new car?",
    "What should I cook for guests this weekend?",
    "What's a good way to spend a rainy day?",
    "Can you suggest some music for studying?",
    "How do I plan a budget for a renovation?",
    "What are some good places to visit in Europe?",
    "What skincare routine would you recommend?",
    "How can I learn a new language quickly?",
    "What are some ways to unwind after a long day?",
    "Which apps would help me stay organised?",
    "What should I wear to a wedding?",
    "What are some healthy snacks for the office?",
    "How can I make my garden look better?",
    "What are good ways to meet new people in a new city?",
    "Can you recommend a podcast?",
    "What kind of pet would suit me?",
    "How should I get around when I visit a new city?",
    "What are some good ideas for a weekend getaway?",
)


def generic_direction(vectors: Vector) -> Vector:
    """The unit mean of the requests' embeddings (``vectors``: one row per request)."""
    mean = np.asarray(vectors, dtype=np.float32).mean(axis=0)
    norm = float(np.linalg.norm(mean))
    out: Vector = mean / norm if norm > 0 else mean
    return out
