"""What every seed of a variant trains on: the train and validation splits, the vocabulary
and the starting word vectors (from a GloVe file or the pretrain stage)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from birnn.config import ModelParams
from birnn.files import read_json
from birnn.tasks.processed import VOCAB_FILE, load_split, load_vocab


@dataclass(frozen=True)
class TrainingData:
    train: tuple[np.ndarray, np.ndarray]
    val: tuple[np.ndarray, np.ndarray]
    vocab: dict
    embedding_matrix: np.ndarray | None
    coverage: float | None

    @classmethod
    def load(
        cls,
        processed_dir: Path,
        model_params: ModelParams,
        seed: int,
        pretrained_dir: str | Path | None = None,
    ) -> "TrainingData":
        vocab = load_vocab(processed_dir / VOCAB_FILE)
        matrix, coverage = starting_vectors(vocab, model_params, seed, pretrained_dir)
        return cls(
            load_split(processed_dir, "train"),
            load_split(processed_dir, "val"),
            vocab,
            matrix,
            coverage,
        )

    def embedding_digest(self) -> str:
        if self.embedding_matrix is None:
            return "none"
        return hashlib.sha256(np.ascontiguousarray(self.embedding_matrix).tobytes()).hexdigest()


def starting_vectors(
    vocab: dict, model_params: ModelParams, seed: int, pretrained_dir: str | Path | None
) -> tuple[np.ndarray | None, float | None]:
    """The embedding matrix the models start from and its vocabulary coverage (None, None:
    a randomly initialised embedding). A file the user names wins over pretrain."""
    if model_params.embeddings == "glove":
        from birnn.modeling.embeddings import load_glove

        # loaded once per variant: out-of-vocabulary vectors come from the first seed
        return load_glove(
            model_params.embeddings_path, vocab["words"], model_params.embedding_dim, seed
        )
    if model_params.pretrained != "none" and pretrained_dir is not None:
        from birnn.modeling.pretrain import INFO_FILE, load_pretrained

        matrix = load_pretrained(
            pretrained_dir, len(vocab["words"]) + 2, model_params.embedding_dim
        )
        return matrix, read_json(Path(pretrained_dir) / INFO_FILE)["coverage"]
    return None, None
