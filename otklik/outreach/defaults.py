"""The message a hunting rule sends: a customer with no purchase to name, so no {product} or {purchase_date}.

Placeholders: {customer_name}, {organization}, {link}.
"""

HUNT_MESSAGE: dict[str, tuple[str, str]] = {
    "en": (
        "How are things going? One question from {organization}",
        "Dear {customer_name},\n\nwe have not heard from you for a while and want to be sure everything "
        "works as it should. Would you recommend us to a friend? One click on a score is enough, and a few "
        "words on what bothers you help us most:\n\n{link}\n\nIf something went wrong, tell us: every "
        "complaint reaches the person who can fix it.\n\n{organization}",
    ),
    "ru": (
        "Как у вас дела? Один вопрос от {organization}",
        "Здравствуйте, {customer_name}!\n\nМы давно ничего от вас не слышали и хотим убедиться, что всё "
        "работает как надо. Порекомендовали бы вы нас другу? Достаточно одного клика по оценке, а пара слов "
        "о том, что вам мешает, поможет нам больше всего:\n\n{link}\n\nЕсли что-то пошло не так, напишите: "
        "каждая жалоба попадает к тому, кто может это исправить.\n\n{organization}",
    ),
    "uk": (
        "Як у вас справи? Одне питання від {organization}",
        "Вітаємо, {customer_name}!\n\nМи давно нічого від вас не чули й хочемо переконатися, що все працює "
        "як слід. Чи порекомендували б ви нас другові? Достатньо одного кліку по оцінці, а кілька слів про "
        "те, що вам заважає, допоможуть нам найбільше:\n\n{link}\n\nЯкщо щось пішло не так, напишіть: "
        "кожна скарга потрапляє до того, хто може це виправити.\n\n{organization}",
    ),
}
