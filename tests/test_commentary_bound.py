"""Every sentence of the bundled commentary that states a fact about the year's data is bound to
the data: it stands inside a ``{% claim %}`` or an ``{% if %}`` (commentary.lines gives each line's
depth, so this reads the files with the report's own parser).

A sentence outside every block fails when it quotes a number the way findings are quoted (a
percentage, or a count of projects, counties, municipalities or answers) or uses a word that
judges the data: "de fleste", "flest", "færrest", "få", "noen", "ingen", "enkelte", "alle",
"i all hovedsak", "flertall".

Exception: a sentence that names its external source (KOSTRA, SSB, NOU, a veileder, IS-…, a
Meld. St.) states a fact about that source, not about the grant year's data, and may quote it
as it stands. The source must be named in the sentence itself ("Ifølge KOSTRA for 2022 …"),
not in the sentence before it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from friskliv_pipeline.report.commentary import PLACEHOLDER, lines
from tests.conftest import REFERENCE_DIR

FILES = sorted((REFERENCE_DIR / "commentary").glob("*/*.md"))
JUDGING_WORDS = ("de fleste", "flest", "færrest", "få", "noen", "ingen", "enkelte", "alle", "i all hovedsak",
                 "flertall", "flertallet")
JUDGING = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in JUDGING_WORDS) + r")(?!\w)", re.IGNORECASE)
NUMBER_QUOTE = re.compile(r"%|\b\d[\d\s\u00a0]*\s+(?:prosjekt|fylke|kommune|svar)", re.IGNORECASE)
EXTERNAL_SOURCE = re.compile(r"\b(?:KOSTRA|SSB|NOU|IS-\d+|Meld\. St\.)|\bveileder", re.IGNORECASE)
# A sentence ends at . ! ? before a capital letter, unless the dot ends an abbreviation.
SENTENCE_END = re.compile(r"(?<!\bMeld)(?<!\bSt)(?<!\bnr)(?<!\bjf)(?<!\bf\.eks)(?<=[.!?])\s+(?=[«(*]?[A-ZÆØÅ0-9])")


def unbound_statements(path: Path, text: str) -> list[str]:
    """The sentences outside every block that state a fact about the data (see the module doc)."""
    paragraphs, current = [], []
    for line in lines(path, text):
        if line.keyword is None and line.depth == 0 and line.text.strip():
            current.append(line.text.strip())
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    found = []
    for paragraph in paragraphs:
        for sentence in SENTENCE_END.split(paragraph):
            quotes_data = any(name != "year" for name in PLACEHOLDER.findall(sentence))
            if (quotes_data or NUMBER_QUOTE.search(sentence) or JUDGING.search(sentence)) \
                    and not EXTERNAL_SOURCE.search(sentence):
                found.append(sentence)
    return found


def test_the_bundled_commentary_exists_for_both_years():
    assert {p.parent.name for p in FILES} >= {"2023", "2024"}


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_statement_about_the_data_is_bound(path):
    assert unbound_statements(path, path.read_text(encoding="utf-8")) == []


# The 2023 4.3.md as it was: its first sentence judged the data ("Noen …") outside any block.
OLD_2023_4_3 = """Noen brukerorganisasjoner er også talt med blant «andre frivillige organisasjoner».

{% claim pct_collaborative >= 80 %}
Resultatene viser at kommunene i all hovedsak har fulgt regelverkets vurderingskriterier om
samarbeid på tvers av tjenester og sektorer: {{ pct_collaborative }} % av prosjektene var
samarbeidsprosjekter.
{% endclaim %}
"""


def test_the_old_2023_sentence_about_user_organisations_is_found():
    assert unbound_statements(Path("2023/4.3.md"), OLD_2023_4_3) == [
        "Noen brukerorganisasjoner er også talt med blant «andre frivillige organisasjoner»."]


@pytest.mark.parametrize("sentence", [
    "De fleste prosjektene hadde mål om å fremme helse.",
    "I 2022 oppga 27 kommuner at de ikke hadde tilbud.",
    "Resultatene viser at kommunene i all hovedsak har fulgt regelverket.",
    "Flertallet av prosjektene var ledet av frisklivssentraler.",
    "Andelen var 40 %.",
    "Det gjaldt få prosjekter.",
])
def test_a_statement_about_the_data_outside_a_block_is_found(sentence):
    assert unbound_statements(Path("x.md"), f"Innledning uten funn.\n{sentence}\n") == [sentence]


@pytest.mark.parametrize("text", [
    "Ifølge KOSTRA for 2024 (SSB) har 64 % av kommunene frisklivssentral.\n",
    "Tilbudet kan være åpent for alle (Helsedirektoratets veileder for kommunale frisklivssentraler, 2016).\n",
    "{% if n_projects > 0 %}\nDe fleste prosjektene var små.\n{% endif %}\n",
    "Regelverket for {{ year }} står i vedlegg 1.\n",
    "Alt er ikke «allerede» talt: samfunnet, fallet og noensinne er ikke funn.\n",  # word boundaries
])
def test_sources_blocks_and_words_inside_other_words_pass(text):
    assert unbound_statements(Path("x.md"), text) == []


def test_the_source_must_be_named_in_the_sentence_itself():
    text = "Ifølge KOSTRA har 64 % av kommunene frisklivssentral. I 2022 oppga 27 kommuner at de manglet tilbud.\n"
    assert unbound_statements(Path("x.md"), text) == ["I 2022 oppga 27 kommuner at de manglet tilbud."]
