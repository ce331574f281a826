import json

import pytest
from click.testing import CliRunner

from qa.cli import cli
from qa.service import Service
from qa.settings import load_settings

from .conftest import FAKE, write_corpus


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_corpus(tmp_path / "corpus")

    def invoke(*args, env=None):
        return CliRunner().invoke(cli, [str(a) for a in args], env={"QA_MODEL": FAKE, **(env or {})})

    return invoke


def test_build_then_up_to_date_then_force(run):
    r = run("build")
    assert r.exit_code == 0, r.output
    # Four paragraphs; the two of the first speech share a passage (QA_PASSAGE_TOKENS groups short paragraphs).
    assert "1 documents, 2 speeches, 3 passages" in r.output and "0 embeddings reused" in r.output
    assert "up to date" in run("build").output
    r = run("build", "--force")
    assert "3 embeddings reused = 100%" in r.output


def test_the_same_files_read_differently_are_rebuilt(run):
    run("build")
    # One paragraph a passage reads the same files into other passages: the index is not up to date for them.
    r = run("build", env={"QA_PASSAGE_TOKENS": "0"})
    assert r.exit_code == 0, r.output
    assert "up to date" not in r.output and "4 passages" in r.output
    assert "up to date" in run("build", env={"QA_PASSAGE_TOKENS": "0"}).output


def test_ask_prints_attributed_passages_and_json(run):
    run("build")
    r = run("ask", "西山县 农业产业园", "-k", "1")
    assert r.exit_code == 0, r.output
    assert "西山县委书记、县长王芳 · 《发展现代农业 促进乡村振兴》 · 第1段" in r.output
    data = json.loads(run("ask", "湿地公园", "--json", "--top-k", "2").stdout)
    assert len(data["results"]) == 2 and data["results"][0]["source"]["speaker"] == "李明"


def test_a_server_readies_the_model_for_many_questions_and_ask_does_not(run, fake_registered, monkeypatch, tmp_path):
    readied = []
    monkeypatch.setattr(fake_registered, "expect_many_questions", lambda: readied.append(True))
    run("build")
    assert run("ask", "湿地公园").exit_code == 0
    assert readied == []  # one question: a trace would cost more than it saves
    Service(load_settings(model=FAKE, index_dir=tmp_path / "index"), fake_registered)
    assert readied == [True]


def test_eval_jsonl_and_cmrc(run, tmp_path):
    run("build")
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        '{"q": "西山县农业产业园", "gold": ["三个农业产业园"]}\n{"q": "湿地公园", "gold": ["十个湿地 公园"]}\n',
        encoding="utf-8",
    )
    r = run("eval", questions, "--json")
    assert r.exit_code == 0, r.output
    metrics = json.loads(r.stdout)
    assert set(metrics) == {"hit@1", "hit@3", "hit@5", "hit@10", "mrr@10", "questions", "ranks"}
    assert metrics["hit@1"] == 1.0 and metrics["questions"] == 2
    assert metrics["ranks"] == [["西山县农业产业园", 1], ["湿地公园", 1]]
    squad = {
        "data": [
            {
                "title": "湖",
                "paragraphs": [
                    {"id": "a", "context": "东湖有十个湿地公园。", "qas": [{"question": "东湖有几个湿地公园"}]}
                ],
            },
            {
                "title": "山",
                "paragraphs": [{"id": "b", "context": "西山县种植小麦和玉米。", "qas": [{"question": "西山县种什么"}]}],
            },
        ]
    }
    path = tmp_path / "squad.json"
    path.write_text(json.dumps(squad, ensure_ascii=False), encoding="utf-8")
    metrics = json.loads(run("eval", path, "--format", "cmrc2018", "--json").stdout)
    assert metrics["hit@1"] == 1.0 and metrics["mrr@10"] == 1.0


