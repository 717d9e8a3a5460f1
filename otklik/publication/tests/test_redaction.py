"""Redaction: personal data is replaced however it is written; ordinary text stays readable."""

import pytest

from otklik.publication.redaction import redact
from otklik.publication.tests import samples


def hidden(text: str, **kwargs) -> str:
    return redact(text, **kwargs)[0]


@pytest.mark.parametrize(
    "text, secret",
    [
        ("Write to ivan@mail.ru please", "ivan@mail.ru"),
        ("mail: ivan.petrov+shop@mail.example.co.uk.", "ivan.petrov+shop"),
        ("IVAN.PETROV@MAIL.RU", "PETROV"),
        ("почта олег@почта.рф", "олег@почта.рф"),
        ("ivan (at) mail (dot) ru", "ivan"),
        ("ivan [at] mail [dot] ru", "ivan"),
        ("ivan at mail dot ru", "ivan"),
        ("ivan собака mail.ru", "ivan"),
        ("ivan @ mail.ru", "ivan"),
        ("ｉｖａｎ＠ｍａｉｌ．ｒｕ", "ｉｖａｎ"),
        ("iv\u200ban@mail.ru", "an@mail"),
        ("i\u00advan@mail.ru", "van@mail"),
    ],
)
def test_it_hides_emails(text, secret):
    result = hidden(text)
    assert secret.lower() not in result.lower()
    assert "[e-mail]" in result


@pytest.mark.parametrize(
    "text",
    [
        "+7 (999) 123-45-67",
        "8 999 123 45 67",
        "8-999-123-45-67",
        "89991234567",
        "+79991234567",
        "+380 44 123 4567",
        "+380 (67) 123-45-67",
        "(044) 123-45-67",
        "067 123 45 67",
        "(555) 123-4567",
        "555.123.4567",
        "914-329-0185",
        "1-800-433-7300",
        "+1-703-464-0200",
        "123-45-67",
        "555-1234",
        "+44 20 7946 0958",
        "+７ ９９９ １２３ ４５ ６７",
        "+7\u200b999\u200b1234567",
    ],
)
def test_it_hides_phone_numbers(text):
    result = hidden(f"Позвоните мне: {text}, спасибо")
    assert result == "Позвоните мне: [phone], спасибо"


@pytest.mark.parametrize(
    "text",
    ["4111 1111 1111 1111", "4111-1111-1111-1111", "4111111111111111", "5500 0000 0000 0004", "378282246310005"],
)
def test_it_hides_card_numbers_that_pass_the_luhn_check(text):
    assert hidden(f"card {text} was charged twice") == "card [card] was charged twice"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("My order #12345 never came", "My order #[number] never came"),
        ("заказ № 12345 не пришёл", "заказ № [number] не пришёл"),
        ("номер заказа 987654 потерян", "номер заказа [number] потерян"),
        ("замовлення №4521 загубили", "замовлення №[number] загубили"),
        ("Booking ref: ABC123, please", "Booking ref: [number], please"),
        ("conf #ggqzqd", "conf #[number]"),
        ("account 40817810099991234567 blocked", "account [number] blocked"),
        ("card 1234 5678 9012 3456 declined", "card [number] declined"),
        ("tracking 1Z999AA10123456784", "tracking [number]"),
        ("id AB12345678", "id [number]"),
    ],
)
def test_it_hides_order_and_account_numbers(text, expected):
    assert hidden(text) == expected


def test_it_hides_links_with_a_path_but_keeps_bare_domains():
    assert hidden("see http://t.co/CnctL7G1ef and vk.com/id12345, or beeline.ru") == (
        "see [link] and [link], or beeline.ru"
    )


def test_it_hides_handles_except_the_organizations_own():
    text = "@VirginAmerica thanks for taking care of @SuuperG, RT @megafon@LevVolfson"
    assert hidden(text, allowed_handles=["@virginamerica", "megafon"]) == (
        "@VirginAmerica thanks for taking care of [handle], RT @megafon[handle]"
    )
    assert "@VirginAmerica" not in hidden(text)


