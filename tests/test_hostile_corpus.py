"""A corpus that fights back: every hostile file costs at most itself, and nothing outside the corpus is read."""

from __future__ import annotations

import errno
import io
import json
import logging
import os
import shutil
import subprocess
import sys
import zipfile

import pytest
from click.testing import CliRunner

from qa.cli import cli
from qa.reader import read_corpus
from qa.reader.boundary import is_inside, refusal
from qa.reader.limits import MB
from qa.reader.metadata import json_depth
from qa.schemas import Source
from qa.untrusted import PrintableLog, printable, web_url
from tests.support.formats import make_docx, make_pdf

from .conftest import FAKE, REPO

GOOD = "We will build a new library for the town and open it in the spring.\n"
SECRET = "root:x:0:0:secret outside the corpus\n"


def corpus_with_good_speech(folder):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "good.txt").write_text(GOOD, encoding="utf-8")
    return folder


def skipped_names(corpus) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in corpus.skipped)


def test_links_out_of_the_corpus_fifos_and_loops_are_named_and_never_read(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text(SECRET, encoding="utf-8")
    folder = corpus_with_good_speech(tmp_path / "corpus")
    (folder / "secret.txt").symlink_to(outside)
    (folder / "passwd.md").symlink_to("/etc/passwd")
    (folder / "inside.txt").symlink_to(folder / "good.txt")  # a link to a file inside is fine
    (folder / "loop.txt").symlink_to(folder / "loop.txt")
    (folder / "pipe.txt").parent.mkdir(exist_ok=True)
    os.mkfifo(folder / "pipe.txt")
    (folder / "elsewhere").symlink_to(tmp_path, target_is_directory=True)
    (folder / "sub").mkdir()
    (folder / "again").symlink_to(folder / "sub", target_is_directory=True)
    corpus = read_corpus(folder)
    skipped = skipped_names(corpus)
    assert "outside the corpus" in skipped["secret.txt"] and "outside the corpus" in skipped["passwd.md"]
    assert skipped["loop.txt"] == "a link that loops" and "FIFO" in skipped["pipe.txt"]
    assert "outside the corpus" in skipped["elsewhere"] and "not followed" in skipped["again"]
    assert sorted(d.file for d in corpus.documents) == ["good.txt", "inside.txt"]
    assert not any("root:" in p.text or "secret" in p.text for p in corpus.passages)


def test_the_boundary_rule_is_one_public_function(tmp_path):
    folder = corpus_with_good_speech(tmp_path / "corpus")
    (tmp_path / "out.txt").write_text("x", encoding="utf-8")
    (folder / "out.txt").symlink_to(tmp_path / "out.txt")
    assert is_inside(folder / "good.txt", folder) and not is_inside(folder / "out.txt", folder)
    assert not is_inside(folder, folder) and refusal(folder / "missing.txt", folder)
    assert not is_inside(tmp_path / "corpus-evil" / "x.txt", folder)  # a sibling whose name extends the root's


def test_a_name_that_is_not_utf8_is_read_and_shown_escaped(tmp_path):
    folder = corpus_with_good_speech(tmp_path / "corpus")
    with open(os.path.join(os.fsencode(folder), b"caf\xe9 speech.txt"), "wb") as fh:
        fh.write(b"The caf\xc3\xa9 on the square will stay open all winter.\n")
    corpus = read_corpus(folder)
    assert sorted(d.file for d in corpus.documents) == ["caf\\xe9 speech.txt", "good.txt"] and not corpus.skipped
    assert json.dumps([p.to_dict() for p in corpus.passages], ensure_ascii=False).encode("utf-8")


def test_an_unreadable_file_and_folder_are_named_without_roots_read_override(tmp_path):
    if not shutil.which("setpriv"):
        pytest.skip("setpriv (util-linux) is needed to drop root's read override")
    folder = corpus_with_good_speech(tmp_path / "corpus")
    (folder / "locked.txt").write_text(GOOD.replace("library", "harbour"), encoding="utf-8")
    (folder / "locked.txt").chmod(0)
    (folder / "closed").mkdir()
    (folder / "closed" / "inner.txt").write_text(GOOD, encoding="utf-8")
    (folder / "closed").chmod(0)
    script = "import json, sys; from qa.reader import read_corpus; print(json.dumps(read_corpus(sys.argv[1]).skipped))"
    command = [sys.executable, "-c", script, str(folder)]
    if os.geteuid() == 0:
        command = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", *command]
    try:
        done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    finally:
        (folder / "closed").chmod(0o755)
    assert done.returncode == 0, done.stderr
    skipped = dict(line.split(": ", 1) for line in json.loads(done.stdout))
    assert skipped == {"locked.txt": "Permission denied", "closed/": "a folder that cannot be read (Permission denied)"}


def test_files_over_the_limit_are_skipped_on_disk_and_once_inflated(tmp_path, caplog):
    folder = corpus_with_good_speech(tmp_path / "corpus")
    (folder / "big.txt").write_text("word " * 400, encoding="utf-8")
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", "<w:document/>" + " " * (2 * MB))
    (folder / "bomb.docx").write_bytes(bomb.getvalue())
    (folder / "small.docx").write_bytes(make_docx("Remarks", [("p", "We will open the new bridge in May.")]))
    assert len(bomb.getvalue()) < 10_000  # a few KB on disk, 2 MB inflated; the limit is 1 MB for this test
    with caplog.at_level(logging.WARNING):
        corpus = read_corpus(folder, max_file_bytes=MB)
    skipped = skipped_names(corpus)
    assert "inflates to" in skipped["bomb.docx"] and "QA_MAX_FILE_MB" in skipped["bomb.docx"]
    assert sorted(d.file for d in corpus.documents) == ["big.txt", "good.txt", "small.docx"]
    corpus = read_corpus(folder, max_file_bytes=1000)
    assert "over the limit" in skipped_names(corpus)["big.txt"]


def test_a_zip_member_that_inflates_past_its_declared_size_is_refused(tmp_path):
    folder = corpus_with_good_speech(tmp_path / "corpus")
    raw = bytearray(make_docx("Remarks", [("p", "We will open the new bridge in May.")]))
    # document.xml's declared size set to 10 bytes in both headers: zipfile inflates no more and fails the CRC.
    with zipfile.ZipFile(io.BytesIO(bytes(raw))) as archive:
        member, entry = archive.getinfo("word/document.xml"), archive.start_dir
        for info in archive.infolist():
            if info is member:
                break
            entry += 46 + len(info.filename.encode()) + len(info.extra) + len(info.comment)
    for size_field in (member.header_offset + 22, entry + 24):
        raw[size_field : size_field + 4] = (10).to_bytes(4, "little")
    (folder / "liar.docx").write_bytes(bytes(raw))
    corpus = read_corpus(folder)
    assert "corrupt" in skipped_names(corpus)["liar.docx"] and [d.file for d in corpus.documents] == ["good.txt"]


def test_a_yaml_alias_bomb_costs_its_front_matter_and_one_short_warning(tmp_path, caplog):
    folder = corpus_with_good_speech(tmp_path / "corpus")
    levels = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    levels += [f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
    front = "---\ntitle: Budget\n" + "\n".join(levels) + "\ndate: *a8\n---\n"
    (folder / "bomb.md").write_text(front + "We will cut the bus fare for students.\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        corpus = read_corpus(folder)
    assert "bomb.md" in [d.file for d in corpus.documents]
    warning = next(r.getMessage() for r in caplog.records if "bomb.md" in r.getMessage())
    assert "aliases" in warning and len(warning) < 300


def test_bad_values_are_quoted_short_and_urls_must_be_http(tmp_path, caplog):
    folder = corpus_with_good_speech(tmp_path / "corpus")
    front = f"---\ndate: {'9' * 5000}\nurl: javascript:alert(1)\nspeaker: Ann Lee\n---\n"
    (folder / "fm.md").write_text(front + "We will repave Main Street.\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        passage = next(p for p in read_corpus(folder).passages if p.document == "fm.md")
    assert passage.url is None and passage.speaker == "Ann Lee"
    assert "only http" in caplog.text and max(len(r.getMessage()) for r in caplog.records) < 300


def test_the_api_drops_urls_that_are_not_http():
    base = {"document": "a.txt", "title": "A", "date": None, "speaker": None, "role": None, "speech_title": None}
    assert Source(**base, paragraph=1, url="javascript:alert(1)").url is None
    assert Source(**base, paragraph=1, url="https://example.org/a").url == "https://example.org/a"
    assert web_url("data:text/html,x") is None and web_url("http://") is None


def test_a_sidecar_nested_deep_costs_its_metadata_not_the_speech(tmp_path, caplog):
    folder = corpus_with_good_speech(tmp_path / "corpus")
    (folder / "good.meta.json").write_text('{"x": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        corpus = read_corpus(folder)
    assert [d.file for d in corpus.documents] == ["good.txt"] and "nested deeper" in caplog.text
    assert json_depth('{"a": "[[[[", "b": [{"c": []}]}') == 4


def test_a_bad_catalogue_row_costs_that_row_named_by_line(tmp_path, caplog):
    folder = corpus_with_good_speech(tmp_path / "corpus")
    (folder / "other.txt").write_text("We will plant trees on every street.\n", encoding="utf-8")
    (folder / "third.txt").write_text("We will open two new schools.\n", encoding="utf-8")
    (folder / "fourth.txt").write_text("We will widen the old bridge.\n", encoding="utf-8")
    rows = ["file,speaker,title", "good.txt,Ann Lee,", f'other.txt,Bo Chen,"{"x" * 200_000}"']
    rows += [f'third.txt,Cy Diaz,"{"y" * (2 * MB)}"', "fourth.txt,Dee Ellis,Bridges"]
    (folder / "metadata.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        speakers = {p.document: p.speaker for p in read_corpus(folder).passages}
    assert speakers == {"good.txt": "Ann Lee", "other.txt": "Bo Chen", "third.txt": None, "fourth.txt": "Dee Ellis"}
    assert "metadata.csv line 3: title (longer than" in caplog.text and "metadata.csv line 4" in caplog.text


def test_notes_and_qaignore_are_skipped_and_named_once(tmp_path):
    folder = corpus_with_good_speech(tmp_path / "corpus")
    for name in ("README.md", "SOURCE.md", "NOTES.txt", "CHANGELOG", "draft.txt", "drafts/a.txt", "keep.txt"):
        (folder / name).parent.mkdir(exist_ok=True)
        (folder / name).write_text("We will count the votes again.\n", encoding="utf-8")
    (folder / ".qaignore").write_text("draft*\n!keep.txt\n", encoding="utf-8")
    corpus = read_corpus(folder)
    assert sorted(d.file for d in corpus.documents) == ["good.txt", "keep.txt"] and not corpus.skipped
    assert corpus.notes == ["CHANGELOG", "NOTES.txt", "README.md", "SOURCE.md", "draft.txt", "drafts/"]


def test_empty_files_and_identical_pdf_pages_are_named_for_what_they_are(tmp_path, caplog):
    folder = corpus_with_good_speech(tmp_path / "corpus")
    (folder / "empty.html").write_bytes(b"")
    (folder / "comment.html").write_bytes(b"<!-- nothing -->")
    page = ["Remarks on the harbour", "We will deepen the harbour for larger ships this year."]
    (folder / "same.pdf").write_bytes(make_pdf([page, page, page]))
    with caplog.at_level(logging.WARNING):
        corpus = read_corpus(folder)
    assert skipped_names(corpus) == {"empty.html": "an empty file", "comment.html": "not an HTML page"}
    assert any("deepen the harbour" in p.text for p in corpus.passages if p.document == "same.pdf")
    assert "lxml" not in caplog.text


def test_control_characters_from_files_are_printed_escaped(tmp_path, monkeypatch):
    record = logging.LogRecord("qa", logging.WARNING, "", 0, "skipping %s: x", ("\x1b[2Jbuild succeeded\n.txt",), None)
    line = PrintableLog("%(levelname)s: %(message)s").format(record)
    assert "\x1b" not in line and "\\x1b[2J" in line and "\n" not in line
    assert printable("caf\udce9 \u202eevil") == "caf\\xe9 \\u202eevil"
    monkeypatch.chdir(tmp_path)
    folder = corpus_with_good_speech(tmp_path / "corpus")
    (folder / "\x1b[2Jok.txt").write_text("\x1b[31mRed alert\n\nWe will light the park.\n", encoding="utf-8")
    (folder / "README.md").write_text("x", encoding="utf-8")
    r = CliRunner().invoke(cli, ["build"], env={"QA_MODEL": FAKE})
    assert r.exit_code == 0, r.output
    assert "not indexed (notes and .qaignore): README.md" in r.output
    r = CliRunner().invoke(cli, ["ask", "light the park"], env={"QA_MODEL": FAKE})
    assert "\x1b" not in r.output and "\\x1b[2Jok.txt" in r.output and "\\x1b[31mRed alert" in r.output


def test_a_read_only_index_folder_gives_one_line_and_keeps_the_served_index(tmp_path, monkeypatch):
    from qa import store

    monkeypatch.chdir(tmp_path)
    corpus_with_good_speech(tmp_path / "corpus")
    assert CliRunner().invoke(cli, ["build"], env={"QA_MODEL": FAKE}).exit_code == 0
    served = os.readlink(tmp_path / "index" / "current")

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(store, "publish", read_only)
    r = CliRunner().invoke(cli, ["build", "--force"], env={"QA_MODEL": FAKE})
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert "cannot write the index in index: Read-only file system" in r.output and len(r.output.splitlines()) <= 4
    assert os.readlink(tmp_path / "index" / "current") == served


def test_new_limits_fail_fast_on_bad_values():
    r = CliRunner().invoke(cli, ["build"], env={"QA_MODEL": FAKE, "QA_MAX_FILE_MB": "-1"})
    assert r.exit_code == 1 and "QA_MAX_FILE_MB" in r.output


def test_a_pdf_whose_streams_inflate_past_the_limit_is_refused(tmp_path):
    from pypdf import PdfReader, PdfWriter

    folder = corpus_with_good_speech(tmp_path / "corpus")
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf([["We will pave the road. " * 4] * 40] * 20))))
    for page in writer.pages:
        page.compress_content_streams()
    packed = io.BytesIO()
    writer.write(packed)
    (folder / "packed.pdf").write_bytes(packed.getvalue())
    limit = 3 * len(packed.getvalue()) // 2  # the file fits; what it inflates to does not
    corpus = read_corpus(folder, max_file_bytes=limit)
    assert "limit" in skipped_names(corpus)["packed.pdf"] and "QA_MAX_FILE_MB" in skipped_names(corpus)["packed.pdf"]
    assert "packed.pdf" in [d.file for d in read_corpus(folder).documents]
