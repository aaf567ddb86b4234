"""Entity merging: Candidate-level precedence, trimming, chains and the name finder, on hand-built Docs."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import spacy
from spacy.tokens import Doc, Span

from pipeline.components.entity_merger import (
    Candidate,
    InstitutionWords,
    TrimRules,
    add_acronyms,
    add_company_short_forms,
    add_described_names,
    add_field_sources,
    add_wire_credits,
    coordination_point,
    cut_around_people,
    cut_possessive_places,
    cut_trailing_countries,
    drop_ambiguous_initials,
    drop_non_institutions,
    drop_site_credits,
    drop_site_lines,
    drop_unmarked_institutions,
    extend_numbers,
    extend_place_aliases,
    extend_place_designators,
    find_person_names,
    join_coordinated_names,
    join_institution_chains,
    longest_first,
    merge_candidates,
    parse_name_window,
    plausible_institution_match,
    read_given_names,
    read_institution_words,
    read_trim_rows,
    relabel_people,
    relabel_place_institutions,
    relabel_places,
    resolve_entities,
    site_lines,
    split_glued_separators,
    split_institution,
    sure_people,
    tag_family_mentions,
    trim_span,
)
from pipeline.labels import GPE, INSTITUTION, PERSON, TITLE
from pipeline.rules import RuleError

NLP = spacy.blank("en")
TRIM = TrimRules.from_rows(read_trim_rows())
GIVEN_NAMES = frozenset(read_given_names())

P, T, I, G = PERSON, TITLE, INSTITUTION, GPE


def make_doc(text: str) -> Doc:
    """The blank English tokenizer: the pipeline's own tokenization, without any model."""
    return NLP(text)


def texts(doc: Doc, cands: list[Candidate]) -> list[tuple[str, str]]:
    return [(doc[c.start:c.end].text, c.label) for c in cands]


def span_of(doc: Doc, phrase: str, label: str) -> Candidate:
    """The Candidate for the first occurrence of ``phrase`` (whole tokens) in ``doc``."""
    start = doc.text.find(phrase)
    span = doc.char_span(start, start + len(phrase)) if start >= 0 else None
    assert span is not None, f"{phrase!r} is no token range of {doc.text!r}"
    return Candidate(span.start, span.end, label)


# --------------------------------------------------------------------------- Candidate basics


def test_entity_merger_candidate_overlap_and_containment() -> None:
    outer, inner, after = Candidate(0, 4, I), Candidate(1, 3, P), Candidate(4, 6, G)
    assert outer.overlaps(inner) and inner.overlaps(outer)
    assert not outer.overlaps(after)
    assert outer.contains(inner) and not inner.contains(outer)
    assert len(outer) == 4


@pytest.mark.parametrize(
    ("spans", "expected"),
    [
        ([Candidate(0, 2, P), Candidate(1, 5, I)], [Candidate(1, 5, I)]),
        ([Candidate(0, 2, P), Candidate(2, 4, I)], [Candidate(0, 2, P), Candidate(2, 4, I)]),
        # equal length: the earlier one wins
        ([Candidate(3, 5, G), Candidate(2, 4, P)], [Candidate(2, 4, P)]),
        ([], []),
    ],
)
def test_entity_merger_longest_first(spans: list[Candidate], expected: list[Candidate]) -> None:
    assert longest_first(spans) == expected


@pytest.mark.parametrize("seed", range(20))
def test_entity_merger_longest_first_same_as_pairwise_overlaps(seed: int) -> None:
    """The selection by tokens taken picks what testing every pair of spans picks (empty spans too)."""
    rng = random.Random(seed)
    for _ in range(200):
        spans = [Candidate(start, start + rng.choice((0, 1, 2, 3, 5)), rng.choice((PERSON, GPE)))
                 for start in (rng.randint(0, 12) for _ in range(rng.randint(0, 10)))]
        chosen: list[Candidate] = []
        for span in sorted(spans, key=lambda s: (-len(s), s.start)):
            if not any(span.overlaps(other) for other in chosen):
                chosen.append(span)
        assert longest_first(spans) == sorted(chosen), spans


@pytest.mark.parametrize(
    ("model", "rules", "expected"),
    [
        # "Laiwu No" PERSON loses to the rule institution "Laiwu No . 17 Middle School"
        ([Candidate(0, 2, P)], [Candidate(0, 6, I)], [Candidate(0, 6, I)]),
        # "Principal Jia Yuyan" PERSON keeps the name, the TITLE rule keeps "Principal"
        ([Candidate(0, 3, P)], [Candidate(0, 1, T)], [Candidate(0, 1, T), Candidate(1, 3, P)]),
        # a model ORG that starts with a title keeps what follows it
        ([Candidate(0, 6, I)], [Candidate(0, 2, T)], [Candidate(0, 2, T), Candidate(2, 6, I)]),
        # a title in the middle of a model span: the model span is wrong and goes
        ([Candidate(0, 5, P)], [Candidate(2, 3, T)], [Candidate(2, 3, T)]),
        # a longer model span of the same label that holds the rule match wins
        ([Candidate(0, 6, I)], [Candidate(2, 4, I)], [Candidate(0, 6, I)]),
        # model and rules that do not touch both stay
        ([Candidate(0, 2, G)], [Candidate(3, 4, T)], [Candidate(0, 2, G), Candidate(3, 4, T)]),
    ],
)
def test_entity_merger_merge_candidates(model: list[Candidate], rules: list[Candidate],
                                        expected: list[Candidate]) -> None:
    assert merge_candidates(model, rules) == expected


# --------------------------------------------------------------------------- trimming


