"""The sentence-by-sentence support check of generated answers, and the settings that turn generation on."""

import pytest

from qa.keywords import Tokenizer
from qa.settings import SettingsError, load_settings
from qa.support import check, claims

from .conftest import clean_settings

PASSAGES = [
    "[1] 李明，东湖区委书记：\n下一步,东湖区将坚持以生态优先为导向,打造“湖城共生”示范区,建设十个湿地公园。",
    "[2] 王芳，西山县委书记：\n西山县将发展现代农业,建设三个农业产业园,推动乡村振兴。",
]
SPLIT = Tokenizer(["李明", "王芳"]).split


def test_sentences_keep_the_markers_written_after_their_full_stop():
    found = claims("东湖区将建设湿地公园[1]。西山县建设农业产业园。[2] It grows 3.5% a year. [1][2] Done\n")
    assert [(c.text, c.cites) for c in found] == [
        ("东湖区将建设湿地公园[1]。", (1,)),
        ("西山县建设农业产业园。[2]", (2,)),
        ("It grows 3.5% a year.[1][2]", (1, 2)),
        ("Done", ()),
    ]
    assert claims("[1, 2]。") == [] and claims("东湖区【1、2】。")[0].cites == (1, 2)


@pytest.mark.parametrize(
    ("sentence", "kind"),
    [
        ("东湖区将建设十个湿地公园[1]。", None),
        ("西山县将建设三个农业产业园，推动乡村振兴[2]。", None),
        ("东湖区与西山县都在建设[1][2]。", None),
        ("东湖区将建设十个湿地公园。", "uncited"),
        ("东湖区将建设十个湿地公园[3]。", "unknown_passage"),
        ("东湖区将在2025年建成湿地公园[1]。", "number"),
        ("西山县将建设十个湿地公园[2]。", "unsupported"),
        ("东湖区计划新建国际机场和高铁站[1]。", "unsupported"),
    ],
)
def test_each_sentence_is_kept_or_dropped_with_its_reason(sentence, kind):
    result = check(sentence, PASSAGES, SPLIT, 0.8)
    assert [d.kind for d in result.dropped] == ([kind] if kind else [])
    assert len(result.kept) == (0 if kind else 1)


def test_kept_sentences_give_their_citations_in_order():
    result = check("西山县将建设三个农业产业园[2]。东湖区将建设十个湿地公园[1][2]。", PASSAGES, SPLIT, 0.8)
    assert result.cited == [2, 1]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"llm_base_url": "http://127.0.0.1:11434/v1"}, "QA_LLM_MODEL"),
        ({"llm_base_url": "localhost:11434", "llm_model": "qwen"}, "http://"),
        ({"api_keys": "good, has space"}, "spaces"),
        ({"llm_timeout": 0}, "llm_timeout"),
        ({"support_threshold": 1.5}, "support_threshold"),
    ],
)
def test_bad_generation_settings_fail_fast(fields, message):
    with pytest.raises(SettingsError, match=message):
        clean_settings(**fields)


def test_a_bad_key_setting_is_named_but_never_shown(monkeypatch):
    monkeypatch.setenv("QA_API_KEYS", "s3cret, with space")
    with pytest.raises(SettingsError, match="QA_API_KEYS") as caught:
        load_settings()
    assert "s3cret" not in str(caught.value)
