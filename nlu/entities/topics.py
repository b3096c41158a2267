"""Alert topics a resident can subscribe to, normalised to the bot's five codes.

The span is the words naming the subject: generic alert words ("alerty", "ostrzeżenia",
"powiadomienia", "warnings", "alerts") and prepositions stay outside it ("alerty [pogodowe]",
"[weather] warnings", "ostrzeżenie przed [burzą]"), and alone they name no topic (a resident who
stops "all the warnings" means every topic). What each code covers:

- weather: weather and its warnings (IMGW), storms, heat, frost, floods, and air quality (smog),
  which is announced through the same warnings;
- road_works: road works, closures, detours, traffic jams and traffic disruptions;
- seniors: news for seniors and older residents;
- city_news: news from the city ("wiadomości z miasta", "aktualności", "city news");
- waste_collection: collection of waste (dates, schedules, bulky waste), not litter nor the waste fee.

Water, power and heating outages, public transport timetables and events are no topic.
"""

from __future__ import annotations

from typing import ClassVar

from nlu.entities.keywords import PhraseExtractor

W = r"[a-z]*"  # any inflectional ending
S = r"[ \t]+"
# Words that announce a message rather than name its subject.
_ALERT_NOUN = r"(?:alert|alarm|ostrzez|powiadomien|przypomnien|komunikat|informacj|info|wiadomosc)[a-z]*"


class TopicExtractor(PhraseExtractor):
    """`topic`: weather, road_works, seniors, city_news, waste_collection."""

    name: ClassVar[str] = "TopicExtractor"
    entity: ClassVar[str] = "topic"
    # fmt: off
    PHRASES: ClassVar[dict[str, tuple[str, ...]]] = {
        "weather": (
            rf"pogod{W}", rf"meteo{W}", rf"meteorologiczn{W}", r"imgw(?:[ \t]+weather)?",
            r"burz(?:a|e|y|ach|ami|om|ow[a-z]*)?", rf"upal{W}", rf"ulew{W}", rf"wichur{W}", rf"nawalnic{W}",
            r"gololed[a-z]*", rf"sniezyc{W}", rf"zamiec{W}", rf"opad{W}{S}sniegu", rf"silny{S}wiatr{W}",
            rf"silnego{S}wiatru", r"mroz(?:y|u|em|ie|ow|ach|ami)?", r"przymrozk[a-z]*",
            r"smog[a-z]*", rf"jakos[a-z]*{S}powietrza", rf"zanieczyszcz{W}{S}powietrza",
            rf"stezen{W}{S}pylow", rf"pyl{W}{S}zawieszon{W}",
            r"powodz(?:i|ia|iami|iach)?", rf"podtopie{W}",
            r"weather", r"storms?", r"thunderstorms?", r"heat(?:wave|[ \t]+wave)?s?", r"frosts?",
            r"snowstorms?", r"snowfalls?", r"heavy[ \t]+snow", r"blizzards?", r"gales?",
            r"heavy[ \t]+rain", r"(?:strong|high)[ \t]+winds?", r"smog", r"air[ \t]+(?:quality|pollution)",
            r"floods?", r"flooding", r"dust[ \t]+(?:concentrations?|levels?)",
        ),
        "road_works": (
            rf"remont{W}(?:{S}(?:drog{W}|ulic{W}|nawierzchni|torowisk{W}|chodnik{W}|jezdni))?",
            rf"(?:roboty|robot|robotach|prace|prac|pracach|pracami){S}drogow{W}",
            rf"utrudnien{W}(?:{S}w{S}ruchu|{S}drogow{W}|{S}na{S}drogach)?", rf"objazd{W}",
            rf"zamkniec{W}{S}(?:ulic{W}|drog{W}|jezdni|mostu|wiaduktu)",
            rf"zamknie(?:ta|te|tych){S}(?:ulic[a-z]*|drog[a-z]*)",
            r"kor(?:ek|ki|kach|kami|kow|ku)", rf"ruch{W}{S}drogow{W}", rf"komunikacj{W}{S}zastepcz{W}",
            rf"{_ALERT_NOUN}{S}(?P<v>drogow{W})",
            r"road[ \t]*works?", r"roadworks", r"(?:road|street)[ \t]+closures?",
            r"closed[ \t]+(?:roads?|streets?)", r"roads?[ \t]+closed",
            r"traffic(?:[ \t]+(?:jams?|disruptions?))?(?![ \t]+(?:lights?|signals?|signs?|lanes?"
            r"|layout|islands?|cones?|wardens?|police|rules|fines?|tickets?|calming|accidents?))",
            r"detours?", r"diversions?", r"disruptions?", r"construction[ \t]+works?",
        ),
        "seniors": (
            rf"senior{W}", rf"osob{W}{S}starsz{W}", rf"emeryt{W}",
            rf"dla{S}(?P<v>starszych(?:{S}(?:osob|ludzi|mieszkancow))?)",
            r"seniors?", r"senior[ \t]+citizens?", r"elderly", r"pensioners?",
            r"older[ \t]+(?:people|residents|adults)",
        ),
        "city_news": (
            rf"wiadomosc{W}{S}(?:z{S}miasta|z{S}poznania|miejsk{W})",
            rf"aktualnosc{W}(?:{S}(?:miejsk{W}|z{S}miasta))?", rf"newsy(?:{S}z{S}miasta)?",
            rf"informacj{W}{S}(?:z{S}miasta|miejsk{W})", rf"nowosc{W}{S}z{S}miasta",
            r"city[ \t]+news", r"city[ \t]+updates?", r"local[ \t]+news",
            r"news[ \t]+from[ \t]+the[ \t]+city",
            r"(?<!any[ ])news(?![ \t]+(?:on|about|regarding|yet))",
        ),
        "waste_collection": (
            rf"wyw[o]z{W}(?:{S}(?:smieci|odpad{W}|nieczystosci|gabaryt{W}))?",
            rf"odbi[o]r{W}{S}(?:smieci|odpad{W}|gabaryt{W})",
            rf"smieciar{W}", rf"gabaryt{W}",
            rf"harmonogram{W}{S}(?:wywozu|odbioru)(?:{S}(?:smieci|odpadow))?",
            rf"segregacj{W}", rf"(?:{_ALERT_NOUN}){S}(?P<v>smieciow{W})",
            rf"(?<=\bo[ ])(?:smieci{W}|odpad{W})",
            r"(?:waste|garbage|rubbish|trash|bin|recycling)[ \t]+collections?", r"bin[ \t]+days?",
            r"recycling",
            r"(?<=about[ ])(?:rubbish|garbage|trash|bins)",
        ),
    }
    # fmt: on
