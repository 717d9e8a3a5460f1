"""Real customer texts that carry personal data, for the redaction tests.

Taken verbatim from /work/shared/datasets: airline-tweets-en/tweets.csv (Twitter US Airline
Sentiment, CC BY-NC-SA 4.0) and sentirueval2016-ru/tweets.csv (SentiRuEval-2016,
Loukachevitch & Rubtsova 2016). The tweet id is the key; the value is the text and the
pieces that must not survive redaction.
"""

WITH_PERSONAL_DATA = {
    "568630879246901248": (
        "@VirginAmerica please contact me about portfolio left on flight VX 27 from JFK to SFO tonite seat 7AM. "
        "Need it returned. Call 914-329-0185.",
        ["914-329-0185"],
    ),
    "569988839919394816": ("@united iCloud it is not there yet -- PLEASE HELP 917 703 1472", ["917 703 1472"]),
    "569935261947330560": (
        "@united I can't DM you so here's the confirmation # G8CVWJ - please is there any way I can make it to "
        "Kailua tonight? Thank you",
        ["G8CVWJ"],
    ),
    "569610824647626752": (
        "@united Thx, just DM'd. Conf #'s MQXC64 &amp; MPWNC2. Any help appreciated",
        ["MQXC64", "MPWNC2"],
    ),
    "569468823625027586": ("@united need help. Never got tickets. Conf #ggqzqd", ["ggqzqd"]),
    "570304740279640064": ("@USAirways shout out to Cathy at the Vegas airport check-in for hooking us up!", ["Cathy"]),
    "569956147433574401": (
        "@USAirways @AmericanAir shout out to Diane at EYW for helping get us home today instead of tomorrow "
        "(even if a little Late Flight!)",
        ["Diane"],
    ),
    "567778512548167680": (
        "@USAirways thanks Travis at PHL A East checkin for knowing baggage policies. Skis &amp; boots count as 1. "
        "Teach your mgr who didn't know",
        ["Travis"],
    ),
    "568604690767872000": (
        "@VirginAmerica thanks for taking care of @SuuperG on her flight!! #rockstars #travel",
        ["SuuperG"],
    ),
    "570106900970221568": (
        "@united This is NOT a local UNITED number for Malaysia   0011 800-55558000. What is your local United "
        "Airlines here in Kuala Lumpur ( KUL )?",
        ["55558000"],
    ),
    "624997823973610000": (
        "@kormysheff Александр,здравствуйте!Если ограничение еще не снялось,то пришлите нам  номер и суть вопроса "
        "на pomogite@beeline.ru.Проверим.",
        ["kormysheff", "Александр", "pomogite"],
    ),
    "618377969170540000": (
        'Дозвонился с 25-го раза оператору на МТС, и бодрый женский голос "Добрый день, Сергей! Свершилось...")))',
        ["Сергей"],
    ),
    "615765114071880000": (
        "Дмитрий Горожанинов, Tele2: «Наш приход в Красноярск обострит конкуренцию на рынке» "
        "http://t.co/T5xkpsmRRi #dkvartal #новости #krsk",
        ["Дмитрий", "Горожанинов", "T5xkpsmRRi"],
    ),
    "625682328950600000": (
        "@murmao Извините, пожалуйста! :( Александра, напишите на ящик pomogite@beeline.ru Ваш номер, точный адрес "
        "и ссылку на твит. Разберемся.",
        ["murmao", "Александра", "pomogite"],
    ),
}

# Texts without personal data (the organization's own handle aside): redaction must leave them as they are.
READABLE = {
    "567745903474540545": (
        "@VirginAmerica my flight (6000) scheduled for 1pm departure still says on time but no plane at gate. "
        "Any update on how long of a delay?"
    ),
    "569332072185249792": (
        "@united flight UA1459 sitting at newark waiting for a gate, seriously??? #threehoursLate Flight"
    ),
    "568216286561374208": (
        "@VirginAmerica I am in seat 4C and I cannot even open my laptop; and I paid extra for this seat!!"
    ),
    "615732055842910000": "RT vzglyad: По делу о работе МТС в Узбекистане США предложили заморозить 300 млн",
    "569250469178175488": (
        "@VirginAmerica Thanks for a great flight from LA to Boston! Pilots did a great job landing in the snow. "
        "Can we go back to LA now? #seriously"
    ),
}
