"""How well the citation judge tells a passage's own sentence from the same sentence with a figure changed.

    python -m bench.judge [--archive DIR] [--pairs 40] [--model default|small|PATH] [--seed 7] [--json FILE]

Sentences are drawn (seeded) from the archive's passages (the bundled sample archive, built in
a temporary folder unless ``--archive`` names one): sentences of 8 to 40 words that state a
figure other than a year. Each is judged against its own passage twice, as written (the judge
should say it is supported) and with its first such figure changed (it should not), in two
premise layouts:

- ``heading first``: the passage under its heading (title, outlet, day), as ``newsrag eval``
  gives every passage to its citation judge (`rag.support.LLMSupport`);
- ``heading last``: the same text with the heading on a line after it.

Reported per layout: the share of true sentences judged supported, of changed ones judged
unsupported, and both together. The judge is the model named (the answering model by default).
Not measured: sentences a passage supports only by inference, or across languages.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import tempfile
from pathlib import Path

from bench.ask import build_sample

_FIGURE = re.compile(r"(?<![\d.,])(\d+)(?![\d])")


def changed(sentence: str) -> str | None:
    """``sentence`` with its first figure that is not a year raised by 7 (or lowered when that
    would make it a year), or None when it has none."""
    for m in _FIGURE.finditer(sentence):
        value = int(m.group(1))
        if 1900 <= value <= 2100:
            continue
        new = value + 7 if not 1900 <= value + 7 <= 2100 else value - 7
        return sentence[:m.start()] + str(new) + sentence[m.end():]
    return None


def draw(archive, pairs: int, seed: int) -> list[dict]:
    """``pairs`` (passage heading, passage text, sentence, changed sentence), one per passage at most."""
    from index.language import split_sentences

    items = []
    for chunks, _ in archive.store.chunks():
        for chunk in chunks:
            for sentence in split_sentences(chunk.text):
                words = sentence.split()
                other = changed(sentence)
                if 8 <= len(words) <= 40 and other is not None:
                    items.append({"id": chunk.id, "heading": chunk.source.heading, "text": chunk.text,
                                  "sentence": sentence, "changed": other})
    random.Random(seed).shuffle(items)
    seen, out = set(), []
    for item in items:
        if item["id"] not in seen:
            seen.add(item["id"])
            out.append(item)
        if len(out) == pairs:
            break
    return out


LAYOUTS = {
    "heading first": lambda item: f"{item['heading']}\n{item['text']}",
    "heading last": lambda item: f"{item['text']}\n{item['heading']}",
}


def run(archive_path: Path, pairs: int, model: str, seed: int) -> dict:
    from rag import Archive, LlamaCppLLM, models
    from rag.support import LLMSupport

    archive = Archive.open(archive_path, create=False)
    items = draw(archive, pairs, seed)
    judge = LLMSupport(LlamaCppLLM(models.resolve(model, models.default_models_dir())))
    rows = {name: {"true accepted": 0, "changed rejected": 0} for name in LAYOUTS}
    for item in items:
        for name, layout in LAYOUTS.items():  # both layouts judge each pair in turn
            premise = layout(item)
            rows[name]["true accepted"] += judge.entails(premise, item["sentence"])
            rows[name]["changed rejected"] += not judge.entails(premise, item["changed"])
    n = len(items)
    return {"pairs": n, "model": model, "seed": seed, "layouts": {
        name: {**counts, "true accepted share": round(counts["true accepted"] / n, 3) if n else None,
               "changed rejected share": round(counts["changed rejected"] / n, 3) if n else None,
               "accuracy": round((counts["true accepted"] + counts["changed rejected"]) / (2 * n), 3) if n else None}
        for name, counts in rows.items()}}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.judge", description=__doc__.splitlines()[0])
    parser.add_argument("--archive", type=Path, help="archive folder (default: the sample archive, built in a temporary folder)")
    parser.add_argument("--pairs", type=int, default=40)
    parser.add_argument("--model", default="default", help="judge model: default, small or a .gguf path")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, help="also write the report here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        report = run(args.archive or build_sample(Path(tmp) / "archive"), args.pairs, args.model, args.seed)
    print(f"{report['pairs']} sentences, judge {report['model']}")
    print("| layout | true sentences accepted | changed ones rejected | accuracy |")
    print("|---|---|---|---|")
    for name, row in report["layouts"].items():
        print(f"| {name} | {row['true accepted']}/{report['pairs']} | {row['changed rejected']}/{report['pairs']} | {row['accuracy']} |")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
