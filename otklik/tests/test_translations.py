"""The Russian and Ukrainian catalogs are complete, keep every placeholder, and reach the pages.

The .po files are parsed here with a tiny reader rather than polib, so the test needs no extra
dependency, and the committed .mo files are checked against them because CI may lack msgfmt.
"""

import ast
import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

LANGUAGES = ["ru", "uk"]
LOCALE = Path(settings.LOCALE_PATHS[0])

# %(name)s and friends; "%%" is a literal percent sign.
PERCENT_PLACEHOLDER = re.compile(r"%\([a-z_0-9]+\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
# {name} but not the literal {{ or }} of str.format.
BRACE_PLACEHOLDER = re.compile(r"(?<!\{)\{([a-z_0-9]+)\}(?!\})")


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str = ""
    msgctxt: str = ""  # pgettext's context: the same English word meaning two things
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def translations(self) -> list[str]:
        return [self.msgstr[index] for index in sorted(self.msgstr)]


def read_po(path: Path) -> list[Entry]:
    """The live entries of a .po file (header and obsolete `#~` entries left out); entries are blank-line separated."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry, target = Entry(), None
        for line in block.strip().splitlines():
            if line.startswith("#~"):
                entry.obsolete = True
            elif line.startswith("#,"):
                entry.flags |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            else:
                keyword = re.match(r'(msgctxt|msgid_plural|msgid|msgstr\[(\d+)\]|msgstr)?\s*(".*")$', line)
                if keyword.group(1):
                    target = keyword.group(1)
                    if target.startswith("msgstr"):
                        target = int(keyword.group(2) or 0)
                text = ast.literal_eval(keyword.group(3))
                if isinstance(target, int):
                    entry.msgstr[target] = entry.msgstr.get(target, "") + text
                else:
                    setattr(entry, target, getattr(entry, target) + text)
        if entry.msgid and not entry.obsolete:
            entries.append(entry)
    return entries


def catalog(language: str) -> list[Entry]:
    return read_po(LOCALE / language / "LC_MESSAGES" / "django.po")


def test_the_reader_understands_plural_and_multiline_entries():
    entries = catalog("ru")
    plural = next(entry for entry in entries if entry.msgid_plural)
    assert len(plural.msgstr) == 3
    assert any("\n" in entry.msgid for entry in entries)
    assert len(entries) > 300


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_is_translated(language):
    entries = catalog(language)
    untranslated = [entry.msgid for entry in entries if not all(text.strip() for text in entry.translations)]
    assert untranslated == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_translation_is_fuzzy(language):
    assert [entry.msgid for entry in catalog(language) if "fuzzy" in entry.flags] == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_plural_entries_have_all_three_forms(language):
    header = (LOCALE / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    assert "nplurals=3;" in header
    for entry in catalog(language):
        if entry.msgid_plural:
            assert sorted(entry.msgstr) == [0, 1, 2], entry.msgid


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_every_percent_placeholder(language):
    for entry in catalog(language):
        if "no-python-format" in entry.flags:
            continue
        expected = set(PERCENT_PLACEHOLDER.findall(entry.msgid + entry.msgid_plural))
        for text in entry.translations:
            assert set(PERCENT_PLACEHOLDER.findall(text)) == expected, (entry.msgid, text)


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_every_brace_placeholder(language):
    for entry in catalog(language):
        expected = set(BRACE_PLACEHOLDER.findall(entry.msgid))
        for text in entry.translations:
            assert set(BRACE_PLACEHOLDER.findall(text)) == expected, (entry.msgid, text)
            assert text.count("{{") == entry.msgid.count("{{"), (entry.msgid, text)


# {% translate "Share, %" %}: Django looks the text up with its percent signs doubled ("Share, %%").
TRANSLATE_WITH_PERCENT = re.compile(r'\{%\s*(?:translate|trans)\s+"([^"]*%[^"]*)"(?!\s+context)')


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_template_text_with_a_percent_sign_is_found_in_the_catalog(language):
    # An entry written with a single "%" is never found: the page shows the English text.
    msgids = {entry.msgid for entry in catalog(language)}
    missing = [
        f"{path.name}: {text}"
        for path in sorted(Path(settings.BASE_DIR, "otklik").rglob("*.html"))
        for text in TRANSLATE_WITH_PERCENT.findall(path.read_text(encoding="utf-8"))
        if text.replace("%", "%%") not in msgids
    ]
    assert missing == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalog_matches_the_po_file(language):
    # CI may have no msgfmt: a stale .mo would silently show old or English texts.
    with (LOCALE / language / "LC_MESSAGES" / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    for entry in catalog(language):
        if entry.msgid_plural:
            assert compiled.ngettext(entry.msgid, entry.msgid_plural, 1) == entry.msgstr[0], entry.msgid
            assert compiled.ngettext(entry.msgid, entry.msgid_plural, 3) == entry.msgstr[1], entry.msgid
            assert compiled.ngettext(entry.msgid, entry.msgid_plural, 5) == entry.msgstr[2], entry.msgid
        elif entry.msgctxt:
            assert compiled.pgettext(entry.msgctxt, entry.msgid) == entry.msgstr[0], entry.msgid
        else:
            assert compiled.gettext(entry.msgid) == entry.msgstr[0], entry.msgid


def answer_page(client, world, language: str) -> str:
    url = reverse("surveys:answer", args=[world.nps.public_key, world.checkout.public_key])
    page = client.get(url, {"lang": language})
    assert page.status_code == 200
    return page.content.decode()


def test_the_answer_page_asks_the_nps_question_in_russian(client, world):
    html = answer_page(client, world, "ru")
    assert "Насколько вероятно, что вы порекомендуете Acme Coffee другу или коллеге?" in html
    assert "Отправить ответ" in html


def test_the_answer_page_asks_the_nps_question_in_ukrainian(client, world):
    html = answer_page(client, world, "uk")
    assert "Наскільки ймовірно, що ви порекомендуєте Acme Coffee другу чи колезі?" in html
    assert "Надіслати відповідь" in html


def test_the_staff_pages_follow_the_chosen_language(client, world, login):
    login(world.manager)
    switched = client.post("/i18n/setlang/", {"language": "uk", "next": "/"})
    assert switched.status_code == 302
    html = client.get("/").content.decode()
    assert '<html lang="uk">' in html
    assert ">Звернення</a>" in html
    assert ">Вихідні</a>" in html


def test_the_language_cookie_alone_switches_the_staff_pages_to_russian(client, world, login):
    login(world.manager)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    html = client.get("/cases/").content.decode()
    assert ">Обращения</a>" in html
    assert ">Исходящие</a>" in html
