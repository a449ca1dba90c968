"""Long-context training samples over natural-text haystacks (numpy + tokenizers only, no torch).

Every sample is exactly `length` tokens: BOS, a layout prefix, a window of one book with facts ("needles")
spliced in at sentence boundaries, then one or more questions, each followed by its answer. Each token carries a
loss category (the category of the token as a prediction target):

  CAT_NONE   0  no loss: BOS, layout text, needle sentences, questions, padding
  CAT_HAY    1  haystack language modelling (reduced weight, --hay-weight)
  CAT_ANSWER 2  answer tokens and the EOS after the last answer (weight 1)
  CAT_LM     3  plain language-modelling samples (weight 1)
  CAT_HELD   4  book text held out from the LM loss in this chunk (version 3's --lm-holdout): weight 0, its NLL is
                logged as a measure of memorisation

Splicing is token-exact: text is only joined where the llama-3 pre-tokenizer has a stable boundary, so a sample's
ids equal what encoding its whole text would give (see build_data.py for the boundary arrays).

Held-out material never appears in training samples (split="train"): the book Walden, every 8th word of each
wonderwords list (activities, values), every 5th place and name (plus San Francisco), and the phrasing family
HELDOUT_FAMILY. Random numbers, ids and variable names come from disjoint seeds.

The paper's layout (CompressKV method notes section 7.2, without the "<|im_start|>" text):
  BOS "This is a very long story book: <book> {context} </book>.\\n Based on the content of the book, Question:
  {question}\\nAnswer:" then " {answer}" EOS.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

CAT_NONE, CAT_HAY, CAT_ANSWER, CAT_LM, CAT_HELD = 0, 1, 2, 3, 4
N_CATS = 5

PAPER_PREFIX = "This is a very long story book: <book>"
PAPER_QUESTION = " </book>.\n Based on the content of the book, Question: {q}\nAnswer:"
# A second layout so that retrieval does not hinge on one wording; the paper's layout dominates (LAYOUT_WEIGHTS).
PLAIN_PREFIX = "Read the text below, then answer the questions.\nText:"
PLAIN_QUESTION = " End of text.\nQuestion: {q}\nAnswer:"
NEXT_QUESTION = "Question: {q}\nAnswer:"  # after an answer that ended with "\n"
LAYOUTS = {"paper": (PAPER_PREFIX, PAPER_QUESTION), "plain": (PLAIN_PREFIX, PLAIN_QUESTION)}
LAYOUT_WEIGHTS = {"paper": 0.75, "plain": 0.25}

PLACES = """Amsterdam;Athens;Auckland;Bangkok;Barcelona;Beijing;Berlin;Bogota;Boston;Brussels;Budapest;Buenos Aires;
Cairo;Calgary;Cape Town;Caracas;Chicago;Copenhagen;Dakar;Delhi;Denver;Dhaka;Dublin;Edinburgh;Florence;Geneva;Glasgow;
Hanoi;Havana;Helsinki;Hong Kong;Honolulu;Istanbul;Jakarta;Jerusalem;Johannesburg;Kabul;Kyoto;Lagos;Lima;Lisbon;London;
Los Angeles;Lyon;Madrid;Manila;Marseille;Melbourne;Mexico City;Miami;Milan;Montreal;Moscow;Mumbai;Munich;Nairobi;
Naples;New Orleans;New York;Nice;Osaka;Oslo;Ottawa;Paris;Perth;Philadelphia;Porto;Prague;Quebec;Reykjavik;Riga;
Rio de Janeiro;Rome;Rotterdam;San Diego;Santiago;Seattle;Seoul;Seville;Shanghai;Singapore;Sofia;Stockholm;Sydney;
Taipei;Tallinn;Tokyo;Toronto;Tunis;Valencia;Vancouver;Venice;Vienna;Vilnius;Warsaw;Wellington;Zagreb;Zurich;Adelaide;
Alexandria;Anchorage;Antwerp;Atlanta;Austin;Baltimore;Belfast;Bergen;Bern;Bilbao;Bordeaux;Bristol;Brisbane;Bruges;
Cambridge;Canberra;Cardiff;Casablanca;Chennai;Cleveland;Cologne;Cork;Dallas;Detroit;Dresden;Durban;Dusseldorf;
Frankfurt;Galway;Gdansk;Genoa;Granada;Hamburg;Hanover;Houston;Jaipur;Kolkata;Krakow;Leeds;Leipzig;Liverpool;Lucerne;
Madison;Malaga;Manchester;Marrakech;Memphis;Minneapolis;Montevideo;Nashville;Oaxaca;Oxford;Palermo;Pittsburgh;
Portland;Quito;Salzburg;Sapporo;Seville Harbor;Siena;Split;Stuttgart;Tampa;Toledo;Trieste;Turin;Utrecht;Verona;
Winnipeg;Yokohama;Zanzibar;Addis Ababa;Accra;Baku;Beirut;Cusco;Doha;Fez;Goa;Hobart;Innsbruck;Kiev;Kingston;Luxor;
Macau;Mombasa;Nagoya;Odessa;Petra;Phuket;Sarajevo;Tbilisi;Timbuktu;Ushuaia;Windhoek;Yerevan;Bali;Crete;Corsica;Iceland;
Patagonia;Provence;Sicily;Tasmania;Tuscany;Yukon;Alaska;Bavaria;Cornwall;Normandy;Sardinia;Scotland;Lapland;Bermuda""".split(";")
PLACES = [p.strip() for p in PLACES if p.strip()]

NAMES = """Alice;Arthur;Beatrice;Benjamin;Clara;Charles;Daisy;Daniel;Edith;Edward;Fiona;Frank;Grace;George;Hannah;Henry;
Iris;Isaac;Julia;James;Katherine;Kevin;Lucy;Leonard;Margaret;Martin;Nora;Nathan;Olivia;Oscar;Penelope;Peter;Rosa;Robert;
Sophia;Samuel;Theresa;Thomas;Ursula;Victor;Violet;Walter;Wendy;William;Yvonne;Zachary;Agnes;Albert;Bridget;Bruno;
Cecilia;Cyril;Dorothy;Dennis;Eleanor;Elliot;Flora;Felix;Gloria;Gilbert;Helen;Harold;Ingrid;Ivan;Joan;Jasper;Laura;Lionel;
Mabel;Marcus;Nina;Neville;Opal;Owen;Phoebe;Philip;Ruth;Rupert;Stella;Simon;Tilda;Tobias;Vera;Vincent;Winifred;Wesley;
Adele;Amos;Bella;Boris;Carmen;Cedric;Delia;Dexter;Esther;Emil;Freya;Fabian;Hazel;Hugo;Ida;Igor;June;Jonah;Lena;Louis""".split(";")
NAMES = [n.strip() for n in NAMES if n.strip()]
THINGS = ["food", "animal", "tool", "instrument", "book", "game", "drink", "hobby", "gift", "song", "flower", "toy"]

# Single-fact families used in training: (needle sentence, question, answer) with {K} the key, {V} the value.
TRAIN_FAMILIES = {
    "best": ("The best thing to do in {K} is {V}.", "What is the best thing to do in {K}?", "{V}."),
    "enjoy": ("The most enjoyable thing to do in {K} is {V}.", "What is the most enjoyable thing to do in {K}?", "{V}."),
    "magic": ("The special magic number for {K} is {V}.", "What is the special magic number for {K}?", "{V}."),
    "word": ("The secret word for {K} is {V}.", "What is the secret word for {K}?", "{V}."),
    "favorite": ("{K}'s favorite {T} is the {V}.", "What is {K}'s favorite {T}?", "The {V}."),
    "kv": ("The value of key {K} is {V}.", "What is the value of key {K}?", "{V}."),
    "lives": ("{K} lives in {V}.", "Where does {K} live?", "{V}."),
}
FAMILY_WEIGHTS = {"best": 0.34, "enjoy": 0.08, "magic": 0.16, "word": 0.1, "favorite": 0.1, "kv": 0.12, "lives": 0.1}
# Phrasing family never used in training: measures generalisation to an unseen wording.
HELDOUT_FAMILY = ("People who visit {K} should always {V}.", "What should people who visit {K} always do?", "{V}.")
PASSKEY = ("The pass key is {V}. Remember it. {V} is the pass key.", "What is the pass key?", "{V}.")
MULTI_VALUE = ("One of the special magic numbers for {K} is {V}.", "What are all the special magic numbers for {K}?")
VAR_ASSIGN_VALUE = "VAR {X} = {V}."
VAR_ASSIGN_VAR = "VAR {X} = VAR {Y}."
VAR_QUESTION = "Which variables are assigned the value {V}?"

KIND_WEIGHTS = {"qa": 0.6, "multivalue": 0.1, "vartrack": 0.1, "passkey": 0.05, "lm": 0.15}
# Version 3's task kinds (weight 0 unless --kind-weights names them, so the version 2 recipe is unchanged):
#   multihop    the answer to one fact is the key of another (2 or 3 hops), with same-shaped distractors
#   paraphrase  the needle and the question are worded differently; some answers are rephrased ("In Oslo.")
#   reverse     the question gives the value and asks for the key ("Who lives in Oslo?")
#   count       how many facts of one kind there are ("How many people live in Oslo?" → "Three.")
V3_KINDS = ("multihop", "paraphrase", "reverse", "count")

# Relations for multi-hop chains (training and evaluation use the same wording; entities differ by split).
FRIEND = "{K}'s best friend is {V}."
MULTIHOP_QUESTIONS = {
    ("lives", "best"): ("What is the best thing to do in the city where {K} lives?", "{V}."),
    ("lives", "word"): ("What is the secret word for the place where {K} lives?", "{V}."),
    ("friend", "lives"): ("Where does {K}'s best friend live?", "{V}."),
    ("friend", "favorite"): ("What is the favorite {T} of {K}'s best friend?", "The {V}."),
    ("kv", "kv"): ("What is the value of the key that is the value of key {K}?", "{V}."),
    ("friend", "lives", "best"): ("What is the best thing to do in the city where {K}'s best friend lives?", "{V}."),
    ("friend", "friend", "lives"): ("Where does the best friend of {K}'s best friend live?", "{V}."),
}
MULTIHOP_WEIGHTS = {("lives", "best"): 0.22, ("lives", "word"): 0.1, ("friend", "lives"): 0.18,
                    ("friend", "favorite"): 0.1, ("kv", "kv"): 0.1, ("friend", "lives", "best"): 0.2,
                    ("friend", "friend", "lives"): 0.1}
# Paraphrases: (needle wordings, (question, answer) wordings). A sample pairs a needle with a question of another
# wording. None of them is the held-out family's ("People who visit {K} should always {V}.").
PARAPHRASES = {
    "best": (["The best thing to do in {K} is {V}.", "If you are ever in {K}, the thing to do is to {V}.",
              "A guide book about {K} says that you must {V}.", "Nothing in {K} beats the chance to {V}."],
             [("What is the best thing to do in {K}?", "{V}."), ("What does the guide book recommend in {K}?", "{V}."),
              ("What would you recommend doing in {K}?", "To {V}."), ("What is worth doing in {K}?", "{V}.")]),
    "magic": (["The special magic number for {K} is {V}.", "Remember {V}: it is the magic number of {K}.",
               "For {K}, the magic number is {V}."],
              [("What is the special magic number for {K}?", "{V}."), ("Which number belongs to {K}?", "{V}."),
               ("What magic number was given for {K}?", "{V}.")]),
    "lives": (["{K} lives in {V}.", "{K} has made a home in {V}.", "The house of {K} stands in {V}."],
              [("Where does {K} live?", "{V}."), ("In which city is {K}'s home?", "In {V}."),
               ("Where would you find the house of {K}?", "In {V}.")]),
    "favorite": (["{K}'s favorite {T} is the {V}.", "Of all the {T}s, {K} likes the {V} best.",
                  "The {T} that {K} loves most is the {V}."],
                 [("What is {K}'s favorite {T}?", "The {V}."), ("Which {T} does {K} like best?", "The {V}."),
                  ("What {T} does {K} love most?", "The {V}.")]),
    "word": (["The secret word for {K} is {V}.", "Whoever asks about {K} must say the secret word {V}.",
              "{V} is the secret word for {K}."],
             [("What is the secret word for {K}?", "{V}."), ("Which word must be said about {K}?", "{V}."),
              ("What is the password for {K}?", "{V}.")]),
}
PARAPHRASE_WEIGHTS = {"best": 0.35, "magic": 0.15, "lives": 0.2, "favorite": 0.15, "word": 0.15}
REVERSE_QUESTIONS = {
    "lives": ("Who lives in {V}?", "{K}."),
    "magic": ("Which key has the special magic number {V}?", "{K}."),
    "kv": ("Which key has the value {V}?", "{K}."),
    "word": ("Which place or person has the secret word {V}?", "{K}."),
}
NUMBER_WORDS = ["Zero", "One", "Two", "Three", "Four", "Five", "Six"]
COUNT_QUESTIONS = {
    "lives": ("How many of the people mentioned live in {V}?", "{N}."),
    "multivalue": ("How many special magic numbers for {K} are there?", "{N}."),
}


def _split(items: list[str], every: int, offset: int, extra_heldout=()) -> dict:
    held = [x for i, x in enumerate(items) if i % every == offset or x in extra_heldout]
    return {"train": [x for x in items if x not in set(held)], "heldout": held}


@dataclass
class Pools:
    """Entity pools for one split ("train" or "heldout")."""
    places: list[str]
    names: list[str]
    nouns: list[str]
    adjectives: list[str]
    verbs: list[str]
    # Training only: words of the training books used in place of word-list words (EXTRA_WORD_SHARE of the
    # slots), plus pronounceable pseudo-words, so that values must be copied token by token.
    extra: list[str] = field(default_factory=list)

    @staticmethod
    def load(meta: dict, split: str) -> "Pools":
        places = _split(PLACES, 5, 2, extra_heldout=("San Francisco",))
        if "San Francisco" not in places["heldout"]:
            places["heldout"].append("San Francisco")
        names = _split(NAMES, 5, 1)
        w = meta["words"]
        extra = meta.get("book_words", []) if split == "train" else []
        return Pools(places[split], names[split], w["nouns"][split], w["adjectives"][split], w["verbs"][split], extra)


# Version 2 raised both shares (0.5 / 0.25 in version 1): version 1's remaining misses were single words copied
# wrongly ("hexagon" -> "hex"), so more values must be copied token by token rather than recalled.
EXTRA_WORD_SHARE = 0.6     # of value-word slots filled from Pools.extra (training split only)
PSEUDO_WORD_SHARE = 0.4    # of those, a pseudo-word instead of a book word
_ONSETS = ["b", "bl", "br", "c", "ch", "cl", "cr", "d", "dr", "f", "fl", "fr", "g", "gl", "gr", "h", "j", "k", "l",
           "m", "n", "p", "pl", "pr", "qu", "r", "s", "sc", "sh", "sl", "sn", "sp", "st", "str", "t", "th", "tr", "v",
           "w", "z"]
_VOWELS = ["a", "e", "i", "o", "u", "ai", "ea", "ee", "ie", "oa", "oo", "ou"]
_CODAS = ["", "", "", "b", "ck", "d", "g", "l", "m", "n", "nd", "ng", "nt", "p", "r", "rk", "s", "sh", "st", "t", "x"]


def pseudo_word(rng: np.random.Generator) -> str:
    """A pronounceable non-word of 1 to 3 syllables."""
    c = lambda xs: xs[rng.integers(len(xs))]
    return "".join(c(_ONSETS) + c(_VOWELS) + c(_CODAS) for _ in range(int(rng.integers(1, 4))))


def pick_word(rng: np.random.Generator, p: "Pools", base: list[str]) -> str:
    if p.extra and rng.random() < EXTRA_WORD_SHARE:
        return pseudo_word(rng) if rng.random() < PSEUDO_WORD_SHARE else p.extra[rng.integers(len(p.extra))]
    return base[rng.integers(len(base))]


def article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


TRAIN_ACTIVITY_FORMS = 8
PROPER_SUFFIXES = ["Park", "Square", "Garden", "Street", "Market", "Hall", "Bridge", "Lake", "Museum", "Hill",
                   "Beach", "Harbor", "Avenue", "Tower", "Castle", "Library"]


def proper_name(rng: np.random.Generator, p: Pools) -> str:
    """A capitalised two-word name such as "Dolores Park": a person's name, a capitalised value word or
    pseudo-word, then a capitalised noun or a common suffix. The paper's needle has one inside its answer."""
    r = rng.random()
    first = p.names[rng.integers(len(p.names))] if r < 0.35 else pick_word(rng, p, p.nouns).capitalize()
    second = PROPER_SUFFIXES[rng.integers(len(PROPER_SUFFIXES))] if rng.random() < 0.5 \
        else pick_word(rng, p, p.nouns).capitalize()
    return f"{first} {second}"


