"""Turning an open answer into words a theme can match: language, normalization, lemmas.

Everything here runs offline: the language model ships inside py3langid, Russian and
Ukrainian lemmas come from pymorphy3's dictionary packages, English words are reduced
by the Snowball stemmer, and the stop-word lists live in this module. Each word's lemma
is cached, so tagging a stream of answers mostly costs a regex and a few dict look-ups.
"""

import html
import re
from functools import lru_cache

LANGUAGES = ("ru", "uk", "en")
# Any other language: detected honestly instead of being read as English (see detect_language).
OTHER = "other"

# Letters only one of the two Cyrillic languages uses: most answers are routed by them
# alone, and py3langid (restricted to ru/uk/en) decides the rest.
UK_ONLY = frozenset("іїєґ")
RU_ONLY = frozenset("ыэъё")
# Letters of Cyrillic languages we do not promise (Belarusian ў, Kazakh әғқңөұүһ, Serbian and Macedonian
# ђјљњћџѓќѕ), and Belarusian's і beside ы with no и: such an answer is checked against every language, so a
# Kazakh or Belarusian answer is `other` instead of being forced into ru or uk.
OTHER_CYRILLIC = frozenset("ўәғқңөұүһђјљњћџѓќѕ")
_CYRILLIC = re.compile(r"[а-яёіїєґ]")
_LATIN = re.compile(r"[a-z]")

_HANDLE = re.compile(r"@\w+")
_URL = re.compile(r"(?:https?://|www\.)\S+")
# An e-mail address is contact data, not a matter: left in, "gmail com" named themes of signed answers. Every
# part is bounded (a local part is at most 64 characters, a domain label 63) and a match starts only where a
# word does: unbounded, a long run of letters (an unclosed quote swallowing a file) took quadratic time.
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}")
# HTML left in answers copied from a web form or a help desk ("<p>", "<div class=…>"): the tags and comments
# go, their text stays; "<3" and "a < b" are not tags. Bounded for the same reason.
_TAG = re.compile(r"<!--.{0,2000}?-->|</?[a-z][a-z0-9]{0,20}(?:\s[^<>]{0,500})?/?>", re.DOTALL)
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")

# Function words only. The ready-made lists (e.g. stopwords-iso) also drop words that
# carry the point of a complaint — "long", "line", "help", "долго", "время", "деньги" —
# so these short lists were written for this project instead.
STOP_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        """a about above after again all also am an and any are as at be because been before being below
        between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down
        during each else even ever every for from further had hadn't has hasn't have haven't having he
        her here hers herself him himself his how however i i'd i'll i'm i've if in into is isn't it
        it's its itself just let's me might more most must my myself no nor not now of off on once only
        or other our ours ourselves out over own same shall she should shouldn't so some such than that
        that's the their theirs them themselves then there there's these they they'd they'll they're
        they've this those through to too under until up upon us very was wasn't we we'd we'll we're
        we've were weren't what what's when where which while who whom why will with won't would
        wouldn't you you'd you'll you're you've your yours yourself yourselves amp rt im ive dont cant
        didnt doesnt isnt wont thats youre theyre u ur r y yes ok oh via""".split()
    ),
    "ru": frozenset(
        """а без более бы был была были было быть в вам вас весь во вот все всё всего всех вы где да даже
        для до его ее её если есть еще ещё же за здесь и из или им их к как какой когда кто ли либо мне
        мной может мы на над надо наш не него нее неё нет ни них но ну о об однако он она они оно от
        очень по под при с со так также такой там те тем то того тоже той только том ты у уже хотя чего
        чей чем что чтобы чье чья эта эти это этот я вообще вроде ведь вон сам сама сами свой себя
        себе было будет будут буду этого этой этом тут""".split()
    ),
    "uk": frozenset(
        """а або але б би був була були було бути в вам вас весь ви від вона вони воно все всі всього
        всіх де для до є його з за і із й їй їх к коли хто ли мене мені ми на над не нас наш
        ні ніж них но ну о об однак він від при про с так також такий там те тим то того теж той
        тільки тому ти у уже вже хоча чого чий чим що щоб ця ці це цей я адже сам сама самі свій себе
        собі буде будуть буду цього цієї цьому тут дуже та як чи ж же її нею неї нього ньому ним ними їм
        лише навіть ось мій моя моє мої твій ваша ваше ваші наша наше наші цим цих цими цю ті тих якщо бо""".split()
    ),
}


# Cyrillic answers often quote English words ("sms", "ok"), so their lists include English.
_STOP = {language: STOP_WORDS[language] | STOP_WORDS["en"] for language in LANGUAGES}

# Languages whose function words are dropped from answers in a language we do not promise.
# Their lists come from stopwordsiso; its ru/uk/en lists are not used, since they drop causes
# ("long", "line", "room", "order", "call", "долго", "деньги", "время").
FOREIGN_STOP_LANGUAGES = "nl de fr es it pt pl cs sk ro sv da no fi tr hu lt lv et sl hr sr bg".split()
# A Latin-script answer counts as English unless py3langid names another language with at
# least this probability and few of its words are English function words.
OTHER_LANGUAGE_FLOOR = 0.9
ENGLISH_SHARE_FLOOR = 0.2
OTHER_LANGUAGE_MIN_WORDS = 4
FOREIGN_SHARE_FLOOR = 0.1


