"""Stage: learn from unlabeled text before any variant trains. Every variant then starts from
the same pretrained word vectors, so the cell and merge-mode comparison stays fair.

Self-supervised on the training split's texts (data/processed/train.npz, never val or test)
plus the unlabeled texts, when there are any (the imdb source's unlabeled reviews,
``data.unlabeled_path``), cleaned and tokenised like the labelled ones and encoded with the
training vocabulary. An unlabeled text that is a copy of a validation or test text is dropped
first; what the stage knows of those splits is one digest per text (heldout_digests.npy),
never the texts. ``model.pretrained: word2vec`` trains skip-gram word2vec (gensim) on them;
``auto`` does so when there are unlabeled texts; ``none`` (and ``auto`` without unlabeled
texts) writes a record that says so and every variant starts from random vectors.

``pretrain.workers: 1`` gives bit-identical vectors run to run; more threads see the texts in
an order that varies, so the vectors (and every variant's scores after them) vary a little.

Writes models/pretrained/: embeddings.npy (vocabulary x model.embedding_dim, row i = id i)
and pretrain.json (what was learned from, coverage, seconds).
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from birnn.config import CleanParams, ModelParams, PretrainParams
from birnn.files import atomic_dir, read_json, write_json
from birnn.tasks.processed import VOCAB_FILE, load_split, load_vocab
from birnn.tasks.text.overlap import heldout_copies, load_heldout

EMBEDDINGS_FILE = "embeddings.npy"
INFO_FILE = "pretrain.json"
# Keras' default Embedding initialiser draws from [-0.05, 0.05]: words word2vec never saw start
# there. The learned vectors are scaled to a standard deviation of 0.3: scaled down to 0.05 the
# first epochs' updates wiped them out and IMDB lost 1.1 points (docs/results.md "Unlabeled text")
RANDOM_SCALE = 0.05
LEARNED_SCALE = 0.3


@dataclass(frozen=True)
class PretrainSummary:
    method: str
    texts: int
    tokens: int
    unlabeled_texts: int
    coverage: float  # share of the vocabulary with a learned vector
    dim: int
    seconds: float
    heldout_copies_dropped: int = 0  # unlabeled texts that were copies of a val/test text
    workers: int = 0


def chosen_method(pretrained: str, has_unlabeled: bool) -> str:
    """What model.pretrained means for this data: auto learns vectors only from unlabeled
    text (on the training texts alone they did not help: docs/results.md)."""
    if pretrained == "auto":
        return "word2vec" if has_unlabeled else "none"
    return pretrained


def worker_count(workers: int | str) -> int:
    if workers != "auto":
        return int(workers)
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity else os.cpu_count() or 1


def pretrain(
    processed_dir: str | Path,
    model_params: ModelParams,
    params: PretrainParams,
    seed: int,
    out_dir: str | Path,
    unlabeled: Sequence[list[str]] | None = None,
) -> PretrainSummary:
    """Stage: training-split token ids (+ unlabeled token lists) -> models/pretrained/.
    ``unlabeled`` is None when the data has no unlabeled texts at all."""
    processed_dir, out_dir = Path(processed_dir), Path(out_dir)
    vocab = load_vocab(processed_dir / VOCAB_FILE)
    started = time.perf_counter()
    method = chosen_method(model_params.pretrained, unlabeled is not None)
    if method == "none" or vocab.get("task", "text") != "text":
        summary = PretrainSummary("none", 0, 0, 0, 0.0, model_params.embedding_dim, 0.0)
        with atomic_dir(out_dir) as tmp:
            write_json(tmp / INFO_FILE, asdict(summary))
        return summary
    texts = training_texts(processed_dir)
    kept = [tokens for tokens in unlabeled or () if tokens]
    copies = heldout_copies(kept, load_heldout(processed_dir)) if kept else []
    index = {w: str(i + 2) for i, w in enumerate(vocab["words"])}
    extra = [[index.get(t, "1") for t in tokens] for tokens, copy in zip(kept, copies) if not copy]
    workers = worker_count(params.workers)
    matrix, coverage = word2vec_matrix(
        texts + extra, len(vocab["words"]) + 2, model_params, params, seed, workers
    )
    summary = PretrainSummary(
        method="word2vec",
        texts=len(texts),
        tokens=int(sum(map(len, texts + extra))),
        unlabeled_texts=len(extra),
        coverage=round(coverage, 4),
        dim=model_params.embedding_dim,
        seconds=round(time.perf_counter() - started, 2),
        heldout_copies_dropped=int(sum(copies)),
        workers=workers,
    )
    with atomic_dir(out_dir) as tmp:
        with open(tmp / EMBEDDINGS_FILE, "wb") as fh:
            np.save(fh, matrix, allow_pickle=False)
        write_json(tmp / INFO_FILE, asdict(summary))
    return summary


def training_texts(processed_dir: Path) -> list[list[str]]:
    """The training split's texts as lists of id strings, without padding. Only train.npz is
    opened: what the variants are validated and tested on never shapes the vectors."""
    x, _ = load_split(processed_dir, "train")
    return [[str(i) for i in row[row > 0]] for row in x]


def word2vec_matrix(
    texts: list[list[str]],
    rows: int,
    model_params: ModelParams,
    params: PretrainParams,
    seed: int,
    workers: int = 1,
) -> tuple[np.ndarray, float]:
    """Skip-gram (or CBOW) vectors for ids 2.. of the vocabulary; padding stays 0, ids without
    a vector keep a seeded random one. Returns (matrix float32, share of ids with a vector)."""
    from gensim.models import Word2Vec

    dim = model_params.embedding_dim
    model = Word2Vec(
        texts,
        vector_size=dim,
        window=params.window,
        min_count=params.min_count,
        sg=int(params.skip_gram),
        epochs=params.epochs,
        seed=seed,
        # one worker and a fixed hash give the same vectors for the same texts; with more,
        # the threads' share of the texts and so the vectors vary from run to run
        workers=workers,
        hashfxn=_stable_hash,
    )
    matrix = np.random.default_rng(seed).uniform(-RANDOM_SCALE, RANDOM_SCALE, (rows, dim))
    matrix[0] = 0.0
    found = [i for i in range(2, rows) if str(i) in model.wv]
    if found:
        learned = np.stack([model.wv[str(i)] for i in found])
        matrix[found] = learned * (LEARNED_SCALE / max(float(learned.std()), 1e-12))
    return matrix.astype(np.float32), len(found) / max(rows - 2, 1)


def _stable_hash(text: str) -> int:
    # gensim seeds each word's initial vector with hash(word + seed); Python's str hash changes
    # from process to process, a digest does not
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")


def load_pretrained(pretrained_dir: str | Path, vocab_size: int, dim: int) -> np.ndarray | None:
    """The stage's vectors for a model of this vocabulary and width, or None when it learned
    none (model.pretrained: none). A mismatch means the stage ran for other data or params."""
    pretrained_dir = Path(pretrained_dir)
    info_file = pretrained_dir / INFO_FILE
    if not info_file.is_file():
        raise FileNotFoundError(
            f"{info_file} not found: run the pretrain stage first (`birnn pretrain`, or "
            "`dvc repro`)"
        )
    if read_json(info_file)["method"] == "none":
        return None
    matrix = np.load(pretrained_dir / EMBEDDINGS_FILE, allow_pickle=False)
    if matrix.shape != (vocab_size, dim):
        raise ValueError(
            f"{pretrained_dir}: vectors of shape {matrix.shape}, the model needs "
            f"({vocab_size}, {dim}); run the pretrain stage again for this split and "
            "model.embedding_dim"
        )
    return matrix


def unlabeled_tokens(texts: list[str], clean: CleanParams) -> list[list[str]]:
    """Unlabeled texts normalised and tokenised like the labelled ones."""
    import pandas as pd

    from birnn.tasks.text.clean import normalize_text
    from birnn.tasks.text.tokenize import tokenize_texts

    tokens = tokenize_texts(normalize_text(pd.Series(texts, dtype=object), clean))
    return [list(t) for t in tokens]
