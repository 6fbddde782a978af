"""pretrain: word vectors every variant starts from, from the training texts (+ unlabeled)."""

from __future__ import annotations

from birnn.config import Params
from birnn.data.sources import has_unlabeled, read_unlabeled
from birnn.layout import Layout
from birnn.modeling import pretrain
from birnn.stages import done


def run(params: Params, layout: Layout) -> dict:
    unlabeled = None
    given = has_unlabeled(params.data)
    if pretrain.chosen_method(params.model.pretrained, given) != "none" and given:
        texts = read_unlabeled(layout.raw_dir, params.data)
        unlabeled = pretrain.unlabeled_tokens(texts, params.clean)
    summary = pretrain.pretrain(
        layout.processed_dir,
        params.model,
        params.pretrain,
        params.seed,
        layout.pretrained_dir,
        unlabeled,
    )
    return done("pretrain", summary)