@pytest.mark.parametrize(
    ("text", "phrase", "label", "expected"),
    [
        ("visited the Harbin Institute of Technology", "the Harbin Institute of Technology", I,
         "Harbin Institute of Technology"),
        ("met Mr. Ma Xindong yesterday", "Mr. Ma Xindong", P, "Ma Xindong"),
        ("met Professor Tang Wenjie today", "Professor Tang Wenjie", P, "Tang Wenjie"),
        ("the Education Department of", "the Education Department of", I, "Education Department"),
        ("Changchun's schools", "Changchun's", G, "Changchun"),
        ("on May 12", "on May 12", "DATE", "May 12"),
        # unclosed brackets are cut off
        ("Shaanxi Institute of Trade (SIFLT", "Shaanxi Institute of Trade (SIFLT", I, "Shaanxi Institute of Trade"),
        ("SIFLT) campus", "SIFLT) campus", I, "campus"),
        # lower-case words after a name describe it
        ("Red Net news portal", "Red Net news portal", I, "Red Net"),
        ("Russian Language Centre of the university", "Russian Language Centre of the university", I,
         "Russian Language Centre"),
        # a closed bracket stays
        ("Republic of Sakha (Yakutia)", "Republic of Sakha (Yakutia)", I, "Republic of Sakha (Yakutia)"),
        ("Sakhalin Centre Dr.", "Sakhalin Centre Dr.", I, "Sakhalin Centre"),
        # a day glued to a name by the model is no part of it
        ("with Far Eastern Federal University on Monday", "Far Eastern Federal University on Monday", I,
         "Far Eastern Federal University"),
    ],
)
def test_entity_merger_trim_span(text: str, phrase: str, label: str, expected: str) -> None:
    doc = make_doc(text)
    trimmed = trim_span(doc, span_of(doc, phrase, label), TRIM)
    assert trimmed is not None
    assert doc[trimmed.start:trimmed.end].text == expected


def test_entity_merger_trim_span_drops_empty_and_multiline_spans() -> None:
    doc = Doc(NLP.vocab, words=["the", "of", "Harbin", "\n", "Daily"], spaces=[True, True, False, False, False])
    assert trim_span(doc, Candidate(0, 2, I), TRIM) is None
    assert trim_span(doc, Candidate(2, 5, I), TRIM) is None


def test_entity_merger_trim_rules_per_label() -> None:
    rules = TrimRules.from_rows([
        {"label": "*", "side": "left", "word": "The"},
        {"label": PERSON, "side": "left", "word": "mr."},
    ])
    assert rules.words(rules.left, PERSON) == frozenset({"the", "mr."})
    assert rules.words(rules.left, GPE) == frozenset({"the"})


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("PERSON,middle,mr.", "side"),
        ("NOBODY,left,mr.", "unknown label"),
        ("PERSON,left, ", "empty word"),
    ],
)
def test_entity_merger_read_trim_rows_rejects_bad_rows(tmp_path: Path, row: str, message: str) -> None:
    path = tmp_path / "entity_trim.csv"
    path.write_text(f"label,side,word\n{row}\n", encoding="utf8")
    with pytest.raises(RuleError, match=message):
        read_trim_rows(str(path))


def test_entity_merger_read_trim_rows_rejects_bad_header(tmp_path: Path) -> None:
    path = tmp_path / "entity_trim.csv"
    path.write_text("label,word\n*,the\n", encoding="utf8")
    with pytest.raises(RuleError, match="header"):
        read_trim_rows(str(path))


# --------------------------------------------------------------------------- chains and labels


@pytest.mark.parametrize(
    ("text", "spans", "expected"),
    [
        ("Education Department of Krasnoyarsk City Government",
         [("Education Department", I), ("Krasnoyarsk City Government", I)],
         [("Education Department of Krasnoyarsk City Government", I)]),
        ("Foreign Affairs Office of the Tomsk Region",
         [("Foreign Affairs Office", I), ("Tomsk Region", G)],
         [("Foreign Affairs Office of the Tomsk Region", I)]),
        # a place first is no chain: "Harbin of ..." never names an institution
        ("Harbin of Heilongjiang University", [("Harbin", G), ("Heilongjiang University", I)],
         [("Harbin", G), ("Heilongjiang University", I)]),
        # other words between: no chain
        ("Heihe University and Amur University", [("Heihe University", I), ("Amur University", I)],
         [("Heihe University", I), ("Amur University", I)]),
        ("Heilongjiang University in Harbin", [("Heilongjiang University", I), ("Harbin", G)],
         [("Heilongjiang University", I), ("Harbin", G)]),
    ],
)
def test_entity_merger_join_institution_chains(text: str, spans: list[tuple[str, str]],
                                               expected: list[tuple[str, str]]) -> None:
    doc = make_doc(text)
    cands = [span_of(doc, phrase, label) for phrase, label in spans]
    assert texts(doc, join_institution_chains(doc, cands)) == expected


def test_entity_merger_drop_unmarked_institutions() -> None:
    doc = make_doc("Deepening Sister City Friendship For A Better Future at Qiqihar University")
    slogan = Candidate(0, 8, I)
    university = span_of(doc, "Qiqihar University", I)
    assert drop_unmarked_institutions(doc, [slogan, university]) == [university]


@pytest.mark.parametrize(
    ("text", "label", "expected"),
    [
        ("Svetlana Morozova", G, P),  # the small model's GPE for an unfamiliar name
        ("Zhou Minghui", I, P),
        ("Primorsky Krai", I, G),  # an INSTITUTION without an institution word that is a place
        ("Zabaykalsky Krai", P, G),
        ("Harbin University", I, I),
        ("Harbin", G, G),
    ],
)
def test_entity_merger_relabel(text: str, label: str, expected: str) -> None:
    doc = make_doc(text)
    cand = Candidate(0, len(doc), label)
    assert relabel_places(doc, relabel_people(doc, [cand]))[0].label == expected


