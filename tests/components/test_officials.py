"""Officials: linking on hand-built Docs (no model), then sentences through the real pipeline.

Every sentence here is invented in the style of the genre (regional news, university pages,
wire stories); none is taken from the sample articles or the gold set.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
import spacy
from spacy.language import Language
from spacy.tokens import Doc

import pipeline.extensions  # noqa: F401  (Doc._.officials)
from pipeline.components.officials import (
    SOURCE_CONTEXT,
    SOURCE_DELEGATION,
    SOURCE_PHRASE,
    SOURCE_REFERENCE,
    DocIndex,
    OfficialLinker,
    choose_post,
    link_officials,
    parse_posts,
    read_honorifics,
)
from pipeline.normalize.institutions import normalize_institution

NLP = spacy.blank("en")
HONORIFICS = read_honorifics()
_MARK = re.compile(r"\[([^\]|]+)\|([A-Z]+)\]|(\|\|)|(\S+)")


def annotated(markup: str) -> Doc:
    """A Doc from "[Wang Lei|PERSON] , [rector|TITLE] of ..."; "||" starts a new sentence."""
    words: list[str] = []
    ents: list[str] = []
    sent_starts: list[bool] = []
    new_sentence = True
    has_sentences = "||" in markup
    for match in _MARK.finditer(markup):
        phrase, label, boundary, word = match.groups()
        if boundary:
            new_sentence = True
            continue
        tokens = phrase.split(" ") if phrase else [word]
        for k, token in enumerate(tokens):
            words.append(token)
            ents.append("O" if label is None else ("B-" if k == 0 else "I-") + label)
            sent_starts.append(new_sentence)
            new_sentence = False
    if has_sentences:
        return Doc(NLP.vocab, words=words, ents=ents, sent_starts=sent_starts)
    return Doc(NLP.vocab, words=words, ents=ents)


def links_of(markup: str) -> dict[str, tuple[str | None, str | None, str | None]]:
    """person -> (title, organization, organization source)."""
    doc = annotated(markup)
    return {
        link.person.text: (
            link.title.text if link.title is not None else None,
            link.org.text if link.org is not None else None,
            link.org_source if link.org is not None else None,
        )
        for link in link_officials(doc, HONORIFICS)
    }


# --------------------------------------------------------------------------- surface orders


@pytest.mark.parametrize(
    ("markup", "person", "expected"),
    [
        pytest.param("[Director|TITLE] [Zhou Minghui|PERSON] met the guests .",
                     "Zhou Minghui", ("Director", None, None), id="title-name"),
        pytest.param("[Kazan|GPE] [Vice-Mayor|TITLE] [A. Petrenko|PERSON] spoke .",
                     "A. Petrenko", ("Vice-Mayor", "Kazan", SOURCE_PHRASE), id="place-title-name"),
        pytest.param("[Heilongjiang University|INSTITUTION] [rector|TITLE] [Liu Qiang|PERSON] signed it .",
                     "Liu Qiang", ("rector", "Heilongjiang University", SOURCE_PHRASE), id="org-title-name"),
        pytest.param("Russian [ambassador|TITLE] to [China|GPE] [Oleg Samoilov|PERSON] said .",
                     "Oleg Samoilov", ("ambassador", None, None), id="envoy-to-country"),
        pytest.param("[Consul General|TITLE] of [Russia|GPE] in [Harbin|GPE] [Sergei Kovalev|PERSON] came .",
                     "Sergei Kovalev", ("Consul General", "Russia", SOURCE_PHRASE), id="of-country-in-city"),
        pytest.param("[Svetlana Morozova|PERSON] , [Director|TITLE] of the [Education Department of Tomsk City "
                     "Administration|INSTITUTION] , led the delegation .",
                     "Svetlana Morozova",
                     ("Director", "Education Department of Tomsk City Administration", SOURCE_PHRASE), id="apposition"),
        pytest.param("Mr. [Guo Jianhua|PERSON] , [Inspector General|TITLE] of [Weifang Municipal Education "
                     "Bureau|INSTITUTION] , hosted it .",
                     "Guo Jianhua", ("Inspector General", "Weifang Municipal Education Bureau", SOURCE_PHRASE),
                     id="apposition-after-honorific"),
        pytest.param("[Liu Qiang|PERSON] , [Heilongjiang University|INSTITUTION] [rector|TITLE] , said .",
                     "Liu Qiang", ("rector", "Heilongjiang University", SOURCE_PHRASE), id="apposition-org-title"),
        pytest.param("[Director|TITLE] [Sun Lihua|PERSON] of the [International Exchange Center|INSTITUTION] spoke .",
                     "Sun Lihua", ("Director", "International Exchange Center", SOURCE_PHRASE), id="title-name-of-org"),
        pytest.param("[Li Na|PERSON] from the [International Cooperation Office|INSTITUTION] took part .",
                     "Li Na", (None, "International Cooperation Office", SOURCE_PHRASE), id="name-from-org"),
        pytest.param("[Head|TITLE] of Obluchye [Vladimir Gusev|PERSON] signed it .",
                     "Vladimir Gusev", ("Head", "Obluchye", SOURCE_PHRASE), id="untagged-place"),
        pytest.param("[Deputy Minister of Health|TITLE] of [Amur|GPE] Oblast [Irina Markova|PERSON] came .",
                     "Irina Markova", ("Deputy Minister of Health", "Amur Oblast", SOURCE_PHRASE),
                     id="org-completed-by-untagged-word"),
        pytest.param("[Chairman|TITLE] of the [Government of the Republic of Sakha|INSTITUTION] ( Yakutia ) "
                     "[Pavel Stepanov|PERSON] signed .",
                     "Pavel Stepanov", ("Chairman", "Government of the Republic of Sakha ( Yakutia )", SOURCE_PHRASE),
                     id="org-with-bracketed-name"),
        pytest.param("[Editor|TITLE] : [Li Ye|PERSON]", "Li Ye", ("Editor", None, None), id="byline"),
        pytest.param("the [president|TITLE] of the [Heihe College|INSTITUTION] , Professor [Gao Jianhua|PERSON] , "
                     "visited .",
                     "Gao Jianhua", ("president", "Heihe College", SOURCE_PHRASE), id="post-comma-honorific-name"),
    ],
)
def test_officials_surface_orders(markup: str, person: str,
                                  expected: tuple[str | None, str | None, str | None]) -> None:
    assert links_of(markup)[person] == expected


def test_officials_chain_prefers_the_post_of_a_named_place() -> None:
    found = links_of(
        "[Zhang Wenbo|PERSON] , [Secretary|TITLE] of the [Party Committee|INSTITUTION] and [President|TITLE] of "
        "[Harbin Normal University|INSTITUTION] , welcomed the guests ."
    )
    assert found["Zhang Wenbo"] == ("President", "Harbin Normal University", SOURCE_PHRASE)


def test_officials_chain_prefers_a_post_with_an_organisation() -> None:
    found = links_of("[Party Secretary|TITLE] and [President|TITLE] of the [Normal College|INSTITUTION] "
                     "[Wu Dan|PERSON] spoke .")
    assert found["Wu Dan"] == ("President", "Normal College", SOURCE_PHRASE)


def test_officials_chain_stops_at_a_title_that_introduces_another_name() -> None:
    found = links_of(
        "[Deputy President|TITLE] [Liu Cunhai|PERSON] became [deputy director|TITLE] of the committee and "
        "[Director|TITLE] [Li Changmei|PERSON] of the [Foreign Exchange Center|INSTITUTION] a member ."
    )
    assert found["Li Changmei"] == ("Director", "Foreign Exchange Center", SOURCE_PHRASE)
    assert found["Liu Cunhai"][0] == "Deputy President"


def test_officials_post_between_two_names_belongs_to_the_second() -> None:
    found = links_of(
        "attended by [Pan Jiahui|PERSON] , [Head|TITLE] of the [Culture Department|INSTITUTION] "
        "[Yekaterina Ivanova|PERSON] and others ."
    )
    assert found["Yekaterina Ivanova"] == ("Head", "Culture Department", SOURCE_PHRASE)
    assert "Pan Jiahui" not in found


# --------------------------------------------------------------------------- organisations from elsewhere


@pytest.mark.parametrize(
    ("markup", "person", "expected"),
    [
        pytest.param("The pupils stayed at [Omsk Gymnasium No. 9|INSTITUTION] . || [Principal|TITLE] of the "
                     "gymnasium [Tatyana Orlova|PERSON] said so .",
                     "Tatyana Orlova", ("Principal", "Omsk Gymnasium No. 9", SOURCE_REFERENCE), id="of-the-noun"),
        pytest.param("They visited the [Russian Language Centre|INSTITUTION] , where [Head|TITLE] of the "
                     "[Centre|INSTITUTION] [S.V. Gromova|PERSON] spoke .",
                     "S.V. Gromova", ("Head", "Russian Language Centre", SOURCE_REFERENCE), id="bare-keyword-entity"),
        pytest.param("Pupils of [Irkutsk School No. 47|INSTITUTION] sang . || school [director|TITLE] "
                     "[Yu.A. Gavrilova|PERSON] thanked them .",
                     "Yu.A. Gavrilova", ("director", "Irkutsk School No. 47", SOURCE_REFERENCE), id="noun-before-title"),
        pytest.param("the [Chairman of the Board|TITLE] of the branch [Vladimir Gromov|PERSON] , of the "
                     "[Sverdlovsk Regional Branch of the Friendship Society|INSTITUTION]",
                     "Vladimir Gromov",
                     ("Chairman of the Board", "Sverdlovsk Regional Branch of the Friendship Society", SOURCE_REFERENCE),
                     id="head-noun-of-a-named-institution"),
        pytest.param("a [delegation|DELEGATION] from [Hegang|GPE] headed by [Mayor|TITLE] [Fang Jun|PERSON] arrived .",
                     "Fang Jun", ("Mayor", "Hegang", SOURCE_DELEGATION), id="delegation-leader"),
        pytest.param("The delegation visited the [Qiqihar Education Bureau|INSTITUTION] . || [Deputy Director|TITLE] "
                     "[Lyu Dehai|PERSON] spoke .",
                     "Lyu Dehai", ("Deputy Director", "Qiqihar Education Bureau", SOURCE_CONTEXT), id="context"),
        pytest.param("They toured [Suifenhe Vocational College|INSTITUTION] . || [Chen Hao|PERSON] , "
                     "[Party Secretary|TITLE] of the college , and [Vice President|TITLE] [Lin Yue|PERSON] met them .",
                     "Lin Yue", ("Vice President", "Suifenhe Vocational College", SOURCE_REFERENCE),
                     id="coordinated-official-shares-it"),
        pytest.param("[Zeya State University|INSTITUTION] hosted it . || [rector|TITLE] of [ZSU|INSTITUTION] "
                     "[Anatoly Reshetov|PERSON] spoke .",
                     "Anatoly Reshetov", ("rector", "Zeya State University", SOURCE_PHRASE), id="acronym"),
        pytest.param("[Ningbo Hengda Auto Parts Co., Ltd.|INSTITUTION] signed . || [Chen Wei|PERSON] , "
                     "[chairman of the board|TITLE] of [Ningbo Hengda Auto Parts|INSTITUTION] , said .",
                     "Chen Wei", ("chairman of the board", "Ningbo Hengda Auto Parts Co., Ltd.", SOURCE_PHRASE),
                     id="fullest-name"),
    ],
)
def test_officials_organisation_from_elsewhere(markup: str, person: str,
                                               expected: tuple[str | None, str | None, str | None]) -> None:
    assert links_of(markup)[person] == expected


@pytest.mark.parametrize(
    "markup",
    [
        pytest.param("[Li Ming|PERSON] , [director|TITLE] of the [Weihai Education Bureau|INSTITUTION] , hosted . || "
                     "[Principal|TITLE] [Ding Hua|PERSON] spoke .", id="another-officials-own-institution"),
        pytest.param("The guests saw the [Weihai Museum|INSTITUTION] and met [Li Ming|PERSON] . || "
                     "[Principal|TITLE] [Ding Hua|PERSON] spoke .", id="another-person-in-between"),
        pytest.param("[Editor|TITLE] : [Ding Hua|PERSON] || Source : [Weihai Daily|INSTITUTION]", id="byline"),
        pytest.param("The [Weihai Museum|INSTITUTION] opened . || Nothing happened . || [Principal|TITLE] "
                     "[Ding Hua|PERSON] spoke .", id="two-sentences-back"),
    ],
)
def test_officials_no_organisation_from_context(markup: str) -> None:
    assert links_of(markup)["Ding Hua"][1] is None


def test_officials_person_without_post_or_organisation_is_no_official() -> None:
    assert links_of("[Wang Fang|PERSON] ran the marathon in [Harbin|GPE] .") == {}


# --------------------------------------------------------------------------- posts and the component


def test_officials_parse_posts_chains_and_choice() -> None:
    doc = annotated("[Secretary|TITLE] of the [Party Committee|INSTITUTION] and [President|TITLE] of "
                    "[Harbin Normal University|INSTITUTION] [Zhang Wenbo|PERSON]")
    posts = parse_posts(DocIndex(doc))
    assert len(posts) == 1
    assert [p.title.text for p in posts[0].chain] == ["Secretary", "President"]
    assert choose_post(posts[0].chain).org.text == "Harbin Normal University"


def test_officials_evidence_covers_the_phrase() -> None:
    doc = annotated("Yesterday [Svetlana Morozova|PERSON] , [Director|TITLE] of the [Tomsk Bureau|INSTITUTION] , "
                    "spoke .")
    row = link_officials(doc)[0].as_row()
    assert doc.text[row["evidence_start"]:row["evidence_end"]] == "Svetlana Morozova , Director of the Tomsk Bureau"
    assert doc.text[row["person_start"]:row["person_end"]] == "Svetlana Morozova"


def test_officials_component_drops_titles_nobody_holds() -> None:
    linker = OfficialLinker("officials")
    linker.initialize(honorifics=["Mr."])
    doc = annotated("the [chairman|TITLE] and the [secretary-general|TITLE] were elected ; "
                    "[Director|TITLE] [Zhou Min|PERSON] spoke")
    doc = linker(doc)
    assert [(e.text, e.label_) for e in doc.ents] == [("Director", "TITLE"), ("Zhou Min", "PERSON")]
    assert [row["person"] for row in doc._.officials] == ["Zhou Min"]


def test_officials_component_keeps_every_title_of_a_chain() -> None:
    linker = OfficialLinker("officials")
    linker.initialize(honorifics=[])
    doc = linker(annotated("[Zhang Wenbo|PERSON] , [Secretary|TITLE] and [President|TITLE] of the "
                           "[Harbin Normal University|INSTITUTION]"))
    assert [e.text for e in doc.ents if e.label_ == "TITLE"] == ["Secretary", "President"]


# --------------------------------------------------------------------------- the real pipeline

# (sentence, name, title, organization); names as the gold guidelines write them.
SENTENCES = [
    # Further back, the institution of the person's own side.
    ("A delegation of Amur State University visited Heihe University on Monday. The guests toured the library "
     "and the laboratories. They also watched a concert. Vice President Li Hong met with the guests.",
     "Li Hong", "Vice President", "Heihe University"),
    # An acronym stands for the name it follows in brackets.
    ("Guests from Vladimir State University (VlSU) arrived. Vice-rector of VlSU K.A. Lebedev spoke.",
     "K.A. Lebedev", "Vice-rector", "Vladimir State University"),
    # The institution just named lies in the other country than the name: it is not theirs.
    ("The guests toured Harbin No. 3 Middle School. Deputy director Tatyana Smirnova thanked the hosts.",
     "Tatyana Smirnova", "Deputy director", None),
    ("The guests toured Harbin No. 3 Middle School. Principal Wang Hong showed them the classrooms.",
     "Wang Hong", "Principal", "Harbin No. 3 Middle School"),
    ("The delegation first visited the Qiqihar Municipal Education Bureau. Director Zhou Minghui met the guests "
     "and introduced the city's schools.", "Zhou Minghui", "Director", "Qiqihar Municipal Education Bureau"),
    ("Kazan Vice-Mayor A. Petrenko welcomed the Chinese guests at the city hall.", "A. Petrenko", "Vice-Mayor", "Kazan"),
    ("Russian ambassador to China Oleg Samoilov attended the ceremony in Beijing.", "Oleg Samoilov", "ambassador", None),
    ("Svetlana Morozova, Director of the Education Department of Tomsk City Administration, led a six-member "
     "delegation to Harbin.", "Svetlana Morozova", "Director", "Education Department of Tomsk City Administration"),
    ("Mr. Guo Jianhua, Inspector General of Weifang Municipal Education Bureau, hosted the symposium.",
     "Guo Jianhua", "Inspector General", "Weifang Municipal Education Bureau"),
    ("Director Sun Lihua of the International Exchange Center was elected as an executive director.",
     "Sun Lihua", "Director", "International Exchange Center"),
    ("The delegation arrived at Omsk State Technical University. The guests were received by the vice-rector "
     "for science P.A. Kovalchuk.", "P.A. Kovalchuk", "vice-rector for science", "Omsk State Technical University"),
    ("The memorandum was signed by vice-rector for international affairs Bondarenko A.S. and the dean of the "
     "faculty.", "A.S. Bondarenko", "vice-rector for international affairs", None),
    ("Ivan Petrovich Sidorov, rector of Far Eastern Federal University, opened the conference.",
     "Ivan Sidorov", "rector", "Far Eastern Federal University"),
    ("Deputy Head of the International Department of the Administration of Khabarovsk Krai Anna Belyaeva met "
     "the delegation.", "Anna Belyaeva", "Deputy Head",
     "International Department of the Administration of Khabarovsk Krai"),
    ("Mr. Zhang Wenbo, Secretary of the Party Committee and President of Harbin Normal University, welcomed "
     "the guests.", "Zhang Wenbo", "President", "Harbin Normal University"),
    ("Liu Qiang, rector of Heilongjiang University, said the two universities would open a joint institute.",
     "Liu Qiang", "rector", "Heilongjiang University"),
    ("Heilongjiang University rector Liu Qiang signed the agreement on behalf of the Chinese side.",
     "Liu Qiang", "rector", "Heilongjiang University"),
    ("Consul General of Russia in Harbin Sergei Kovalev attended the opening of the exhibition.",
     "Sergei Kovalev", "Consul General", "Russia"),
    ("Olga Semyonova, head of the Foreign Affairs Department of Irkutsk Region, presented the regional programme.",
     "Olga Semyonova", "head", "Foreign Affairs Department of Irkutsk Region"),
    ("Principal Gao Ming of Zibo No. 11 Middle School introduced the school's history.",
     "Gao Ming", "Principal", "Zibo No. 11 Middle School"),
    ("The pupils spent a week at Omsk Gymnasium No. 9. Principal of the gymnasium Tatyana Orlova said a return "
     "visit is planned.", "Tatyana Orlova", "Principal", "Omsk Gymnasium No. 9"),
    ("The guests toured Suifenhe Vocational College. Chen Hao, Party Secretary of the college, and Vice "
     "President Lin Yue met the guests.", "Lin Yue", "Vice President", "Suifenhe Vocational College"),
    ("A delegation from Hegang headed by Mayor Fang Jun arrived in Birobidzhan on Monday.",
     "Fang Jun", "Mayor", "Hegang"),
    ("Vice Governor of Liaoning Province Hou Jinsong met the Russian guests in Shenyang.",
     "Hou Jinsong", "Vice Governor", "Liaoning Province"),
    ("The contract was signed by Zhang Lei, chairman of the board of Harbin Dongsheng Trading Co., Ltd.",
     "Zhang Lei", "chairman of the board", "Harbin Dongsheng Trading Co., Ltd."),
    ("The forum was attended by Deputy Minister of Health of Amur Oblast Irina Sergeevna Markova.",
     "Irina Markova", "Deputy Minister of Health", "Amur Oblast"),
    ("Editor: ZHAO Lin", "Zhao Lin", "Editor", None),
    ("Li Na from the International Cooperation Office took part in the talks.",
     "Li Na", None, "International Cooperation Office"),
    ("The group was accompanied by teacher of Chinese Pavlova Irina Olegovna and two class teachers.",
     "Irina Pavlova", "teacher of Chinese", None),
    ("The guests visited the Russian Language Centre of the university, where Head of the Centre S.V. Gromova "
     "presented a new course.", "S.V. Gromova", "Head", "Russian Language Centre"),
    ("Blagoveshchensk State Pedagogical University hosted the forum. The rector of BSPU Nikolai Grigorievich "
     "Stepanov opened it.", "Nikolai Stepanov", "rector", "Blagoveshchensk State Pedagogical University"),
    ("On May 5, a delegation of Suihua College of Agriculture headed by the president of the college, Professor "
     "Tang Wenjie, visited Amur State University.", "Tang Wenjie", "president", "Suihua College of Agriculture"),
    ("The meeting was attended by the Consul General of the People's Republic of China in Khabarovsk Mr. Fan "
     "Jianguo.", "Fan Jianguo", "Consul General", "People's Republic of China"),
    ("Chinese Vice-Premier Wu Jiahua co-chaired the meeting with Russian Deputy Prime Minister Yuri Trutnev.",
     "Yuri Trutnev", "Deputy Prime Minister", None),
    ("The delegation was headed by Tatyana Mikhailovna Belova, head of Kindergarten No. 5 of Blagoveshchensk.",
     "Tatyana Belova", "head", "Kindergarten No. 5 of Blagoveshchensk"),
    ("Following the talks, Deputy Chairman of the Government of Primorsky Krai Dmitry Alekseevich Sokolov and "
     "Director of the Department of Commerce of Jilin Province Liu Guohua signed an action plan.",
     "Liu Guohua", "Director", "Department of Commerce of Jilin Province"),
    ("Following the talks, Deputy Chairman of the Government of Primorsky Krai Dmitry Alekseevich Sokolov and "
     "Director of the Department of Commerce of Jilin Province Liu Guohua signed an action plan.",
     "Dmitry Sokolov", "Deputy Chairman", "Government of Primorsky Krai"),
]

COUNTRIES = [
    ("Russian ambassador to China Oleg Samoilov attended the ceremony in Beijing.", "Oleg Samoilov", "RU"),
    ("Consul General of Russia in Harbin Sergei Kovalev attended the opening of the exhibition.", "Sergei Kovalev", "RU"),
    ("Chinese Vice-Premier Wu Jiahua co-chaired the meeting in Moscow.", "Wu Jiahua", "CN"),
]


@pytest.fixture(scope="module")
def official_rows_of() -> Callable[[str], list[dict]]:
    from pipeline.nlp import assemble
    from pipeline.records import official_rows

    nlp: Language = assemble()

    def run(text: str) -> list[dict]:
        doc = nlp.make_doc(text)
        doc._.published = None
        return official_rows(nlp(doc), "test")

    return run


def _row_named(rows: list[dict], name: str) -> dict:
    found = [row for row in rows if row["name"].casefold() == name.casefold()]
    assert found, f"no official {name!r} in {[row['name'] for row in rows]}"
    return found[0]


def _institution_key(name: str | None) -> str | None:
    return normalize_institution(name) if name else None


@pytest.mark.slow
@pytest.mark.parametrize(("text", "name", "title", "organization"), SENTENCES,
                         ids=[f"{i:02d}-{row[1]}" for i, row in enumerate(SENTENCES)])
def test_officials_pipeline_sentences(official_rows_of: Callable[[str], list[dict]], text: str, name: str,
                                      title: str | None, organization: str | None) -> None:
    row = _row_named(official_rows_of(text), name)
    assert (row["title"] or "").casefold() == (title or "").casefold()
    assert _institution_key(row["organization"]) == _institution_key(organization)


@pytest.mark.slow
@pytest.mark.parametrize(("text", "name", "country"), COUNTRIES)
def test_officials_pipeline_country(official_rows_of: Callable[[str], list[dict]], text: str, name: str,
                                    country: str) -> None:
    assert _row_named(official_rows_of(text), name)["country"] == country


@pytest.mark.slow
@pytest.mark.parametrize(
    "text",
    [
        "At the congress the chairman, the executive chairman and the secretary-general were elected.",
        "Runners from Harbin and Khabarovsk took part in the marathon on Sunday.",
    ],
)
def test_officials_pipeline_no_officials(official_rows_of: Callable[[str], list[dict]], text: str) -> None:
    assert official_rows_of(text) == []
