"""Stage: learn from unlabeled text before any variant trains. Every variant then starts from
the same pretrained word vectors, so the cell and merge-mode comparison stays fair.

Self-supervised on the training split's texts only (data/processed/train.npz, never val or
test) plus, when given, unlabeled texts (``data.unlabeled_path``), encoded with the training
vocabulary. ``model.pretrained: word2vec`` trains skip-gram word2vec (gensim) on them;
``none`` writes a record that says so and every variant starts from random vectors.

Writes models/pretrained/: embeddings.npy (vocabulary x model.embedding_dim, row i = id i)
and pretrain.json (what was learned from, coverage, seconds).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from birnn.config import CleanParams, ModelParams, PretrainParams
from birnn.files import atomic_dir, read_json, write_json
from birnn.tasks.processed import VOCAB_FILE, load_split, load_vocab

EMBEDDINGS_FILE = "embeddings.npy"
INFO_FILE = "pretrain.json"
# Keras' default Embedding initialiser draws from [-0.05, 0.05]: words word2vec never saw start
# there, and the learned vectors are scaled to the same spread so neither dominates
RANDOM_SCALE = 0.05


@dataclass(frozen=True)
class PretrainSummary:
    method: str
    texts: int
    tokens: int
    unlabeled_texts: int
    coverage: float  # share of the vocabulary with a learned vector
    dim: int
    seconds: float


def pretrain(
    processed_dir: str | Path,
    model_params: ModelParams,
    params: PretrainParams,
    seed: int,
    out_dir: str | Path,
    unlabeled: Iterable[list[str]] = (),
) -> PretrainSummary:
    """Stage: training-split token ids (+ unlabeled token lists) -> models/pretrained/."""
    processed_dir, out_dir = Path(processed_dir), Path(out_dir)
    vocab = load_vocab(processed_dir / VOCAB_FILE)
    started = time.perf_counter()
    if model_params.pretrained == "none" or vocab.get("task", "text") != "text":
        summary = PretrainSummary("none", 0, 0, 0, 0.0, model_params.embedding_dim, 0.0)
        with atomic_dir(out_dir) as tmp:
            write_json(tmp / INFO_FILE, asdict(summary))
        return summary
    words = vocab["words"]
    texts = training_texts(processed_dir)
    index = {w: str(i + 2) for i, w in enumerate(words)}
    extra = [[index.get(t, "1") for t in tokens] for tokens in unlabeled if tokens]
    matrix, coverage = word2vec_matrix(texts + extra, len(words) + 2, model_params, params, seed)
    summary = PretrainSummary(
        method="word2vec",
        texts=len(texts),
        tokens=int(sum(map(len, texts + extra))),
        unlabeled_texts=len(extra),
        coverage=round(coverage, 4),
        dim=model_params.embedding_dim,
        seconds=round(time.perf_counter() - started, 2),
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
    texts: list[list[str]], rows: int, model_params: ModelParams, params: PretrainParams, seed: int
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
        workers=1,  # one worker and a fixed hash: the same texts give the same vectors
        hashfxn=_stable_hash,
    )
    matrix = np.random.default_rng(seed).uniform(-RANDOM_SCALE, RANDOM_SCALE, (rows, dim))
    matrix[0] = 0.0
    found = [i for i in range(2, rows) if str(i) in model.wv]
    if found:
        learned = np.stack([model.wv[str(i)] for i in found])
        matrix[found] = learned * (RANDOM_SCALE / max(float(learned.std()), 1e-12))
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


def unlabeled_tokens(path: str | Path, text_column: str, clean: CleanParams) -> list[list[str]]:
    """Texts of an unlabeled CSV/TSV/parquet file, normalised and tokenised like training."""
    import pandas as pd

    from birnn.data.sources import read_texts
    from birnn.tasks.text.clean import normalize_text
    from birnn.tasks.text.tokenize import tokenize_texts

    texts = read_texts(Path(path), text_column)
    tokens = tokenize_texts(normalize_text(pd.Series(texts, dtype=object), clean))
    return [list(t) for t in tokens]