def test_entity_merger_tag_family_mentions() -> None:
    doc = make_doc("Svetlana Morozova spoke . Morozova said that Harbin welcomed Morozova Street plans .")
    full = span_of(doc, "Svetlana Morozova", P)
    harbin = span_of(doc, "Harbin", G)
    result = tag_family_mentions(doc, [full, harbin])
    # "Morozova said" is a mention; "Morozova Street" is part of another name
    assert texts(doc, result) == [("Svetlana Morozova", P), ("Morozova", P), ("Harbin", G)]
    assert result[1].start == 4


def test_entity_merger_tag_family_mentions_relabels_one_word_place() -> None:
    doc = make_doc("Viktor Gusev arrived . Gusev said")
    result = tag_family_mentions(doc, [Candidate(0, 2, P), Candidate(4, 5, G)])
    assert texts(doc, result) == [("Viktor Gusev", P), ("Gusev", P)]


# --------------------------------------------------------------------------- sure people


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Marina Akshonova , Director of the bureau", ["Marina Akshonova"]),
        ("teacher of Chinese Pavlova Irina Olegovna and others", ["Pavlova Irina Olegovna"]),
        ("Department of Culture of Primorsky Krai Yekaterina Ivanova and", ["Yekaterina Ivanova"]),
        ("Government of Amur Oblast Sukhanov Dmitry Igorevich held", ["Sukhanov Dmitry Igorevich"]),
        ("of Health of Sakhalin Oblast Marina Viktorovna Kim and", ["Marina Viktorovna Kim"]),
        ("Head of the Ussuriysk Urban District Nikolai Andreyevich Rudakov thanked", ["Nikolai Andreyevich Rudakov"]),
        ("in Heihe Wang Lei said", ["Wang Lei"]),
        ("Consul General in Vladivostok Pan Jiaqi , Head", ["Pan Jiaqi"]),
        ("signed by Rustam Ilgizovich Khairullin today", ["Rustam Ilgizovich Khairullin"]),
        # no names: places, institution names, honorifics, unknown given names without patronymic
        ("Primorsky Regional Clinical Hospital No. 1", []),
        ("the Zabaykalsky Krai delegation", []),
        ("the Li Siguang School choir", []),
        ("Hong Kong and Macao", []),
        ("Professor Tang", []),
    ],
)
def test_entity_merger_find_person_names(text: str, expected: list[str]) -> None:
    doc = make_doc(text)
    found = find_person_names(doc, given_names=GIVEN_NAMES)
    assert [doc[c.start:c.end].text for c in found] == expected


def test_entity_merger_find_person_names_skips_title_words() -> None:
    doc = make_doc("Director Ivanov said")
    assert find_person_names(doc, blocked=frozenset({0}), given_names=GIVEN_NAMES) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Professor Gao Jianhua", None),  # honorifics are no part of a name window
        ("Director Ivanov", None),
        ("Heilongjiang University", None),
        ("Primorsky Krai", None),
        ("Zhou Minghui", "chinese"),
        ("Kuznetsova Marina Sergeevna", "russian"),
    ],
)
def test_entity_merger_parse_name_window(text: str, expected: str | None) -> None:
    person = parse_name_window(text)
    assert (person.culture if person else None) == expected


def test_entity_merger_drop_ambiguous_initials() -> None:
    doc = make_doc("for Academic Affairs T.V. Lomova and Serdechkin Yu.V. The rector")
    affairs = span_of(doc, "Affairs T.V.", P)
    lomova = span_of(doc, "T.V. Lomova", P)
    serdechkin = span_of(doc, "Serdechkin Yu.V.", P)
    assert drop_ambiguous_initials(doc, [affairs, lomova, serdechkin]) == [lomova, serdechkin]


def test_entity_merger_sure_people_prefers_found_names_over_initials() -> None:
    doc = Doc(NLP.vocab, words=["Ltd.", "Tian", "Bo", ".", "Novosibirsk", "signed"])
    initials = Candidate(2, 5, P)  # "Bo . Novosibirsk": a given name that looks like an initial
    assert texts(doc, sure_people(doc, [initials], GIVEN_NAMES)) == [("Tian Bo", P)]


@pytest.mark.parametrize(
    ("text", "model", "expected"),
    [
        ("Russian ambassador to China Igor Rogachev said", [("China Igor Rogachev", I)],
         [("China", I), ("Igor Rogachev", P)]),
        ("attended by Vladivostok Pan Jiaqi today", [("Vladivostok Pan Jiaqi", P)],
         [("Vladivostok", G), ("Pan Jiaqi", P)]),
        ("of the Ussuriysk Urban District Nikolai Rudakov", [("Ussuriysk Urban", I), ("District Nikolai", P)],
         [("Ussuriysk Urban District", I), ("Nikolai Rudakov", P)]),
        ("Director Foo Bar Nikolai Rudakov", [("Foo Bar Nikolai", P)], [("Nikolai Rudakov", P)]),
    ],
)
def test_entity_merger_cut_around_people(text: str, model: list[tuple[str, str]],
                                         expected: list[tuple[str, str]]) -> None:
    doc = make_doc(text)
    people = find_person_names(doc, given_names=GIVEN_NAMES)
    cands = [span_of(doc, phrase, label) for phrase, label in model]
    result = cut_around_people(doc, cands, people)
    assert sorted(texts(doc, result + [p for p in people if p not in result])) == sorted(expected)


# --------------------------------------------------------------------------- all steps


def _resolve(text: str, model: list[tuple[str, str]], rules: list[tuple[str, str]]) -> list[tuple[str, str]]:
    doc = make_doc(text)
    model_cands = [span_of(doc, phrase, label) for phrase, label in model]
    rule_cands = [span_of(doc, phrase, label) for phrase, label in rules]
    return texts(doc, resolve_entities(doc, model_cands, rule_cands, TRIM, GIVEN_NAMES))


