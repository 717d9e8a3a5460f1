"""Loading what the tagging and the rules read lazily, once, when a worker starts (decision 0067).

The Russian and Ukrainian dictionaries, the language identifier, the English stemmer and the
word lists load on first use: about a second of CPU that a fresh worker's first answers paid,
their alerts waiting behind it. The worker calls `text_tools_load` before its first claim.
"""

from otklik.insights import engine
from otklik.insights import text as textlib
from otklik.insights.profanity import mask_profanity

# A few words in each language, enough to reach every lazily loaded part; not kept anywhere.
_WORDS = {
    "ru": "Доставка опоздала, спасибо Ольге",
    "uk": "Доставка запізнилася, дякую Ользі",
    "en": "The delivery was late, thanks to Olga",
}


def text_tools_load() -> None:
    """Load the dictionaries, language identifier, stemmer and word lists that reading an answer uses."""
    for language, text in _WORDS.items():
        textlib.detect_language(text)
        textlib.name_words(text)
        engine.analyze(text, language)
        mask_profanity(text, language)
        for word in textlib.words(text):
            textlib.lemma(word, language)
