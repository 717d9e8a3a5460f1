"""Profanity and insults in Russian, Ukrainian and English, masked word by word (D2).

Why our own lists: on PyPI, `better-profanity` (English only) has had no release since
2020, `check-swear` (Russian) ships a pickled scikit-learn model pinned to an old
scikit-learn, and `glin-profanity`'s Russian list is transliterated and flags innocent
words ("бардак", "бугор", "гол"). These patterns were written for this project from the
well-known roots of Russian/Ukrainian mat and common English obscenities.

What is masked: obscene words and direct insults of a person ("идиот", "мудак",
"moron"). What is not: mild words that often carry the complaint itself ("damn",
"crap", "pissed off", "stupid policy", "ужасно", "бардак").

Matching is on whole words, and the risky roots only after a known prefix, so innocent
words that merely contain the letters stay visible: "страхуй", "скипидар",
"употреблять", "корабль", "корабля", "рубля", "себе", "небо", "мандарин", "мудрый".
"""

import re
from functools import lru_cache

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
    r"[а-яёіїє]*(?:йоб|йоп|ёбан)[а-яёіїє]*",
    # бля, блять, блядь, выблядок — not "корабля", "рубля", "сабля"
    _PREFIX + r"бля(?:[дтц][а-яёіїє]*|ха|хи)?",
    # сука, суки, сучка — not "сукно", "сукровица"
    r"с?сук(?:а|и|у|ой|ою|е|ам|ами|ах|ин|ина|ины|ину|iн)|с?суч(?:ка|ки|ку|кой|ара|ары|ий|ье|ья|ьи)",
    # мудак, мудила, мудло — not "мудрый", "мудрость"
    r"муда[кч][а-яёіїє]*|мудил[а-яёіїє]*|мудл[оа]|мудозвон[а-яёіїє]*",
    r"г[ао]ндон[а-яёіїє]*|п[иі]д[оа]р[а-яёіїє]*|п[иі]др[а-яёіїє]*|педик(?:и|а|ов|ом)?",
    r"залуп[а-яёіїє]*|шлюх[а-яёіїє]*|курв[аиуоіє][а-яёіїє]*|мразь|мрази|мразот[а-яёіїє]*",
    r"манд(?:а|ы|у|ой|е|із)|г[ао]вн[а-яёіїє]*|г[іи]вн[а-яёіїє]*|дерьм[а-яёіїє]*|срака|сраки|сраку",
    # direct insults of a person
    r"идиот[а-яё]*|ідіот[а-яіїє]*|дебил[а-яё]*|дебіл[а-яіїє]*|кретин[а-яё]*|придур[а-яёіїє]*",
    r"ублюд[а-яёіїє]*|урод(?:ы|а|у|ом|ов|ина|ины)?|твар[ьи]|тварюк[а-яіїє]*|дибил[а-яё]*",
]

_ENGLISH_PATTERNS = [
    r"[a-z]*f+u+c+k+[a-z]*|f+u+k+|fck[a-z]*|wtf|stfu|motherf[a-z]*",
    r"(?:bull|horse|dip|ape)?shit(?!ake)[a-z]*|shite",
    r"(?:dumb|jack|smart|kick|bad)?ass(?:es|hole|holes|wipe)?|arse(?:hole|holes)?",
    r"bitch(?:es|y|ing)?|bastards?|cunts?|dick(?:s|head|heads)|cocksucker[a-z]*|twats?|wank(?:er|ers)?",
    r"idiots?|idiotic|morons?|moronic|imbeciles?|retard(?:s|ed)?|douche(?:bag|bags)?|scumbags?",
]

_CYRILLIC = re.compile("|".join(f"(?:{p})" for p in _CYRILLIC_PATTERNS))
_ENGLISH = re.compile("|".join(f"(?:{p})" for p in _ENGLISH_PATTERNS))
_WORD = re.compile(r"[^\W\d_]+")
_HAS_CYRILLIC = re.compile(r"[а-яёіїєґ]")


@lru_cache(maxsize=100_000)
def is_profane(word: str) -> bool:
    """Whether one word (any case) is an obscenity or an insult."""
    word = word.lower().replace("ё", "е").replace("'", "")
    pattern = _CYRILLIC if _HAS_CYRILLIC.search(word) else _ENGLISH
    return pattern.fullmatch(word) is not None


def _mask(word: str) -> str:
    return word[0] + "*" * (len(word) - 1)


def mask_profanity(text: str, language: str = "") -> tuple[str, bool]:
    """The text with each offending word masked to its first letter ("б****"), and whether any was.

    Everything else, the constructive point included, is left as written. `language`
    is only a hint: each word is checked against the lists of its own script, since
    Russian answers quote English swear words and the other way round.
    """
    found = False

    def replace(match: re.Match) -> str:
        nonlocal found
        if is_profane(match.group(0)):
            found = True
            return _mask(match.group(0))
        return match.group(0)

    masked = _WORD.sub(replace, text)
    return masked, found
