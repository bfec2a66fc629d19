"""Tokenising, sentence splitting and phrase candidates: the shared text plumbing."""

from __future__ import annotations

import re

WORD_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’_\-]*")
_SENT_RE = re.compile(r"(?<=[.!?])\s+|\n+")
# A line of a numbered or bulleted list ("1. ...", "- ..."): group 2 is its text.
LIST_LINE = re.compile(r"(?m)^\s*(\d+[.)]|[-*•])\s+(.+)$")
# Break points for phrase candidates: punctuation and anything that is not a word.
_CHUNK_RE = re.compile(r"[^A-Za-z0-9'’_\-\s]+")
# Tokens that are numbers or measurements ("350", "5h", "1200mah", "3-5"): not topics.
_NUMBERISH = re.compile(r"^[\d.,'’\-]+[a-z]{0,3}$")
URL_RE = re.compile(r"https?://\S+|www\.\S+")
MENTION_RE = re.compile(r"(?<!\w)@\w+")
HASHTAG_RE = re.compile(r"(?<!\w)#\w+")
EMOJI_RE = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf]|[:;=]-?[)(DPp]")

STOPWORDS = frozenset(
    ["a", "about", "above", "after", "again", "against", "all", "almost", "also", "am", "an", "and", "any", "are", "aren't", "as", "at", "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "can't", "cannot", "could", "couldn't", "did", "didn't", "do", "does", "doesn't", "doing", "don't", "down", "during", "each", "either", "else", "even", "ever", "every", "few", "for", "from", "further", "get", "gets", "getting", "got", "had", "hadn't", "has", "hasn't", "have", "haven't", "having", "he", "he'd", "he'll", "he's", "her", "here", "here's", "hers", "herself", "him", "himself", "his", "how", "how's", "however", "i", "i'd", "i'll", "i'm", "i've", "if", "in", "into", "is", "isn't", "it", "it's", "its", "itself", "just", "let's", "like", "made", "make", "makes", "many", "may", "me", "might", "more", "most", "much", "must", "mustn't", "my", "myself", "never", "no", "nor", "not", "now", "of", "off", "often", "on", "once", "one", "only", "or", "other", "ought", "our", "ours", "ourselves", "out", "over", "own", "put", "quite", "rather", "really", "said", "same", "say", "says", "see", "seem", "seems", "shan't", "she", "she'd", "she'll", "she's", "should", "shouldn't", "since", "so", "some", "still", "such", "than", "that", "that's", "the", "their", "theirs", "them", "themselves", "then", "there", "there's", "these", "they", "they'd", "they'll", "they're", "they've", "thing", "things", "this", "those", "though", "through", "thus", "to", "too", "under", "until", "up", "upon", "us", "use", "used", "using", "very", "was", "wasn't", "way", "we", "we'd", "we'll", "we're", "we've", "well", "were", "weren't", "what", "what's", "when", "when's", "where", "where's", "whether", "which", "while", "who", "who's", "whom", "why", "why's", "will", "with", "within", "without", "won't", "would", "wouldn't", "yes", "yet", "you", "you'd", "you'll", "you're", "you've", "your", "yours", "yourself", "yourselves", "im", "ive", "dont", "cant", "didnt", "doesnt", "isnt", "wasnt", "thats", "theres", "lol", "ok", "okay", "oh", "yeah", "yea", "got", "gonna", "wanna", "gotta", "lot", "lots", "bit", "going", "go", "goes", "went", "come", "comes", "came", "want", "wants", "need", "needs", "know", "knows", "think", "thinks", "take", "takes", "took", "give", "gives", "gave", "back", "first", "last", "new", "old", "good", "great", "bad", "better", "best", "day", "days", "time", "times", "today", "tomorrow", "yesterday", "now", "right", "left", "sure", "around", "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "twice", "half", "lot", "bit", "ever", "also", "etc", "though", "anyway", "maybe", "pretty", "actually", "definitely", "probably", "something", "anything", "everything", "nothing", "someone", "anyone", "everyone", "stuff", "kind", "sort", "able", "thanks", "thank", "please", "ll", "re", "ve", "didn", "doesn", "don", "isn", "wasn"]
)


def words(text: str) -> list[str]:
    """Lowercase word tokens (apostrophes normalised)."""
    return [w.replace("’", "'").lower() for w in WORD_RE.findall(text)]


def content_words(text: str) -> list[str]:
    return [w for w in words(text) if w not in STOPWORDS and len(w) > 1 and not w.isdigit()]


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENT_RE.split(text) if s.strip()]


def phrase_candidates(text: str, max_words: int = 3) -> list[tuple[str, str]]:
    """Candidate phrases as ``(phrase, sentence)``: runs of content words, RAKE-style.

    Stopwords and punctuation delimit runs; runs longer than ``max_words`` are split
    into their n-grams so "vintage tube amp sound" still yields "tube amp".
    """
    out: list[tuple[str, str]] = []
    for sent in sentences(URL_RE.sub(" ", text)):
        for chunk in _CHUNK_RE.split(sent):
            run: list[str] = []
            for w in [*words(chunk), ""]:
                if w and w not in STOPWORDS and len(w) > 2 and not _NUMBERISH.match(w):
                    run.append(w)
                    continue
                if run:
                    n = len(run)
                    if n <= max_words:
                        out.append((" ".join(run), sent))
                    else:
                        for size in range(max_words, 0, -1):
                            for i in range(n - size + 1):
                                out.append((" ".join(run[i : i + size]), sent))
                    run = []
    return out


def trim(text: str, limit: int) -> str:
    """Shorten at a word boundary, marking the cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut + "…"


def is_lowercase(text: str) -> bool:
    """Written without capitals (a stray capital in a long text is tolerated)."""
    lower, n = letter_counts(text)
    return bool(n) and lower / n > 0.98


def letter_counts(text: str) -> tuple[int, int]:
    """(lowercase letters, letters) of ``text`` (counted in C: chat answers are long)."""
    letters = list(filter(str.isalpha, text))
    return sum(map(str.islower, letters)), len(letters)
