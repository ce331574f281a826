import logging

import pytest

from qa.corpus import CorpusError, is_complete, parse_document, parse_header, read_corpus, rejoin

from .conftest import REPO, SPEECHES, write_corpus


@pytest.mark.parametrize(
    ("line", "role", "speaker", "title"),
    [
        (
            "航空港实验区党工委书记张俊峰: 走好“枢纽+开放”路子 更好发挥引领带动作用",
            "航空港实验区党工委书记",
            "张俊峰",
            "走好“枢纽+开放”路子 更好发挥引领带动作用",
        ),
        (
            "郑东新区党工委书记、管委会主任牛瑞华：加快推进以人才为核心集聚创新要素",
            "郑东新区党工委书记、管委会主任",
            "牛瑞华",
            "加快推进以人才为核心集聚创新要素",
        ),
        ("登封市委副书记、市长杨金军: 坚持创新驱动", "登封市委副书记、市长", "杨金军", "坚持创新驱动"),
        ("中原区委书记乔登: 围绕“创”字发力", "中原区委书记", "乔登", "围绕“创”字发力"),
    ],
)
def test_header_names_role_speaker_and_title(line, role, speaker, title):
    header = parse_header(line)
    assert (header.role, header.speaker, header.title) == (role, speaker, title)


@pytest.mark.parametrize(
    "line",
    [
        "市委全会对过去一年的工作进行了系统总结,鼓舞人心。",
        "徐书记所作的报告和说明,总结工作实事求是、条理清晰: 衷心拥护。",
        "抓好“两个围绕”:",
        "书记: 这一行没有名字",
    ],
)
def test_body_lines_are_not_headers(line):
    assert parse_header(line) is None


def test_cut_paragraphs_are_rejoined():
    assert rejoin(["坚持以招商", "引资和项目建设为生命线。", "下一段。"]) == [
        "坚持以招商引资和项目建设为生命线。",
        "下一段。",
    ]
    assert rejoin(["word cut", "here."]) == ["word cut here."]
    assert is_complete("他说：“好。”") and not is_complete("打造“四个美丽”")


def test_document_structure_and_attribution():
    doc = parse_document("city-2021-01-05-speeches.txt", SPEECHES)
    assert doc.title == "为某市发展贡献力量"
    assert doc.subtitle.startswith("——")
    assert doc.date == "2021-01-05"
    lead, *speech = doc.passages
    assert lead.speaker is None and lead.speech == 0
    assert [(p.speaker, p.role, p.paragraph) for p in speech] == [
        ("李明", "东湖区委书记", 1),
        ("李明", "东湖区委书记", 2),
        ("王芳", "西山县委书记、县长", 1),
    ]
    assert speech[1].text == "下一步,东湖区将坚持以生态优先为导向,打造“湖城共生”示范区,建设十个湿地公园。"
    assert speech[2].speech_title == "发展现代农业 促进乡村振兴"
    assert all(not parse_header(p.text) for p in doc.passages), "a header is metadata, never a passage"
    assert len({p.id for p in doc.passages}) == len(doc.passages)


def test_ids_are_stable_across_reads():
    first = [p.id for p in parse_document("a.txt", SPEECHES).passages]
    assert first == [p.id for p in parse_document("a.txt", SPEECHES).passages]


def test_date_from_front_matter_and_sidecar(tmp_path):
    folder = tmp_path / "c"
    write_corpus(folder, "---\ndate: 2020-03-01\ntitle: 标题\n---\n" + SPEECHES, "a.md")
    write_corpus(folder, SPEECHES, "b.txt")
    (folder / "b.meta.json").write_text('{"date": "2019-09-09"}', encoding="utf-8")
    docs = {d.file: d for d in read_corpus(folder).documents}
    assert docs["a.md"].date == "2020-03-01" and docs["a.md"].title == "标题"
    assert docs["b.txt"].date == "2019-09-09"


def test_encodings_and_unreadable_files(tmp_path, caplog):
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "bom.txt").write_bytes(b"\xef\xbb\xbf" + SPEECHES.encode("utf-8"))
    (folder / "gbk.txt").write_bytes(SPEECHES.encode("gb18030"))
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02PNG")
    (folder / "notes.pdf").write_bytes(b"%PDF")
    with caplog.at_level(logging.WARNING):
        corpus = read_corpus(folder)
    assert sorted(d.file for d in corpus.documents) == ["bom.txt", "gbk.txt"]
    assert corpus.skipped == ["binary.txt"]
    assert "binary.txt" in caplog.text
    texts = {d.file: d.passages[1].text for d in corpus.documents}
    assert texts["bom.txt"] == texts["gbk.txt"]


def test_missing_or_empty_corpus_is_a_clear_error(tmp_path):
    with pytest.raises(CorpusError, match="does not exist"):
        read_corpus(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(CorpusError, match="no readable"):
        read_corpus(tmp_path / "empty")


def test_fingerprint_follows_content(tmp_path):
    folder = write_corpus(tmp_path / "c")
    before = read_corpus(folder).fingerprint
    assert read_corpus(folder).fingerprint == before
    write_corpus(folder, SPEECHES + "\n补充一段。\n")
    assert read_corpus(folder).fingerprint != before


def test_seed_corpus_structure():
    corpus = read_corpus(REPO / "corpus")
    (doc,) = corpus.documents
    assert doc.date == "2021-01-05"
    assert doc.speeches == 15
    speakers = {p.speaker for p in doc.passages if p.speaker}
    assert {"张俊峰", "牛瑞华", "袁聚平", "杨金军", "宋洁"} <= speakers
    for p in doc.passages:
        assert is_complete(p.text), f"passage ends mid-sentence: …{p.text[-12:]}"
        assert not parse_header(p.text)
    joined = [p for p in doc.passages if "坚持以招商引资和项目建设为生命线" in p.text]
    assert len(joined) == 1 and joined[0].speaker == "张俊峰"
    assert any("加快小微企业园建设" in p.text for p in doc.passages)
