"""Profanity and insults in Russian, Ukrainian and English, masked word by word (D2).

Where the words come from (docs/decisions/0013-profanity-lexicon.md says why):

* the word lists shipped in the `badwords-py` package (MIT; its lists include the
  LDNOOBW collection, CC BY 4.0, and washyourmouthoutwithsoap, MIT), read from the
  installed package at run time, offline: thousands of Russian and Ukrainian forms of
  mat and the English obscenities;
* the patterns below, written for this project from the roots of Russian/Ukrainian mat,
  which catch forms no list spells out ("трихуемандаблядский" is in the list, the next
  coinage is not);
* `INSULTS`: direct insults of a person that the package lists lack («хамло», «хам»,
  «быдло», «ідіот»), expanded into all their word forms by pymorphy3;
* the organization's own words, which a manager adds on the insights page
  (`ProfanityWord`), expanded the same way.

A word is checked as written and by its lemma (Russian and Ukrainian), so «хамлом» and
«идиотами» are caught though only «хамло» and «идиот» are listed. `INNOCENT` holds the
words the package lists would wrongly mask in real answers (Ukrainian «писати»,
«бажання», «приклад»; Russian «педаль», «бомж»; English "sucks", "damn", "hell"): they
were found by running the lists over the answers in shared/datasets.

What is masked: obscene words and direct insults of a person. What is not: mild words
that often carry the complaint itself ("damn", "crap", "sucks", "ужасно", "бардак"),
and words about the behaviour rather than names for a person («хамство», «хамское
отношение»), since they are the point of the complaint.
"""

import importlib.util
import re
import time
from functools import lru_cache
from pathlib import Path

from otklik.insights.text import morph_analyzer

# Verb prefixes seen before mat roots ("на-хуй", "за-ебал", "вы-блядок", "до-лбо-ёб").
_PREFIX = r"(?:|а|в|во|вз|вы|до|за|из|на|не|недо|о|об|от|по|под|пере|при|про|раз|рас|съ|сь|у|долбо|довбо|пол)"

_CYRILLIC_PATTERNS = [
    # хуй, нахуй, похуй, охуеть, хуёвый, хуйня, хуило — not "страхуй", "худой", "хулиган"
    _PREFIX + r"ху[йяеёию][а-яёіїє]*",
    # пизда, пиздец, распиздяй, пездюк
    r"[а-яёіїє]*п[иіе]зд[а-яёіїє]*",
    # ебать, заебал, выебываться, долбоёб, уёбок, їбати, заїбали — not "себе", "небо", "хлебать"
    _PREFIX + r"[еёєї]б(?:[алнуиь]|[её][тш]|ош|ыв|ыч)[а-яёіїє]*",
    _PREFIX + r"[еёєї]б",
    # йобаний, йопта, заёбаный — not "найоптимальніше"
    r"[а-яёіїє]*ёбан[а-яёіїє]*|" + _PREFIX + r"(?:йоб[аеиуо]|йопт?а)[а-яёіїє]*",
    # бля, блять, блядь, выблядок — not "корабля", "рубля", "сабля"
    _PREFIX + r"бля(?:[дтц][а-яёіїє]*|ха|хи)?",
    # сука, суки, сучка — not "сукно", "сукровица"
    r"с?сук(?:а|и|у|ой|ою|е|ам|ами|ах|ин|ина|ины|ину|iн)|с?суч(?:ка|ки|ку|кой|ара|ары|ий|ье|ья|ьи)",
    # мудак, мудила, мудло — not "мудрый", "мудрость"
    r"муда[кч][а-яёіїє]*|мудил[а-яёіїє]*|мудл[оа]|мудозвон[а-яёіїє]*",
    # пидор, пидрила, підар — not Ukrainian "підрозділ", "підробка", "підряд"
    r"г[ао]ндон[а-яёіїє]*|п[иі]д[оа]р(?:ас|ок|ор|ар|ы|и|а|у|ом|ів|ов)?[а-яёіїє]*|пидр[а-яё]*|педик(?:и|а|ов|ом)?",
    r"залуп[а-яёіїє]*|шлюх[а-яёіїє]*|курв[аиуоіє][а-яёіїє]*|мразь|мрази|мразот[а-яёіїє]*",
    r"манд(?:а|ы|у|ой|е|із)|г[ао]вн[а-яёіїє]*|г[іи]вн[а-яёіїє]*|дерьм[а-яёіїє]*|срака|сраки|сраку",
    # direct insults of a person
    r"идиот[а-яё]*|ідіот[а-яіїє]*|дебил[а-яё]*|дебіл[а-яіїє]*|кретин[а-яё]*|придур[а-яёіїє]*",
    r"ублюд[а-яёіїє]*|урод(?:ы|а|у|ом|ов|ина|ины)?|твар[ьи]|тварюк[а-яіїє]*|дибил[а-яё]*",
    # хамло, хамлу, хамлом — not "хамство", "хамский" (the behaviour is the complaint's point)
    r"хамл(?:о|а|у|ом|е|ами|ам|ах)|хамь[её]|хамк(?:а|и|у|ой|е)|хам(?:ы|а|у|ом|ов|ами|ам|ах|е|и)?",
]

