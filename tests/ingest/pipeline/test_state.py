"""``FusionState``: the mode signal's names written when the text is read, in write order."""

from __future__ import annotations

import numpy as np

from ingest.pipeline import FusionState

NAMES = np.array(["STOP", "IDLE", "RUNNING"], dtype=object)
MODE = 2  # the mode signal's index


def _state(twins: int = 3, signals: int = 3) -> FusionState:
    state = FusionState(signals)
    state.ensure_twins(twins)
    return state


def _wait(state: FusionState, twin: int, mode: int) -> None:
    """What a commit of the compiled kernel does: the mode's index, a name to write."""
    state.name_modes(NAMES, MODE)[twin] = mode
    state.naming = True


def test_a_waiting_name_is_the_text_when_read_and_only_then_written() -> None:
    state = _state()
    _wait(state, 1, 2)
    assert state.mode_name[1] == 2  # waiting, not yet written
    assert state.state_text[1 * state.signals + MODE] == "RUNNING"
    assert state.state_text[0 * state.signals + MODE] is None
    assert not state.naming
    assert (state.mode_name == -1).all()


def test_a_text_written_after_a_waiting_name_wins_and_one_before_loses() -> None:
    state = _state()
    state.state_text[0 * state.signals + MODE] = "before"
    _wait(state, 0, 1)
    assert state.state_text[0 * state.signals + MODE] == "IDLE"
    _wait(state, 0, 2)
    state.state_text[0 * state.signals + MODE] = "after"  # the read resolved the name first
    assert state.state_text[0 * state.signals + MODE] == "after"


def test_waiting_names_survive_more_twins_and_more_signals() -> None:
    state = _state(twins=3, signals=3)
    _wait(state, 2, 1)
    state.ensure_twins(100)
    _wait(state, 50, 2)
    state.ensure_signals(7)  # every key moves
    assert state.state_text[2 * state.signals + MODE] == "IDLE"
    assert state.state_text[50 * state.signals + MODE] == "RUNNING"
    assert sum(text is not None for text in state.state_text) == 2


def test_names_waiting_under_other_names_are_written_with_those() -> None:
    state = _state()
    _wait(state, 0, 0)
    other = np.array(["OFF", "ON", "BROKEN"], dtype=object)
    state.name_modes(other, MODE)[1] = 2
    state.naming = True
    assert state.state_text[0 * state.signals + MODE] == "STOP"
    assert state.state_text[1 * state.signals + MODE] == "BROKEN"