def test_entity_merger_resolve_person_beats_long_rule_spans() -> None:
    # The span ruler keeps every length of a match; the one that runs into a name goes.
    text = "Head of the Department of Culture of Primorsky Krai Yekaterina Ivanova met us"
    rules = [
        ("Head", T),
        ("Department of Culture of Primorsky Krai Yekaterina Ivanova", I),
        ("Department of Culture of Primorsky Krai", I),
        ("Department of Culture", I),
    ]
    assert _resolve(text, [("Ivanova", G)], rules) == [
        ("Head", T), ("Department of Culture of Primorsky Krai", I), ("Yekaterina Ivanova", P),
    ]


def test_entity_merger_resolve_title_gives_way_to_name() -> None:
    text = "Deputy Minister of Science and Higher Education Konstantin Mogilev said"
    rules = [
        ("Deputy Minister of Science and Higher Education Konstantin Mogilev", T),
        ("Deputy Minister of Science and Higher Education Konstantin", T),
        ("Deputy Minister of Science and Higher Education", T),
        ("Deputy Minister", T),
    ]
    assert _resolve(text, [("Education Konstantin", P), ("Mogilev", G)], rules) == [
        ("Deputy Minister of Science and Higher Education", T), ("Konstantin Mogilev", P),
    ]


def test_entity_merger_resolve_model_org_with_leading_article_and_title() -> None:
    text = "by the Consul General of the People's Republic of China in Khabarovsk"
    model = [("the Consul General of the People's Republic of China", I), ("Khabarovsk", G)]
    assert _resolve(text, model, [("Consul General", T)]) == [
        ("Consul General", T), ("People's Republic of China", G), ("Khabarovsk", G),
    ]


def test_entity_merger_component_sets_ents_and_removes_rule_group() -> None:
    from pipeline.components.entity_merger import EntityMerger
    from pipeline.labels import RULE_SPANS_KEY

    merger = EntityMerger("merger", RULE_SPANS_KEY)
    merger.initialize(trim_rows=[{"label": "*", "side": "left", "word": "the"}], given_names=["Marina"])
    doc = make_doc("Marina Akshonova , Director of the Education Department")
    doc.spans[RULE_SPANS_KEY] = [Span(doc, 3, 4, label=T), Span(doc, 6, 8, label=I)]
    doc.ents = [Span(doc, 0, 2, label=G)]
    doc = merger(doc)
    assert [(e.text, e.label_) for e in doc.ents] == [
        ("Marina Akshonova", P), ("Director", T), ("Education Department", I),
    ]
    assert RULE_SPANS_KEY not in doc.spans


def test_entity_merger_rules_survive_serialisation(tmp_path: Path) -> None:
    from pipeline.components.entity_merger import EntityMerger

    merger = EntityMerger("merger", "rules")
    merger.initialize(trim_rows=[{"label": "*", "side": "left", "word": "the"}], given_names=["Ivan"])
    merger.to_disk(tmp_path)
    loaded = EntityMerger("merger", "rules").from_disk(tmp_path)
    assert loaded.rules == merger.rules
    assert EntityMerger("merger", "rules").from_bytes(merger.to_bytes()).rules == merger.rules


def test_entity_merger_read_given_names_has_spellings_and_canonical_forms(tmp_path: Path) -> None:
    path = tmp_path / "names.csv"
    path.write_text("name,canonical\nAleksandr,Alexander\nYekaterina,Ekaterina\n", encoding="utf8")
    assert read_given_names(str(path)) == ["aleksandr", "alexander", "ekaterina", "yekaterina"]


# --------------------------------------------------------------------------- institutions

WORDS = InstitutionWords.from_rows(read_institution_words())
D = "DATE"


def _cands(doc: Doc, spans: list[tuple[str, str]]) -> list[Candidate]:
    return [span_of(doc, phrase, label) for phrase, label in spans]


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        # two names in a list: the comma before "and", a second full name, a place after "of"
        ("Heihe Pedagogical Institute of Arts, and Suifenhe No. 3 Middle School", "and"),
        ("Tomsk Polytechnic Institute of Russia and Harbin Engineering University", "and"),
        ("Government of Amur Oblast and Heihe Xinda Trading", "and"),
        # one name with "and" inside
        ("Department of Culture and Tourism of Heilongjiang Province", None),
        ("Mudanjiang Vocational and Technical College", None),
        ("Ministry of Science and Higher Education", None),
        ("Department of Culture, Radio, Television, and Tourism", None),
    ],
)
def test_entity_merger_coordination_point(phrase: str, expected: str | None) -> None:
    doc = make_doc(phrase)
    point = coordination_point(doc, 0, len(doc), WORDS.name_modifiers)
    assert (doc[point].text if point is not None else None) == expected


@pytest.mark.parametrize(
    ("text", "phrase", "expected"),
    [
        ("at Heihe Pedagogical Institute of Arts, and Suifenhe No. 3 Middle School", "Heihe Pedagogical Institute of Arts, and Suifenhe No", False),
        ("Source: Jixi Municipal Education Bureau   Views: 12", "Jixi Municipal Education Bureau   Views", False),
        ("in Vladivostok. The Primorsky Regional Children's Hospital", "Vladivostok. The Primorsky Regional Children's Hospital", False),
        ("Jixi Municipal Education Bureau said", "Jixi Municipal Education Bureau", True),
        ("Laiwu No. 17 Middle School", "Laiwu No. 17 Middle School", True),
    ],
)
def test_entity_merger_plausible_institution_match(text: str, phrase: str, expected: bool) -> None:
    doc = make_doc(text)
    assert plausible_institution_match(doc, span_of(doc, phrase, I)) is expected