_ENGLISH_PATTERNS = [
    r"[a-z]*f+u+c+k+[a-z]*|f+u+k+|fck[a-z]*|wtf|stfu|motherf[a-z]*",
    r"(?:bull|horse|dip|ape)?shit(?!ake)[a-z]*|shite",
    r"(?:dumb|jack|smart|kick|bad)?ass(?:es|hole|holes|wipe)?|arse(?:hole|holes)?",
    r"bitch(?:es|y|ing)?|bastards?|cunts?|dick(?:s|head|heads)|cocksucker[a-z]*|twats?|wank(?:er|ers)?",
    r"idiots?|idiotic|morons?|moronic|imbeciles?|retard(?:s|ed)?|douche(?:bag|bags)?|scumbags?",
]

# Direct insults of a person missing from the package lists; every word form is masked.
INSULTS = frozenset(
    """хам хамло хамка быдло чмо скотина тупица придурок недоумок дурак дура кретин идиот дебил урод
    мразь сволочь подонок ублюдок падла гнида ничтожество выродок мерзавец негодяй упырь
    хамло ідіот дебіл дурень бидло покидьок мерзотник виродок падлюка сволота недоумок придурок
    idiot moron imbecile cretin scumbag douchebag dumbass retard""".split()
)

# Package entries that are ordinary words in real answers (found on shared/datasets), or
# mild words that carry the complaint itself; never masked, as written or as a lemma.
INNOCENT = frozenset(
    """писати писать бажання бажанний корм приклад бум кульки кулька збиті збитий педаль пьяный бомж член ад
    взрыв черт чёрт голый транс оргазм порно скулить сосать фига хрен хреново офигеть гонорея влагалище
    мошонка анус ослы осли осёл осел страхуй застрахуй застраховать кончить кончать трахаться
    suck sucks sucked sucking damn damnit dammit hell crap crappy bloody escort balls ball sexual sexy butt
    snatch piss pissed screwing screw gol xxx ххх vibrator cock cocks porn porno gay lesbian
    abortion мокрий мокра мокре мокрі chink spic веб матір кицька кицьки півні ети чорт чорти чорта
    секс sex shag bum poop хамам
    """.split()
)

_PACKAGE_LANGUAGES = ("ru", "uk", "en")
_WORD = re.compile(r"[^\W\d_]+")
_HAS_CYRILLIC = re.compile(r"[а-яёіїєґ]")
_CYRILLIC = re.compile("|".join(f"(?:{p})" for p in _CYRILLIC_PATTERNS))
_ENGLISH = re.compile("|".join(f"(?:{p})" for p in _ENGLISH_PATTERNS))

# How long a process trusts its copy of an organization's own words (another process may change them).
ORGANIZATION_WORDS_TTL = 30.0


def _fold(word: str) -> str:
    return word.lower().replace("ё", "е").replace("'", "").replace("’", "")


@lru_cache(maxsize=1)
def package_words() -> frozenset[str]:
    """The single-word entries of badwords-py's ru/uk/en lists, folded, less `INNOCENT`.

    Read from the installed package's files without importing its native extension.
    """
    spec = importlib.util.find_spec("badwords")
    if spec is None or not spec.submodule_search_locations:
        return frozenset()
    folder = Path(next(iter(spec.submodule_search_locations))) / "resource" / "words"
    words: set[str] = set()
    for language in _PACKAGE_LANGUAGES:
        path = folder / f"{language}.txt"
        if path.exists():
            words.update(_fold(line.strip()) for line in path.read_text(encoding="utf-8").splitlines())
    return frozenset(w for w in words if w and " " not in w and w not in _INNOCENT_FOLDED)


_INNOCENT_FOLDED = frozenset(_fold(w) for w in INNOCENT)


