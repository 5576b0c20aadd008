"""Understanding a question: the one reader of the question text.

`understand(question, kb, now)` returns an `Understanding`: normalised text, intent, answer type asked, entities, time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from bot.answering.vocabulary import Vocabulary, common_words, is_rare, use_english_words
from bot.clock import LONDON
from bot.knowledge import KnowledgeBase
from bot.matching import MONTHS, NATIONS, Alias, AliasIndex, build_alias_index, normalise, stem_text


@dataclass
class Understanding:
    """What the engine made of a question: normalised text, intent and entities."""

    raw: str
    norm: str
    intent: str = "unknown"
    unions: set[str] = field(default_factory=set)
    bodies: set[str] = field(default_factory=set)
    groups: set[str] = field(default_factory=set)
    uncovered: list[str] = field(default_factory=list)
    nations: set[str] = field(default_factory=set)
    years: set[int] = field(default_factory=set)
    month: int | None = None
    days: list[int] = field(default_factory=list)
    order: str | None = None
    setting: str | None = None
    metric: str | None = None
    threshold: float | None = None
    this_week: bool = False
    speaker_hits: list[str] = field(default_factory=list)
    role_hits: list[str] = field(default_factory=list)  # speakers whose role the question names ('medical director')
    faq_like: bool = False
    span: tuple[datetime, datetime] | None = None  # a relative week ('last week'), UTC
    nth: int | None = None  # "the second strike" -> 2
    classes: frozenset[str] = frozenset()  # vocabulary classes with a phrase in the question
    reason_or_place: str = ""  # 'why' or 'where' when the question asks for a reason or a place
    percents: list[float] = field(default_factory=list)  # percentages named ('the 3% offer' -> [3.0])
    answer_types: list[str] = field(default_factory=list)  # kinds of answer asked, the one that decides first
    weak_types: frozenset[str] = frozenset()  # of those, the ones only hinted at ('said', 'result', 'what is')
    tense: str = ""  # 'past', 'present' or 'future': the first tense word of the question ('' = none)
    unknown_words: list[str] = field(default_factory=list)  # rare words no curated text holds ('locum')
    places: list[str] = field(default_factory=list)  # places named ('york'): the facts shown must name them
    months: list[int] = field(default_factory=list)  # every month named, in order ('march vs april' -> [3, 4])
    strike_days_len: int | None = None  # 'the five-day strike' -> 5
    ballot_field: str = ""  # what of a ballot is asked: turnout, votes, opens, closes, mandate_expires ('' = result)
    vote_outcome: str = ""  # the outcome a question names: 'accept' ('which unions accepted'), 'reject', or ''

    @property
    def answer_type(self) -> str:
        """The kind of answer asked ('date', 'count', 'why' … see vocabulary.ANSWER_TYPES), '' when unclear."""
        return self.answer_types[0] if self.answer_types else ""
    asks_for_appointments: bool = True  # False: a 'how many' question counts something else (patients, hours)

    def has_when(self) -> bool:
        """True when the question names a year, a month or a relative week ('last week')."""
        return bool(self.years or self.month or self.span)

    def has(self, cls: str) -> bool:
        """True when the question holds a phrase of vocabulary class `cls` (knowledge/vocabulary.csv)."""
        return cls in self.classes


def vocabulary(kb: KnowledgeBase) -> Vocabulary:
    """The knowledge base's compiled vocabulary (cached per KB file version)."""
    def load() -> Vocabulary:
        use_english_words(kb.english_ranks())  # the word frequencies come with the knowledge base they match
        return Vocabulary(kb.vocabulary_rows())

    return kb.cached("vocabulary", load)


