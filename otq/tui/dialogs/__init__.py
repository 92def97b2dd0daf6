"""Reusable modal dialogs: a one-line prompt, a type-ahead picker, a fix preview, a yes/no
question and a read-only text view. Each returns its answer through ``dismiss`` (use
``push_screen(dialog, callback)`` or ``push_screen_wait``); none of them changes data."""

from otq.tui.dialogs.confirm import ConfirmModal, TextModal
from otq.tui.dialogs.fix import FixModal, FixOption
from otq.tui.dialogs.picker import PickerItem, PickerModal, filter_items
from otq.tui.dialogs.prompt import PromptModal

__all__ = ["ConfirmModal", "FixModal", "FixOption", "PickerItem", "PickerModal", "PromptModal",
           "TextModal", "filter_items"]
