"""The training tasks, by component name (graders/catalogue.py lists them in their units)."""

from __future__ import annotations

from ..task import Task
from .attention_seq2seq import AttentionCalculator, DateConverter
from .lstm_calculator import LSTMCalculator
from .next_frames import NextFrames
from .power import PowerGRU, PowerLSTM, PowerRNN
from .transformer_calculator import TransformerCalculator

TASKS: dict[str, Task] = {
    task.name: task
    for task in (TransformerCalculator(), LSTMCalculator(), AttentionCalculator(), DateConverter(), PowerLSTM(),
                 PowerGRU(), PowerRNN(), NextFrames())
}