# The tagging's own analyzer: a second one would load the same dictionaries again (a third of a second each).
_morph = morph_analyzer


@lru_cache(maxsize=300_000)
def _lemmas(word: str) -> tuple[str, ...]:
    """The Russian and Ukrainian dictionary forms of a folded Cyrillic word (both: answers mix them)."""
    return tuple({_fold(_morph(language).parse(word)[0].normal_form) for language in ("ru", "uk")})


def word_forms(word: str) -> frozenset[str]:
    """A word and, for Russian and Ukrainian, every form of it that the dictionaries know (folded)."""
    word = _fold(word.strip())
    forms = {word}
    if _HAS_CYRILLIC.search(word):
        for language in ("ru", "uk"):
            for parse in _morph(language).parse(word)[:1]:
                if parse.is_known:
                    forms.update(_fold(form.word) for form in parse.lexeme)
    return frozenset(forms)


@lru_cache(maxsize=1)
def _insult_forms() -> frozenset[str]:
    forms: set[str] = set()
    for word in INSULTS:
        forms |= word_forms(word)
    return frozenset(forms)


def _listed(word: str, listed: frozenset[str]) -> bool:
    """Whether the word, as written or by its lemma, is among the curated `listed` forms."""
    if word in listed:
        return True
    if not _HAS_CYRILLIC.search(word):
        return False
    return any(base in listed and base not in _INNOCENT_FOLDED for base in _lemmas(word))


@lru_cache(maxsize=100_000)
def is_profane(word: str) -> bool:
    """Whether one word (any case) is an obscenity or an insult of the shared lexicon."""
    word = _fold(word)
    if word in _INNOCENT_FOLDED:
        return False
    pattern = _CYRILLIC if _HAS_CYRILLIC.search(word) else _ENGLISH
    if pattern.fullmatch(word) is not None:
        return True
    # The package lists are matched as written only: they spell out the forms, and their
    # lemmas would bring in ordinary words («очки» → «очко», «убил» → «убить»).
    return word in package_words() or _listed(word, _insult_forms())


# organization id -> (loaded at, its words in all forms)
_organization_cache: dict[int, tuple[float, frozenset[str]]] = {}


def organization_words(organization_id: int | None) -> frozenset[str]:
    """The organization's own words (`ProfanityWord`) in all their forms, cached for a few seconds."""
    if not organization_id:
        return frozenset()
    cached = _organization_cache.get(organization_id)
    if cached is not None and time.monotonic() - cached[0] < ORGANIZATION_WORDS_TTL:
        return cached[1]
    from otklik.insights.models import ProfanityWord

    forms: set[str] = set()
    for word in ProfanityWord.objects.filter(organization_id=organization_id).values_list("word", flat=True):
        forms |= word_forms(word)
    result = frozenset(forms)
    _organization_cache[organization_id] = (time.monotonic(), result)
    return result


def forget_organization_words(organization_id: int) -> None:
    """Drop this process's copy after a manager changed the words, so the change shows at once here."""
    _organization_cache.pop(organization_id, None)


# Idioms where a listed word means something else: (previous word, word), folded.
_IDIOMS = frozenset({("без", "сучка")})


def _mask(word: str) -> str:
    return word[0] + "*" * (len(word) - 1)


def mask_profanity(text: str, language: str = "", *, organization=None) -> tuple[str, bool]:
    """The text with each offending word masked to its first letter ("б****"), and whether any was.

    Everything else, the constructive point included, is left as written. `language`
    is only a hint: each word is checked against the lists of its own script, since
    Russian answers quote English swear words and the other way round. With an
    `organization` (or its id), its own words are masked too.
    """
    found = False
    own = organization_words(getattr(organization, "pk", organization))
    previous = ""

    def replace(match: re.Match) -> str:
        nonlocal found, previous
        word = match.group(0)
        idiom = (previous, _fold(word)) in _IDIOMS  # «без сучка и задоринки»
        previous = _fold(word)
        if idiom:
            return word
        if is_profane(word) or (own and _listed(_fold(word), own)):
            found = True
            return _mask(word)
        return word

    masked = _WORD.sub(replace, text or "")
    return masked, found


def has_profanity(text: str, *, organization=None) -> bool:
    """Whether the text has anything `mask_profanity` would mask."""
    return mask_profanity(text, organization=organization)[1]


def masked(text: str, organization=None) -> str:
    """Just the masked text: for messages that leave the app (alerts, digests), whoever reads them."""
    return mask_profanity(text or "", organization=organization)[0]
