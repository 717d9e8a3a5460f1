"""Real customer texts for tests, quoted from /work/shared/datasets (never invented)."""

# airline-tweets-en/tweets.csv, tweet 569461469042966528 (negative, longlines).
EN_COMPLAINT = (
    "@VirginAmerica at Logan airport and waiting to checkin for my 9am flight. Checkin desk not open !!!!! Why?!"
)
# sentirueval2016-ru/tweets.csv, tweet 615756481242120000 (mts, negative), first line.
RU_COMPLAINT = '@mts_news Что с Личным кабинетом? "Сервис личного кабинета МТС временно недоступен. Ошибка 500"'

# rozetka-reviews-uk/reviews_part2.csv, review 4868 (rating 5, EcoFlow DELTA 3): a product letter's answers.
# The two lines of its "cons" answer "what to add" and "what to fix"; its "pros", "what did you like".
UK_PRODUCT_ADD = "Було б зручно ховати кабель зарядки десь в корпусі, як у аналогів, але ніяких ніш немає."
UK_PRODUCT_FIX = "Особистий недолік для мене - бракована ручка-мякушка з коробки, сподіваюсь, що це вирішується."
UK_PRODUCT_LIKED = (
    "Зручно переміщає незважаючи на вагу, суперстильний дизайн, легко регулювати швидкість заряджання через додаток."
)
UK_PRODUCT_NAME = "Зарядна станція EcoFlow DELTA 3 EU / 1800 Вт / 1024 Вт⋅год / LiFePO4 (EFDELTA3-EU)"
# The same file, review 4867 (rating 2, in Russian): its "cons" and "pros".
RU_PRODUCT_FIX = "Цена. Вес. Попался брак."
RU_PRODUCT_LIKED = "Отличное время работы. Выдерживает большую нагрузку. Прост в управлении."
# airline-tweets-en/tweets.csv, tweet 570216086173581312 (negative, Customer Service Issue): why one would not tell us.
EN_NO_RESPONSE = (
    "@united very unhappy at no response to complaint emailed on 2nd Feb ref.8441639. Awful customer service!"
)