def test_eval_scores_what_search_serves_a_question_naming_a_year(run, tmp_path):
    # Two speeches alike but for their year: only the year the question names tells them apart, as /api/search does.
    corpus = tmp_path / "years"
    for year in ("2018", "2019"):
        write_corpus(corpus, f"---\ndate: {year}-03-01\nspeaker: 王芳\n---\n东湖将建设十个湿地公园。\n", f"{year}.txt")
    run("build", "--corpus", corpus, "--index", tmp_path / "years-index")
    questions = tmp_path / "q.jsonl"
    lines = [
        {"q": f"{year}年东湖建设几个湿地公园", "gold": ["十个湿地公园"], "document": f"{year}.txt"}
        for year in ("2018", "2019")
    ]
    questions.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines), encoding="utf-8")
    r = run("eval", questions, "--index", tmp_path / "years-index", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["hit@1"] == 1.0
    r = run("eval", questions, "--index", tmp_path / "years-index", "--json", env={"QA_YEAR_BOOST": "0"})
    assert json.loads(r.stdout)["hit@1"] == 0.5  # without the lift one of the two is second


def test_eval_compare_lists_the_questions_that_lost_rank(run, tmp_path):
    run("build")
    questions = tmp_path / "q.jsonl"
    # The second gold is in no passage, so that question is missed now whatever the ranking.
    questions.write_text('{"q": "湿地公园", "gold": ["十个湿地 公园"]}\n{"q": "西山县", "gold": ["不在文中"]}\n')
    earlier = tmp_path / "earlier.json"
    earlier.write_text(json.dumps({"ranks": [["湿地公园", None], ["西山县", 1]]}), encoding="utf-8")
    r = run("eval", questions, "--compare", earlier, "--save", tmp_path / "now.json")
    assert r.exit_code == 0, r.output
    assert "since earlier.json: 1 questions lost rank, 1 gained\n  #1 -> miss  西山县" in r.output
    assert json.loads((tmp_path / "now.json").read_text())["ranks"] == [["湿地公园", 1], ["西山县", None]]
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    r = run("eval", questions, "--compare", bad)
    assert r.exit_code == 1 and "not a run saved by `qa eval --save`" in r.output


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["build", "--corpus", "missing"], {}, "corpus folder missing does not exist"),
        (["ask", "问题", "--index", "nowhere"], {}, "run `qa build` first"),
        (["mcp", "--index", "nowhere"], {}, "run `qa build` first"),
        (["mcp"], {"QA_LLM_BASE_URL": "http://127.0.0.1:11434/v1"}, "QA_LLM_MODEL"),
        (["ask", "   "], {}, "the question is empty"),
        (["ask", "问题", "-k", "0"], {}, "0 is not in the range"),
        (["ask", "问题"], {"QA_TOP_K": "lots"}, "top_k"),
        (["ask", "问题"], {"QA_TOPK": "3"}, "unknown setting QA_TOPK"),
        (["eval", "nofile.jsonl"], {}, "does not exist"),
        (["ask", "问题"], {"QA_TRUSTED_PROXIES": "10.0.0.0/33"}, "trusted_proxies"),
        (["ask", "长" * 1001], {}, "longer than 1000 characters"),
        (["ask", "问题", "-k", "51"], {}, "51 is not in the range 1<=x<=50"),
        (["build"], {"QA_PASSAGE_TOKENS": "-1"}, "passage_tokens"),
        (["build"], {"QA_MAX_PASSAGE_TOKENS": "8"}, "max_passage_tokens"),
        pytest.param(
            ["build", "--model", "no/such-model"],
            {"QA_MODEL": ""},
            "cannot load model 'no/such-model'",
            marks=pytest.mark.integration,  # imports torch and sentence-transformers: seconds
        ),
    ],
)
def test_user_mistakes_get_one_line_and_nonzero_exit(run, args, env, message):
    r = run(*args, env=env)
    assert r.exit_code != 0
    assert message in r.output
    assert "Traceback" not in r.output


def test_bad_eval_file_names_the_line(run, tmp_path):
    run("build")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"q": "ok", "gold": ["x"]}\n{"question": "wrong keys"}\n', encoding="utf-8")
    r = run("eval", bad)
    assert r.exit_code == 1 and "bad.jsonl:2" in r.output
    bad.write_text('{"q": "ok", "gold": ["x"], "lang": "fr"}\n', encoding="utf-8")
    r = run("eval", bad)
    assert r.exit_code == 1 and "bad.jsonl:1" in r.output and "zh→en" in r.output and "Traceback" not in r.output
    r = run("eval", bad, "--format", "cmrc2018")
    assert r.exit_code == 1 and "not a SQuAD-style JSON file" in r.output


def test_help_has_examples():
    r = CliRunner().invoke(cli, ["ask", "--help"])
    assert "Examples" in r.output and "--speaker" in r.output


def test_python_dash_m_qa_is_the_qa_command():
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "qa", "--version"], capture_output=True, text=True, timeout=60)
    from qa import __version__

    assert out.returncode == 0 and out.stdout.strip() == f"qa, version {__version__}"


@pytest.mark.parametrize(
    ("args", "env", "said"),
    [
        (("build", "--corpus", "speech.rtf"), {}, "corpus speech.rtf is a file, not a folder"),
        (("build", "--index", "speech.rtf"), {}, "index speech.rtf is a file, not a folder"),
        (("ask", "x", "--index", "speech.rtf"), {}, "index speech.rtf is a file, not a folder"),
        (("ask", "x"), {"QA_INDEX_DIR": "speech.rtf"}, "QA_INDEX_DIR"),
        (("serve", "--index", "speech.rtf"), {}, "index speech.rtf is a file, not a folder"),
    ],
)
def test_folder_option_naming_a_file_says_so(run, tmp_path, args, env, said):
    (tmp_path / "speech.rtf").write_text("{\\rtf1 hello}", encoding="utf-8")
    r = run(*args, env=env)
    assert r.exit_code == 1 and said in r.output and "does not exist" not in r.output, r.output
    assert "loading model" not in r.output


