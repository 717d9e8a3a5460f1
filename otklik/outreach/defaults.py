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

# The letter of seed 002, for a product whose survey is the product letter: a grade and three questions.
# Placeholders: {customer_name}, {organization}, {product}, {purchase_date}, {link}.
PRODUCT_LETTER_MESSAGE: dict[str, tuple[str, str]] = {
    "en": (
        "How is your {product}? A few questions from {organization}",
        "Dear {customer_name},\n\non {purchase_date} we delivered {product} to you. By now you can judge how "
        "satisfied you are with it. What shortcomings should we fix? What should we add? What did you "
        "especially like?\n\n{link}\n\nYour answers will help us become the best in our field and serve you "
        "best. Thank you!\n\n{organization}",
    ),
    "ru": (
        "Как вам {product}? Несколько вопросов от {organization}",
        "Здравствуйте, {customer_name}!\n\n{purchase_date} мы поставили вам {product}. Сегодня уже можно "
        "оценить, насколько вы удовлетворены покупкой. Какие недостатки нужно устранить? Что нужно добавить? "
        "Что вам особенно понравилось?\n\n{link}\n\nВаши ответы помогут нам стать лучшими в отрасли и "
        "оказывать вам наилучший сервис. Спасибо!\n\n{organization}",
    ),
    "uk": (
        "Як вам {product}? Кілька запитань від {organization}",
        "Вітаємо, {customer_name}!\n\n{purchase_date} ми поставили вам {product}. Сьогодні вже можна оцінити, "
        "наскільки ви задоволені покупкою. Які недоліки потрібно усунути? Що потрібно додати? Що вам особливо "
        "сподобалося?\n\n{link}\n\nВаші відповіді допоможуть нам стати найкращими в галузі та надавати вам "
        "найкращий сервіс. Дякуємо!\n\n{organization}",
    ),
}
