"""Real complaint texts for the case tests.

Taken verbatim from /work/shared/datasets/airline-tweets-en/tweets.csv (Twitter US
Airline Sentiment, CC BY-NC-SA 4.0; the tweet id is above each), so the tests read
real customers' words instead of invented ones.
"""

# 568216286561374208
SEAT = "@VirginAmerica I am in seat 4C and I cannot even open my laptop; and I paid extra for this seat!!"
# 570182980142022656
LUGGAGE = "@united AND my luggage has been broken!! #youcouldntmakethis up #brokenwheel"
# 569988297633583104
SERVICE = "@united this is atrocious customer service."
# 569085424498446337
WIFI = "@united  No first class passenger should have to pay for inflight wifi."
# 569332072185249792
GATE = "@united flight UA1459 sitting at newark waiting for a gate, seriously??? #threehoursLate Flight"
