from qa.reader import read_corpus
from qa.reader.runin import split_run_in

BRIEFING = (
    "MS. PSAKI: Hi everyone. I have two items for you at the top. Q: Thanks, Jen. Does the President support the "
    "minimum wage increase? MS. PSAKI: Sure. He supports raising it to fifteen dollars. Q: And on the border? "
    "MS. PSAKI: We are working to process children safely."
)


def test_a_briefing_printed_as_one_paragraph_is_cut_before_each_label_it_repeats():
    parts = split_run_in(BRIEFING, "en")
    assert [p.split(":")[0] for p in parts] == ["MS. PSAKI", "Q", "MS. PSAKI", "Q", "MS. PSAKI"]
    assert parts[1] == "Q: Thanks, Jen. Does the President support the minimum wage increase?"


def test_a_label_said_once_or_a_chinese_paragraph_is_left_whole():
    once = "We met on Monday. NOTE: the figures are provisional. They will be revised in May."
    assert split_run_in(once, "en") == [once]
    zh = "会议开始。Q: 第一个问题。A: 回答。Q: 第二个问题。A: 回答。"
    assert split_run_in(zh, "zh") == [zh]


def test_the_turns_of_a_run_in_briefing_have_their_speakers(tmp_path):
    page = f"<html><body><h1>Press Briefing by Press Secretary Jen Psaki</h1><p>{BRIEFING}</p></body></html>"
    (tmp_path / "briefing.html").write_text(page, encoding="utf-8")
    (doc,) = read_corpus(tmp_path).documents
    turns = [(p.speaker, p.text.split(".")[0]) for p in doc.passages]
    assert [speaker for speaker, _ in turns] == ["Jen Psaki", "Questioner", "Jen Psaki", "Questioner", "Jen Psaki"]
    assert turns[2][1] == "Sure" and doc.passages[2].question.startswith("Thanks, Jen")
