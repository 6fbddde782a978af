"""Real MLflow (embedded sqlite store in a temp folder), no mocks: the outputs of a finished
pipeline, fake (`outputs`) or one tiny real variant trained once for the session (`logged`)."""

import pytest

from birnn.config import parse_params
from birnn.files import write_json
from birnn.layout import Layout

NAMES = ["lstm-concat", "gru-ave", "tfidf-logreg"]


def write_outputs(layout: dict, names: list[str] = NAMES) -> None:
    """Metrics, histories and a comparison as the stages leave them; no complete model folder."""
    for path in layout.values():
        path.mkdir(parents=True, exist_ok=True)
    (layout["processed"] / "test.npz").write_bytes(b"x")
    for i, name in enumerate(names):
        write_json(
            layout["metrics"] / f"{name}.json",
            {
                "variant": name,
                "kind": "rnn",
                "cell": name.split("-")[0],
                "merge_mode": name.split("-")[1],
                "accuracy": 0.5 + i / 10,
            },
        )
        if name != "tfidf-logreg":
            (layout["models"] / name).mkdir(exist_ok=True)
            (layout["models"] / name / "model.keras").write_bytes(b"weights")
            write_json(
                layout["models"] / name / "history.json",
                {
                    "loss": [0.7, 0.5, 0.4],
                    "val_loss": [0.7, 0.6, 0.65],
                    "accuracy": [0.5, 0.7, 0.8],
                },
            )
    write_json(
        layout["reports"] / "comparison.json", {"best_variant": "gru-ave", "best_accuracy": 0.6}
    )


def output_paths(layout: dict) -> dict:
    return dict(
        metrics_dir=layout["metrics"],
        models_dir=layout["models"],
        curves_dir=layout["curves"],
        reports_dir=layout["reports"],
        processed_dir=layout["processed"],
    )


@pytest.fixture
def outputs(tmp_path):
    layout = {k: tmp_path / k for k in ("metrics", "models", "curves", "reports", "processed")}
    write_outputs(layout)
    params = parse_params(
        {
            "tracking": {
                "uri": f"sqlite:///{tmp_path}/mlflow.db",
                "artifact_root": str(tmp_path / "artifacts"),
            }
        }
    )
    return params, output_paths(layout)


def project_outputs(root) -> dict:
    """The same outputs at a project's standard paths (birnn.layout)."""
    layout = Layout(root)
    return {
        "metrics": layout.metrics_dir,
        "models": layout.models_dir,
        "curves": layout.curves_dir,
        "reports": layout.reports_dir,
        "processed": layout.processed_dir,
    }


@pytest.fixture(scope="session")
def logged(tmp_path_factory):
    """One tiny real variant (+ baseline), compared and logged to a temp sqlite store."""
    from tracked import log_tiny_project

    return log_tiny_project(tmp_path_factory.mktemp("tracked"))
