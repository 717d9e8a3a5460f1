"""Real customer texts for the rules tests, quoted from /work/shared/datasets (never invented).

English: airline-tweets-en/tweets.csv (Twitter US Airline Sentiment, CC BY-NC-SA 4.0);
Russian: sentirueval2016-ru/tweets.csv (SentiRuEval-2016). The tweet id is above each.
"""

# 569962245620248576 (positive): names an agent, Ms. Winston.
PRAISE_WINSTON = (
    "@united Big thanks to Ms. Winston for assisting me over the phone with a baggage claim issue today. "
    "She really went the extra mile!"
)
# 568982915956277249 (positive): names Lea.
PRAISE_LEA = "@United thanks to Lea in the Chicago office for her help in switching our Cancelled Flighted flights!!"
# 568922616800657411 (positive), no comment-worthy name of ours.
PRAISE_AGENT = "@united Gate Agent Alavera is amazing"
# 569988297633583104 (negative).
SERVICE = "@united this is atrocious customer service."
# 568216286561374208 (negative).
SEAT = "@VirginAmerica I am in seat 4C and I cannot even open my laptop; and I paid extra for this seat!!"
# 624623807320460000 (vtb, negative).
RU_RUDE = (
    "В ВТБ24 @vtb – наглые хамы, в Билайн @Beeline_RUS - счет с потолка, в котором сами не могут "
    'разобраться.. а вы говорит "рынок" отрегулирует'
)
# 626775414493590000 (sberbank, negative).
RU_RUDE_STAFF = (
    "@sberbank о чем? О регулярно не работающих банкоматах, сотрудниках хамах и систематическими вашими "
    "косяками в обслуживании?"
)
