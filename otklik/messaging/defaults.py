"""Shipped customer-message templates, per kind and language.

A manager may override any of them (MessageTemplate); the placeholders a template
may use are listed in PLACEHOLDERS, and a template naming another is refused.
"""

PLACEHOLDERS = {
    "customer_name",
    "organization",
    "case_number",
    "location",
    "complaint",
    "what_was_done",
    "cause",
    "action_taken",
    "improvement",
    "what_changed",
    "link",
    "comment",
    "employee_name",
    "bonus",
    "prize",
    "product",
    "purchase_date",
    "reply_by",
    "review_link",
}

DEFAULTS: dict[str, dict[str, tuple[str, str]]] = {
    "invitation": {
        "en": (
            "How was your {product}? One question from {organization}",
            "Dear {customer_name},\n\non {purchase_date} you bought {product} from us. Would you "
            "recommend us to a friend? One click on a score is enough, and a few words on why help "
            "us most:\n\n{link}\n\nIf something went wrong, tell us: every complaint reaches "
            "the person who can fix it.\n\n{organization}",
        ),
        "ru": (
            "Как вам {product}? Один вопрос от {organization}",
            "Здравствуйте, {customer_name}!\n\n{purchase_date} вы купили у нас {product}. "
            "Порекомендовали бы вы нас другу? Достаточно одного клика по оценке, а пара слов о "
            "причине поможет нам больше всего:\n\n{link}\n\nЕсли что-то пошло не так, напишите: "
            "каждая жалоба попадает к тому, кто может это исправить.\n\n{organization}",
        ),
        "uk": (
            "Як вам {product}? Одне питання від {organization}",
            "Вітаємо, {customer_name}!\n\n{purchase_date} ви придбали у нас {product}. "
            "Чи порекомендували б ви нас другові? Достатньо одного кліку по оцінці, а кілька слів "
            "про причину допоможуть нам найбільше:\n\n{link}\n\nЯкщо щось пішло не так, "
            "напишіть: кожна скарга потрапляє до того, хто може це виправити.\n\n{organization}",
        ),
    },
    "case_thank_you": {
        "en": (
            "Thank you for telling {organization} what went wrong",
            "Dear {customer_name},\n\nthank you for your feedback about {location}. Only a few "
            "customers take the time to tell us about a problem, and every such message helps us "
            "get better.\n\nYour message is now case {case_number}. The person responsible for "
            "{location} has it and will contact you by {reply_by}, then tell you what we did.\n\n{organization}",
        ),
        "ru": (
            "Спасибо, что рассказали {organization} о проблеме",
            "Здравствуйте, {customer_name}!\n\nСпасибо за ваш отзыв о «{location}». Лишь немногие "
            "клиенты находят время рассказать нам о проблеме, и каждое такое сообщение помогает "
            "нам стать лучше.\n\nВашему обращению присвоен номер {case_number}. Ответственный за "
            "«{location}» уже получил его, свяжется с вами до {reply_by} и сообщит, что мы сделали.\n\n{organization}",
        ),
        "uk": (
            "Дякуємо, що розповіли {organization} про проблему",
            "Вітаємо, {customer_name}!\n\nДякуємо за ваш відгук про «{location}». Лише деякі "
            "клієнти знаходять час розповісти нам про проблему, і кожне таке повідомлення "
            "допомагає нам ставати кращими.\n\nВашому зверненню присвоєно номер {case_number}. "
            "Відповідальний за «{location}» вже отримав його, зв'яжеться з вами до {reply_by} "
            "і повідомить, що ми зробили."
            "\n\n{organization}",
        ),
    },
    "case_report": {
        "en": (
            "What {organization} changed thanks to you",
            "Dear {customer_name},\n\nyou told us: «{complaint}»\n\nThe cause we found: {cause}\n\n"
            "What we did: {action_taken}\n\nThank you: this improvement happened because you spoke up "
            "(case {case_number}).\n\n{organization}",
        ),
        "ru": (
            "Что {organization} изменил благодаря вам",
            "Здравствуйте, {customer_name}!\n\nВы написали нам: «{complaint}»\n\nПричина проблемы: "
            "{cause}\n\nПринятые меры: {action_taken}\n\nСпасибо: это улучшение стало возможным, потому что вы "
            "нам рассказали (обращение {case_number}).\n\n{organization}",
        ),
        "uk": (
            "Що {organization} змінив завдяки вам",
            "Вітаємо, {customer_name}!\n\nВи написали нам: «{complaint}»\n\nПричина проблеми: "
            "{cause}\n\nВжиті заходи: {action_taken}\n\nДякуємо: це покращення стало можливим, бо ви нам розповіли "
            "(звернення {case_number}).\n\n{organization}",
        ),
    },
    "case_cannot_fix": {
        "en": (
            "An honest answer from {organization}",
            "Dear {customer_name},\n\nyou told us: «{complaint}»\n\nWe looked into it carefully "
            "and have to be honest: we cannot fix this. {what_was_done}\n\nThe cause we found: {cause}"
            "\n\nWhat we did: {action_taken}\n\nThank you for telling "
            "us all the same (case {case_number}).\n\n{organization}",
        ),
        "ru": (
            "Честный ответ от {organization}",
            "Здравствуйте, {customer_name}!\n\nВы написали нам: «{complaint}»\n\nМы внимательно "
            "разобрались и должны честно сказать: исправить это мы не можем. {what_was_done}"
            "\n\nПричина проблемы: {cause}\n\nПринятые меры: {action_taken}\n\nИ всё же спасибо, что рассказали нам "
            "(обращение {case_number}).\n\n{organization}",
        ),
        "uk": (
            "Чесна відповідь від {organization}",
            "Вітаємо, {customer_name}!\n\nВи написали нам: «{complaint}»\n\nМи уважно "
            "розібралися і мусимо чесно сказати: виправити це ми не можемо. {what_was_done}"
            "\n\nПричина проблеми: {cause}\n\nВжиті заходи: {action_taken}\n\nІ все ж дякуємо, що розповіли нам "
            "(звернення {case_number}).\n\n{organization}",
        ),
    },
    "improvement_done": {
        "en": (
            "Thanks to you, {organization} has changed something",
            "Dear {customer_name},\n\nsome time ago you told us: «{complaint}»\n\nOther customers had the same "
            "problem, so we fixed it not only for you but for everyone. Here is what we changed: {what_changed}"
            "\n\nThank you: this change happened because you spoke up (case {case_number}).\n\n{organization}",
        ),
        "ru": (
            "Благодаря вам мы кое-что изменили в {organization}",
            "Здравствуйте, {customer_name}!\n\nНекоторое время назад вы написали нам: «{complaint}»\n\nС этой "
            "проблемой сталкивались и другие клиенты, поэтому мы исправили её не только для вас, а для всех. Вот "
            "что мы изменили: {what_changed}\n\nСпасибо: это изменение стало возможным, потому что вы нам "
            "рассказали (обращение {case_number}).\n\n{organization}",
        ),
        "uk": (
            "Завдяки вам ми дещо змінили в {organization}",
            "Вітаємо, {customer_name}!\n\nДеякий час тому ви написали нам: «{complaint}»\n\nЗ цією проблемою "
            "стикалися й інші клієнти, тому ми виправили її не лише для вас, а для всіх. Ось що ми змінили: "
            "{what_changed}\n\nДякуємо: ця зміна стала можливою, бо ви нам розповіли (звернення {case_number})."
            "\n\n{organization}",
        ),
    },
    "recovery_followup": {
        "en": (
            "How do you see {organization} now?",
            "Dear {customer_name},\n\nsome time ago you told us about a problem at {location}, and we worked on "
            "it (case {case_number}). We would like to know how you see us now.\n\nIt takes 20 seconds, and your "
            "answer goes straight to the people who handled your case:\n{link}\n\nThank you,\n{organization}",
        ),
        "ru": (
            "Как вы оцениваете {organization} теперь?",
            "Здравствуйте, {customer_name}!\n\nНекоторое время назад вы рассказали нам о проблеме в «{location}», "
            "и мы над ней поработали (обращение {case_number}). Нам важно знать, как вы оцениваете нас теперь."
            "\n\nЭто займёт 20 секунд, и ваш ответ попадёт прямо к тем, кто занимался вашим обращением:\n{link}"
            "\n\nСпасибо!\n{organization}",
        ),
        "uk": (
            "Як ви оцінюєте {organization} тепер?",
            "Вітаємо, {customer_name}!\n\nДеякий час тому ви розповіли нам про проблему в «{location}», і ми над "
            "нею попрацювали (звернення {case_number}). Нам важливо знати, як ви оцінюєте нас тепер.\n\nЦе займе "
            "20 секунд, і ваша відповідь потрапить безпосередньо до тих, хто займався вашим зверненням:\n{link}"
            "\n\nДякуємо!\n{organization}",
        ),
    },
    "praise_thank_you": {
        "en": (
            "Thank you for your kind words, {customer_name}",
            "Dear {customer_name},\n\nthank you for taking the time to tell us what you liked at {location}:"
            "\n\n«{comment}»\n\nWe have passed your words on to the team; it means a lot to them. {bonus}"
            "\n\n{review_link}\n\n{organization}",
        ),
        "ru": (
            "Спасибо за добрые слова, {customer_name}",
            "Здравствуйте, {customer_name}!\n\nСпасибо, что нашли время рассказать, что вам понравилось в "
            "«{location}»:\n\n«{comment}»\n\nМы передали ваши слова команде: для неё это очень важно. {bonus}"
            "\n\n{review_link}\n\n{organization}",
        ),
        "uk": (
            "Дякуємо за добрі слова, {customer_name}",
            "Вітаємо, {customer_name}!\n\nДякуємо, що знайшли час розповісти, що вам сподобалося в "
            "«{location}»:\n\n«{comment}»\n\nМи передали ваші слова команді: для неї це дуже важливо. {bonus}"
            "\n\n{review_link}\n\n{organization}",
        ),
    },
    "praise_to_employee": {
        "en": (
            "A customer praised you, {employee_name}",
            "Dear {employee_name},\n\na customer ({customer_name}) mentioned you in their feedback about "
            "{location}:\n\n«{comment}»\n\nThank you for your work.\n\n{organization}",
        ),
        "ru": (
            "Клиент похвалил вас, {employee_name}",
            "Здравствуйте, {employee_name}!\n\nКлиент ({customer_name}) упомянул вас в своём отзыве о "
            "«{location}»:\n\n«{comment}»\n\nСпасибо за вашу работу.\n\n{organization}",
        ),
        "uk": (
            "Клієнт похвалив вас, {employee_name}",
            "Вітаємо, {employee_name}!\n\nКлієнт ({customer_name}) згадав вас у своєму відгуку про "
            "«{location}»:\n\n«{comment}»\n\nДякуємо за вашу роботу.\n\n{organization}",
        ),
    },
    "complaint_prize": {
        "en": (
            "A prize for your complaint from {organization}",
            "Dear {customer_name},\n\nyour complaint (case {case_number}) helped us find and fix a real "
            "problem. To thank you, we would like to give you a prize: {prize}\n\nThank you for telling us."
            "\n\n{organization}",
        ),
        "ru": (
            "Приз за вашу жалобу от {organization}",
            "Здравствуйте, {customer_name}!\n\nВаша жалоба (обращение {case_number}) помогла нам найти и "
            "исправить настоящую проблему. В благодарность мы хотим вручить вам приз: {prize}\n\nСпасибо, что "
            "рассказали нам.\n\n{organization}",
        ),
        "uk": (
            "Приз за вашу скаргу від {organization}",
            "Вітаємо, {customer_name}!\n\nВаша скарга (звернення {case_number}) допомогла нам знайти й "
            "виправити справжню проблему. На знак вдячності ми хочемо вручити вам приз: {prize}\n\nДякуємо, що "
            "розповіли нам.\n\n{organization}",
        ),
    },
}