@lru_cache(maxsize=1)
def _foreign_stop_words() -> frozenset[str]:
    try:
        import stopwordsiso
    except ImportError:  # the English list below still drops the commonest shared words
        return frozenset()
    return frozenset(
        word for code in FOREIGN_STOP_LANGUAGES if stopwordsiso.has_lang(code) for word in stopwordsiso.stopwords(code)
    )


@lru_cache(maxsize=1)
def _foreign_only() -> frozenset[str]:
    """Function words of other languages that are not English words too ("het", "und", "les")."""
    return _foreign_stop_words() - STOP_WORDS["en"] - {"a", "i", "me", "no", "so", "to", "on", "in", "is", "am"}


def stop_words(language: str) -> frozenset[str]:
    """The words dropped from an answer in `language` (ru, uk, en or other)."""
    if language in _STOP:
        return _STOP[language]
    return _STOP.setdefault(OTHER, STOP_WORDS["en"] | _foreign_stop_words())


@lru_cache(maxsize=1)
def _langid():
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_modelpath(MODEL_DIR / MODEL_FILE)
    identifier.set_languages(list(LANGUAGES))
    return identifier


@lru_cache(maxsize=1)
def _langid_any():
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_modelpath(MODEL_DIR / MODEL_FILE, norm_probs=True)


def _latin_language(text: str) -> str:
    """en, or `other` for a confident non-English answer (Dutch, German, …) of a few words or more."""
    tokens = _WORD.findall(text)
    if len(tokens) < OTHER_LANGUAGE_MIN_WORDS:
        return "en"
    english = sum(token in STOP_WORDS["en"] for token in tokens) / len(tokens)
    foreign = sum(token in _foreign_only() for token in tokens) / len(tokens)
    # py3langid costs more than the rest of tagging: only asked when another language's
    # function words are there and English ones are few.
    if english >= ENGLISH_SHARE_FLOOR or foreign < FOREIGN_SHARE_FLOOR:
        return "en"
    code, probability = _langid_any().classify(text)
    return OTHER if code != "en" and probability >= OTHER_LANGUAGE_FLOOR else "en"


def normalize(text: str) -> str:
    """Lower-case text without HTML tags, links, e-mail addresses and @handles; entities decoded (`&amp;` → `&`)."""
    text = _TAG.sub(" ", html.unescape(text).lower())
    text = _URL.sub(" ", text)
    text = _EMAIL.sub(" ", text)
    return _HANDLE.sub(" ", text)


def detect_language(text: str, *, default: str = "en") -> str:
    """The answer's language: ru, uk, en, `other` (a language we do not promise), `default` without letters."""
    text = normalize(text)
    if not _CYRILLIC.search(text):
        return _latin_language(text) if _LATIN.search(text) else default
    letters = set(text)
    uk, ru = bool(letters & UK_ONLY), bool(letters & RU_ONLY)
    if letters & OTHER_CYRILLIC or (uk and ru and "и" not in letters):
        code, probability = _langid_any().classify(text)
        if code not in LANGUAGES and probability >= OTHER_LANGUAGE_FLOOR:
            return OTHER
    if uk != ru:
        return "uk" if uk else "ru"
    return _langid().classify(text)[0]


@lru_cache(maxsize=2)
def morph_analyzer(language: str):
    """pymorphy3's analyzer for "ru" or "uk", loaded once per process (the profanity check shares it)."""
    import pymorphy3

    return pymorphy3.MorphAnalyzer(lang=language)


_morph = morph_analyzer  # the name its callers here use


@lru_cache(maxsize=1)
def _english_stemmer():
    import snowballstemmer

    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=300_000)
def lemma(word: str, language: str) -> str:
    """The dictionary form of a lower-case word (a Snowball stem for English, the word itself for others)."""
    if language not in LANGUAGES:
        return word
    if language == "en" or not _CYRILLIC.search(word):
        return _english_stemmer().stemWord(word.replace("’", "'").split("'")[0])
    return _morph(language).parse(word)[0].normal_form.replace("ё", "е")


def words(text: str) -> list[str]:
    """Normalized word tokens, stop words included."""
    return _WORD.findall(normalize(text))


def lemmas(text: str, language: str | None = None) -> list[str]:
    """Lemmas of the answer's content words, in order (stop words and one-letter words dropped)."""
    language = language or detect_language(text)
    stop = stop_words(language)
    out = []
    for word in words(text):
        if len(word) < 2 or word in stop:
            continue
        base = lemma(word, language)
        if base not in stop:
            out.append(base)
    return out


def terms(lemma_list: list[str]) -> list[str]:
    """Lemmas plus adjacent-lemma bigrams ("long line"): what themes are made of and matched on."""
    return lemma_list + [f"{a} {b}" for a, b in zip(lemma_list, lemma_list[1:], strict=False)]


def name_words(text: str) -> tuple[str, frozenset[str]]:
    """The text's language and every word it writes, in the written form and the dictionary form: what a
    person's name is looked for in ("Спасибо Ольге" names Olga). Stored per answer when it is tagged, so
    /people/ matches names against it without lemmatizing thousands of comments per request."""
    tokens = set(words(text))
    # The text's own language, not the customer's interface language: "Спасибо Ольге" may come from an English page.
    language = detect_language(text)
    tokens |= {lemma(token, language) for token in tokens}
    return language, frozenset(tokens)
