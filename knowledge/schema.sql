-- Schema of the built knowledge base (strikebot kb build writes it; nothing else does).
-- Truth lives in the CSV files beside this one; this database is rebuildable output.
-- Dates: every *_text column keeps the curator's value with its precision
-- ("2023", "2023-04", "2023-04-14", "2023-04-14T09:00", offsets allowed);
-- every *_utc column is the moment it stands for, in UTC ISO 8601
-- (a date without a time = end of that day, Europe/London, for closes/announcements;
--  start of that day for starts).

CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

-- English words common enough never to be taken for a misspelling or an unknown topic (wordfreq, Zipf >= 3),
-- most frequent first: built from wordfreq so that a serving process need not load its 30 MB table.
CREATE TABLE english_words (word TEXT PRIMARY KEY, rank INTEGER NOT NULL);

-- How current the knowledge base is: the day up to which the curators checked the news (one row).
CREATE TABLE curation (
  curated_through_text TEXT NOT NULL, curated_through_utc TEXT NOT NULL, notes TEXT NOT NULL DEFAULT ''
);

CREATE TABLE sources (
  id TEXT PRIMARY KEY, url TEXT NOT NULL, title TEXT NOT NULL, publisher TEXT NOT NULL,
  published TEXT NOT NULL,            -- YYYY, YYYY-MM or YYYY-MM-DD as printed
  kind TEXT NOT NULL CHECK (kind IN ('official','union','news')),
  notes TEXT NOT NULL DEFAULT ''
);

CREATE TABLE organisations (
  id TEXT PRIMARY KEY, name TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('union','nhs_body','government','employer','other')),
  aliases TEXT NOT NULL DEFAULT '',   -- ';'-separated, lower-case matching is done by the engine
  covered INTEGER NOT NULL DEFAULT 1, -- 0 = known name the KB holds no facts for (e.g. RCM)
  description TEXT NOT NULL DEFAULT '', source_id TEXT REFERENCES sources(id)
);

CREATE TABLE staff_groups (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, aliases TEXT NOT NULL DEFAULT '',
  covered INTEGER NOT NULL DEFAULT 1, description TEXT NOT NULL DEFAULT '',
  source_id TEXT REFERENCES sources(id),
  includes TEXT NOT NULL DEFAULT ''   -- ';'-separated staff_group ids this group takes in (Agenda for Change staff: nurses …)
);

CREATE TABLE strikes (
  id TEXT PRIMARY KEY,
  unions TEXT NOT NULL,               -- ';'-separated organisation ids
  staff_groups TEXT NOT NULL,         -- ';'-separated staff_group ids
  nations TEXT NOT NULL,              -- ';'-separated: england, wales, scotland, northern_ireland
  start_text TEXT NOT NULL, start_utc TEXT NOT NULL,
  end_text TEXT NOT NULL, end_utc TEXT NOT NULL,
  duration_hours REAL,
  status TEXT NOT NULL CHECK (status IN ('held','called_off','curtailed','planned')),
  scope TEXT NOT NULL DEFAULT '', summary TEXT NOT NULL,
  source_id TEXT NOT NULL REFERENCES sources(id), other_source_ids TEXT NOT NULL DEFAULT '',
  announced_text TEXT NOT NULL DEFAULT '', announced_utc TEXT,   -- when the strike became public ('' = see sources)
  status_as_of_text TEXT NOT NULL DEFAULT '', status_as_of_utc TEXT, -- when `status` was last confirmed
  status_source_id TEXT REFERENCES sources(id),                   -- the source that confirmed it
  end_alt_text TEXT NOT NULL DEFAULT '', end_alt_utc TEXT,        -- another source's end of the same strike
  cover TEXT NOT NULL DEFAULT '' CHECK (cover IN ('full_walkout','christmas_day_cover','local_cover','mixed','')),
                                      -- what care strikers kept up ('' = not curated)
  end_alt_source_id TEXT REFERENCES sources(id)
);

CREATE TABLE ballots (
  id TEXT PRIMARY KEY, union_id TEXT NOT NULL REFERENCES organisations(id),
  staff_group TEXT NOT NULL REFERENCES staff_groups(id), nations TEXT NOT NULL,
  purpose TEXT NOT NULL CHECK (purpose IN ('statutory_strike_ballot','pay_offer_consultation','indicative_poll','referendum')),
  subject TEXT NOT NULL,              -- what the ballot decides, in a few words
  opens_text TEXT NOT NULL DEFAULT '', opens_utc TEXT,
  closes_text TEXT NOT NULL DEFAULT '', closes_utc TEXT,
  outcome TEXT NOT NULL CHECK (outcome IN ('accept','reject','mandate','no_mandate','for_action','pending','')),
  outcome_pct REAL, turnout_pct REAL, votes_cast INTEGER, votes_for_outcome INTEGER,
  announced_text TEXT NOT NULL DEFAULT '', announced_utc TEXT,
  mandate_expires_text TEXT NOT NULL DEFAULT '', mandate_expires_utc TEXT,
  recommendation TEXT NOT NULL DEFAULT '' CHECK (recommendation IN ('accept','reject','none','')),
  recommendation_source_id TEXT REFERENCES sources(id),
  variant_of TEXT NOT NULL DEFAULT '', -- id of the row this one reports differently (another source)
  summary TEXT NOT NULL, source_id TEXT NOT NULL REFERENCES sources(id),
  other_source_ids TEXT NOT NULL DEFAULT ''
);

