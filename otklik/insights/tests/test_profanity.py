"""Insults and profanity are masked; the constructive point and innocent words stay (D2)."""

import pytest

from otklik.insights.profanity import is_profane, mask_profanity
from otklik.insights.tests import samples


def test_it_masks_russian_mat_and_keeps_the_point():
    text = samples.russian("626078112271500000")  # "Ебала я эту связь, билайн говно, надо переходить на мтс."
    masked, found = mask_profanity(text, "ru")
    assert found
    assert masked == "Е**** я эту связь, билайн г****, надо переходить на мтс."


def test_it_masks_english_profanity_and_keeps_the_point():
    text = samples.airline("567849520781893632")  # "... Get your shit together."
    masked, found = mask_profanity(text, "en")
    assert found
    assert masked.endswith("Get your s*** together.")
    assert masked.startswith("@VirginAmerica Why is it taking 12 years to fly home to Dallas?")


def test_it_leaves_clean_answers_alone():
    text = samples.russian("618022289767050000")
    assert mask_profanity(text, "ru") == (text, False)
    text = samples.airline("570091216013955073")
    assert mask_profanity(text, "en") == (text, False)


@pytest.mark.parametrize(
    "word",
    [
        "хуй",
        "нахуй",
        "охуеть",
        "ахуела",
        "пиздец",
        "заебал",
        "ебучие",
        "долбоёб",
        "блять",
        "бляцкую",
        "сука",
        "мудаки",
        "пидорасы",
        "заїбали",
        "курва",
        "fuck",
        "fucked",
        "bullshit",
        "asshole",
        "idiots",
        "moron",
    ],
)
def test_it_recognizes_profanity(word):
    assert is_profane(word)


@pytest.mark.parametrize(
    "word",
    [
        "страхуй",
        "скипидар",
        "употреблять",
        "корабль",
        "корабля",
        "рубля",
        "себе",
        "небо",
        "хлебать",
        "требовать",
        "ребята",
        "мандарин",
        "мудрый",
        "сукно",
        "хулиган",
        "очередь",
        "бардак",
        "class",
        "assist",
        "passenger",
        "damn",
        "stupid",
        "Dickens",
    ],
)
def test_it_leaves_innocent_words(word):
    assert not is_profane(word)


def test_it_masks_only_the_offending_word_in_a_real_complaint():
    text = samples.russian("665408858379130000")  # "В очереди уже 20 минут, ... #мудаки #сбербанк"
    masked, found = mask_profanity(text, "ru")
    assert found
    assert masked.startswith("В очереди уже 20 минут, а люди заходят позже нас и проходят! #м***** #сбербанк")
    masked, found = mask_profanity(samples.russian("615752843320890000"), "ru")
    assert found and masked.startswith("Если у вас н***** мозга, обратитесь в Ростелеком.")


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("Касир — ідіот, але черга рухається швидко.", "Касир — і****, але черга рухається швидко."),
        ("Заїбали ці затримки, третій раз чекаю доставку.", "З****** ці затримки, третій раз чекаю доставку."),
        ("Кассир просто дебил, ждали полчаса.", "Кассир просто д****, ждали полчаса."),
        ("The agent was a moron, but the refund came fast.", "The agent was a m****, but the refund came fast."),
    ],
)
def test_targeted_ukrainian_russian_and_english_insults_are_masked_with_the_point_kept(text, masked):
    assert mask_profanity(text) == (masked, True)
