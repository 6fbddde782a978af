"""Benchmarks (`make bench`, `python -m benchmarks`), outside the wheel. Every measurement is
set against a reference in the same run, since absolute times on shared machines vary:

* training: the seed tutorial's BiLSTM (the reference) vs this project's defaults, on the
  same rows: seconds per epoch, test accuracy, inference texts/s, and the ratios;
* the whole sweep: every variant with the defaults, in a fresh process: wall time, peak RSS;
* data stages at scale: clean + tokenize + split through the real stage code
  (data.source=csv) on generated tweets, one fresh process per size: seconds, rows/s, peak RSS;
* DVC overhead: `dvc repro` with nothing to do, in a reproduced temporary copy of the repo.
* `dvc repro` vs one process (`make bench-ratio`): the default DAG with every stage a plain
  `bin/birnn <stage>` process vs all stages in one interpreter; target <= 1.5x.
* real data (`python -m benchmarks real`): SST-2, airline tweets, IMDB beside TF-IDF.
* the GPU check (`python -m benchmarks gpu`): the default variants on IMDB-sized reviews,
  seconds per epoch and accuracy, under 5 minutes on a GPU (`--quick` on a CPU).

    python -m benchmarks                  # all of it -> reports/bench.json + reports/bench.md
    python -m benchmarks all --skip dvc --train-rows 4000
    python -m benchmarks sweep --root /tmp/sweep --set data.builtin_size=50000 --out sweep.json

Run from the repository root (or with it on PYTHONPATH). KERAS_BACKEND picks the backend
(tensorflow by default); on a GPU the same command runs there.
"""
