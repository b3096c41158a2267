"""City-hall matters a resident can book or ask about, normalised to codes.

The span is the phrase naming the matter, with its action word when there is one ("[wymianę dowodu]",
"[odbiór dowodu]", "[register my car]", "[collect my ID]"); what introduces it ("w sprawie", "na",
"about", "for") stays outside. A bare "dowód"/"ID" is an application for an identity card:
collection needs "odbiór"/"odebrać"/"collect". Passports are issued by the Voivodeship Office,
not the city, and are no service here.
"""

from __future__ import annotations

from typing import ClassVar

from nlu.entities.keywords import PhraseExtractor

W = r"[a-z]*"
S = r"[ \t]+"
_MY = r"(?:(?:my|a|an|the|our|his|her|their|kid'?s|child'?s|son'?s|daughter'?s)[ \t]+)?"
_NEW = r"(?:(?:new|replacement)[ \t]+)?"
_ID = r"(?:id|identity)(?:[ \t]+card)?"
# "dowód" as an identity card: not a registration certificate, a receipt or a proof of something.
_DOWOD = (
    r"dowod(?:u|em|zie)?(?:[ \t]+osobist[a-z]*)?"
    r"(?![ \t]+(?:rejestracyjn|wplaty|zakupu|nadania|na[ \t]+to\b|tego\b))"
)
_OBJECT = r"(?:(?:nowego|nowy|moj|mojego|swoj|swojego|syna|corki|dziecka)[ \t]+)?"
_WASTE = r"(?:smieci|odpad[a-z]*|wywoz[ \t]+smieci)"


class ServiceExtractor(PhraseExtractor):
    """`service`: id_card_application, id_card_collection, residence_registration, vehicle_registration,
    driving_licence, civil_status_certificate, waste_declaration_help."""

    name: ClassVar[str] = "ServiceExtractor"
    entity: ClassVar[str] = "service"
    # fmt: off
    PHRASES: ClassVar[dict[str, tuple[str, ...]]] = {
        "id_card_collection": (
            rf"odbi[o]r{W}{S}{_OBJECT}{_DOWOD}",
            rf"odebra[c]{W}{S}{_OBJECT}{_DOWOD}",
            rf"odbiore{S}{_OBJECT}{_DOWOD}",
            rf"(?:collect|collecting|pick[ \t]+up|picking[ \t]+up){S}{_MY}{_NEW}{_ID}",
            rf"{_ID}{S}(?:collection|pick[ \t]*up)",
        ),
        "id_card_application": (
            rf"(?:wyrobi|wyrobien|zlozeni|zlozy|wymian|wymieni|odnowi|odnowien|wydani|wyda)[a-z]*{S}{_OBJECT}{_DOWOD}",
            rf"wniosek{W}{S}o{S}{_OBJECT}{_DOWOD}", rf"nowy{S}{_DOWOD}", _DOWOD,
            rf"(?:apply(?:ing)?{S}for|get|getting|renew|renewing|replace|replacing|exchange|make|making){S}{_MY}{_NEW}{_ID}",
            rf"new{S}{_ID}", r"(?:id|identity)[ \t]+cards?", r"national[ \t]+id",
            r"(?:(?<=\bmy[ ])|(?<=\ban[ ])|(?<=\bthe[ ])|(?<='s[ ])|(?<=\bnew[ ]))"
            r"(?:id|identity)(?:[ \t]+cards?)?",
        ),
        "residence_registration": (
            rf"meldun{W}", rf"meldunkow{W}", rf"zameldowa{W}", rf"zamelduj{W}", rf"zameldu{W}",
            rf"wymeldowa{W}", rf"przemeldowa{W}", rf"wymelduj{W}",
            rf"register(?:ing)?{S}{_MY}(?:address|residence)", r"residence[ \t]+registration",
            r"registration[ \t]+of[ \t]+(?:residence|address)", r"address[ \t]+registration",
            r"deregistration", r"deregister(?:ing)?[ \t]+(?:my[ \t]+)?(?:address|residence)",
        ),
        "vehicle_registration": (
            rf"rejestracj{W}{S}(?:auta|samochodu|pojazdu|motocykla|motoru|skutera|wozu)",
            rf"zarejestrowa{W}{S}(?:moje{S}|nowe{S}|swoje{S})?(?:auto|samochod|pojazd|motocykl|motor|skuter)",
            rf"przerejestrowa{W}(?:{S}(?:auta|samochodu|pojazdu|auto|samochod|pojazd))?",
            rf"wyrejestrowa{W}{S}(?:auta|samochodu|pojazdu|auto|samochod|pojazd)",
            rf"dowod{W}{S}rejestracyjn{W}", rf"tablic{W}{S}rejestracyjn{W}",
            rf"(?:re-?)?register(?:ing)?{S}{_MY}(?:new{S}|used{S})?(?:car|vehicle|motorbike|motorcycle|scooter)",
            r"(?:car|vehicle)[ \t]+(?:re-?)?registration(?![ \t]+(?:department|office|desk))",
            r"(?:car|vehicle)[ \t]+deregistration", r"(?:number|registration|licen[cs]e)[ \t]+plates?",
            r"(?:car|vehicle)[ \t]+registration[ \t]+certificate",
        ),
        "driving_licence": (
            rf"(?:wymian|wymieni|wyrobi|wyrobien|odbi[o]r|odebra|odnowi|odnowien)[a-z]*{S}(?:moje(?:go)?{S})?praw{W}{S}jazdy",
            rf"praw{W}{S}jazdy",
            rf"(?:exchange|exchanging|replace|replacing|renew|renewing|collect|get|getting){S}{_MY}{_NEW}"
            r"(?:driving|driver'?s|drivers)[ \t]+licen[cs]e",
            r"driving[ \t]+licen[cs]e", r"driver'?s[ \t]+licen[cs]e", r"drivers[ \t]+licen[cs]e",
        ),
        "civil_status_certificate": (
            rf"akt{W}{S}(?:urodzenia|malzenstwa|slubu|zgonu)",
            rf"odpis{W}{S}(?:zupeln{W}{S}|skrocon{W}{S})?akt{W}(?:{S}(?:urodzenia|malzenstwa|slubu|zgonu))?",
            rf"odpis{W}{S}(?:zupeln{W}|skrocon{W})", rf"stanu{S}cywilnego",
            r"(?:birth|marriage|death)[ \t]+certificates?",
            r"civil[ \t]+status[ \t]+(?:certificates?|records?)",
        ),
        "waste_declaration_help": (
            rf"(?:e-?)?deklaracj{W}{S}(?:smieciow{W}|odpadow{W}|smieci|goap)",
            rf"(?:e-?)?deklaracj{W}{S}(?:za|o|na|do){S}(?:{_WASTE}|goap)(?:{S}komunaln{W})?",
            rf"deklaracj{W}{S}o{S}wysokosci{S}oplaty(?:{S}za{S}gospodarowanie{S}odpadami(?:{S}komunalnymi)?)?",
            r"(?:waste|garbage|rubbish|trash|goap)(?:[ \t]+fee)?[ \t]+(?:e-?)?declarations?",
            r"declarations?[ \t]+(?:for|about|of|to)[ \t]+(?:the[ \t]+)?(?:municipal[ \t]+)?"
            r"(?:goap|waste|rubbish|garbage|trash)(?:[ \t]+(?:collection|management[ \t]+fee))?",
        ),
    }
    # fmt: on
