"""City-hall matters a resident can book or ask about, normalised to codes."""

from __future__ import annotations

from typing import ClassVar

from nlu.entities.keywords import PhraseExtractor

W = r"[a-z]*"
S = r"[ \t]+"
_MY = r"(?:(?:my|a|an|the|our)[ \t]+)?"


class ServiceExtractor(PhraseExtractor):
    """`service`: id_card_application, id_card_collection, residence_registration, vehicle_registration,
    driving_licence, civil_status_certificate, waste_declaration_help."""

    name: ClassVar[str] = "ServiceExtractor"
    entity: ClassVar[str] = "service"
    PHRASES: ClassVar[dict[str, tuple[str, ...]]] = {
        "id_card_collection": (
            rf"odbi[o]r{W}{S}(?:nowego{S}|mojego{S})?dowod{W}(?:{S}osobist{W})?",
            rf"odebra[c]{W}{S}(?:nowy{S}|moj{S}|swoj{S})?dowod{W}(?:{S}osobist{W})?",
            rf"odbiore{S}(?:nowy{S})?dowod{W}(?:{S}osobist{W})?",
            rf"(?:collect|pick[ \t]+up){S}{_MY}(?:new{S})?(?:id|identity){S}card",
            rf"(?:id|identity){S}card{S}(?:collection|pick[ \t]*up)",
        ),
        "id_card_application": (
            rf"dowod{W}{S}osobist{W}",
            rf"(?:wyrobi|wyrobien|zlozeni|zlozy)[a-z]*{S}(?:nowego{S}|nowy{S})?dowod{W}(?:{S}osobist{W})?",
            rf"wniosek{W}{S}o{S}(?:nowy{S})?dowod{W}(?:{S}osobist{W})?", rf"nowy{S}dowod",
            rf"(?:apply{S}for|get|renew|new){S}{_MY}(?:new{S})?(?:id|identity){S}card",
            r"(?:id|identity)[ \t]+card",
            r"national[ \t]+id",
        ),
        "residence_registration": (
            rf"meldun{W}", rf"zameldowa{W}", rf"zamelduj{W}", rf"zameldu{W}", rf"wymeldowa{W}",
            rf"przemeldowa{W}",
            rf"zameldowani{W}{S}na{S}pobyt{S}(?:staly|czasowy)",
            rf"register{S}{_MY}(?:address|residence)", r"residence[ \t]+registration",
            r"registration[ \t]+of[ \t]+residence",
            r"address[ \t]+registration", r"zameldowanie",
        ),
        "vehicle_registration": (
            rf"rejestracj{W}{S}(?:auta|samochodu|pojazdu|motocykla|motoru|skutera|wozu)",
            rf"zarejestrowa{W}{S}(?:moje{S}|nowe{S}|swoje{S})?(?:auto|samochod|pojazd|motocykl|motor|skuter)",
            rf"przerejestrowa{W}{S}(?:auta|samochodu|pojazdu|auto|samochod|pojazd)?",
            rf"dowod{W}{S}rejestracyjn{W}",
            rf"tablic{W}{S}rejestracyjn{W}",
            rf"register{S}{_MY}(?:new{S}|used{S})?(?:car|vehicle|motorbike|motorcycle)",
            r"(?:car|vehicle)[ \t]+registration",
        ),
        "driving_licence": (
            rf"praw{W}{S}jazdy", r"driving[ \t]+licen[cs]e", r"driver'?s[ \t]+licen[cs]e",
            r"drivers[ \t]+licen[cs]e",
        ),
        "civil_status_certificate": (
            rf"akt{W}{S}(?:urodzenia|malzenstwa|slubu|zgonu)",
            rf"odpis{W}{S}(?:zupeln{W}{S}|skrocon{W}{S})?akt{W}(?:{S}(?:urodzenia|malzenstwa|slubu|zgonu))?",
            rf"odpis{W}{S}(?:zupeln{W}|skrocon{W})", rf"stanu{S}cywilnego",
            r"(?:birth|marriage|death)[ \t]+certificates?",
            r"civil[ \t]+status[ \t]+(?:certificates?|records?)",
        ),
        "waste_declaration_help": (
            rf"deklaracj{W}{S}(?:smieciow{W}|odpadow{W}|o{S}odpadach|na{S}odpady|o{S}wysokosci{S}oplaty{W})",
            rf"deklaracj{W}{S}(?:za|o){S}(?:smieci|odpady)", rf"oplat{W}{S}za{S}(?:smieci|odpady|wywoz{W})",
            r"(?:waste|garbage|rubbish)[ \t]+(?:declaration|fee)s?",
        ),
    }