def name_words(kb: KnowledgeBase) -> frozenset[str]:
    """Every word of an organisation's, staff group's or speaker's name or alias (matching form), cached: the
    names a misspelling may be corrected to ('junoir' -> 'junior', 'unsion' -> 'unison')."""

    def load() -> frozenset[str]:
        texts = [n for o in kb.organisations().values() for n in (o.name, *o.aliases)]
        texts += [n for g in kb.staff_groups().values() for n in (g.name, *g.aliases)]
        texts += kb.speaker_names()
        return frozenset(w for t in texts for w in normalise(t).split())

    return kb.cached("name_words", load)


def _unknown_words(kb: KnowledgeBase, vocab: Vocabulary, names: frozenset[str], norm: str) -> list[str]:
    """Words of the question that are a topic no curated text holds: rare in English (`is_rare`), not a
    common word or a filler, not in the vocabulary or a name, and found nowhere in the knowledge base's
    search index ('locum', 'ablation', 'visa'). Such a question asks for something the bot does not hold."""
    out = []
    for w in dict.fromkeys(norm.split()):
        if (len(w) >= 4 and w.isalpha() and w not in vocab.known_words and w not in names
                and w not in common_words() and is_rare(w) and not kb.mentions(w)):
            out.append(w)
    return out


ORDINAL_WORDS = {"second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
                 "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12}  # 'first' is an order word (vocabulary)
_NTH = re.compile(r"\b(" + "|".join(ORDINAL_WORDS) + r"|\d{1,2}(?:st|nd|rd|th)) (?:\w+ ){0,4}?(strike|walkout)")


@lru_cache(maxsize=4096)
def defined_subject(norm: str) -> frozenset[str]:
    """The words (stemmed) of what a 'what is X' question asks to have defined, up to a preposition: 'what is
    the starting salary for an fy1 resident doctor' -> {'starting', 'salary'}; empty for other questions."""
    m = re.match(r"(?:so |ok |hi )?what (?:is|are|s) (?:the |a |an )?(.+?)(?= for | of | in | on | at | to |$)",
                 norm)
    return frozenset(stem_text(m.group(1)).split()) if m else frozenset()


def _asked_aliases(found: list[Alias], stemmed: str) -> list[Alias]:
    """The names a question asks about, of those found in it (stemmed text): a name negated ('the july junior
    doctors strike? not the consultants one') is left out, unless nothing else is named."""
    negated = {id(a) for a in found if re.search(rf"\bnot (?:the |a |an )?{re.escape(a.phrase)}\b", stemmed)}
    kept = [a for a in found if id(a) not in negated]
    return kept if kept else found


def nations_in(norm: str) -> set[str]:
    """The nations a text (in matching form) names: 'wales', 'welsh' -> {'wales'}."""
    padded = f" {norm} "
    return {v for k, v in NATIONS.items() if f" {k} " in padded}


def reason_or_place(kb: KnowledgeBase, norm: str) -> str:
    """'why' or 'where' when a text (in matching form) asks for a reason or a place, else '': an answer of one
    kind never answers the other ('Where have nurses voted to strike?' is not 'Why did nurses strike?')."""
    return vocabulary(kb).first_value("reason_place", norm) or ""


def text_form(kb: KnowledgeBase, text: str) -> str:
    """A curated text in the form questions are matched in: normalised, synonyms folded (memoised per KB)."""
    memo: dict[str, str] = kb.cached("text_forms", dict)
    out = memo.get(text)
    if out is None:
        out = memo[text] = vocabulary(kb).fold(normalise(text), fuzzy=False)
    return out



def alias_index(kb: KnowledgeBase) -> AliasIndex:
    """Names and aliases of organisations and staff groups from the knowledge base (cached per KB file)."""

    def load() -> AliasIndex:
        entries = [("union", o.id, [o.name, *o.aliases], o.covered) for o in kb.organisations().values()]
        entries += [("group", g.id, [g.name, *g.aliases], g.covered) for g in kb.staff_groups().values()]
        return build_alias_index(entries, form=lambda t: text_form(kb, t))

    return kb.cached("alias_index", load)


def speakers(kb: KnowledgeBase) -> dict[str, set[str]]:
    """Surname (normalised) -> statement speakers containing it (cached)."""

    def load() -> dict[str, set[str]]:
        vocab = vocabulary(kb)
        out: dict[str, set[str]] = {}
        for speaker in kb.speaker_names():
            for person in re.split(r";|\band\b", speaker):
                words = [w for w in normalise(person).split() if not vocab.has("title", w)]
                if words and len(words[-1]) > 2:
                    out.setdefault(words[-1], set()).add(speaker)
        return out

    return kb.cached("speakers", load)


def roles(kb: KnowledgeBase) -> dict[str, list[tuple[frozenset[str], frozenset[str], str]]]:
    """Statement roles by the title's last word, stemmed: 'chair' -> [({chair}, {bma, resident, doctor,
    committee}, speaker)], each (title words, the rest of the role's words, speaker) once. Cached; a question
    looks up only its own words, so the cost does not grow with the number of statements."""

    def load() -> dict[str, list[tuple[frozenset[str], frozenset[str], str]]]:
        seen: dict[tuple[str, str], tuple[frozenset[str], frozenset[str], str, str]] = {}
        for st in kb.catalog("statement").items:
            if (st.role, st.speaker) in seen:
                continue
            title, _, rest = st.role.partition(",")
            words = [w for w in stem_text(text_form(kb, title)).split() if w not in ("and", "of", "the")]
            extra = frozenset(stem_text(text_form(kb, rest)).split()) - {"the", "of", "and"}
            if words:
                seen[(st.role, st.speaker)] = (frozenset(words), extra, st.speaker, words[-1])
        out: dict[str, list[tuple[frozenset[str], frozenset[str], str]]] = {}
        for key, extra, speaker, last in seen.values():
            out.setdefault(last, []).append((key, extra, speaker))
        return out

    return kb.cached("roles", load)


def _role_hits(kb: KnowledgeBase, norm: str) -> list[str]:
    """Speakers whose role the question names: the title's last word and one more of its words ('medical
    director', 'health secretary' for the Health and Social Care Secretary, 'chair'), and at least half the
    words of the role's body ('the BMA resident doctors committee')."""
    asked = set(stem_text(norm).split())
    index = roles(kb)
    hits = set()
    for word in asked:
        for key, extra, speaker in index.get(word, ()):
            title_ok = len(key) == 1 or len(key & asked) >= 2
            if title_ok and (not extra or 2 * len(extra & asked) >= len(extra)):
                hits.add(speaker)
    return sorted(hits)


def understand(question: str, kb: KnowledgeBase, now: datetime | None = None) -> Understanding:
    """Normalise `question` and spot its intent and entities (unions, staff groups, nations, dates, order).
    With `now` (aware), relative dates are resolved in Europe/London: last/this/next month or year, and
    last/next week (Monday to Sunday)."""
    vocab = vocabulary(kb)
    names = name_words(kb)
    norm = vocab.fold(normalise(question), names)
    u = Understanding(question, norm, classes=vocab.classes_in(norm))
    u.unknown_words = _unknown_words(kb, vocab, names, norm)
    stemmed = stem_text(norm)
    for a in _asked_aliases(alias_index(kb).find(stemmed), stemmed):
        if not a.covered:
            names = kb.organisations() if a.kind == "union" else kb.staff_groups()
            u.uncovered.append(names[a.entity_id].name)
        elif a.kind == "union":
            org = kb.organisations()[a.entity_id]
            # NHS bodies and government are speakers and offerers, never a filter on who struck
            (u.unions if org.kind == "union" else u.bodies).add(a.entity_id)
        else:
            u.groups.add(a.entity_id)
    groups = kb.staff_groups()
    u.groups |= {i for g in list(u.groups) for i in groups[g].includes}  # 'AfC staff' also means nurses …
    u.nations = nations_in(norm)
    u.years = {int(y) for y in re.findall(r"\b(19\d\d|20\d\d)\b", norm)}
    for word in norm.split():
        if word in MONTHS and not (word == "may" and not re.search(r"\bmay (19|20)\d\d\b|\bin may\b|\d may\b", norm)):
            u.month = MONTHS[word]
            break
    u.months = list(dict.fromkeys(MONTHS[w] for w in norm.split() if w in MONTHS and w != "may"))
    if u.month:
        u.days = [int(d) for d in re.findall(r"\b([0-3]?\d)(?:st|nd|rd|th)?\b(?= (?:and |to |- )?(?:[0-3]?\d )?"
                                             r"(?:" + "|".join(k for k in MONTHS) + r")\b)", norm)]
    if not u.month and now is not None:
        _bare_day(u, now)  # 'the strike on the 28th': the 28th nearest now in the tense asked
    if u.has("most_recent"):
        u.order = "latest"  # "the most recent strike" is the latest one, not the one with the most of anything
    else:
        u.order = vocab.first_value("order", norm)
        if u.order == "last" and u.has("last_verb"):
            u.order = None  # 'how long does the mandate last?
    nth = _NTH.search(norm)
    if nth and not (nth.group(1)[0].isdigit() and u.month):  # 'the 3rd march strike' is a day, not an ordinal
        word = nth.group(1)
        u.nth = ORDINAL_WORDS.get(word) or int(word.rstrip("stndrh"))
    if now is not None:
        _relative_dates(u, now)
        _named_period(u, vocab, now)
    u.places = [p for _pos, p in vocab.values_in("place_names", norm)]
    n_days = re.search(r"\b(\d|one|two|three|four|five|six|seven|eight|nine|ten) day (?:\w+ ){0,3}?(?:strike|walkout)", norm)
    if n_days:
        u.strike_days_len = int(n_days.group(1)) if n_days.group(1).isdigit() else WORD_NUMBERS[n_days.group(1)]
    if u.has("this_week"):
        u.this_week = True
        u.order = u.order or "next"
    u.setting = vocab.first_value("setting", norm)
    big = [float(n) for n in re.findall(r"\b(\d{5,})\b", norm)]
    u.threshold = max(big) if big else None
    names = speakers(kb)
    u.speaker_hits = sorted({s for w in norm.split() for s in names.get(w, ())})
    u.role_hits = _role_hits(kb, norm)
    u.answer_types, u.weak_types = _answer_types(vocab, norm)
    u.intent = _intent(u)
    u.reason_or_place = reason_or_place(kb, norm)
    u.ballot_field = _ballot_field(u)
    u.vote_outcome = vocab.first_value("vote_outcome", norm) or ""
    u.tense = vocab.first_value("tense", norm) or ""
    u.percents = [float(x) for x in re.findall(r"\b(\d+(?:\.\d+)?) percent\b", norm)]
    u.asks_for_appointments = _asks_for_appointments(u)
    u.faq_like = u.has("faq_like") or (u.has("starts_will") and not u.has("will_there")) or (
        u.has("kind_faq") and not u.has("not_faq_like"))
    return u


WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                "ten": 10}


