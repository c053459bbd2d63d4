"""Twins' models as small integer codes, so model filters are one numpy gather."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import numpy.typing as npt


def model_mask(
    codes: Mapping[str, int], node_codes: npt.NDArray[np.int32], models: Iterable[str]
) -> npt.NDArray[np.bool_]:
    """Per node, whether its twin's model (``node_codes``, coded by ``codes``) is in ``models``.

    Codes run from 0 to ``len(codes)``; the extra last slot is for nodes whose
    model has no code, which no filter selects.
    """
    allowed = np.zeros(len(codes) + 1, dtype=np.bool_)
    for dtmi in models:
        code = codes.get(dtmi)
        if code is not None:
            allowed[code] = True
    mask: npt.NDArray[np.bool_] = allowed[node_codes]
    return mask
