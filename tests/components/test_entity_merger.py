"""Entity merging: Candidate-level precedence, trimming, chains and the name finder, on hand-built Docs."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy
from spacy.tokens import Doc, Span

from pipeline.components.entity_merger import (
    Candidate,
    TrimRules,
    cut_around_people,
    drop_ambiguous_initials,
    drop_unmarked_institutions,
    find_person_names,
    join_institution_chains,
    longest_first,
    merge_candidates,
    parse_name_window,
    read_given_names,
    read_trim_rows,
    relabel_people,
    relabel_places,
    resolve_entities,
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
        # a closed bracket stays
        ("Republic of Sakha (Yakutia)", "Republic of Sakha (Yakutia)", I, "Republic of Sakha (Yakutia)"),
        ("Sakhalin Centre Dr.", "Sakhalin Centre Dr.", I, "Sakhalin Centre"),
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