@pytest.mark.parametrize(
    ("env", "flags", "said"),
    [
        ({"QA_TOP_K": "abc"}, (), "top_k (QA_TOP_K='abc'):"),
        ({"QA_TOP_K": "99"}, (), "top_k (QA_TOP_K='99'):"),
        ({"QA_DENSE_WEIGHT_TRANSLATED": "2"}, (), "dense_weight_translated (QA_DENSE_WEIGHT_TRANSLATED='2'):"),
        ({"QA_QUERY_THREADS": "-1"}, (), "query_threads (QA_QUERY_THREADS='-1'):"),
        ({"QA_QUERY_THREADS": "two"}, (), "query_threads (QA_QUERY_THREADS='two'):"),
    ],
)
def test_bad_setting_from_the_environment_names_the_variable(run, env, flags, said):
    r = run("ask", "x", *flags, env=env)
    assert r.exit_code == 1 and f"bad setting: {said}" in r.output, r.output


def test_bad_setting_from_a_flag_is_named_as_the_setting():
    from qa.settings import SettingsError, load_settings

    with pytest.raises(SettingsError) as err:
        load_settings(top_k=0)
    assert "bad setting: top_k: " in str(err.value) and "QA_TOP_K" not in str(err.value)


def test_serve_on_a_taken_port_fails_before_loading_anything(run, monkeypatch):
    import socket

    from qa import service

    def never(*args, **kwargs):
        raise AssertionError("the index and model must not load when the port is taken")

    monkeypatch.setattr(service, "Service", never)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        r = run("serve", "--port", port)
    assert r.exit_code == 1, r.output
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and f"127.0.0.1:{port}" in lines[0] and "--port" in lines[0], r.output


def test_every_setting_is_in_the_readme_table():
    from qa.settings import Settings

    from .conftest import REPO

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    table = readme.split("### Settings", 1)[1].split("\n#", 1)[0]
    missing = [f"QA_{name.upper()}" for name in Settings.model_fields if f"`QA_{name.upper()}`" not in table]
    assert not missing, f"README settings table lacks {missing}"


def test_english_hits_are_labelled_in_english_with_paragraph_span_and_times():
    from types import SimpleNamespace

    from qa.commands.output import format_result

    source = {
        "speaker": "Ana Ruiz", "role": "Mayor", "speech_title": None, "title": "Town Hall", "paragraph": 2,
        "last_paragraph": 4, "language": "en", "date": "2024-05-01", "document": "hall.vtt", "start": 75.0, "end": 3725.0,
    }  # fmt: skip
    hit = SimpleNamespace(source=source, rank=1, score=0.5, text="We will fix it.", highlights=[])
    first = format_result(hit).splitlines()[0]
    assert first == "1. [0.500] Ana Ruiz, Mayor · “Town Hall” · ¶ 2–4 · 1:15–1:02:05"
    chinese = {**source, "language": "zh", "speaker": None, "start": None, "last_paragraph": None}
    assert (
        format_result(SimpleNamespace(**{**vars(hit), "source": chinese}))
        .splitlines()[0]
        .endswith("（导语） · 《Town Hall》 · 第2段")
    )


def test_speaker_and_document_filters_forgive_script_role_and_suffix(run):
    run("build")
    for speaker in ("王芳", "縣長王芳", "县长 王芳"):
        r = run("ask", "农业", "--speaker", speaker, "--json")
        found = {x["source"]["speaker"] for x in json.loads(r.stdout)["results"]}
        assert found == {"王芳"}, (speaker, r.output)
    document = json.loads(run("ask", "农业", "--json").stdout)["results"][0]["source"]["document"]
    r = run("ask", "农业", "--document", document.rsplit(".", 1)[0], "--json")
    assert {x["source"]["document"] for x in json.loads(r.stdout)["results"]} == {document}


def test_a_filter_naming_nobody_lists_who_is_there(run):
    run("build")
    r = run("ask", "农业", "--speaker", "张三")
    assert r.exit_code == 0 and "no passage matches" in r.output
    assert "--speaker '张三' names no speaker in this index; known: " in r.output and "王芳" in r.output


def test_ask_by_speaker_and_date_range(run):
    run("build")
    r = run("ask", "湿地公园 农业", "--by-speaker", "-k", "5", "--json")
    speakers = [x["source"]["speaker"] for x in json.loads(r.stdout)["results"]]
    assert len(speakers) == len(set(speakers)) == 2, speakers  # 李明 and 王芳; the introduction is no speaker
    assert json.loads(run("ask", "农业", "--date-from", "2021", "--json").stdout)["results"]
    r = run("ask", "农业", "--date-to", "2020-12")
    assert r.exit_code == 0 and "no passage matches" in r.output
    r = run("ask", "农业", "--date-from", "2021-02-30")
    assert r.exit_code != 0 and "--date-from: '2021-02-30' is not a date" in r.output


def test_an_index_with_an_older_lexicon_is_built_again_from_its_embeddings(run, tmp_path):
    from qa.store import current_folder

    run("build")
    manifest = current_folder(tmp_path / "index") / "manifest.json"
    older = json.loads(manifest.read_text(encoding="utf-8"))
    del older["lexicon"]  # as a build from before the lexicon was versioned (no Chinese → English entries)
    manifest.write_text(json.dumps(older), encoding="utf-8")
    r = run("build")
    assert r.exit_code == 0, r.output
    assert "up to date" not in r.output and "3 embeddings reused = 100%" in r.output
    assert "up to date" in run("build").output