@pytest.mark.parametrize(
    ("text", "phrase", "expected"),
    [
        ("Source: Jixi Municipal Education Bureau   Views: 12", "Jixi Municipal Education Bureau   Views",
         [("Jixi Municipal Education Bureau", I)]),
        ("in Vladivostok. The Primorsky Regional Children's Hospital", "Vladivostok. The Primorsky Regional Children's Hospital",
         [("Primorsky Regional Children's Hospital", I)]),
        ("the Government of Amur Oblast and Heihe Xinda Trading said", "Government of Amur Oblast and Heihe Xinda Trading",
         [("Government of Amur Oblast", I), ("Heihe Xinda Trading", I)]),
        ("by Heilongjiang University and Amur State University", "Heilongjiang University and Amur State University",
         [("Heilongjiang University", I), ("Amur State University", I)]),
        ("the Department of Culture and Tourism said", "Department of Culture and Tourism",
         [("Department of Culture and Tourism", I)]),
    ],
)
def test_entity_merger_split_institution(text: str, phrase: str, expected: list[tuple[str, str]]) -> None:
    doc = make_doc(text)
    assert texts(doc, split_institution(doc, span_of(doc, phrase, I), TRIM)) == expected


@pytest.mark.parametrize(
    ("text", "phrase", "label", "expected"),
    [
        ("rules:\n2. The Office of International Cooperation will", "2. The Office of International Cooperation", I,
         "Office of International Cooperation"),
        ('at the International Youth Camp "Ocean" in', 'International Youth Camp "Ocean"', I,
         'International Youth Camp "Ocean"'),
        # a number inside a line is no list item
        ("since 2 . The Office", "2 . The Office", I, "2 . The Office"),
    ],
)
def test_entity_merger_trim_span_list_markers_and_quotes(text: str, phrase: str, label: str, expected: str) -> None:
    doc = make_doc(text)
    trimmed = trim_span(doc, span_of(doc, phrase, label), TRIM)
    assert trimmed is not None and doc[trimmed.start:trimmed.end].text == expected


@pytest.mark.parametrize(
    ("text", "spans", "expected"),
    [
        ("with Russia's Amur Trade Co., Ltd. today", [("Russia's Amur Trade Co., Ltd.", I)],
         [("Russia", G), ("Amur Trade Co., Ltd.", I)]),
        ("Harbin's Duma members", [("Harbin's Duma", I)], [("Harbin", G), ("Duma", I)]),
        ("Heilongjiang University's campus", [("Heilongjiang University's campus", I)],
         [("Heilongjiang University's campus", I)]),
    ],
)
def test_entity_merger_cut_possessive_places(text: str, spans: list[tuple[str, str]],
                                             expected: list[tuple[str, str]]) -> None:
    doc = make_doc(text)
    assert texts(doc, cut_possessive_places(doc, _cands(doc, spans))) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Kazan Pedagogical College of Russia", [("Kazan Pedagogical College", I), ("Russia", G)]),
        # no place first: "of <country>" is part of the name
        ("Peoples' Friendship University of Russia", [("Peoples' Friendship University of Russia", I)]),
        ("Harbin Institute of Technology", [("Harbin Institute of Technology", I)]),
    ],
)
def test_entity_merger_cut_trailing_countries(text: str, expected: list[tuple[str, str]]) -> None:
    doc = make_doc(text)
    assert texts(doc, cut_trailing_countries(doc, [Candidate(0, len(doc), I)])) == expected


@pytest.mark.parametrize(
    ("text", "spans", "expected"),
    [
        ("the Government of the Republic of Sakha (Yakutia) said", [("Government of the Republic of Sakha", I)],
         [("Government of the Republic of Sakha (Yakutia)", I)]),
        ("the Heihe College of Commerce (PRC) said", [("Heihe College of Commerce", I)],
         [("Heihe College of Commerce", I)]),
    ],
)
def test_entity_merger_extend_place_aliases(text: str, spans: list[tuple[str, str]],
                                            expected: list[tuple[str, str]]) -> None:
    doc = make_doc(text)
    assert texts(doc, extend_place_aliases(doc, _cands(doc, spans))) == expected


@pytest.mark.parametrize(
    ("text", "spans", "expected"),
    [
        ("initiated by Mudanjiang Vocational and Technical College , the",
         [("Mudanjiang Vocational", P), ("Technical College", I)],
         [("Mudanjiang Vocational and Technical College", I)]),
        ("toured the Sino-Russian Language and Culture Centre .", [("Culture Centre", I)],
         [("Sino-Russian Language and Culture Centre", I)]),
        ("members such as Dalian Maritime Vocational and Technical College .", [("Vocational and Technical College", I)],
         [("Dalian Maritime Vocational and Technical College", I)]),
        # a name with "and" that starts with its head word is complete
        ("the Heihe Department of Culture and Tourism", [("Department of Culture and Tourism", I)],
         [("Department of Culture and Tourism", I)]),
        ("Source: Jixi Foreign Affairs and Overseas Chinese Affairs Office",
         [("Jixi Foreign Affairs", I), ("Overseas Chinese Affairs Office", I)],
         [("Jixi Foreign Affairs and Overseas Chinese Affairs Office", I)]),
        # a complete name, a place or a person before "and": two things
        ("Heihe University and Technical College", [("Heihe University", I), ("Technical College", I)],
         [("Heihe University", I), ("Technical College", I)]),
        ("visited Heihe and Technical College", [("Heihe", G), ("Technical College", I)],
         [("Heihe", G), ("Technical College", I)]),
        ("met Zhou Minghui and Technical College staff", [("Zhou Minghui", P), ("Technical College", I)],
         [("Zhou Minghui", P), ("Technical College", I)]),
    ],
)
def test_entity_merger_join_coordinated_names(text: str, spans: list[tuple[str, str]],
                                              expected: list[tuple[str, str]]) -> None:
    doc = make_doc(text)
    assert texts(doc, join_coordinated_names(doc, _cands(doc, spans), WORDS)) == expected