def activity(rng: np.random.Generator, p: Pools, forms: int = 6) -> str:
    """A random activity of 2 to 14 words: a value that must be copied, never guessed. Evaluation sets draw from
    the first 6 forms (as when they were made); training samples from all 8 (TRAIN_ACTIVITY_FORMS)."""
    c = lambda xs: pick_word(rng, p, xs)
    n1, n2, n3, a1, a2 = c(p.nouns), c(p.nouns), c(p.nouns), c(p.adjectives), c(p.adjectives)
    v1, v2 = c(p.verbs), c(p.verbs)
    # Forms 6 and 7 (from version 2) hold a capitalised proper name, as the paper's needle does.
    form = rng.integers(forms)
    if form == 6:
        return f"{v1} {article(n1)} {n1} and {v2} in {proper_name(rng, p)} on {article(a2)} {a2} day"
    if form == 7:
        return f"{v1} the {a1} {n1} at {proper_name(rng, p)}"
    if form == 0:
        return f"{v1} the {n1}"
    if form == 1:
        return f"{v1} {article(a1)} {a1} {n1}"
    if form == 2:
        return f"{v1} the {a1} {n1} near the {n2}"
    if form == 3:
        return f"{v1} {article(n1)} {n1} and {v2} the {a1} {n2}"
    if form == 4:
        return f"{v1} the {n1} and {v2} in {article(a1)} {a1} {n2} on {article(a2)} {a2} day"
    return f"{v1} {article(a1)} {a1} {n1} with the {n2} of the {n3}"


