"""Real customer texts for tests, quoted from /work/shared/datasets (never invented)."""

# airline-tweets-en/tweets.csv, tweet 569461469042966528 (negative, longlines).
EN_COMPLAINT = (
    "@VirginAmerica at Logan airport and waiting to checkin for my 9am flight. Checkin desk not open !!!!! Why?!"
)
# sentirueval2016-ru/tweets.csv, tweet 615756481242120000 (mts, negative), first line.
RU_COMPLAINT = '@mts_news Что с Личным кабинетом? "Сервис личного кабинета МТС временно недоступен. Ошибка 500"'