@pytest.mark.parametrize(
    ("text", "spans", "expected"),
    [
        ("delegates from the Russian Federation and Mongolia", [("Russian Federation", I)], [("Russian Federation", G)]),
        ("Related: Northeast China's first alliance", [("Northeast China", I)], [("China", G)]),
        ("studios of Irkutsk, Angarsk and Shelekhov were", [("Irkutsk, Angarsk and Shelekhov", I)],
         [("Irkutsk", G), ("Angarsk", G), ("Shelekhov", G)]),
        ("schools in Changchun New Area and", [("Changchun New Area", I)], [("Changchun New Area", G)]),
        ("Head of the Ussuriysk Urban District said", [("Ussuriysk Urban", I)], [("Ussuriysk Urban District", G)]),
        ("the Heilongjiang Provincial Government said", [("Heilongjiang Provincial Government", I)],
         [("Heilongjiang Provincial Government", I)]),
    ],
)
def test_entity_merger_places_tagged_as_institutions(text: str, spans: list[tuple[str, str]],
                                                     expected: list[tuple[str, str]]) -> None:
    doc = make_doc(text)
    cands = extend_place_designators(doc, _cands(doc, spans), WORDS)
    assert texts(doc, relabel_place_institutions(doc, cands, WORDS)) == expected


@pytest.mark.parametrize(
    ("text", "spans", "expected"),
    [
        ("took part in the China-Mongolia Trade Expo held", [("China-Mongolia Trade Expo", I)], []),
        ("met in the Songhua Conference Hall and", [("Songhua Conference Hall", I)], []),
        ("invited to International Children's Day at", [("International Children's Day", I)], []),
        ("The Opening Ceremony of the Heilongjiang Tourism Alliance was", [("Opening Ceremony of the Heilongjiang Tourism Alliance", I)],
         [("Heilongjiang Tourism Alliance", I)]),
        ("The third Sino-Russian University Rectors' Forum opened", [("Sino-Russian University", I)], []),
        ("visited the university museum and", [("university museum", I)], []),
        ("Counsellor of the Embassy Ivan Petrov", [("Embassy", I)], []),
        ("gas (LNG) storage", [("LNG", I)], []),
        ("Heilongjiang University (HLJU) signed", [("Heilongjiang University", I), ("HLJU", I)],
         [("Heilongjiang University", I), ("HLJU", I)]),
        ("the Heihe Forum Company said", [("Heihe Forum Company", I)], [("Heihe Forum Company", I)]),
    ],
)
def test_entity_merger_drop_non_institutions(text: str, spans: list[tuple[str, str]],
                                             expected: list[tuple[str, str]]) -> None:
    doc = make_doc(text)
    assert texts(doc, drop_non_institutions(doc, _cands(doc, spans), WORDS)) == expected


def test_entity_merger_drop_non_institutions_uses_tags_for_one_word_spans() -> None:
    doc = Doc(NLP.vocab, words=["Machinery", ",", "equipment", "and", "Gazprom"],
              pos=["NOUN", "PUNCT", "NOUN", "CCONJ", "PROPN"])
    cands = [Candidate(0, 1, I), Candidate(4, 5, I)]
    assert texts(doc, drop_non_institutions(doc, cands, WORDS)) == [("Gazprom", I)]


@pytest.mark.parametrize(
    ("text", "spans", "expected"),
    [
        # defined in brackets (with a country after a comma), used later alone
        ("a delegation of Harbin Institute of Foreign Studies (HIFS, China) visited . HIFS students",
         [("Harbin Institute of Foreign Studies", I), ("China", G)],
         [("Harbin Institute of Foreign Studies", I), ("HIFS", I), ("China", G), ("HIFS", I)]),
        # the initials of a name of the article, even where the model saw a place
        ("Amur State Pedagogical University hosted guests . ASPU said", [("Amur State Pedagogical University", I), ("ASPU", G)],
         [("Amur State Pedagogical University", I), ("ASPU", I)]),
        # two abbreviations the model ran together
        ("Amur State University (ASU) and Heihe Pedagogical University (HPU) met . ASU and HPU signed",
         [("Amur State University", I), ("Heihe Pedagogical University", I), ("ASU and HPU", I)],
         [("Amur State University", I), ("ASU", I), ("Heihe Pedagogical University", I), ("HPU", I),
          ("ASU", I), ("HPU", I)]),
        # places in brackets are no abbreviations
        ("Heihe College of Commerce (PRC) visited", [("Heihe College of Commerce", I)],
         [("Heihe College of Commerce", I)]),
    ],
)
def test_entity_merger_add_acronyms(text: str, spans: list[tuple[str, str]], expected: list[tuple[str, str]]) -> None:
    doc = make_doc(text)
    assert texts(doc, add_acronyms(doc, _cands(doc, spans))) == expected


def test_entity_merger_add_company_short_forms() -> None:
    doc = make_doc("Harbin Lianda Machinery Co., Ltd. and Lipetsk Region Trade Co., Ltd. signed . "
                   "Harbin Lianda will build a plant in the Lipetsk Region .")
    cands = [span_of(doc, "Harbin Lianda Machinery Co., Ltd.", I), span_of(doc, "Lipetsk Region Trade Co., Ltd.", I)]
    result = texts(doc, add_company_short_forms(doc, cands))
    assert ("Harbin Lianda", I) in result
    assert ("Lipetsk Region", I) not in result  # a place, not a short form