def _bare_day(u: Understanding, now: datetime) -> None:
    """'on the 28th' with no month: the 28th of this month, or of the next (future or present tense) or the last
    (past tense) month when this month's has gone by or is still to come."""
    m = re.search(r"\b(?:the )?([0-3]?\d)(?:st|nd|rd|th)\b", u.norm)
    if not m or not 1 <= int(m.group(1)) <= 31:
        return
    if re.match(r" (?:\w+ ){0,4}?(?:strike|walkout|ballot|mandate|round|offer)", u.norm[m.end():]):
        return  # 'the 3rd junior doctor strike', 'the 4th mandate': an ordinal in a sequence, not a day
    day = int(m.group(1))
    local = now.astimezone(LONDON)
    index = local.year * 12 + local.month - 1
    if u.tense == "past" and day > local.day:
        index -= 1
    elif u.tense != "past" and day < local.day:
        index += 1
    u.years, u.month, u.days = {index // 12}, index % 12 + 1, [day]


def _named_period(u: Understanding, vocab: Vocabulary, now: datetime) -> None:
    """'over Christmas', 'last summer', 'Easter 2023': the period's span (knowledge/vocabulary.csv class
    `period`, 'MM-DD..MM-DD', crossing the new year where the end is before the start). The year is the one
    named; else 'last' = the latest that has ended, 'next' = the next to begin, and otherwise the one under way
    or, in the past tense, the latest begun, or the next to begin."""
    if u.has("not_period") or u.month:
        return
    found = vocab.values_in("period", u.norm)
    if not found:
        return
    pos, spec = found[0]
    (m1, d1), (m2, d2) = (tuple(int(x) for x in part.split("-")) for part in spec.split(".."))
    before = u.norm[:pos].split()[-1:] or [""]

    def span(year: int) -> tuple[datetime, datetime]:
        start = datetime(year, m1, d1, tzinfo=LONDON)
        end = datetime(year + ((m2, d2) < (m1, d1)), m2, d2, 23, 59, 59, tzinfo=LONDON)
        return start.astimezone(UTC), end.astimezone(UTC)

    local_year = now.astimezone(LONDON).year
    candidates = [span(y) for y in range(local_year - 2, local_year + 2)]
    if u.years:
        chosen = span(min(u.years))
    elif before[0] in ("last", "previous"):
        chosen = max((c for c in candidates if c[1] < now), key=lambda c: c[0])
    elif before[0] in ("next", "coming"):
        chosen = min((c for c in candidates if c[0] > now), key=lambda c: c[0])
    else:
        current = [c for c in candidates if c[0] <= now <= c[1]]
        begun = [c for c in candidates if c[0] <= now]
        ahead = [c for c in candidates if c[0] > now]
        latest = max(begun, key=lambda c: c[0]) if begun else None
        soonest = min(ahead, key=lambda c: c[0]) if ahead else None
        if current:
            chosen = current[0]
        elif u.tense == "past" or soonest is None:
            chosen = latest
        elif u.tense == "future" or latest is None:
            chosen = soonest
        else:  # no tense: the nearer of the last one and the next one
            chosen = min((latest, soonest), key=lambda c: min(abs((c[0] - now).total_seconds()),
                                                              abs((c[1] - now).total_seconds())))
    if before[0] in ("last", "previous", "next", "coming", "this") and u.order in ("last", "next", "latest"):
        u.order = None  # 'last summer' names a period, not the last strike
    u.span, u.years = chosen, set()


def _relative_dates(u: Understanding, now: datetime) -> None:
    """Resolve 'last month', 'this year', 'next week' … against `now` (Europe/London) into the question's
    month, years or week span. An explicit month or year in the question wins."""
    local = now.astimezone(LONDON)
    day = re.search(r"\b(yesterday|today|tomorrow)\b", u.norm)
    if day and not u.has_when():  # 'the reballot announced yesterday': that London day
        start = (local + timedelta(days={"yesterday": -1, "today": 0, "tomorrow": 1}[day.group(1)])).replace(
            hour=0, minute=0, second=0, microsecond=0)
        u.span = (start.astimezone(UTC), (start + timedelta(days=1) - timedelta(microseconds=1)).astimezone(UTC))
        return
    m = re.search(r"\b(last|this|next|previous|coming) (month|year|week)\b", u.norm)
    if not m or (m.group(2) != "week" and u.has_when()):
        return
    step = {"last": -1, "previous": -1, "this": 0, "next": 1, "coming": 1}[m.group(1)]
    if m.group(2) == "year":
        u.years = {local.year + step}
    elif m.group(2) == "month":
        index = local.year * 12 + local.month - 1 + step
        u.years, u.month = {index // 12}, index % 12 + 1
    elif step:  # "this week" keeps its own meaning (strikes under way or due this week)
        monday = (local - timedelta(days=local.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
        start = monday + timedelta(days=7 * step)
        u.span = (start.astimezone(UTC), (start + timedelta(days=7) - timedelta(microseconds=1)).astimezone(UTC))


def answer_types(kb: KnowledgeBase, norm: str) -> tuple[list[str], frozenset[str]]:
    """The kinds of answer a text in matching form asks for (see `_answer_types`), with the knowledge base's
    vocabulary: used for curated FAQ phrasings as well as questions."""
    return _answer_types(vocabulary(kb), norm)


KIND_CLASSES = ("kind_ballot", "kind_offer", "kind_figure", "kind_strike", "kind_statement")


def clauses(kb: KnowledgeBase, u: Understanding) -> list[str]:
    """A compound question's parts ('when does the reballot close, and what was turnout in the 2025 ballot?'),
    split before 'and' + a question word, each carrying the question's named unions and staff groups; [] when
    the question is not compound: fewer than two interrogatives, or a part that names no kind of fact of its
    own ('… and when does it run?' leans on the first part, so it is not split)."""
    asked = [v for _pos, v in vocabulary(kb).values_in("asks", u.norm) if ":" not in v]  # each one asked, repeats too
    if len(asked) < 2:  # ('how many appointments … and how many staff were off?' asks two counts)
        return []
    parts = [p.strip() for p in re.split(r"\band (?=(?:what|when|how|who|which|is|are|did|does|was|were)\b)",
                                           u.norm) if p.strip()]
    vocab = vocabulary(kb)
    if len(parts) < 2 or not all(any(vocab.has(c, p) for c in KIND_CLASSES) for p in parts):
        return []
    names = [kb.organisations()[x].name for x in sorted(u.unions)] + [
        kb.staff_groups()[g].name for g in sorted(u.groups)]
    out = []
    for p in parts:
        missing = [n for n in names if not alias_index(kb).find(stem_text(text_form(kb, n))) or
                   not any(a.entity_id in (u.unions | u.groups) for a in alias_index(kb).find(stem_text(p)))]
        out.append(" ".join([p, *missing]))
    return out


def _answer_types(vocab: Vocabulary, norm: str) -> tuple[list[str], frozenset[str]]:
    """The kinds of answer a question asks for, from its `asks` phrases, in the order asked: interrogatives
    ('when', 'how many', 'why' …) and hints ('said', 'result': `type:hint`), the first of which decides; then
    the fallbacks (`type:weak`, 'what is …') that decide only when nothing else is asked. Hints and fallbacks
    never make a compound question ('what did X say when …' asks for words, not a date). Returns (types, the
    hints and fallbacks among them)."""
    found = [v for _pos, v in vocab.values_in("asks", norm)]
    first = [v.split(":")[0] for v in found if not v.endswith(":weak")]
    fallback = [v.split(":")[0] for v in found if v.endswith(":weak")]
    strong = {v for v in found if ":" not in v}
    types = list(dict.fromkeys(first + fallback))
    return types, frozenset(t for t in types if t not in strong)


def _ballot_field(u: Understanding) -> str:
    """Which column of a ballot the question asks for: 'votes' (votes cast), 'turnout', 'mandate_expires',
    'opens' or 'closes'; '' for its result. A reply must then show that column, or decline."""
    if u.has("field_votes"):
        return "votes"
    if u.has("field_turnout"):
        return "turnout"
    if u.has("mandate") and (u.has("field_expiry") or u.answer_type in ("date", "duration")):
        return "mandate_expires"
    if u.answer_type == "date" and u.has("field_opens"):
        return "opens"
    if u.answer_type == "date" and u.has("field_closes"):
        return "closes"
    return ""


HOW_MANY_COUNTED = re.compile(
    r"\bhow many (?:(?:\w+ ){0,3}(?:appointments?|appts?|operations?|procedures?|outpatient\w*|inpatient\w*|"
    r"reschedul\w*|cancel\w*|postpon\w*|moved)\b|"
    r"(?:were|was|have|has|had|did|got|are|is|will)\b)")


def _asks_for_appointments(u: Understanding) -> bool:
    """False when a 'how many …' question counts something other than appointments (patients, trusts, hours,
    strikes, per day or on one day of a strike): an appointments figure would answer another question."""
    if u.has("day_part"):
        return False  # per-strike figures cover whole strikes
    return "how many" not in u.norm or bool(HOW_MANY_COUNTED.search(u.norm))


def _intent(u: Understanding) -> str:
    t = u.norm

    def _has(kind: str, _text: str) -> bool:
        return u.has(f"kind_{kind}")

    if not t.strip():
        return "empty"
    if u.speaker_hits and (_has("statement", t) or re.search(r"\bwho is\b", t)):
        return "statement"
    if u.has("planned_care") and not u.has("kind_ballot"):
        return "impact_figure"  # 'the share of planned care kept going': a per-strike figure, not a running total
    if u.has("strike_days"):
        return "impact_figure"  # 'how many days have they been on strike': a count of strike days
    if u.has("cover_words") and not u.has("kind_figure"):
        return "strike_cover"  # 'are there exemptions for A&E?': what care the strike keeps up
    if u.role_hits and u.answer_type in ("who", "quote"):
        return "statement"  # 'who chairs the committee?', 'what did the medical director say?'
    if u.answer_type == "quote" and (u.unions or u.bodies):
        return "statement"  # 'what did the Society of Radiographers say about the offer?'
    if _has("offer", t) and u.answer_type == "count" and re.search(r"\bhow much\b", t) and not re.search(r"\bcost", t):
        return "pay_offer"  # 'how much is the pay rise in the deal they accepted': the offer's terms
    if _has("ballot", t):
        column = u.has("mandate") or u.has("field_turnout") or u.has("field_votes")
        if _has("deadline", t) and (re.search(r"\bwhen\b|\bdeadline\b|\buntil\b|\bhow long\b|\bdays\b", t)
                                     or not column and (u.answer_type == "status" or (
                                         u.tense != "past" and "result" not in u.answer_types))):
            # also 'are there any open ballots?', 'is the ballot still open?', 'what ballots are live atm?':
            # whether one is open now, not the results of past ones
            return "ballot_deadline"
        return "ballot_result"
    if u.order == "longest" or (u.order == "most" and _has("figure", t)):
        return "comparison"
    people_off = re.search(r"\bstaff\b.*\b(off|absent|out)\b|\babsent\b|\boff work\b|\bwalked out\b", t) or (
        u.groups and re.search(r"\b(off|absent|out)\b", t))  # 'resident doctors off per day'
    if people_off and (re.search(r"\bhow many\b|\bnumber\b|\bpeak\b|\baverage\b", t) or u.has("per_day")):
        return "staff_absent"
    if re.search(r"\bcost\b|\bcosts\b|\bhow much did\b.*\bcost\b", t):
        return "cost"
    if _has("figure", t) and (_has("cumulative", t) or t.strip() in ("latest", "totals", "latest totals")):
        if re.search(r"\bhow many\b.*\b(strike|walkout)\b.*\b(in|on|during)\b", t) and not _has("cumulative", t):
            return "impact_figure"
        return "cumulative_total"
    if _has("figure", t):
        return "impact_figure"
    if (_has("offer", t) or re.search(r"\bwhat (did|do|does|will) .+ (get|got|receive)\b", t)) and not re.search(
            r"\bstrike\b.*\bwhen\b|\bwhen\b.*\bstrike\b", t):
        return "pay_offer"
    if _has("strike", t) or re.search(r"\bwhen\b|\bhow long\b|\bdates?\b", t):
        return "strike_dates"
    if u.speaker_hits:
        return "statement"
    return "faq" if _has("faq", t) else "unknown"

