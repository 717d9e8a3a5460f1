"""The masking lexicon (issue 17, item 4): insults in every form, ru/uk/en, plus the organization's own words."""

import pytest

from otklik.insights.models import ProfanityWord
from otklik.insights.profanity import is_profane, mask_profanity, package_words
from otklik.insights.services import profanity_word_add, profanity_word_remove
from otklik.insights.tests import samples


def test_the_package_lists_are_read_offline():
    words = package_words()
    assert len(words) > 4000 and "пиздец" in words and "motherfucker" in words
    assert "писати" not in words and "бажання" not in words  # ordinary Ukrainian words left out


def test_a_russian_complaint_with_khamy_is_masked():
    text = samples.russian("624623807320460000")  # "В ВТБ24 @vtb – наглые хамы, в Билайн …"
    masked, found = mask_profanity(text, "ru")
    assert found and "наглые х***," in masked and "хамы" not in masked
    assert "счет с потолка" in masked  # the point stays


def test_a_russian_complaint_with_khamakh_is_masked():
    text = samples.russian("626775414493590000")  # "… сотрудниках хамах и систематическими вашими косяками …"
    masked, found = mask_profanity(text, "ru")
    assert found and "сотрудниках х****" in masked and "не работающих банкоматах" in masked


def test_a_ukrainian_complaint_with_khamlo_is_masked():
    text = samples.ukrainian("neg-mt-3009")  # "… а то на нього нависав, хамло і питань багато задаю …"
    masked, found = mask_profanity(text, "uk")
    assert found and "хамло" not in masked and "нависав, х**** і питань" in masked


def test_a_ukrainian_idiot_is_masked():
    text = samples.ukrainian("neg-mt-3010")  # "… зрозумів, що я не ідіот, почав мене квапити …"
    masked, found = mask_profanity(text, "uk")
    assert found and "я не і****," in masked


def test_english_insults_are_masked():
    # "@united you're such idiots" style: real tweet words from airline-tweets-en
    rows = [r["text"] for r in samples.airline_rows() if " idiots" in r["text"].lower()]
    masked, found = mask_profanity(rows[0], "en")
    assert found and "idiots" not in masked.lower()


@pytest.mark.parametrize(
    "word",
    [
        "хамло",
        "хамлом",
        "хамла",
        "хам",
        "хамы",
        "хамах",
        "идиотами",
        "дебилы",
        "дебілом",
        "ідіоти",
        "быдлом",
        "придурками",
        "ублюдки",
        "скотина",
        "тупица",
        "бидло",
        "покидьок",
        "moron",
        "scumbags",
        "dumbass",
    ],
)
def test_every_form_of_an_insult_is_masked(word):
    assert is_profane(word)


@pytest.mark.parametrize(
    "word",
    [
        "хамство",
        "хамское",
        "хамить",
        "підробка",
        "підрозділ",
        "підряд",
        "найоптимальніше",
        "веб",
        "очки",
        "убил",
        "писала",
        "бажання",
        "приклад",
        "головне",
        "мокрий",
        "хамам",
        "sucks",
        "damn",
        "hell",
        "crap",
    ],
)
def test_ordinary_and_mild_words_stay(word):
    assert not is_profane(word)


def test_an_idiom_stays():
    text = "повернення товару пройшов без сучка і задирки"  # hotline-store-reviews-uk, "без сучка і задирки"
    assert mask_profanity(text, "uk") == (text, False)


@pytest.mark.django_db
def test_the_organizations_own_word_is_masked_in_every_form(world):
    text = "Кассир жлоб, а жлобы нам не нужны"
    assert mask_profanity(text, organization=world.org) == (text, False)
    profanity_word_add(organization=world.org, word="Жлоб", actor=world.manager)
    masked, found = mask_profanity(text, organization=world.org)
    assert found and masked == "Кассир ж***, а ж**** нам не нужны"
    assert mask_profanity(text, organization=world.other_org) == (text, False)  # another organization's words
    profanity_word_remove(organization=world.org, word_id=ProfanityWord.objects.get().pk)
    assert mask_profanity(text, organization=world.org) == (text, False)


@pytest.mark.django_db
def test_a_bad_word_is_refused_with_a_message(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        profanity_word_add(organization=world.org, word="два слова")
    profanity_word_add(organization=world.org, word="жлоб")
    with pytest.raises(ValidationError):
        profanity_word_add(organization=world.org, word="жлоб")
    assert ProfanityWord.objects.count() == 1


@pytest.mark.django_db
def test_a_manager_adds_and_removes_a_word_on_the_insights_page(world, login):
    client = login(world.manager)
    assert "Words to mask" in client.get("/insights/").content.decode()
    response = client.post("/insights/words/", {"word": "жлоб"})
    assert response.status_code == 303 and ProfanityWord.objects.filter(organization=world.org, word="жлоб").exists()
    word = ProfanityWord.objects.get()
    client.post("/insights/words/", {"remove": word.pk})
    assert not ProfanityWord.objects.exists()


@pytest.mark.django_db
def test_an_employee_cannot_change_the_words(world, login):
    response = login(world.employee).post("/insights/words/", {"word": "жлоб"})
    assert response.status_code in (403, 404) and not ProfanityWord.objects.exists()
