"""The population lexicon of safe equivalences the offline rewriter draws on.

Written by hand from general knowledge of informal English and of how a
paraphrasing model formalises text; nothing here was fitted to evaluation golds.
Every entry is an *equivalence*: swapping one form for another keeps the meaning,
so the rewriter may use whichever form the user writes themselves.

Forms are lowercase and use the straight apostrophe. Multi-word forms are
matched as whole-word phrases.

* :data:`CONTRACTIONS` — ``(full, apostrophe, bare)``: "i am" / "i'm" / "im". The
  bare form is ``None`` where it is an unrelated word ("we'll" → "well").
* :data:`TEXTSPEAK` — a standard spelling and the informal spellings that mean the
  same ("you" / "u"), used only when the user's history shows the informal one.
* :data:`PLAIN_WORDS` — a formal word a paraphrase tends to use, and the plain
  word tweeters and chat users write for the same meaning ("currently" → "now").
  The formal word is replaced when the user never writes it.
* :data:`SYNONYMS` — everyday words that mean the same; the user's own choice wins
  when their history has it ("mom" / "mum").
* :data:`FORMAL_FILLERS` — connectives and intensifiers that add register, not
  content ("additionally", "indeed"); dropped when the user never writes them.
* :data:`NUMBER_WORDS` — number words and their digits.
* :data:`FILLERS` — interjections and ASCII emoticons, habits that do not depend
  on the content ("lol", "haha", ":D").
* :data:`NUMBER_CONTEXT` — words after which "2"/"4" is a number, not "to"/"for".

Left out on purpose: "and" → "&" (ROUGE's tokenizer drops "&", so the habit cannot
be measured on LaMP-7 and only costs the "and"), "too" → "2" (a "2" in the history
cannot tell "to" from "too"), and words whose formal sense is also an everyday one
("concerning", "individual", "complete").
"""

from __future__ import annotations

CONTRACTIONS: tuple[tuple[str, str, str | None], ...] = (
    ("i am", "i'm", "im"),
    ("i have", "i've", "ive"),
    ("i will", "i'll", None),
    ("i would", "i'd", None),
    ("you are", "you're", "youre"),
    ("you have", "you've", "youve"),
    ("you will", "you'll", "youll"),
    ("we are", "we're", None),
    ("we have", "we've", "weve"),
    ("we will", "we'll", None),
    ("they are", "they're", "theyre"),
    ("they have", "they've", "theyve"),
    ("they will", "they'll", "theyll"),
    ("it is", "it's", "its"),
    ("that is", "that's", "thats"),
    ("there is", "there's", "theres"),
    ("what is", "what's", "whats"),
    ("he is", "he's", "hes"),
    ("she is", "she's", "shes"),
    ("let us", "let's", "lets"),
    ("do not", "don't", "dont"),
    ("does not", "doesn't", "doesnt"),
    ("did not", "didn't", "didnt"),
    ("is not", "isn't", "isnt"),
    ("are not", "aren't", "arent"),
    ("was not", "wasn't", "wasnt"),
    ("were not", "weren't", "werent"),
    ("have not", "haven't", "havent"),
    ("has not", "hasn't", "hasnt"),
    ("had not", "hadn't", "hadnt"),
    ("cannot", "can't", "cant"),
    ("will not", "won't", "wont"),
    ("would not", "wouldn't", "wouldnt"),
    ("could not", "couldn't", "couldnt"),
    ("should not", "shouldn't", "shouldnt"),
    ("would have", "would've", "wouldve"),
    ("could have", "could've", "couldve"),
    ("should have", "should've", "shouldve"),
)

# A bare "its" is also the possessive; only count it as "it's" before words that
# cannot follow a possessive.
ITS_POSSESSIVE_NEXT = frozenset({"own", "way", "name", "place", "best", "first", "last"})