CREATE TABLE offers (
  id TEXT PRIMARY KEY, offered_by TEXT NOT NULL REFERENCES organisations(id),
  staff_groups TEXT NOT NULL, unions TEXT NOT NULL DEFAULT '', nations TEXT NOT NULL,
  date_text TEXT NOT NULL, date_utc TEXT NOT NULL, pay_years TEXT NOT NULL DEFAULT '',
  consolidated_pct REAL, consolidated_pct_max REAL, consolidated_gbp REAL,
  one_off_pct REAL, one_off_min_gbp REAL, one_off_max_gbp REAL,
  variant_of TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL CHECK (status IN ('offered','accepted','rejected','imposed','implemented','superseded')),
  summary TEXT NOT NULL, source_id TEXT NOT NULL REFERENCES sources(id),
  other_source_ids TEXT NOT NULL DEFAULT '',
  announced_text TEXT NOT NULL DEFAULT '', announced_utc TEXT,    -- when the offer became public ('' = see sources)
  consolidated_average INTEGER NOT NULL DEFAULT 0,                 -- 1 = consolidated_pct is an average across pay points
  status_as_of_text TEXT NOT NULL DEFAULT '', status_as_of_utc TEXT, -- when `status` was reported ('' = from `date`)
  status_source_id TEXT REFERENCES sources(id),                   -- the source that reported it
  other_terms TEXT NOT NULL DEFAULT ''                             -- terms that are not figures, in our words, no outcome
);

CREATE TABLE figures (
  id TEXT PRIMARY KEY, metric TEXT NOT NULL, value REAL NOT NULL,
  unit TEXT NOT NULL CHECK (unit IN ('count','percent','gbp','days','hours')),
  qualifier TEXT NOT NULL DEFAULT 'exact' CHECK (qualifier IN ('exact','about','more_than','nearly','at_least')),
  setting TEXT NOT NULL CHECK (setting IN ('acute','mental_health','community','non_acute','all_settings','not_stated')),
  area TEXT NOT NULL DEFAULT 'England',
  strike_ids TEXT NOT NULL DEFAULT '',  -- ';'-separated strikes the figure measures
  unions TEXT NOT NULL DEFAULT '', staff_groups TEXT NOT NULL DEFAULT '',
  period_start_text TEXT NOT NULL DEFAULT '', period_start_utc TEXT,
  period_end_text TEXT NOT NULL DEFAULT '', period_end_utc TEXT,
  cumulative INTEGER NOT NULL DEFAULT 0,
  variant_of TEXT NOT NULL DEFAULT '',
  as_of_text TEXT NOT NULL, as_of_utc TEXT NOT NULL,
  summary TEXT NOT NULL, source_id TEXT NOT NULL REFERENCES sources(id),
  other_source_ids TEXT NOT NULL DEFAULT '',
  claimed_by TEXT NOT NULL DEFAULT ''   -- organisation whose own claim the figure is (not an official count); '' = none
);

CREATE TABLE statements (
  id TEXT PRIMARY KEY, speaker TEXT NOT NULL, role TEXT NOT NULL,
  organisation TEXT REFERENCES organisations(id),
  date_text TEXT NOT NULL, date_utc TEXT NOT NULL,
  strike_id TEXT REFERENCES strikes(id),
  paraphrase TEXT NOT NULL, source_id TEXT NOT NULL REFERENCES sources(id)
);

CREATE TABLE faqs (
  id TEXT PRIMARY KEY, question TEXT NOT NULL,
  phrasings TEXT NOT NULL DEFAULT '', -- '|'-separated alternate phrasings
  answer TEXT NOT NULL, source_id TEXT NOT NULL REFERENCES sources(id),
  answers TEXT NOT NULL DEFAULT ''     -- ';'-separated kinds of answer it gives (advice, why, definition ...)
);

-- One row per answerable fact: the text the engine searches, with its entities.
CREATE TABLE docs (
  rowid INTEGER PRIMARY KEY, kind TEXT NOT NULL, fact_id TEXT NOT NULL,
  phrasings TEXT NOT NULL,            -- '|'-separated questions this fact answers
  body TEXT NOT NULL,                 -- searchable text: summary, scope, names and aliases
  unions TEXT NOT NULL DEFAULT '',    -- ';rcn;bma;' (wrapped so LIKE '%;rcn;%' matches whole ids)
  groups TEXT NOT NULL DEFAULT '',
  nations TEXT NOT NULL DEFAULT '',
  first_utc TEXT, last_utc TEXT,      -- the span the fact is about (strike days, ballot window, figure period)
  known_utc TEXT,                     -- when the fact became knowable (result announced, figure as-of); NULL = scheduled
  metric TEXT NOT NULL DEFAULT '', setting TEXT NOT NULL DEFAULT '', cumulative INTEGER NOT NULL DEFAULT 0,
  area TEXT NOT NULL DEFAULT '',
  UNIQUE (kind, fact_id)
);
CREATE INDEX docs_kind_first ON docs (kind, first_utc);
CREATE VIRTUAL TABLE docs_fts USING fts5(phrasings, body, content='docs', content_rowid='rowid',
  tokenize = 'porter unicode61 remove_diacritics 2');

-- Vocabulary (knowledge/vocabulary.csv): the words the engine reads questions with, as data.
-- class: which word class (see bot/answering/vocabulary.py CLASSES); phrase: lower-case words, a trailing '*'
-- on a word matches any ending, '^' anchors at the question's start and '$' at its end; value: what the phrase
-- stands for (a synonym's canonical word, an order word's order, a setting's id, an answer type ...).
CREATE TABLE vocabulary (
  class TEXT NOT NULL, phrase TEXT NOT NULL, value TEXT NOT NULL DEFAULT '', note TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (class, phrase)
);

-- Which kinds of answer each kind of question's handler gives (knowledge/question_kinds.csv).
CREATE TABLE question_kinds (
  kind TEXT PRIMARY KEY, handler TEXT NOT NULL, answer_types TEXT NOT NULL, description TEXT NOT NULL
);
