"""Run the pipeline as a Prefect flow: the same stages as dvc.yaml, the same files.

    python flows/pipeline.py                        # ephemeral Prefect, no server needed
    python flows/pipeline.py --set train.epochs=2   # override params for this run only
    python flows/pipeline.py --set orchestration.dask_address=tcp://10.0.0.5:8786

Exit codes: 0 done; 1 failed (a variant, a stage, params); 3 done on a temporary local Prefect
API because PREFECT_API_URL's server did not answer. The flow lives in birnn.orchestration.
"""

import sys

from birnn.orchestration.flow import main, pipeline  # noqa: F401  (pipeline: `prefect deploy` entry)

if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        from birnn.cli import INTERRUPTED

        print(INTERRUPTED.format(command="the flow"), file=sys.stderr)
        sys.exit(130)