TEXTSPEAK: tuple[tuple[str, ...], ...] = (
    ("you", "u", "ya"),
    ("your", "ur", "yr"),
    ("are", "r"),
    ("be", "b"),
    ("see", "c"),
    ("why", "y"),
    ("for", "4"),
    ("to", "2"),
    ("before", "b4"),
    ("because", "cuz", "cause", "coz", "cos", "bc", "b/c", "bcuz", "becuz"),
    ("though", "tho"),
    ("through", "thru"),
    ("with", "w/"),
    ("without", "w/o"),
    ("and", "n"),
    ("people", "ppl", "peeps"),
    ("please", "pls", "plz", "pleaseee"),
    ("thanks", "thx", "thanx", "thnx", "tks"),
    ("thank you", "ty", "thankyou", "thank u"),
    ("tonight", "tonite", "2nite", "2night"),
    ("tomorrow", "tmrw", "tomoro", "tomorow", "2morrow", "2moro", "tmr"),
    ("today", "2day"),
    ("night", "nite"),
    ("okay", "ok"),
    ("about", "bout", "abt"),
    ("little", "lil"),
    ("love", "luv"),
    ("what", "wat", "wut"),
    ("the", "da", "tha"),
    ("that", "dat"),
    ("this", "dis"),
    ("them", "em"),
    ("just", "jus", "jst"),
    ("probably", "prob", "prolly", "probs"),
    ("really", "rly", "realy"),
    ("something", "somethin", "sumthin"),
    ("nothing", "nothin"),
    ("going to", "gonna"),
    ("want to", "wanna"),
    ("got to", "gotta"),
    ("have got to", "gotta"),
    ("kind of", "kinda"),
    ("sort of", "sorta"),
    ("a lot of", "alot of", "lotsa"),
    ("a lot", "alot"),
    ("don't know", "dunno"),
    ("i don't know", "idk", "dunno"),
    ("oh my god", "omg", "oh my gosh"),
    ("by the way", "btw"),
    ("to be honest", "tbh"),
    ("in my opinion", "imo"),
    ("as soon as possible", "asap"),
    ("right now", "rn"),
    ("until", "till", "til", "untill"),
    ("yes", "yeah", "yea", "yep", "yup"),
    ("no", "nope", "nah"),
    ("boyfriend", "bf"),
    ("girlfriend", "gf"),
    ("birthday", "bday"),
    ("favorite", "fav", "fave", "favourite"),
    ("picture", "pic"),
    ("pictures", "pics"),
    ("minutes", "mins"),
    ("seconds", "secs"),
    ("hours", "hrs"),
    ("years", "yrs"),
    ("weekend", "wknd"),
    ("everyone", "every1", "everybody"),
    ("someone", "some1", "somebody"),
    ("anyone", "any1", "anybody"),
    ("great", "gr8"),
    ("later", "l8r", "lata", "laterz"),
    ("tweets", "tweetz"),
    ("forward", "fwd"),
    ("message", "msg"),
    ("definitely", "def", "deff", "definately"),
    ("seriously", "srsly"),
    ("whatever", "whatevs", "wateva"),
    ("sister", "sis"),
    ("brother", "bro"),
    ("tv", "telly"),
)