def number(rng: np.random.Generator, digits: int = 7) -> str:
    return str(int(rng.integers(10 ** (digits - 1), 10 ** digits)))


def hex_id(rng: np.random.Generator) -> str:
    return "".join("0123456789abcdef"[i] for i in rng.integers(16, size=8))


def var_name(rng: np.random.Generator) -> str:
    return "".join(chr(65 + i) for i in rng.integers(26, size=5))


@dataclass
class Group:
    """Sentences to splice into the haystack in this order, and the question(s) they answer."""
    sentences: list[str]
    qas: list[tuple[str, str]]
    ordered: bool = False  # the sentences must keep their order in the document (chains, value lists)


def fill(template: str, **kw) -> str:
    return template.format(**kw)


def single_fact(rng: np.random.Generator, p: Pools, family: tuple[str, str, str], kind: str, used: set) -> Group:
    for _ in range(50):
        t = THINGS[rng.integers(len(THINGS))]
        if kind in ("best", "enjoy", "heldout"):
            k = p.places[rng.integers(len(p.places))]
            v = activity(rng, p, TRAIN_ACTIVITY_FORMS if p.extra else 6)
        elif kind == "magic":
            k, v = f"{p.adjectives[rng.integers(len(p.adjectives))]}-{p.nouns[rng.integers(len(p.nouns))]}", number(rng)
        elif kind == "word":
            pool = p.places if rng.random() < 0.5 else p.names
            k, v = pool[rng.integers(len(pool))], pick_word(rng, p, p.nouns)
        elif kind == "favorite":
            k, v = p.names[rng.integers(len(p.names))], f"{pick_word(rng, p, p.adjectives)} {pick_word(rng, p, p.nouns)}"
        elif kind == "kv":
            k, v = hex_id(rng), hex_id(rng)
        elif kind == "lives":
            k, v = p.names[rng.integers(len(p.names))], p.places[rng.integers(len(p.places))]
        else:
            raise ValueError(f"unknown fact family {kind}")
        key = (kind, k, t if kind == "favorite" else "")
        if key not in used:
            used.add(key)
            s, q, a = family
            return Group([fill(s, K=k, V=v, T=t)], [(fill(q, K=k, T=t), fill(a, V=v))])
    raise RuntimeError(f"could not draw a fresh key for family {kind}")


