"""Length buckets: a few fixed lengths, every row once, nothing cut off, a seeded order."""

import numpy as np
import pytest

pytest.importorskip("keras")
from birnn.modeling.batches import (  # noqa: E402
    BucketedBatches,
    bucket_lengths,
    bucketable,
    text_lengths,
)


def _padded(lengths, max_len):
    x = np.zeros((len(lengths), max_len), dtype="int32")
    for row, n in enumerate(lengths):
        x[row, :n] = np.arange(2, n + 2)
    return x


def test_bucket_lengths_are_few_ascending_and_end_at_max_len():
    assert bucket_lengths(512, 4) == [128, 256, 384, 512]
    assert bucket_lengths(30, 4) == [8, 16, 24, 30]
    assert bucket_lengths(5, 4) == [5]
    assert bucket_lengths(100, 1) == [100]


def test_text_lengths_count_to_the_last_token():
    x = _padded([3, 0, 7], 8)
    x[0, 1] = 1  # an unknown word inside a text still counts
    assert text_lengths(x).tolist() == [3, 0, 7]


def test_every_row_lands_once_in_a_batch_at_least_as_long_as_it():
    rng = np.random.default_rng(0)
    lengths = rng.integers(0, 65, 300)
    x, y = _padded(lengths, 64), np.arange(300) % 2
    batches = BucketedBatches((x, y), batch_size=32, buckets=4, seed=7)
    seen = []
    for i in range(len(batches)):
        bx, by = batches[i]
        assert bx.shape[1] in (16, 32, 48, 64) and len(bx) <= 32
        rows = batches.batches[i][0]
        assert (text_lengths(x[rows]) <= bx.shape[1]).all()
        assert (bx == x[rows, : bx.shape[1]]).all() and (by == y[rows]).all()
        seen.extend(rows.tolist())
    assert sorted(seen) == list(range(300))
    # cutting padding away is what saves time: far fewer steps than 300 x 64
    assert sum(batches.steps_by_length().values()) < 0.7 * 300 * 64


def test_the_order_follows_the_seed_and_validation_is_not_shuffled():
    x, y = _padded(np.arange(1, 101) % 40, 40), np.zeros(100)
    first = [b[0].tolist() for b in BucketedBatches((x, y), 8, 4, seed=1).batches]
    again = [b[0].tolist() for b in BucketedBatches((x, y), 8, 4, seed=1).batches]
    other = [b[0].tolist() for b in BucketedBatches((x, y), 8, 4, seed=2).batches]
    assert first == again and first != other
    plain = [b[0].tolist() for b in BucketedBatches((x, y), 8, 4).batches]
    assert plain == [b[0].tolist() for b in BucketedBatches((x, y), 8, 4).batches]


def test_the_first_two_batches_differ_in_length_whenever_lengths_do():
    """Keras' TensorFlow adapter takes every batch's shape from the first two."""
    x, y = _padded(np.arange(1, 201) % 40, 40), np.zeros(200)
    for seed in (None, 0, 1, 2, 3):
        batches = BucketedBatches((x, y), 8, 4, seed=seed).batches
        assert batches[0][1] != batches[1][1]


def test_training_with_buckets_runs_every_length_on_tensorflow():
    import keras

    from birnn.config import ModelParams
    from birnn.modeling.models import build_model

    model = build_model("gru", "sum", 50, 40, ModelParams(units=3, embedding_dim=4))
    x, y = _padded(np.arange(1, 201) % 40, 40), np.arange(200) % 2
    history = model.fit(BucketedBatches((x, y), 8, 4, seed=0), epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"]).all() and keras.backend.backend()


def test_per_timestep_data_is_not_bucketed():
    assert bucketable((np.ones((4, 5), "int32"), np.ones(4)))
    assert not bucketable((np.ones((4, 5), "float32"), np.ones((4, 5))))