# Formal word → the plain word for the same meaning. The plain word is the
# default; the user's own choice among (formal, plain, alternatives) wins.
PLAIN_WORDS: tuple[tuple[str, ...], ...] = (
    ("currently", "now", "right now"),
    ("at the moment", "right now", "now"),
    ("presently", "now"),
    ("however", "but"),
    ("nevertheless", "but still", "still"),
    ("although", "though", "but"),
    ("therefore", "so"),
    ("thus", "so"),
    ("consequently", "so"),
    ("perhaps", "maybe"),
    ("possibly", "maybe"),
    ("approximately", "about", "around"),
    ("additionally", "also", "plus"),
    ("furthermore", "also", "plus"),
    ("moreover", "also", "plus"),
    ("as well", "too"),
    ("extremely", "so", "really"),
    ("incredibly", "so", "really"),
    ("exceedingly", "so", "really"),
    ("tremendously", "so", "really"),
    ("unable to", "not able to"),
    ("am unable to", "can't"),
    ("i'm unable to", "i can't"),
    ("is unable to", "can't"),
    ("are unable to", "can't"),
    ("was unable to", "couldn't"),
    ("were unable to", "couldn't"),
    ("purchase", "buy"),
    ("purchased", "bought"),
    ("receive", "get"),
    ("received", "got"),
    ("obtain", "get"),
    ("obtained", "got"),
    ("acquire", "get"),
    ("acquired", "got"),
    ("assist", "help"),
    ("assistance", "help"),
    ("require", "need"),
    ("requires", "needs"),
    ("commence", "start"),
    ("begin", "start"),
    ("inform", "tell"),
    ("depart", "leave"),
    ("reside", "live"),
    ("desire", "want"),
    ("desires", "wants"),
    ("attempt", "try"),
    ("attempting", "trying"),
    ("attend", "go to"),
    ("attending", "going to"),
    ("utilize", "use"),
    ("utilizing", "using"),
    ("sufficient", "enough"),
    ("numerous", "lots of"),
    ("individuals", "people"),
    ("difficult", "hard"),
    ("amusing", "funny"),
    ("humorous", "funny"),
    ("hilarious", "so funny"),
    ("enjoyable", "fun"),
    ("delighted", "happy"),
    ("pleased", "happy"),
    ("fatigued", "tired"),
    ("exhausted", "tired"),
    ("unwell", "sick"),
    ("ill", "sick"),
    ("intoxicated", "drunk"),
    ("inebriated", "drunk"),
    ("unoccupied", "bored"),
    ("famished", "starving"),
    ("consume", "eat"),
    ("discover", "find"),
    ("discovered", "found"),
    ("completed", "finished", "done"),
    ("mentioned", "said"),
    ("stated", "said"),
    ("experiencing", "having"),
    ("residence", "house"),
    ("automobile", "car"),
    ("television", "tv"),
    ("telephone", "phone"),
    ("photograph", "photo", "pic"),
    ("photographs", "photos", "pics"),
    ("children", "kids"),
    ("mother", "mom", "mum"),
    ("father", "dad"),
    ("beverage", "drink"),
    ("inquire", "ask"),
    ("regarding", "about"),
    ("prior to", "before"),
    ("in order to", "to"),
    ("a great deal", "a lot"),
    ("a great deal of", "a lot of"),
    ("in the near future", "soon"),
    ("shortly", "soon"),
    ("laughing out loud", "lol"),
    ("oh my goodness", "omg", "oh my god"),
    ("goodbye", "bye"),
    ("hello", "hey", "hi"),
    ("pleasant", "nice"),
    ("adore", "love"),
    ("most likely", "probably"),
    ("greetings", "hi", "hey"),
)

SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("mom", "mum", "mommy", "mummy", "mama", "mamma"),
    ("dad", "daddy", "papa"),
    ("hi", "hey", "hello", "hiya"),
    ("bye", "cya", "see ya"),
    ("photo", "pic", "picture"),
    ("photos", "pics", "pictures"),
    ("movie", "film"),
    ("movies", "films"),
    ("kids", "children"),
    ("great", "awesome", "amazing"),
    ("happy", "glad"),
    ("funny", "hilarious"),
    ("sad", "upset"),
    ("hate", "dislike"),
    ("start", "begin"),
)

FORMAL_FILLERS: frozenset[str] = frozenset(
    {
        "indeed", "truly", "certainly", "quite", "rather", "simply", "particularly",
        "somewhat", "essentially", "apparently", "evidently", "unfortunately",
        "fortunately", "ultimately", "nonetheless", "hence", "accordingly",
    }
)

NUMBER_WORDS: dict[str, str] = {
    "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12",
    "fifteen": "15", "twenty": "20", "thirty": "30", "forty": "40", "fifty": "50",
    "hundred": "100",
}

FILLERS: tuple[str, ...] = (
    "lol", "lmao", "rofl", "haha", "hahaha", "hahahaha", "hehe", "heh", "omg", "ugh",
    "argh", "yay", "woo", "wooo", "woohoo", "aww", "awww", "aw", "hmm", "hmmm", "meh",
    "damn", "wow", "oh", "ah", "ahh", "ooh", "oops", "xd", "xo", "xx", "xxx", ":d",
    ":p", ";p", "xp", "=d", ":-d", ":-p", "<3", "smh", "fml", "ftw", "sigh",
)

# Words after which a "2" or "4" is a number ("2 days"), not "to"/"for".
NUMBER_CONTEXT: frozenset[str] = frozenset(
    {
        "am", "pm", "day", "days", "night", "nights", "hour", "hours", "hrs", "min", "mins",
        "minutes", "week", "weeks", "month", "months", "year", "years", "yrs", "times", "more",
        "less", "of", "people", "dollars", "bucks", "k", "x", "points", "games", "pages",
    }
)
