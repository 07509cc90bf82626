"""Field numbers are forever: no locked field may vanish, move or change type."""

from __future__ import annotations

import json

from scripts.field_numbers import LOCK, current


def test_locked_fields_keep_number_type_and_label() -> None:
    locked = json.loads(LOCK.read_text())
    now = current()
    changed = [
        f"{message}.{name}: locked {spec}, now {now.get(message, {}).get(name)}"
        for message, fields in locked.items()
        for name, spec in fields.items()
        if now.get(message, {}).get(name) != spec
    ]
    assert changed == [], "renumbered or retyped fields (wire-incompatible):\n" + "\n".join(changed)


def test_new_fields_are_locked_and_numbers_unique() -> None:
    locked = json.loads(LOCK.read_text())
    now = current()
    unlocked = [f"{m}.{n}" for m, fields in now.items() for n in fields if n not in locked.get(m, {})]
    assert unlocked == [], "new fields: review them, then run `make lock`:\n" + "\n".join(unlocked)
    for message, fields in now.items():
        numbers = [spec[0] for spec in fields.values()]
        assert len(numbers) == len(set(numbers)), message


def test_v0042_shares_v0043_numbers() -> None:
    """Same message path and field name, same number: v0042 bytes then read as v0043 and back."""
    now = current()
    for message, fields in now.items():
        if not message.startswith("slurm.v0042."):
            continue
        twin = now.get(message.replace("v0042", "v0043"), {})
        for name, spec in fields.items():
            assert twin.get(name, [None])[0] == spec[0], f"{message}.{name}"