@pytest.mark.parametrize(
    "text",
    [
        "Иван",
        "Ивана",
        "Ивану",
        "Иваном",
        "Иване",
        "ИВАН",
        "иван",
        "Петрову",
        "Петровым",
        "Ivan",
        "ivan",
        "Ivаn",  # a Cyrillic "а" inside a Latin name
        "𝐈𝐯𝐚𝐧",
        "Iv\u200ban",
        "Петро\u0301ва",
    ],
)
def test_it_hides_the_known_customer_name_in_any_case_and_form(text):
    result = hidden(f"Передайте {text} привет", known_names=["Иван Петров", "Ivan"])
    assert result == "Передайте [name] привет"


def test_it_matches_a_known_female_name_in_its_grammatical_cases():
    text = "Марии Петровой перезвонили, Марию Петрову извинились, с Марией Петровой"
    assert hidden(text, known_names=["Мария Петрова"]) == (
        "[name] [name] перезвонили, [name] [name] извинились, с [name] [name]"
    )


def test_it_hides_common_first_names_their_forms_patronymics_and_the_surname_after():
    text = "Кассир Ольга Ивановна Смирнова нагрубила, Сергею передали. Thanks Julie Andrews and Travis at PHL"
    assert hidden(text) == (
        "Кассир [name] [name] [name] нагрубила, [name] передали. Thanks [name] [name] and [name] at PHL"
    )


def test_it_hides_ukrainian_names():
    assert hidden("Дякую Андрію та Олені з каси") == "Дякую [name] та [name] з каси"


@pytest.mark.parametrize(
    "text",
    [
        "Visit on 24.02.2015 at 11:35, posted 2/24/2015 11:35, and again on 2015-02-24.",
        "Цена 500 руб, доплатил 1 500 000 руб и 12 500,50 грн, всего $1,234.50",
        "Flight 1234 and UA1459 and VX 27 were late, seat 4C, gate B22, 3 hours, 45 минут",
        "Звонил 10 раз с 2014-2015, очередь из 25 человек, касса № 3",
        "Frank discussion. Mark my words. Will it fly? Grace period. May I ask?",
        "Надежда умирает последней, Вера в сервис, Любовь к кофе, Роман в мягкой обложке",
        "My order was wrong and the confirmation number is in my e-mail",
        "The Main Street store in Austin, the Dallas airport, Virginia and Georgia",
    ],
)
def test_it_keeps_ordinary_text_readable(text):
    assert hidden(text) == text


@pytest.mark.parametrize("tweet_id", sorted(samples.WITH_PERSONAL_DATA))
def test_it_hides_personal_data_in_real_tweets(tweet_id):
    text, secrets = samples.WITH_PERSONAL_DATA[tweet_id]
    result = hidden(text, allowed_handles=["VirginAmerica", "united", "USAirways", "AmericanAir"])
    for secret in secrets:
        assert secret not in result


@pytest.mark.parametrize("tweet_id", sorted(samples.READABLE))
def test_it_leaves_real_tweets_without_personal_data_alone(tweet_id):
    text = samples.READABLE[tweet_id]
    assert hidden(text, allowed_handles=["VirginAmerica", "united"]) == text


def test_redacting_twice_changes_nothing():
    for text, _secrets in samples.WITH_PERSONAL_DATA.values():
        once = hidden(text, known_names=["Ivan Petrov"])
        assert hidden(once, known_names=["Ivan Petrov"]) == once


def test_it_reports_what_it_replaced():
    text, findings = redact("Call Ivan at +7 999 123 45 67 or ivan@mail.ru", known_names=["Ivan"])
    assert text == "Call [name] at [phone] or [e-mail]"
    assert [(f.kind, f.original) for f in findings] == [
        ("name", "Ivan"),
        ("phone", "+7 999 123 45 67"),
        ("email", "ivan@mail.ru"),
    ]


def test_it_copes_with_empty_and_odd_text():
    assert hidden("") == ""
    assert hidden("😡😡 !!! ??? @ # № 0") == "😡😡 !!! ??? @ # № 0"
    assert hidden("👨\u200d👩\u200d👧 семья") == "👨\u200d👩\u200d👧 семья"
