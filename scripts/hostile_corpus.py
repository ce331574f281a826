"""Measures what hostile corpus files cost (issue 20's bar): peak memory and time, before and after.

    # the three bombs read by the code under --code (a checkout of qa/), each in a fresh process
    python scripts/hostile_corpus.py bombs --code /tmp/before --cases docx,yaml,html --json before.json
    python scripts/hostile_corpus.py bombs --code . --json after.json
    # the bar: a corpus of good speeches beside every hostile kind, built, served and checked
    python scripts/hostile_corpus.py bar

Each case runs `read_corpus` (bombs) or `qa build` (bar) in a child process; its peak resident memory is the
child's own (`wait4` rusage), its time the wall clock. A case past --memory-gb or --timeout is stopped and
reported as such. Run as root, the bar drops root's read override (setpriv) so an unreadable file is unreadable.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
MB = 1 << 20
GOOD_SPEECHES = {
    "harbour.txt": "Remarks on the harbour\n\nWe will deepen the harbour so that larger ships can call here.\n\n"
    "The work starts in March and ends before the autumn storms.\n",
    "library.md": "# The new library\n\nWe will open the new library on the square in the spring.\n\n"
    "It will stay open until ten at night, every day of the week.\n",
    "schools.txt": "Schools\n\nWe will build two new primary schools in the east of the city.\n\n"
    "Each will have a garden that the children look after.\n",
}
CATALOGUE_SPEAKERS = {"harbour.txt": "Ann Lee", "library.md": "Bo Chen", "schools.txt": "Cy Diaz"}
SECRET = "the launch codes are 0000 outside-the-corpus-secret"
DROP_READ_OVERRIDE = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]
READ_ONLY = (
    "import sys, qa; from qa.reader import read_corpus; "
    "c = read_corpus(sys.argv[1]); print(qa.__file__, len(c.documents))"
)
NAMED = ("secret.txt", "passwd.md", "locked.txt", "harbour.meta.json", "metadata.csv", "bomb.docx", "bomb.md")
ESCAPE_NAME = "\x1b[2J\x1b[Hbuild succeeded.txt"  # clears the screen and prints "build succeeded" if obeyed
OUTPUT_KEPT = 20_000  # characters of a measured process's output kept in the report
IDLE_WAIT = 60.0  # seconds the bar allows for an idle connection to be closed


def docx_bomb(path: Path, inflated: int) -> None:
    """A .docx whose document.xml inflates to `inflated` bytes of paragraphs (a few MB on disk per GB)."""
    import docx

    template = path.with_name("template.docx.tmp")
    docx.Document().save(template)
    paragraph = b"<w:p><w:r><w:t>" + b"lol " * 250 + b"</w:t></w:r></w:p>"
    head = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
    )
    tail = b"</w:body></w:document>"
    with zipfile.ZipFile(template) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            if item.filename != "word/document.xml":
                out.writestr(item, src.read(item.filename))
        with out.open("word/document.xml", "w", force_zip64=True) as member:
            member.write(head)
            block = paragraph * (MB // len(paragraph))
            for _ in range(max(1, (inflated - len(head) - len(tail)) // len(block))):
                member.write(block)
            member.write(tail)
    template.unlink()


def yaml_bomb(levels: int = 9) -> str:
    """Front matter whose `date:` is a billion-laughs alias tree, nine of nine (about 600 bytes)."""
    lines = ["a0: &a0 [" + ",".join(['"lol"'] * 9) + "]"]
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels)]
    return "---\ntitle: Budget\n" + "\n".join(lines) + f"\ndate: *a{levels - 1}\n---\n\nWe will cut the fares.\n"


def html_page(size: int) -> bytes:
    """A page of just under `size` bytes of distinct paragraphs (distinct: no extractor can fold them together)."""
    head, tail = "<html><head><title>Remarks</title></head><body><article>", "</article></body></html>"
    rows, n, total = [], 0, len(head) + len(tail)
    while True:
        row = (
            f"<p>Paragraph {n}: we will build {n} new homes for working families and plant trees on every street.</p>\n"
        )
        if total + len(row) >= size:
            return (head + "".join(rows) + tail).encode()
        rows.append(row)
        total += len(row)
        n += 1


def run_measured(command: list[str], env: dict, memory_gb: float, timeout: float) -> dict:
    """Runs `command`; its peak resident memory (MB), wall seconds and exit, or how it was stopped."""
    limit = int(memory_gb * (1 << 30))

    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    start = time.perf_counter()
    # Run from the file system root: `python -c` puts its working folder first on sys.path, ahead of PYTHONPATH.
    child = subprocess.Popen(command, env=env, cwd="/", stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=cap)
    try:
        out, err = child.communicate(timeout=timeout)
        stopped = None
    except subprocess.TimeoutExpired:
        child.kill()
        out, err = child.communicate()
        stopped = f"stopped after {timeout:.0f} s"
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # this process's one child
    text = err.decode(errors="replace")
    if stopped is None and ("MemoryError" in text or child.returncode < 0):
        stopped = f"ran out of its {memory_gb:g} GB address space" if "MemoryError" in text else "killed"
    return {
        "seconds": round(seconds, 1),
        "peak_mb": round(peak),
        "exit": child.returncode,
        "stopped": stopped,
        "stdout": out.decode(errors="replace")[-OUTPUT_KEPT:],
        "stderr": text[-OUTPUT_KEPT:],
    }


def peak_of_child(command: list[str], env: dict, memory_gb: float, timeout: float) -> dict:
    """`run_measured` in its own process, so RUSAGE_CHILDREN is this one child's peak and nobody else's."""
    probe = [PYTHON, __file__, "_one", json.dumps([command, memory_gb, timeout])]
    done = subprocess.run(probe, env=env, capture_output=True, text=True)
    return json.loads(done.stdout)


def bombs(args) -> dict:
    code = str(Path(args.code).resolve())
    env = {**os.environ, "PYTHONPATH": code}
    results = {}
    work = Path(tempfile.mkdtemp(prefix="bombs-"))
    try:
        for case in args.cases.split(","):
            folder = work / case
            folder.mkdir()
            (folder / "good.txt").write_text(GOOD_SPEECHES["harbour.txt"], encoding="utf-8")
            if case == "docx":
                docx_bomb(folder / "bomb.docx", int(args.docx_gb * (1 << 30)))
            elif case == "yaml":
                (folder / "bomb.md").write_text(yaml_bomb(), encoding="utf-8")
            elif case == "html":
                (folder / "page.html").write_bytes(html_page(int(args.html_mb * MB)))
            elif case == "clean":
                pass
            on_disk = sum(p.stat().st_size for p in folder.iterdir())
            command = [PYTHON, "-c", READ_ONLY, str(folder)]
            result = peak_of_child(command, env, args.memory_gb, args.timeout)
            results[case] = {"corpus_bytes": on_disk, **result}
            print(f"{case}: {json.dumps(results[case])}", file=sys.stderr, flush=True)
            shutil.rmtree(folder)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return results


def cli_build(corpus: Path, index: Path, env: dict, extra: list[str] = (), drop_override: bool = True) -> list[str]:
    command = [PYTHON, "-m", "qa", "build", "--corpus", str(corpus), "--index", str(index), *extra]
    return (DROP_READ_OVERRIDE if drop_override and os.geteuid() == 0 else []) + command


def bar(args) -> dict:
    """Issue 20's bar, on this tree with the real model."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env = {k: v for k, v in env.items() if not k.startswith("QA_")}
    work = Path(tempfile.mkdtemp(prefix="bar-"))
    report: dict = {}
    try:
        clean, hostile = work / "clean", work / "hostile"
        for folder in (clean, hostile):
            folder.mkdir()
            for name, text in GOOD_SPEECHES.items():
                (folder / name).write_text(text, encoding="utf-8")
            for name in os.listdir(REPO / "corpus"):
                shutil.copy(REPO / "corpus" / name, folder / name)
        (work / "outside.txt").write_text(SECRET + "\n", encoding="utf-8")
        (hostile / "secret.txt").symlink_to(work / "outside.txt")
        (hostile / "passwd.md").symlink_to("/etc/passwd")
        with open(os.path.join(os.fsencode(hostile), b"caf\xe9.txt"), "wb") as fh:
            fh.write(b"The caf\xc3\xa9 on the square will stay open all winter.\n")
        (hostile / "locked.txt").write_text("We will never be read.\n", encoding="utf-8")
        (hostile / "locked.txt").chmod(0)
        (hostile / "harbour.meta.json").write_text('{"x": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
        rows = ["file,speaker,title"] + [f"{n},{s}," for n, s in CATALOGUE_SPEAKERS.items()]
        rows.insert(2, f'noise.txt,Nobody,"{"x" * 200_000}"')
        for folder in (clean, hostile):
            (folder / "metadata.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
        (hostile / ESCAPE_NAME).write_text("We will fix the street lights.\n", encoding="utf-8")
        docx_bomb(hostile / "bomb.docx", int(args.bar_docx_gb * (1 << 30)))
        (hostile / "bomb.md").write_text(yaml_bomb(), encoding="utf-8")

        runs = {}
        for name, folder in (("clean", clean), ("hostile", hostile)):
            runs[name] = peak_of_child(
                cli_build(folder, work / f"index-{name}", env), env, args.memory_gb, args.timeout
            )
        out = runs["hostile"]
        printed = out["stdout"] + out["stderr"]
        stored = (work / "index-hostile" / "current" / "passages.jsonl").read_text(encoding="utf-8")
        passages = [json.loads(line) for line in stored.splitlines() if line.strip()]
        texts = " ".join(p["text"] for p in passages)
        passwd_lines = [line for line in Path("/etc/passwd").read_text().splitlines() if line.strip()]
        speakers = {p["document"]: p["speaker"] for p in passages if p["document"] in CATALOGUE_SPEAKERS}
        report["build"] = {
            "exit": out["exit"],
            "names": {n: n in printed for n in NAMED},
            "odd_names_indexed": sorted({p["document"] for p in passages} & {"caf\\xe9.txt", ESCAPE_NAME}),
            "raw_escape_printed": "\x1b" in printed,
            "outside_text_indexed": SECRET in texts or any(line in texts for line in passwd_lines),
            "good_documents_kept": sorted({p["document"] for p in passages} & set(GOOD_SPEECHES)),
            "catalogue_speakers": speakers,
            "output": printed[-3000:],
        }
        report["cost"] = {
            "clean": {k: runs["clean"][k] for k in ("seconds", "peak_mb", "exit")},
            "hostile": {k: out[k] for k in ("seconds", "peak_mb", "exit")},
            "over_clean_mb": out["peak_mb"] - runs["clean"]["peak_mb"],
            "over_clean_seconds": round(out["seconds"] - runs["clean"]["seconds"], 1),
        }
        print(json.dumps(report, indent=2, ensure_ascii=False), file=sys.stderr, flush=True)
        for key, check in (("served", serve_checks), ("read_only", read_only_check)):
            try:
                report[key] = check(hostile, work / "index-hostile", env)
            except Exception as exc:  # one failed check is reported; the figures measured so far are kept
                report[key] = {"error": f"{type(exc).__name__}: {exc}"}
    finally:
        for path in work.rglob("*"):
            if not path.is_symlink():
                path.chmod(stat.S_IRWXU)
        shutil.rmtree(work, ignore_errors=True)
    return report


def serve_checks(corpus: Path, index: Path, env: dict) -> dict:
    """Searches the served index for the outside text; times how long an idle connection stays open."""
    import urllib.parse

    command = [PYTHON, "-m", "qa", "serve", "--index", str(index), "--port", "0"]
    server = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    try:
        line = ""
        while "serving" not in line:
            line = server.stderr.readline()
            if not line and server.poll() is not None:
                return {"error": "qa serve did not start"}
        port = int(re.search(r":(\d+)\s*$", line).group(1))
        found = []
        for q in ("root nologin daemon", "launch codes outside-the-corpus-secret"):
            url = f"http://127.0.0.1:{port}/api/search?q={urllib.parse.quote(q)}"
            hits = json.load(answer(url))["results"]
            found += [h["text"] for h in hits if "nologin" in h["text"] or "outside-the-corpus" in h["text"]]
        conn = socket.create_connection(("127.0.0.1", port))
        conn.settimeout(IDLE_WAIT + 5)
        start = time.perf_counter()
        try:
            closed = conn.recv(1) == b""
        except (TimeoutError, ConnectionResetError) as exc:
            closed = isinstance(exc, ConnectionResetError)
        idle = time.perf_counter() - start
        conn.close()
        return {"outside_text_served": found, "idle_connection_closed": closed, "idle_seconds": round(idle, 1)}
    finally:
        server.terminate()
        server.wait()


def answer(url: str, wait: float = 120.0):
    """The response to GET `url`, asking again until the server listens (it prints its address first)."""
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + wait
    while True:
        try:
            return urllib.request.urlopen(url)
        except urllib.error.URLError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def read_only_check(corpus: Path, index: Path, env: dict) -> dict:
    served = os.readlink(index / "current")
    folders = [index, *[p for p in index.rglob("*") if p.is_dir() and not p.is_symlink()]]
    for folder in folders:
        folder.chmod(0o555)
    try:
        done = subprocess.run(cli_build(corpus, index, env, ["--force"]), env=env, capture_output=True, text=True)
    finally:
        for folder in folders:
            folder.chmod(0o755)
    lines = [line for line in done.stderr.splitlines() if not line.startswith(("WARNING", "loading model"))]
    return {
        "exit": done.returncode,
        "error_lines": lines,
        "traceback": "Traceback" in done.stderr,
        "served_index_unchanged": os.readlink(index / "current") == served,
    }


def main() -> None:
    if sys.argv[1:2] == ["_one"]:
        command, memory_gb, timeout = json.loads(sys.argv[2])
        print(json.dumps(run_measured(command, dict(os.environ), memory_gb, timeout)))
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="what", required=True)
    b = sub.add_parser("bombs")
    b.add_argument("--code", default=str(REPO), help="folder holding the qa/ package to measure")
    b.add_argument("--cases", default="clean,docx,yaml,html")
    b.add_argument("--docx-gb", type=float, default=3.0)
    b.add_argument("--html-mb", type=float, default=50.0)
    b.add_argument("--json", help="write the results here too")
    for p in (b, sub.add_parser("bar")):
        p.add_argument("--memory-gb", type=float, default=9.0, help="address-space cap of each measured process")
        p.add_argument("--timeout", type=float, default=900.0, help="seconds before a measured process is stopped")
    sub.choices["bar"].add_argument("--bar-docx-gb", type=float, default=1.0)
    args = parser.parse_args()
    result = bombs(args) if args.what == "bombs" else bar(args)
    text = json.dumps(result, indent=2, ensure_ascii=False)
    print(text)
    if getattr(args, "json", None):
        Path(args.json).write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
