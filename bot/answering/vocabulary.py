"""Word classes the understanding step matches questions against (compiled regular expressions).

The only module besides `understanding` that holds regular expressions.
"""

from __future__ import annotations

import re

KIND_WORDS = {
    "ballot": r"\b(ballot\w*|vote\w*|voting|poll|referendum|consultation|turnout|mandate|accept\w*|reject\w*|"
    r"result|results|recommend\w*|backed|back|support\w*|yes)\b",
    "deadline": r"\b(close|closes|closing|closed|deadline|until|ends?|last day|open|opens|run|runs)\b",
    "offer": r"\b(offer\w*|rise|raise|award\w*|deal|increase|uplift|pay)\b",
    "figure": r"\b(how many|number of|numbers|total|totals|figure|figures|cumulative|appointments|"
    r"rescheduled|operations|procedures|absent|off work|staff off|cost|costs|planned care|impact|disruption|"
    r"tally|count)\b",
    "cumulative": r"\b(total|totals|cumulative|so far|to date|since|overall|altogether|running|pass|passed|"
    r"reach|reached|top|topped|in all|million)\b",
    "strike": r"\b(strike\w*|walk\w*|industrial action|stoppage|action)\b",
    "statement": r"\b(say|said|says|saying|statement|comment\w*|quote\w*|react\w*|respond\w*|warn\w*|told)\b",
    "faq": r"^(why|what is|what are|what does|what do|what s a|what should|should|can|could|do i|does|is it|"
    r"will my|will i|how do|how can|how will|is my|are gp|where)\b",
}
DOMAIN = re.compile(
    r"\b(nhs|strike\w*|walk\w*|industrial|ballot\w*|vote\w*|voting|poll|union\w*|pay|offer|award|appointments?|"
    r"rescheduled|operations|hospital\w*|patients?|a e|111|999|gp|gps|pharmac\w*|mandate|turnout|ambulance\w*|"
    r"doctor\w*|nurse\w*|consultant\w*|paramedic\w*|physio\w*|radiographer\w*|emergency|derogation\w*|"
    r"dispute|picket\w*|health|trust|trusts|absent|agenda for change|afc|staff|totals?|latest|figures?|"
    r"rescheduled|cumulative)\b"
)
# Other sectors and topics the bot does not cover: declined even if a domain word appears.
OFF_SECTOR = re.compile(
    r"\b(teachers?|schools?|rail|railway|train|trains|tube|underground|bus|buses|drivers?|postal|royal mail|"
    r"airports?|border force|civil servants?|universit\w+|lecturers|barristers|firefighters|fire brigade|bin|"
    r"refuse|dockers|port|junior lawyers|lawyers|police|prison|steel|weather|football|premier league|recipe|"
    r"joke|capital of|stock|bitcoin|election results?)\b"
)
# A question about the asker's own situation: answered from an FAQ or not at all.
PERSONAL = re.compile(r"\b(can i|could i|should i|do i|am i|will i|would i|if i m|if i am|if i|will my|is my|are my|"
                      r"if my|my practice|my gp|my hospital|my trust)\b")
# Words that ask for a number: such a question is answered with a figure or declined, never with FAQ prose.
# ("Will my appointment be rescheduled?" has a figure word but asks for advice: it goes to the FAQs.)
NUMERIC = re.compile(r"\b(how many|how much|number of|numbers|total|totals|figures?|tally|count|cumulative|"
                     r"percent|percentage|cost|costs|peak|average)\b")
MEDICAL = re.compile(r"\b(ibuprofen|paracetamol|symptoms?|headache|dose|medicine|medication|diagnos\w*|"
                     r"rash|fever|treat my|cure)\b")
ORDINAL = {"first": "first", "earliest": "first", "next": "next", "upcoming": "next", "coming": "next",
           "future": "next", "last": "last", "latest": "latest", "recent": "latest", "newest": "latest",
           "current": "latest", "now": "latest", "longest": "longest", "biggest": "most", "most": "most",
           "worst": "most", "largest": "most", "highest": "most"}
SETTING_WORDS = {"mental health": "mental_health", "community": "community", "acute": "acute",
                 "all settings": "all_settings", "non acute": "non_acute"}