@pytest.mark.parametrize(
    ("text", "spans", "expected"),
    [
        ("MOSCOW, July 13 (Interfax) - Trade grew", [("MOSCOW", G), ("July 13", D)],
         [("MOSCOW", G), ("July 13", D), ("Interfax", I)]),
        ("HARBIN, Oct. 12 (Xinhua) -- More", [("HARBIN", G), ("Oct. 12", D), ("Xinhua", G)],
         [("HARBIN", G), ("Oct. 12", D), ("Xinhua", I)]),
        ("(Amur Daily Online) 09:47, July 06, 2019", [("July 06, 2019", D)],
         [("Amur Daily Online", I), ("July 06, 2019", D)]),
        # a weekday or a country in brackets is no agency
        ("on June 5 (Friday) the", [("June 5", D), ("Friday", D)], [("June 5", D), ("Friday", D)]),
        ("in 2019 (Russia) the", [("2019", D), ("Russia", G)], [("2019", D), ("Russia", G)]),
        ("the Heihe College (Heilongjiang) said", [("Heihe College", I)], [("Heihe College", I)]),
        # the day of a dateline without a DATE entity; a number elsewhere is no date
        ("NOVOSIBIRSK, Oct 3 (Interfax) - The", [], [("Interfax", I)]),
        ("about 300 (Chinese) students came", [], []),
    ],
)
def test_entity_merger_add_wire_credits(text: str, spans: list[tuple[str, str]], expected: list[tuple[str, str]]) -> None:
    doc = make_doc(text)
    assert texts(doc, add_wire_credits(doc, _cands(doc, spans))) == expected


def test_entity_merger_wire_credit_in_slashes_after_split() -> None:
    doc = make_doc("KHABAROVSK, May 3. /TASS/. A delegation")
    assert split_glued_separators(doc)
    assert [t.text for t in doc][:8] == ["KHABAROVSK", ",", "May", "3", ".", "/", "TASS", "/"]
    assert not doc[6].is_sent_start
    cands = [span_of(doc, "May 3", D)]
    assert ("TASS", I) in texts(doc, add_wire_credits(doc, cands))


@pytest.mark.parametrize(
    ("text", "pieces"),
    [
        ("Source: Heihe Daily| 2020-01-05", ["Heihe", "Daily", "|"]),
        ("HEIHE, May 3. /Amurinfo/. The", ["/", "Amurinfo", "/", "."]),
    ],
)
def test_entity_merger_split_glued_separators(text: str, pieces: list[str]) -> None:
    doc = make_doc(text)
    assert split_glued_separators(doc)
    words = [t.text for t in doc]
    assert any(words[i:i + len(pieces)] == pieces for i in range(len(words)))
    assert doc.text == text


@pytest.mark.parametrize("text", ["see http://www.heihe.gov.cn/news", "in 2017/2018", "Heihe University"])
def test_entity_merger_split_glued_separators_leaves_urls_and_numbers(text: str) -> None:
    doc = make_doc(text)
    before = [t.text for t in doc]
    assert not split_glued_separators(doc)
    assert [t.text for t in doc] == before


@pytest.mark.parametrize(
    ("text", "spans", "expected"),
    [
        ("Source: Heihe Daily | 2020-01-05 12:00 | Editor: Li", [("Heihe", G), ("2020-01-05", D)],
         [("Heihe Daily", I), ("2020-01-05", D)]),
        ("Source: Amurinfo | 2020-01-05", [("Amurinfo | 2020-01-05", D)], [("Amurinfo", I), ("2020-01-05", D)]),
        # a person as the source is left alone
        ("Source: Zhou Minghui", [], []),
    ],
)
def test_entity_merger_add_field_sources(text: str, spans: list[tuple[str, str]], expected: list[tuple[str, str]]) -> None:
    doc = make_doc(text)
    assert texts(doc, add_field_sources(doc, _cands(doc, spans), WORDS)) == expected


@pytest.mark.parametrize(
    ("text", "spans", "expected"),
    [
        ("editors of the newspaper Amur Pravda and the agency Zeya Today .", [("Amur Pravda", P), ("Zeya", G), ("Today", D)],
         [("Amur Pravda", I), ("Zeya Today", I)]),
        ("with the Russian dealer Avto-Vostok .", [], [("Avto-Vostok", I)]),
        # a verb, an event name and a sure person are left alone
        ("the bid for holding Olympic Games .", [], []),
        ("on the TV channel Russia - 1 .", [("Russia", G)], [("Russia", G)]),
        ("the company Director Ivan Petrov said", [("Director", T), ("Ivan Petrov", P)],
         [("Director", T), ("Ivan Petrov", P)]),
    ],
)
def test_entity_merger_add_described_names(text: str, spans: list[tuple[str, str]], expected: list[tuple[str, str]]) -> None:
    doc = make_doc(text)
    people = find_person_names(doc, given_names=GIVEN_NAMES)  # the sure names, not the model's
    assert texts(doc, add_described_names(doc, _cands(doc, spans), WORDS, people)) == expected


def _line_cands(doc: Doc, spans: list[tuple[str, str, int]]) -> list[Candidate]:
    """Candidates for (phrase, label, line number) triples: the phrase's first place on that line."""
    line_starts = [0] + [t.idx + 1 for t in doc if "\n" in t.text]
    cands = []
    for phrase, label, line in spans:
        start = doc.text.index(phrase, line_starts[line])
        span = doc.char_span(start, start + len(phrase))
        assert span is not None
        cands.append(Candidate(span.start, span.end, label))
    return sorted(cands)


