"""``python -m loaders.synthetic``: write a synthetic plant as an ADT import NDJSON file.

    python -m loaders.synthetic --twins 100000 --out /tmp/plant
    twinweave load /tmp/plant/plant.ndjson

The file holds the models, the twins and the edges of
:func:`loaders.generate_plant` (same arguments, same seed: same file).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from loaders._adt_write import write_adt_ndjson
from loaders._errors import LoaderError
from loaders._synthetic import generate_plant


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m loaders.synthetic",
        description="Write a synthetic plant (models, twins, edges) as an ADT import NDJSON file.",
    )
    parser.add_argument("--twins", type=int, default=100_000, help="how many twins (100000)")
    parser.add_argument("--fan-out", type=int, default=10, help="children per twin (10)")
    parser.add_argument(
        "--multi-parent-share",
        type=float,
        default=0.02,
        help="share of twins with a second parent (0.02)",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (0)")
    parser.add_argument("--out", type=Path, required=True, help="folder to write plant.ndjson to")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        plant = generate_plant(
            args.twins,
            fan_out=args.fan_out,
            multi_parent_share=args.multi_parent_share,
            seed=args.seed,
        )
        args.out.mkdir(parents=True, exist_ok=True)
        target = args.out / "plant.ndjson"
        lines = write_adt_ndjson(target, models=plant.models, twins=plant.twins, edges=plant.edges)
    except LoaderError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except OSError as err:
        print(f"error: cannot write to {str(args.out)!r}: {err.strerror or err}", file=sys.stderr)
        return 2
    took = time.perf_counter() - started
    print(
        f"wrote {target}: {len(plant.twins)} twins, {len(plant.edges)} edges, "
        f"{len(plant.models)} models ({lines} lines) in {took:.2f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