def passkey_group(rng: np.random.Generator) -> Group:
    v = number(rng, int(rng.integers(4, 9)))
    s, q, a = PASSKEY
    return Group([fill(s, V=v)], [(q, fill(a, V=v))])


def multivalue_group(rng: np.random.Generator, p: Pools, n_values: int, used: set) -> Group:
    while True:
        k = f"{p.adjectives[rng.integers(len(p.adjectives))]}-{p.nouns[rng.integers(len(p.nouns))]}"
        if ("magic", k, "") not in used:
            used.add(("magic", k, ""))
            break
    values = [number(rng) for _ in range(n_values)]
    s, q = MULTI_VALUE
    return Group([fill(s, K=k, V=v) for v in values], [(fill(q, K=k), ", ".join(values) + ".")], ordered=True)


def vartrack_group(rng: np.random.Generator, hops: int, used: set) -> Group:
    names = []
    while len(names) < hops:
        x = var_name(rng)
        if x not in used:
            used.add(x)
            names.append(x)
    value = number(rng, 5)
    sents = [fill(VAR_ASSIGN_VALUE, X=names[0], V=value)]
    sents += [fill(VAR_ASSIGN_VAR, X=names[i], Y=names[i - 1]) for i in range(1, hops)]
    return Group(sents, [(fill(VAR_QUESTION, V=value), ", ".join(names) + ".")], ordered=True)


def _entity(rng, p: Pools, kind: str, used: set, t: str = "") -> str:
    """A fresh key for fact family `kind` (places for best/word, names for lives/friend/favorite, ids for kv)."""
    for _ in range(200):
        if kind in ("best", "enjoy", "word"):
            k = p.places[rng.integers(len(p.places))]
        elif kind in ("lives", "friend", "favorite"):
            k = p.names[rng.integers(len(p.names))]
        elif kind == "kv":
            k = hex_id(rng)
        elif kind == "magic":
            k = f"{p.adjectives[rng.integers(len(p.adjectives))]}-{p.nouns[rng.integers(len(p.nouns))]}"
        else:
            raise ValueError(kind)
        if (kind, k, t) not in used:
            used.add((kind, k, t))
            return k
    raise RuntimeError(f"no fresh key for {kind}")


