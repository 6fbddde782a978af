"""pretrain: word vectors every variant starts from, from the training texts (+ unlabeled)."""

from __future__ import annotations

from birnn.config import Params
from birnn.layout import Layout
from birnn.modeling import pretrain
from birnn.stages import done


def run(params: Params, layout: Layout) -> dict:
    unlabeled = []
    if params.data.unlabeled_path and params.model.pretrained != "none":
        unlabeled = pretrain.unlabeled_tokens(
            params.data.unlabeled_path, params.data.text_column, params.clean
        )
    summary = pretrain.pretrain(
        layout.processed_dir,
        params.model,
        params.pretrain,
        params.seed,
        layout.pretrained_dir,
        unlabeled,
    )
    return done("pretrain", summary)
