"""Sentiment of raw text: clean -> tokenize -> split (vocabulary, padding) -> a recurrent
classifier (binary, or K classes: birnn.tasks.classes), scored against TF-IDF + logistic
regression and (binary) probe sentences."""

from __future__ import annotations

from pathlib import Path

from birnn.config import ModelParams, Params, SplitParams


class TextTask:
    name = "text"
    unit = "texts"
    serves_text = True

    def clean(self, raw_dir: Path, params: Params, out_path: Path, report_path: Path):
        from birnn.data import sources
        from birnn.tasks.text import clean

        raw = sources.read_raw(raw_dir, params.data)
        return clean.clean(
            raw,
            params.clean,
            sources.label_map(params.data),
            out_path,
            report_path,
            params.data.max_rows,
            params.seed,
            params.split.test_size,
            params.data.classes,
        )

    def tokenize(self, clean_path: Path, out_path: Path):
        from birnn.tasks.text import tokenize

        return tokenize.tokenize(clean_path, out_path)

    def split(self, tokens_path: Path, params: SplitParams, seed: int, out_dir: Path):
        from birnn.tasks.text import split

        return split.split(tokens_path, params, seed, out_dir)

    def build_model(
        self,
        cell,
        merge_mode,
        direction,
        vocab: dict,
        params: ModelParams,
        learning_rate: float,
        clipnorm: float,
        embedding_matrix=None,
    ):
        from birnn.modeling.models import build_model
        from birnn.tasks.classes import class_names

        names = class_names(vocab)
        return build_model(
            cell,
            merge_mode,
            vocab_size=len(vocab["words"]) + 2,
            max_len=vocab["max_len"],
            params=params,
            direction=direction,
            learning_rate=learning_rate,
            clipnorm=clipnorm,
            embedding_matrix=embedding_matrix,
            word_counts=vocab.get("counts"),
            classes=len(names) if names else None,
        )

    def metrics(self, y_true, prob, classes=None) -> dict:
        from birnn.modeling.scoring import classification_metrics

        return classification_metrics(y_true, prob, classes=classes)

    def extra_scores(self, predict_texts, classes=None) -> dict:
        from birnn.tasks.text.probes import probe_scores, probes_skipped

        return probe_scores(predict_texts) if classes is None else probes_skipped(classes)