def _value(rng, p: Pools, kind: str) -> str:
    if kind in ("best", "enjoy"):
        return activity(rng, p, TRAIN_ACTIVITY_FORMS if p.extra else 6)
    if kind == "magic":
        return number(rng)
    if kind == "word":
        return pick_word(rng, p, p.nouns)
    if kind == "favorite":
        return f"{pick_word(rng, p, p.adjectives)} {pick_word(rng, p, p.nouns)}"
    if kind == "kv":
        return hex_id(rng)
    if kind == "lives":
        return p.places[rng.integers(len(p.places))]
    raise ValueError(kind)


def _sentence(kind: str, k: str, v: str, t: str) -> str:
    if kind == "friend":
        return FRIEND.format(K=k, V=v)
    return TRAIN_FAMILIES[kind][0].format(K=k, V=v, T=t)


def multihop_group(rng: np.random.Generator, p: Pools, used: set, chain: tuple | None = None) -> Group:
    """A chain of 2 or 3 facts where each fact's value is the next fact's key; one question about the chain's
    start whose answer is the last value. Bridge entities are fresh keys (no other fact in the sample has them as
    key), so the chain is unambiguous among distractors."""
    if chain is None:
        chains = list(MULTIHOP_WEIGHTS)
        w = np.array([MULTIHOP_WEIGHTS[c] for c in chains])
        chain = chains[rng.choice(len(chains), p=w / w.sum())]
    t = THINGS[rng.integers(len(THINGS))]
    key0 = _entity(rng, p, chain[0], used, t if chain[0] == "favorite" else "")
    k, sents = key0, []
    for i, rel in enumerate(chain):
        nxt = chain[i + 1] if i + 1 < len(chain) else None
        if nxt is None:
            v = _value(rng, p, rel)
        else:  # the value is the next relation's (fresh) key
            v = _entity(rng, p, nxt, used, t if nxt == "favorite" else "")
        sents.append(_sentence(rel, k, v, t))
        k = v
    q, a = MULTIHOP_QUESTIONS[chain]
    return Group(sents, [(q.format(K=key0, T=t), a.format(V=k))])


def paraphrase_group(rng: np.random.Generator, p: Pools, used: set, family: str | None = None) -> Group:
    """One fact in one wording, asked in a different wording (a different (needle, question) pair than the
    plain family's)."""
    if family is None:
        fams = list(PARAPHRASE_WEIGHTS)
        w = np.array([PARAPHRASE_WEIGHTS[f] for f in fams])
        family = fams[rng.choice(len(fams), p=w / w.sum())]
    needles, questions = PARAPHRASES[family]
    t = THINGS[rng.integers(len(THINGS))]
    k = _entity(rng, p, family, used, t if family == "favorite" else "")
    v = _value(rng, p, family)
    while True:
        ni, qi = int(rng.integers(len(needles))), int(rng.integers(len(questions)))
        if ni != 0 or qi != 0:
            break
    q, a = questions[qi]
    return Group([needles[ni].format(K=k, V=v, T=t)], [(q.format(K=k, T=t), a.format(V=v))])


def reverse_group(rng: np.random.Generator, p: Pools, used: set, vals: set) -> Group:
    """A fact asked backwards: the value is given, the key is the answer. Values are unique in the sample."""
    fams = list(REVERSE_QUESTIONS)
    family = fams[rng.integers(len(fams))]
    k = _entity(rng, p, family, used)
    for _ in range(100):
        v = _value(rng, p, family)
        if v not in vals:
            break
    vals.add(v)
    q, a = REVERSE_QUESTIONS[family]
    return Group([_sentence(family, k, v, "")], [(q.format(V=v), a.format(K=k))])


def count_group(rng: np.random.Generator, p: Pools, used: set, vals: set) -> Group:
    """1 to 5 facts sharing a value (people living in one city) or a key (magic numbers of one key); the answer
    is how many there are, as a word."""
    n = int(rng.integers(1, 6))
    if rng.random() < 0.5:
        for _ in range(100):
            place = p.places[rng.integers(len(p.places))]
            if place not in vals:
                break
        vals.add(place)
        people = [_entity(rng, p, "lives", used) for _ in range(n)]
        q, a = COUNT_QUESTIONS["lives"]
        return Group([_sentence("lives", x, place, "") for x in people], [(q.format(V=place), a.format(N=NUMBER_WORDS[n]))])
    g = multivalue_group(rng, p, n, used)
    k = g.qas[0][0][len("What are all the special magic numbers for "):-1]
    q, a = COUNT_QUESTIONS["multivalue"]
    return Group(g.sentences, [(q.format(K=k), a.format(N=NUMBER_WORDS[n]))], ordered=True)


