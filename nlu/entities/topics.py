"""Alert topics a resident can subscribe to, normalised to codes."""

from __future__ import annotations

from typing import ClassVar

from nlu.entities.keywords import PhraseExtractor

W = r"[a-z]*"  # any inflectional ending
S = r"[ \t]+"


class TopicExtractor(PhraseExtractor):
    """`topic`: weather, road_works, seniors, city_news, waste_collection."""

    name: ClassVar[str] = "TopicExtractor"
    entity: ClassVar[str] = "topic"
    PHRASES: ClassVar[dict[str, tuple[str, ...]]] = {
        "weather": (
            rf"ostrzez{W}{S}(?:pogodow{W}|meteorologiczn{W}|przed{S}burz{W})",
            rf"alert{W}{S}(?:pogodow{W}|rcb)",
            rf"pogod{W}", rf"pogodow{W}", rf"burz{W}", rf"upal{W}", rf"ulew{W}", rf"wichur{W}",
            r"gololed[a-z]*",
            rf"sniezyc{W}", rf"silny{S}wiatr{W}", rf"mroz{W}", rf"nawalnic{W}", r"smog[a-z]*",
            r"weather", r"storms?", r"heat(?:wave|[ \t]+wave)?s?", r"frost", r"snow(?:storm)?s?",
            r"blizzards?",
            r"weather[ \t]+(?:warnings?|alerts?)", r"heavy[ \t]+rain", r"strong[ \t]+winds?",
        ),
        "road_works": (
            rf"remont{W}(?:{S}(?:drog{W}|ulic{W}|nawierzchni|torowisk{W}|chodnik{W}))?",
            rf"roboty{S}drogow{W}", rf"prace{S}drogow{W}", rf"utrudnien{W}(?:{S}w{S}ruchu)?", rf"objazd{W}",
            rf"zamkniec{W}{S}(?:ulic{W}|drog{W}|jezdni)", rf"zamknieta{S}ulica", r"korek", r"korki",
            r"korkach",
            rf"ruch{W}{S}drogow{W}", rf"komunikacj{W}{S}zastepcz{W}",
            r"road[ \t]*works?", r"roadworks", r"road[ \t]+closures?", r"closed[ \t]+roads?",
            r"traffic(?:[ \t]+jams?)?",
            r"detours?", r"diversions?", r"construction[ \t]+works?",
        ),
        "seniors": (
            rf"senior{W}", rf"dla{S}(?:senior{W}|starszych|emeryt{W})", rf"osob{W}{S}starsz{W}",
            rf"emeryt{W}",
            r"seniors?", r"elderly", r"pensioners?", r"older[ \t]+(?:people|residents)",
        ),
        "city_news": (
            rf"wiadomosc{W}(?:{S}(?:z{S}miasta|miejsk{W}))?", rf"aktualnosc{W}", r"newsy?",
            rf"informacj{W}{S}(?:z{S}miasta|miejsk{W})",
            rf"nowosc{W}{S}z{S}miasta", r"city[ \t]+news", r"news", r"city[ \t]+updates?",
        ),
        "waste_collection": (
            rf"wyw[o]z{W}{S}(?:smieci|odpad{W}|nieczystosci)", rf"wywoz{W}",
            rf"odbi[o]r{W}{S}(?:smieci|odpad{W})",
            rf"smieci{W}", rf"smieciar{W}", rf"odpad{W}", rf"gabaryt{W}", rf"harmonogram{W}{S}wywozu",
            rf"segregacj{W}", rf"kubl{W}{S}na{S}smieci",
            r"waste(?:[ \t]+collection)?", r"garbage(?:[ \t]+collection)?", r"rubbish(?:[ \t]+collection)?",
            r"trash(?:[ \t]+collection)?", r"bin[ \t]+collection", r"bins", r"recycling",
        ),
    }
