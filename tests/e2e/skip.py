#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Stands in for an e2e test whose prerequisites were left out of this build:
prints why and exits 77 (meson's SKIP). usage: skip.py REASON"""
import sys

print("skipped:", sys.argv[1])
sys.exit(77)