class Corpus:
    """The token cache of build_data.py: books, and the positions where text can be spliced in exactly."""

    def __init__(self, data_dir: Path):
        data_dir = Path(data_dir)
        self.meta = json.loads((data_dir / "meta.json").read_text())
        self.tokens = np.load(data_dir / "tokens.npy", mmap_mode="r")
        self.word_starts = np.load(data_dir / "word_starts.npy", mmap_mode="r")
        self.sent_starts = np.load(data_dir / "sent_starts.npy", mmap_mode="r")
        self.line_starts = np.load(data_dir / "line_starts.npy", mmap_mode="r")
        self.bos, self.eos = self.meta["bos_id"], self.meta["eos_id"]
        self.books = self.meta["books"]
        self.train_books = [b for b in self.books if b["role"] == "train"]
        sizes = np.array([min(b["end"] - b["start"], 400_000) for b in self.train_books], float)
        self.train_weights = sizes / sizes.sum()  # the long KJV counts like a 400K-token book
        self.heldout = next(b for b in self.books if b["role"] == "heldout")
        self.lm_holdout = (0, 0)  # (k, rotation): see text_cats

    def text_cats(self, lo: int, hi: int, cat: int) -> np.ndarray:
        """Categories of corpus tokens [lo, hi): `cat`, except tokens in held-out blocks of 2048 tokens (block index b
        of the book with (b + rotation) % k == 0), which get CAT_HELD (no loss, logged). Version 3 rotates the
        held-out blocks from chunk to chunk (--lm-holdout K --lm-rotate I), so that at any time a 1/K share of every
        book is text the model is not being fitted to."""
        out = np.full(hi - lo, cat, np.uint8)
        k, rot = self.lm_holdout
        if k <= 1 or cat == CAT_NONE:
            return out
        pos = np.arange(lo, hi)
        starts = np.array([b["start"] for b in self.books])
        bstart = starts[np.searchsorted(starts, pos, side="right") - 1]
        out[((pos - bstart) // 2048 + rot) % k == 0] = CAT_HELD
        return out

    def book(self, name: str) -> dict:
        return next(b for b in self.books if b["name"] == name)

    def window(self, rng: np.random.Generator, n: int, book: dict | None = None) -> tuple[int, int]:
        """[lo, hi) of at most n tokens inside one book, both ends at word starts (hi may be the book end)."""
        for _ in range(100):
            b = book or self.train_books[rng.choice(len(self.train_books), p=self.train_weights)]
            if b["end"] - b["start"] <= n + 2:
                if book is not None:
                    raise ValueError(f"book {b['name']} has fewer than {n} tokens")
                continue
            ws = self.word_starts
            i0, i1 = np.searchsorted(ws, b["start"]), np.searchsorted(ws, b["end"] - n)
            if i1 <= i0:
                continue
            lo = int(ws[rng.integers(i0, i1)])
            j = np.searchsorted(ws, lo + n, side="right") - 1
            hi = int(ws[j]) if j >= 0 and ws[j] > lo else lo + n
            return lo, min(hi, b["end"])
        raise RuntimeError(f"no window of {n} tokens found")


class Builder:
    """Accumulates (ids, category) pieces of one sample."""

    def __init__(self):
        self.ids: list[np.ndarray] = []
        self.cats: list[np.ndarray] = []
        self.n = 0

    def add(self, ids, cat):
        ids = np.asarray(ids, np.int32)
        self.ids.append(ids)
        self.cats.append(np.asarray(cat, np.uint8) if np.ndim(cat) else np.full(len(ids), cat, np.uint8))
        self.n += len(ids)

    def add_text(self, corpus: "Corpus", lo: int, hi: int, cat: int):
        """Corpus tokens [lo, hi) as `cat`, held-out blocks as CAT_HELD (Corpus.text_cats)."""
        self.add(corpus.tokens[lo:hi], corpus.text_cats(lo, hi, cat))

    def finish(self, length: int, pad: int) -> tuple[np.ndarray, np.ndarray]:
        if self.n > length:
            raise ValueError(f"sample of {self.n} tokens exceeds {length}")
        if self.n < length:
            self.add(np.full(length - self.n, pad), CAT_NONE)
        return np.concatenate(self.ids), np.concatenate(self.cats)


@dataclass
class TaskFactory:
    """Generates samples. split='train' for training, 'heldout' for evaluation pools."""
    corpus: Corpus
    tokenizer: object  # tokenizers.Tokenizer
    split: str = "train"
    kind_weights: dict = field(default_factory=lambda: dict(KIND_WEIGHTS))
    _cache: dict = field(default_factory=dict)

    def __post_init__(self):
        self.pools = Pools.load(self.corpus.meta, self.split)

    # -- encoding -------------------------------------------------------------------------------------------------
    def enc(self, text: str) -> np.ndarray:
        ids = self._cache.get(text)
        if ids is None:
            ids = np.asarray(self.tokenizer.encode(text, add_special_tokens=False).ids, np.int32)
            if len(self._cache) > 20000:
                self._cache.clear()
            self._cache[text] = ids
        return ids

    # -- samples --------------------------------------------------------------------------------------------------
    def sample(self, rng: np.random.Generator, length: int, kind: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        if kind is None:
            kinds = list(self.kind_weights)
            kind = kinds[rng.choice(len(kinds), p=np.array([self.kind_weights[k] for k in kinds]) / sum(self.kind_weights.values()))]
        if kind == "lm":
            return self.lm_sample(rng, length)
        if kind == "lmfull":  # a plain-LM sample whose held-out blocks stay unmasked (not a training kind)
            return self.lm_sample(rng, length)
        layouts = list(LAYOUT_WEIGHTS)
        layout = layouts[rng.choice(len(layouts), p=list(LAYOUT_WEIGHTS.values()))]
        for _ in range(20):
            groups = self.draw_groups(rng, length, kind)
            asked = self.choose_questions(rng, groups, kind)
            out = self.compose(rng, length, groups, asked, layout)
            if out is not None:
                return out
        raise RuntimeError(f"could not fit a {kind} sample into {length} tokens")

    def lm_sample(self, rng, length: int, book: dict | None = None):
        lo, hi = self.corpus.window(rng, length - 1, book)
        b = Builder()
        b.add([self.corpus.bos], CAT_NONE)
        b.add_text(self.corpus, lo, hi, CAT_LM)
        return b.finish(length, self.corpus.eos)

    def max_groups(self, length: int) -> int:
        return int(np.clip(length // 110, 2, 16))

    def draw_groups(self, rng, length: int, kind: str) -> list[Group]:
        p, used = self.pools, set()
        fams = list(FAMILY_WEIGHTS)
        probs = np.array([FAMILY_WEIGHTS[f] for f in fams])
        probs /= probs.sum()
        mg = self.max_groups(length)
        n = 1 if rng.random() < 0.25 else int(rng.integers(2, mg + 1))
        # Half of the multi-fact samples use one family only: same-shaped distractors (multi-key).
        one_family = fams[rng.choice(len(fams), p=probs)] if rng.random() < 0.5 else None
        groups = []
        if kind == "multivalue":
            groups.append(multivalue_group(rng, p, int(rng.integers(2, 5)), used))
        elif kind == "vartrack":
            groups.append(vartrack_group(rng, int(rng.integers(2, 6)), used))
            if rng.random() < 0.6:
                groups.append(vartrack_group(rng, int(rng.integers(2, 6)), used))  # distractor chain
        elif kind == "passkey":
            groups.append(passkey_group(rng))
        elif kind in V3_KINDS:
            return self.draw_v3_groups(rng, length, kind, n, one_family, used)
        while len(groups) < n:
            f = one_family or fams[rng.choice(len(fams), p=probs)]
            groups.append(single_fact(rng, p, TRAIN_FAMILIES[f], f, used))
        return groups

    def draw_v3_groups(self, rng, length: int, kind: str, n: int, one_family, used: set) -> list[Group]:
        """1 or 2 groups of the v3 kind first (always asked), then distractor facts: with multi-hop, half of the
        samples add other chains of the same shape (same-shaped distractors); otherwise plain facts, often of the
        same family."""
        p, groups, vals = self.pools, [], set()
        for g in range(1 if rng.random() < 0.6 or length < 1024 else 2):
            if kind == "multihop":
                groups.append(multihop_group(rng, p, used))
            elif kind == "paraphrase":
                groups.append(paraphrase_group(rng, p, used))
            elif kind == "reverse":
                groups.append(reverse_group(rng, p, used, vals))
            else:
                groups.append(count_group(rng, p, used, vals))
        n_special = len(groups)
        budget = max(0, min(n, self.max_groups(length)) - sum(len(g.sentences) for g in groups))
        fams = list(FAMILY_WEIGHTS)
        probs = np.array([FAMILY_WEIGHTS[f] for f in fams])
        while budget > 0:
            if kind == "multihop" and rng.random() < 0.5:
                d = multihop_group(rng, p, used)
                if len(d.sentences) > budget:
                    break
                groups.append(Group(d.sentences, d.qas))
                budget -= len(d.sentences)
                continue
            f = one_family or fams[rng.choice(len(fams), p=probs / probs.sum())]
            if kind in ("reverse", "count") and f in ("lives", "magic", "kv", "word"):
                f = "best"  # keep reverse/count answers unique: no other fact shares the asked value
            groups.append(single_fact(rng, p, TRAIN_FAMILIES[f], f, used))
            budget -= 1
        self._n_special = n_special
        return groups

    def choose_questions(self, rng, groups: list[Group], kind: str) -> list[tuple[str, str]]:
        """Questions to ask (dense supervision: often several per sample, in random order)."""
        n_first = 0 if kind == "qa" else (getattr(self, "_n_special", 1) if kind in V3_KINDS else 1)
        first = [g.qas[0] for g in groups[:n_first]]  # the special group(s) always asked
        rest = [g.qas[0] for g in groups[n_first:] if not (kind == "vartrack" and g.ordered)]
        if kind == "qa":
            k = 1 if rng.random() < 0.3 else int(rng.integers(1, len(rest) + 1))
        else:
            k = int(rng.integers(0, len(rest) + 1)) if rest else 0
        picked = [rest[i] for i in rng.permutation(len(rest))[:k]]
        qs = first + picked
        order = rng.permutation(len(qs))
        return [qs[i] for i in order]

    def qa_tokens(self, layout: str, asked: list[tuple[str, str]]) -> list[tuple[np.ndarray, int]]:
        _, first_q = LAYOUTS[layout]
        parts = []
        for i, (q, a) in enumerate(asked):
            last = i == len(asked) - 1
            parts.append((self.enc((first_q if i == 0 else NEXT_QUESTION).format(q=q)), CAT_NONE))
            parts.append((self.enc(" " + a + ("" if last else "\n")), CAT_ANSWER))
        parts.append((np.array([self.corpus.eos], np.int32), CAT_ANSWER))
        return parts

    def compose(self, rng, length: int, groups: list[Group], asked, layout: str, book: dict | None = None,
                depths: list[float] | None = None):
        """Lays out one sample; returns None when the facts and questions leave too little haystack."""
        prefix, _ = LAYOUTS[layout]
        qa = self.qa_tokens(layout, asked)
        sentences = [(gi, s) for gi, g in enumerate(groups) for s in g.sentences]
        # Sentence encodings per splice variant: ' S' (after '.'/word), '.\nS\n' (replaces a '.'), 'S\n' (line start)
        fixed = 1 + len(self.enc(prefix)) + sum(len(x) for x, _ in qa)
        fixed += sum(len(self.enc(" " + s)) + 2 for _, s in sentences)
        budget = length - fixed
        if budget < 24:
            return None
        lo, hi = self.corpus.window(rng, budget, book)
        slots = self.place(rng, lo, hi, len(sentences), depths)
        # Each group takes random slots; an ordered group's sentences go into its slots in document order.
        perm = list(rng.permutation(len(slots))) if depths is None else list(range(len(slots)))
        assign, si = {}, 0
        for g in groups:
            mine = sorted(perm[si:si + len(g.sentences)], key=lambda i: slots[i][0])
            for k, sl in enumerate(mine):
                assign[sl] = si + k
            si += len(g.sentences)
        b = Builder()
        b.add([self.corpus.bos], CAT_NONE)
        b.add(self.enc(prefix), CAT_NONE)
        toks = self.corpus.tokens
        cur = lo
        for sl in sorted(range(len(slots)), key=lambda i: (slots[i][0], i)):
            pos, variant = slots[sl]
            s = sentences[assign[sl]][1]
            if variant == "dot":  # replace the '.' before pos by '.\n S \n'
                b.add_text(self.corpus, cur, pos - 1, CAT_HAY)
                b.add(self.enc(".\n" + s + "\n"), CAT_NONE)
            elif variant == "line":
                b.add_text(self.corpus, cur, pos, CAT_HAY)
                b.add(self.enc(s + "\n"), CAT_NONE)
            else:
                b.add_text(self.corpus, cur, pos, CAT_HAY)
                b.add(self.enc(" " + s), CAT_NONE)
            cur = pos
        b.add_text(self.corpus, cur, hi, CAT_HAY)
        for ids, cat in qa:
            b.add(ids, cat)
        if b.n > length:
            return None
        return b.finish(length, self.corpus.eos)

    def place(self, rng, lo: int, hi: int, n: int, depths: list[float] | None) -> list[tuple[int, str]]:
        """n distinct splice points in [lo, hi], each at a depth drawn uniformly (or given), snapped to the
        nearest free sentence start or paragraph start; the nearest free word start when none is near."""
        c = self.corpus
        sl = lambda a: np.asarray(a[np.searchsorted(a, lo + 1):np.searchsorted(a, hi)], np.int64)
        sent, line = sl(c.sent_starts), sl(c.line_starts)
        cand = np.concatenate([[lo, hi], sent, line])
        kinds = np.array([0, 0] + [1] * len(sent) + [2] * len(line), np.int8)  # 0 edge, 1 sentence, 2 line
        o = np.argsort(cand, kind="stable")
        cand, kinds = cand[o], kinds[o]
        words = np.asarray(c.word_starts[np.searchsorted(c.word_starts, lo):np.searchsorted(c.word_starts, hi)], np.int64)
        near = max(64, (hi - lo) // 16)
        used, out = set(), []
        for i in range(n):
            d = depths[i] if depths is not None else rng.random()
            t = lo + d * (hi - lo)
            pos = variant = None
            for arr, is_word in ((cand, False), (words, True)):
                if len(arr) == 0:
                    continue
                j = int(np.searchsorted(arr, t))
                for k in sorted(range(max(j - 12, 0), min(j + 12, len(arr))), key=lambda k: abs(arr[k] - t)):
                    if int(arr[k]) not in used and (is_word or abs(arr[k] - t) <= near):
                        pos = int(arr[k])
                        if is_word:
                            variant = "space"
                        else:
                            kd = kinds[k]
                            variant = "line" if kd == 2 else ("dot" if kd == 1 and rng.random() < 0.5 else "space")
                        break
                if pos is not None:
                    break
            if pos is None:
                raise RuntimeError(f"no free splice point for {n} sentences in a {hi - lo}-token window")
            used.add(pos)
            out.append((pos, variant))
        return out


def batch_spec(seed: int, step: int, frac: float, curriculum: list) -> int:
    """Sequence length for a training step: the phase containing `frac` (the position in the schedule), then a
    weighted choice among the phase's lengths, deterministic in seed and global step."""
    choices = curriculum[-1][1]
    for end_frac, ch in curriculum:
        if frac < end_frac:
            choices = ch
            break
    lengths = [l for l, _ in choices]
    weights = np.array([w for _, w in choices], float)
    rng = np.random.default_rng([seed, step, 7])
    return int(lengths[rng.choice(len(lengths), p=weights / weights.sum())])


def parse_curriculum(spec: str) -> list:
    """'0.25:512,0.4:1024,0.55:2048,0.75:4096+1024*0.2,1:8192+2048*0.25' → [(end_frac, [(len, weight), ...]), ...]
    where each phase ends at the given fraction of the schedule's steps."""
    phases = []
    for part in spec.split(","):
        end, rest = part.strip().split(":")
        choices = []
        for c in rest.split("+"):
            l, _, w = c.partition("*")
            choices.append((int(l), float(w) if w else 1.0))
        phases.append((float(end), choices))
    ends = [e for e, _ in phases]
    if ends != sorted(ends) or abs(ends[-1] - 1.0) > 1e-9:
        raise ValueError(f"curriculum phase ends must increase to 1: {spec}")
    return phases


# -- data workers -------------------------------------------------------------------------------------------------
_FACTORY: TaskFactory | None = None


def worker_init(data_dir: str, kind_weights: dict | None, lm_holdout: tuple = (0, 0)) -> None:
    import os
    os.environ["TOKENIZERS_PARALLELISM"] = "false"
    from tokenizers import Tokenizer
    global _FACTORY
    corpus = Corpus(Path(data_dir))
    corpus.lm_holdout = tuple(lm_holdout)
    tok = Tokenizer.from_file(str(Path(data_dir) / "tokenizer.json"))
    _FACTORY = TaskFactory(corpus, tok, "train", dict(kind_weights) if kind_weights else dict(KIND_WEIGHTS))


def make_batch(args: tuple) -> tuple[int, np.ndarray, np.ndarray]:
    """(seed, step, length, rows) → (step, ids uint16 [rows, length], cats uint8 [rows, length])."""
    seed, step, length, rows = args
    ids = np.empty((rows, length), np.uint16)
    cats = np.empty((rows, length), np.uint8)
    for r in range(rows):
        rng = np.random.default_rng([seed, step, r])
        ids[r], cats[r] = _FACTORY.sample(rng, length)
    return step, ids, cats