@pytest.mark.parametrize(
    ("text", "spans", "kept"),
    [
        # masthead, its site lines, then the story
        ("Heihe Municipal People's Government\nOfficial website\nCurrent location: Home > Foreign Affairs News\n"
         "Heihe Municipal People's Government signs agreement",
         [("Heihe Municipal People's Government", I, 0), ("Foreign Affairs News", I, 2),
          ("Heihe Municipal People's Government", I, 3)],
         ["Heihe Municipal People's Government"]),
        ("Official portal of the Government of Amur Oblast\nAmur Oblast delegation visits Heihe",
         [("Government of Amur Oblast", I, 0), ("Amur Oblast", G, 1), ("Heihe", G, 1)], ["Amur Oblast", "Heihe"]),
        # a headline that names an institution is the story
        ("Heihe University signs agreement with Amur State University\nHeihe University said",
         [("Heihe University", I, 0), ("Amur State University", I, 0), ("Heihe University", I, 1)],
         ["Heihe University", "Amur State University", "Heihe University"]),
        # no institution on the first line: no masthead
        ("2019-09-26 09:15\nHeihe University News", [("2019-09-26", D, 0), ("Heihe University News", I, 1)],
         ["2019-09-26", "Heihe University News"]),
    ],
)
def test_entity_merger_site_lines(text: str, spans: list[tuple[str, str, int]], kept: list[str]) -> None:
    doc = make_doc(text)
    cands = _line_cands(doc, spans)
    lines = site_lines(doc, cands, WORDS)
    assert [doc[c.start:c.end].text for c in drop_site_lines(cands, lines)] == kept


def test_entity_merger_drop_site_credits() -> None:
    doc = make_doc("Heihe University opened .\nHosted by: Heihe Municipal Government   Undertaken by: Heihe Data Center")
    cands = [span_of(doc, "Heihe University", I), span_of(doc, "Heihe Municipal Government", I),
             span_of(doc, "Heihe Data Center", I)]
    assert texts(doc, drop_site_credits(doc, cands, WORDS)) == [("Heihe University", I)]


@pytest.mark.parametrize(
    ("row", "message"),
    [("nonsense,forum", "unknown kind"), ("event_head, ", "empty word")],
)
def test_entity_merger_read_institution_words_rejects_bad_rows(tmp_path: Path, row: str, message: str) -> None:
    path = tmp_path / "institution_words.csv"
    path.write_text(f"kind,word\n{row}\n", encoding="utf8")
    with pytest.raises(RuleError, match=message):
        read_institution_words(str(path))


def test_entity_merger_institution_words_by_kind() -> None:
    words = InstitutionWords.from_rows([{"kind": "event_head", "word": "Expo"}, {"kind": "facility_head", "word": "hall"}])
    assert words.event_heads == frozenset({"expo"})
    assert words.non_institution_heads == frozenset({"expo", "hall"})
    assert words.site_words == frozenset()


def test_entity_merger_component_marks_site_lines_for_the_gazetteer() -> None:
    from pipeline.components.entity_merger import SITE_LINES_KEY, EntityMerger
    from pipeline.components.gazetteer import GazetteerTagger
    from pipeline.labels import RULE_SPANS_KEY

    merger = EntityMerger("merger", RULE_SPANS_KEY)
    merger.initialize(trim_rows=[], given_names=[], institution_words=[{"kind": "site_word", "word": "official"}])
    doc = make_doc("Government of Amur Oblast Official\nAmur Oblast delegation arrived")
    doc.spans[RULE_SPANS_KEY] = [Span(doc, 0, 4, label=I)]
    doc = merger(doc)
    assert [(e.text, e.label_) for e in doc.ents] == []
    assert [s.text for s in doc.spans[SITE_LINES_KEY]] == ["Government of Amur Oblast Official"]
    gazetteer = GazetteerTagger("gazetteer", NLP)
    gazetteer.initialize(forms=["Amur Oblast"])
    assert [(e.text, e.start) for e in gazetteer(doc).ents] == [("Amur Oblast", 6)]
    assert "institution_words" in merger.rules


def test_gazetteer_replaces_a_place_the_ner_cut_at_a_hyphen() -> None:
    from pipeline.components.gazetteer import GazetteerTagger

    doc = make_doc("Guests from Ulan-Ude arrived in Harbin")
    doc.ents = [Span(doc, 2, 3, label=G), Span(doc, 7, 8, label=G)]
    gazetteer = GazetteerTagger("gazetteer", NLP)
    gazetteer.initialize(forms=["Ulan-Ude", "Harbin"])
    assert [(e.text, e.label_) for e in gazetteer(doc).ents] == [("Ulan-Ude", G), ("Harbin", G)]
    # A longer name over another label's entity is left alone.
    doc = make_doc("Guests from Ulan-Ude arrived")
    doc.ents = [Span(doc, 2, 5, label=I)]
    assert [(e.text, e.label_) for e in gazetteer(doc).ents] == [("Ulan-Ude", I)]


def test_extend_numbers_gives_a_cut_number_back() -> None:
    doc = make_doc("Photo: Clinical Hospital No . 1")
    assert [t.text for t in doc][-3:] == ["No", ".", "1"]
    cut = Candidate(2, 5, I)
    assert extend_numbers(doc, [cut]) == [Candidate(2, 7, I)]
    # Only institutions, and only when the number is free.
    assert extend_numbers(doc, [Candidate(2, 5, G)]) == [Candidate(2, 5, G)]
    assert extend_numbers(doc, [cut, Candidate(6, 7, I)]) == [cut, Candidate(6, 7, I)]


def test_join_coordinated_names_leaves_an_acronym_alone() -> None:
    doc = make_doc("ZabGU and Hulunbuir University signed")
    cands = [Candidate(0, 1, I), Candidate(2, 4, I)]
    assert join_coordinated_names(doc, cands) == cands
