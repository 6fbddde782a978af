"""The train stage reads pretrain's vectors only when the variants start from them."""

from birnn.config import parse_params
from birnn.layout import Layout
from birnn.stages.train import starting_vectors_dir


def test_auto_without_unlabeled_text_needs_no_pretrain_output(tmp_path):
    layout = Layout(tmp_path)
    auto = parse_params({"model": {"pretrained": "auto"}})
    assert starting_vectors_dir(auto, layout) is None
    cumsum = parse_params({"data": {"source": "cumsum"}, "model": {"pretrained": "auto"}})
    assert starting_vectors_dir(cumsum, layout) is None


def test_vectors_are_read_when_there_is_unlabeled_text_or_they_are_asked_for(tmp_path):
    layout = Layout(tmp_path)
    unlabeled = parse_params(
        {"data": {"source": "csv", "path": "x.csv", "unlabeled_path": "u.csv.gz"}}
    )
    assert starting_vectors_dir(unlabeled, layout) == layout.pretrained_dir
    imdb = parse_params({"data": {"source": "imdb"}})
    assert starting_vectors_dir(imdb, layout) == layout.pretrained_dir
    asked = parse_params({"model": {"pretrained": "word2vec"}})
    assert starting_vectors_dir(asked, layout) == layout.pretrained_dir
