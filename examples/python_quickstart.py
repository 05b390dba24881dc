#!/usr/bin/env python3
# Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
"""Quickstart: open an engine, stock one item, hold two units for a cart, confirm the sale.

The Python twin of examples/quickstart.cc. Build the module with -DINVENTORY_BUILD_PYTHON=ON,
then: PYTHONPATH=build/release/bindings/python python3 examples/python_quickstart.py
"""

import sys

import inventory


def main() -> int:
    # In memory (no path, durability "none"); pass a directory to journal every change.
    with inventory.open() as engine:
        engine.upsert_location("wh-1", "Main warehouse")
        engine.upsert_product("p-1", sku="MUG-RED", name="Red mug", price=(1299, "EUR"))
        mug = engine.upsert_item("p-1", "wh-1")
        engine.adjust(mug, 10, reason="restock")

        try:
            hold = engine.reserve(mug, 2, ttl_seconds=15 * 60, reference="cart-42")
            engine.confirm(hold)
        except inventory.Error as error:  # e.g. InsufficientStock, with .code and .field
            print(f"checkout: {error}", file=sys.stderr)
            return 1

        level = engine.get(mug)
        print(f"on_hand {level.on_hand}, reserved {level.reserved}, available {level.available}")
        return 0 if level.on_hand == 8 else 1


if __name__ == "__main__":
    sys.exit(main())
