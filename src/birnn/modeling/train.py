"""Fit one variant: seeded, checkpointed every epoch, early-stopped on validation loss with
the best weights restored, learning rate reduced on plateaus.

The epoch loop is written out (one ``fit`` call per epoch, reseeded per epoch) instead of
Keras callbacks so that a killed run resumes from its last checkpoint and ends with exactly
the result of an uninterrupted run: callbacks keep their counters in memory, which a
SIGKILL loses. A loss that turns NaN or an exception marks the variant failed (with the
reason) instead of failing the pipeline, so the other variants still get compared.

Writes models/<variant>/ (model.keras, vocab.json, variant.json, history.json) atomically
and the per-epoch curve reports/curves/<variant>.csv that `dvc plots` draws.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import shutil
import sys
import time
import traceback
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from birnn.config import CleanParams, ModelParams, TrainParams, parse_variant
from birnn.files import atomic_dir, atomic_path, read_json, sha256_file, write_json
from birnn.layout import Layout
from birnn.modeling.model_folder import (
    HISTORY_FILE,
    LABEL_NAMES,
    MODEL_FILE,
    VARIANT_FILE,
    label_names_of,
    seed_dir,
)
from birnn.tasks import task_of
from birnn.tasks.processed import VOCAB_FILE, load_split, load_vocab

# a child of "birnn": the CLI prints it, and the Prefect flow forwards "birnn" to its run logs
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainSummary:
    variant: str
    status: str  # "ok" | "failed"
    epochs_run: int
    best_epoch: int
    best_val_loss: float | None
    best_val_accuracy: float | None
    seconds: float
    seconds_per_epoch: float
    parameters: int
    backend: str
    resumed_from_epoch: int = 0
    error: str | None = None
    seed: int = 0  # the seed of this model (of the selected one when several were trained)
    seeds_ok: int = 1
    seeds_failed: int = 0
    learned: bool = True  # validation loss left the trivial plateau (train.plateau_margin)
    trivial_val_loss: float | None = None


@dataclass
class _LoopState:
    """Everything the epoch loop needs to resume where it stopped."""

    fingerprint: str
    epoch: int = 0
    history: dict[str, list[float]] = field(default_factory=dict)
    best_val_loss: float = math.inf
    best_epoch: int = 0
    wait: int = 0
    plateau_wait: int = 0
    learning_rate: float = 0.0
    seconds: float = 0.0
    resumed_from_epoch: int = 0
    trivial_val_loss: float = math.log(2)


def seed_everything(seed: int) -> None:
    """Python, NumPy and backend seeds; deterministic kernels where the backend has them."""
    import keras

    keras.utils.set_random_seed(seed)
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf  # only here: the models themselves stay backend-neutral

        tf.config.experimental.enable_op_determinism()


def gpu_available() -> bool:
    import keras

    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        return bool(tf.config.list_physical_devices("GPU"))
    if keras.backend.backend() == "jax":
        import jax

        return any(d.platform == "gpu" for d in jax.devices())
    return False


def _set_precision(mixed: bool) -> None:
    import keras

    policy = "mixed_float16" if mixed and gpu_available() else "float32"
    keras.mixed_precision.set_global_policy(policy)


def class_weights(labels: np.ndarray, mode: str) -> dict[int, float] | None:
    """'balanced' always, 'auto' only when the minority class is under 40% of the rows."""
    if labels.ndim > 1:  # per-timestep targets (cumsum): Keras reads (N, T) as one-hot, never weigh
        return None
    labels = labels[np.isfinite(labels)] if labels.dtype.kind == "f" else labels
    counts = np.bincount(labels.astype(int), minlength=2).astype(float)
    if mode == "none" or counts.min() == 0:
        return None
    if mode == "auto" and counts.min() / counts.sum() >= 0.4:
        return None
    from sklearn.utils.class_weight import compute_class_weight

    classes = np.arange(2)
    weights = compute_class_weight("balanced", classes=classes, y=labels.astype(int))
    return {int(c): float(w) for c, w in zip(classes, weights)}


def train_variant(
    processed_dir: str | Path,
    variant: str,
    model_params: ModelParams,
    train_params: TrainParams,
    clean_params: CleanParams,
    seeds: int | Sequence[int],
    model_dir: str | Path,
    curves_path: str | Path,
    checkpoint_dir: str | Path | None = None,
    pretrained_dir: str | Path | None = None,
) -> TrainSummary:
    """Stage: processed split (+ the pretrain stage's vectors) -> models/<variant>/ +
    reports/curves/<variant>.csv.

    One model per seed. With several seeds, every seed's model lands in
    ``models/<variant>/seeds/seed-<n>/`` and the one with the lowest validation loss (never
    the test score) is also the variant's model at the top of the folder, the one predict and
    MLflow serve. ``clean_params`` travel with the model so prediction normalises text like
    training did. ``checkpoint_dir`` holds per-epoch state and finished seeds; a re-run with
    the same inputs resumes from it.
    """
    seeds = [seeds] if isinstance(seeds, int) else list(seeds)
    cell, merge_mode, direction = parse_variant(variant)
    processed_dir = Path(processed_dir)
    checkpoint_dir = Path(checkpoint_dir or Path(model_dir).parent / ".checkpoints" / variant)
    data = _TrainingData.load(processed_dir, model_params, seeds[0], pretrained_dir)
    _set_precision(train_params.mixed_precision)
    identity = {
        "variant": variant,
        "cell": cell,
        "merge_mode": merge_mode,
        "direction": direction,
        "embedding_coverage": data.coverage,
        "model": model_params.model_dump(),
        "train": train_params.model_dump(),
        "clean": clean_params.model_dump(),
    }
    trained = {
        seed: _train_seed(
            data,
            identity,
            model_params,
            train_params,
            seed,
            processed_dir,
            _run_dir(checkpoint_dir, seeds, seed),
            variant if len(seeds) == 1 else f"{variant} seed {seed}",
        )
        for seed in seeds
    }
    runs = [run for run, _ in trained.values()]
    selected = min(runs, key=_selection_key)
    info = {
        **selected,
        "selected_seed": selected["seed"],
        "selected_by": "lowest validation loss",
        "seeds_ok": sum(run["status"] == "ok" for run in runs),
        "seeds_failed": sum(run["status"] != "ok" for run in runs),
        LABEL_NAMES: _label_names(processed_dir),
    }
    if len(seeds) > 1:
        info["seeds"] = [{k: run[k] for k in SEED_FIELDS if k in run} for run in runs]
    with atomic_dir(model_dir) as tmp:
        _write_run(
            tmp,
            *trained[selected["seed"]],
            _run_dir(checkpoint_dir, seeds, selected["seed"]) / RESULT,
        )
        if len(seeds) > 1:
            for seed, (run, history) in trained.items():
                _write_run(
                    seed_dir(tmp, seed),
                    run,
                    history,
                    _run_dir(checkpoint_dir, seeds, seed) / RESULT,
                )
        write_json(tmp / VARIANT_FILE, info)
    _write_curves(read_json(Path(model_dir) / HISTORY_FILE), curves_path)
    if info["seeds_failed"] == 0:
        shutil.rmtree(checkpoint_dir, ignore_errors=True)
    return TrainSummary(**{k: info[k] for k in TrainSummary.__dataclass_fields__})


def _label_names(processed_dir: Path) -> list[str] | None:
    """The class names of the data this split came from, so a model answers "negative", not 0:
    the label map clean applied, from its report in the same project (None elsewhere)."""
    root = processed_dir.parent.parent
    report = Layout(root).clean_report_path
    if Layout(root).processed_dir != processed_dir or not report.is_file():
        return None
    return label_names_of(read_json(report).get("label_map") or {})


def _selection_key(run: dict) -> tuple[bool, float]:
    """Finished seeds first, then the lowest validation loss: the test set never picks a model."""
    loss = run["best_val_loss"]
    return run["status"] != "ok", math.inf if loss is None else loss


SEED_FIELDS = (
    "seed",
    "status",
    "error",
    "epochs_run",
    "best_epoch",
    "best_val_loss",
    "best_val_accuracy",
    "seconds",
    "seconds_per_epoch",
    "resumed_from_epoch",
    "learned",
)
RESULT = "result"  # a finished seed's model folder inside its checkpoint folder


@dataclass(frozen=True)
class _TrainingData:
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
    ) -> "_TrainingData":
        vocab = load_vocab(processed_dir / VOCAB_FILE)
        matrix, coverage = None, None
        if model_params.embeddings == "glove":  # a file the user names wins over pretrain
            from birnn.modeling.embeddings import load_glove

            # loaded once per variant: out-of-vocabulary vectors come from the first seed
            matrix, coverage = load_glove(
                model_params.embeddings_path, vocab["words"], model_params.embedding_dim, seed
            )
        elif model_params.pretrained != "none" and pretrained_dir is not None:
            from birnn.modeling.pretrain import INFO_FILE, load_pretrained

            matrix = load_pretrained(
                pretrained_dir, len(vocab["words"]) + 2, model_params.embedding_dim
            )
            coverage = read_json(Path(pretrained_dir) / INFO_FILE)["coverage"]
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


def _run_dir(checkpoint_dir: Path, seeds: list[int], seed: int) -> Path:
    """One seed's checkpoint folder: the variant's own with a single seed (as before seeds)."""
    return checkpoint_dir if len(seeds) == 1 else checkpoint_dir / f"seed-{seed}"


def _train_seed(
    data: _TrainingData,
    identity: dict,
    model_params: ModelParams,
    train_params: TrainParams,
    seed: int,
    processed_dir: Path,
    run_dir: Path,
    name: str,
) -> tuple[dict, dict]:
    """Train one seed; return its info and history. A finished seed is saved as a complete
    model folder in ``run_dir/result`` and not trained again with the same inputs, so a
    multi-seed run killed in its third seed keeps the first two. A failed seed saves nothing
    there: its checkpoint folder may be what failed."""
    import keras

    fingerprint = _fingerprint(
        identity["variant"],
        model_params,
        train_params,
        seed,
        processed_dir,
        data.embedding_digest(),
    )
    result = run_dir / RESULT
    if (result / VARIANT_FILE).is_file():
        done = read_json(result / VARIANT_FILE)
        if done.get("fingerprint") == fingerprint and done.get("status") == "ok":
            return done, read_json(result / HISTORY_FILE)

    def new_model():
        seed_everything(seed)
        return task_of(data.vocab).build_model(
            identity["cell"],
            identity["merge_mode"],
            identity["direction"],
            data.vocab,
            model_params,
            train_params.learning_rate,
            train_params.clipnorm,
            data.embedding_matrix,
        )

    error, model, state = None, None, None
    try:
        model, state = _fit(
            new_model, data.train, data.val, train_params, seed, run_dir, fingerprint, name
        )
        if not all(math.isfinite(v) for v in state.history.get("loss", [math.nan])[-1:]):
            error = f"loss became NaN/inf at epoch {state.epoch}; lower train.learning_rate"
    except Exception as err:  # noqa: BLE001 - one variant failing must not stop the comparison
        error = f"{type(err).__name__}: {err}"
        traceback.print_exc()
    summary = _summary(
        identity["variant"],
        state,
        model,
        error,
        keras.backend.backend(),
        seed,
        train_params.plateau_margin,
    )
    info = {**identity, **asdict(summary), "fingerprint": fingerprint}
    history = state.history if state else {}
    if summary.status == "ok":
        with atomic_dir(result) as tmp:
            model.save(tmp / MODEL_FILE)
            shutil.copyfile(processed_dir / VOCAB_FILE, tmp / VOCAB_FILE)
            write_json(tmp / VARIANT_FILE, info)
            write_json(tmp / HISTORY_FILE, history)
    return info, history


def _write_run(target: Path, info: dict, history: dict, result: Path) -> None:
    """One seed's model folder: copied from its saved result, or (failed) its info and curve."""
    target.mkdir(parents=True, exist_ok=True)
    if info["status"] == "ok":
        for path in result.iterdir():
            shutil.copyfile(path, target / path.name)
    else:
        write_json(target / VARIANT_FILE, info)
        write_json(target / HISTORY_FILE, history)


def _fit(
    new_model,
    train,
    val,
    params: TrainParams,
    seed: int,
    checkpoint_dir: Path,
    fingerprint: str,
    name: str = "model",
):

    model = new_model()
    state = _resume(model, checkpoint_dir, fingerprint)
    if state is None:
        state = _LoopState(fingerprint, learning_rate=params.learning_rate)
    state.resumed_from_epoch = state.epoch
    weights = class_weights(train[1], params.class_weight)
    state.trivial_val_loss = trivial_loss(val[1], weighted=weights is not None)
    best_weights = checkpoint_dir / "best.weights.h5"
    while state.epoch < params.epochs:
        _reseed(model, seed * 10_007 + state.epoch)  # each epoch replays identically after a resume
        model.optimizer.learning_rate.assign(state.learning_rate)
        started = time.perf_counter()
        fit = model.fit(
            *train,
            validation_data=val,
            epochs=1,
            batch_size=params.batch_size,
            shuffle=True,
            class_weight=weights,
            verbose=_fit_verbosity(),
        )
        seconds = time.perf_counter() - started
        state.seconds += seconds
        state.epoch += 1
        for key, values in fit.history.items():
            state.history.setdefault(key, []).append(float(values[-1]))
        state.history.setdefault("learning_rate", []).append(float(state.learning_rate))
        log.info(epoch_line(name, state, params.epochs, seconds))
        val_loss = state.history["val_loss"][-1]
        if not (math.isfinite(val_loss) and math.isfinite(state.history["loss"][-1])):
            break
        if val_loss < state.best_val_loss - params.min_delta:
            state.best_val_loss, state.best_epoch, state.wait, state.plateau_wait = (
                val_loss,
                state.epoch,
                0,
                0,
            )
            _save_weights(model, best_weights)
        elif left_plateau(state.best_val_loss, state.trivial_val_loss, params.plateau_margin):
            # patience and learning-rate decay count only once the model has found the signal:
            # stopping (or slowing) on the initial plateau would end a variant before it learned
            state.wait += 1
            state.plateau_wait += 1
            if params.lr_patience and state.plateau_wait >= params.lr_patience:
                state.learning_rate = max(
                    params.min_learning_rate, state.learning_rate * params.lr_factor
                )
                state.plateau_wait = 0
        _checkpoint(model, state, checkpoint_dir)
        if state.wait and state.wait >= params.patience:
            break
    if best_weights.is_file():
        model.load_weights(best_weights)
    return model, state


def _fit_verbosity() -> int:
    """Keras' per-batch progress bar on a terminal; nothing where output is a log (CI, DVC
    piping, Prefect), which gets the one line per epoch of :func:`epoch_line` instead."""
    if os.environ.get("BIRNN_VERBOSE_FIT"):
        return 2
    return int(sys.stdout.isatty() and not os.environ.get("CI"))


def epoch_line(name: str, state: _LoopState, total: int, seconds: float) -> str:
    """One finished epoch as a log line; the ETA assumes every remaining epoch runs (early
    stopping can only make it shorter)."""
    last = {k: v[-1] for k, v in state.history.items() if v}
    eta = max(0, total - state.epoch) * state.seconds / max(state.epoch, 1)
    scores = " ".join(
        f"{key} {last[key]:.4f}" for key in ("loss", "val_loss", "val_accuracy") if key in last
    )
    return f"train {name}: epoch {state.epoch}/{total} {scores} {seconds:.1f}s ETA {eta:.0f}s"


def trivial_loss(labels: np.ndarray, weighted: bool = False) -> float:
    """The validation loss of a model that learned nothing: it predicts the class prior (or,
    trained with balanced class weights, 0.5 for every row: log 2)."""
    if weighted:
        return math.log(2)
    p = float(np.clip(np.mean(labels), 1e-7, 1 - 1e-7))
    return -(p * math.log(p) + (1 - p) * math.log(1 - p))


def left_plateau(best_val_loss: float, trivial: float, margin: float | None) -> bool:
    return margin is None or best_val_loss < trivial * (1 - margin)


def _seed_generators(model) -> list:
    """Every SeedGenerator in the model (dropout layers, RNN cells), in a stable order."""
    layers = model._flatten_layers(include_self=False, recursive=True)
    return [
        layer.seed_generator
        for layer in layers
        if getattr(layer, "seed_generator", None) is not None
    ]


def _reseed(model, epoch_seed: int) -> None:
    # Global seeds drive shuffling; dropout masks come from per-layer generators whose state
    # is not in the weights, so they are reset too: the epoch then depends only on its seed.
    import keras

    keras.utils.set_random_seed(epoch_seed)
    for i, generator in enumerate(_seed_generators(model)):
        state = np.zeros(tuple(generator.state.shape), dtype=generator.state.dtype)
        state.flat[0] = (epoch_seed * 31 + i) % (2**31 - 1)
        generator.state.assign(state)


def _save_weights(model, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        model.save_weights(_h5(tmp))  # Keras insists on the .weights.h5 suffix
        os.replace(_h5(tmp), tmp)


def _h5(path: Path) -> Path:
    return path.with_name(path.name + ".weights.h5")


def _checkpoint(model, state: _LoopState, checkpoint_dir: Path) -> None:
    """Weights and optimizer slots first (Keras' weights file holds both), then the loop state
    that points at them."""
    _save_weights(model, checkpoint_dir / "last.weights.h5")
    write_json(checkpoint_dir / "state.json", asdict(state))


def _resume(model, checkpoint_dir: Path, fingerprint: str) -> _LoopState | None:
    """Load our own checkpoint into ``model``; None (and a clean slate) when there is none."""
    files = [checkpoint_dir / n for n in ("state.json", "last.weights.h5")]
    if not all(f.is_file() for f in files):
        return None
    saved = read_json(files[0])
    if saved.get("fingerprint") != fingerprint:  # params or data changed: start over
        shutil.rmtree(checkpoint_dir, ignore_errors=True)
        return None
    # built first, so loading the weights file restores the slots too instead of skipping them
    model.optimizer.build(model.trainable_variables)
    try:
        model.load_weights(files[1])
    except ValueError:  # written for another model shape: start over
        shutil.rmtree(checkpoint_dir, ignore_errors=True)
        return None
    return _LoopState(**saved)


def _fingerprint(
    variant: str,
    model_params: ModelParams,
    train_params: TrainParams,
    seed: int,
    processed_dir: Path,
    embeddings: str = "none",
) -> str:
    digest = hashlib.sha256(
        json.dumps(
            [variant, model_params.model_dump(), train_params.model_dump(), seed, embeddings],
            sort_keys=True,
        ).encode()
    )
    for name in ("train.npz", "val.npz", VOCAB_FILE):
        digest.update(sha256_file(processed_dir / name).encode())
    return digest.hexdigest()[:24]


def _summary(
    variant: str,
    state: _LoopState | None,
    model,
    error: str | None,
    backend: str,
    seed: int,
    plateau_margin: float | None,
) -> TrainSummary:
    epochs = state.epoch if state else 0
    best = state.best_epoch if state else 0
    val_acc = state.history.get("val_accuracy", []) if state else []
    return TrainSummary(
        variant=variant,
        status="failed" if error else "ok",
        epochs_run=epochs,
        best_epoch=best,
        best_val_loss=state.best_val_loss if state and best else None,
        best_val_accuracy=val_acc[best - 1] if best else None,
        seconds=round(state.seconds, 3) if state else 0.0,
        seconds_per_epoch=round(state.seconds / epochs, 3) if epochs else 0.0,
        parameters=int(model.count_params()) if model is not None else 0,
        backend=backend,
        resumed_from_epoch=state.resumed_from_epoch if state else 0,
        error=error,
        seed=seed,
        learned=bool(state and best)
        and left_plateau(state.best_val_loss, state.trivial_val_loss, plateau_margin),
        trivial_val_loss=round(state.trivial_val_loss, 6) if state else None,
    )


def _write_curves(history: dict[str, list[float]], curves_path: str | Path) -> None:
    curves = pd.DataFrame(history)
    curves.insert(0, "epoch", np.arange(1, len(curves) + 1))
    with atomic_path(curves_path) as tmp:
        curves.to_csv(tmp, index=False, float_format="%.6f")
