"""Raw text -> label and probability, from a saved variant folder (models/<variant>/): the
probability of the positive class (binary), or the answered class's with every class's beside
it (multiclass).

The folder carries everything prediction needs: the Keras model, the vocabulary and the
cleaning params, so the same normalisation and tokenization as training are applied.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from birnn.config import CleanParams
from birnn.modeling.model_folder import (
    MODEL_FILE,
    RETRAIN,
    VARIANT_FILE,
    ModelFolderError,
    label_names,
    load_keras_model,
    load_variant_info,
)
from birnn.tasks import task_of
from birnn.tasks.classes import class_names, predicted_labels
from birnn.tasks.processed import VOCAB_FILE, load_vocab
from birnn.tasks.text.clean import normalize_text
from birnn.tasks.text.split import TRUNCATIONS, encode
from birnn.tasks.text.tokenize import tokenize_texts


@dataclass(frozen=True)
class Prediction:
    text: str
    label: int
    probability: float  # of the positive class (binary), of the answered class (multiclass)
    label_name: str = ""  # the label in the words of the training data ("negative", ...)
    probabilities: dict[str, float] | None = None  # multiclass: every class's, by name


class Predictor:
    def __init__(
        self,
        model,
        vocab: dict,
        clean_params: CleanParams,
        threshold: float = 0.5,
        label_names: Sequence[str] = ("0", "1"),
    ):
        self.model, self.vocab, self.clean_params, self.threshold = (
            model,
            vocab,
            clean_params,
            threshold,
        )
        names = class_names(vocab)  # multiclass: the split's names, the ones it answers in
        self.multiclass = names is not None
        self.label_names = names or list(label_names)

    @classmethod
    def from_dir(cls, model_dir: str | Path) -> "Predictor":
        model_dir = Path(model_dir)
        for name in (MODEL_FILE, VOCAB_FILE, VARIANT_FILE):
            if not (model_dir / name).is_file():
                raise ModelFolderError(
                    f"{model_dir}: missing {name}; expected a folder written by the train stage "
                    "(e.g. models/lstm-concat); run `dvc repro` or pass --model"
                )
        try:
            info = load_variant_info(model_dir)
            clean_params = CleanParams(**info.get("clean", {}))
            vocab = load_vocab(model_dir / VOCAB_FILE)
            words, max_len = vocab["words"], int(vocab["max_len"])
            if not (
                isinstance(words, list)
                and max_len > 0
                and vocab.get("truncating", "pre") in TRUNCATIONS
                and int(vocab.get("head_tokens", 0)) >= 0
            ):
                raise ValueError("vocab.json: unexpected layout")
            vocab.setdefault("truncating", "pre")
            vocab.setdefault("head_tokens", 0)
        except (ValueError, KeyError, TypeError, AttributeError) as err:
            raise ModelFolderError(
                f"{model_dir}: variant.json/vocab.json not readable ({err}); {RETRAIN}"
            ) from None
        if not task_of(vocab).serves_text:
            raise ModelFolderError(
                f"{model_dir}: a cumsum model (number sequences in, one label per timestep out), "
                "not a text classifier; `birnn predict` labels text: train on a text source "
                "(data.source: builtin, csv, ...) or pass --model with a text variant"
            )
        return cls(
            load_keras_model(model_dir / MODEL_FILE),
            vocab,
            clean_params,
            label_names=label_names(info),
        )

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        # object, not "string": Arrow would refuse a lone surrogate before cleaning replaces it
        series = pd.Series([_as_str(t) for t in texts], dtype=object)
        tokens = tokenize_texts(normalize_text(series, self.clean_params))
        return encode(
            tokens,
            self.vocab["words"],
            self.vocab["max_len"],
            # models saved before head+tail truncation existed record neither
            self.vocab.get("truncating", "pre"),
            int(self.vocab.get("head_tokens", 0)),
        )

    def probabilities(self, texts: Sequence[str], batch_size: int = 512) -> np.ndarray:
        """Per text the probability of the positive class, or (multiclass) a row of every
        class's probability."""
        width = (len(self.label_names),) if self.multiclass else ()
        if len(texts) == 0:
            return np.zeros((0, *width), dtype=np.float32)
        prob = self.model.predict(self.encode(texts), batch_size=batch_size, verbose=0)
        return prob.reshape(len(texts), *width)

    def predict(self, texts: Iterable[str]) -> list[Prediction]:
        texts = list(texts)
        probs = self.probabilities(texts)
        if not self.multiclass:
            labels = (probs >= self.threshold).astype(int)
            return [
                Prediction(t, int(y), float(p), self.label_names[y])
                for t, y, p in zip(texts, labels, probs)
            ]
        labels = predicted_labels(probs, multiclass=True)
        return [
            Prediction(
                t,
                int(y),
                float(row[y]),
                self.label_names[y],
                {name: float(p) for name, p in zip(self.label_names, row)},
            )
            for t, y, row in zip(texts, labels, probs)
        ]


def _as_str(value) -> str:
    """Prediction input as text: None/NaN/NA -> "", bytes decoded as UTF-8, anything else str()."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", errors="replace")
    return value if isinstance(value, str) else str(value)
